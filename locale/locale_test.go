package locale

import (
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

var placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z0-9_]+)`)

// placeholders are the names a message's every plural form fills in.
func placeholders(m *i18n.Message) []string {
	seen := map[string]bool{}
	for _, s := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		for _, p := range placeholder.FindAllStringSubmatch(s, -1) {
			seen[p[1]] = true
		}
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestCatalogueIsComplete fails on a message that one language lacks, that
// only a translation has, or whose translation fills other placeholders than
// the English one (a translation that drops {{.Name}} says less than it must).
func TestCatalogueIsComplete(t *testing.T) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	// domain → lang → id → message
	all := map[string]map[Lang]map[string]*i18n.Message{}
	names, err := fs.Glob(files, "messages/*.toml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no message files: %v", err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		mf, err := b.ParseMessageFileBytes(data, path.Base(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		domain := strings.SplitN(path.Base(name), ".", 2)[0]
		base, _ := mf.Tag.Base()
		l, ok := Parse(base.String())
		if !ok {
			t.Fatalf("%s: language %s", name, mf.Tag)
		}
		if all[domain] == nil {
			all[domain] = map[Lang]map[string]*i18n.Message{}
		}
		all[domain][l] = map[string]*i18n.Message{}
		for _, m := range mf.Messages {
			if strings.TrimSpace(m.Other) == "" {
				t.Errorf("%s: %q has no text", name, m.ID)
			}
			all[domain][l][m.ID] = m
		}
	}
	for domain, byLang := range all {
		en := byLang[English]
		if en == nil {
			t.Errorf("domain %s has no English file", domain)
			continue
		}
		for _, l := range Langs[1:] {
			tr := byLang[l]
			if tr == nil {
				t.Errorf("domain %s has no %s file", domain, l)
				continue
			}
			for id, m := range en {
				tm, ok := tr[id]
				if !ok {
					t.Errorf("%s.%s.toml lacks %q (%q)", domain, l, id, m.Other)
					continue
				}
				if got, want := placeholders(tm), placeholders(m); strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s.%s.toml %q fills %v, English fills %v", domain, l, id, got, want)
				}
			}
			for id := range tr {
				if _, ok := en[id]; !ok {
					t.Errorf("%s.%s.toml has %q, which English lacks", domain, l, id)
				}
			}
		}
	}
	if _, err := Load(); err != nil {
		t.Fatalf("load: %v", err)
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		name       string
		candidates []string
		want       Lang
	}{
		{"nothing", nil, English},
		{"empty", []string{"", "  "}, English},
		{"a choice first", []string{"es", "fr-FR,fr;q=0.9"}, Spanish},
		{"a header", []string{"", "fr-CA,fr;q=0.9,en;q=0.8"}, French},
		{"q-values order", []string{"en;q=0.2, es;q=0.9"}, Spanish},
		{"unknown falls through", []string{"de-DE,de;q=0.9", "es"}, Spanish},
		{"unknown first, known later in the header", []string{"de, fr;q=0.5"}, French},
		{"a wildcard alone", []string{"*", "fr"}, French},
		{"garbage", []string{"%%%", "fr"}, French},
		{"upper case", []string{"ES"}, Spanish},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Negotiate(c.candidates...); got != c.want {
				t.Errorf("Negotiate(%q) = %s, want %s", c.candidates, got, c.want)
			}
		})
	}
}

func TestFormats(t *testing.T) {
	c := MustLoad()
	day := time.Date(2026, 12, 5, 14, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		lang      Lang
		date, num string
		integer   string
	}{
		{English, "5 December 2026", "12,345.6", "100,000"},
		{French, "5 décembre 2026", "12\u00a0345,6", "100\u00a0000"},
		{Spanish, "5 de diciembre de 2026", "12.345,6", "100.000"},
	} {
		if got := c.Date(tc.lang, day); got != tc.date {
			t.Errorf("Date(%s) = %q, want %q", tc.lang, got, tc.date)
		}
		if got := Number(tc.lang, 12345.6, 1); got != tc.num {
			t.Errorf("Number(%s) = %q, want %q", tc.lang, got, tc.num)
		}
		if got := Integer(tc.lang, 100000); got != tc.integer {
			t.Errorf("Integer(%s) = %q, want %q", tc.lang, got, tc.integer)
		}
	}
	if got := c.Text(French, "no.such.message", nil); got != "no.such.message" {
		t.Errorf("a missing message = %q, want its ID", got)
	}
}
