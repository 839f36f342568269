package matcher_test

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"matchmaker/matcher"
)

// groupDocs are waste practices in French (two), English and Spanish, and
// mobility practices in the three languages; no themes are declared, so
// that only words and concepts bring them together.
func groupDocs() []matcher.Doc {
	p := func(id string, lang matcher.Lang, title, desc string) matcher.Doc {
		return matcher.Doc{ID: id, Kind: matcher.KindPractice, Lang: lang,
			Fields: []matcher.Field{{Name: "title", Text: title}, {Name: "description", Text: desc}}}
	}
	return []matcher.Doc{
		p("w-fr1", "fr", "Collecte des déchets ménagers en porte-à-porte", "La ville a réorganisé la collecte des déchets ménagers et le tri à la source avec des ambassadeurs du tri."),
		p("w-fr2", "fr", "Tri à la source et recyclage", "Le tri à la source des déchets ménagers et le recyclage des emballages progressent dans les quartiers."),
		p("w-en", "en", "Household recycling", "Door-to-door waste collection and household recycling with sorting ambassadors."),
		p("w-es", "es", "Reciclaje con recicladores", "La ciudad integró a los recicladores en la recolección de residuos y el reciclaje de envases."),
		p("m-fr", "fr", "Pistes cyclables et vélo", "La métropole a ouvert des pistes cyclables et développé le vélo et les transports en commun."),
		p("m-en", "en", "Bike lanes and public transport", "Protected bike lanes, cycling to school and better public transport."),
		p("m-es", "es", "Ciclovías y bicicleta", "Nuevas ciclovías, préstamo de bicicleta y transporte público integrado."),
	}
}

func TestGroup(t *testing.T) {
	docs := groupDocs()
	ix := newTrilingualIndex(t, docs)
	all := ids(suggestionsOf(docs))
	got, err := ix.Group(all, 0.15)
	if err != nil {
		t.Fatal(err)
	}
	sets := make([][]string, len(got))
	for i, g := range got {
		sets[i] = slices.Sorted(slices.Values(g.IDs))
	}
	want := [][]string{{"w-en", "w-es", "w-fr1", "w-fr2"}, {"m-en", "m-es", "m-fr"}}
	if !reflect.DeepEqual(sets, want) {
		t.Fatalf("groups %v, want %v", sets, want)
	}
	waste := got[0]
	if waste.IDs[0] != "w-fr1" && waste.IDs[0] != "w-fr2" {
		t.Errorf("the most central waste practice is %s, want a French one (two of four)", waste.IDs[0])
	}
	if !slices.Contains(waste.Terms, "déchets") || slices.Contains(waste.Terms, "dechet") {
		t.Errorf("waste terms %q: want the words as written", waste.Terms)
	}
	if len(waste.Terms) > 8 {
		t.Errorf("%d terms", len(waste.Terms))
	}
	if !slices.Equal(waste.Concepts, []string{"Gestion des déchets"}) {
		t.Errorf("waste concepts %q, want the French label (two of four are French)", waste.Concepts)
	}
	if c := got[1].Concepts; !slices.Equal(c, []string{"Sustainable mobility"}) {
		t.Errorf("mobility concepts %q, want the English label (one each: English first)", c)
	}
	for _, g := range got {
		if g.Cohesion <= 0.15 || g.Cohesion > 1 {
			t.Errorf("%v: cohesion %v", g.IDs, g.Cohesion)
		}
	}

	// The same whatever the order of the IDs.
	for seed := range uint64(5) {
		shuffled := slices.Clone(all)
		rand.New(rand.NewPCG(seed, 1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		again, err := ix.Group(append(shuffled, shuffled[0]), 0.15)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("order %v: %+v, want %+v", shuffled, again, got)
		}
	}
}

func suggestionsOf(docs []matcher.Doc) []matcher.Suggestion {
	out := make([]matcher.Suggestion, len(docs))
	for i, d := range docs {
		out[i].ID = d.ID
	}
	return out
}

func TestGroupThresholds(t *testing.T) {
	docs := append(groupDocs(), matcher.Doc{ID: "lib", Kind: matcher.KindPractice, Lang: "en",
		Fields: []matcher.Field{{Name: "title", Text: "Longer library opening hours"}}})
	ix := newTrilingualIndex(t, docs)
	all := ids(suggestionsOf(docs))
	tests := []struct {
		name   string
		ids    []string
		min    float64
		groups int
	}{
		{"nothing in common never groups", all, 0, 2},
		{"one", []string{"w-en"}, 0.2, 1},
		{"none", nil, 0.2, 0},
		{"all apart", all, 1, len(all)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ix.Group(tc.ids, tc.min)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.groups {
				t.Fatalf("%d groups, want %d: %+v", len(got), tc.groups, got)
			}
			for _, g := range got {
				if len(g.IDs) == 1 && (g.Cohesion != 1 || len(g.Terms) == 0) {
					t.Errorf("a group of one: %+v", g)
				}
			}
		})
	}
	for _, tc := range []struct {
		ids  []string
		min  float64
		want error
		msg  string
	}{
		{[]string{"w-en", "ghost"}, 0.2, matcher.ErrNotFound, "document ghost: not found"},
		{[]string{"w-en"}, 1.5, matcher.ErrInvalidQuery, "min similarity"},
		{[]string{"w-en"}, -0.1, matcher.ErrInvalidQuery, "min similarity"},
	} {
		_, err := ix.Group(tc.ids, tc.min)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Group(%v, %v): err = %v, want %v saying %q", tc.ids, tc.min, err, tc.want, tc.msg)
		}
	}
}

// TestGroupLarge groups a synthetic corpus: each document is drawn from one
// of a few hundred topics, and documents of one topic must mostly end in
// one group.
func TestGroupLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 2,500-document index")
	}
	docs := matcher.SyntheticCorpus(matcher.CorpusConfig{Docs: 2500, Seed: 11, ExpertShare: 0.01, ChallengeShare: 0.01})
	ix := matcher.NewIndex(matcher.NewAnalyzer(nil))
	if err := ix.Build(docs, nil); err != nil {
		t.Fatal(err)
	}
	var ps []string
	for _, d := range docs {
		if d.Kind == matcher.KindPractice && len(ps) < 2000 {
			ps = append(ps, d.ID)
		}
	}
	got, err := ix.Group(ps, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range got {
		n += len(g.IDs)
	}
	if n != len(ps) {
		t.Fatalf("%d documents in the groups, %d given", n, len(ps))
	}
	if len(got) < 10 || len(got[0].IDs) > len(ps)/2 {
		t.Errorf("%d groups, the largest of %d: not grouped by subject", len(got), len(got[0].IDs))
	}
}
