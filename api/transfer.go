package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
	"matchmaker/transfer"
	"matchmaker/workflow"
)

// Bulk data in and out: an import is sent as files and runs as a job whose
// progress, counts and bad rows GET /v1/imports/{id} shows; an export streams
// one kind of rows in CSV or JSONL.

// maxImportBytes bounds the body of an import: larger networks are imported
// with the command line (matchmaker import), which reads files of any size.
const maxImportBytes = 64 << 20

// importResponse is an import as the API shows it.
type importResponse struct {
	ID         string           `json:"id"`
	State      string           `json:"state"`
	DryRun     bool             `json:"dry_run"`
	Phase      string           `json:"phase,omitempty"`
	RowsDone   int              `json:"rows_done"`
	RowsTotal  int              `json:"rows_total"`
	Report     *transfer.Report `json:"report,omitempty"`
	Problem    *importProblem   `json:"problem,omitempty"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
	FinishedAt *time.Time       `json:"finished_at,omitempty"`
}

// importProblem is why an import failed, in the problem form (RFC 9457), with
// every bad row: file, line, field, a stable code and a message.
type importProblem struct {
	Type       string              `json:"type"`
	Title      string              `json:"title"`
	Status     int                 `json:"status"`
	Detail     string              `json:"detail"`
	Errors     []transfer.RowError `json:"errors"`
	ErrorTotal int                 `json:"error_total"`
}

// importOf is v as the API shows it, a failed import's problem said in the
// reader's language.
func (s *Server) importOf(c echo.Context, v workflow.ImportView) importResponse {
	r := importResponse{ID: v.ID, State: v.State, DryRun: v.DryRun, Phase: v.Phase, RowsDone: v.RowsDone, RowsTotal: v.RowsTotal,
		Report: v.Report, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, FinishedAt: v.FinishedAt}
	if v.State == profiles.ImportFailed {
		status := http.StatusConflict
		if v.ErrorTotal > 0 {
			status = http.StatusUnprocessableEntity
		}
		p := newProblem(status, v.Text)
		s.sp.localize(p, RequestLang(c))
		r.Problem = &importProblem{Type: p.Type, Title: p.Title, Status: p.Status, Detail: p.Detail, Errors: v.Errors, ErrorTotal: v.ErrorTotal}
	}
	return r
}

// createImport takes the files of an import as multipart/form-data (parts
// named file, each with its file name; dry_run=true to check only) and queues
// the import.
func (s *Server) createImport(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	req := c.Request()
	mt, params, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEMultipartForm || params["boundary"] == "" {
		return newProblem(http.StatusUnsupportedMediaType, profiles.Sayf("send the files as multipart/form-data, one part named file per file"))
	}
	mr, err := req.MultipartReader()
	if err != nil {
		return badRequest(profiles.Sayf("the body is not readable as multipart/form-data"))
	}
	var (
		files  []profiles.ImportFile
		dryRun bool
		bad    []profiles.FieldError
	)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return tooLargeOr(err, profiles.Sayf("the body is not readable as multipart/form-data"))
		}
		body, err := io.ReadAll(part)
		if err != nil {
			return tooLargeOr(err, profiles.Sayf("a part of the body could not be read"))
		}
		switch name := part.FormName(); name {
		case "file":
			files = append(files, profiles.ImportFile{Name: part.FileName(), Body: body})
		case "dry_run":
			switch strings.TrimSpace(string(body)) {
			case "true":
				dryRun = true
			case "false", "":
			default:
				bad = append(bad, profiles.FieldErrorf("dry_run", "must be true or false"))
			}
		default:
			if name == "" {
				name = unnamed
			}
			bad = append(bad, profiles.FieldErrorf(name, "unknown part; this route takes file and dry_run"))
		}
	}
	if len(bad) > 0 {
		return badRequest(profiles.Sayf("the request has invalid parts"), bad...)
	}
	by := ""
	if k := keyOf(c); k != nil {
		by = k.ID
	}
	v, err := s.flows.StartImport(req.Context(), files, dryRun, by)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/imports/"+v.ID)
	return c.JSON(http.StatusAccepted, s.importOf(c, v))
}

// tooLargeOr is 413 when err is the body limit's, a 400 saying msg otherwise.
func tooLargeOr(err error, msg profiles.Text) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return newProblem(http.StatusRequestEntityTooLarge, profiles.Sayf("an import sent to the API holds at most %d MiB: import larger files with the command line (matchmaker import)", maxImportBytes>>20))
	}
	return badRequest(msg)
}

func (s *Server) getImport(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	v, err := s.flows.FindImport(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.importOf(c, v))
}

// export streams every row of one kind, a page at a time, with contact details
// only where the caller may see them and draft practices only where it may.
func (s *Server) export(c echo.Context) error {
	q := newQuery(c, "format")
	format := q.enum("format", []string{"csv", "jsonl"})
	if err := q.err(); err != nil {
		return err
	}
	if format == "" {
		format = "csv"
	}
	kind, err := transfer.ParseKind(c.Param("kind"))
	if err != nil {
		return newProblem(http.StatusNotFound, profiles.Sayf("no such export: the kinds are cities, practices, challenges and experts"))
	}
	f, _ := transfer.ParseFormat(format)
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, f.ContentType())
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", c.Param("kind")+"."+format))
	res.WriteHeader(http.StatusOK)
	w := newStallWriter(c.Request().Context(), res, s.requestTimeout)
	// The status and headers go at once, under the export's own deadline
	// rather than the server's write timeout counted from the request.
	if err := w.flush(); err != nil {
		w.stop(false)
		s.log.Error("export cut short", "request_id", res.Header().Get(echo.HeaderXRequestID), "kind", kind, "rows", 0, "error", err)
		return nil
	}
	n, err := transfer.Export(w.ctx, s.store, w, transfer.ExportOptions{
		Kind: kind, Format: f, DraftsOf: draftsVisibleTo(c),
		ContactVisible: func(kind, id string) (bool, error) { return s.contactVisible(c, kind, id) },
	})
	if err == nil {
		err = w.flush()
	}
	w.stop(err == nil)
	if err != nil {
		// The status is sent: the client sees a cut stream, the log why.
		if cause := context.Cause(w.ctx); cause != nil {
			err = fmt.Errorf("%w (%w)", err, cause)
		}
		s.log.Error("export cut short", "request_id", res.Header().Get(echo.HeaderXRequestID), "kind", kind, "rows", n, "error", err)
		return nil
	}
	return nil
}

// errExportStalled is why an export is cut when it stops progressing.
var errExportStalled = errors.New("the export made no progress within the request timeout")

// stallWriter writes an export's stream under a deadline that moves with it:
// each chunk must reach the client within idle (a client that stops reading
// is cut, and the server's own write timeout does not cut a large export that
// is still moving), and ctx ends when nothing is written for idle (the rows
// stopped coming, or the client stopped taking them).
type stallWriter struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	w      http.ResponseWriter
	rc     *http.ResponseController
	idle   time.Duration
	timer  *time.Timer
}

func newStallWriter(parent context.Context, w http.ResponseWriter, idle time.Duration) *stallWriter {
	ctx, cancel := context.WithCancelCause(parent)
	sw := &stallWriter{ctx: ctx, cancel: cancel, w: w, rc: http.NewResponseController(w), idle: idle}
	sw.timer = time.AfterFunc(idle, func() { cancel(errExportStalled) })
	return sw
}

// stallChunk is how much of a write must reach the client within the idle
// time: a client reading at least this much in that time is progressing.
const stallChunk = 8 << 10

// Write passes p on in chunks, each with a write deadline idle from its start,
// and counts each chunk that went through as progress.
func (w *stallWriter) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if err := w.deadline(time.Now().Add(w.idle)); err != nil {
			return n, err
		}
		m, err := w.w.Write(p[n:min(n+stallChunk, len(p))])
		n += m
		if err != nil {
			return n, err
		}
		w.timer.Reset(w.idle)
	}
	return n, nil
}

// flush sends what the server holds of the stream under the same deadline.
func (w *stallWriter) flush() error {
	if err := w.deadline(time.Now().Add(w.idle)); err != nil {
		return err
	}
	if err := w.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// deadline sets the connection's write deadline, where the writer reaches a
// connection (a recorder in tests and a HEAD's discarding writer do not).
func (w *stallWriter) deadline(t time.Time) error {
	if err := w.rc.SetWriteDeadline(t); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// stop ends the watch. After a stream sent whole, the write deadline is
// lifted, so that it does not outlive the request on a connection kept alive
// (the server's own write timeout, when set, applies to the next one); after a
// cut, it stays: the end the server writes after the handler fails at once.
func (w *stallWriter) stop(sent bool) {
	w.timer.Stop()
	w.cancel(nil)
	if sent {
		_ = w.deadline(time.Time{})
	}
}
