package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"matchmaker/profiles"
)

// This file holds what guards every write: the audit trail, Idempotency-Key on
// POST, and the rate limits.

// RateLimits bounds how fast one client may call. Zero values take the defaults;
// a negative rate turns that limit off.
type RateLimits struct {
	// PerAddress applies to every request of a client address, with or
	// without a key (requests per second, and the burst above it).
	PerAddress   float64
	AddressBurst int
	// PerKey applies to the requests of one API key.
	PerKey   float64
	KeyBurst int
}

// Default rate limits: generous for a person or an integration, tight enough
// that one runaway client cannot starve the others. A burst is twice its rate
// unless set.
const (
	defaultPerAddress = 200
	defaultPerKey     = 100
)

func (r RateLimits) withDefaults() RateLimits {
	if r.PerAddress == 0 {
		r.PerAddress = defaultPerAddress
	}
	if r.AddressBurst <= 0 {
		r.AddressBurst = max(1, int(2*r.PerAddress))
	}
	if r.PerKey == 0 {
		r.PerKey = defaultPerKey
	}
	if r.KeyBurst <= 0 {
		r.KeyBurst = max(1, int(2*r.PerKey))
	}
	return r
}

// rateLimiters returns the per-address and per-key limiters, answering 429 with
// Retry-After when a client goes over. Open routes (health, readiness, the
// document) are not limited: monitors poll them.
func rateLimiters(r RateLimits, replicas *replicaCount, open func(c echo.Context) bool) (perAddress, perKey []echo.MiddlewareFunc) {
	r = r.withDefaults()
	deny := func(limit float64) func(c echo.Context, id string, err error) error {
		return func(c echo.Context, _ string, _ error) error {
			wait := int(math.Ceil(float64(replicas.get()) / limit))
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, wait)))
			return newProblem(http.StatusTooManyRequests, say("too many requests: at most %g a second across the service; retry after %d s", limit, max(1, wait)))
		}
	}
	if r.PerAddress > 0 {
		perAddress = append(perAddress, middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
			Skipper:             open,
			Store:               newSharedLimiter(r.PerAddress, r.AddressBurst, replicas),
			IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
			DenyHandler:         deny(r.PerAddress),
			ErrorHandler:        func(c echo.Context, err error) error { return err },
		}))
	}
	if r.PerKey > 0 {
		perKey = append(perKey, middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
			Skipper:             func(c echo.Context) bool { return keyOf(c) == nil },
			Store:               newSharedLimiter(r.PerKey, r.KeyBurst, replicas),
			IdentifierExtractor: func(c echo.Context) (string, error) { return keyOf(c).ID, nil },
			DenyHandler:         deny(r.PerKey),
			ErrorHandler:        func(c echo.Context, err error) error { return err },
		}))
	}
	return perAddress, perKey
}

// isWrite reports whether a request changes something.
func isWrite(method string) bool {
	return method == http.MethodPost || method == http.MethodPatch || method == http.MethodPut || method == http.MethodDelete
}

// audit records every write, with its outcome, in the append-only audit trail.
// The request's entry travels in its context to the store, which records it in
// the transaction of the write (with the status the route answers on success):
// a write and its record commit together. A request that committed nothing (a
// refused or failed write) is recorded here after the fact, with the status the
// client got; the middleware writes the response itself (an error goes through
// the error handler here) so that this status is the one sent.
func (s *Server) audit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !isWrite(c.Request().Method) || c.Path() == "" {
			return next(c)
		}
		resource, id, nested := resourceOfPath(c)
		pending := profiles.NewPendingAudit(profiles.AuditEntry{Method: c.Request().Method, Path: c.Request().URL.Path,
			Resource: resource, ResourceID: id, Status: s.successStatus(c),
			RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}, nested)
		c.SetRequest(c.Request().WithContext(profiles.WithAudit(c.Request().Context(), pending)))
		if err := next(c); err != nil {
			c.Error(err)
		}
		if pending.Recorded() {
			return nil
		}
		e := pending.Entry()
		e.Status = c.Response().Status
		if k := keyOf(c); k != nil {
			e.KeyID, e.Role, e.Actor = k.ID, k.Role, k.Name
		}
		e.Resource, e.ResourceID = resourceOf(c)
		// The request's context may be cancelled by now; the record must
		// still be written.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 5*time.Second)
		defer cancel()
		if err := s.store.AppendAudit(ctx, e); err != nil {
			s.log.Error("audit entry not written", "request_id", e.RequestID, "method", e.Method, "path", e.Path, "error", err)
		}
		return nil
	}
}

// resourceOf names what a write touched: the collection of its path and the row,
// from the path or, for a creation, from the Location it answered.
func resourceOf(c echo.Context) (string, string) {
	parts := strings.Split(strings.Trim(c.Path(), "/"), "/")
	if len(parts) < 2 {
		return c.Path(), ""
	}
	resource, id := parts[1], ""
	if len(parts) > 2 && strings.HasPrefix(parts[2], ":") {
		id = c.Param(strings.TrimPrefix(parts[2], ":"))
	}
	if loc := c.Response().Header().Get(echo.HeaderLocation); loc != "" && (id == "" || len(parts) > 3) {
		lp := strings.Split(strings.Trim(loc, "/"), "/")
		if len(lp) == 3 {
			resource, id = lp[1], lp[2]
		}
	}
	return resource, id
}

// maxIdempotencyKey bounds an Idempotency-Key.
const maxIdempotencyKey = 200

// idempotencyTTL is how long a first answer is kept for retries.
const idempotencyTTL = 24 * time.Hour

// capture keeps a copy of what a handler writes.
type capture struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *capture) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

// idempotency makes a POST sent with an Idempotency-Key safe to retry: the first
// answer is stored and every retry of the same request gets it back, creating
// nothing new. The key is scoped to the API key (or the client address without
// one); reusing it for another request is refused.
func (s *Server) idempotency(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ik := c.Request().Header.Get("Idempotency-Key")
		if c.Request().Method != http.MethodPost || ik == "" || c.Path() == "" {
			return next(c)
		}
		if len(ik) > maxIdempotencyKey {
			return badRequest(say("Idempotency-Key must be at most %d characters", maxIdempotencyKey))
		}
		body, err := peekBody(c)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return echo.ErrStatusRequestEntityTooLarge
			}
			return badRequest(say("could not read the request body"))
		}
		sum := sha256.Sum256(body)
		scope := "address:" + c.RealIP()
		if k := keyOf(c); k != nil {
			scope = "key:" + k.ID
		}
		ctx := c.Request().Context()
		first := profiles.StoredResponse{Scope: scope, Key: ik, Method: c.Request().Method, Path: c.Request().URL.Path, BodyHash: hex.EncodeToString(sum[:])}
		prior, err := s.store.ReserveIdempotency(ctx, first, idempotencyExpiry)
		if err != nil {
			return err
		}
		if prior != nil {
			switch {
			case prior.Method != first.Method || prior.Path != first.Path || prior.BodyHash != first.BodyHash:
				return newProblem(http.StatusUnprocessableEntity, say("this Idempotency-Key was already used for another request: use a new key for a new request"),
					profiles.FieldErrorf("Idempotency-Key", "already used for %s %s with another body", prior.Method, prior.Path))
			case prior.Status == 0 && prior.CommittedAt != nil && time.Since(prior.CreatedAt) > idempotencyExpiry:
				// The first request wrote, then died before its answer
				// was stored: send the retry to what it wrote.
				return seeResult(c, prior)
			case prior.Status == 0:
				c.Response().Header().Set("Retry-After", "1")
				return newProblem(http.StatusConflict, say("a request with this Idempotency-Key is still being served: retry shortly"))
			}
			for k, v := range prior.Header {
				c.Response().Header().Set(k, v)
			}
			c.Response().Header().Set("Idempotent-Replayed", "true")
			c.Response().WriteHeader(prior.Status)
			_, err := c.Response().Write(prior.Body)
			return err
		}
		c.SetRequest(c.Request().WithContext(profiles.WithIdempotencyKey(ctx, scope, ik)))
		w := &capture{ResponseWriter: c.Response().Writer}
		c.Response().Writer = w
		if err := next(c); err != nil {
			c.Error(err)
		}
		c.Response().Writer = w.ResponseWriter
		status := c.Response().Status
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if status >= 500 {
			// Nothing was done: a retry may run again.
			if err := s.store.ReleaseIdempotency(bg, scope, ik); err != nil {
				s.log.Error("idempotency key not released", "error", err)
			}
			return nil
		}
		header := map[string]string{}
		for _, h := range []string{echo.HeaderContentType, echo.HeaderLocation, "ETag", PositionHeader} {
			if v := c.Response().Header().Get(h); v != "" {
				header[h] = v
			}
		}
		if err := s.store.CompleteIdempotency(bg, scope, ik, status, header, w.buf.Bytes()); err != nil {
			s.log.Error("idempotent answer not stored", "error", err)
		}
		return nil
	}
}

// idempotencyExpiry is how long a reservation holds its key while its request
// is served: past the request deadline, the request is dead (its process was
// killed or restarted), and a retry takes the key over or, when the write had
// committed, is sent to its result.
const idempotencyExpiry = requestTimeout + 5*time.Second

// resultPaths are where each kind of result an idempotent write records is read.
var resultPaths = map[string]string{
	"city": "/v1/cities/", "practice": "/v1/practices/", "challenge": "/v1/challenges/", "expert": "/v1/experts/",
	"proposal": "/v1/proposals/", "round": "/v1/review-rounds/", "user": "/v1/users/",
}

// seeResult answers the retry of a request that committed but lost its answer.
func seeResult(c echo.Context, prior *profiles.StoredResponse) error {
	base, ok := resultPaths[prior.ResultKind]
	if !ok {
		detail := say("this request was carried out before the service stopped, but its answer was lost: read the resource to see its state")
		if prior.ResultKind == "key" {
			detail = say("this request created the key %s before the service stopped, but its answer, the only place its secret is shown, was lost: revoke that key and create another", prior.ResultID)
		}
		return newProblem(http.StatusConflict, detail)
	}
	location := base + prior.ResultID
	c.Response().Header().Set(echo.HeaderLocation, location)
	c.Response().Header().Set("Idempotent-Replayed", "true")
	return newProblem(http.StatusSeeOther, say("this request was carried out before the service stopped, and its answer was lost: what it wrote is at %s", location))
}

// purgeIdempotency forgets first answers older than a day, every hour.
func (s *Server) purgeIdempotency(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := s.store.PurgeIdempotency(ctx, time.Now().Add(-idempotencyTTL))
		if err != nil && ctx.Err() == nil {
			s.log.Warn("idempotency keys not purged", "error", err)
		} else if n > 0 {
			s.log.Info("idempotency keys purged", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) listAudit(c echo.Context) error {
	q := newQuery(c, "key_id", "resource", "resource_id", "method", "since", "until", "limit", "cursor")
	f := profiles.AuditFilter{KeyID: q.str("key_id"), Resource: q.str("resource"), ResourceID: q.str("resource_id"),
		Method: strings.ToUpper(q.enum("method", []string{"post", "patch", "put", "delete"})), Page: q.page()}
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.str(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				q.fail(p.name, "must be a time such as 2026-11-26T10:00:00Z")
			}
			*p.to = t
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.FindAudit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(res))
}
