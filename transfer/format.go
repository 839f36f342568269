package transfer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"matchmaker/profiles"
)

// ListSeparator separates the items of a list in one CSV cell: languages,
// themes, modes, skills.
const ListSeparator = "|"

// Format is a file format of an import or an export.
type Format string

// The formats.
const (
	CSV   Format = "csv"
	JSONL Format = "jsonl"
)

// Columns gives the CSV header of each kind, in the order an export writes it.
// An import takes the columns in any order, in any case; the required ones
// must be there, the others may be left out.
var Columns = map[string][]string{
	profiles.KindCity: {"external_ref", "name", "country", "region", "population", "kind", "languages",
		"latitude", "longitude", "contact_name", "contact_email", "contact_phone"},
	profiles.KindPractice: {"external_ref", "city_ref", "title", "description", "language", "themes",
		"period_start", "period_end", "results", "lessons_learned", "transferability", "status"},
	profiles.KindChallenge: {"external_ref", "city_ref", "title", "description", "language", "themes", "modes",
		"strategic_result", "skills_needed", "timeframe_from", "timeframe_until", "status"},
	profiles.KindExpert: {"external_ref", "name", "role", "seniority", "city_ref", "country", "languages", "bio",
		"themes", "skills", "modes", "capacity", "available_from", "available_until", "active",
		"contact_name", "contact_email", "contact_phone", "track_record"},
}

// requiredColumns are the columns a CSV file of each kind must have.
var requiredColumns = map[string][]string{
	profiles.KindCity:      {"name", "country", "region", "languages"},
	profiles.KindPractice:  {"city_ref", "title", "description", "themes"},
	profiles.KindChallenge: {"city_ref", "title", "description", "themes"},
	profiles.KindExpert:    {"name", "role", "country", "languages"},
}

// distinctive are columns that only one kind has: a CSV file whose name does
// not say its kind is known by them.
var distinctive = map[string]string{
	"region": profiles.KindCity, "population": profiles.KindCity, "latitude": profiles.KindCity,
	"period_start": profiles.KindPractice, "period_end": profiles.KindPractice, "results": profiles.KindPractice,
	"lessons_learned": profiles.KindPractice, "transferability": profiles.KindPractice,
	"strategic_result": profiles.KindChallenge, "skills_needed": profiles.KindChallenge,
	"timeframe_from": profiles.KindChallenge, "timeframe_until": profiles.KindChallenge,
	"role": profiles.KindExpert, "seniority": profiles.KindExpert, "bio": profiles.KindExpert,
	"skills": profiles.KindExpert, "capacity": profiles.KindExpert, "track_record": profiles.KindExpert,
}

// kindOfName returns the kind a file's name starts with (cities.csv,
// experts-2026.jsonl), or "".
func kindOfName(name string) string {
	base := strings.ToLower(path.Base(strings.ReplaceAll(name, `\`, "/")))
	for _, k := range []struct{ prefix, kind string }{
		{"cities", profiles.KindCity}, {"city", profiles.KindCity},
		{"practices", profiles.KindPractice}, {"practice", profiles.KindPractice},
		{"challenges", profiles.KindChallenge}, {"challenge", profiles.KindChallenge},
		{"experts", profiles.KindExpert}, {"expert", profiles.KindExpert},
	} {
		if strings.HasPrefix(base, k.prefix) {
			return k.kind
		}
	}
	return ""
}

// formatOfName returns the format a file's extension names: .jsonl or .ndjson
// are JSONL, anything else CSV.
func formatOfName(name string) Format {
	n := strings.ToLower(name)
	if strings.HasSuffix(n, ".jsonl") || strings.HasSuffix(n, ".ndjson") {
		return JSONL
	}
	return CSV
}

// row is one parsed line of an import file.
type row struct {
	line    int
	ref     string
	cityRef string // the city named by its reference (or by its ID, see profiles.Store.LookupRefs)
	cityID  string // the city named by its ID in the service

	city      profiles.CityInput
	practice  profiles.PracticeInput
	challenge profiles.ChallengeInput
	expert    profiles.ExpertInput
}

// cityNamed keeps one way of naming a row's city: its city_ref when given
// (an export gives both, and the city's ID means nothing in another
// database), its city_id otherwise.
func (r *row) cityNamed() {
	if r.cityRef != "" {
		r.cityID = ""
	}
}

// reader reads the rows of one file of one kind. next returns io.EOF at the
// end; a *rowError is a bad line, after which reading goes on.
type reader interface {
	next() (row, error)
}

// bom is the UTF-8 byte order mark spreadsheets put at the start of a file.
var bom = []byte{0xEF, 0xBB, 0xBF}

// openReader returns the reader of a file: its format from its name, its kind
// from its name or (CSV) its header. The header's problems are returned as
// row errors of line 1.
func openReader(name string, r io.Reader, themes *themeNames) (reader, string, []RowError, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, bom) {
		_, _ = br.Discard(3)
	}
	kind := kindOfName(name)
	if formatOfName(name) == JSONL {
		if kind == "" {
			return nil, "", []RowError{{File: name, Line: 1, Code: CodeKind,
				Message: "a JSONL file is known by its name: start it with cities, practices, challenges or experts"}}, nil
		}
		return &jsonlReader{file: name, kind: kind, in: br, themes: themes}, kind, nil, nil
	}
	sep, err := sniffSeparator(br)
	if err != nil {
		return nil, "", nil, err
	}
	cr := csv.NewReader(br)
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, "", []RowError{{File: name, Line: 1, Code: CodeHeader, Message: "the file is empty: it needs a header line"}}, nil
	}
	if err != nil {
		return nil, "", []RowError{{File: name, Line: 1, Code: CodeSyntax, Message: csvMessage(err)}}, nil
	}
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = strings.ToLower(strings.TrimSpace(h))
	}
	if kind == "" {
		kind = kindOfHeader(cols)
	}
	if kind == "" {
		return nil, "", []RowError{{File: name, Line: 1, Code: CodeKind,
			Message: "the kind of rows is unknown: name the file after it (cities.csv, practices.csv, challenges.csv, experts.csv) or give a column only that kind has"}}, nil
	}
	var bad []RowError
	known := map[string]bool{}
	for _, c := range Columns[kind] {
		known[c] = true
	}
	if kind != profiles.KindCity {
		known["city_id"] = true
	}
	index := map[string]int{}
	for i, c := range cols {
		switch {
		case c == "":
			continue
		case !known[c]:
			bad = append(bad, RowError{File: name, Line: 1, Field: c, Code: CodeHeader,
				Message: fmt.Sprintf("unknown column for %s: the columns are %s", plural(kind), strings.Join(Columns[kind], ", "))})
		case index[c] != 0:
			bad = append(bad, RowError{File: name, Line: 1, Field: c, Code: CodeHeader, Message: "the column is given twice"})
		default:
			index[c] = i + 1
		}
	}
	for _, c := range requiredColumns[kind] {
		if index[c] == 0 && !(c == "city_ref" && index["city_id"] != 0) {
			bad = append(bad, RowError{File: name, Line: 1, Field: c, Code: CodeHeader, Message: "a required column is missing"})
		}
	}
	if len(bad) > 0 {
		return nil, kind, bad, nil
	}
	return &csvReader{file: name, kind: kind, in: cr, index: index, themes: themes}, kind, nil, nil
}

// kindOfHeader returns the kind whose distinctive columns the header holds,
// or "" when none or several do.
func kindOfHeader(cols []string) string {
	found := ""
	for _, c := range cols {
		if k, ok := distinctive[c]; ok {
			if found != "" && found != k {
				return ""
			}
			found = k
		}
	}
	return found
}

// sniffSeparator reads the header line ahead and returns ';' when it holds
// more semicolons than commas outside quotes (as spreadsheets in French or
// Spanish write CSV), ',' otherwise.
func sniffSeparator(br *bufio.Reader) (rune, error) {
	var line []byte
	for n := 4096; ; n *= 2 {
		b, err := br.Peek(n)
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line = b[:i]
			break
		}
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, bufio.ErrBufferFull) {
				line = b
				break
			}
			return 0, err
		}
	}
	quoted := false
	commas, semis := 0, 0
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			commas++
		case c == ';':
			semis++
		}
	}
	if semis > commas {
		return ';', nil
	}
	return ',', nil
}

func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "not readable as CSV: " + pe.Err.Error()
	}
	return "not readable as CSV: " + err.Error()
}

func plural(kind string) string {
	if kind == profiles.KindCity {
		return "cities"
	}
	return kind + "s"
}

// csvReader reads rows from a CSV file.
type csvReader struct {
	file   string
	kind   string
	in     *csv.Reader
	index  map[string]int // column name → position + 1
	themes *themeNames
}

func (r *csvReader) next() (row, error) {
	for {
		rec, err := r.in.Read()
		if errors.Is(err, io.EOF) {
			return row{}, io.EOF
		}
		line, _ := r.in.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					// A broken quote leaves the rest of the file unreadable.
					return row{}, &fatalRowError{RowError{File: r.file, Line: line, Code: CodeSyntax, Message: csvMessage(err)}}
				}
			}
			return row{line: line}, &rowErrors{{File: r.file, Line: line, Code: CodeSyntax, Message: csvMessage(err)}}
		}
		blank := true
		for _, f := range rec {
			if strings.TrimSpace(f) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue // an empty line ends many spreadsheets' exports
		}
		c := cells{rec: rec, index: r.index, file: r.file, line: line}
		out := row{line: line, ref: c.raw("external_ref"), cityRef: c.raw("city_ref"), cityID: c.get("city_id")}
		if slices.ContainsFunc(rec, func(f string) bool { return !utf8.ValidString(f) }) {
			c.bad("", CodeEncoding, "the line is not UTF-8: save the file as UTF-8")
			return out, &c.errs
		}
		switch r.kind {
		case profiles.KindCity:
			out.city = profiles.CityInput{
				Name: c.get("name"), Country: c.get("country"), Region: c.get("region"), Population: c.int64("population"),
				Kind: c.get("kind"), Languages: c.list("languages"), Latitude: c.float("latitude"), Longitude: c.float("longitude"),
				Contact: c.contact(),
			}
		case profiles.KindPractice:
			out.practice = profiles.PracticeInput{
				Title: c.get("title"), Description: c.get("description"), Language: c.get("language"),
				Themes: r.themes.codes(c.list("themes")), Results: c.get("results"), LessonsLearned: c.get("lessons_learned"),
				Transferability: c.get("transferability"), Status: c.get("status"),
			}
			if start, end := c.int("period_start"), c.int("period_end"); start != nil || end != nil {
				out.practice.Period = &profiles.Period{Start: start, End: end}
			}
		case profiles.KindChallenge:
			out.challenge = profiles.ChallengeInput{
				Title: c.get("title"), Description: c.get("description"), Language: c.get("language"),
				Themes: r.themes.codes(c.list("themes")), Modes: c.list("modes"), StrategicResult: c.get("strategic_result"),
				SkillsNeeded: c.list("skills_needed"), Status: c.get("status"),
			}
			if from, until := c.get("timeframe_from"), c.get("timeframe_until"); from != "" || until != "" {
				out.challenge.Timeframe = &profiles.Timeframe{From: from, Until: until}
			}
		case profiles.KindExpert:
			out.expert = profiles.ExpertInput{
				Name: c.get("name"), Role: c.get("role"), Seniority: c.get("seniority"), Country: c.get("country"),
				Languages: c.list("languages"), Bio: c.get("bio"), Themes: r.themes.codes(c.list("themes")),
				Skills: c.list("skills"), Modes: c.list("modes"), Capacity: c.int("capacity"),
				AvailableFrom: c.get("available_from"), AvailableUntil: c.get("available_until"), Active: c.bool("active"),
				Contact: c.contact(), TrackRecord: c.trackRecord("track_record"),
			}
		}
		out.cityNamed()
		if len(c.errs) > 0 {
			return out, &c.errs
		}
		return out, nil
	}
}

// cells reads the typed values of one CSV record, collecting its errors.
type cells struct {
	rec   []string
	index map[string]int
	file  string
	line  int
	errs  rowErrors
}

func (c *cells) get(col string) string {
	i := c.index[col]
	if i == 0 || i > len(c.rec) {
		return ""
	}
	return strings.TrimSpace(c.rec[i-1])
}

// raw returns a cell as it is: references are compared exactly.
func (c *cells) raw(col string) string {
	i := c.index[col]
	if i == 0 || i > len(c.rec) {
		return ""
	}
	return c.rec[i-1]
}

func (c *cells) bad(col, code, msg string) {
	c.errs = append(c.errs, RowError{File: c.file, Line: c.line, Field: col, Code: code, Message: msg})
}

func (c *cells) list(col string) []string {
	v := c.get(col)
	if v == "" {
		return nil // left out: the store's default (every mode, no theme)
	}
	parts := strings.Split(v, ListSeparator)
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c *cells) int64(col string) *int64 {
	v := c.get(col)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(v), 10, 64)
	if err != nil {
		c.bad(col, CodeInvalid, fmt.Sprintf("%q is not a whole number", v))
		return nil
	}
	return &n
}

func (c *cells) int(col string) *int {
	n := c.int64(col)
	if n == nil {
		return nil
	}
	v := int(*n)
	return &v
}

func (c *cells) float(col string) *float64 {
	v := c.get(col)
	if v == "" {
		return nil
	}
	// A decimal comma, as French and Spanish spreadsheets write it.
	f, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
	if err != nil {
		c.bad(col, CodeInvalid, fmt.Sprintf("%q is not a number", v))
		return nil
	}
	return &f
}

func (c *cells) bool(col string) *bool {
	v := strings.ToLower(c.get(col))
	var b bool
	switch v {
	case "":
		return nil
	case "true", "yes", "1", "oui", "vrai", "sí", "si", "verdadero":
		b = true
	case "false", "no", "0", "non", "faux", "falso":
		b = false
	default:
		c.bad(col, CodeInvalid, fmt.Sprintf("%q is not true or false", v))
		return nil
	}
	return &b
}

func (c *cells) contact() *profiles.Contact {
	ct := profiles.Contact{Name: c.get("contact_name"), Email: c.get("contact_email"), Phone: c.get("contact_phone")}
	if ct.IsZero() {
		return nil
	}
	return &ct
}

// trackRecord reads an expert's track record: a JSON array of {title,
// summary, year} as an export writes it, or titles separated by ListSeparator.
func (c *cells) trackRecord(col string) []profiles.TrackRecordItem {
	v := c.get(col)
	if v == "" {
		return []profiles.TrackRecordItem{}
	}
	if strings.HasPrefix(v, "[") {
		var items []profiles.TrackRecordItem
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&items); err != nil {
			c.bad(col, CodeInvalid, "not a JSON list of {title, summary, year}: "+err.Error())
			return nil
		}
		return items
	}
	var items []profiles.TrackRecordItem
	for _, t := range c.list(col) {
		items = append(items, profiles.TrackRecordItem{Title: t})
	}
	return items
}

// jsonlReader reads rows from a JSONL file: one JSON object a line, in the
// API's shape of the kind, with external_ref and city_ref.
type jsonlReader struct {
	file   string
	kind   string
	in     *bufio.Reader
	line   int
	themes *themeNames
}

// jsonMeta are the fields of an exported row that an import reads past: the
// service's own, given again on import.
type jsonMeta struct {
	ID          string `json:"id"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
	Version     int64  `json:"version"`
	ExternalRef string `json:"external_ref"`
	CityRef     string `json:"city_ref"`
}

func (r *jsonlReader) next() (row, error) {
	for {
		b, err := r.in.ReadBytes('\n')
		if len(b) == 0 && errors.Is(err, io.EOF) {
			return row{}, io.EOF
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return row{}, err
		}
		r.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		out := row{line: r.line}
		bad := func(code, msg string) (row, error) {
			return out, &rowErrors{{File: r.file, Line: r.line, Code: code, Message: msg}}
		}
		if !utf8.Valid(b) {
			return bad(CodeEncoding, "the line is not UTF-8: save the file as UTF-8")
		}
		var meta jsonMeta
		var target any
		var cityID *string
		switch r.kind {
		case profiles.KindCity:
			target = &struct {
				*jsonMeta
				*profiles.CityInput
			}{&meta, &out.city}
		case profiles.KindPractice:
			target = &struct {
				*jsonMeta
				*profiles.PracticeInput
			}{&meta, &out.practice}
			cityID = &out.practice.CityID
		case profiles.KindChallenge:
			target = &struct {
				*jsonMeta
				*profiles.ChallengeInput
			}{&meta, &out.challenge}
			cityID = &out.challenge.CityID
		case profiles.KindExpert:
			target = &struct {
				*jsonMeta
				*profiles.ExpertInput
			}{&meta, &out.expert}
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(target); err != nil {
			return bad(CodeSyntax, "not a JSON object of a "+r.kind+": "+err.Error())
		}
		if dec.More() {
			return bad(CodeSyntax, "more than one JSON value on the line")
		}
		out.ref, out.cityRef = meta.ExternalRef, meta.CityRef
		if cityID != nil {
			out.cityID, *cityID = strings.TrimSpace(*cityID), ""
		}
		if r.kind == profiles.KindExpert && out.expert.CityID != nil {
			out.cityID, out.expert.CityID = strings.TrimSpace(*out.expert.CityID), nil
		}
		out.cityNamed()
		switch r.kind {
		case profiles.KindPractice:
			out.practice.Themes = r.themes.codes(out.practice.Themes)
		case profiles.KindChallenge:
			out.challenge.Themes = r.themes.codes(out.challenge.Themes)
		case profiles.KindExpert:
			out.expert.Themes = r.themes.codes(out.expert.Themes)
		}
		return out, nil
	}
}

// themeNames turns a theme's label in English, French or Spanish (in any case,
// with or without accents) into its code.
type themeNames struct {
	byName map[string]string
}

func newThemeNames(t *profiles.Taxonomy) *themeNames {
	n := &themeNames{byName: map[string]string{}}
	for _, th := range t.Themes() {
		n.byName[fold(th.Code)] = th.Code
		for _, l := range th.Labels {
			if _, taken := n.byName[fold(l)]; !taken {
				n.byName[fold(l)] = th.Code
			}
		}
	}
	return n
}

// codes returns the codes of names; a name that is no code and no label is
// left as it is, for the store to name as unknown.
func (n *themeNames) codes(names []string) []string {
	out := make([]string, len(names))
	for i, name := range names {
		if code, ok := n.byName[name]; ok {
			out[i] = code // a code, as most files give
		} else if code, ok := n.byName[fold(name)]; ok {
			out[i] = code
		} else {
			out[i] = name
		}
	}
	return out
}

// fold is a label's comparison form: trimmed, lower case, accents removed,
// spaces collapsed.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.Join(strings.Fields(strings.ToLower(out)), " ")
}
