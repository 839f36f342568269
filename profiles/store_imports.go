package profiles

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// The states of an import run as a job.
const (
	ImportQueued    = "queued"
	ImportRunning   = "running"
	ImportSucceeded = "succeeded"
	ImportFailed    = "failed"
)

// Import is an import run as a job: its state, how far it is, what it wrote,
// and, when it failed on bad rows, every one of them. Counts and Problems are
// JSON as the application layer wrote them.
type Import struct {
	ID         string
	State      string
	DryRun     bool
	Phase      string
	RowsTotal  int
	RowsDone   int
	Counts     json.RawMessage
	Problems   json.RawMessage
	Detail     string
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt *time.Time
}

// ImportFile is one file of an import, kept until the import ends.
type ImportFile struct {
	Name string
	Body []byte
}

type importRow struct {
	bun.BaseModel `bun:"table:imports,alias:im"`

	ID         string     `bun:"id,pk"`
	State      string     `bun:"state"`
	DryRun     bool       `bun:"dry_run"`
	Phase      string     `bun:"phase"`
	RowsTotal  int        `bun:"rows_total"`
	RowsDone   int        `bun:"rows_done"`
	Counts     string     `bun:"counts"`
	Problems   string     `bun:"problems"`
	Detail     string     `bun:"detail"`
	CreatedBy  string     `bun:"created_by"`
	CreatedAt  time.Time  `bun:"created_at"`
	UpdatedAt  time.Time  `bun:"updated_at"`
	FinishedAt *time.Time `bun:"finished_at"`
}

type importFileRow struct {
	bun.BaseModel `bun:"table:import_files"`

	ImportID string `bun:"import_id,pk"`
	Position int    `bun:"position,pk"`
	Name     string `bun:"name"`
	Body     string `bun:"body"`
}

func (r importRow) imp() Import {
	im := Import{ID: r.ID, State: r.State, DryRun: r.DryRun, Phase: r.Phase, RowsTotal: r.RowsTotal, RowsDone: r.RowsDone,
		Counts: json.RawMessage(r.Counts), Problems: json.RawMessage(r.Problems), Detail: r.Detail, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.FinishedAt != nil {
		t := r.FinishedAt.UTC()
		im.FinishedAt = &t
	}
	return im
}

// CreateImport stores a new queued import with its files. In a store from
// InTx, it joins the transaction (with the import's job).
func (s *Store) CreateImport(ctx context.Context, dryRun bool, createdBy string, files []ImportFile) (Import, error) {
	now := s.timestamp()
	row := importRow{ID: s.newID(), State: ImportQueued, DryRun: dryRun, Counts: "{}", Problems: "[]", CreatedBy: createdBy, CreatedAt: now, UpdatedAt: now}
	created(ctx, "imports", row.ID)
	wrote(ctx, "import", row.ID)
	err := s.inTx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return err
		}
		for i, f := range files {
			fr := importFileRow{ImportID: row.ID, Position: i, Name: f.Name, Body: string(f.Body)}
			if _, err := tx.NewInsert().Model(&fr).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Import{}, fmt.Errorf("create import: %w", err)
	}
	return row.imp(), nil
}

// FindImportByID returns the import with id, or ErrNotFound.
func (s *Store) FindImportByID(ctx context.Context, id string) (Import, error) {
	var row importRow
	if err := s.idb().NewSelect().Model(&row).Where("im.id = ?", id).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Import{}, fmt.Errorf("find import %s: %w", id, ErrNotFound)
		}
		return Import{}, fmt.Errorf("find import %s: %w", id, err)
	}
	return row.imp(), nil
}

// ImportFiles returns the files of the import with id, in their order.
func (s *Store) ImportFiles(ctx context.Context, id string) ([]ImportFile, error) {
	var rows []importFileRow
	if err := s.idb().NewSelect().Model(&rows).Where("import_id = ?", id).Order("position").Scan(ctx); err != nil {
		return nil, fmt.Errorf("read files of import %s: %w", id, err)
	}
	out := make([]ImportFile, len(rows))
	for i, r := range rows {
		out[i] = ImportFile{Name: r.Name, Body: []byte(r.Body)}
	}
	return out, nil
}

// UpdateImportProgress records how far the import with id is.
func (s *Store) UpdateImportProgress(ctx context.Context, id, phase string, done, total int) error {
	if _, err := s.idb().NewUpdate().Model((*importRow)(nil)).Set("state = ?", ImportRunning).Set("phase = ?", phase).
		Set("rows_done = ?", done).Set("rows_total = ?", total).Set("updated_at = ?", s.timestamp()).
		Where("id = ?", id).Where("state IN (?)", bun.List([]string{ImportQueued, ImportRunning})).Exec(ctx); err != nil {
		return fmt.Errorf("update import %s: %w", id, err)
	}
	return nil
}

// FinishImport records the end of the import with id (ImportSucceeded or
// ImportFailed), what it did and why it failed, and lets its files go. An
// import finished already is left as it is.
func (s *Store) FinishImport(ctx context.Context, id, state string, counts, problems json.RawMessage, detail string) error {
	now := s.timestamp()
	if len(counts) == 0 {
		counts = json.RawMessage("{}")
	}
	if len(problems) == 0 {
		problems = json.RawMessage("[]")
	}
	return s.inTx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*importRow)(nil)).Set("state = ?", state).Set("counts = ?", string(counts)).
			Set("problems = ?", string(problems)).Set("detail = ?", detail).Set("updated_at = ?", now).Set("finished_at = ?", now).
			Where("id = ?", id).Where("state IN (?)", bun.List([]string{ImportQueued, ImportRunning})).Exec(ctx)
		if err != nil {
			return fmt.Errorf("finish import %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return nil
		}
		if _, err := tx.NewDelete().Model((*importFileRow)(nil)).Where("import_id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("drop files of import %s: %w", id, err)
		}
		return nil
	})
}
