package workflow

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/profiles"
)

// Reasons puts the matcher's reasons (matcher.Reason: a code and its values)
// in words, in the reader's language, from the catalogue's "explain" messages:
// the one place where an explanation becomes sentences, for the JSON API and
// the pages alike. Theme names are the taxonomy's labels in that language,
// cities are named as the index knows them.
type Reasons struct {
	cat      *locale.Catalogue
	tax      *profiles.Taxonomy
	cityName func(id string) string
	ids      map[matcher.ReasonCode]string // the message ID of each code
	// A message is put in words by the catalogue once for each language,
	// code and count, with markers for its values, and kept as the text
	// around its values (see template): a suggestion list says about a
	// hundred sentences, which the catalogue's templates take half a
	// millisecond to say.
	templates sync.Map // templateKey → *template
	names     sync.Map // nameKey → string
}

// NewReasons returns the renderer of reasons over the catalogue cat and the
// taxonomy tax; cityName (may be nil) names a city from its ID.
func NewReasons(cat *locale.Catalogue, tax *profiles.Taxonomy, cityName func(id string) string) *Reasons {
	r := &Reasons{cat: cat, tax: tax, cityName: cityName, ids: map[matcher.ReasonCode]string{}}
	for _, c := range matcher.ReasonCodes() {
		r.ids[c] = MessageID(c)
	}
	return r
}

// MessageID is the catalogue's message for a reason code.
func MessageID(c matcher.ReasonCode) string { return "explain." + string(c) }

// Sentence is one reason in words in lang.
func (r *Reasons) Sentence(lang locale.Lang, rs matcher.Reason) string {
	var b strings.Builder
	r.write(&b, lang, rs)
	return b.String()
}

// write writes one reason in words in lang to b.
func (r *Reasons) write(b *strings.Builder, lang locale.Lang, rs matcher.Reason) {
	count := -1
	for _, a := range rs.Args {
		if n, ok := a.Value.(int); ok && a.Name == "Count" {
			count = n
		}
	}
	t := r.template(lang, rs, count)
	b.Grow(t.size)
	for i, lit := range t.lits {
		b.WriteString(lit)
		if i == len(t.args) {
			break
		}
		for _, a := range rs.Args {
			if a.Name == t.args[i] {
				r.writeValue(b, lang, a)
				break
			}
		}
	}
}

// template is a message with the names of its values: lits[i] is the text
// before the value args[i], the last one the text after the last value.
type template struct {
	lits []string
	args []string
	size int // about the length of the sentence: its text, 12 bytes a value
}

type templateKey struct {
	lang  locale.Lang
	code  matcher.ReasonCode
	count int // -1 when the message has no plural forms
}

// mark surrounds a value's name in a message said with markers.
const mark = "\x00"

// template is the message of rs in lang for count, said once by the
// catalogue with a marker in place of each value.
func (r *Reasons) template(lang locale.Lang, rs matcher.Reason, count int) *template {
	key := templateKey{lang, rs.Code, count}
	if t, ok := r.templates.Load(key); ok {
		return t.(*template)
	}
	id, ok := r.ids[rs.Code]
	if !ok {
		id = MessageID(rs.Code)
	}
	data := make(map[string]any, len(rs.Args))
	for _, a := range rs.Args {
		data[a.Name] = mark + a.Name + mark
	}
	var pc any
	if count >= 0 {
		pc = count
	}
	parts := strings.Split(r.cat.Plural(lang, id, pc, data), mark)
	t := &template{}
	for i, p := range parts {
		if i%2 == 0 {
			t.lits = append(t.lits, p)
			t.size += len(p)
		} else {
			t.args = append(t.args, p)
			t.size += 12
		}
	}
	r.templates.Store(key, t)
	return t
}

// Sentences are reasons in words in lang, joined with "; ".
func (r *Reasons) Sentences(lang locale.Lang, rs []matcher.Reason) string {
	switch len(rs) {
	case 0:
		return ""
	case 1:
		return r.Sentence(lang, rs[0])
	}
	parts := make([]string, len(rs))
	for i, x := range rs {
		parts[i] = r.Sentence(lang, x)
	}
	return strings.Join(parts, "; ")
}

// Explain fills the words of e (each contribution's detail, the exclusion
// reasons, the weight scaling and those of the directions of a partnership)
// from its reasons, in lang.
func (r *Reasons) Explain(lang locale.Lang, e *matcher.Explanation) {
	for i := range e.Contributions {
		c := &e.Contributions[i]
		c.Detail = r.Sentences(lang, c.Reasons)
	}
	e.ExclusionReasons = nil
	for _, x := range e.Exclusions {
		e.ExclusionReasons = append(e.ExclusionReasons, r.Sentence(lang, x))
	}
	e.WeightScaling = r.Sentences(lang, e.Scaling)
	for i := range e.Directions {
		r.Explain(lang, &e.Directions[i].Explanation)
	}
}

// Suggestions fills the words of every suggestion's explanation, in lang.
func (r *Reasons) Suggestions(lang locale.Lang, items []matcher.Suggestion) {
	for i := range items {
		r.Explain(lang, &items[i].Explanation)
	}
}

// English is the exclusion reasons of e in English: what proposals store and
// what the rules' errors quote.
func (r *Reasons) English(rs []matcher.Reason) []string {
	out := make([]string, 0, len(rs))
	for _, x := range rs {
		out = append(out, r.Sentence(locale.English, x))
	}
	return out
}

// writeValue writes one argument of a reason as a reader of lang does.
func (r *Reasons) writeValue(b *strings.Builder, lang locale.Lang, a matcher.Arg) {
	switch v := a.Value.(type) {
	case int:
		b.WriteString(strconv.Itoa(v))
	case float64:
		b.WriteString(r.number(lang, a.Type, v))
	case string:
		b.WriteString(r.name(lang, a.Type, v))
	case []string:
		for i, s := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(r.name(lang, a.Type, s))
		}
	case []matcher.PracticeMatch:
		for i, p := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.ID)
			b.WriteString(" (")
			b.WriteString(decimal(lang, strconv.FormatFloat(p.Score, 'f', 2, 64)))
			b.WriteString(")")
		}
	case matcher.Reason:
		r.write(b, lang, v)
	}
}

// number writes a number after its type.
func (r *Reasons) number(lang locale.Lang, t matcher.ArgType, v float64) string {
	var s string
	switch t {
	case matcher.ArgPercent:
		s = strconv.FormatFloat(100*v, 'f', 0, 64)
	case matcher.ArgNumber4:
		s = strconv.FormatFloat(v, 'g', 4, 64)
	case matcher.ArgDecimal2:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	case matcher.ArgRating:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	default:
		s = strconv.FormatFloat(v, 'g', 3, 64)
	}
	return decimal(lang, s)
}

// decimal puts lang's decimal separator in a number written with a point.
func decimal(lang locale.Lang, s string) string {
	if lang == locale.English {
		return s
	}
	return strings.Replace(s, ".", ",", 1)
}

// name writes a value that names something: through the catalogue, the
// taxonomy or the cities when its type says so, as it is otherwise.
func (r *Reasons) name(lang locale.Lang, t matcher.ArgType, v string) string {
	switch t {
	case matcher.ArgTheme, matcher.ArgThemes:
		if r.tax != nil {
			if th, ok := r.tax.Theme(v); ok {
				if l := th.Labels[string(lang)]; l != "" {
					return l
				}
				if l := th.Labels["en"]; l != "" {
					return l
				}
			}
		}
		return v
	case matcher.ArgCity:
		if r.cityName != nil {
			if n := r.cityName(v); n != "" {
				return n
			}
		}
		return v
	case matcher.ArgDate:
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return v
		}
		return r.cat.Date(lang, d)
	case matcher.ArgRole, matcher.ArgSeniority:
		if v == "" {
			v = "none"
		}
	}
	prefix, ok := namePrefixes[t]
	if !ok {
		return v
	}
	key := nameKey{lang, prefix, v}
	if n, ok := r.names.Load(key); ok {
		return n.(string)
	}
	n := v
	if id := prefix + v; r.cat.Has(id) {
		n = r.cat.Text(lang, id, nil)
	}
	r.names.Store(key, n)
	return n
}

type nameKey struct {
	lang          locale.Lang
	prefix, value string
}

// namePrefixes are the catalogue's prefixes of the names of each type of value.
var namePrefixes = map[matcher.ArgType]string{
	matcher.ArgKind:        "explain.kind.",
	matcher.ArgKindArticle: "explain.kind_article.",
	matcher.ArgStatus:      "explain.status.",
	matcher.ArgMode:        "explain.mode.",
	matcher.ArgModes:       "explain.mode.",
	matcher.ArgRole:        "explain.role.",
	matcher.ArgSeniority:   "explain.seniority.",
	matcher.ArgRegion:      "explain.region.",
	matcher.ArgSize:        "explain.size.",
}
