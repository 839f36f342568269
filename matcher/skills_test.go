package matcher_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"matchmaker/matcher"
)

// trilingualLexicon is a few concepts in the three languages, their labels
// marked, for the tests of skills and groups.
func trilingualLexicon() *matcher.Lexicon {
	var es []matcher.LexiconEntry
	add := func(concept string, lang matcher.Lang, label string, terms ...string) {
		es = append(es, matcher.LexiconEntry{Concept: concept, Lang: lang, Term: label, Label: true})
		for _, t := range terms {
			es = append(es, matcher.LexiconEntry{Concept: concept, Lang: lang, Term: t})
		}
	}
	add("waste", "en", "Waste management", "waste collection", "recycling", "household waste", "solid waste", "composting")
	add("waste", "fr", "Gestion des déchets", "collecte des déchets", "recyclage", "déchets ménagers", "tri à la source", "compostage")
	add("waste", "es", "Gestión de residuos", "reciclaje", "residuos sólidos", "recolección de residuos", "compostaje")
	add("participatory_budgeting", "en", "Participatory budgeting")
	add("participatory_budgeting", "fr", "Budget participatif")
	add("participatory_budgeting", "es", "Presupuesto participativo")
	add("road_safety", "en", "Road safety", "traffic calming")
	add("road_safety", "fr", "Sécurité routière", "zones 30")
	add("road_safety", "es", "Seguridad vial")
	add("mobility", "en", "Sustainable mobility", "public transport", "cycling", "bus rapid transit", "bike lanes")
	add("mobility", "fr", "Mobilité durable", "transports en commun", "vélo", "pistes cyclables", "bus à haut niveau de service")
	add("mobility", "es", "Movilidad sostenible", "transporte público", "bicicleta", "ciclovías", "carriles bici")
	return matcher.NewLexicon(es)
}

func newTrilingualIndex(t testing.TB, docs []matcher.Doc, opts ...matcher.Option) *matcher.Index {
	t.Helper()
	ix := matcher.NewIndex(matcher.NewAnalyzer(trilingualLexicon()), opts...)
	if err := ix.Build(docs, nil); err != nil {
		t.Fatalf("build: %v", err)
	}
	return ix
}

func skilled(id string, lang matcher.Lang, skills []string, bio string, track ...matcher.TrackItem) matcher.Doc {
	return matcher.Doc{ID: id, Kind: matcher.KindExpert, Lang: lang, Skills: skills, Capacity: 1,
		Fields: []matcher.Field{{Name: "bio", Text: bio}}, TrackRecord: track}
}

func TestSkillCoverage(t *testing.T) {
	docs := []matcher.Doc{
		skilled("en-waste", "en", []string{"Waste management", "Stakeholder engagement"}, "Municipal engineer."),
		skilled("en-road", "en", []string{"Road budget", "Procurement"}, "Finance officer in charge of the road budget and of citizen participation."),
		skilled("fr-voirie", "fr", []string{"Budget de voirie", "Participation citoyenne"}, "Directeur des finances."),
		skilled("fr-dechets", "fr", []string{"Gestion des déchets ménagers et assimilés"}, "Ingénieure territoriale."),
		skilled("es-vial", "es", []string{"Seguridad ciudadana"}, "Jefe de policía municipal; seguridad vial en las escuelas del distrito.",
			matcher.TrackItem{Title: "Plan de seguridad ciudadana", Summary: "Prevención de la violencia en los barrios."}),
		skilled("en-pb", "en", nil, "Ran the participatory budgeting of Porto Alegre for ten years.",
			matcher.TrackItem{Title: "Participatory budgeting in Recife", Summary: "Neighbourhood assemblies voted a share of the budget."}),
		skilled("en-track", "en", []string{"Urban planning"}, "Planner.",
			matcher.TrackItem{Title: "Kerbside collection reform", Summary: "Reorganised waste collection and street sweeping in Leeds."}),
		skilled("fr-scattered", "fr", nil, "Le budget de la voirie a été voté. Plus tard, la participation des habitants aux conseils de quartier a progressé."),
		{ID: "p1", Kind: matcher.KindPractice, Lang: "en", Fields: []matcher.Field{{Name: "title", Text: "Recycling"}}},
	}
	ix := newTrilingualIndex(t, docs)
	tests := []struct {
		name    string
		expert  string
		skill   string
		lang    matcher.Lang
		covered bool
		source  string
		word    string // one of the words, as written
	}{
		{"fr skill, en declared skill, through the concept", "en-waste", "gestion des déchets", "fr", true, "skills", "Waste management"},
		{"es skill, en declared skill, through the concept", "en-waste", "gestión de residuos", "es", true, "skills", "Waste management"},
		{"en skill, same words declared", "en-waste", "waste management", "en", true, "skills", "Waste"},
		{"participatory budget is not a road budget (en)", "en-road", "budget participatif", "fr", false, "", ""},
		{"participatory budget is not a road budget (fr)", "fr-voirie", "budget participatif", "fr", false, "", ""},
		{"scattered words are no phrase", "fr-scattered", "budget participatif", "fr", false, "", ""},
		{"fr skill held by a longer fr declared skill", "fr-dechets", "gestion des déchets ménagers", "fr", true, "skills", "déchets"},
		{"language detected", "fr-dechets", "gestion des déchets", "", true, "skills", "Gestion"},
		{"road safety from the bio, not from the declared public safety", "es-vial", "seguridad vial", "es", true, "profile", "vial"},
		{"road safety across languages from a bio mention alone", "es-vial", "road safety", "en", false, "", ""},
		{"es skill, en track record, concept found twice", "en-pb", "presupuesto participativo", "es", true, "track_record", "participatory budgeting"},
		{"en skill as a phrase of an engagement", "en-track", "waste collection", "en", true, "track_record", "collection"},
		{"nothing in common", "en-track", "traffic calming", "en", false, "", ""},
		{"empty skill", "en-waste", "  ", "en", false, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ix.SkillCoverage(tc.expert, []string{tc.skill}, tc.lang)
			if err != nil {
				t.Fatal(err)
			}
			m := got[0]
			if m.Skill != tc.skill || m.Covered != tc.covered || m.Source != tc.source {
				t.Fatalf("got %+v, want covered %v from %q", m, tc.covered, tc.source)
			}
			if tc.word != "" && !slices.Contains(m.Words, tc.word) {
				t.Errorf("words %q lack %q", m.Words, tc.word)
			}
			if !tc.covered && len(m.Words) > 0 {
				t.Errorf("not covered, yet words %q", m.Words)
			}
		})
	}

	// Several skills at once, in order.
	got, err := ix.SkillCoverage("en-waste", []string{"recyclage", "budget participatif", "Waste management"}, "fr")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !got[0].Covered || got[1].Covered || got[2].Skill != "Waste management" {
		t.Errorf("got %+v", got)
	}

	for _, tc := range []struct {
		id   string
		lang matcher.Lang
		want error
		msg  string
	}{
		{"nope", "en", matcher.ErrNotFound, "expert nope: not found"},
		{"p1", "en", matcher.ErrNotFound, "expert p1: not found (it is a practice)"},
		{"en-waste", "de", matcher.ErrInvalidQuery, `language "de"`},
	} {
		_, err := ix.SkillCoverage(tc.id, []string{"x"}, tc.lang)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want %v saying %q", tc.id, err, tc.want, tc.msg)
		}
	}
}

func TestKeySkills(t *testing.T) {
	ch := func(id string, lang matcher.Lang, title, desc string, skills ...string) matcher.Doc {
		return matcher.Doc{ID: id, Kind: matcher.KindChallenge, Lang: lang, Skills: skills,
			Fields: []matcher.Field{{Name: "title", Text: title}, {Name: "description", Text: desc}}}
	}
	docs := []matcher.Doc{
		ch("c-declared", "fr", "Tri des déchets", "Collecte des déchets.", "Gestion de projet", " gestion  de projet ", "Communication"),
		ch("c-fr", "fr", "Collecte des déchets ménagers", "Améliorer la collecte des déchets et le recyclage, et desservir les déchetteries en transports en commun."),
		ch("c-es", "es", "Ciclovías y transporte público", "Ampliar las ciclovías y el transporte público; reciclaje en las estaciones."),
		{ID: "c-themes", Kind: matcher.KindChallenge, Lang: "en", Themes: []string{"road_safety", "unknown_theme"},
			Fields: []matcher.Field{{Name: "title", Text: "Safer streets around schools"}}},
		ch("c-none", "en", "Library opening hours", "Longer opening hours for the municipal libraries."),
		skilled("e1", "en", nil, "Expert."),
	}
	ix := newTrilingualIndex(t, docs)
	tests := []struct {
		id   string
		n    int
		want []string
	}{
		{"c-declared", 1, []string{"Gestion de projet", "Communication"}},
		{"c-fr", 0, []string{"Gestion des déchets", "Mobilité durable"}},
		{"c-fr", 1, []string{"Gestion des déchets"}},
		{"c-es", 5, []string{"Movilidad sostenible", "Gestión de residuos"}},
		{"c-themes", 5, []string{"Road safety"}},
		{"c-none", 5, []string{}},
	}
	for _, tc := range tests {
		got, err := ix.KeySkills(tc.id, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("KeySkills(%s, %d) = %q, want %q", tc.id, tc.n, got, tc.want)
		}
	}
	for _, tc := range []struct {
		id   string
		n    int
		want error
	}{
		{"nope", 5, matcher.ErrNotFound},
		{"e1", 5, matcher.ErrNotFound},
		{"c-fr", -1, matcher.ErrInvalidQuery},
		{"c-fr", matcher.MaxKeySkills + 1, matcher.ErrInvalidQuery},
	} {
		if _, err := ix.KeySkills(tc.id, tc.n); !errors.Is(err, tc.want) {
			t.Errorf("KeySkills(%s, %d): err = %v, want %v", tc.id, tc.n, err, tc.want)
		}
	}
	// The skills a team is asked to cover, covered by an expert.
	ix2 := newTrilingualIndex(t, append(docs, skilled("e-waste", "en", []string{"Waste management"}, "Engineer.")))
	skills, _ := ix2.KeySkills("c-fr", 0)
	cov, err := ix2.SkillCoverage("e-waste", skills, "fr")
	if err != nil || !cov[0].Covered || cov[1].Covered {
		t.Errorf("coverage of %q: %+v %v", skills, cov, err)
	}
}

func TestLexiconLabel(t *testing.T) {
	lex := matcher.NewLexicon([]matcher.LexiconEntry{
		{Concept: "waste", Lang: "fr", Term: "recyclage"},
		{Concept: "waste", Lang: "fr", Term: "Gestion des déchets", Label: true},
		{Concept: "waste", Lang: "en", Term: "recycling"},
		{Concept: "waste", Lang: "en", Term: "waste collection"},
		{Concept: "water", Lang: "es", Term: "agua potable"},
		{Concept: "noise", Lang: "en", Term: "the of", Label: true}, // no content word: not an entry
	})
	tests := []struct {
		concept string
		lang    matcher.Lang
		want    string
	}{
		{"waste", "fr", "Gestion des déchets"}, // marked
		{"waste", "en", "recycling"},           // the first given
		{"waste", "es", "recycling"},           // none in Spanish: English first
		{"water", "en", "agua potable"},        // the only language there is
		{"noise", "en", "noise"},               // unknown: the code
		{"nothing", "fr", "nothing"},
	}
	for _, tc := range tests {
		if got := lex.Label(tc.concept, tc.lang); got != tc.want {
			t.Errorf("Label(%s, %s) = %q, want %q", tc.concept, tc.lang, got, tc.want)
		}
	}
	var none *matcher.Lexicon
	if got := none.Label("waste", "en"); got != "waste" {
		t.Errorf("nil lexicon: %q", got)
	}
}
