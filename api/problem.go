package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/matcher"
	"matchmaker/people"
	"matchmaker/profiles"
	"matchmaker/workflow"
)

// ProblemContentType is the media type of every error body (RFC 9457).
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem detail. Errors lists every invalid field of a
// request, so that a client can fix them all at once.
type Problem struct {
	Type      string                `json:"type"`
	Title     string                `json:"title"`
	Status    int                   `json:"status"`
	Detail    string                `json:"detail"`
	Instance  string                `json:"instance,omitempty"`
	RequestID string                `json:"request_id,omitempty"`
	Errors    []profiles.FieldError `json:"errors,omitempty"`

	// detail is Detail with its code in the message catalogue, said in the
	// reader's language when the problem is sent.
	detail profiles.Text
}

// say is the Text of format and args: see profiles.Sayf.
func say(format string, args ...any) profiles.Text { return profiles.Sayf(format, args...) }

// Error makes a Problem usable as an error returned by a handler.
func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// problemTypes names the problem type URIs, one per class of error.
var problemTypes = map[int]string{
	http.StatusBadRequest:            "bad-request",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not-found",
	http.StatusMethodNotAllowed:      "method-not-allowed",
	http.StatusConflict:              "conflict",
	http.StatusPreconditionFailed:    "precondition-failed",
	http.StatusRequestEntityTooLarge: "payload-too-large",
	http.StatusUnsupportedMediaType:  "unsupported-media-type",
	http.StatusUnprocessableEntity:   "validation-failed",
	http.StatusTooManyRequests:       "too-many-requests",
	http.StatusInternalServerError:   "internal-error",
	http.StatusServiceUnavailable:    "service-unavailable",

	// Answered for net/http, to requests it could not read: see Listener.
	http.StatusRequestHeaderFieldsTooLarge: "request-header-fields-too-large",
	http.StatusNotImplemented:              "not-implemented",
	http.StatusHTTPVersionNotSupported:     "http-version-not-supported",
}

// retryAfterSeconds is the Retry-After of a 503: long enough for a restarted or
// failed-over database to answer again, short enough not to stall a client.
const retryAfterSeconds = "5"

// newProblem builds a problem of status with detail and, optionally, field errors.
func newProblem(status int, detail profiles.Text, fields ...profiles.FieldError) *Problem {
	typ, ok := problemTypes[status]
	if !ok {
		typ = "about:blank"
	} else {
		typ = typeURI("", typ)
	}
	return &Problem{Type: typ, Title: http.StatusText(status), Status: status, Detail: detail.English, Errors: fields, detail: detail}
}

// badRequest is a 400 problem naming the bad fields or parameters.
func badRequest(detail profiles.Text, fields ...profiles.FieldError) *Problem {
	return newProblem(http.StatusBadRequest, detail, fields...)
}

// errorHandler decides the HTTP status of every error, in one place. A 5xx body
// says nothing internal; its cause is logged once with the request ID.
func errorHandler(log *slog.Logger, sp speaker) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p := toProblem(err)
		// A copy, said in the reader's language: a *Problem returned by a
		// handler may be a shared value.
		cp := *p
		p = &cp
		sp.localize(p, RequestLang(c))
		if sp.base != "" && strings.HasPrefix(p.Type, problemTypePath) {
			p.Type = strings.TrimSuffix(sp.base, "/") + p.Type
		}
		p.Instance = c.Request().URL.Path
		p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
		if p.Status >= 500 {
			log.ErrorContext(c.Request().Context(), "request failed",
				"request_id", p.RequestID, "method", c.Request().Method, "path", c.Request().URL.Path,
				"status", p.Status, "error", err.Error())
		}
		c.Response().Header().Set(echo.HeaderContentType, ProblemContentType)
		if p.Status == http.StatusServiceUnavailable && c.Response().Header().Get("Retry-After") == "" {
			// The database is usually back within seconds (a restart, a failover):
			// tell clients when a retry is worth it instead of letting them hammer.
			c.Response().Header().Set("Retry-After", retryAfterSeconds)
		}
		// The body of a HEAD is dropped by headAsGet, after it is counted.
		if err := c.JSON(p.Status, p); err != nil {
			log.Warn("write problem", "request_id", p.RequestID, "error", err)
		}
	}
}

func toProblem(err error) *Problem {
	var (
		p  *Problem
		ve *profiles.ValidationError
		ce *profiles.ConflictError
		se *profiles.StaleError
		he *echo.HTTPError
		re *workflow.RuleError
		rf *people.Refusal
	)
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &rf):
		return newProblem(http.StatusForbidden, rf.Text)
	case errors.As(err, &re):
		return newProblem(http.StatusUnprocessableEntity, textOr(re.Text, re.Detail), re.Fields...)
	case errors.As(err, &ve):
		return newProblem(http.StatusUnprocessableEntity, say("%d field(s) are invalid: see errors", len(ve.Fields)), ve.Fields...)
	case errors.As(err, &se):
		return newProblem(http.StatusPreconditionFailed, textOr(se.Text, se.Detail))
	case errors.As(err, &ce):
		return newProblem(http.StatusConflict, textOr(ce.Text, ce.Detail), ce.Fields...)
	case errors.Is(err, matcher.ErrClosed):
		return newProblem(http.StatusConflict, say("the challenge is closed: suggestions are made for open challenges only"))
	case errors.Is(err, matcher.ErrInvalidQuery):
		return newProblem(http.StatusBadRequest, profiles.Said(invalidQueryDetail(err)))
	case errors.Is(err, profiles.ErrNotFound), errors.Is(err, matcher.ErrNotFound):
		return newProblem(http.StatusNotFound, say("no such resource"))
	case errors.Is(err, profiles.ErrConflict):
		return newProblem(http.StatusConflict, say("the request conflicts with the stored state"))
	case profiles.IsSchemaMissing(err):
		return newProblem(http.StatusServiceUnavailable, say("the database is not ready: its tables are missing until the migrations run again; try again shortly"))
	case profiles.IsUnavailable(err):
		return newProblem(http.StatusServiceUnavailable, say("the database is not answering; try again shortly"))
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return newProblem(he.Code, say("no route matches this path"))
		case http.StatusMethodNotAllowed:
			return newProblem(he.Code, say("this method is not allowed on this path"))
		case http.StatusRequestEntityTooLarge:
			return newProblem(he.Code, say("the request body is over the limit of %d bytes", maxBodyBytes))
		}
		if he.Code < 500 {
			return newProblem(he.Code, profiles.Said(fmt.Sprint(he.Message)))
		}
	}
	return newProblem(http.StatusInternalServerError, say("something went wrong on our side; the request ID identifies it in our logs"))
}

// textOr is t, or the English detail when the error was built without its
// Text (a literal ConflictError{Detail: …}): said as it is, never left empty.
func textOr(t profiles.Text, detail string) profiles.Text {
	if t.English == "" {
		return profiles.Said(detail)
	}
	return t
}

// invalidQueryDetail keeps the matcher's own words for a bad option: they name it.
func invalidQueryDetail(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, matcher.ErrInvalidQuery.Error()+": "); i >= 0 {
		return msg[i+len(matcher.ErrInvalidQuery.Error())+2:]
	}
	return "the request's options are invalid"
}
