package assembly_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"matchmaker/matcher/assembly"
)

// expert builds a candidate: ID, score, role, country, languages.
func expert(id string, score float64, role, country string, langs ...string) assembly.Candidate {
	if len(langs) == 0 {
		langs = []string{"fr"}
	}
	regions := map[string]string{"SN": "africa", "ML": "africa", "CI": "africa", "FR": "europe", "BE": "europe", "BR": "americas", "AR": "americas"}
	return assembly.Candidate{ID: id, Score: score, Role: role, Country: country, Region: regions[country],
		Languages: langs, CapacityLeft: 1, Seniority: "senior"}
}

func ids(seats []assembly.Seat) []string {
	out := make([]string, len(seats))
	for i, s := range seats {
		out[i] = s.ID
	}
	return out
}

func TestSolvePanelScenarios(t *testing.T) {
	base := []assembly.Candidate{
		expert("a", 0.9, "academic", "FR"),
		expert("b", 0.8, "technical_officer", "BE"),
		expert("c", 0.7, "public_service_manager", "ML"),
		expert("d", 0.6, "mayor", "CI"),
		expert("e", 0.5, "elected_official", "BR", "fr", "pt"),
		expert("f", 0.4, "academic", "AR", "es"),
	}
	rules := func(edit func(*assembly.PanelRules)) assembly.PanelRules {
		r := assembly.PanelRules{Size: 3, CityID: "dakar", CityCountry: "SN", CityLanguages: []string{"fr", "en"}}
		if edit != nil {
			edit(&r)
		}
		return r
	}
	with := func(edit func([]assembly.Candidate) []assembly.Candidate) []assembly.Candidate {
		return edit(slices.Clone(base))
	}
	tests := []struct {
		name    string
		rules   assembly.PanelRules
		cands   []assembly.Candidate
		members []string // best first
		lang    string
		err     string // exact Error() of the *Infeasible
		detail  string // substring of Infeasible.Detail
	}{
		{name: "best three", rules: rules(nil), cands: base, members: []string{"a", "b", "c"}},
		{
			name: "a mayor or elected official",
			rules: rules(func(r *assembly.PanelRules) {
				r.RoleQuotas = []assembly.RoleQuota{{Roles: []string{"mayor", "elected_official"}, Min: 1}}
			}),
			cands:   base,
			members: []string{"a", "b", "d"},
		},
		{
			name:  "quota nobody can fill",
			rules: rules(func(r *assembly.PanelRules) { r.RoleQuotas = []assembly.RoleQuota{{Roles: []string{"mayor"}, Min: 1}} }),
			cands: with(func(cs []assembly.Candidate) []assembly.Candidate {
				return slices.DeleteFunc(cs, func(c assembly.Candidate) bool { return c.Role == "mayor" })
			}),
			err: "role quota mayor: 1 required, 0 eligible",
		},
		{
			name:    "one per country, one per region",
			rules:   rules(func(r *assembly.PanelRules) { r.MaxPerCountry, r.MaxPerRegion = 1, 1 }),
			cands:   base,
			members: []string{"a", "c", "e"},
		},
		{
			name:  "pinned expert from the reviewed city",
			rules: rules(func(r *assembly.PanelRules) { r.Pinned = []string{"c"} }),
			cands: with(func(cs []assembly.Candidate) []assembly.Candidate {
				cs[2].CityID = "dakar"
				return cs
			}),
			err: "pinned expert c: from the reviewed city",
		},
		{
			name:  "pinned expert unknown",
			rules: rules(func(r *assembly.PanelRules) { r.Pinned = []string{"zz"} }),
			cands: base,
			err:   "pinned expert zz: not among the candidates",
		},
		{
			name:    "pinned expert sits",
			rules:   rules(func(r *assembly.PanelRules) { r.Pinned = []string{"e"} }),
			cands:   base,
			members: []string{"a", "b", "e"},
		},
		{
			name:    "excluded expert does not",
			rules:   rules(func(r *assembly.PanelRules) { r.Excluded = []string{"a"} }),
			cands:   base,
			members: []string{"b", "c", "d"},
		},
		{
			name:  "too few eligible, and why",
			rules: rules(func(r *assembly.PanelRules) { r.Size = 5 }),
			cands: with(func(cs []assembly.Candidate) []assembly.Candidate {
				cs[0].Country, cs[1].Country = "SN", "SN" // the reviewed country
				cs[2].CapacityLeft = 0
				return cs
			}),
			err:    "size: 5 required, 2 eligible",
			detail: "4 candidates not eligible: 2 from the reviewed country, 1 at capacity, 1 without a city language",
		},
		{
			name: "removed candidates counted, most first",
			rules: rules(func(r *assembly.PanelRules) {
				r.Size = 2
				r.RoleQuotas = []assembly.RoleQuota{{Roles: []string{"mayor"}, Min: 1}}
			}),
			cands: func() []assembly.Candidate {
				var cs []assembly.Candidate
				for i := range 5 {
					cs = append(cs, expert(fmt.Sprintf("home%d", i), 0.5, "mayor", "SN"))
				}
				for i := range 4 {
					cs = append(cs, expert(fmt.Sprintf("lang%d", i), 0.5, "mayor", "BR", "pt"))
				}
				for i := range 3 {
					c := expert(fmt.Sprintf("full%d", i), 0.5, "mayor", "FR")
					c.CapacityLeft = 0
					cs = append(cs, c)
				}
				return append(cs, expert("x", 0.5, "academic", "FR"), expert("y", 0.5, "academic", "BE"))
			}(),
			err:    "role quota mayor: 1 required, 0 eligible",
			detail: "12 candidates not eligible: 5 from the reviewed country, 4 without a city language, 3 at capacity",
		},
		{
			name:  "other countries",
			rules: rules(func(r *assembly.PanelRules) { r.MinOtherCountries = 3; r.AllowHomeCountry = true }),
			cands: []assembly.Candidate{
				expert("s1", 0.9, "mayor", "SN"), expert("s2", 0.8, "mayor", "SN"),
				expert("f1", 0.7, "mayor", "FR"), expert("f2", 0.6, "mayor", "FR"), expert("b1", 0.5, "mayor", "BE"),
			},
			err: "countries other than SN: 3 required, 2 available among eligible experts",
		},
		{
			name:  "at most one per country",
			rules: rules(func(r *assembly.PanelRules) { r.MaxPerCountry = 1 }),
			cands: []assembly.Candidate{
				expert("f1", 0.9, "mayor", "FR"), expert("f2", 0.8, "mayor", "FR"),
				expert("b1", 0.7, "mayor", "BE"), expert("b2", 0.6, "mayor", "BE"),
			},
			err: "max per country: 3 required, 2 seats can be filled with at most 1 per country (eligible experts come from 2 countries)",
		},
		{
			name:  "common language, a city one on ties",
			rules: rules(func(r *assembly.PanelRules) { r.CommonLanguage = true; r.Size = 2 }),
			cands: []assembly.Candidate{
				expert("p", 0.9, "mayor", "FR", "en", "fr"), expert("q", 0.9, "mayor", "BE", "fr", "en"),
			},
			members: []string{"p", "q"},
			lang:    "fr",
		},
		{
			name:  "common language beyond the city's",
			rules: rules(func(r *assembly.PanelRules) { r.CommonLanguage = true }),
			cands: []assembly.Candidate{
				expert("p", 0.9, "mayor", "FR", "fr", "es"), expert("q", 0.8, "mayor", "BE", "en", "es"),
				expert("r", 0.7, "mayor", "AR", "en", "es"), expert("s", 0.3, "mayor", "ML", "fr"),
			},
			members: []string{"p", "q", "r"},
			lang:    "es",
		},
		{
			name:  "no common language",
			rules: rules(func(r *assembly.PanelRules) { r.CommonLanguage = true }),
			cands: []assembly.Candidate{
				expert("p", 0.9, "mayor", "FR", "fr"), expert("q", 0.8, "mayor", "BE", "en"),
				expert("r", 0.7, "mayor", "AR", "en", "fr"),
			},
			err: "common language: 3 required, at most 2 eligible experts share a language",
		},
		{
			name: "rules together",
			rules: rules(func(r *assembly.PanelRules) {
				r.Size = 2
				r.MaxPerCountry = 1
				r.RoleQuotas = []assembly.RoleQuota{{Roles: []string{"mayor"}, Min: 2}}
			}),
			cands: []assembly.Candidate{
				expert("m1", 0.9, "mayor", "FR"), expert("m2", 0.8, "mayor", "FR"), expert("x", 0.7, "academic", "BE"),
			},
			err: "rules together: no panel of 2 among 3 eligible experts meets role quota mayor and at most 1 per country at once",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := assembly.SolvePanel(tt.rules, tt.cands)
			if tt.err != "" {
				var inf *assembly.Infeasible
				if !errors.As(err, &inf) {
					t.Fatalf("got %v, %v; want *Infeasible %q", p, err, tt.err)
				}
				if inf.Error() != tt.err {
					t.Errorf("Error() = %q, want %q", inf.Error(), tt.err)
				}
				if !strings.Contains(inf.Detail, tt.detail) {
					t.Errorf("Detail = %q, want it to contain %q", inf.Detail, tt.detail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p.Members); !slices.Equal(got, tt.members) {
				t.Errorf("members %v, want %v", got, tt.members)
			}
			if p.Language != tt.lang {
				t.Errorf("language %q, want %q", p.Language, tt.lang)
			}
			if vs := assembly.CheckPanel(tt.rules, tt.cands, ids(p.Members)); len(vs) > 0 {
				t.Errorf("CheckPanel: %v", vs)
			}
		})
	}
}

// TestSolvePanelAlternatesKeepRules: the only mayor's alternate is a mayor,
// the pinned member has none.
func TestSolvePanelAlternatesKeepRules(t *testing.T) {
	cands := []assembly.Candidate{
		expert("a", 0.9, "academic", "FR"), expert("b", 0.8, "academic", "BE"),
		expert("m", 0.5, "mayor", "ML"), expert("c", 0.45, "academic", "CI"),
		expert("m2", 0.3, "mayor", "BR"),
	}
	r := assembly.PanelRules{Size: 3, CityCountry: "SN", Pinned: []string{"a"},
		RoleQuotas: []assembly.RoleQuota{{Roles: []string{"mayor"}, Min: 1}}}
	p, err := assembly.SolvePanel(r, cands)
	if err != nil {
		t.Fatal(err)
	}
	want := []assembly.Alternate{
		{ID: "m2", Score: 0.3, For: "m", Objective: 0.9 + 0.8 + 0.3},
		{ID: "c", Score: 0.45, For: "b", Objective: 0.9 + 0.5 + 0.45},
	}
	if len(p.Alternates) != len(want) {
		t.Fatalf("alternates %+v, want %+v", p.Alternates, want)
	}
	for i, a := range p.Alternates {
		w := want[i]
		if a.ID != w.ID || a.For != w.For || a.Score != w.Score || fmt.Sprintf("%.6f", a.Objective) != fmt.Sprintf("%.6f", w.Objective) {
			t.Errorf("alternate %d: %+v, want %+v", i, a, w)
		}
	}
}

func TestSolvePanelInvalidInput(t *testing.T) {
	ok := []assembly.Candidate{expert("a", 0.5, "mayor", "FR"), expert("b", 0.5, "mayor", "BE")}
	tests := []struct {
		name  string
		rules assembly.PanelRules
		cands []assembly.Candidate
		want  error
	}{
		{"size 12", assembly.PanelRules{Size: 12}, ok, assembly.ErrInvalidRules},
		{"size 1", assembly.PanelRules{Size: 1}, ok, assembly.ErrInvalidRules},
		{"negative cap", assembly.PanelRules{Size: 2, MaxPerCountry: -1}, ok, assembly.ErrInvalidRules},
		{"quota above size", assembly.PanelRules{Size: 2, RoleQuotas: []assembly.RoleQuota{{Roles: []string{"mayor"}, Min: 3}}}, ok, assembly.ErrInvalidRules},
		{"quota without role", assembly.PanelRules{Size: 2, RoleQuotas: []assembly.RoleQuota{{Min: 1}}}, ok, assembly.ErrInvalidRules},
		{"duplicate candidate", assembly.PanelRules{Size: 2}, append(slices.Clone(ok), ok[0]), assembly.ErrInvalidCandidates},
		{"negative score", assembly.PanelRules{Size: 2}, []assembly.Candidate{{ID: "x", Score: -1}}, assembly.ErrInvalidCandidates},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := assembly.SolvePanel(tt.rules, tt.cands); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckPanel(t *testing.T) {
	cands := []assembly.Candidate{
		expert("a", 0.9, "academic", "FR"), expert("b", 0.8, "academic", "FR"),
		expert("c", 0.7, "academic", "SN"), expert("d", 0.6, "academic", "BE", "en"),
	}
	cands[1].Paused = true
	r := assembly.PanelRules{Size: 3, CityCountry: "SN", CityLanguages: []string{"fr"}, MaxPerCountry: 1,
		RoleQuotas: []assembly.RoleQuota{{Roles: []string{"mayor"}, Min: 1}}, Pinned: []string{"d"}}
	got := assembly.CheckPanel(r, cands, []string{"a", "b", "c", "zz", "a"})
	want := []assembly.Violation{
		{Rule: assembly.RulePaused, ExpertID: "b", Detail: "b: paused"},
		{Rule: assembly.RuleHomeCountry, ExpertID: "c", Detail: "c: from the reviewed country (SN)"},
		{Rule: assembly.RuleUnknown, ExpertID: "zz", Detail: "zz is not among the candidates"},
		{Rule: assembly.RuleDuplicate, ExpertID: "a", Detail: "a is on the panel twice"},
		{Rule: assembly.RuleSize, Detail: "5 members, the panel has 3 seats"},
		{Rule: assembly.RuleRoleQuota, Detail: "role quota mayor: 1 required, 0 on the panel"},
		{Rule: assembly.RuleMaxPerCountry, Detail: "2 members from FR, at most 1 per country"},
		{Rule: assembly.RulePinned, ExpertID: "d", Detail: "d is pinned but not on the panel"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}
	if vs := assembly.CheckPanel(assembly.PanelRules{Size: 2, CityCountry: "SN"}, cands, []string{"a", "d"}); len(vs) != 0 {
		t.Errorf("valid panel: %v", vs)
	}
}

func TestEligible(t *testing.T) {
	r := assembly.PanelRules{Size: 3, CityID: "dakar", CityCountry: "SN", CityLanguages: []string{"fr", "wo"}, Excluded: []string{"x"}}
	ok := expert("ok", 0.5, "mayor", "FR")
	tests := []struct {
		name   string
		edit   func(*assembly.Candidate)
		reason string
	}{
		{"eligible", func(*assembly.Candidate) {}, ""},
		{"city", func(c *assembly.Candidate) { c.CityID = "dakar" }, "from the reviewed city"},
		{"country", func(c *assembly.Candidate) { c.Country = "sn" }, "from the reviewed country (SN)"},
		{"language", func(c *assembly.Candidate) { c.Languages = []string{"en"} }, "speaks none of the city's languages (fr, wo)"},
		{"capacity", func(c *assembly.Candidate) { c.CapacityLeft = 0 }, "no capacity left"},
		{"paused", func(c *assembly.Candidate) { c.Paused = true }, "paused"},
		{"unavailable", func(c *assembly.Candidate) { c.Unavailable = true }, "unavailable in the period"},
		{"declined", func(c *assembly.Candidate) { c.Declined = true }, "declined this challenge before"},
		{"excluded upstream", func(c *assembly.Candidate) { c.Excluded = "excluded by the secretariat: conflict of interest" },
			"excluded by the secretariat: conflict of interest"},
		{"excluded by the rules", func(c *assembly.Candidate) { c.ID = "x" }, "excluded from this panel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			got, reason := assembly.Eligible(r, c)
			if got != (tt.reason == "") || reason != tt.reason {
				t.Errorf("Eligible = %v, %q; want %q", got, reason, tt.reason)
			}
		})
	}
	r.AllowHomeCountry = true
	if c := ok; true {
		c.Country = "SN"
		if got, reason := assembly.Eligible(r, c); !got {
			t.Errorf("home country allowed: %q", reason)
		}
	}
}

func TestSolveTeamScenarios(t *testing.T) {
	member := func(id string, score float64, seniority string, covers ...string) assembly.Candidate {
		c := expert(id, score, "public_service_manager", "FR")
		c.Seniority, c.Covers = seniority, covers
		return c
	}
	cands := []assembly.Candidate{
		member("lead", 0.5, "leadership", "budget participatif"),
		member("star", 0.9, "senior", "budget participatif", "plan stratégique"),
		member("data", 0.8, "junior", "suivi de performance"),
		member("all", 0.3, "senior", "budget participatif", "plan stratégique", "suivi de performance"),
	}
	skills := []string{"budget participatif", "plan stratégique", "suivi de performance"}
	tests := []struct {
		name    string
		rules   assembly.TeamRules
		members []string
		lead    string
		err     string
	}{
		{name: "smallest with a lead", rules: assembly.TeamRules{Skills: skills, LeadSeniority: "leadership"},
			members: []string{"lead", "all"}, lead: "lead"},
		{name: "no lead asked", rules: assembly.TeamRules{Skills: skills}, members: []string{"star", "data"}},
		{name: "three at least", rules: assembly.TeamRules{MinSize: 3, MaxSize: 4, Skills: skills, LeadSeniority: "leadership"},
			members: []string{"star", "data", "lead"}, lead: "lead"},
		{name: "skill nobody covers", rules: assembly.TeamRules{Skills: append(slices.Clone(skills), "mobilité")},
			err: `skill "mobilité": no eligible candidate covers it`},
		{name: "no leadership", rules: assembly.TeamRules{Skills: skills, LeadSeniority: "leadership", Excluded: []string{"lead"}},
			err: `lead: no eligible candidate has the seniority "leadership"`},
		{name: "too small", rules: assembly.TeamRules{MinSize: 1, MaxSize: 1, Skills: skills, LeadSeniority: "leadership"},
			err: "team size: covering every skill with a lead takes 2 members, at most 1 allowed"},
		{name: "pinned from the city", rules: assembly.TeamRules{Skills: skills, CityID: "lyon", Pinned: []string{"data"}},
			err: "pinned expert data: from the reviewed city"},
	}
	cands[2].CityID = "lyon"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := slices.Clone(cands)
			if tt.rules.CityID == "" {
				cs[2].CityID = ""
			}
			team, err := assembly.SolveTeam(tt.rules, cs)
			if tt.err != "" {
				var inf *assembly.Infeasible
				if !errors.As(err, &inf) || inf.Error() != tt.err {
					t.Fatalf("got %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			lead := ""
			for _, m := range team.Members {
				got = append(got, m.ID)
				if m.Lead {
					lead = m.ID
				}
			}
			if !slices.Equal(got, tt.members) || lead != tt.lead {
				t.Errorf("members %v lead %q, want %v lead %q", got, lead, tt.members, tt.lead)
			}
		})
	}
}

func TestSolveRoundScenarios(t *testing.T) {
	// star is everyone's best, with room for one panel; b and c for two.
	star := expert("star", 0.9, "mayor", "FR")
	pool := func() []assembly.Candidate {
		b, c := expert("b", 0.5, "academic", "BE"), expert("c", 0.4, "academic", "ML")
		b.CapacityLeft, c.CapacityLeft = 2, 2
		return []assembly.Candidate{star, b, c}
	}
	r := assembly.PanelRules{Size: 2, CityCountry: "SN"}
	t.Run("capacity goes where it is worth most", func(t *testing.T) {
		c1 := pool()
		c2 := pool()
		c2[0].Score = 0.6 // star fits ch2 less
		items := []assembly.RoundItem{{ChallengeID: "ch1", Rules: r, Candidates: c1}, {ChallengeID: "ch2", Rules: r, Candidates: c2}}
		res, err := assembly.SolveRound(context.Background(), items, assembly.FairnessTotal, nil)
		if err != nil {
			t.Fatal(err)
		}
		// star on ch1 (0.9 against 0.6 on ch2), b and c on both.
		if len(res.Panels) != 2 || !res.Optimal || fmt.Sprintf("%.2f", res.Total) != "2.30" {
			t.Fatalf("%+v", res)
		}
		if got := ids(res.Panels[0].Members); !slices.Contains(got, "star") {
			t.Errorf("ch1 %v: star should sit there", got)
		}
	})
	t.Run("unfilled, with the reason", func(t *testing.T) {
		quota := r
		quota.RoleQuotas = []assembly.RoleQuota{{Roles: []string{"mayor"}, Min: 1}}
		items := []assembly.RoundItem{
			{ChallengeID: "ch1", Rules: quota, Candidates: pool()},
			{ChallengeID: "ch2", Rules: quota, Candidates: pool()},
			{ChallengeID: "ch3", Rules: quota, Candidates: []assembly.Candidate{expert("x", 0.5, "academic", "BE"), expert("y", 0.5, "academic", "BE")}},
		}
		res, err := assembly.SolveRound(context.Background(), items, assembly.FairnessTotal, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"ch2": "round capacity: the 2 eligible experts with capacity left after the other panels of the round cannot form a panel that meets the rules",
			"ch3": "role quota mayor: 1 required, 0 eligible",
		}
		if len(res.Panels) != 1 || res.Panels[0].ChallengeID != "ch1" || len(res.Unfilled) != 2 {
			t.Fatalf("%+v", res)
		}
		for _, u := range res.Unfilled {
			if u.Reason.Error() != want[u.ChallengeID] {
				t.Errorf("%s: %q, want %q", u.ChallengeID, u.Reason.Error(), want[u.ChallengeID])
			}
		}
	})
	t.Run("worst first lifts the weakest panel", func(t *testing.T) {
		// ch1 wants star most; ch2 needs star to have a decent panel.
		c1 := []assembly.Candidate{star, expert("b", 0.3, "academic", "BE"), expert("c", 0.3, "academic", "ML")}
		c2 := []assembly.Candidate{star, expert("d", 0.1, "academic", "BE"), expert("e", 0.1, "academic", "ML")}
		c2[0].Score = 0.5
		items := []assembly.RoundItem{{ChallengeID: "ch1", Rules: r, Candidates: c1}, {ChallengeID: "ch2", Rules: r, Candidates: c2}}
		total, err := assembly.SolveRound(context.Background(), items, assembly.FairnessTotal, nil)
		if err != nil {
			t.Fatal(err)
		}
		fair, err := assembly.SolveRound(context.Background(), items, assembly.FairnessWorstFirst, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !(fair.Worst > total.Worst && fair.Total <= total.Total) || !fair.Optimal || !total.Optimal {
			t.Errorf("total: worst %v total %v; worst first: worst %v total %v", total.Worst, total.Total, fair.Worst, fair.Total)
		}
		if got := fmt.Sprintf("%.2f %.2f / %.2f %.2f", total.Worst, total.Total, fair.Worst, fair.Total); got != "0.20 1.40 / 0.60 1.20" {
			t.Errorf("worst and total, total then worst first: %s, want 0.20 1.40 / 0.60 1.20", got)
		}
	})
}

func TestSolveRoundProgressAndCancel(t *testing.T) {
	items := benchRound(3)[:200]
	var calls [][2]int
	res, err := assembly.SolveRound(context.Background(), items, assembly.FairnessWorstFirst, func(done, total int) {
		calls = append(calls, [2]int{done, total})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 || len(calls) > 101 {
		t.Fatalf("%d progress calls", len(calls))
	}
	for i, c := range calls {
		if c[1] != len(items) || (i > 0 && c[0] < calls[i-1][0]) {
			t.Fatalf("progress %v after %v", c, calls[max(i-1, 0)])
		}
	}
	if last := calls[len(calls)-1]; last[0] != last[1] {
		t.Errorf("last progress %v", last)
	}
	if !res.Optimal {
		t.Errorf("not proven optimal: %+v", res.TotalBound-res.Total)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := assembly.SolveRound(ctx, items, assembly.FairnessTotal, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestSolveRoundInvalidInput(t *testing.T) {
	ok := assembly.RoundItem{ChallengeID: "a", Rules: assembly.PanelRules{Size: 2}, Candidates: []assembly.Candidate{expert("x", 0.5, "mayor", "FR")}}
	bad := ok
	bad.ChallengeID, bad.Rules.Size = "b", 40
	tests := []struct {
		name  string
		items []assembly.RoundItem
		f     assembly.Fairness
		want  string
	}{
		{"fairness", []assembly.RoundItem{ok}, "loudest", "fairness"},
		{"twice", []assembly.RoundItem{ok, ok}, assembly.FairnessTotal, "challenge a: listed twice"},
		{"bad rules", []assembly.RoundItem{ok, bad}, assembly.FairnessTotal, "challenge b: invalid rules: size 40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := assembly.SolveRound(context.Background(), tt.items, tt.f, nil)
			if !errors.Is(err, assembly.ErrInvalidRules) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrInvalidRules mentioning %q", err, tt.want)
			}
		})
	}
}
