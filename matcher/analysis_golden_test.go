package matcher_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"matchmaker/matcher"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenTexts are real-looking challenges, practices and bios, analysed
// with the language left to detection; the golden file pins the whole
// analysis, so that a change of tokeniser, stop words, stemmer or lexicon
// shows up as a readable diff.
var goldenTexts = []struct{ name, text string }{
	{"en-1", "Our city struggles to collect household waste in informal settlements on the hillsides."},
	{"en-2", "We would like to set up a participatory budget so that residents decide on 5% of the investment budget."},
	{"en-3", "Road deaths fell by half after the council lowered speed limits near schools and built safe streets."},
	{"en-4", "The water utility's old pipes lose 40% of drinking water; wastewater is discharged untreated."},
	{"en-5", "Former deputy mayor of Kisumu, expert in solid waste, composting and landfill management (2012-2020)."},
	{"en-6", "Heat waves threaten elderly residents.\nWhich cities have e-government services for well-being check-ins?"},
	{"fr-1", "Le tri à la source des déchets ménagers améliore la propreté des quartiers."},
	{"fr-2", "Depuis 2014, la ville organise chaque année un budget participatif ouvert à tous les habitants."},
	{"fr-3", "L'accès à l'eau potable et l'assainissement restent insuffisants dans les quartiers périphériques."},
	{"fr-4", "La commune a réduit les accidents de la route grâce aux zones 30 et aux pistes cyclables."},
	{"fr-5", "Ancienne directrice de l’environnement de Lyon, spécialiste de l'économie circulaire et du compostage."},
	{"fr-6", "Comment améliorer le bien-être des personnes âgées ?\nNous cherchons des villes qui ont mis en place une démocratie participative."},
	{"es-1", "La gestión de los residuos sólidos es el principal desafío de los municipios pequeños."},
	{"es-2", "Desde 2008, el presupuesto participativo de Porto Alegre inspira a ciudades de toda América Latina."},
	{"es-3", "El abastecimiento de agua potable y el tratamiento del agua residual son prioridades del plan 2030."},
	{"es-4", "Bogotá redujo los siniestros viales con límites de velocidad más bajos y nuevas ciclovías."},
	{"es-5", "Exalcaldesa de Rosario, experta en reciclaje, separación en la fuente y economía circular."},
	{"es-6", "¿Qué ciudades han logrado una participación ciudadana real?\nBuscamos experiencias de consulta pública en barrios informales."},
	{"mixed-1", "Le recycling et la smart city : la ville mise sur les start-ups du big data."},
	{"unknown-1", "UCLG 2030: Recycling, Reciclaje, Recyclage"},
}

func TestAnalysisGolden(t *testing.T) {
	a := matcher.NewAnalyzer(loadTestLexicon(t))
	var b bytes.Buffer
	b.WriteString("# Analysis of the texts of analysis_golden_test.go with testdata/lexicon_test.json.\n")
	b.WriteString("# Regenerate: go test ./matcher -run Golden -update\n")
	for _, g := range goldenTexts {
		an := a.Analyze(g.text, "")
		checkAnalysis(t, g.text, an)
		fmt.Fprintf(&b, "\n=== %s\ntext: %q\nlang: %q\ntokens:\n", g.name, g.text, an.Lang)
		for _, tok := range an.Tokens {
			fmt.Fprintf(&b, "  %3d %-16s %q\n", tok.Pos, tok.Term, tok.Surface)
		}
		b.WriteString("concepts:\n")
		for _, h := range an.Concepts {
			fmt.Fprintf(&b, "  %3d %-24s %-6g %q\n", h.Pos, h.Concept, h.Weight, h.Surface)
		}
	}
	compareGolden(t, "testdata/analysis.golden", b.Bytes())
}

// compareGolden compares got with the golden file, or rewrites the file
// under -update.
func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("%s differs at line %d (run with -update if the change is meant):\n got: %s\nwant: %s", name, i+1, g, w)
		}
	}
}
