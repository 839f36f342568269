package locale

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Lang is one of the languages matchmaker speaks: "en", "fr" or "es".
type Lang string

// The languages of the catalogue. English is the fallback of every message.
const (
	English Lang = "en"
	French  Lang = "fr"
	Spanish Lang = "es"
)

// Langs are the languages of the catalogue, English first.
var Langs = []Lang{English, French, Spanish}

// Tag is the BCP 47 tag of l.
func (l Lang) Tag() language.Tag {
	switch l {
	case French:
		return language.French
	case Spanish:
		return language.Spanish
	}
	return language.English
}

// Parse reads a language code or tag ("fr", "fr-CA", "ES") as one of Langs.
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	for _, l := range Langs {
		if string(l) == s {
			return l, true
		}
	}
	return English, false
}

var matcher = language.NewMatcher([]language.Tag{language.English, language.French, language.Spanish})

// Negotiate picks the reader's language from candidates in order of
// precedence, each a language code (a user's choice, a profile's language) or
// an Accept-Language header: the first candidate that names a language of the
// catalogue wins. A header's own q-values order its languages. Without any,
// the answer is English.
func Negotiate(candidates ...string) Lang {
	for _, c := range candidates {
		if strings.TrimSpace(c) == "" {
			continue
		}
		tags, _, err := language.ParseAcceptLanguage(c)
		if err != nil || len(tags) == 0 {
			if l, ok := Parse(c); ok {
				return l
			}
			continue
		}
		// Only a tag of a language the catalogue holds counts: "de, fr;q=0.5"
		// is French, but "de" alone is no answer and the next candidate speaks.
		var known []language.Tag
		for _, t := range tags {
			base, _ := t.Base()
			if _, ok := Parse(base.String()); ok {
				known = append(known, t)
			}
		}
		if len(known) == 0 {
			continue
		}
		_, i, _ := matcher.Match(known...)
		return Langs[i]
	}
	return English
}

//go:embed messages/*.toml
var files embed.FS

// Catalogue holds every message in every language.
type Catalogue struct {
	bundle *i18n.Bundle
	// ids is every message ID of each language, for the completeness test.
	ids map[Lang]map[string]string
	// localizers are built once per language: a Localizer is safe for
	// concurrent use.
	localizers map[Lang]*i18n.Localizer
}

var (
	loadOnce sync.Once
	loaded   *Catalogue
	loadErr  error
)

// Load reads the embedded catalogue. The catalogue never changes while the
// process runs, so it is read once and shared.
func Load() (*Catalogue, error) {
	loadOnce.Do(func() { loaded, loadErr = load(files) })
	return loaded, loadErr
}

// MustLoad is Load for callers that cannot go on without the catalogue; the
// embedded files are checked by the package's tests, so it panics only on a
// build that skipped them.
func MustLoad() *Catalogue {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

func load(fsys fs.FS) (*Catalogue, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &Catalogue{bundle: b, ids: map[Lang]map[string]string{}, localizers: map[Lang]*i18n.Localizer{}}
	names, err := fs.Glob(fsys, "messages/*.toml")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		mf, err := b.ParseMessageFileBytes(data, path.Base(name))
		if err != nil {
			return nil, fmt.Errorf("message file %s: %w", name, err)
		}
		base, _ := mf.Tag.Base()
		l, ok := Parse(base.String())
		if !ok {
			return nil, fmt.Errorf("message file %s: language %s is not one of en, fr, es", name, mf.Tag)
		}
		if c.ids[l] == nil {
			c.ids[l] = map[string]string{}
		}
		for _, m := range mf.Messages {
			if prev, dup := c.ids[l][m.ID]; dup {
				return nil, fmt.Errorf("message %q of %s is in %s and in %s", m.ID, l, prev, name)
			}
			c.ids[l][m.ID] = name
		}
	}
	for _, l := range Langs {
		c.localizers[l] = i18n.NewLocalizer(b, string(l))
	}
	return c, nil
}

// Text is message id in lang, its placeholders ({{.Name}}) filled from data.
// A message missing from lang is said in English; a message missing
// altogether is its ID, so that a slip shows on the page instead of an empty
// space (and the catalogue test names it).
func (c *Catalogue) Text(lang Lang, id string, data map[string]any) string {
	return c.Plural(lang, id, nil, data)
}

// Plural is Text with the plural form of count (an int, or nil for none).
func (c *Catalogue) Plural(lang Lang, id string, count any, data map[string]any) string {
	loc, ok := c.localizers[lang]
	if !ok {
		loc = c.localizers[English]
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil && s == "" {
		return id
	}
	return s
}

// Has reports whether the catalogue holds message id in English.
func (c *Catalogue) Has(id string) bool {
	_, ok := c.ids[English][id]
	return ok
}

// IDs are the message IDs of lang, sorted.
func (c *Catalogue) IDs(lang Lang) []string {
	ids := make([]string, 0, len(c.ids[lang]))
	for id := range c.ids[lang] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ProblemsDomain prefixes the IDs of the messages of the network's own
// sentences (field errors, rule violations, conflicts) in the catalogue.
const ProblemsDomain = "problems."

// Sentence is a sentence of the network to say to a person: the code of its
// message in the problems domain ("" when it has none), its English, and its
// placeholders' values. A value that is itself a Sentence (a reason inside a
// refusal) is said in the same language.
type Sentence interface {
	Sentence() (code, english string, params map[string]any)
}

// Say says s in lang: its message when it has a code the catalogue holds,
// its English otherwise. Both doors, the JSON API's problems and the pages'
// forms, say the network's sentences through it.
func (c *Catalogue) Say(lang Lang, s Sentence) string {
	code, english, params := s.Sentence()
	if code == "" || c == nil || !c.Has(ProblemsDomain+code) {
		return english
	}
	// A copy: the parameters may be shared with the error that holds them.
	var data map[string]any
	if len(params) > 0 {
		data = make(map[string]any, len(params))
		for k, v := range params {
			if inner, ok := v.(Sentence); ok {
				v = c.Say(lang, inner)
			}
			data[k] = v
		}
	}
	return c.Text(lang, ProblemsDomain+code, data)
}
