package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"matchmaker/matcher"
	"matchmaker/matcher/assembly"
	"matchmaker/profiles"
)

// Panel and team limits.
const (
	defaultPanelSize = 5
	minPanelSize     = 2
	maxPanelSize     = 10
	defaultTeamMin   = 2
	defaultTeamMax   = 4
	maxTeamSize      = 6
	maxSkills        = 12
	maxReasonLen     = 500
	maxListed        = 50 // pinned or excluded experts in one request
)

// roleQuota asks for at least Min members whose role is one of Roles.
type roleQuota struct {
	Roles []string `json:"roles"`
	Min   int      `json:"min"`
}

// exclusionIn keeps an expert off a proposal, with the reason (a conflict of
// interest, for one).
type exclusionIn struct {
	ExpertID string `json:"expert_id"`
	Reason   string `json:"reason,omitempty"`
}

// panelRequest is the body of POST /v1/challenges/{id}/panels, and the rules a
// panel keeps for every later edit and replacement.
type panelRequest struct {
	Size              *int          `json:"size,omitempty"`
	RoleQuotas        []roleQuota   `json:"role_quotas,omitempty"`
	MaxPerRegion      int           `json:"max_per_region,omitempty"`
	MaxPerCountry     int           `json:"max_per_country,omitempty"`
	MinOtherCountries int           `json:"min_other_countries,omitempty"`
	AllowHomeCountry  bool          `json:"allow_home_country,omitempty"`
	CommonLanguage    bool          `json:"common_language,omitempty"`
	Pinned            []string      `json:"pinned,omitempty"`
	Excluded          []exclusionIn `json:"excluded,omitempty"`
}

func (r panelRequest) size() int {
	if r.Size == nil {
		return defaultPanelSize
	}
	return *r.Size
}

// fieldErrors collects the errors of a request body, field by field.
type fieldErrors []profiles.FieldError

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, profiles.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return &profiles.ValidationError{Fields: fe}
}

// validate checks a panel request, prefix naming where it sits in the body
// ("" for a panel, "challenges[3]." in a round), and normalises it: sizes
// filled in, lists sorted out.
func (r *panelRequest) validate(fe *fieldErrors, prefix string) {
	if r.Size == nil {
		n := defaultPanelSize
		r.Size = &n
	}
	size := *r.Size
	if size < minPanelSize || size > maxPanelSize {
		fe.add(prefix+"size", "must be between %d and %d, not %d", minPanelSize, maxPanelSize, size)
	}
	total := 0
	for i, q := range r.RoleQuotas {
		f := fmt.Sprintf("%srole_quotas[%d]", prefix, i)
		if len(q.Roles) == 0 {
			fe.add(f+".roles", "name at least one role (%s)", strings.Join(profiles.Roles, ", "))
		}
		for j, role := range q.Roles {
			if !slices.Contains(profiles.Roles, role) {
				fe.add(fmt.Sprintf("%s.roles[%d]", f, j), "unknown role %q (one of %s)", role, strings.Join(profiles.Roles, ", "))
			}
		}
		if q.Min < 1 || q.Min > maxPanelSize {
			fe.add(f+".min", "must be between 1 and the panel size, not %d", q.Min)
		}
		total += q.Min
	}
	if total > size && size >= minPanelSize {
		fe.add(prefix+"role_quotas", "the quotas ask for %d members, more than the panel size %d", total, size)
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"max_per_region", r.MaxPerRegion}, {"max_per_country", r.MaxPerCountry}} {
		if c.v < 0 || c.v > maxPanelSize {
			fe.add(prefix+c.name, "must be between 0 (no limit) and %d, not %d", maxPanelSize, c.v)
		}
	}
	if r.MinOtherCountries < 0 || r.MinOtherCountries > size {
		fe.add(prefix+"min_other_countries", "must be between 0 and the panel size %d, not %d", size, r.MinOtherCountries)
	}
	checkIDs(fe, prefix+"pinned", r.Pinned)
	if len(r.Pinned) > size {
		fe.add(prefix+"pinned", "%d experts pinned on a panel of %d", len(r.Pinned), size)
	}
	checkExclusions(fe, prefix+"excluded", r.Excluded, r.Pinned)
}

// checkIDs checks a list of expert IDs: bounded, no blanks, no repeats.
func checkIDs(fe *fieldErrors, field string, ids []string) {
	if len(ids) > maxListed {
		fe.add(field, "at most %d experts, not %d", maxListed, len(ids))
	}
	seen := map[string]bool{}
	for i, id := range ids {
		switch {
		case strings.TrimSpace(id) == "":
			fe.add(fmt.Sprintf("%s[%d]", field, i), "must be an expert ID")
		case seen[id]:
			fe.add(fmt.Sprintf("%s[%d]", field, i), "%s is listed twice", id)
		}
		seen[id] = true
	}
}

func checkExclusions(fe *fieldErrors, field string, xs []exclusionIn, pinned []string) {
	if len(xs) > maxListed {
		fe.add(field, "at most %d experts, not %d", maxListed, len(xs))
	}
	for i, x := range xs {
		f := fmt.Sprintf("%s[%d]", field, i)
		if strings.TrimSpace(x.ExpertID) == "" {
			fe.add(f+".expert_id", "must be an expert ID")
		}
		if slices.Contains(pinned, x.ExpertID) {
			fe.add(f+".expert_id", "%s is both pinned and excluded", x.ExpertID)
		}
		if len([]rune(x.Reason)) > maxReasonLen {
			fe.add(f+".reason", "at most %d characters", maxReasonLen)
		}
	}
}

// checkExperts names every listed expert that does not exist.
func (s *Server) checkExperts(ctx context.Context, fe *fieldErrors, field string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	found, err := s.store.FindExpertsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, e := range found {
		have[e.ID] = true
	}
	for i, id := range ids {
		if id != "" && !have[id] {
			fe.add(fmt.Sprintf("%s[%d]", field, i), "no expert has the ID %s", id)
		}
	}
	return nil
}

// decodeBody reads a JSON body into v; an empty body is an empty object.
func decodeBody(c echo.Context, v any) error {
	if c.Request().ContentLength == 0 && c.Request().Header.Get(echo.HeaderContentType) == "" {
		return ownBody(c, v)
	}
	body, err := readJSONBody(c, echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return ownBody(c, v)
	}
	return decodeInto(c, body, v)
}

// openChallenge reads the challenge of the path and checks that it takes
// proposals: a closed challenge answers 409.
func (s *Server) openChallenge(ctx context.Context, id string) (profiles.Challenge, error) {
	ch, err := s.store.FindChallengeByID(ctx, id)
	if err != nil {
		return ch, err
	}
	if ch.Status == "closed" {
		return ch, &profiles.ConflictError{Detail: "the challenge is closed: panels, teams and pairings are assembled for open challenges only"}
	}
	return ch, nil
}

func (s *Server) createPanel(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	var req panelRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	var fe fieldErrors
	req.validate(&fe, "")
	return s.propose(c, fe, req.Pinned, "panel assembled", func(ctx context.Context, ch profiles.Challenge) (profiles.Proposal, error) {
		return s.assemblePanel(ctx, ch, req)
	})
}

// propose finishes a request for a panel or a team: every pinned expert must
// exist and the challenge must take proposals; assemble then makes the proposal,
// stored with its first event.
func (s *Server) propose(c echo.Context, fe fieldErrors, pinned []string, reason string, assemble func(context.Context, profiles.Challenge) (profiles.Proposal, error)) error {
	ctx := c.Request().Context()
	if err := s.checkExperts(ctx, &fe, "pinned", pinned); err != nil {
		return err
	}
	if err := fe.err(); err != nil {
		return err
	}
	ch, err := s.openChallenge(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	p, err := assemble(ctx, ch)
	if err != nil {
		return err
	}
	out, err := s.store.CreateProposal(ctx, p, profiles.ProposalEvent{Type: "status", ToStatus: profiles.ProposalProposed, Reason: reason})
	if err != nil {
		return err
	}
	return created(c, "/v1/proposals/"+out.ID, out)
}

// created answers 201 with the new resource, its location and its ETag.
func created(c echo.Context, location string, p profiles.Proposal) error {
	c.Response().Header().Set(echo.HeaderLocation, location)
	setETag(c, p.Meta)
	return c.JSON(http.StatusCreated, p)
}

// assemblePanel proposes the best panel for a challenge under the request's rules.
func (s *Server) assemblePanel(ctx context.Context, ch profiles.Challenge, req panelRequest) (profiles.Proposal, error) {
	pl, err := s.gather(ctx, ch, poolOptions{mode: matcher.ModePeerReview, from: tfFrom(ch), until: tfUntil(ch),
		excluded: exclusionMap(req.Excluded), extra: req.Pinned})
	if err != nil {
		return profiles.Proposal{}, err
	}
	rules := panelRules(req, pl.city)
	panel, err := assembly.SolvePanel(rules, pl.cands)
	if err != nil {
		var inf *assembly.Infeasible
		if errors.As(err, &inf) {
			return profiles.Proposal{}, infeasibleProblem("panel", inf, ruleField(inf.Rule))
		}
		return profiles.Proposal{}, err
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return profiles.Proposal{}, err
	}
	p := profiles.Proposal{Kind: "panel", ChallengeID: ch.ID, CityID: ch.CityID, Status: profiles.ProposalProposed,
		Rules: raw, Language: panel.Language, Members: []profiles.Member{}, Alternates: []profiles.Alternate{},
		Exclusions: exclusionsOf(req.Excluded)}
	for _, m := range panel.Members {
		p.Members = append(p.Members, pl.memberOf(m.ID, m.Score, profiles.MemberProposed, slices.Contains(req.Pinned, m.ID)))
	}
	for _, a := range panel.Alternates {
		p.Alternates = append(p.Alternates, pl.alternateOf(a))
	}
	p.Objective = objectiveOf(p.Members)
	return p, nil
}

func exclusionsOf(xs []exclusionIn) []profiles.Exclusion {
	out := make([]profiles.Exclusion, 0, len(xs))
	for _, x := range xs {
		out = append(out, profiles.Exclusion{ExpertID: x.ExpertID, Reason: x.Reason})
	}
	return out
}

func tfFrom(ch profiles.Challenge) string {
	if ch.Timeframe == nil {
		return ""
	}
	return ch.Timeframe.From
}

func tfUntil(ch profiles.Challenge) string {
	if ch.Timeframe == nil {
		return ""
	}
	return ch.Timeframe.Until
}

// teamRequest is the body of POST /v1/challenges/{id}/tutoring-teams, and the
// rules a team keeps.
type teamRequest struct {
	// StrategicResult is what the tutoring is for; the challenge's own when
	// empty.
	StrategicResult string `json:"strategic_result,omitempty"`
	// Skills are the skills the team must cover; derived from the challenge
	// when empty.
	Skills   []string            `json:"skills,omitempty"`
	MinSize  *int                `json:"min_size,omitempty"`
	MaxSize  *int                `json:"max_size,omitempty"`
	Period   *profiles.Timeframe `json:"period,omitempty"`
	Pinned   []string            `json:"pinned,omitempty"`
	Excluded []exclusionIn       `json:"excluded,omitempty"`
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func validDate(s string) bool {
	if !dateRE.MatchString(s) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// validate checks a team request and fills in its default sizes.
func (r *teamRequest) validate(fe *fieldErrors) {
	if r.MinSize == nil {
		n := defaultTeamMin
		r.MinSize = &n
	}
	if r.MaxSize == nil {
		n := max(defaultTeamMax, *r.MinSize)
		r.MaxSize = &n
	}
	if *r.MinSize < 1 || *r.MinSize > maxTeamSize {
		fe.add("min_size", "must be between 1 and %d, not %d", maxTeamSize, *r.MinSize)
	}
	if *r.MaxSize < 1 || *r.MaxSize > maxTeamSize {
		fe.add("max_size", "must be between 1 and %d, not %d", maxTeamSize, *r.MaxSize)
	} else if *r.MaxSize < *r.MinSize {
		fe.add("max_size", "must be at least min_size (%d), not %d", *r.MinSize, *r.MaxSize)
	}
	if len([]rune(r.StrategicResult)) > 4000 {
		fe.add("strategic_result", "at most 4000 characters")
	}
	if len(r.Skills) > maxSkills {
		fe.add("skills", "at most %d skills, not %d", maxSkills, len(r.Skills))
	}
	seen := map[string]bool{}
	for i, sk := range r.Skills {
		sk = strings.TrimSpace(sk)
		r.Skills[i] = sk
		switch {
		case sk == "":
			fe.add(fmt.Sprintf("skills[%d]", i), "must not be empty")
		case len([]rune(sk)) > 200:
			fe.add(fmt.Sprintf("skills[%d]", i), "at most 200 characters")
		case seen[strings.ToLower(sk)]:
			fe.add(fmt.Sprintf("skills[%d]", i), "%q is listed twice", sk)
		}
		seen[strings.ToLower(sk)] = true
	}
	if r.Period != nil {
		if r.Period.From != "" && !validDate(r.Period.From) {
			fe.add("period.from", "must be a date such as 2027-01-31, not %q", r.Period.From)
		}
		if r.Period.Until != "" && !validDate(r.Period.Until) {
			fe.add("period.until", "must be a date such as 2027-12-31, not %q", r.Period.Until)
		}
		if validDate(r.Period.From) && validDate(r.Period.Until) && r.Period.Until < r.Period.From {
			fe.add("period.until", "ends before the period starts (%s)", r.Period.From)
		}
	}
	checkIDs(fe, "pinned", r.Pinned)
	if len(r.Pinned) > *r.MaxSize {
		fe.add("pinned", "%d experts pinned on a team of at most %d", len(r.Pinned), *r.MaxSize)
	}
	checkExclusions(fe, "excluded", r.Excluded, r.Pinned)
}

func (s *Server) createTeam(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	var req teamRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	var fe fieldErrors
	req.validate(&fe)
	return s.propose(c, fe, req.Pinned, "tutoring team assembled", func(ctx context.Context, ch profiles.Challenge) (profiles.Proposal, error) {
		return s.assembleTeam(ctx, ch, req)
	})
}

// teamPool gathers the candidates of a tutoring team and settles the request's
// defaults from the challenge: its skills, strategic result and period.
func (s *Server) teamPool(ctx context.Context, ch profiles.Challenge, req *teamRequest, extra []string) (*pool, error) {
	ix := s.matching.Index()
	if len(req.Skills) == 0 {
		skills, err := ix.KeySkills(ch.ID, defaultTeamMax)
		if err != nil {
			return nil, err
		}
		req.Skills = skills
	}
	if req.Period == nil && ch.Timeframe != nil {
		tf := *ch.Timeframe
		req.Period = &tf
	}
	opt := poolOptions{mode: matcher.ModeTutoring, skills: req.Skills, excluded: exclusionMap(req.Excluded),
		extra: append(slices.Clone(req.Pinned), extra...)}
	if req.Period != nil {
		opt.from, opt.until = req.Period.From, req.Period.Until
	}
	if req.StrategicResult != "" && req.StrategicResult != ch.StrategicResult {
		alt := ch
		alt.StrategicResult = req.StrategicResult
		d := s.matching.ChallengeDoc(alt)
		opt.challengeDoc = &d
	}
	return s.gather(ctx, ch, opt)
}

// teamRules converts a team request into the assembly's rules.
func teamRules(req teamRequest, city profiles.City) assembly.TeamRules {
	r := assembly.TeamRules{MinSize: *req.MinSize, MaxSize: *req.MaxSize, Skills: req.Skills, CityID: city.ID,
		CityCountry: city.Country, CityLanguages: city.Languages, LeadSeniority: "leadership", Pinned: req.Pinned}
	for _, x := range req.Excluded {
		r.Excluded = append(r.Excluded, x.ExpertID)
	}
	return r
}

// assembleTeam proposes the smallest team that covers the skills, then the best.
func (s *Server) assembleTeam(ctx context.Context, ch profiles.Challenge, req teamRequest) (profiles.Proposal, error) {
	pl, err := s.teamPool(ctx, ch, &req, nil)
	if err != nil {
		return profiles.Proposal{}, err
	}
	team, err := assembly.SolveTeam(teamRules(req, pl.city), pl.cands)
	if err != nil {
		var inf *assembly.Infeasible
		if errors.As(err, &inf) {
			return profiles.Proposal{}, infeasibleProblem("tutoring team", inf, ruleField(inf.Rule))
		}
		return profiles.Proposal{}, err
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return profiles.Proposal{}, err
	}
	p := profiles.Proposal{Kind: "team", ChallengeID: ch.ID, CityID: ch.CityID, Status: profiles.ProposalProposed,
		Rules: raw, Members: []profiles.Member{}, Alternates: []profiles.Alternate{}, Exclusions: exclusionsOf(req.Excluded)}
	for _, m := range team.Members {
		mem := pl.memberOf(m.ID, m.Score, profiles.MemberProposed, slices.Contains(req.Pinned, m.ID))
		mem.Lead, mem.Skills = m.Lead, orEmpty(m.Covers)
		p.Members = append(p.Members, mem)
	}
	for _, a := range team.Alternates {
		p.Alternates = append(p.Alternates, pl.alternateOf(a))
	}
	p.Objective = objectiveOf(p.Members)
	return p, nil
}

// pairingRequest is the body of POST /v1/challenges/{id}/pairings: an exchange
// with a partner city, the best suggested one when none is named.
type pairingRequest struct {
	PartnerCityID string `json:"partner_city_id,omitempty"`
}

// pairingAlternates is how many other cities a pairing keeps in reserve.
const pairingAlternates = 5

func (s *Server) createPairing(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	var req pairingRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ch, err := s.openChallenge(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if req.PartnerCityID != "" {
		if _, err := s.store.FindCityByID(ctx, req.PartnerCityID); errors.Is(err, profiles.ErrNotFound) {
			return &profiles.ValidationError{Fields: []profiles.FieldError{{Field: "partner_city_id", Message: "no city has the ID " + req.PartnerCityID}}}
		} else if err != nil {
			return err
		}
		if req.PartnerCityID == ch.CityID {
			return &profiles.ValidationError{Fields: []profiles.FieldError{{Field: "partner_city_id", Message: "a city does not pair with itself"}}}
		}
	}
	ix := s.matching.Index()
	q := matcher.Query{ChallengeID: ch.ID, Kind: matcher.KindCity, Mode: matcher.ModeExchange, Limit: pairingAlternates + 1}
	sugs, err := ix.Suggest(q)
	if err != nil {
		return err
	}
	var chosen *matcher.Suggestion
	if req.PartnerCityID != "" {
		sg, err := ix.Explain(q, req.PartnerCityID)
		if err != nil && !errors.Is(err, matcher.ErrNotFound) {
			return err
		}
		if err != nil || sg.Explanation.Excluded {
			reason := "the city has no practice that answers this challenge"
			if err == nil {
				reason = strings.Join(sg.Explanation.ExclusionReasons, "; ")
			}
			return &profiles.ValidationError{Fields: []profiles.FieldError{{Field: "partner_city_id", Message: reason}}}
		}
		chosen = &sg
	} else if len(sugs) > 0 {
		chosen = &sugs[0]
	}
	if chosen == nil {
		return newProblem(422, "no city has a practice that answers this challenge yet: no pairing can be proposed",
			profiles.FieldError{Field: "partner_city_id", Message: "no suggested partner city"})
	}
	raw, _ := json.Marshal(req)
	p := profiles.Proposal{Kind: "pairing", ChallengeID: ch.ID, CityID: ch.CityID, Status: profiles.ProposalProposed,
		Rules: raw, Alternates: []profiles.Alternate{}, Exclusions: []profiles.Exclusion{}}
	expl, _ := json.Marshal(chosen.Explanation)
	p.Members = []profiles.Member{{PartnerCityID: chosen.ID, Status: profiles.MemberProposed, Score: chosen.Score, Explanation: expl}}
	for _, sg := range sugs {
		if sg.ID == chosen.ID || len(p.Alternates) == pairingAlternates {
			continue
		}
		ex, _ := json.Marshal(sg.Explanation)
		p.Alternates = append(p.Alternates, profiles.Alternate{PartnerCityID: sg.ID, Score: sg.Score, Explanation: ex})
	}
	p.Objective = objectiveOf(p.Members)
	out, err := s.store.CreateProposal(ctx, p, profiles.ProposalEvent{Type: "status", ToStatus: profiles.ProposalProposed, Reason: "exchange pairing proposed"})
	if err != nil {
		return err
	}
	return created(c, "/v1/proposals/"+out.ID, out)
}

// round6 rounds a score to the six decimals scores are shown with.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
