package api

import (
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
	n, err := transfer.Export(c.Request().Context(), s.store, res, transfer.ExportOptions{
		Kind: kind, Format: f, DraftsOf: draftsVisibleTo(c),
		ContactVisible: func(kind, id string) (bool, error) { return s.contactVisible(c, kind, id) },
	})
	if err != nil {
		// The status is sent: the client sees a cut stream, the log why.
		s.log.Error("export cut short", "request_id", res.Header().Get(echo.HeaderXRequestID), "kind", kind, "rows", n, "error", err)
		return nil
	}
	return nil
}
