package api_test

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"matchmaker/matcher"
)

// network builds, through the API, a small network in three languages: a
// French challenge on household waste that English and Spanish practices
// answer, a French challenge on participatory budgeting with a French
// look-alike ("budget de voirie") among the practices, experts who are paused,
// full, or speak no language of the challenge's city, and a closed challenge.
// Every row goes through the API, so the match index learns of it as a client
// would make it.
func network(t *testing.T, x *env) {
	t.Helper()
	x.create(t, "lyon", "/v1/cities", `{"name":"Lyon","country":"FR","region":"europe","population":522000,"languages":["fr"]}`)
	x.create(t, "dakar", "/v1/cities", `{"name":"Dakar","country":"SN","region":"africa","population":1438000,"languages":["fr","wo"]}`)
	x.create(t, "bristol", "/v1/cities", `{"name":"Bristol","country":"GB","region":"europe","population":472000,"languages":["en"]}`)
	x.create(t, "mvd", "/v1/cities", montevideo)
	x.create(t, "poa", "/v1/cities", `{"name":"Porto Alegre","country":"BR","region":"latin_america","population":1332000,"languages":["pt","es","en"]}`)
	x.create(t, "mtl", "/v1/cities", `{"name":"Montréal","country":"CA","region":"north_america","population":1762000,"languages":["fr","en"]}`)

	x.create(t, "p_lyon_waste", "/v1/practices", `{"city_id":"{lyon}","language":"fr","themes":["waste"],
		"title":"Tri à la source des biodéchets et des emballages",
		"description":"Collecte séparée des déchets ménagers en porte-à-porte: bacs pour les emballages et le verre, composteurs de quartier pour les biodéchets."}`)
	x.create(t, "p_lyon_zfe", "/v1/practices", `{"city_id":"{lyon}","language":"fr","themes":["air_quality","mobility"],
		"title":"Zone à faibles émissions","description":"Une ZFE qui restreint la circulation des véhicules les plus polluants dans le centre."}`)
	x.create(t, "p_dakar_tri", "/v1/practices", `{"city_id":"{dakar}","language":"fr","themes":["waste"],
		"title":"Précollecte et tri des déchets ménagers dans les quartiers",
		"description":"Des groupements d'intérêt économique assurent la précollecte en porte-à-porte; les habitants trient les déchets ménagers à la source.",
		"results":"Le taux de tri des ordures ménagères est passé de 5 % à 30 % dans les quartiers pilotes."}`)
	x.create(t, "p_dakar_compost", "/v1/practices", `{"city_id":"{dakar}","language":"fr","themes":["waste","food_security"],
		"title":"Compostage des déchets organiques des marchés",
		"description":"Les déchets organiques des marchés sont triés et compostés pour les maraîchers de la ville."}`)
	x.create(t, "p_bristol_kerbside", "/v1/practices", `{"city_id":"{bristol}","language":"en","themes":["waste","circular_economy"],
		"title":"Kerbside recycling and household waste separation",
		"description":"Every household separates its waste at source: weekly kerbside collection of recyclables and food waste in separate boxes, with door-to-door engagement of residents.",
		"results":"The recycling rate of household waste rose from 17% to 46%."}`)
	x.create(t, "p_bristol_energy", "/v1/practices", `{"city_id":"{bristol}","language":"en","themes":["energy"],
		"title":"Community energy cooperatives","description":"Residents co-own solar panels on schools and public buildings."}`)
	x.create(t, "p_mvd_separacion", "/v1/practices", `{"city_id":"{mvd}","language":"es","themes":["waste"],
		"title":"Separación en origen de residuos domiciliarios",
		"description":"Programa de separación en origen de los residuos en los hogares, con contenedores para reciclables y recolección diferenciada; los recicladores clasifican los materiales en plantas municipales."}`)
	x.create(t, "p_mvd_pb", "/v1/practices", `{"city_id":"{mvd}","language":"es","themes":["participatory_budgeting","citizen_participation"],
		"title":"Presupuesto participativo de Montevideo",
		"description":"Los vecinos proponen y votan proyectos para su barrio con una parte del presupuesto de inversión municipal; los concejos vecinales dan seguimiento a las obras."}`)
	x.create(t, "p_poa_pb", "/v1/practices", `{"city_id":"{poa}","language":"en","themes":["participatory_budgeting","citizen_participation"],
		"title":"Participatory budgeting in Porto Alegre",
		"description":"Residents propose, debate and vote on part of the city's investment budget in neighbourhood assemblies, and elected budget delegates follow the chosen projects."}`)
	x.create(t, "p_mtl_voirie", "/v1/practices", `{"city_id":"{mtl}","language":"fr","themes":["urban_planning"],
		"title":"Budget de voirie des arrondissements",
		"description":"Programmation pluriannuelle du budget de voirie: réfection des chaussées et des trottoirs des quartiers, priorisée par les ingénieurs selon l'état des rues."}`)
	x.create(t, "p_mtl_draft", "/v1/practices", `{"city_id":"{mtl}","language":"fr","themes":["waste"],"status":"draft",
		"title":"Collecte des matières recyclables","description":"Brouillon: collecte sélective des déchets ménagers recyclables et tri à la source."}`)

	x.create(t, "c_waste", "/v1/challenges", `{"city_id":"{lyon}","language":"fr","themes":["waste"],"modes":["exchange","tutoring"],
		"title":"Améliorer le tri à la source des déchets ménagers",
		"description":"Le taux de tri des ordures ménagères reste faible dans les quartiers denses: nous voulons développer la collecte séparée et le recyclage, et convaincre les habitants de trier.",
		"strategic_result":"Doubler le taux de recyclage des déchets ménagers d'ici 2030.",
		"skills_needed":["behaviour change","waste collection planning"]}`)
	x.create(t, "c_pb", "/v1/challenges", `{"city_id":"{dakar}","language":"fr","themes":["participatory_budgeting"],
		"title":"Lancer un budget participatif dans les communes",
		"description":"Nous voulons que les habitants proposent et votent des projets d'investissement pour leur quartier avec une part du budget communal."}`)
	x.create(t, "c_poa_waste", "/v1/challenges", `{"city_id":"{poa}","language":"en","themes":["waste"],
		"title":"Household waste separation in low-income neighbourhoods",
		"description":"Most household waste still goes to landfill: we want residents to separate recyclables at source and to organise collection with waste pickers."}`)
	x.create(t, "c_closed", "/v1/challenges", `{"city_id":"{mtl}","language":"fr","themes":["waste"],"status":"closed",
		"title":"Réduire les déchets ménagers enfouis","description":"Moins d'ordures ménagères à l'enfouissement grâce au tri à la source et au recyclage dans les quartiers."}`)

	x.create(t, "e_awa", "/v1/experts", `{"name":"Awa Diop","role":"public_service_manager","seniority":"senior","country":"SN","city_id":"{dakar}","languages":["fr","wo"],
		"bio":"Responsable de la précollecte et du tri à la source des déchets ménagers dans les quartiers de Dakar.","themes":["waste"],"skills":["waste collection planning"],
		"track_record":[{"title":"Tri à la source dans douze quartiers","year":2021}]}`)
	x.create(t, "e_claire", "/v1/experts", `{"name":"Claire Martin","role":"technical_officer","seniority":"senior","country":"FR","city_id":"{lyon}","languages":["fr"],
		"bio":"Pilote du tri à la source et de la collecte séparée des déchets ménagers à Lyon.","themes":["waste"]}`)
	x.create(t, "e_tremblay", "/v1/experts", `{"name":"Jean Tremblay","role":"mayor","seniority":"leadership","country":"CA","city_id":"{mtl}","languages":["fr","en"],
		"bio":"Ancien maire d'arrondissement: a porté le plan de recyclage et de tri des déchets ménagers.","themes":["waste"],"skills":["behaviour change"],
		"modes":["tutoring","peer_review"]}`)
	x.create(t, "e_green", "/v1/experts", `{"name":"Tom Green","role":"technical_officer","seniority":"junior","country":"GB","city_id":"{bristol}","languages":["en","fr"],
		"bio":"Chargé de mission tri des déchets ménagers et recyclage.","themes":["waste"]}`)
	x.create(t, "e_paused", "/v1/experts", `{"name":"Paul Dubois","role":"technical_officer","seniority":"senior","country":"BE","languages":["fr"],"active":false,
		"bio":"Expert du tri à la source et de la collecte des déchets ménagers.","themes":["waste"]}`)
	x.create(t, "e_full", "/v1/experts", `{"name":"Lucía Fernández","role":"technical_officer","seniority":"senior","country":"UY","city_id":"{mvd}","languages":["es","fr"],"capacity":0,
		"bio":"Coordinadora de la separación en origen de residuos domiciliarios.","themes":["waste"]}`)
	x.create(t, "e_english", "/v1/experts", `{"name":"James Okoro","role":"public_service_manager","seniority":"leadership","country":"GB","city_id":"{bristol}","languages":["en"],
		"bio":"Led the roll-out of kerbside recycling and household waste separation across Bristol.","themes":["waste"],
		"track_record":[{"title":"Kerbside recycling roll-out","summary":"Weekly collection of separated recyclables for 200,000 households.","year":2019}]}`)
	x.create(t, "e_ana", "/v1/experts", `{"name":"Ana Souza","role":"elected_official","seniority":"leadership","country":"BR","city_id":"{poa}","languages":["pt","es","fr"],
		"bio":"Coordinated participatory budgeting assemblies and budget delegates.","themes":["participatory_budgeting"]}`)
	x.create(t, "e_sofia", "/v1/experts", `{"name":"Sofía Ramírez","role":"academic","seniority":"senior","country":"UY","languages":["es","en"],
		"bio":"Investigadora del presupuesto participativo en América Latina.","themes":["participatory_budgeting"]}`)
	// A member city with nothing in the index yet.
	x.create(t, "quito", "/v1/cities", `{"name":"Quito","country":"EC","region":"latin_america","languages":["es"]}`)
}

// list GETs a matching list and checks what every explanation must hold.
func (x *env) list(t *testing.T, path string) []matcher.Suggestion {
	t.Helper()
	r := x.do(t, "GET", path, "")
	if r.Status != 200 {
		t.Fatalf("GET %s: status %d: %s", path, r.Status, r.Body)
	}
	var l struct{ Items []matcher.Suggestion }
	if err := json.Unmarshal(r.Body, &l); err != nil {
		t.Fatal(err)
	}
	for _, s := range l.Items {
		x.checkExplained(t, s)
	}
	return l.Items
}

// explain GETs one explanation.
func (x *env) explain(t *testing.T, path string) matcher.Suggestion {
	t.Helper()
	r := x.do(t, "GET", path, "")
	if r.Status != 200 {
		t.Fatalf("GET %s: status %d: %s", path, r.Status, r.Body)
	}
	var s matcher.Suggestion
	if err := json.Unmarshal(r.Body, &s); err != nil {
		t.Fatal(err)
	}
	x.checkExplained(t, s)
	return s
}

// checkExplained checks that an explanation adds up: its contributions sum to
// the score a user sees, each is its weight times its value, and a partner's
// directions are explained the same way.
func (x *env) checkExplained(t *testing.T, s matcher.Suggestion) {
	t.Helper()
	if s.Name == "" {
		t.Errorf("%s %s: no name: a list must show what it suggests", s.Kind, s.ID)
	}
	if s.Score != s.Explanation.Score {
		t.Errorf("%s: score %v, explanation says %v", x.name(s.ID), s.Score, s.Explanation.Score)
	}
	x.checkSum(t, x.name(s.ID), s.Explanation)
	for _, d := range s.Explanation.Directions {
		if d.Score != d.Explanation.Score {
			t.Errorf("%s: direction %s scores %v, its explanation %v", x.name(s.ID), x.name(d.ChallengeID), d.Score, d.Explanation.Score)
		}
		x.checkSum(t, x.name(s.ID)+" → "+x.name(d.ChallengeID), d.Explanation)
	}
}

func (x *env) checkSum(t *testing.T, what string, e matcher.Explanation) {
	t.Helper()
	sum := 0.0
	for _, c := range e.Contributions {
		sum += c.Contribution
		if c.Factor != matcher.FactorReciprocity && math.Abs(c.Weight*c.Value-c.Contribution) > 1e-6 {
			t.Errorf("%s: %s contributes %v, not its weight %v × value %v", what, c.Factor, c.Contribution, c.Weight, c.Value)
		}
	}
	if math.Abs(sum-e.Score) > 1e-6 {
		t.Errorf("%s: contributions add up to %v, score is %v: %+v", what, sum, e.Score, e.Contributions)
	}
}

// name returns the fixture name of an ID, for messages.
func (x *env) name(id string) string {
	for k, v := range x.ids {
		if v == id {
			return k
		}
	}
	return id
}

// names returns the fixture names of suggestions, in their order.
func (x *env) names(items []matcher.Suggestion) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = x.name(s.ID)
	}
	return out
}

func find(items []matcher.Suggestion, id string) (matcher.Suggestion, bool) {
	for _, s := range items {
		if s.ID == id {
			return s, true
		}
	}
	return matcher.Suggestion{}, false
}

func contribution(e matcher.Explanation, f matcher.Factor) (matcher.Contribution, bool) {
	for _, c := range e.Contributions {
		if c.Factor == f {
			return c, true
		}
	}
	return matcher.Contribution{}, false
}

// ranking is what a user must see in a list of suggestions.
type ranking struct {
	name   string
	path   string
	listed []string // fixtures that must be listed, in any order
	order  []string // fixtures that must be listed in this order, others may come between
	absent []string // fixtures that must not be listed
	only   []string // when set, every item must be one of these
	check  func(t *testing.T, x *env, items []matcher.Suggestion)
}

func (x *env) rank(t *testing.T, cases []ranking) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items := x.list(t, tc.path)
			got := x.names(items)
			for _, want := range tc.listed {
				if !slices.Contains(got, want) {
					t.Errorf("%s is not listed: %v", want, got)
				}
			}
			pos := -1
			for _, want := range tc.order {
				i := slices.Index(got, want)
				if i < 0 {
					t.Fatalf("%s is not listed: %v", want, got)
				}
				if i < pos {
					t.Fatalf("%s is listed too high, the order should be %v: %v", want, tc.order, got)
				}
				pos = i
			}
			for _, no := range tc.absent {
				if slices.Contains(got, no) {
					t.Errorf("%s is listed: %v", no, got)
				}
			}
			for _, n := range got {
				if tc.only != nil && !slices.Contains(tc.only, n) {
					t.Errorf("%s is listed, only %v may be: %v", n, tc.only, got)
				}
			}
			if tc.check != nil {
				tc.check(t, x, items)
			}
		})
	}
}

// why is what a user must read in one explanation.
type why struct {
	name     string
	path     string
	excluded bool
	reason   string // a fragment of one of the exclusion reasons
	check    func(t *testing.T, x *env, s matcher.Suggestion)
}

func (x *env) why(t *testing.T, cases []why) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := x.explain(t, tc.path)
			e := s.Explanation
			if e.Excluded != tc.excluded || e.Excluded != (len(e.ExclusionReasons) > 0) {
				t.Fatalf("excluded %v with reasons %q, want excluded %v", e.Excluded, e.ExclusionReasons, tc.excluded)
			}
			if tc.reason != "" && !slices.ContainsFunc(e.ExclusionReasons, func(r string) bool { return strings.Contains(r, tc.reason) }) {
				t.Errorf("no reason says %q: %q", tc.reason, e.ExclusionReasons)
			}
			if tc.check != nil {
				tc.check(t, x, s)
			}
		})
	}
}

// text returns the texts of the resource at path, for looking words up.
func (x *env) text(t *testing.T, path string) string {
	t.Helper()
	var texts []string
	for _, v := range x.do(t, "GET", path, "").json(t) {
		switch v := v.(type) {
		case string:
			texts = append(texts, v)
		case []any:
			for _, s := range v {
				if s, ok := s.(string); ok {
					texts = append(texts, s)
				}
			}
		}
	}
	return strings.Join(texts, "\n")
}

// wordsOf returns the matched words of s on each side, and its shared
// concepts with their words.
func wordsOf(s matcher.Suggestion) (query, doc []string, concepts map[string][2][]string) {
	concepts = map[string][2][]string{}
	for _, m := range s.Explanation.MatchedTerms {
		query, doc = append(query, m.QueryWords...), append(doc, m.DocWords...)
	}
	for _, c := range s.Explanation.SharedConcepts {
		concepts[c.Concept] = [2][]string{c.QueryWords, c.DocWords}
	}
	return query, doc, concepts
}

func TestSuggestionsAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		network(t, x)
		x.rank(t, []ranking{
			{name: "the same subject in other languages ranks above a look-alike", path: "/v1/challenges/{c_waste}/suggestions",
				listed: []string{"p_dakar_tri", "p_dakar_compost"},
				order:  []string{"p_bristol_kerbside", "p_mtl_voirie"},
				absent: []string{"p_lyon_waste", "p_lyon_zfe", "p_mtl_draft", "p_bristol_energy"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					mvd, ok := find(items, x.ids["p_mvd_separacion"])
					voirie, _ := find(items, x.ids["p_mtl_voirie"])
					if !ok || mvd.Score <= voirie.Score {
						t.Errorf("the Spanish practice (%v) should rank above the look-alike (%v): %v", mvd.Score, voirie.Score, x.names(items))
					}
					for _, tc := range []struct {
						practice string
						docWords []string // words of the practice that name the concept
					}{
						{"p_bristol_kerbside", []string{"household waste", "recycling", "recyclables"}},
						{"p_mvd_separacion", []string{"Separación en origen", "reciclables", "recicladores"}},
					} {
						s, _ := find(items, x.ids[tc.practice])
						_, _, concepts := wordsOf(s)
						waste, ok := concepts["waste"]
						if !ok || !slices.Contains(waste[0], "tri à la source") || len(waste[1]) == 0 ||
							slices.ContainsFunc(waste[1], func(w string) bool { return !slices.Contains(tc.docWords, w) }) {
							t.Errorf("%s: the concept waste should bridge \"tri à la source\" and some of %q: %+v", tc.practice, tc.docWords, s.Explanation.SharedConcepts)
						}
						if !slices.Contains(s.Explanation.SharedThemes, "waste") {
							t.Errorf("%s: shared themes %v", tc.practice, s.Explanation.SharedThemes)
						}
					}
				}},
			{name: "limit", path: "/v1/challenges/{c_waste}/suggestions?limit=2",
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					if len(items) != 2 {
						t.Fatalf("limit=2 listed %d", len(items))
					}
				}},
			{name: "participatory budgeting in English and Spanish ranks above the budget de voirie", path: "/v1/challenges/{c_pb}/suggestions",
				order:  []string{"p_poa_pb", "p_mtl_voirie"},
				absent: []string{"p_dakar_tri", "p_dakar_compost"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					voirie, _ := find(items, x.ids["p_mtl_voirie"])
					if q, _, _ := wordsOf(voirie); !slices.Contains(q, "budget") {
						t.Errorf("the look-alike should share the word budget: %q", q)
					}
					if voirie.Explanation.SharedConcepts != nil {
						t.Errorf("the look-alike shares no concept: %+v", voirie.Explanation.SharedConcepts)
					}
					mvd, ok := find(items, x.ids["p_mvd_pb"])
					if !ok || mvd.Score <= voirie.Score {
						t.Errorf("the Spanish practice (%v) should rank above the look-alike (%v)", mvd.Score, voirie.Score)
					}
				}},
			{name: "cities are ranked by their practices, the challenge's own city never", path: "/v1/challenges/{c_waste}/suggestions?kind=cities",
				listed: []string{"dakar", "bristol", "mvd"}, absent: []string{"lyon", "quito"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					dakar, _ := find(items, x.ids["dakar"])
					if dakar.Kind != matcher.KindCity || len(dakar.Explanation.Practices) != 2 ||
						dakar.Explanation.Practices[0].ID != x.ids["p_dakar_tri"] || dakar.Explanation.Practices[1].ID != x.ids["p_dakar_compost"] {
						t.Fatalf("Dakar should be explained by its two practices on waste: %+v", dakar.Explanation.Practices)
					}
					if c, ok := contribution(dakar.Explanation, matcher.FactorMorePractices); !ok || c.Contribution <= 0 {
						t.Errorf("Dakar's second practice should add to its score: %+v", dakar.Explanation.Contributions)
					}
				}},
			{name: "experts: the own city's, the paused, the full, those of another language and mode are left out", path: "/v1/challenges/{c_waste}/suggestions?kind=experts",
				listed: []string{"e_awa", "e_green"},
				absent: []string{"e_claire", "e_paused", "e_full", "e_english", "e_tremblay"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					awa, _ := find(items, x.ids["e_awa"])
					tr := awa.Explanation.TrackRecord
					if tr == nil || tr.Title != "Tri à la source dans douze quartiers" || tr.Year != 2021 || len(tr.Words) == 0 {
						t.Errorf("Awa's engagement should be shown as evidence: %+v", tr)
					}
				}},
			{name: "an expert with no shared language, when interpretation is arranged", path: "/v1/challenges/{c_waste}/suggestions?kind=experts&require_shared_language=false",
				listed: []string{"e_awa", "e_english"}, absent: []string{"e_paused", "e_full"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					s, _ := find(items, x.ids["e_english"])
					if c, _ := contribution(s.Explanation, matcher.FactorLanguage); c.Value != 0.75 || !strings.Contains(c.Detail, "which this request allows") {
						t.Errorf("language should keep three quarters of its weight, and say why: %+v", c)
					}
				}},
			{name: "tutoring favours leadership", path: "/v1/challenges/{c_waste}/suggestions?kind=experts&mode=TUTORING",
				order: []string{"e_tremblay", "e_green"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					mayor, _ := find(items, x.ids["e_tremblay"])
					junior, _ := find(items, x.ids["e_green"])
					rm, _ := contribution(mayor.Explanation, matcher.FactorRole)
					rj, _ := contribution(junior.Explanation, matcher.FactorRole)
					if mayor.Explanation.Mode != matcher.ModeTutoring || rj.Value >= rm.Value || !strings.Contains(rm.Detail, "leadership") {
						t.Errorf("role: mayor %+v, junior %+v", rm, rj)
					}
				}},
			{name: "region filter", path: "/v1/challenges/{c_waste}/suggestions?region=latin_america", only: []string{"p_mvd_separacion"}, listed: []string{"p_mvd_separacion"}},
			{name: "country filter", path: "/v1/challenges/{c_waste}/suggestions?country=gb", only: []string{"p_bristol_kerbside"}, listed: []string{"p_bristol_kerbside"}},
			{name: "language filter", path: "/v1/challenges/{c_waste}/suggestions?language=ES", only: []string{"p_mvd_separacion"}, listed: []string{"p_mvd_separacion"}},
			{name: "weights", path: "/v1/challenges/{c_waste}/suggestions?weights=geography:0,%20themes:0.6",
				listed: []string{"p_dakar_tri"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					// The weights of the factors that apply to a practice, scaled to add up to 1.
					w := matcher.DefaultWeights(matcher.ModeExchange)
					sum := w[matcher.FactorText] + w[matcher.FactorConcepts] + 0.6 + w[matcher.FactorLanguage]
					for _, s := range items {
						if _, ok := contribution(s.Explanation, matcher.FactorGeography); ok {
							t.Errorf("%s: geography weighs nothing, yet contributes", x.name(s.ID))
						}
						if c, _ := contribution(s.Explanation, matcher.FactorThemes); math.Abs(c.Weight-0.6/sum) > 1e-6 {
							t.Errorf("%s: themes weighs %v, want %v", x.name(s.ID), c.Weight, 0.6/sum)
						}
					}
				}},
			{name: "similar context", path: "/v1/challenges/{c_waste}/suggestions?kind=cities&similar_context=true",
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					bristol, _ := find(items, x.ids["bristol"])
					dakar, _ := find(items, x.ids["dakar"])
					gb, _ := contribution(bristol.Explanation, matcher.FactorGeography)
					gd, _ := contribution(dakar.Explanation, matcher.FactorGeography)
					if gb.Value != 1 || gd.Value != 0 || !strings.Contains(gb.Detail, "same region europe") {
						t.Errorf("Bristol is like Lyon, Dakar is not: %+v, %+v", gb, gd)
					}
				}},
		})

		// What suggestions show, explain shows the same way; what they leave
		// out, explain says why.
		sugs := x.list(t, "/v1/challenges/{c_waste}/suggestions")
		kerbside, _ := find(sugs, x.ids["p_bristol_kerbside"])
		x.why(t, []why{
			{name: "a suggested practice scores the same", path: "/v1/challenges/{c_waste}/explain?practice_id={p_bristol_kerbside}",
				check: func(t *testing.T, x *env, s matcher.Suggestion) {
					if s.Score != kerbside.Score || s.Kind != matcher.KindPractice || !reflect.DeepEqual(s.Explanation.Contributions, kerbside.Explanation.Contributions) {
						t.Errorf("explain says %+v, suggestions %+v", s, kerbside)
					}
				}},
			{name: "matched words are shown as written, accents included", path: "/v1/challenges/{c_waste}/explain?practice_id={p_dakar_tri}",
				check: func(t *testing.T, x *env, s matcher.Suggestion) {
					query, doc, concepts := wordsOf(s)
					for _, w := range []string{"déchets", "habitants"} {
						if !slices.Contains(query, w) || !slices.Contains(doc, w) {
							t.Errorf("%q should be matched on both sides: challenge %q, practice %q", w, query, doc)
						}
					}
					// "ménagers" and "ménagères" share a stem: each side shows
					// its own spelling, accents kept.
					hasMenag := func(words []string) bool {
						return slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, "ménag") })
					}
					if !hasMenag(query) || !hasMenag(doc) {
						t.Errorf("ménagers/ménagères should be matched on both sides: challenge %q, practice %q", query, doc)
					}
					for _, m := range s.Explanation.MatchedTerms {
						if len(m.QueryWords) == 0 || len(m.DocWords) == 0 {
							t.Errorf("term %q lacks its words: %+v", m.Term, m)
						}
					}
					waste, ok := concepts["waste"]
					if !ok || len(waste[0]) == 0 || len(waste[1]) == 0 {
						t.Fatalf("the concept waste should show the words of both sides: %+v", s.Explanation.SharedConcepts)
					}
					// Every word shown is one the side wrote, as it wrote it.
					challenge, practice := x.text(t, "/v1/challenges/{c_waste}"), x.text(t, "/v1/practices/{p_dakar_tri}")
					for _, w := range slices.Concat(query, waste[0]) {
						if !strings.Contains(challenge, w) {
							t.Errorf("the challenge does not say %q", w)
						}
					}
					for _, w := range slices.Concat(doc, waste[1]) {
						if !strings.Contains(practice, w) {
							t.Errorf("the practice does not say %q", w)
						}
					}
					if c, _ := contribution(s.Explanation, matcher.FactorText); !strings.Contains(c.Detail, "words in common") {
						t.Errorf("text detail %q", c.Detail)
					}
				}},
			{name: "the paused expert", path: "/v1/challenges/{c_waste}/explain?expert_id={e_paused}", excluded: true, reason: "expert is paused",
				check: func(t *testing.T, x *env, s matcher.Suggestion) {
					if s.Score <= 0 || len(s.Explanation.MatchedTerms) == 0 {
						t.Errorf("the score should be what it would be: %+v", s)
					}
				}},
			{name: "the expert with no shared language", path: "/v1/challenges/{c_waste}/explain?expert_id={e_english}", excluded: true,
				reason: "no shared working language: challenge city works in fr; expert speaks en"},
			{name: "the same expert with interpretation", path: "/v1/challenges/{c_waste}/explain?expert_id={e_english}&require_shared_language=false"},
			{name: "the expert who takes no engagement", path: "/v1/challenges/{c_waste}/explain?expert_id={e_full}", excluded: true, reason: "capacity 0"},
			{name: "the expert who does not volunteer for the mode", path: "/v1/challenges/{c_waste}/explain?expert_id={e_tremblay}", excluded: true, reason: "does not volunteer for exchange"},
			{name: "the expert of the challenge's city", path: "/v1/challenges/{c_waste}/explain?expert_id={e_claire}", excluded: true, reason: "same city"},
			{name: "the practice of the challenge's city", path: "/v1/challenges/{c_waste}/explain?practice_id={p_lyon_waste}", excluded: true, reason: "same city"},
			{name: "a draft practice", path: "/v1/challenges/{c_waste}/explain?practice_id={p_mtl_draft}", excluded: true, reason: "practice is draft"},
			{name: "the challenge's city", path: "/v1/challenges/{c_waste}/explain?city_id={lyon}", excluded: true, reason: "same city"},
			{name: "a city with no practice", path: "/v1/challenges/{c_waste}/explain?city_id={quito}", excluded: true, reason: "no practice",
				check: func(t *testing.T, x *env, s matcher.Suggestion) {
					if s.Kind != matcher.KindCity || s.Score != 0 || s.Explanation.Mode != matcher.ModeExchange {
						t.Errorf("%+v", s)
					}
				}},
			{name: "a suggested city", path: "/v1/challenges/{c_waste}/explain?city_id={dakar}&limit=1&country=UY",
				check: func(t *testing.T, x *env, s matcher.Suggestion) {
					if len(s.Explanation.Practices) != 2 {
						t.Errorf("explain ignores filters and shows both practices: %+v", s.Explanation.Practices)
					}
				}},
			{name: "a closed challenge can still be explained", path: "/v1/challenges/{c_closed}/explain?practice_id={p_lyon_waste}"},
		})

		x.run(t, []scenario{
			{name: "closed challenge", method: "GET", path: "/v1/challenges/{c_closed}/suggestions", status: 409, contains: []string{"closed"}},
			{name: "closed challenge, experts", method: "GET", path: "/v1/challenges/{c_closed}/suggestions?kind=experts", status: 409},
			{name: "unknown challenge", method: "GET", path: "/v1/challenges/nope/suggestions", status: 404},
			{name: "a practice is no challenge", method: "GET", path: "/v1/challenges/{p_dakar_tri}/suggestions", status: 404},
			{name: "explain, unknown challenge", method: "GET", path: "/v1/challenges/nope/explain?practice_id={p_dakar_tri}", status: 404},
			{name: "explain, unknown practice", method: "GET", path: "/v1/challenges/{c_waste}/explain?practice_id=nope", status: 404},
			{name: "explain, an expert given as a practice", method: "GET", path: "/v1/challenges/{c_waste}/explain?practice_id={e_awa}", status: 404},
			{name: "explain, unknown city", method: "GET", path: "/v1/challenges/{c_waste}/explain?city_id=nope", status: 404},
			{name: "bad kind", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?kind=rivers", status: 400, fields: []string{"kind"}, contains: []string{"practices, experts, cities"}},
			{name: "bad mode", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?mode=coaching", status: 400, fields: []string{"mode"}},
			{name: "limit 0", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?limit=0", status: 400, fields: []string{"limit"}},
			{name: "limit over 100", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?limit=101", status: 400, fields: []string{"limit"}},
			{name: "limit not a number", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?limit=ten", status: 400, fields: []string{"limit"}},
			{name: "weights, unknown factor", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?weights=colour:0.5", status: 400, fields: []string{"weights"}, contains: []string{"colour"}},
			{name: "weights, text to zero", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?weights=text:0", status: 400, fields: []string{"weights"}, contains: []string{"between 0.05 and 1"}},
			{name: "weights, over 1", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?weights=themes:2", status: 400, fields: []string{"weights"}},
			{name: "weights, not a number", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?weights=themes:NaN", status: 400, fields: []string{"weights"}},
			{name: "weights, malformed", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?weights=themes", status: 400, fields: []string{"weights"}},
			{name: "a language the matcher does not read", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?language=de", status: 400, fields: []string{"language"}},
			{name: "bad booleans", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?require_shared_language=maybe&similar_context=2", status: 400,
				fields: []string{"similar_context", "require_shared_language"}},
			{name: "unknown parameter", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?colour=red", status: 400, fields: []string{"colour"}},
			{name: "every bad parameter at once", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?kind=rivers&mode=coaching&limit=0&region=mars&language=de&weights=colour:1", status: 400,
				fields: []string{"kind", "mode", "limit", "region", "language", "weights"}},
			{name: "bad parameters of an unknown challenge", method: "GET", path: "/v1/challenges/nope/suggestions?kind=rivers", status: 400, fields: []string{"kind"}},
			{name: "explain without an ID", method: "GET", path: "/v1/challenges/{c_waste}/explain", status: 400, fields: []string{"practice_id", "expert_id", "city_id"}},
			{name: "explain with two IDs", method: "GET", path: "/v1/challenges/{c_waste}/explain?practice_id={p_dakar_tri}&expert_id={e_awa}", status: 400,
				fields: []string{"practice_id", "expert_id", "city_id"}},
			{name: "explain takes no kind", method: "GET", path: "/v1/challenges/{c_waste}/explain?practice_id={p_dakar_tri}&kind=experts", status: 400, fields: []string{"kind"}},
			{name: "explain, bad weights", method: "GET", path: "/v1/challenges/{c_waste}/explain?practice_id={p_dakar_tri}&weights=text:7", status: 400, fields: []string{"weights"}},
		})
	})
}

// TestMatchIndexFollowsWritesAPI checks that what a client writes is what the
// next suggestion sees, with no rebuild.
func TestMatchIndexFollowsWritesAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		network(t, x)
		const sugs, explainNew = "/v1/challenges/{c_waste}/suggestions", "/v1/challenges/{c_waste}/explain?practice_id={p_new}"
		x.create(t, "p_new", "/v1/practices", `{"city_id":"{mtl}","language":"fr","themes":["waste"],
			"title":"Collecte sélective des déchets ménagers en porte-à-porte",
			"description":"Les habitants trient les emballages et le verre; la collecte séparée passe chaque semaine dans les quartiers."}`)
		before := x.explain(t, explainNew)
		x.rank(t, []ranking{{name: "a new practice is suggested at once", path: sugs, order: []string{"p_new", "p_mtl_voirie"}}})

		x.run(t, []scenario{{name: "change the practice's text", method: "PATCH", path: "/v1/practices/{p_new}", status: 200,
			body: `{"title":"Patinoires de quartier","description":"Des patinoires extérieures entretenues l'hiver par des bénévoles.","themes":["culture_heritage"]}`}})
		after := x.explain(t, explainNew)
		if after.Score >= before.Score || after.Explanation.SharedConcepts != nil {
			t.Errorf("after its text changed, the practice scores %v (it scored %v), sharing %+v", after.Score, before.Score, after.Explanation.SharedConcepts)
		}
		x.rank(t, []ranking{{name: "a practice changed to another subject ranks lower", path: sugs, order: []string{"p_mvd_separacion"},
			check: func(t *testing.T, x *env, items []matcher.Suggestion) {
				if i := slices.Index(x.names(items), "p_new"); i >= 0 && i < 3 {
					t.Errorf("the practice on ice rinks ranks %d: %v", i+1, x.names(items))
				}
			}}})

		x.run(t, []scenario{
			{name: "delete the practice", method: "DELETE", path: "/v1/practices/{p_new}", status: 204},
			{name: "a deleted practice is not explained", method: "GET", path: explainNew, status: 404},
			{name: "pause an expert", method: "PATCH", path: "/v1/experts/{e_green}", body: `{"active":false}`, status: 200},
			{name: "a city learns French", method: "PATCH", path: "/v1/cities/{bristol}", body: `{"languages":["en","fr"]}`, status: 200},
		})
		x.rank(t, []ranking{
			{name: "a deleted practice is gone", path: sugs, absent: []string{"p_new"}, order: []string{"p_dakar_tri"}},
			{name: "a paused expert is gone", path: sugs + "?kind=experts", absent: []string{"e_green"}, order: []string{"e_awa"}},
			{name: "a city's languages reach its practices", path: sugs, order: []string{"p_bristol_kerbside"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					s, _ := find(items, x.ids["p_bristol_kerbside"])
					if c, _ := contribution(s.Explanation, matcher.FactorLanguage); c.Value != 1 || c.Detail != "shares fr" {
						t.Errorf("Bristol now works in French: %+v", c)
					}
				}},
		})
		x.why(t, []why{{name: "the paused expert says so", path: "/v1/challenges/{c_waste}/explain?expert_id={e_green}", excluded: true, reason: "paused"}})

		x.run(t, []scenario{
			{name: "close the challenge", method: "PATCH", path: "/v1/challenges/{c_waste}", body: `{"status":"closed"}`, status: 200},
			{name: "a closed challenge has no suggestions", method: "GET", path: sugs, status: 409},
			{name: "delete a challenge", method: "DELETE", path: "/v1/challenges/{c_pb}", status: 204},
			{name: "a deleted challenge is unknown", method: "GET", path: "/v1/challenges/{c_pb}/suggestions", status: 404},
		})
		x.rank(t, []ranking{{name: "a closed challenge is no opportunity", path: "/v1/experts/{e_awa}/opportunities", absent: []string{"c_waste"}}})
	})
}

func TestOpportunitiesAndPartnersAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		network(t, x)
		x.rank(t, []ranking{
			{name: "an expert's opportunities are open challenges of other cities", path: "/v1/experts/{e_awa}/opportunities",
				listed: []string{"c_waste"}, only: []string{"c_waste"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					s := items[0]
					if s.Kind != matcher.KindChallenge || s.Explanation.Mode != matcher.ModeExchange {
						t.Errorf("scored as %s in %s: the challenge's first mode is exchange", s.Kind, s.Explanation.Mode)
					}
					if tr := s.Explanation.TrackRecord; tr == nil || tr.Title != "Tri à la source dans douze quartiers" {
						t.Errorf("the expert's best engagement should be shown: %+v", tr)
					}
					query, doc, _ := wordsOf(s)
					if !slices.Contains(query, "précollecte") && !slices.Contains(query, "déchets") || !slices.Contains(doc, "déchets") {
						t.Errorf("the expert's words are the query's: query %q, challenge %q", query, doc)
					}
				}},
			{name: "opportunities show the words of the expert's track record", path: "/v1/experts/{e_english}/opportunities",
				listed: []string{"c_poa_waste"}, absent: []string{"c_waste"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					s, _ := find(items, x.ids["c_poa_waste"])
					if tr := s.Explanation.TrackRecord; tr == nil || tr.Title != "Kerbside recycling roll-out" || !slices.Contains(tr.Words, "collection") {
						t.Errorf("the engagement should be shown with its words: %+v", tr)
					}
					// "collection" is only in the track record: it is still one of the expert's words.
					for _, m := range s.Explanation.MatchedTerms {
						if len(m.QueryWords) == 0 || len(m.DocWords) == 0 {
							t.Errorf("term %q lacks its words: %+v", m.Term, m)
						}
					}
				}},
			{name: "opportunities in another mode", path: "/v1/experts/{e_awa}/opportunities?mode=tutoring", only: []string{"c_waste"}, listed: []string{"c_waste"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					if items[0].Explanation.Mode != matcher.ModeTutoring {
						t.Errorf("mode %s", items[0].Explanation.Mode)
					}
					if _, ok := contribution(items[0].Explanation, matcher.FactorRole); !ok {
						t.Errorf("tutoring weighs the role: %+v", items[0].Explanation.Contributions)
					}
				}},
			{name: "a paused expert still sees opportunities", path: "/v1/experts/{e_paused}/opportunities", order: []string{"c_waste"}, absent: []string{"c_closed"}},
			{name: "opportunities across languages", path: "/v1/experts/{e_ana}/opportunities", order: []string{"c_pb"}, absent: []string{"c_closed"}},
			{name: "no opportunity in a language the expert does not speak", path: "/v1/experts/{e_sofia}/opportunities", absent: []string{"c_pb", "c_waste"}},
			{name: "opportunities with interpretation", path: "/v1/experts/{e_sofia}/opportunities?require_shared_language=false", order: []string{"c_pb"}},
			{name: "opportunities filtered by region", path: "/v1/experts/{e_ana}/opportunities?region=africa", listed: []string{"c_pb"}, only: []string{"c_pb"}},
			{name: "opportunities filtered by another region", path: "/v1/experts/{e_ana}/opportunities?region=europe", absent: []string{"c_pb"}},
			{name: "reciprocal partners", path: "/v1/cities/{dakar}/partners",
				listed: []string{"poa"}, absent: []string{"dakar", "bristol", "mvd", "mtl", "quito"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					poa, _ := find(items, x.ids["poa"])
					d := poa.Explanation.Directions
					if poa.Kind != matcher.KindCity || len(d) != 2 {
						t.Fatalf("Porto Alegre should be explained in two directions: %+v", poa)
					}
					if d[0].ChallengeID != x.ids["c_pb"] || d[0].ChallengeCity != x.ids["dakar"] || d[0].AnsweringCity != x.ids["poa"] ||
						len(d[0].Explanation.Practices) == 0 || d[0].Explanation.Practices[0].ID != x.ids["p_poa_pb"] {
						t.Errorf("first direction: Porto Alegre's practice answers Dakar's challenge: %+v", d[0])
					}
					if d[1].ChallengeID != x.ids["c_poa_waste"] || d[1].ChallengeCity != x.ids["poa"] || d[1].AnsweringCity != x.ids["dakar"] ||
						len(d[1].Explanation.Practices) == 0 || d[1].Explanation.Practices[0].ID != x.ids["p_dakar_tri"] {
						t.Errorf("second direction: Dakar's practice answers Porto Alegre's challenge: %+v", d[1])
					}
					var rec []matcher.Contribution
					for _, c := range poa.Explanation.Contributions {
						if c.Factor == matcher.FactorReciprocity {
							rec = append(rec, c)
						}
					}
					if len(rec) != 2 || rec[0].Value != d[0].Score || rec[1].Value != d[1].Score {
						t.Errorf("each direction should contribute its share: %+v", poa.Explanation.Contributions)
					}
					a, b := d[0].Score, d[1].Score
					if math.Abs(poa.Score-2*a*b/(a+b)) > 1e-6 {
						t.Errorf("the partnership scores %v, not the harmonic mean of %v and %v", poa.Score, a, b)
					}
				}},
			{name: "partners filtered by region", path: "/v1/cities/{dakar}/partners?region=europe", absent: []string{"poa"}},
			{name: "a city with no open challenge has no partner", path: "/v1/cities/{bristol}/partners", only: []string{}},
			{name: "a city with nothing yet has no partner", path: "/v1/cities/{quito}/partners", only: []string{}},
		})
		x.run(t, []scenario{
			{name: "opportunities, unknown expert", method: "GET", path: "/v1/experts/nope/opportunities", status: 404},
			{name: "opportunities, a challenge is no expert", method: "GET", path: "/v1/experts/{c_waste}/opportunities", status: 404},
			{name: "opportunities take no kind", method: "GET", path: "/v1/experts/{e_awa}/opportunities?kind=practices", status: 400, fields: []string{"kind"}},
			{name: "opportunities, bad options", method: "GET", path: "/v1/experts/{e_awa}/opportunities?mode=coaching&limit=1000", status: 400, fields: []string{"mode", "limit"}},
			{name: "partners, unknown city", method: "GET", path: "/v1/cities/nope/partners", status: 404},
			{name: "partners, a practice is no city", method: "GET", path: "/v1/cities/{p_dakar_tri}/partners", status: 404},
			{name: "partners, bad weights", method: "GET", path: "/v1/cities/{dakar}/partners?weights=reciprocity:1", status: 400, fields: []string{"weights"}},
			{name: "partners take no kind", method: "GET", path: "/v1/cities/{dakar}/partners?kind=cities", status: 400, fields: []string{"kind"}},
		})
	})
}

// TestOpenAPIMatchingSchemasMatchModel holds the matching schemas to the
// matcher's JSON types, as TestOpenAPISchemasMatchModel does for the profiles.
func TestOpenAPIMatchingSchemasMatchModel(t *testing.T) {
	doc := loadOpenAPI(t)
	for _, tc := range []struct {
		schema string
		goType any
	}{
		{"Suggestion", matcher.Suggestion{}},
		{"Explanation", matcher.Explanation{}},
		{"Contribution", matcher.Contribution{}},
		{"TermMatch", matcher.TermMatch{}},
		{"ConceptMatch", matcher.ConceptMatch{}},
		{"TrackRecordMatch", matcher.TrackRecordMatch{}},
		{"PracticeMatch", matcher.PracticeMatch{}},
		{"Direction", matcher.Direction{}},
	} {
		t.Run(tc.schema, func(t *testing.T) {
			ref := doc.Components.Schemas[tc.schema]
			if ref == nil || ref.Value == nil {
				t.Fatalf("no schema %s", tc.schema)
			}
			props, required := schemaFields(ref.Value)
			all, always := jsonFields(reflect.TypeOf(tc.goType))
			if !slices.Equal(props, all) {
				t.Errorf("properties %v, want the JSON fields of %T: %v", props, tc.goType, all)
			}
			if !slices.Equal(required, always) {
				t.Errorf("required %v, want the fields %T never leaves out: %v", required, tc.goType, always)
			}
		})
	}
	// The factors a client may weigh are those the matcher knows.
	factor := doc.Components.Schemas["Factor"].Value
	for _, f := range factor.Enum {
		name := matcher.Factor(f.(string))
		_, _, known := matcher.WeightBounds(name)
		if known != (name != matcher.FactorMorePractices && name != matcher.FactorReciprocity) {
			t.Errorf("factor %s: weighable %v", name, known)
		}
	}
	if n := len(matcher.DefaultWeights(matcher.ModeExchange)); n != len(factor.Enum)-2 {
		t.Errorf("the matcher weighs %d factors, the document names %d", n, len(factor.Enum)-2)
	}
}

// TestPracticesOnSubject: GET /v1/search/practices finds the published
// practices on the subject of some words in every language, with the words
// matched on each side, never a draft nor a practice on another subject;
// bad words and limits are named in the reader's language.
func TestPracticesOnSubject(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		network(t, x)
		x.rank(t, []ranking{
			{name: "words in English find the subject in French and Spanish", path: "/v1/search/practices?q=household%20waste",
				listed: []string{"p_bristol_kerbside", "p_dakar_tri", "p_mvd_separacion", "p_lyon_waste"},
				absent: []string{"p_mtl_draft", "p_bristol_energy", "p_poa_pb", "p_mvd_pb"},
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					s, _ := find(items, x.ids["p_mvd_separacion"])
					if s.Name != "Separación en origen de residuos domiciliarios" || s.CityName == "" {
						t.Errorf("the Spanish practice is not named with its city: %+v", s)
					}
					if len(s.Explanation.MatchedTerms) == 0 && len(s.Explanation.SharedConcepts) == 0 {
						t.Errorf("the Spanish practice does not say what matched: %+v", s.Explanation)
					}
					// Words have no city: the subject alone ranks, not the
					// language they were read in nor a country.
					for _, it := range items {
						for _, c := range it.Explanation.Contributions {
							if (c.Factor == matcher.FactorLanguage || c.Factor == matcher.FactorGeography) && c.Contribution != 0 {
								t.Errorf("%s: %s adds %v", x.names([]matcher.Suggestion{it}), c.Factor, c.Contribution)
							}
						}
					}
				}},
			{name: "one word, whose language it does not say", path: "/v1/search/practices?q=budget",
				listed: []string{"p_mtl_voirie", "p_mvd_pb", "p_poa_pb"},
				absent: []string{"p_bristol_kerbside", "p_lyon_zfe"}},
			{name: "limit", path: "/v1/search/practices?q=waste&limit=2",
				check: func(t *testing.T, x *env, items []matcher.Suggestion) {
					if len(items) != 2 {
						t.Fatalf("limit=2 listed %d", len(items))
					}
				}},
			{name: "words nobody wrote", path: "/v1/search/practices?q=xylophone", only: []string{}},
		})
		x.run(t, []scenario{
			{name: "anyone may search, without a key", method: "GET", path: "/v1/search/practices?q=recycling", header: []string{"Authorization", ""},
				status: 200, contains: []string{"Kerbside recycling and household waste separation"}},
			{name: "a key sent must be valid", method: "GET", path: "/v1/search/practices?q=recycling", header: []string{"Authorization", "Bearer nope"},
				status: 401},
			{name: "no words", method: "GET", path: "/v1/search/practices?q=%20", status: 400, fields: []string{"q"}},
			{name: "no words, in French", method: "GET", path: "/v1/search/practices", header: []string{"Accept-Language", "fr"},
				status: 400, fields: []string{"q"}, contains: []string{"est obligatoire"}},
			{name: "too many words", method: "GET", path: "/v1/search/practices?q=" + strings.Repeat("a", 201), status: 400, fields: []string{"q"}},
			{name: "every bad field named", method: "GET", path: "/v1/search/practices?limit=500", status: 400, fields: []string{"q", "limit"}},
			{name: "an unknown parameter", method: "GET", path: "/v1/search/practices?q=water&kind=experts", status: 400, fields: []string{"kind"}},
		})
	})
}
