package main

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"matchmaker/matcher"
)

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Århus (county)", "Århus"},
		{"  local   authority finances ", "local authority finances"},
		{"tab\there", "tab here"},
	}
	for _, tc := range tests {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUsable(t *testing.T) {
	tests := []struct {
		labels [3]string
		want   bool
	}{
		{[3]string{"welfare", "aide sociale", "ayuda social"}, true},
		{[3]string{"EU financing", "financement de l'UE", "financiación de la UE"}, false},
		{[3]string{"Erasmus", "Erasmus", "Erasmus"}, false},
		{[3]string{"France", "France", "Francia"}, false},
	}
	for _, tc := range tests {
		if got := usable(concept{labels: tc.labels}); got != tc.want {
			t.Errorf("usable(%v) = %v, want %v", tc.labels, got, tc.want)
		}
	}
}

// TestTranslations checks the pairs drawn from aligned labels: one word on
// two sides gives a pair both ways, a two-word label with one pair known
// gives the other, and names give none.
func TestTranslations(t *testing.T) {
	ev := []concept{
		{id: "1", mt: "5216", labels: [3]string{"waste", "déchets", "residuos"}},
		{id: "2", mt: "4021", labels: [3]string{"waste management", "gestion des déchets", "gestión de residuos"}},
		{id: "3", mt: "7206", labels: [3]string{"Galicia", "Galice", "Galicia"}},
		{id: "4", mt: "2846", labels: [3]string{"housing", "logement", "vivienda"}},
		// Labels whose analysis loses a word that carries meaning: the
		// French "été" of "heure d'été" is also a form of "être", the
		// "non" of "non rémunéré" a negation. What is left must not be
		// aligned.
		{id: "5", mt: "4406", labels: [3]string{"summertime", "heure d'été", "horario de verano"}},
		{id: "6", mt: "4406", labels: [3]string{"unpaid work", "travail non rémunéré", "trabajo no remunerado"}},
		{id: "7", mt: "4406", labels: [3]string{"work", "travail", "trabajo"}},
	}
	rows := translations(matcher.NewAnalyzer(nil), ev)
	has := func(from, a, to, b, n string) bool {
		return slices.ContainsFunc(rows, func(r []string) bool { return slices.Equal(r, []string{from, a, to, b, n}) })
	}
	for _, want := range [][5]string{
		{"fr", "déchets", "en", "waste", "2"},
		{"en", "waste", "fr", "déchets", "2"},
		{"es", "vivienda", "fr", "logement", "2"},
		{"en", "management", "fr", "gestion", "1"}, // from "waste management"
		{"fr", "gestion", "es", "gestión", "1"},
	} {
		if !has(want[0], want[1], want[2], want[3], want[4]) {
			t.Errorf("no row %v in %v", want, rows)
		}
	}
	for _, r := range rows {
		if r[1] == "heure" || r[3] == "heure" || r[1] == "rémunéré" || r[3] == "rémunéré" || r[1] == "remunerado" || r[3] == "remunerado" {
			t.Errorf("a label that lost a word of meaning was aligned: %v", r)
		}
		if strings.EqualFold(r[1], "galicia") || strings.EqualFold(r[3], "galice") {
			t.Errorf("a name was translated: %v", r)
		}
	}
}

func TestOnlyGrammarDropped(t *testing.T) {
	an := matcher.NewAnalyzer(nil)
	tests := []struct {
		label string
		lang  int
		want  bool
	}{
		{"gestion des déchets", 1, true},
		{"gestión de residuos", 2, true},
		{"freedom of the press", 0, true},
		{"heure d'été", 1, false},          // "été": summer, and a form of "être"
		{"travail non rémunéré", 1, false}, // a negation
		{"trabajo no remunerado", 2, false},
		{"non-violence", 1, false},
	}
	for _, tc := range tests {
		if got := onlyGrammarDropped(an, tc.label, tc.lang); got != tc.want {
			t.Errorf("onlyGrammarDropped(%q, %s) = %v, want %v", tc.label, langs[tc.lang], got, tc.want)
		}
	}
}

func TestSenses(t *testing.T) {
	tests := []struct {
		name, body string
		want       map[string]float64
	}{
		{"one sense shared", "abode, accommodation\n", map[string]float64{"abode": 0.5, "accommodation": 0.5}},
		{"senses by rank", "1. consistent\n2. logical\n", map[string]float64{"consistent": 2.0 / 3, "logical": 1.0 / 3}},
		{"expressions left out", "1. dwelling\n2. place to live, home\n", map[string]float64{"dwelling": 2.0 / 3, "home": 1.0 / 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := senses(tc.body)
			if len(got) != len(tc.want) {
				t.Fatalf("senses(%q) = %v, want %v", tc.body, got, tc.want)
			}
			for w, p := range tc.want {
				if math.Abs(got[w]-p) > 1e-9 {
					t.Errorf("senses(%q)[%s] = %v, want %v", tc.body, w, got[w], p)
				}
			}
		})
	}
}

func TestDictB64(t *testing.T) {
	for in, want := range map[string]int{"A": 0, "B": 1, "BA": 64, "8m": 60*64 + 38, "s": 44} {
		if got, err := dictB64(in); err != nil || got != want {
			t.Errorf("dictB64(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := dictB64("a-b"); err == nil {
		t.Error("dictB64 accepts a bad digit")
	}
}

// TestRun generates the data from a small source folder twice, checks the
// thesaurus keeps the municipal micro-thesauri only, that both runs give
// the same bytes, and that FreeDict's data is refused a place in
// bridgedata.
func TestRun(t *testing.T) {
	src := t.TempDir()
	dir := filepath.Join(src, "eurovoc")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, v any) {
		b, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("tc_en.json", map[string]string{"1": "waste", "2": "tariff policy", "4": "housing"})
	write("tc_fr.json", map[string]string{"1": "déchets", "2": "politique tarifaire", "4": "logement"})
	write("tc_es.json", map[string]string{"1": "residuos", "2": "política arancelaria", "4": "vivienda"})
	write("mt_labels.json", map[string]string{"1": "5216", "2": "2011", "4": "2846"})
	var sums [2][]byte
	for i := range sums {
		out := t.TempDir()
		var log strings.Builder
		if err := run([]string{"-src", src, "-out", out}, &log); err != nil {
			t.Fatal(err)
		}
		thes := readGz(t, filepath.Join(out, "thesaurus.tsv.gz"))
		if want := "1\t5216\twaste\tdéchets\tresiduos\n4\t2846\thousing\tlogement\tvivienda\n"; thes != want {
			t.Errorf("thesaurus = %q, want %q (no tariff policy)", thes, want)
		}
		sums[i], _ = os.ReadFile(filepath.Join(out, "translations.tsv.gz"))
	}
	if string(sums[0]) != string(sums[1]) {
		t.Error("two runs on the same sources gave different bytes")
	}
	if err := run([]string{"-src", src, "-freedict", filepath.Join(t.TempDir(), "bridgedata", "translations.tsv.gz")}, &strings.Builder{}); err == nil {
		t.Error("FreeDict's translations were written into a bridgedata folder")
	}
}

func readGz(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
