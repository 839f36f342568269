package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"matchmaker/profiles"
)

// The stable codes of a bad row, for programs that read an import's errors.
const (
	CodeHeader       = "header"           // a column unknown, given twice or missing
	CodeKind         = "kind"             // the kind of the file's rows is unknown
	CodeSyntax       = "syntax"           // not readable as CSV or JSON
	CodeEncoding     = "encoding"         // not UTF-8
	CodeInvalid      = "invalid"          // a field's value is refused
	CodeDuplicateRef = "duplicate_ref"    // two rows of one kind share an external_ref
	CodeRefVariant   = "ref_case_variant" // two external_refs differ only by case or surrounding space
	CodeDanglingRef  = "dangling_ref"     // a city_ref or city_id names no city
)

// MaxReportedErrors bounds how many bad rows an import lists; ImportError.Total
// counts them all.
const MaxReportedErrors = 1000

// RowError names one bad row of an import file: where, which field (a CSV
// column or a JSON field; empty for the whole line), a stable code and what is
// wrong, in words.
type RowError struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// String writes the error as file:line: field: message.
func (e RowError) String() string {
	field := ""
	if e.Field != "" {
		field = e.Field + ": "
	}
	return fmt.Sprintf("%s:%d: %s%s", e.File, e.Line, field, e.Message)
}

// rowErrors are the errors of one line; reading goes on after them.
type rowErrors []RowError

func (e *rowErrors) Error() string { return (*e)[0].String() }

// fatalRowError is a line after which the file cannot be read further.
type fatalRowError struct{ RowError }

func (e *fatalRowError) Error() string { return e.String() }

// ImportError says that an import wrote nothing because of bad rows: the
// first MaxReportedErrors of them, in file and line order, and how many
// there are.
type ImportError struct {
	Errors []RowError
	Total  int
}

// Error names the first bad row and counts the others.
func (e *ImportError) Error() string { return e.Text().English }

// Text is Error's sentence, to say in the reader's language (the first bad
// row is quoted as it is written: file:line: field: message).
func (e *ImportError) Text() profiles.Text {
	if e.Total == 1 {
		return profiles.Sayf("1 bad row, nothing imported: %s", e.Errors[0].String())
	}
	return profiles.Sayf("%d bad rows, nothing imported; the first: %s", e.Total, e.Errors[0].String())
}

// Source is one file of an import: its name (which may say its kind and
// format: cities.csv, experts.jsonl) and how to read it. Open is called once
// to check the rows and once more to write them, so that a file of any size
// is never held whole in memory.
type Source struct {
	Name string
	Open func() (io.ReadCloser, error)
}

// FileSource is the Source of a file on disk.
func FileSource(path string) Source {
	return Source{Name: filepath.Base(path), Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// BytesSource is the Source of a file held in memory.
func BytesSource(name string, body []byte) Source {
	return Source{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(body))), nil }}
}

// The phases of an import, as Progress names them.
const (
	PhaseChecking = "checking"
	PhaseWriting  = "writing"
)

// Progress says how far an import is: rows done of the total of its phase
// (the total is unknown, 0, while checking).
type Progress struct {
	Phase string
	Done  int
	Total int
}

// Options tune one import.
type Options struct {
	// DryRun checks every row and counts what would be written, and writes
	// nothing.
	DryRun bool
	// Progress, when set, is called as rows are checked and written.
	Progress func(Progress)
	// BeforeCommit, when set, runs in the import's transaction once every
	// row is written, so that what records the import's end commits with
	// its rows (or neither does). Not called on a dry run.
	BeforeCommit func(tx *profiles.Store, rep Report) error
}

// KindCounts counts the rows of one kind an import read and what it did with
// them. On a dry run, Updated counts the rows that name a stored row and
// Unchanged is 0.
type KindCounts struct {
	Rows      int `json:"rows"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Report says what an import did.
type Report struct {
	DryRun bool                   `json:"dry_run"`
	Rows   int                    `json:"rows"`
	Counts map[string]*KindCounts `json:"counts"`
}

// Importer imports files into a store.
type Importer struct {
	store  *profiles.Store
	themes *themeNames
}

// NewImporter returns an importer writing to store.
func NewImporter(store *profiles.Store) *Importer {
	return &Importer{store: store, themes: newThemeNames(store.Taxonomy())}
}

// batchRows is how many rows the import writes with one call of the store.
const batchRows = 1000

// checkedFile is a file that passed the header check.
type checkedFile struct {
	src  Source
	kind string
	rows int
}

// loc is where a row is.
type loc struct {
	file string
	line int
}

// Import reads every source, checks every row, and, when none is bad, writes
// them all in one transaction: cities first, then practices, challenges and
// experts. A row whose external_ref names a stored row of its kind updates it;
// the others are created. Bad rows make it write nothing and return an
// *ImportError naming them.
func (im *Importer) Import(ctx context.Context, sources []Source, opt Options) (Report, error) {
	progress := opt.Progress
	if progress == nil {
		progress = func(Progress) {}
	}
	files, total, err := im.check(ctx, sources, progress)
	if err != nil {
		return Report{}, err
	}
	rep := Report{DryRun: opt.DryRun, Rows: total, Counts: map[string]*KindCounts{}}
	for _, k := range profiles.Kinds {
		rep.Counts[k] = &KindCounts{}
	}
	// Cities first: the other kinds name them.
	slices.SortStableFunc(files, func(a, b checkedFile) int {
		return slices.Index(profiles.Kinds, a.kind) - slices.Index(profiles.Kinds, b.kind)
	})
	done := 0
	progress(Progress{Phase: PhaseWriting, Total: total})
	write := func(s *profiles.Store) error {
		done = 0
		for _, k := range rep.Counts {
			*k = KindCounts{}
		}
		for _, f := range files {
			if err := im.writeFile(ctx, s, f, opt.DryRun, rep.Counts[f.kind], func(n int) {
				done += n
				progress(Progress{Phase: PhaseWriting, Done: done, Total: total})
			}); err != nil {
				return err
			}
		}
		return nil
	}
	if opt.DryRun {
		err = write(im.store)
	} else {
		err = im.store.InTx(ctx, func(tx *profiles.Store) error {
			if err := write(tx); err != nil {
				return err
			}
			if opt.BeforeCommit != nil {
				return opt.BeforeCommit(tx, rep)
			}
			return nil
		})
	}
	if err != nil {
		return Report{}, err
	}
	return rep, nil
}

// check reads every row of every source and returns the files and their rows'
// count, or an *ImportError naming every bad row.
func (im *Importer) check(ctx context.Context, sources []Source, progress func(Progress)) ([]checkedFile, int, error) {
	var (
		bad   []RowError
		total int
		files []checkedFile
		st    = newCheckState()
		names = map[string]bool{}
	)
	addBad := func(e ...RowError) { bad = append(bad, e...) }
	for _, src := range sources {
		if names[src.Name] {
			addBad(RowError{File: src.Name, Line: 1, Code: CodeHeader, Message: "the file is given twice"})
			continue
		}
		names[src.Name] = true
		rc, err := src.Open()
		if err != nil {
			return nil, 0, fmt.Errorf("open %s: %w", src.Name, err)
		}
		f, n, errs, err := im.checkFile(ctx, src, rc, st, func(n int) {
			progress(Progress{Phase: PhaseChecking, Done: total + n})
		})
		rc.Close()
		if err != nil {
			return nil, 0, err
		}
		total += n
		addBad(errs...)
		if f != nil {
			files = append(files, *f)
		}
	}
	// The cities named by rows but by none of the files must be stored.
	var missingRefs, missingIDs []string
	for r := range st.cityRefs {
		if !st.fileCities[r] {
			missingRefs = append(missingRefs, r)
		}
	}
	for id := range st.cityIDs {
		missingIDs = append(missingIDs, id)
	}
	slices.Sort(missingRefs)
	slices.Sort(missingIDs)
	found, err := im.store.LookupRefs(ctx, profiles.KindCity, missingRefs)
	if err != nil {
		return nil, 0, err
	}
	for _, r := range missingRefs {
		if _, ok := found[r]; ok {
			continue
		}
		for _, l := range st.cityRefs[r] {
			addBad(RowError{File: l.file, Line: l.line, Field: "city_ref", Code: CodeDanglingRef,
				Message: fmt.Sprintf("no city has the external_ref %q, in these files or stored", r)})
		}
	}
	exists, err := im.store.ExistingIDs(ctx, profiles.KindCity, missingIDs)
	if err != nil {
		return nil, 0, err
	}
	for _, id := range missingIDs {
		if exists[id] {
			continue
		}
		for _, l := range st.cityIDs[id] {
			addBad(RowError{File: l.file, Line: l.line, Field: "city_id", Code: CodeDanglingRef,
				Message: fmt.Sprintf("no city has the id %q", id)})
		}
	}
	if len(bad) > 0 {
		order := map[string]int{}
		for i, s := range sources {
			if _, ok := order[s.Name]; !ok {
				order[s.Name] = i
			}
		}
		slices.SortStableFunc(bad, func(a, b RowError) int {
			if d := order[a.File] - order[b.File]; d != 0 {
				return d
			}
			return a.Line - b.Line
		})
		e := &ImportError{Total: len(bad), Errors: bad}
		if len(bad) > MaxReportedErrors {
			e.Errors = bad[:MaxReportedErrors]
		}
		return nil, 0, e
	}
	return files, total, nil
}

// maxUsesKept bounds how many rows naming one city are remembered, for the
// errors of a dangling reference.
const maxUsesKept = 50

// checkState is what the check of an import remembers across its files: every
// row's reference, and the cities rows name.
type checkState struct {
	refs       map[string]map[string]loc    // kind → folded ref → first row
	exact      map[string]map[string]string // kind → folded ref → ref as first given
	fileCities map[string]bool              // the cities' refs, as given
	cityRefs   map[string][]loc             // city_ref → rows naming it
	cityIDs    map[string][]loc             // city_id → rows naming it
}

func newCheckState() *checkState {
	st := &checkState{refs: map[string]map[string]loc{}, exact: map[string]map[string]string{},
		fileCities: map[string]bool{}, cityRefs: map[string][]loc{}, cityIDs: map[string][]loc{}}
	for _, k := range profiles.Kinds {
		st.refs[k], st.exact[k] = map[string]loc{}, map[string]string{}
	}
	return st
}

func (im *Importer) checkFile(ctx context.Context, src Source, r io.Reader, st *checkState, progress func(int)) (*checkedFile, int, []RowError, error) {
	refs, exact, cityRefs, cityIDs := st.refs, st.exact, st.cityRefs, st.cityIDs
	rd, kind, bad, err := openReader(src.Name, r, im.themes)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("read %s: %w", src.Name, err)
	}
	if rd == nil {
		return nil, 0, bad, nil
	}
	n := 0
	for {
		if n%batchRows == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, nil, err
			}
			progress(n)
		}
		rw, err := rd.next()
		if errors.Is(err, io.EOF) {
			break
		}
		var fatal *fatalRowError
		if errors.As(err, &fatal) {
			bad = append(bad, fatal.RowError)
			break
		}
		var lineErrs *rowErrors
		if err != nil && !errors.As(err, &lineErrs) {
			return nil, 0, nil, fmt.Errorf("read %s: %w", src.Name, err)
		}
		n++
		if lineErrs != nil {
			bad = append(bad, *lineErrs...)
		}
		here := loc{src.Name, rw.line}
		// Cloned: a cell is a slice of its whole line, which a map key
		// would keep alive.
		rw.ref, rw.cityRef, rw.cityID = strings.Clone(rw.ref), strings.Clone(rw.cityRef), strings.Clone(rw.cityID)
		if rw.ref != "" {
			key := strings.Clone(strings.ToLower(strings.TrimSpace(rw.ref)))
			if first, ok := refs[kind][key]; ok {
				prev := exact[kind][key]
				code, msg := CodeDuplicateRef, fmt.Sprintf("the external_ref %q is given to another row too, at %s:%d", rw.ref, first.file, first.line)
				if prev != rw.ref {
					code, msg = CodeRefVariant, fmt.Sprintf("the external_ref %q differs from %q (%s:%d) only by case or spaces: references are exact, give both rows the same one or two different ones", rw.ref, prev, first.file, first.line)
				}
				bad = append(bad, RowError{File: src.Name, Line: rw.line, Field: "external_ref", Code: code, Message: msg})
			} else {
				refs[kind][key], exact[kind][key] = here, rw.ref
				if kind == profiles.KindCity {
					st.fileCities[rw.ref] = true
				}
			}
			if len(rw.ref) > profiles.MaxRefLen || strings.ContainsFunc(rw.ref, func(r rune) bool { return r < ' ' }) {
				bad = append(bad, RowError{File: src.Name, Line: rw.line, Field: "external_ref", Code: CodeInvalid,
					Message: fmt.Sprintf("must be at most %d bytes without control characters", profiles.MaxRefLen)})
			}
		}
		if lineErrs != nil {
			continue
		}
		if kind != profiles.KindCity {
			switch {
			case rw.cityRef != "":
				if len(cityRefs[rw.cityRef]) < maxUsesKept {
					cityRefs[rw.cityRef] = append(cityRefs[rw.cityRef], here)
				}
			case rw.cityID != "":
				if len(cityIDs[rw.cityID]) < maxUsesKept {
					cityIDs[rw.cityID] = append(cityIDs[rw.cityID], here)
				}
			}
		}
		if err := im.validate(kind, &rw); err != nil {
			var ve *profiles.ValidationError
			if !errors.As(err, &ve) {
				return nil, 0, nil, err
			}
			for _, f := range ve.Fields {
				bad = append(bad, RowError{File: src.Name, Line: rw.line, Field: fieldName(src.Name, f.Field, rw), Code: CodeInvalid, Message: f.Message})
			}
		}
	}
	progress(n)
	return &checkedFile{src: src, kind: kind, rows: n}, n, bad, nil
}

// placeholderCity stands for a row's city while the row is checked: the city
// is found by its reference when the row is written.
const placeholderCity = "city"

// validate checks a row as the store will, with its city standing in.
func (im *Importer) validate(kind string, rw *row) error {
	city := ""
	if rw.cityRef != "" || rw.cityID != "" {
		city = placeholderCity
	}
	var err error
	switch kind {
	case profiles.KindCity:
		_, err = im.store.ValidateCity(rw.city)
	case profiles.KindPractice:
		in := rw.practice
		in.CityID = city
		_, err = im.store.ValidatePractice(in)
	case profiles.KindChallenge:
		in := rw.challenge
		in.CityID = city
		_, err = im.store.ValidateChallenge(in)
	case profiles.KindExpert:
		_, err = im.store.ValidateExpert(rw.expert)
	}
	return err
}

// fieldName names a store's field as the file does: a CSV column (contact.email
// is contact_email) and city_ref for the city unless the row gave city_id.
func fieldName(file, field string, rw row) string {
	if field == "city_id" && rw.cityID == "" {
		return "city_ref"
	}
	if formatOfName(file) == CSV {
		if strings.HasPrefix(field, "track_record") {
			return "track_record"
		}
		return strings.ReplaceAll(field, ".", "_")
	}
	return field
}

// writeFile writes the rows of one checked file in batches, in s (a
// transaction), or only counts them on a dry run.
func (im *Importer) writeFile(ctx context.Context, s *profiles.Store, f checkedFile, dryRun bool, counts *KindCounts, done func(int)) error {
	rc, err := f.src.Open()
	if err != nil {
		return fmt.Errorf("open %s: %w", f.src.Name, err)
	}
	defer rc.Close()
	rd, _, bad, err := openReader(f.src.Name, rc, im.themes)
	if err != nil {
		return fmt.Errorf("read %s: %w", f.src.Name, err)
	}
	if rd == nil {
		return &ImportError{Errors: bad, Total: len(bad)}
	}
	batch := make([]row, 0, batchRows)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := im.writeBatch(ctx, s, f, batch, dryRun, counts); err != nil {
			return err
		}
		done(len(batch))
		batch = batch[:0]
		return nil
	}
	for {
		rw, err := rd.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// The file changed between the check and the write.
			return fmt.Errorf("read %s again: %w", f.src.Name, err)
		}
		batch = append(batch, rw)
		if len(batch) == batchRows {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// writeBatch finds the stored rows and the cities a batch names, and writes it.
func (im *Importer) writeBatch(ctx context.Context, s *profiles.Store, f checkedFile, batch []row, dryRun bool, counts *KindCounts) error {
	var refs, cityRefs []string
	for _, rw := range batch {
		if rw.ref != "" {
			refs = append(refs, rw.ref)
		}
		if rw.cityRef != "" {
			cityRefs = append(cityRefs, rw.cityRef)
		}
	}
	ids, err := s.LookupRefs(ctx, f.kind, refs)
	if err != nil {
		return err
	}
	cities, err := s.LookupRefs(ctx, profiles.KindCity, cityRefs)
	if err != nil {
		return err
	}
	counts.Rows += len(batch)
	if dryRun {
		for _, rw := range batch {
			if _, ok := ids[rw.ref]; ok && rw.ref != "" {
				counts.Updated++
			} else {
				counts.Created++
			}
		}
		return nil
	}
	cityOf := func(rw row) (string, error) {
		if rw.cityID != "" {
			return rw.cityID, nil
		}
		if rw.cityRef == "" {
			return "", nil
		}
		id, ok := cities[rw.cityRef]
		if !ok {
			return "", profiles.Conflictf("%s:%d: the city %q was deleted while the import ran: import again", f.src.Name, rw.line, rw.cityRef)
		}
		return id, nil
	}
	var res profiles.PutResult
	switch f.kind {
	case profiles.KindCity:
		puts := make([]profiles.Put[profiles.CityInput], len(batch))
		for i, rw := range batch {
			puts[i] = profiles.Put[profiles.CityInput]{ID: ids[rw.ref], Ref: rw.ref, In: rw.city}
		}
		res, err = s.PutCities(ctx, puts)
	case profiles.KindPractice:
		puts := make([]profiles.Put[profiles.PracticeInput], len(batch))
		for i, rw := range batch {
			if rw.practice.CityID, err = cityOf(rw); err != nil {
				return err
			}
			puts[i] = profiles.Put[profiles.PracticeInput]{ID: ids[rw.ref], Ref: rw.ref, In: rw.practice}
		}
		res, err = s.PutPractices(ctx, puts)
	case profiles.KindChallenge:
		puts := make([]profiles.Put[profiles.ChallengeInput], len(batch))
		for i, rw := range batch {
			if rw.challenge.CityID, err = cityOf(rw); err != nil {
				return err
			}
			puts[i] = profiles.Put[profiles.ChallengeInput]{ID: ids[rw.ref], Ref: rw.ref, In: rw.challenge}
		}
		res, err = s.PutChallenges(ctx, puts)
	case profiles.KindExpert:
		puts := make([]profiles.Put[profiles.ExpertInput], len(batch))
		for i, rw := range batch {
			city, cerr := cityOf(rw)
			if cerr != nil {
				return cerr
			}
			if city != "" {
				rw.expert.CityID = &city
			}
			puts[i] = profiles.Put[profiles.ExpertInput]{ID: ids[rw.ref], Ref: rw.ref, In: rw.expert}
		}
		res, err = s.PutExperts(ctx, puts)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", f.src.Name, err)
	}
	counts.Created += res.Created
	counts.Updated += res.Updated
	counts.Unchanged += res.Unchanged
	return nil
}
