package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"matchmaker/profiles"
	"matchmaker/transfer"
)

// Imports run as jobs: the files are stored with the import and its job in one
// transaction, any replica's worker claims the job, and the import writes its
// rows, its counts and its end in one more transaction, so that a job run
// again after a crash finds the import finished or starts it over.

// importArgs is the job of one import.
type importArgs struct {
	ImportID string `json:"import_id"`
}

// Kind names the job in river's tables.
func (importArgs) Kind() string { return "import" }

// InsertOpts make an import's job unique by its import.
func (importArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: importAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// importAttempts is how many times an import's job is tried: a shutdown ends
// an attempt, and the next one starts over (nothing of the first was written).
const importAttempts = 3

// MaxImportFiles bounds the files of one import.
const MaxImportFiles = 20

// ImportView is an import as the doors show it.
type ImportView struct {
	profiles.Import
	// Report is what the import did or, on a dry run, would do.
	Report *transfer.Report
	// Errors are the bad rows that stopped it (at most
	// transfer.MaxReportedErrors), ErrorTotal how many there are.
	Errors     []transfer.RowError
	ErrorTotal int
	// Text is why a failed import failed (Detail), to say in the reader's
	// language.
	Text profiles.Text
}

// importProblems is how an import's failure is stored: its bad rows, and the
// code and parameters of its detail (the English is the import's Detail).
type importProblems struct {
	Total  int                 `json:"total"`
	Errors []transfer.RowError `json:"errors"`
	Code   string              `json:"code,omitempty"`
	Params map[string]any      `json:"params,omitempty"`
}

// StartImport stores an import of files and queues its job. createdBy names
// who asked (a key ID).
func (w *Workflows) StartImport(ctx context.Context, files []profiles.ImportFile, dryRun bool, createdBy string) (ImportView, error) {
	var fe fieldErrors
	switch {
	case len(files) == 0:
		fe.add("file", "send at least one file")
	case len(files) > MaxImportFiles:
		fe.add("file", "send at most %d files in one import", MaxImportFiles)
	}
	names := map[string]bool{}
	for i, f := range files {
		if f.Name == "" {
			fe.add(fmt.Sprintf("file[%d]", i), "the file needs a name (cities.csv, experts.jsonl…)")
		} else if names[f.Name] {
			fe.add(fmt.Sprintf("file[%d]", i), "the file %q is sent twice", f.Name)
		}
		names[f.Name] = true
		// Kept as text until the job reads it: a file that is not UTF-8
		// (or holds NUL bytes, which no text column takes) is refused now;
		// the command line names its bad lines.
		if !utf8.Valid(f.Body) || bytes.IndexByte(f.Body, 0) >= 0 {
			fe.add(fmt.Sprintf("file[%d]", i), "%s is not UTF-8 text: save it as UTF-8 (CSV UTF-8 in a spreadsheet)", f.Name)
		}
	}
	if err := fe.err(); err != nil {
		return ImportView{}, err
	}
	var out profiles.Import
	err := w.store.InTx(ctx, func(tx *profiles.Store) error {
		var err error
		if out, err = tx.CreateImport(ctx, dryRun, createdBy, files); err != nil {
			return err
		}
		if _, err := w.jobs.client.InsertTx(ctx, tx.SQLTx(), importArgs{ImportID: out.ID}, nil); err != nil {
			return fmt.Errorf("queue import %s: %w", out.ID, err)
		}
		return nil
	})
	if err != nil {
		return ImportView{}, err
	}
	return viewOf(out)
}

// FindImport returns the import with id, or profiles.ErrNotFound.
func (w *Workflows) FindImport(ctx context.Context, id string) (ImportView, error) {
	im, err := w.store.FindImportByID(ctx, id)
	if err != nil {
		return ImportView{}, err
	}
	return viewOf(im)
}

func viewOf(im profiles.Import) (ImportView, error) {
	v := ImportView{Import: im, Errors: []transfer.RowError{}}
	if im.State == profiles.ImportSucceeded {
		var rep transfer.Report
		if err := json.Unmarshal(im.Counts, &rep); err != nil {
			return ImportView{}, fmt.Errorf("read import %s: %w", im.ID, err)
		}
		v.Report = &rep
	}
	if len(im.Problems) > 0 && im.Problems[0] == '{' {
		var p importProblems
		if err := json.Unmarshal(im.Problems, &p); err != nil {
			return ImportView{}, fmt.Errorf("read import %s: %w", im.ID, err)
		}
		if p.Errors != nil {
			v.Errors = p.Errors
		}
		v.ErrorTotal = p.Total
		v.Text.Code, v.Text.Params = p.Code, p.Params
	}
	v.Text.English = im.Detail
	return v, nil
}

// importWorker runs an import's job.
type importWorker struct {
	river.WorkerDefaults[importArgs]
	w *Workflows
}

// progressEvery is how often a running import records its progress.
const progressEvery = time.Second

// Work runs the import. Bad rows end it as failed with every one of them; an
// interruption leaves it to the next attempt.
func (iw *importWorker) Work(ctx context.Context, job *river.Job[importArgs]) error {
	w, id := iw.w, job.Args.ImportID
	im, err := w.store.FindImportByID(ctx, id)
	if errors.Is(err, profiles.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if im.State == profiles.ImportSucceeded || im.State == profiles.ImportFailed {
		return nil
	}
	files, err := w.store.ImportFiles(ctx, id)
	if err != nil {
		return err
	}
	sources := make([]transfer.Source, len(files))
	for i, f := range files {
		sources[i] = transfer.BytesSource(f.Name, f.Body)
	}
	var (
		mu    sync.Mutex
		last  time.Time
		phase string
	)
	progress := func(p transfer.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Phase == phase && time.Since(last) < progressEvery {
			return
		}
		last, phase = time.Now(), p.Phase
		// Progress is a courtesy: a failure to record it does not stop the
		// import. On SQLite, a write beside the import's transaction would
		// wait for the import's own write lock: there, the writing phase
		// shows its start and its end only.
		if w.store.Dialect() == profiles.Postgres || p.Phase == transfer.PhaseChecking || p.Done == 0 {
			if err := w.store.UpdateImportProgress(ctx, id, p.Phase, p.Done, p.Total); err != nil {
				w.log.Warn("import progress not saved", "import", id, "error", err)
			}
		}
	}
	finish := func(tx *profiles.Store, rep transfer.Report) error {
		counts, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		return tx.FinishImport(ctx, id, profiles.ImportSucceeded, counts, nil, "")
	}
	rep, err := transfer.NewImporter(w.store).Import(ctx, sources, transfer.Options{DryRun: im.DryRun, Progress: progress, BeforeCommit: finish})
	if err == nil && im.DryRun {
		err = finish(w.store, rep)
	}
	if err == nil {
		w.log.Info("import done", "import", id, "rows", rep.Rows, "dry_run", im.DryRun)
		if !im.DryRun {
			// A large import changes what the best plan of a list query is.
			if err := w.store.Analyze(ctx); err != nil {
				w.log.Warn("refresh the query statistics after an import", "import", id, "error", err)
			}
		}
		return nil
	}
	if ctx.Err() != nil {
		w.log.Info("import interrupted: it runs again", "import", id, "attempt", job.Attempt)
		return err
	}
	var bad *transfer.ImportError
	var text profiles.Text
	stored := importProblems{Errors: []transfer.RowError{}}
	detail := ""
	switch {
	case errors.As(err, &bad):
		text = bad.Text()
		detail = text.English
		stored.Total, stored.Errors = bad.Total, bad.Errors
	case isDomainError(err):
		text = domainText(err)
		detail = err.Error()
	default:
		w.log.Error("import failed", "import", id, "attempt", job.Attempt, "error", err)
		if job.Attempt < job.MaxAttempts {
			return err
		}
		text = profiles.Sayf("the import could not be written; nothing of it was kept")
		detail = text.English
	}
	stored.Code, stored.Params = text.Code, text.Params
	problems, err := json.Marshal(stored)
	if err != nil {
		return err
	}
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if ferr := w.store.FinishImport(bg, id, profiles.ImportFailed, nil, problems, detail); ferr != nil {
		return ferr
	}
	w.log.Info("import refused", "import", id, "detail", detail)
	return nil
}

// domainText is the sentence of a domain error (see isDomainError) that
// stopped an import, to say in the reader's language: a conflict's own Text
// (without the file name the import wraps it in: the English detail keeps
// it). A validation error is said in English as it comes: the import checks
// every row with the same validation before it writes any, so one met while
// writing is a fault of the service, not a sentence with a code.
func domainText(err error) profiles.Text {
	var ce *profiles.ConflictError
	if errors.As(err, &ce) && ce.Text.Code != "" {
		return ce.Text
	}
	return profiles.Said(err.Error())
}

// isDomainError reports whether err says what is wrong in words a person can
// act on (a conflict, a validation), rather than a fault of the service.
func isDomainError(err error) bool {
	var ce *profiles.ConflictError
	var ve *profiles.ValidationError
	return errors.As(err, &ce) || errors.As(err, &ve)
}
