package api_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"matchmaker/profiles"
)

// panelNetwork builds, through the API, a French-speaking network around a
// challenge of Dakar on household waste: experts of several countries and
// roles who can sit on its panel, and experts each hard rule keeps off it (one
// from Dakar itself, one from Senegal, one who speaks no French, one paused,
// one with no capacity).
func panelNetwork(t *testing.T, x *env) {
	t.Helper()
	x.create(t, "dakar", "/v1/cities", `{"name":"Dakar","country":"SN","region":"africa","population":1438000,"languages":["fr"]}`)
	x.create(t, "thies", "/v1/cities", `{"name":"Thiès","country":"SN","region":"africa","population":320000,"languages":["fr"]}`)
	x.create(t, "lyon", "/v1/cities", `{"name":"Lyon","country":"FR","region":"europe","population":522000,"languages":["fr"]}`)
	x.create(t, "mtl", "/v1/cities", `{"name":"Montréal","country":"CA","region":"north_america","population":1762000,"languages":["fr","en"]}`)
	x.create(t, "abidjan", "/v1/cities", `{"name":"Abidjan","country":"CI","region":"africa","population":4700000,"languages":["fr"]}`)
	x.create(t, "rabat", "/v1/cities", `{"name":"Rabat","country":"MA","region":"middle_east_west_asia","population":580000,"languages":["fr","ar"]}`)
	x.create(t, "bristol", "/v1/cities", `{"name":"Bristol","country":"GB","region":"europe","population":472000,"languages":["en"]}`)

	x.create(t, "c_waste", "/v1/challenges", `{"city_id":"{dakar}","language":"fr","themes":["waste"],"modes":["peer_review","tutoring","exchange"],
		"title":"Revoir notre plan de gestion des déchets ménagers",
		"description":"Nous voulons que des pairs examinent notre plan de précollecte et de tri à la source des déchets ménagers, et la sensibilisation des habitants au tri.",
		"strategic_result":"Un plan de gestion des déchets ménagers adopté par le conseil municipal.",
		"skills_needed":["planification de la collecte des déchets","sensibilisation au tri"]}`)
	x.create(t, "c_other", "/v1/challenges", `{"city_id":"{abidjan}","language":"fr","themes":["waste"],"modes":["peer_review"],
		"title":"Évaluer la collecte des déchets ménagers dans les communes",
		"description":"Un examen par des pairs de la collecte et du tri des déchets ménagers dans nos communes."}`)
	x.create(t, "c_closed", "/v1/challenges", `{"city_id":"{dakar}","language":"fr","themes":["waste"],"status":"closed",
		"title":"Ancien défi sur les déchets","description":"Tri des déchets ménagers."}`)

	expert := func(name, role, seniority, country, city, langs, extra string) {
		cityField := ""
		if city != "" {
			cityField = `"city_id":"{` + city + `}",`
		}
		x.create(t, name, "/v1/experts", `{"name":"`+name+`","role":"`+role+`","seniority":"`+seniority+`","country":"`+country+`",`+cityField+`
			"languages":`+langs+`,"themes":["waste"],"capacity":2,`+extra+`
			"bio":"Pilote de la gestion des déchets ménagers, de la précollecte et du tri à la source, et de la sensibilisation des habitants au tri."}`)
	}
	expert("e_mayor", "mayor", "leadership", "CA", "mtl", `["fr","en"]`, `"skills":["sensibilisation au tri"],`)
	expert("e_psm_fr", "public_service_manager", "senior", "FR", "lyon", `["fr"]`, `"skills":["planification de la collecte des déchets"],`)
	expert("e_tech_ci", "technical_officer", "senior", "CI", "abidjan", `["fr"]`, "")
	expert("e_elected", "elected_official", "leadership", "MA", "rabat", `["fr","ar"]`, `"skills":["planification de la collecte des déchets","sensibilisation au tri"],`)
	expert("e_psm_ci", "public_service_manager", "senior", "CI", "abidjan", `["fr"]`, "")
	expert("e_academic", "academic", "senior", "FR", "", `["fr"]`, "")
	// Kept off by a hard rule.
	expert("e_home", "technical_officer", "senior", "SN", "thies", `["fr"]`, "")
	expert("e_dakar", "public_service_manager", "senior", "SN", "dakar", `["fr"]`, "")
	expert("e_english", "public_service_manager", "leadership", "GB", "bristol", `["en"]`, "")
	expert("e_paused", "mayor", "leadership", "FR", "", `["fr"]`, `"active":false,`)
	x.create(t, "e_full", "/v1/experts", `{"name":"e_full","role":"mayor","seniority":"leadership","country":"BE","languages":["fr"],"themes":["waste"],"capacity":0,
		"bio":"Gestion des déchets ménagers et tri à la source."}`)
}

// proposal is the part of a proposal the tests read.
type proposal struct {
	ID         string
	Kind       string
	Status     string
	Version    int64
	Objective  float64
	Language   string
	Members    []profiles.Member
	Alternates []profiles.Alternate
	Exclusions []profiles.Exclusion
}

func decodeProposal(t *testing.T, r response) proposal {
	t.Helper()
	var p proposal
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("not a proposal: %v: %s", err, r.Body)
	}
	return p
}

// seated are the IDs holding a seat.
func (p proposal) seated() []string {
	var out []string
	for _, m := range p.Members {
		if m.Seated() {
			out = append(out, m.ExpertID+m.PartnerCityID)
		}
	}
	return out
}

func (p proposal) member(id string) profiles.Member {
	for i := len(p.Members) - 1; i >= 0; i-- {
		if p.Members[i].ExpertID == id || p.Members[i].PartnerCityID == id {
			return p.Members[i]
		}
	}
	return profiles.Member{}
}

// idNames turns IDs back into fixture names, sorted, for messages and assertions.
func (x *env) idNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = x.name(id)
	}
	slices.Sort(out)
	return out
}

// neverOnPanel are the experts a hard rule keeps off Dakar's panel.
var neverOnPanel = []string{"e_home", "e_dakar", "e_english", "e_paused", "e_full"}

func TestPanelAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		roles := map[string]string{"e_mayor": "mayor", "e_psm_fr": "public_service_manager", "e_tech_ci": "technical_officer",
			"e_elected": "elected_official", "e_psm_ci": "public_service_manager", "e_academic": "academic"}
		countries := map[string]string{"e_mayor": "CA", "e_psm_fr": "FR", "e_tech_ci": "CI", "e_elected": "MA", "e_psm_ci": "CI", "e_academic": "FR"}

		r := x.do(t, "POST", "/v1/challenges/{c_waste}/panels", `{"size":3,
			"role_quotas":[{"roles":["mayor","elected_official"],"min":1},{"roles":["public_service_manager"],"min":1}],
			"max_per_country":1,"min_other_countries":3}`)
		if r.Status != http.StatusCreated {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/v1/proposals/") {
			t.Errorf("Location %q", loc)
		}
		p := decodeProposal(t, r)
		members := x.idNames(p.seated())
		if len(members) != 3 || p.Kind != "panel" || p.Status != "proposed" {
			t.Fatalf("panel %+v", p)
		}
		leaders, managers := 0, 0
		seenCountry := map[string]bool{}
		sum := 0.0
		for _, m := range p.Members {
			n := x.name(m.ExpertID)
			if slices.Contains(neverOnPanel, n) {
				t.Errorf("%s is on the panel, a hard rule forbids it", n)
			}
			switch roles[n] {
			case "mayor", "elected_official":
				leaders++
			case "public_service_manager":
				managers++
			}
			if seenCountry[countries[n]] {
				t.Errorf("two members from %s: %v", countries[n], members)
			}
			seenCountry[countries[n]] = true
			if len(m.Explanation) == 0 || !strings.Contains(string(m.Explanation), `"contributions"`) {
				t.Errorf("%s has no explanation", n)
			}
			sum += m.Score
		}
		if leaders < 1 || managers < 1 {
			t.Errorf("quotas not met: %v", members)
		}
		if math.Abs(sum-p.Objective) > 1e-6 {
			t.Errorf("objective %v, members add up to %v", p.Objective, sum)
		}
		if len(p.Alternates) == 0 {
			t.Errorf("no alternates")
		}
		for _, a := range p.Alternates {
			if slices.Contains(neverOnPanel, x.name(a.ExpertID)) || slices.Contains(p.seated(), a.ExpertID) {
				t.Errorf("alternate %s breaks a rule or is already seated", x.name(a.ExpertID))
			}
		}
		// The proposal reads back as it was made.
		got := decodeProposal(t, x.do(t, "GET", "/v1/proposals/"+p.ID, ""))
		if !slices.Equal(got.seated(), p.seated()) || got.Objective != p.Objective {
			t.Errorf("read back %+v, made %+v", got, p)
		}

		x.run(t, []scenario{
			{name: "infeasible quota names the rule and the numbers", method: "POST", path: "/v1/challenges/{c_waste}/panels",
				body: `{"size":3,"role_quotas":[{"roles":["mayor"],"min":2}]}`, status: 422,
				contains: []string{"role quota mayor: 2 required, 1 eligible"}, fields: []string{"role_quotas"}},
			{name: "not enough countries", method: "POST", path: "/v1/challenges/{c_waste}/panels",
				body: `{"size":5,"min_other_countries":5}`, status: 422, contains: []string{"countries"}},
			{name: "pinned expert from the reviewed country", method: "POST", path: "/v1/challenges/{c_waste}/panels",
				body: `{"size":3,"pinned":["{e_home}"]}`, status: 422, contains: []string{"{e_home}"}, fields: []string{"pinned"}},
			{name: "home country allowed", method: "POST", path: "/v1/challenges/{c_waste}/panels",
				body: `{"size":3,"pinned":["{e_home}"],"allow_home_country":true}`, status: 201, contains: []string{`"expert_id":"{e_home}"`}},
			{name: "pinned expert from the city itself even when the country is allowed", method: "POST", path: "/v1/challenges/{c_waste}/panels",
				body: `{"size":3,"pinned":["{e_dakar}"],"allow_home_country":true}`, status: 422, fields: []string{"pinned"}},
			{name: "excluded expert stays off", method: "POST", path: "/v1/challenges/{c_waste}/panels",
				body: `{"size":2,"excluded":[{"expert_id":"{e_mayor}","reason":"conflict of interest"}]}`, status: 201,
				notContains: []string{`"expert_id":"` + x.ids["e_mayor"] + `","status"`}},
			{name: "every bad field at once", method: "POST", path: "/v1/challenges/{c_waste}/panels",
				body: `{"size":11,"role_quotas":[{"roles":["king"],"min":0}],"max_per_country":-1,"pinned":["nobody"]}`, status: 422,
				fields: []string{"size", "role_quotas[0].roles[0]", "role_quotas[0].min", "max_per_country", "pinned[0]"}},
			{name: "unknown field", method: "POST", path: "/v1/challenges/{c_waste}/panels", body: `{"seats":3}`, status: 400, fields: []string{"seats"}},
			{name: "closed challenge", method: "POST", path: "/v1/challenges/{c_closed}/panels", body: `{}`, status: 409},
			{name: "unknown challenge", method: "POST", path: "/v1/challenges/nope/panels", body: `{}`, status: 404},
			{name: "common language", method: "POST", path: "/v1/challenges/{c_waste}/panels", body: `{"size":2,"common_language":true}`, status: 201,
				contains: []string{`"language":"fr"`}},
		})
	})
}

// act sends a request that must succeed and returns the proposal it answers.
func (x *env) act(t *testing.T, method, path, body string) proposal {
	t.Helper()
	r := x.do(t, method, path, body)
	if r.Status != 200 && r.Status != 201 {
		t.Fatalf("%s %s: status %d: %s", method, path, r.Status, r.Body)
	}
	if strings.HasSuffix(path, "/edits") {
		var er struct{ Proposal json.RawMessage }
		json.Unmarshal(r.Body, &er)
		return decodeProposal(t, response{Body: er.Proposal})
	}
	return decodeProposal(t, r)
}

func TestProposalLifeAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		p := x.act(t, "POST", "/v1/challenges/{c_waste}/panels", `{"size":2}`)
		x.ids["panel"] = p.ID
		if len(p.Alternates) == 0 {
			t.Fatalf("no alternate to work with: %+v", p)
		}
		first, second := p.seated()[0], p.seated()[1]
		alt := p.Alternates[0].ExpertID

		// Edits before sending: each re-checks the hard rules.
		r := x.do(t, "POST", "/v1/proposals/{panel}/edits", fmt.Sprintf(`{"op":"swap","expert_id":%q,"with":%q}`, second, alt))
		if r.Status != 200 {
			t.Fatalf("swap: %d %s", r.Status, r.Body)
		}
		var er struct {
			Proposal        proposal
			ObjectiveBefore float64 `json:"objective_before"`
			ObjectiveAfter  float64 `json:"objective_after"`
			Delta           float64
		}
		json.Unmarshal(r.Body, &er)
		if er.ObjectiveBefore != p.Objective || math.Abs(er.ObjectiveAfter-er.ObjectiveBefore-er.Delta) > 1e-6 || er.Delta > 0 {
			t.Errorf("swap for the next best must not raise the objective: before %v after %v delta %v (made with %v)", er.ObjectiveBefore, er.ObjectiveAfter, er.Delta, p.Objective)
		}
		if !slices.Contains(er.Proposal.seated(), alt) || slices.Contains(er.Proposal.seated(), second) {
			t.Errorf("swap not applied: %v", x.idNames(er.Proposal.seated()))
		}
		if er.Proposal.member(second).Status != "withdrawn" {
			t.Errorf("swapped-out member %+v", er.Proposal.member(second))
		}
		x.run(t, []scenario{
			{name: "swap in an expert of the reviewed city", method: "POST", path: "/v1/proposals/{panel}/edits",
				body: fmt.Sprintf(`{"op":"swap","expert_id":%q,"with":"{e_dakar}"}`, first), status: 422, contains: []string{"{e_dakar}"}},
			{name: "swap in a paused expert", method: "POST", path: "/v1/proposals/{panel}/edits",
				body: fmt.Sprintf(`{"op":"swap","expert_id":%q,"with":"{e_paused}"}`, first), status: 422},
			{name: "unknown op", method: "POST", path: "/v1/proposals/{panel}/edits", body: `{"op":"promote","expert_id":"x"}`, status: 422, fields: []string{"op"}},
			{name: "stale If-Match", method: "POST", path: "/v1/proposals/{panel}/edits", header: []string{"If-Match", `"1"`},
				body: fmt.Sprintf(`{"op":"pin","expert_id":%q}`, first), status: 412},
			{name: "answer before sending", method: "POST", path: "/v1/proposals/{panel}/members/" + first + "/answer", body: `{"answer":"accept"}`, status: 409},
			{name: "accepted is reached through answers", method: "POST", path: "/v1/proposals/{panel}/transitions", body: `{"to":"accepted"}`, status: 422, fields: []string{"to"}},
			{name: "cannot start before acceptance", method: "POST", path: "/v1/proposals/{panel}/transitions", body: `{"to":"active"}`, status: 409},
		})
		x.act(t, "POST", "/v1/proposals/{panel}/edits", fmt.Sprintf(`{"op":"pin","expert_id":%q}`, first))
		x.run(t, []scenario{{name: "pinned member cannot be swapped", method: "POST", path: "/v1/proposals/{panel}/edits",
			body: fmt.Sprintf(`{"op":"swap","expert_id":%q,"with":"{e_academic}"}`, first), status: 409}})

		// Send: every seat is invited.
		p = x.act(t, "POST", "/v1/proposals/{panel}/transitions", `{"to":"invited"}`)
		if p.Status != "invited" {
			t.Fatalf("status %s", p.Status)
		}
		for _, m := range p.Members {
			if m.Seated() && m.Status != "invited" {
				t.Errorf("member %s is %s after sending", x.name(m.ExpertID), m.Status)
			}
		}
		x.run(t, []scenario{
			{name: "edits end when the proposal is sent", method: "POST", path: "/v1/proposals/{panel}/edits",
				body: fmt.Sprintf(`{"op":"unpin","expert_id":%q}`, first), status: 409},
			{name: "decline needs a reason", method: "POST", path: "/v1/proposals/{panel}/members/" + first + "/answer", body: `{"answer":"decline"}`, status: 422, fields: []string{"reason"}},
			{name: "unknown member", method: "POST", path: "/v1/proposals/{panel}/members/nobody/answer", body: `{"answer":"accept"}`, status: 404},
		})

		// One accepts, one declines: the next alternate is invited at once.
		p = x.act(t, "POST", "/v1/proposals/{panel}/members/"+first+"/answer", `{"answer":"accept"}`)
		if p.member(first).Status != "accepted" || p.Status != "invited" {
			t.Fatalf("after one acceptance: %+v", p)
		}
		p = x.act(t, "POST", "/v1/proposals/{panel}/members/"+alt+"/answer", `{"answer":"decline","reason":"on leave until June"}`)
		if m := p.member(alt); m.Status != "declined" || m.Reason != "on leave until June" {
			t.Errorf("declined member %+v", m)
		}
		seated := p.seated()
		if len(seated) != 2 || slices.Contains(seated, alt) {
			t.Fatalf("no replacement after the decline: %v", x.idNames(seated))
		}
		var newcomer string
		for _, id := range seated {
			if id != first {
				newcomer = id
			}
		}
		if p.member(newcomer).Status != "invited" {
			t.Errorf("replacement %s is %s, want invited", x.name(newcomer), p.member(newcomer).Status)
		}
		x.run(t, []scenario{{name: "answering twice", method: "POST", path: "/v1/proposals/{panel}/members/" + first + "/answer", body: `{"answer":"decline","reason":"changed my mind"}`, status: 409}})

		// A declined pair is never proposed again for that challenge.
		again := x.act(t, "POST", "/v1/challenges/{c_waste}/panels", `{"size":5}`)
		if slices.Contains(again.seated(), alt) || slices.ContainsFunc(again.Alternates, func(a profiles.Alternate) bool { return a.ExpertID == alt }) {
			t.Errorf("%s declined this challenge and is proposed again", x.name(alt))
		}

		p = x.act(t, "POST", "/v1/proposals/{panel}/members/"+newcomer+"/answer", `{"answer":"accept"}`)
		if p.Status != "accepted" {
			t.Fatalf("every seat accepted, status %s", p.Status)
		}
		x.act(t, "POST", "/v1/proposals/{panel}/transitions", `{"to":"active"}`)
		x.run(t, []scenario{{name: "outcome before completion", method: "POST", path: "/v1/proposals/{panel}/outcomes",
			body: `{"side":"city","applied":"x","lessons_learned":"y","rating":5}`, status: 409}})
		p = x.act(t, "POST", "/v1/proposals/{panel}/transitions", `{"to":"completed"}`)
		if p.Status != "completed" {
			t.Fatalf("status %s", p.Status)
		}
		x.run(t, []scenario{
			{name: "completed is final", method: "POST", path: "/v1/proposals/{panel}/transitions", body: `{"to":"invited"}`, status: 409},
			{name: "cancel after completion", method: "POST", path: "/v1/proposals/{panel}/transitions", body: `{"to":"cancelled"}`, status: 409},
			{name: "bad outcome names every field", method: "POST", path: "/v1/proposals/{panel}/outcomes",
				body: `{"side":"mayor","applied":"","lessons_learned":"","rating":9}`, status: 422},
			{name: "city outcome", method: "POST", path: "/v1/proposals/{panel}/outcomes",
				body: `{"side":"city","applied":"Le plan de précollecte a été revu","lessons_learned":"Associer les GIE dès le début","rating":5}`, status: 201,
				contains: []string{`"rating":5`}},
			{name: "the same outcome twice", method: "POST", path: "/v1/proposals/{panel}/outcomes",
				body: `{"side":"city","applied":"a","lessons_learned":"b","rating":4}`, status: 409},
			{name: "outcomes listed", method: "GET", path: "/v1/proposals/{panel}/outcomes", status: 200, contains: []string{"Associer les GIE"}},
			{name: "proposals of an expert", method: "GET", path: "/v1/proposals?expert_id=" + first, status: 200, contains: []string{"{panel}"}},
			{name: "proposals by status", method: "GET", path: "/v1/proposals?status=completed&kind=panel", status: 200, contains: []string{"{panel}"}},
			{name: "bad list filter", method: "GET", path: "/v1/proposals?status=done", status: 400},
		})

		// The history tells the whole life, oldest first, timestamped.
		r = x.do(t, "GET", "/v1/proposals/{panel}/history", "")
		var h struct{ Items []profiles.ProposalEvent }
		json.Unmarshal(r.Body, &h)
		var steps []string
		for i, ev := range h.Items {
			if i > 0 && ev.At.Before(h.Items[i-1].At) {
				t.Errorf("history out of order at %d", i)
			}
			steps = append(steps, ev.Type+":"+ev.ToStatus)
		}
		want := []string{"status:proposed", "edit:", "edit:", "status:invited", "answer:accepted", "answer:declined", "replacement:",
			"answer:accepted", "status:accepted", "status:active", "status:completed", "outcome:"}
		if strings.Join(steps, " ") != strings.Join(want, " ") {
			t.Errorf("history\n got %v\nwant %v", steps, want)
		}
	})
}

func TestCapacityCountsAcceptedSeatsAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		x.do(t, "PATCH", "/v1/experts/{e_mayor}", `{"capacity":1}`)
		p := x.act(t, "POST", "/v1/challenges/{c_waste}/panels", `{"size":2,"pinned":["{e_mayor}"]}`)
		x.ids["p1"] = p.ID
		x.act(t, "POST", "/v1/proposals/{p1}/transitions", `{"to":"invited"}`)
		x.act(t, "POST", "/v1/proposals/{p1}/members/{e_mayor}/answer", `{"answer":"accept"}`)
		// The mayor's one engagement is taken: another panel cannot seat them.
		x.run(t, []scenario{
			{name: "no capacity left", method: "POST", path: "/v1/challenges/{c_other}/panels", body: `{"size":2,"pinned":["{e_mayor}"]}`, status: 422,
				fields: []string{"pinned"}},
			{name: "suggestions leave the full expert out", method: "GET", path: "/v1/challenges/{c_other}/explain?expert_id={e_mayor}&mode=peer_review", status: 200,
				contains: []string{"no capacity left"}},
		})
		x.act(t, "POST", "/v1/proposals/{p1}/transitions", `{"to":"cancelled","reason":"postponed"}`)
		// Cancelled: the seat is free again.
		x.act(t, "POST", "/v1/challenges/{c_other}/panels", `{"size":2,"pinned":["{e_mayor}"]}`)
	})
}

func TestFeedbackMovesLaterScoresAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		before := x.explain(t, "/v1/challenges/{c_other}/explain?expert_id={e_mayor}&mode=tutoring")
		p := x.act(t, "POST", "/v1/challenges/{c_waste}/tutoring-teams", `{"min_size":1,"max_size":2,"pinned":["{e_mayor}"]}`)
		x.ids["team"] = p.ID
		x.act(t, "POST", "/v1/proposals/{team}/transitions", `{"to":"invited"}`)
		for _, id := range p.seated() {
			x.act(t, "POST", "/v1/proposals/{team}/members/"+id+"/answer", `{"answer":"accept"}`)
		}
		x.act(t, "POST", "/v1/proposals/{team}/transitions", `{"to":"active"}`)
		x.act(t, "POST", "/v1/proposals/{team}/transitions", `{"to":"completed"}`)
		x.do(t, "POST", "/v1/proposals/{team}/outcomes", `{"side":"city","expert_id":"{e_mayor}","applied":"Plan adopté","lessons_learned":"Un tuteur élu ouvre les portes","rating":5}`)
		after := x.explain(t, "/v1/challenges/{c_other}/explain?expert_id={e_mayor}&mode=tutoring")
		fb := func(s []byte) (float64, string) {
			var e struct {
				Contributions []struct {
					Factor       string
					Contribution float64
					Detail       string
				}
			}
			json.Unmarshal(s, &e)
			for _, c := range e.Contributions {
				if c.Factor == "feedback" {
					return c.Contribution, c.Detail
				}
			}
			return 0, ""
		}
		b, _ := json.Marshal(before.Explanation)
		a, _ := json.Marshal(after.Explanation)
		vb, _ := fb(b)
		va, detail := fb(a)
		if !(va > vb) || va > 0.05 {
			t.Errorf("feedback contribution %v -> %v (%s): want a small rise", vb, va, detail)
		}
		if !strings.Contains(detail, "5") {
			t.Errorf("feedback detail %q does not say the rating", detail)
		}
	})
}

func TestTutoringTeamAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		r := x.do(t, "POST", "/v1/challenges/{c_waste}/tutoring-teams", `{"period":{"from":"2027-01-01","until":"2027-12-31"}}`)
		if r.Status != 201 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		p := decodeProposal(t, r)
		if p.Kind != "team" || len(p.seated()) < 2 || len(p.seated()) > 4 {
			t.Fatalf("team %+v", p)
		}
		lead := false
		covered := map[string]bool{}
		for _, m := range p.Members {
			if slices.Contains(neverOnPanel[1:], x.name(m.ExpertID)) {
				t.Errorf("%s on the team", x.name(m.ExpertID))
			}
			lead = lead || m.Lead
			for _, s := range m.Skills {
				covered[s] = true
			}
		}
		if !lead {
			t.Errorf("no lead: %+v", p.Members)
		}
		for _, s := range []string{"planification de la collecte des déchets", "sensibilisation au tri"} {
			if !covered[s] {
				t.Errorf("skill %q not covered: %+v", s, covered)
			}
		}
		x.run(t, []scenario{
			{name: "a skill nobody has", method: "POST", path: "/v1/challenges/{c_waste}/tutoring-teams",
				body: `{"skills":["conception de réacteurs à fusion nucléaire"]}`, status: 422, contains: []string{"fusion"}, fields: []string{"skills"}},
			{name: "bad sizes and dates", method: "POST", path: "/v1/challenges/{c_waste}/tutoring-teams",
				body: `{"min_size":5,"max_size":3,"period":{"from":"2027-13-01"}}`, status: 422, fields: []string{"max_size", "period.from"}},
		})
	})
}

func TestPairingAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		network(t, x)
		p := x.act(t, "POST", "/v1/challenges/{c_waste}/pairings", "")
		x.ids["pair"] = p.ID
		partner := p.seated()[0]
		if partner == x.ids["lyon"] || len(p.Alternates) == 0 {
			t.Fatalf("pairing %+v", p)
		}
		x.act(t, "POST", "/v1/proposals/{pair}/transitions", `{"to":"invited"}`)
		p = x.act(t, "POST", "/v1/proposals/{pair}/members/"+partner+"/answer", `{"answer":"decline","reason":"no staff this year"}`)
		if got := p.seated(); len(got) != 1 || got[0] == partner || p.member(got[0]).Status != "invited" {
			t.Errorf("after the decline: %v", x.idNames(got))
		}
		x.run(t, []scenario{
			{name: "pair with itself", method: "POST", path: "/v1/challenges/{c_waste}/pairings", body: `{"partner_city_id":"{lyon}"}`, status: 422, fields: []string{"partner_city_id"}},
			{name: "named partner", method: "POST", path: "/v1/challenges/{c_waste}/pairings", body: `{"partner_city_id":"{bristol}"}`, status: 201, contains: []string{`"partner_city_id":"{bristol}"`}},
		})
		// The partner city's key lists the pairings it is party to; a third
		// city's key does not.
		partnerKey := x.keyFor(t, profiles.KeyInput{Name: "partner", Role: profiles.RoleCity, CityID: partner})
		other := x.keyFor(t, profiles.KeyInput{Name: "other", Role: profiles.RoleCity, CityID: x.ids["quito"]})
		x.run(t, []scenario{
			{name: "partner lists the pairing", method: "GET", path: "/v1/proposals", header: []string{"Authorization", "Bearer " + partnerKey}, status: 200, contains: []string{"{pair}"}},
			{name: "a third city does not", method: "GET", path: "/v1/proposals", header: []string{"Authorization", "Bearer " + other}, status: 200, notContains: []string{x.ids["pair"]}},
		})
	})
}

// waitRound polls a round until it ends.
func (x *env) waitRound(t *testing.T, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := x.do(t, "GET", "/v1/review-rounds/"+id, "")
		m := r.json(t)
		if s := m["status"]; s == "done" || s == "failed" {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("round still %v after 30 s", m["status"])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReviewRoundAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		// Every useful expert can sit once: two panels of three need six
		// distinct people, and the round must share them out.
		for _, e := range []string{"e_mayor", "e_psm_fr", "e_tech_ci", "e_elected", "e_psm_ci", "e_academic", "e_home"} {
			x.do(t, "PATCH", "/v1/experts/{"+e+"}", `{"capacity":1}`)
		}
		r := x.do(t, "POST", "/v1/review-rounds", `{"name":"Déchets 2027","fairness":"worst_first",
			"challenges":[{"challenge_id":"{c_waste}","size":2},{"challenge_id":"{c_other}","size":2}],
			"rubric":{"criteria":[{"code":"plan","label":"Quality of the plan","min":1,"max":5},{"code":"participation","label":"Participation of residents","min":1,"max":5}]}}`)
		if r.Status != http.StatusAccepted {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		id := r.json(t)["id"].(string)
		x.ids["round"] = id
		m := x.waitRound(t, id)
		if m["status"] != "done" {
			t.Fatalf("round %v", m)
		}
		panels := m["panels"].([]any)
		if len(panels) != 2 {
			t.Fatalf("panels %v", panels)
		}
		seen := map[string]string{}
		worst := math.Inf(1)
		for _, pn := range panels {
			pm := pn.(map[string]any)
			obj := pm["objective"].(float64)
			worst = min(worst, obj)
			for _, mm := range pm["members"].([]any) {
				e := mm.(map[string]any)["expert_id"].(string)
				if prev, ok := seen[e]; ok {
					t.Errorf("%s sits on two panels (%s and %s) with capacity 1", x.name(e), prev, pm["challenge_id"])
				}
				seen[e] = pm["challenge_id"].(string)
				if e == x.ids["e_dakar"] || (e == x.ids["e_home"] && pm["challenge_id"] == x.ids["c_waste"]) {
					t.Errorf("%s on the panel of %s", x.name(e), x.name(pm["challenge_id"].(string)))
				}
			}
		}
		if math.Abs(m["worst"].(float64)-worst) > 1e-6 {
			t.Errorf("worst %v, panels' lowest %v", m["worst"], worst)
		}

		// Panel members score the reviewed cities; the benchmark compares them.
		var pw, po map[string]any
		for _, pn := range panels {
			if pn.(map[string]any)["challenge_id"] == x.ids["c_waste"] {
				pw = pn.(map[string]any)
			} else {
				po = pn.(map[string]any)
			}
		}
		mw := pw["members"].([]any)[0].(map[string]any)["expert_id"].(string)
		mo := po["members"].([]any)[0].(map[string]any)["expert_id"].(string)
		x.run(t, []scenario{
			{name: "score out of scale and unknown criterion", method: "POST", path: "/v1/review-rounds/{round}/scores",
				body:   `{"challenge_id":"{c_waste}","expert_id":"` + mw + `","scores":[{"criterion":"plan","value":9},{"criterion":"budget","value":3}]}`,
				status: 422, fields: []string{"scores[0].value", "scores[1].criterion"}},
			{name: "not on that panel", method: "POST", path: "/v1/review-rounds/{round}/scores",
				body: `{"challenge_id":"{c_waste}","expert_id":"` + mo + `","scores":[{"criterion":"plan","value":3}]}`, status: 422},
			{name: "scores of Dakar", method: "POST", path: "/v1/review-rounds/{round}/scores",
				body: `{"challenge_id":"{c_waste}","expert_id":"` + mw + `","scores":[{"criterion":"plan","value":4},{"criterion":"participation","value":2,"comment":"Peu de concertation"}]}`, status: 200},
			{name: "scores of Abidjan", method: "POST", path: "/v1/review-rounds/{round}/scores",
				body: `{"challenge_id":"{c_other}","expert_id":"` + mo + `","scores":[{"criterion":"plan","value":2},{"criterion":"participation","value":5}]}`, status: 200},
			{name: "rounds listed", method: "GET", path: "/v1/review-rounds", status: 200, contains: []string{"Déchets 2027"}},
			{name: "unknown round", method: "GET", path: "/v1/review-rounds/nope", status: 404},
			{name: "round without challenges", method: "POST", path: "/v1/review-rounds", body: `{"name":"x"}`, status: 422, fields: []string{"challenges"}},
			{name: "bad round names every field", method: "POST", path: "/v1/review-rounds",
				body: `{"name":"","fairness":"best","challenges":[{"challenge_id":"nope","size":1},{"challenge_id":"{c_closed}"}]}`, status: 422},
		})
		r = x.do(t, "GET", "/v1/review-rounds/{round}/benchmark", "")
		var b struct {
			Criteria []struct {
				Code   string
				Mean   float64
				Cities []struct {
					CityID string `json:"city_id"`
					Mean   float64
				}
			}
			Cities []struct {
				CityID    string `json:"city_id"`
				Overall   float64
				Rank      int
				Strongest string
				Weakest   string
			}
		}
		if err := json.Unmarshal(r.Body, &b); err != nil || r.Status != 200 {
			t.Fatalf("benchmark %d: %s", r.Status, r.Body)
		}
		if len(b.Cities) != 2 || len(b.Criteria) != 2 || b.Criteria[0].Mean != 3 {
			t.Fatalf("benchmark %s", r.Body)
		}
		// Dakar: (4-1)/4 and (2-1)/4 → 0.5; Abidjan: (2-1)/4 and (5-1)/4 → 0.625.
		if x.name(b.Cities[0].CityID) != "abidjan" || b.Cities[0].Overall != 0.625 || b.Cities[1].Overall != 0.5 || b.Cities[1].Rank != 2 {
			t.Errorf("ranking %+v", b.Cities)
		}
		if b.Cities[1].Strongest != "plan" || b.Cities[1].Weakest != "participation" {
			t.Errorf("Dakar's strongest and weakest %+v", b.Cities[1])
		}
	})
}

func TestRoundOverAllOpenChallengesAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		r := x.do(t, "POST", "/v1/review-rounds", `{"name":"Tout","all_open":true,"defaults":{"size":2}}`)
		if r.Status != 202 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		m := x.waitRound(t, r.json(t)["id"].(string))
		if m["status"] != "done" || len(m["panels"].([]any)) != 2 {
			t.Fatalf("round %v", m)
		}
		x.run(t, []scenario{{name: "benchmark without rubric", method: "GET", path: "/v1/review-rounds/" + m["id"].(string) + "/benchmark", status: 409}})
	})
}

func TestThemeCompareAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		network(t, x)
		r := x.do(t, "GET", "/v1/themes/waste/compare", "")
		if r.Status != 200 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		var c struct {
			Practices int
			Groups    []struct {
				Practices []struct {
					ID, Region string
					SizeClass  string `json:"size_class"`
				}
				Regions map[string]int
			}
		}
		json.Unmarshal(r.Body, &c)
		// Published waste practices only: the draft stays out.
		if c.Practices != 5 || len(c.Groups) == 0 {
			t.Fatalf("comparison %s", r.Body)
		}
		n := 0
		for _, g := range c.Groups {
			for _, p := range g.Practices {
				n++
				if p.Region == "" || p.SizeClass == "" {
					t.Errorf("practice without context: %+v", p)
				}
				if p.ID == x.ids["p_mtl_draft"] {
					t.Errorf("draft practice compared")
				}
			}
		}
		if n != 5 {
			t.Errorf("%d practices in groups, want 5", n)
		}
		x.run(t, []scenario{
			{name: "unknown theme", method: "GET", path: "/v1/themes/nope/compare", status: 404},
			{name: "bad threshold", method: "GET", path: "/v1/themes/waste/compare?min_similarity=2", status: 400},
			{name: "region filter", method: "GET", path: "/v1/themes/waste/compare?region=africa", status: 200, contains: []string{`"practices":2`}},
		})
	})
}
