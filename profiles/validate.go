package profiles

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Length limits, in characters. They are generous for real texts and keep a single
// row from growing without bound.
const (
	MaxNameLen       = 300
	MaxTextLen       = 20000
	MaxTagLen        = 100
	MaxTrackRecord   = 100
	MaxListItems     = 50
	MaxCapacity      = 10
	MaxPopulation    = 200_000_000
	dateLayout       = "2006-01-02"
	minYear, maxYear = 1900, 2100
)

// LanguageDetector guesses the ISO 639-1 language of a text, or returns "" when it
// cannot tell. The matcher provides one; profiles does not import it.
type LanguageDetector func(text string) string

// validator turns inputs into normalised, checked values, collecting every field
// error of one input.
type validator struct {
	taxonomy *Taxonomy
	detect   LanguageDetector
}

func (v validator) city(in CityInput) (CityInput, error) {
	e := &ValidationError{}
	in.Name = singleLine(e, "name", in.Name, true)
	in.Country = country(e, "country", in.Country, true)
	in.Region = enum(e, "region", in.Region, Regions, true)
	if in.Population != nil && (*in.Population < 0 || *in.Population > MaxPopulation) {
		e.add("population", "must be between 0 and %d", int64(MaxPopulation))
	}
	in.Kind = enum(e, "kind", in.Kind, CityKinds, false)
	if in.Kind == "" {
		in.Kind = "city"
	}
	in.Languages = languages(e, "languages", in.Languages, true)
	switch {
	case (in.Latitude == nil) != (in.Longitude == nil):
		if in.Latitude == nil {
			e.add("latitude", "must be given together with longitude")
		} else {
			e.add("longitude", "must be given together with latitude")
		}
	case in.Latitude != nil:
		if *in.Latitude < -90 || *in.Latitude > 90 {
			e.add("latitude", "must be between -90 and 90")
		}
		if *in.Longitude < -180 || *in.Longitude > 180 {
			e.add("longitude", "must be between -180 and 180")
		}
	}
	in.Contact = contact(e, "contact", in.Contact)
	return in, e.err()
}

func (v validator) practice(in PracticeInput) (PracticeInput, error) {
	e := &ValidationError{}
	in.CityID = required(e, "city_id", reference(e, "city_id", in.CityID))
	in.Title = singleLine(e, "title", in.Title, true)
	in.Description = text(e, "description", in.Description, true)
	in.Results = text(e, "results", in.Results, false)
	in.LessonsLearned = text(e, "lessons_learned", in.LessonsLearned, false)
	in.Transferability = text(e, "transferability", in.Transferability, false)
	in.Themes = v.themes(e, "themes", in.Themes)
	in.Language = v.language(e, "language", in.Language, in.Title, in.Description)
	if in.Period != nil {
		year(e, "period.start", in.Period.Start)
		year(e, "period.end", in.Period.End)
		if in.Period.Start != nil && in.Period.End != nil && *in.Period.End < *in.Period.Start && !e.has("period.end") {
			e.add("period.end", "must not be before period.start")
		}
		if in.Period.Start == nil && in.Period.End == nil {
			in.Period = nil
		}
	}
	in.Status = enum(e, "status", in.Status, PracticeStatuses, false)
	if in.Status == "" {
		in.Status = "published"
	}
	return in, e.err()
}

func (v validator) challenge(in ChallengeInput) (ChallengeInput, error) {
	e := &ValidationError{}
	in.CityID = required(e, "city_id", reference(e, "city_id", in.CityID))
	in.Title = singleLine(e, "title", in.Title, true)
	in.Description = text(e, "description", in.Description, true)
	in.StrategicResult = text(e, "strategic_result", in.StrategicResult, false)
	in.Themes = v.themes(e, "themes", in.Themes)
	in.Modes = modes(e, "modes", in.Modes)
	in.SkillsNeeded = tags(e, "skills_needed", in.SkillsNeeded)
	in.Language = v.language(e, "language", in.Language, in.Title, in.Description)
	if in.Timeframe != nil {
		in.Timeframe.From = date(e, "timeframe.from", in.Timeframe.From)
		in.Timeframe.Until = date(e, "timeframe.until", in.Timeframe.Until)
		if in.Timeframe.From != "" && in.Timeframe.Until != "" && !e.has("timeframe.from") && !e.has("timeframe.until") && in.Timeframe.Until < in.Timeframe.From {
			e.add("timeframe.until", "must not be before timeframe.from")
		}
		if in.Timeframe.From == "" && in.Timeframe.Until == "" {
			in.Timeframe = nil
		}
	}
	in.Status = enum(e, "status", in.Status, ChallengeStatuses, false)
	if in.Status == "" {
		in.Status = "open"
	}
	return in, e.err()
}

func (v validator) expert(in ExpertInput) (ExpertInput, error) {
	e := &ValidationError{}
	in.Name = singleLine(e, "name", in.Name, true)
	in.Role = enum(e, "role", in.Role, Roles, true)
	in.Seniority = enum(e, "seniority", in.Seniority, Seniorities, false)
	if in.Seniority == "" {
		in.Seniority = "senior"
	}
	if in.CityID != nil {
		id := reference(e, "city_id", *in.CityID)
		if id == "" {
			in.CityID = nil
		} else {
			in.CityID = &id
		}
	}
	in.Country = country(e, "country", in.Country, true)
	in.Languages = languages(e, "languages", in.Languages, true)
	in.Bio = text(e, "bio", in.Bio, false)
	in.Themes = v.themes(e, "themes", in.Themes)
	in.Skills = tags(e, "skills", in.Skills)
	in.Modes = modes(e, "modes", in.Modes)
	if len(in.TrackRecord) > MaxTrackRecord {
		e.add("track_record", "must have at most %d items, got %d", MaxTrackRecord, len(in.TrackRecord))
	} else {
		for i := range in.TrackRecord {
			item := &in.TrackRecord[i]
			field := fmt.Sprintf("track_record[%d]", i)
			item.Title = singleLine(e, field+".title", item.Title, true)
			item.Summary = text(e, field+".summary", item.Summary, false)
			year(e, field+".year", item.Year)
		}
	}
	if in.TrackRecord == nil {
		in.TrackRecord = []TrackRecordItem{}
	}
	if in.Capacity == nil {
		one := 1
		in.Capacity = &one
	} else if *in.Capacity < 0 || *in.Capacity > MaxCapacity {
		e.add("capacity", "must be between 0 and %d", MaxCapacity)
	}
	in.AvailableFrom = date(e, "available_from", in.AvailableFrom)
	in.AvailableUntil = date(e, "available_until", in.AvailableUntil)
	if in.AvailableFrom != "" && in.AvailableUntil != "" && !e.has("available_from") && !e.has("available_until") && in.AvailableUntil < in.AvailableFrom {
		e.add("available_until", "must not be before available_from")
	}
	if in.Active == nil {
		yes := true
		in.Active = &yes
	}
	in.Contact = contact(e, "contact", in.Contact)
	return in, e.err()
}

// language returns the declared language, or detects it from the texts when none
// is declared: the matcher needs a language to stem a text.
func (v validator) language(e *ValidationError, field, lang string, texts ...string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if lang != "" {
		if !IsLanguage(lang) {
			e.add(field, "unknown language code %q: use an ISO 639-1 code such as en, fr or es", lang)
		}
		return lang
	}
	if v.detect == nil {
		e.add(field, "is required")
		return ""
	}
	detected := v.detect(strings.Join(texts, "\n"))
	if detected == "" && !e.has("description") && !e.has("title") {
		e.add(field, "could not be detected from the text: give one, such as en, fr or es")
	}
	return detected
}

func (v validator) themes(e *ValidationError, field string, codes []string) []string {
	out := list(e, field, codes, strings.ToLower)
	var unknown []string
	for _, c := range out {
		if !v.taxonomy.Has(c) {
			unknown = append(unknown, c)
		}
	}
	if len(unknown) > 0 {
		e.add(field, "unknown theme code %s: see GET /v1/themes", quoteAll(unknown))
	}
	return out
}

func required(e *ValidationError, field, s string) string {
	if s == "" {
		e.add(field, "is required")
	}
	return s
}

// reference trims the ID of another row. An ID never holds control characters
// or bytes that are not UTF-8, and bun drops NUL bytes as it quotes a value
// into SQL: "\x00" + a real ID would find that row and be stored as it, while
// the answer to the write echoed the text with the NUL.
func reference(e *ValidationError, field, id string) string {
	id = strings.TrimSpace(id)
	if !utf8.ValidString(id) || strings.ContainsFunc(id, unicode.IsControl) {
		e.add(field, "is not an ID: it holds control characters or bytes that are not UTF-8")
	}
	return id
}

// singleLine checks a name or title: trimmed, no control characters, bounded.
func singleLine(e *ValidationError, field, s string, req bool) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		if req {
			e.add(field, "is required")
		}
	case utf8.RuneCountInString(s) > MaxNameLen:
		e.add(field, "must be at most %d characters, got %d", MaxNameLen, utf8.RuneCountInString(s))
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		e.add(field, "must be a single line without control characters")
	case req && !Visible(s):
		e.add(field, invisibleMessage)
	}
	return s
}

// text checks a long text: trimmed, bounded; line breaks and tabs are kept.
func text(e *ValidationError, field, s string, req bool) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		if req {
			e.add(field, "is required")
		}
	case utf8.RuneCountInString(s) > MaxTextLen:
		e.add(field, "must be at most %d characters, got %d", MaxTextLen, utf8.RuneCountInString(s))
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0:
		e.add(field, "must not contain control characters other than line breaks and tabs")
	case req && !Visible(s):
		e.add(field, invisibleMessage)
	}
	return s
}

// invisibleMessage is the field error of a required text that shows nothing.
const invisibleMessage = "must hold at least one visible character, not only spaces and invisible or formatting characters"

// Visible reports whether s holds at least one character that shows: a letter,
// a digit, a punctuation mark or a symbol. Spaces, formatting characters (zero
// width space and joiners, the byte order mark, bidirectional controls, the soft
// hyphen), combining marks on their own, private-use and unassigned code points
// do not, nor do the characters Unicode says to ignore by default when they
// cannot be shown (the Hangul fillers) and the blank Braille pattern. A required
// name or title made only of those would be stored and listed as a blank.
func Visible(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) &&
			!unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) && r != '\u2800'
	})
}

func enum(e *ValidationError, field, s string, allowed []string, req bool) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		if req {
			e.add(field, "is required: one of %s", strings.Join(allowed, ", "))
		}
		return s
	}
	if !slices.Contains(allowed, s) {
		e.add(field, "unknown value %q: one of %s", s, strings.Join(allowed, ", "))
	}
	return s
}

func country(e *ValidationError, field, s string, req bool) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch {
	case s == "":
		if req {
			e.add(field, "is required")
		}
	case !IsCountry(s):
		e.add(field, "unknown country code %q: use ISO 3166-1 alpha-2, such as FR or UY", s)
	}
	return s
}

func languages(e *ValidationError, field string, codes []string, req bool) []string {
	out := list(e, field, codes, strings.ToLower)
	if len(out) == 0 && req && !e.has(field) {
		e.add(field, "must name at least one language (ISO 639-1, such as en, fr or es)")
	}
	var unknown []string
	for _, c := range out {
		if !IsLanguage(c) {
			unknown = append(unknown, c)
		}
	}
	if len(unknown) > 0 {
		e.add(field, "unknown language code %s: use ISO 639-1, such as en, fr or es", quoteAll(unknown))
	}
	return out
}

// modes defaults to every mode: a city or expert that says nothing is open to all.
func modes(e *ValidationError, field string, in []string) []string {
	if in == nil {
		return slices.Clone(Modes)
	}
	out := list(e, field, in, strings.ToLower)
	var unknown []string
	for _, m := range out {
		if !slices.Contains(Modes, m) {
			unknown = append(unknown, m)
		}
	}
	switch {
	case len(unknown) > 0:
		e.add(field, "unknown mode %s: any of %s", quoteAll(unknown), strings.Join(Modes, ", "))
	case len(out) == 0 && !e.has(field):
		e.add(field, "must name at least one mode (%s), or be left out for all", strings.Join(Modes, ", "))
	}
	return out
}

// tags normalises free-text skills: trimmed, spaces collapsed, lower case, unique.
func tags(e *ValidationError, field string, in []string) []string {
	out := list(e, field, in, func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) })
	for i, t := range out {
		if utf8.RuneCountInString(t) > MaxTagLen {
			e.add(fmt.Sprintf("%s[%d]", field, i), "must be at most %d characters", MaxTagLen)
		} else if strings.IndexFunc(t, unicode.IsControl) >= 0 {
			e.add(fmt.Sprintf("%s[%d]", field, i), "must not contain control characters")
		}
	}
	return out
}

// list trims and normalises items, drops empty ones and duplicates (keeping the
// first), and bounds the length. It never returns nil, so that JSON shows [].
func list(e *ValidationError, field string, in []string, norm func(string) string) []string {
	if len(in) > MaxListItems {
		e.add(field, "must have at most %d items, got %d", MaxListItems, len(in))
		return []string{}
	}
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = norm(strings.TrimSpace(s))
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func year(e *ValidationError, field string, y *int) {
	if y != nil && (*y < minYear || *y > maxYear) {
		e.add(field, "must be a year between %d and %d", minYear, maxYear)
	}
}

func date(e *ValidationError, field, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	if _, err := time.Parse(dateLayout, s); err != nil {
		e.add(field, "must be a date as YYYY-MM-DD, got %q", s)
	}
	return s
}

func contact(e *ValidationError, field string, c *Contact) *Contact {
	if c == nil {
		return nil
	}
	out := Contact{
		Name:  singleLine(e, field+".name", c.Name, false),
		Email: strings.TrimSpace(c.Email),
		Phone: singleLine(e, field+".phone", c.Phone, false),
	}
	if out.Email != "" {
		if a, err := mail.ParseAddress(out.Email); err != nil || a.Address != out.Email || len(out.Email) > 254 {
			e.add(field+".email", "must be a plain email address such as name@example.org")
		}
	}
	if utf8.RuneCountInString(out.Phone) > 50 && !e.has(field+".phone") {
		e.add(field+".phone", "must be at most 50 characters")
	}
	if out.IsZero() {
		return nil
	}
	return &out
}

func quoteAll(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
