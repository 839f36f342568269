package transfer

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"matchmaker/profiles"
)

// ExportOptions say what an export writes.
type ExportOptions struct {
	// Kind is the kind of rows: profiles.KindCity, KindPractice,
	// KindChallenge or KindExpert.
	Kind string
	// Format is CSV (the header of Columns) or JSONL (the API's shape of
	// the kind with external_ref and city_ref).
	Format Format
	// ContactVisible says whether the reader may see the contact details of
	// the city or expert (kind "city" or "expert") with id; nil shows them
	// all, as to an operator with the database in hand.
	ContactVisible func(kind, id string) (bool, error)
	// DraftsOf narrows draft practices as profiles.PracticeFilter does; nil
	// exports them all.
	DraftsOf *string
}

// ParseKind returns the kind named in the singular or plural (cities, city).
func ParseKind(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "city", "cities":
		return profiles.KindCity, nil
	case "practice", "practices":
		return profiles.KindPractice, nil
	case "challenge", "challenges":
		return profiles.KindChallenge, nil
	case "expert", "experts":
		return profiles.KindExpert, nil
	}
	return "", fmt.Errorf("unknown kind %q: cities, practices, challenges or experts", s)
}

// ParseFormat returns the format named csv or jsonl.
func ParseFormat(s string) (Format, error) {
	switch Format(strings.ToLower(strings.TrimSpace(s))) {
	case CSV:
		return CSV, nil
	case JSONL, "ndjson":
		return JSONL, nil
	}
	return "", fmt.Errorf("unknown format %q: csv or jsonl", s)
}

// ContentType is the media type of a format.
func (f Format) ContentType() string {
	if f == JSONL {
		return "application/jsonl; charset=utf-8"
	}
	return "text/csv; charset=utf-8"
}

// Export writes every row of one kind to w, a page at a time in ID order (never
// the whole table in memory), and returns how many it wrote. Each row carries
// its external_ref, or its ID when it has none, and its city's likewise
// (city_ref), so that the file imports back onto the same rows, or into an
// empty database as the same data.
func Export(ctx context.Context, s *profiles.Store, w io.Writer, opt ExportOptions) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	e := &exporter{s: s, opt: opt, w: bw}
	if opt.Format == CSV {
		e.csv = csv.NewWriter(bw)
		if err := e.csv.Write(Columns[opt.Kind]); err != nil {
			return 0, err
		}
	} else {
		e.json = json.NewEncoder(bw)
		e.json.SetEscapeHTML(false)
	}
	var err error
	switch opt.Kind {
	case profiles.KindCity:
		err = s.ScanCities(ctx, profiles.CityFilter{}, func(cs []profiles.City) error {
			return exportBatch(ctx, e, cs, func(c profiles.City) string { return c.ID }, nil, e.city)
		})
	case profiles.KindPractice:
		err = s.ScanPractices(ctx, profiles.PracticeFilter{DraftsOf: opt.DraftsOf}, func(ps []profiles.Practice) error {
			return exportBatch(ctx, e, ps, func(p profiles.Practice) string { return p.ID },
				func(p profiles.Practice) string { return p.CityID }, e.practice)
		})
	case profiles.KindChallenge:
		err = s.ScanChallenges(ctx, profiles.ChallengeFilter{}, func(cs []profiles.Challenge) error {
			return exportBatch(ctx, e, cs, func(c profiles.Challenge) string { return c.ID },
				func(c profiles.Challenge) string { return c.CityID }, e.challenge)
		})
	case profiles.KindExpert:
		err = s.ScanExperts(ctx, profiles.ExpertFilter{}, func(es []profiles.Expert) error {
			return exportBatch(ctx, e, es, func(x profiles.Expert) string { return x.ID },
				func(x profiles.Expert) string { return deref(x.CityID) }, e.expert)
		})
	default:
		return 0, fmt.Errorf("export: unknown kind %q", opt.Kind)
	}
	if err != nil {
		return e.n, fmt.Errorf("export %s: %w", plural(opt.Kind), err)
	}
	if e.csv != nil {
		e.csv.Flush()
		if err := e.csv.Error(); err != nil {
			return e.n, err
		}
	}
	return e.n, bw.Flush()
}

type exporter struct {
	s    *profiles.Store
	opt  ExportOptions
	w    *bufio.Writer
	csv  *csv.Writer
	json *json.Encoder
	n    int

	refs, cityRefs map[string]string
}

// exportBatch reads the references of a batch and of its cities, and writes
// each row.
func exportBatch[T any](ctx context.Context, e *exporter, items []T, id func(T) string, city func(T) string, write func(T) error) error {
	ids := make([]string, len(items))
	var cities []string
	for i, it := range items {
		ids[i] = id(it)
		if city != nil {
			if c := city(it); c != "" {
				cities = append(cities, c)
			}
		}
	}
	var err error
	if e.refs, err = e.s.RefsOf(ctx, e.opt.Kind, ids); err != nil {
		return err
	}
	slices.Sort(cities)
	if e.cityRefs, err = e.s.RefsOf(ctx, profiles.KindCity, slices.Compact(cities)); err != nil {
		return err
	}
	for _, it := range items {
		if err := write(it); err != nil {
			return err
		}
		e.n++
	}
	// A slow reader holds the export, not a page of rows in memory.
	return e.w.Flush()
}

// ref is a row's external reference, or its ID when it has none.
func (e *exporter) ref(id string) string {
	if r, ok := e.refs[id]; ok {
		return r
	}
	return id
}

func (e *exporter) cityRef(id string) string {
	if id == "" {
		return ""
	}
	if r, ok := e.cityRefs[id]; ok {
		return r
	}
	return id
}

func (e *exporter) contact(kind, id string, c *profiles.Contact) (*profiles.Contact, error) {
	if c == nil || e.opt.ContactVisible == nil {
		return c, nil
	}
	ok, err := e.opt.ContactVisible(kind, id)
	if err != nil || !ok {
		return nil, err
	}
	return c, nil
}

func (e *exporter) city(c profiles.City) error {
	var err error
	if c.Contact, err = e.contact("city", c.ID, c.Contact); err != nil {
		return err
	}
	if e.csv == nil {
		return e.json.Encode(struct {
			profiles.City
			ExternalRef string `json:"external_ref"`
		}{c, e.ref(c.ID)})
	}
	ct := orZero(c.Contact)
	return e.csv.Write([]string{e.ref(c.ID), c.Name, c.Country, c.Region, int64Cell(c.Population), c.Kind,
		strings.Join(c.Languages, ListSeparator), floatCell(c.Latitude), floatCell(c.Longitude), ct.Name, ct.Email, ct.Phone})
}

func (e *exporter) practice(p profiles.Practice) error {
	if e.csv == nil {
		return e.json.Encode(struct {
			profiles.Practice
			ExternalRef string `json:"external_ref"`
			CityRef     string `json:"city_ref"`
		}{p, e.ref(p.ID), e.cityRef(p.CityID)})
	}
	var start, end *int
	if p.Period != nil {
		start, end = p.Period.Start, p.Period.End
	}
	return e.csv.Write([]string{e.ref(p.ID), e.cityRef(p.CityID), p.Title, p.Description, p.Language,
		strings.Join(p.Themes, ListSeparator), intCell(start), intCell(end), p.Results, p.LessonsLearned, p.Transferability, p.Status})
}

func (e *exporter) challenge(c profiles.Challenge) error {
	if e.csv == nil {
		return e.json.Encode(struct {
			profiles.Challenge
			ExternalRef string `json:"external_ref"`
			CityRef     string `json:"city_ref"`
		}{c, e.ref(c.ID), e.cityRef(c.CityID)})
	}
	var from, until string
	if c.Timeframe != nil {
		from, until = c.Timeframe.From, c.Timeframe.Until
	}
	return e.csv.Write([]string{e.ref(c.ID), e.cityRef(c.CityID), c.Title, c.Description, c.Language,
		strings.Join(c.Themes, ListSeparator), strings.Join(c.Modes, ListSeparator), c.StrategicResult,
		strings.Join(c.SkillsNeeded, ListSeparator), from, until, c.Status})
}

func (e *exporter) expert(x profiles.Expert) error {
	var err error
	if x.Contact, err = e.contact("expert", x.ID, x.Contact); err != nil {
		return err
	}
	if e.csv == nil {
		return e.json.Encode(struct {
			profiles.Expert
			ExternalRef string `json:"external_ref"`
			CityRef     string `json:"city_ref,omitempty"`
		}{x, e.ref(x.ID), e.cityRef(deref(x.CityID))})
	}
	track := ""
	if len(x.TrackRecord) > 0 {
		b, err := json.Marshal(x.TrackRecord)
		if err != nil {
			return err
		}
		track = string(b)
	}
	ct := orZero(x.Contact)
	active := ""
	if x.Active != nil {
		active = strconv.FormatBool(*x.Active)
	}
	return e.csv.Write([]string{e.ref(x.ID), x.Name, x.Role, x.Seniority, e.cityRef(deref(x.CityID)), x.Country,
		strings.Join(x.Languages, ListSeparator), x.Bio, strings.Join(x.Themes, ListSeparator),
		strings.Join(x.Skills, ListSeparator), strings.Join(x.Modes, ListSeparator), intCell(x.Capacity),
		x.AvailableFrom, x.AvailableUntil, active, ct.Name, ct.Email, ct.Phone, track})
}

func orZero(c *profiles.Contact) profiles.Contact {
	if c == nil {
		return profiles.Contact{}
	}
	return *c
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func int64Cell(v *int64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatInt(*v, 10)
}

func intCell(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

func floatCell(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}
