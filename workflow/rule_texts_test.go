package workflow

import (
	"strings"
	"testing"

	"matchmaker/locale"
	"matchmaker/matcher/assembly"
	"matchmaker/profiles"
)

// TestRuleReasonsInEveryLanguage: every reason a panel or team cannot be
// assembled, and every hard rule a change would break, has its sentence in
// the catalogue: French and Spanish say it in their own words, with every
// value, and the refusal around it too.
func TestRuleReasonsInEveryLanguage(t *testing.T) {
	cat := locale.MustLoad()
	var errs []*RuleError
	for _, inf := range []*assembly.Infeasible{
		{Rule: "size", Kind: assembly.RuleSize, Required: 5, Eligible: 3},
		{Rule: "team size", Kind: assembly.RuleSize, Required: 5, Eligible: 4, Reason: "covering…"},
		{Rule: "role quota mayor or elected_official", Kind: assembly.RuleRoleQuota, Required: 2, Eligible: 1, Subject: "mayor, elected_official"},
		{Rule: "countries other than SN", Kind: assembly.RuleOtherCountries, Required: 3, Eligible: 2},
		{Rule: "max per country", Kind: assembly.RuleMaxPerCountry, Required: 5, Eligible: 4},
		{Rule: "max per region", Kind: assembly.RuleMaxPerRegion, Required: 5, Eligible: 4},
		{Rule: "common language", Kind: assembly.RuleCommonLanguage, Required: 5, Eligible: 2},
		{Rule: "pinned expert e1", Kind: assembly.RulePinned, Required: 1, Subject: "e1", Because: assembly.RuleCapacity},
		{Rule: "pinned expert e2", Kind: assembly.RulePinned, Required: 1, Subject: "e2", Because: assembly.RuleUnknown},
		{Rule: "pinned experts", Kind: assembly.RulePinned, Required: 5, Eligible: 6},
		{Rule: `skills "gis"`, Kind: assembly.RuleSkill, Required: 1, Subject: "gis"},
		{Rule: "lead", Kind: assembly.RuleLead, Required: 1},
		{Rule: "rules together", Kind: assembly.RuleTogether, Required: 5, Eligible: 9},
		{Rule: "round capacity", Kind: assembly.RuleRoundCapacity, Required: 5, Eligible: 2},
	} {
		var re *RuleError
		if !asRuleError(infeasible("panel", inf), &re) {
			t.Fatalf("%s: not a rule error", inf.Rule)
		}
		errs = append(errs, re)
	}
	var vs []assembly.Violation
	for _, rule := range []string{assembly.RuleDuplicate, assembly.RuleUnknown, assembly.RuleExcluded, assembly.RuleScore, assembly.RuleCity,
		assembly.RuleHomeCountry, assembly.RulePaused, assembly.RuleUnavailable, assembly.RuleDeclined, assembly.RuleCapacity,
		assembly.RuleCityLanguage, assembly.RuleSize, assembly.RuleRoleQuota, assembly.RuleMaxPerCountry, assembly.RuleMaxPerRegion,
		assembly.RuleOtherCountries, assembly.RuleCommonLanguage, assembly.RulePinned, rulePartner} {
		vs = append(vs, assembly.Violation{Rule: rule, ExpertID: "x1"})
		var re *RuleError
		if !asRuleError(violations([]assembly.Violation{{Rule: rule, ExpertID: "x1"}}), &re) {
			t.Fatalf("%s: not a rule error", rule)
		}
		errs = append(errs, re)
	}
	var all *RuleError
	if !asRuleError(violations(vs), &all) {
		t.Fatal("not a rule error")
	}
	errs = append(errs, all)
	for _, re := range errs {
		texts := []profiles.Text{re.Text}
		for _, f := range re.Fields {
			if f.Code == "" {
				t.Errorf("%q: field %s has no code", re.Detail, f.Field)
			}
			texts = append(texts, f.Text())
		}
		for _, x := range texts {
			if got := cat.Say(locale.English, x); got != x.English {
				t.Errorf("English: the catalogue says %q, the code %q", got, x.English)
			}
			for _, l := range []locale.Lang{locale.French, locale.Spanish} {
				got := cat.Say(l, x)
				if got == x.English || strings.Contains(got, "{{") || strings.Contains(got, "<no value>") || strings.Contains(got, "problems.") {
					t.Errorf("%s: %q said %q", l, x.English, got)
				}
				for _, w := range []string{"required", "eligible", "rules", " or ", "pinned", "not among"} {
					if strings.Contains(got, w) {
						t.Errorf("%s: %q holds the English %q", l, got, w)
					}
				}
			}
		}
	}
}

func asRuleError(err error, re **RuleError) bool {
	r, ok := err.(*RuleError)
	*re = r
	return ok
}
