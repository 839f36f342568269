package workflow

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"matchmaker/matcher/assembly"
	"matchmaker/profiles"
)

// UnfilledChallenge is a challenge of a round that got no panel, and why.
type UnfilledChallenge struct {
	ChallengeID string
	// Rule is the field of the panel rules that could not be met, as a
	// single panel's 422 names it ("size", "role_quotas", "pinned", …;
	// "rules" for the rules together or the round's capacity), or
	// "challenge_id" when the challenge was deleted. Empty in a round stored
	// before it was kept.
	Rule string
	// Code is the code of the rule's reason in the message catalogue
	// ("rules.infeasible.size"); empty in a round stored before it was kept.
	Code string
	// Reason says why: the rule's reason, how many of the experts with the
	// best subject fit are eligible and what kept the others off, each part
	// coded so that a door says it in the reader's language. A round stored
	// before reasons were coded has only its English.
	Reason profiles.Text
}

// unfilledOf says why a challenge of a round got no panel, the way a single
// panel's 422 does (the rule, how many it requires and how many are
// eligible), then what kept the experts with subject fit off: the pool is
// cut after the index's hard rules, so when it holds no eligible expert, none
// exists in the network. pl is nil for a challenge deleted since the round
// was asked for.
func unfilledOf(challengeID string, inf *assembly.Infeasible, pl *pool) UnfilledChallenge {
	u := UnfilledChallenge{ChallengeID: challengeID, Rule: "rules"}
	switch {
	case pl == nil:
		u.Rule, u.Reason = "challenge_id", profiles.Sayf("the challenge was deleted")
		u.Code = u.Reason.Code
		return u
	case inf == nil:
		u.Reason = profiles.Sayf("the rules cannot be met")
		u.Code = u.Reason.Code
		return u
	}
	fe := roundInfeasibleReason(inf)
	u.Rule, u.Reason = fe.Field, fe.Text()
	u.Code = u.Reason.Code
	if len(pl.cands) == 0 {
		u.Reason = profiles.Sayf("%s; %s", u.Reason, profiles.Sayf("no expert of the network has any subject fit with the challenge"))
		return u
	}
	counts := map[string]int{}
	labels := map[string]profiles.Text{}
	eligible := 0
	for _, c := range pl.cands {
		if c.Excluded == "" {
			eligible++
			continue
		}
		seen := map[string]bool{}
		for _, r := range pl.kept[c.ID] {
			l := ruleLabel(r, pl)
			if !seen[l.English] {
				seen[l.English] = true
				counts[l.English]++
				labels[l.English] = l
			}
		}
	}
	if len(counts) == 0 {
		return u
	}
	type tally struct {
		label string
		n     int
	}
	var ts []tally
	for l, n := range counts {
		ts = append(ts, tally{l, n})
	}
	slices.SortFunc(ts, func(a, b tally) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.label, b.label)
	})
	var keptOff profiles.Text
	for i, t := range ts {
		part := profiles.Sayf("%s: %d of %d", labels[t.label], t.n, len(pl.cands))
		if i == 0 {
			keptOff = part
			continue
		}
		keptOff = profiles.Sayf("%s, %s", keptOff, part)
	}
	lead := profiles.Sayf("%d of the %d experts with the best subject fit are eligible", eligible, len(pl.cands))
	if eligible == 0 {
		lead = profiles.Sayf("no eligible expert with subject fit in the network (%d with the best fit looked at)", len(pl.cands))
	}
	u.Reason = profiles.Sayf("%s; %s; kept off: %s", u.Reason, lead, keptOff)
	return u
}

// ruleLabel names the hard rule behind one exclusion reason of the index or
// the secretariat, in the words of the secretariat.
func ruleLabel(r string, pl *pool) profiles.Text {
	switch {
	case strings.HasPrefix(r, "no shared working language"):
		return profiles.Sayf("no working language of the city (%s)", strings.Join(pl.city.Languages, ", "))
	case strings.HasPrefix(r, "same country"):
		return profiles.Sayf("from the city's own country (%s)", pl.city.Country)
	case strings.HasPrefix(r, "same city"):
		return profiles.Sayf("from the city itself")
	case strings.HasPrefix(r, "expert is paused"):
		return because(assembly.RulePaused)
	case strings.HasPrefix(r, "no capacity left"), strings.HasPrefix(r, "expert takes no engagement"):
		return because(assembly.RuleCapacity)
	case strings.HasPrefix(r, "expert does not volunteer"):
		return profiles.Sayf("not volunteering for peer review")
	case strings.HasPrefix(r, "expert not available"):
		return because(assembly.RuleUnavailable)
	case strings.HasPrefix(r, "excluded by the secretariat"):
		return profiles.Sayf("excluded by the secretariat")
	}
	return because("")
}

// unfilledRecord is how a round keeps a challenge without a panel (the
// column unfilled of review_rounds): the reason in English, as rounds kept it
// before their reasons were coded, and the coded reason to say it in any
// language.
type unfilledRecord struct {
	ChallengeID string      `json:"challenge_id"`
	Reason      string      `json:"reason"`
	Rule        string      `json:"rule,omitempty"`
	Code        string      `json:"code,omitempty"`
	Text        *storedText `json:"text,omitempty"`
}

// storedText is a profiles.Text as a round keeps it: each parameter is a
// JSON string, or a storedText for a sentence inside the sentence.
type storedText struct {
	Code    string                     `json:"code,omitempty"`
	English string                     `json:"english"`
	Params  map[string]json.RawMessage `json:"params,omitempty"`
}

func storeText(t profiles.Text) (*storedText, error) {
	st := &storedText{Code: t.Code, English: t.English}
	if len(t.Params) > 0 {
		st.Params = make(map[string]json.RawMessage, len(t.Params))
	}
	for k, v := range t.Params {
		var x any = v
		if inner, ok := v.(profiles.Text); ok {
			s, err := storeText(inner)
			if err != nil {
				return nil, err
			}
			x = s
		}
		raw, err := json.Marshal(x)
		if err != nil {
			return nil, err
		}
		st.Params[k] = raw
	}
	return st, nil
}

func (st *storedText) text() (profiles.Text, error) {
	t := profiles.Text{Code: st.Code, English: st.English}
	if len(st.Params) > 0 {
		t.Params = make(map[string]any, len(st.Params))
	}
	for k, raw := range st.Params {
		if len(raw) > 0 && raw[0] == '{' {
			var inner storedText
			if err := json.Unmarshal(raw, &inner); err != nil {
				return profiles.Text{}, err
			}
			it, err := inner.text()
			if err != nil {
				return profiles.Text{}, err
			}
			t.Params[k] = it
			continue
		}
		var s any
		if err := json.Unmarshal(raw, &s); err != nil {
			return profiles.Text{}, err
		}
		t.Params[k] = fmt.Sprint(s)
	}
	return t, nil
}

// storeUnfilled is the JSON a round keeps of its challenges without a panel.
func storeUnfilled(us []UnfilledChallenge) (json.RawMessage, error) {
	recs := make([]unfilledRecord, 0, len(us))
	for _, u := range us {
		st, err := storeText(u.Reason)
		if err != nil {
			return nil, err
		}
		recs = append(recs, unfilledRecord{ChallengeID: u.ChallengeID, Reason: u.Reason.English, Rule: u.Rule, Code: u.Code, Text: st})
	}
	return json.Marshal(recs)
}

// RoundUnfilled reads the challenges of round r that got no panel, in the
// order the round found them; none before the round is done. A round stored
// before reasons were coded gives its English reasons as they are.
func RoundUnfilled(r profiles.ReviewRound) ([]UnfilledChallenge, error) {
	if len(r.Unfilled) == 0 || string(r.Unfilled) == "null" {
		return nil, nil
	}
	var recs []unfilledRecord
	if err := json.Unmarshal(r.Unfilled, &recs); err != nil {
		return nil, fmt.Errorf("read the unfilled challenges of round %s: %w", r.ID, err)
	}
	out := make([]UnfilledChallenge, 0, len(recs))
	for _, rec := range recs {
		u := UnfilledChallenge{ChallengeID: rec.ChallengeID, Rule: rec.Rule, Code: rec.Code, Reason: profiles.Text{English: rec.Reason}}
		if rec.Text != nil {
			t, err := rec.Text.text()
			if err != nil {
				return nil, fmt.Errorf("read the unfilled challenges of round %s: %w", r.ID, err)
			}
			u.Reason = t
		}
		out = append(out, u)
	}
	return out, nil
}
