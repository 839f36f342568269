package workflow

import (
	"slices"
	"strings"

	"matchmaker/matcher/assembly"
	"matchmaker/profiles"
)

// The assembly (matcher/assembly) says why no panel or team meets the rules,
// and which rule a change would break, in English and with numbers: its
// words are for logs and tests. What a person reads is said here, from the
// assembly's kinds and counts, by sentences with codes in the message
// catalogue, so that each door says them in the reader's language.

// said is a rule's reason about field, written as format and args.
func said(field, format string, args ...any) profiles.FieldError {
	return profiles.FieldErrorf(field, format, args...)
}

// infeasibleReason is why no panel or team meets the rules, about the field
// of the rules to relax.
func infeasibleReason(inf *assembly.Infeasible) profiles.FieldError {
	field := ruleField(inf.Rule)
	switch inf.Kind {
	case assembly.RuleSize:
		if inf.Reason != "" {
			return said(field, "team size: covering every skill with a lead takes %d members, at most %d allowed", inf.Required, inf.Eligible)
		}
		return said(field, "size: %d required, %d eligible", inf.Required, inf.Eligible)
	case assembly.RuleRoleQuota:
		return said(field, "role quota %s: %d required, %d eligible", orList(roleNames(strings.Split(inf.Subject, ", "))), inf.Required, inf.Eligible)
	case assembly.RuleOtherCountries:
		return said(field, "%d experts from other countries required, %d available among eligible experts", inf.Required, inf.Eligible)
	case assembly.RuleMaxPerCountry:
		return said(field, "%d seats to fill, %d can be filled within the limit per country", inf.Required, inf.Eligible)
	case assembly.RuleMaxPerRegion:
		return said(field, "%d seats to fill, %d can be filled within the limit per region", inf.Required, inf.Eligible)
	case assembly.RuleCommonLanguage:
		return said(field, "%d required, at most %d eligible experts share a language", inf.Required, inf.Eligible)
	case assembly.RulePinned:
		if inf.Subject != "" {
			return said(field, "pinned expert %s: %s", inf.Subject, because(inf.Because))
		}
		return said(field, "the pinned experts cannot all sit together under these rules")
	case assembly.RuleSkill:
		return said(field, "no eligible candidate covers the skills %s", inf.Subject)
	case assembly.RuleLead:
		return said(field, "no eligible candidate can lead the team")
	case assembly.RuleTogether:
		return said(field, "no group of %d among %d eligible experts meets every rule at once", inf.Required, inf.Eligible)
	case assembly.RuleRoundCapacity:
		return said(field, "%d required, %d eligible experts have capacity left after the other panels of the round", inf.Required, inf.Eligible)
	}
	return said(field, "the rules cannot be met")
}

// roundInfeasibleReason is infeasibleReason for a round, whose capacity
// rule has a second case: enough experts have capacity left after the other
// panels, but they cannot form a panel together.
func roundInfeasibleReason(inf *assembly.Infeasible) profiles.FieldError {
	if inf.Kind == assembly.RuleRoundCapacity && inf.Eligible >= inf.Required {
		if strings.Contains(inf.Reason, "worst-panel") {
			return said(ruleField(inf.Rule), "the %d eligible experts with capacity left after the other panels of the round cannot form a panel that meets the rules and the round's worst-panel level", inf.Eligible)
		}
		return said(ruleField(inf.Rule), "the %d eligible experts with capacity left after the other panels of the round cannot form a panel that meets the rules", inf.Eligible)
	}
	return infeasibleReason(inf)
}

// because is why an expert may not sit, by the assembly's kind of rule.
func because(kind string) profiles.Text {
	switch kind {
	case assembly.RuleUnknown:
		return profiles.Sayf("not among the candidates")
	case assembly.RuleExcluded:
		return profiles.Sayf("excluded")
	case assembly.RuleScore:
		return profiles.Sayf("no valid score")
	case assembly.RuleCity:
		return profiles.Sayf("from the reviewed city")
	case assembly.RuleHomeCountry:
		return profiles.Sayf("from the reviewed country")
	case assembly.RulePaused:
		return profiles.Sayf("paused")
	case assembly.RuleUnavailable:
		return profiles.Sayf("unavailable in the period")
	case assembly.RuleDeclined:
		return profiles.Sayf("declined this challenge before")
	case assembly.RuleCapacity:
		return profiles.Sayf("no capacity left")
	case assembly.RuleCityLanguage:
		return profiles.Sayf("speaks none of the city's languages")
	}
	return profiles.Sayf("breaks a hard rule")
}

// rulePartner is the rule that a pairing's partner city answers the
// challenge (the assembly knows no pairings).
const rulePartner = "partner"

// violationReason is the hard rule a change would break.
func violationReason(v assembly.Violation) profiles.FieldError {
	field := ruleField(v.Rule)
	switch v.Rule {
	case assembly.RuleDuplicate:
		return said(field, "%s is on it twice", v.ExpertID)
	case assembly.RuleUnknown:
		return said(field, "%s is not among the candidates", v.ExpertID)
	case assembly.RuleExcluded, assembly.RuleScore, assembly.RuleCity, assembly.RuleHomeCountry, assembly.RulePaused,
		assembly.RuleUnavailable, assembly.RuleDeclined, assembly.RuleCapacity, assembly.RuleCityLanguage:
		return said(field, "expert %s: %s", v.ExpertID, because(v.Rule))
	case assembly.RuleSize:
		return said(field, "more members than seats")
	case assembly.RuleRoleQuota:
		return said(field, "a role quota is not met")
	case assembly.RuleMaxPerCountry:
		return said(field, "more members from one country than the rules allow")
	case assembly.RuleMaxPerRegion:
		return said(field, "more members from one region than the rules allow")
	case assembly.RuleOtherCountries:
		return said(field, "too few members from countries other than the reviewed one")
	case assembly.RuleCommonLanguage:
		return said(field, "no language is spoken by every member")
	case assembly.RulePinned:
		return said(field, "%s is pinned but not on it", v.ExpertID)
	case rulePartner:
		return said(field, "%s cannot be paired with this challenge: it is excluded or has no practice that answers it", v.ExpertID)
	}
	return said(field, "the rules cannot be checked")
}

// roleNames are roles (profiles.Roles) as a person reads them, each in the
// reader's language; a code with no label stays as it is.
func roleNames(codes []string) []any {
	labels := map[string]profiles.Text{
		"mayor":                  profiles.Sayf("mayor"),
		"elected_official":       profiles.Sayf("elected official"),
		"public_service_manager": profiles.Sayf("public service manager"),
		"technical_officer":      profiles.Sayf("technical officer"),
		"academic":               profiles.Sayf("academic"),
		"consultant":             profiles.Sayf("consultant"),
		"other":                  profiles.Sayf("practitioner"),
	}
	out := make([]any, len(codes))
	for i, c := range codes {
		if t, ok := labels[c]; ok {
			out[i] = t
		} else {
			out[i] = c
		}
	}
	return out
}

// orList says names as "a or b or c", the joining word in the reader's
// language: a string for one name, a Text for more.
func orList(names []any) any {
	var t any = names[0]
	for _, n := range names[1:] {
		t = profiles.Sayf("%s or %s", t, n)
	}
	return t
}

// joined says texts one after the other, each in the reader's language,
// sorted and without repeats.
func joined(texts []profiles.Text) profiles.Text {
	slices.SortFunc(texts, func(a, b profiles.Text) int { return strings.Compare(a.English, b.English) })
	texts = slices.CompactFunc(texts, func(a, b profiles.Text) bool { return a.English == b.English })
	var t profiles.Text
	for i, x := range texts {
		if i == 0 {
			t = x
			continue
		}
		t = profiles.Sayf("%s; %s", t, x)
	}
	return t
}
