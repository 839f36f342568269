package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"

	"matchmaker/profiles"
	"matchmaker/transfer"
)

type importCmd struct {
	DryRun bool     `name:"dry-run" help:"Check every row and count what would be written; write nothing."`
	Files  []string `arg:"" name:"file" help:"CSV or JSONL files of cities, practices, challenges or experts (see docs/import.md); all of them are imported together, or none."`
}

type exportCmd struct {
	Kind       string `name:"kind" required:"" enum:"cities,practices,challenges,experts" help:"What to export: cities, practices, challenges or experts."`
	Format     string `name:"format" default:"csv" enum:"csv,jsonl" help:"File format: csv or jsonl."`
	Output     string `name:"output" short:"o" help:"File to write (default: standard output)."`
	NoContacts bool   `name:"no-contacts" help:"Leave out the contact details of cities and experts."`
}

type backupCmd struct {
	File string `arg:"" name:"file" help:"The new file to write the copy of the SQLite database to."`
}

// importFiles imports files, with a progress bar on stderr, and prints what it
// did; bad rows are printed one a line on stderr.
func (e env) importFiles(ctx context.Context, cmd importCmd) error {
	store, _, err := e.prepare(ctx, true)
	if err != nil {
		return err
	}
	defer store.DB().Close()
	sources := make([]transfer.Source, len(cmd.Files))
	for i, f := range cmd.Files {
		sources[i] = transfer.FileSource(f)
		sources[i].Name = f
	}
	var bar *progressbar.ProgressBar
	phase := ""
	rep, err := transfer.NewImporter(store).Import(ctx, sources, transfer.Options{DryRun: cmd.DryRun, Progress: func(p transfer.Progress) {
		if p.Phase != phase {
			if bar != nil {
				_ = bar.Finish()
			}
			phase = p.Phase
			total := int64(p.Total)
			if p.Phase == transfer.PhaseChecking {
				total = -1 // unknown until every file is read
			}
			bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription(p.Phase),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
				progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
		}
		_ = bar.Set(p.Done)
	}})
	if bar != nil {
		_ = bar.Finish()
	}
	var bad *transfer.ImportError
	if errors.As(err, &bad) {
		for _, r := range bad.Errors {
			fmt.Fprintf(e.stderr, "%s [%s]\n", r, r.Code)
		}
		if bad.Total > len(bad.Errors) {
			fmt.Fprintf(e.stderr, "… and %d more\n", bad.Total-len(bad.Errors))
		}
		if bad.Total == 1 {
			return errors.New("1 bad row: nothing imported")
		}
		return fmt.Errorf("%d bad rows: nothing imported", bad.Total)
	}
	if err != nil {
		return err
	}
	if !rep.DryRun {
		// A large import changes what the best plan of a list query is.
		if err := store.Analyze(ctx); err != nil {
			e.log.Warn("refresh the query statistics after the import", "error", err)
		}
	}
	verb := "imported"
	if rep.DryRun {
		verb = "checked (dry run, nothing written)"
	}
	var parts []string
	for _, k := range profiles.Kinds {
		c := rep.Counts[k]
		if c.Rows == 0 {
			continue
		}
		if rep.DryRun {
			parts = append(parts, fmt.Sprintf("%s: %d new, %d known", kindPlural(k), c.Created, c.Updated))
		} else {
			parts = append(parts, fmt.Sprintf("%s: %d created, %d updated, %d unchanged", kindPlural(k), c.Created, c.Updated, c.Unchanged))
		}
	}
	fmt.Fprintf(e.stdout, "%s %d rows; %s\n", verb, rep.Rows, strings.Join(parts, "; "))
	return nil
}

func kindPlural(k string) string {
	if k == profiles.KindCity {
		return "cities"
	}
	return k + "s"
}

// export writes one kind to a file or stdout.
func (e env) export(ctx context.Context, cmd exportCmd) (err error) {
	kind, err := transfer.ParseKind(cmd.Kind)
	if err != nil {
		return err
	}
	format, err := transfer.ParseFormat(cmd.Format)
	if err != nil {
		return err
	}
	store, _, err := e.prepare(ctx, false)
	if err != nil {
		return err
	}
	defer store.DB().Close()
	var w io.Writer = e.stdout
	if cmd.Output != "" {
		f, err := os.OpenFile(cmd.Output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	opt := transfer.ExportOptions{Kind: kind, Format: format}
	if cmd.NoContacts {
		opt.ContactVisible = func(string, string) (bool, error) { return false, nil }
	}
	n, err := transfer.Export(ctx, store, w, opt)
	if err != nil {
		return err
	}
	e.log.Info("export done", "kind", kind, "format", format, "rows", n)
	return nil
}

// backup copies the running SQLite database to a new file.
func (e env) backup(ctx context.Context, cmd backupCmd) error {
	store, _, err := e.prepare(ctx, false)
	if err != nil {
		return err
	}
	defer store.DB().Close()
	if err := transfer.Backup(ctx, store, cmd.File); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backed up to %s\n", cmd.File)
	return nil
}
