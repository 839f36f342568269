package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/workflow"
)

// A challenge's page: the challenge, and for it the suggested practices,
// experts and partner cities with their reasons; weights to try (refreshed in
// place with htmx, or by sending the form without JavaScript); "why not X?";
// and, for the city that posted it, the request of a pairing with a partner
// city.

// kinds are the kinds of suggestion a challenge's page shows, as its ?kind=.
var kinds = []string{"practices", "experts", "cities"}

// weightFactors are the factors whose weights the page lets a reader try,
// by kind.
var weightFactors = map[string][]matcher.Factor{
	"practices": {matcher.FactorText, matcher.FactorConcepts, matcher.FactorThemes, matcher.FactorLanguage, matcher.FactorGeography},
	"experts": {matcher.FactorText, matcher.FactorConcepts, matcher.FactorThemes, matcher.FactorSkills, matcher.FactorLanguage,
		matcher.FactorRole, matcher.FactorGeography, matcher.FactorCapacity, matcher.FactorAvailability},
	"cities": {matcher.FactorText, matcher.FactorConcepts, matcher.FactorThemes, matcher.FactorLanguage, matcher.FactorGeography},
}

// weight is one factor's weight field.
type weight struct {
	Factor   matcher.Factor
	Value    float64
	Min, Max float64
	Error    bool
}

// challengeData is a challenge's page.
type challengeData struct {
	Challenge   profiles.Challenge
	CityName    string
	Kind        string
	Kinds       []string
	Weights     []weight
	Suggestions []matcher.Suggestion
	// Others are the candidates of "why not X?": the kind's rows by name.
	Others []option
	// Owner: the page's reader speaks for the challenge's city (or is staff).
	Owner bool
	// Query is the weights as a query string, for the links to reasons.
	Query string
}

type option struct {
	ID, Name string
	cityID   string
}

// WhyLink is the address of the explanation of suggestion id with the
// page's kind and weights.
func (d challengeData) WhyLink(id string) string {
	return "/challenges/" + url.PathEscape(d.Challenge.ID) + "/why?" + d.Query + "&id=" + url.QueryEscape(id)
}

// suggestQuery reads the kind and the weights of the page's form.
func (s *Server) suggestQuery(c echo.Context, ch profiles.Challenge) (string, []weight, matcher.Query, url.Values) {
	kind := c.QueryParam("kind")
	if !slices.Contains(kinds, kind) {
		kind = "practices"
	}
	mode := matcher.ModeExchange
	if len(ch.Modes) > 0 {
		if m, err := matcher.ParseMode(ch.Modes[0]); err == nil {
			mode = m
		}
	}
	defaults := matcher.DefaultWeights(mode)
	q := matcher.Query{ChallengeID: ch.ID, Limit: 10}
	q.Kind, _ = matcher.ParseKind(kind)
	keep := url.Values{"kind": {kind}}
	var ws []weight
	for _, f := range weightFactors[kind] {
		lo, hi, _ := matcher.WeightBounds(f)
		w := weight{Factor: f, Value: defaults[f], Min: lo, Max: hi}
		if raw := c.QueryParam("w_" + string(f)); raw != "" {
			v, err := strconv.ParseFloat(raw, 64)
			if err != nil || v < lo || v > hi {
				w.Error = true
			} else if v != defaults[f] {
				w.Value = v
				if q.Weights == nil {
					q.Weights = map[matcher.Factor]float64{}
				}
				q.Weights[f] = v
				keep.Set("w_"+string(f), raw)
			}
		}
		ws = append(ws, w)
	}
	return kind, ws, q, keep
}

func (s *Server) challenge(c echo.Context) error {
	ctx := c.Request().Context()
	ch, err := s.store.FindChallengeByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	p := principalOf(c)
	kind, ws, q, keep := s.suggestQuery(c, ch)
	d := challengeData{Challenge: ch, CityName: s.cityName(ch.CityID), Kind: kind, Kinds: kinds, Weights: ws,
		Owner: p.MayEditCity(ch.CityID), Query: keep.Encode()}
	if s.matching != nil {
		items, err := s.matching.Suggest(q)
		if err != nil && !errors.Is(err, matcher.ErrNotFound) {
			return err
		}
		s.inWords(c, items)
		d.Suggestions = items
	}
	if c.Request().Header.Get("HX-Request") == "true" && c.Request().Header.Get("HX-Target") == "suggestions" {
		return s.renderPart(c, http.StatusOK, "challenge", "suggestions", d)
	}
	if d.Others, err = s.candidates(c, kind, ch); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "challenge", "web.challenge.title", d)
}

// candidates are the rows of a kind a reader can ask "why not?" about: the
// first hundred by name (published practices only: a draft is its own city's,
// and its own city's practices are never suggested for its challenge). The
// lists are public and change slowly, so they are kept for a minute.
func (s *Server) candidates(c echo.Context, kind string, ch profiles.Challenge) ([]option, error) {
	all, err := s.candidateList(c, kind)
	if err != nil {
		return nil, err
	}
	out := make([]option, 0, len(all))
	for _, o := range all {
		if o.cityID != ch.CityID || kind == "experts" {
			out = append(out, o)
		}
	}
	return out, nil
}

// candidateCache keeps the candidate lists of "why not?" by kind.
type candidateCache struct {
	mu    sync.Mutex
	at    map[string]time.Time
	lists map[string][]option
}

func (s *Server) candidateList(c echo.Context, kind string) ([]option, error) {
	s.cand.mu.Lock()
	defer s.cand.mu.Unlock()
	if at, ok := s.cand.at[kind]; ok && time.Since(at) < time.Minute {
		return s.cand.lists[kind], nil
	}
	ctx := c.Request().Context()
	page := profiles.Page{Limit: profiles.MaxLimit}
	var out []option
	switch kind {
	case "experts":
		res, err := s.store.FindExperts(ctx, profiles.ExpertFilter{Page: page})
		if err != nil {
			return nil, err
		}
		for _, x := range res.Items {
			out = append(out, option{ID: x.ID, Name: x.Name})
		}
	case "cities":
		res, err := s.store.FindCities(ctx, profiles.CityFilter{Page: page})
		if err != nil {
			return nil, err
		}
		for _, x := range res.Items {
			out = append(out, option{ID: x.ID, Name: x.Name, cityID: x.ID})
		}
	default:
		none := ""
		res, err := s.store.FindPractices(ctx, profiles.PracticeFilter{DraftsOf: &none, Page: page})
		if err != nil {
			return nil, err
		}
		for _, x := range res.Items {
			out = append(out, option{ID: x.ID, Name: x.Title, cityID: x.CityID})
		}
	}
	slices.SortFunc(out, func(a, b option) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	if s.cand.at == nil {
		s.cand.at, s.cand.lists = map[string]time.Time{}, map[string][]option{}
	}
	s.cand.at[kind], s.cand.lists[kind] = time.Now(), out
	return out, nil
}

// whyData is the explanation of one pair.
type whyData struct {
	Challenge  profiles.Challenge
	Kind       string
	Suggestion matcher.Suggestion
	Back       string
	Owner      bool
	// Practices names the practices of a city's explanation.
	Practices map[string]string
}

func (s *Server) why(c echo.Context) error {
	ctx := c.Request().Context()
	ch, err := s.store.FindChallengeByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if s.matching == nil {
		return profiles.ErrNotFound
	}
	kind, _, q, keep := s.suggestQuery(c, ch)
	id := c.QueryParam("id")
	if id == "" {
		return profiles.ErrNotFound
	}
	p := principalOf(c)
	sug, err := s.matching.Explain(ctx, p, q, id)
	if errors.Is(err, matcher.ErrNotFound) {
		err = profiles.ErrNotFound
	}
	if err != nil {
		return err
	}
	if sug.Name == "" {
		sug.Name = s.nameOf(c, kind, id)
	}
	one := []matcher.Suggestion{sug}
	s.inWords(c, one)
	sug = one[0]
	d := whyData{Challenge: ch, Kind: kind, Suggestion: sug, Back: "/challenges/" + ch.ID + "?" + keep.Encode(),
		Owner: p.MayEditCity(ch.CityID), Practices: map[string]string{}}
	for _, pm := range sug.Explanation.Practices {
		if pr, err := s.store.FindPracticeByID(ctx, pm.ID); err == nil && p.PracticeVisible(pr) {
			d.Practices[pm.ID] = pr.Title
		}
	}
	return s.render(c, http.StatusOK, "why", "web.why.title", d)
}

// nameOf names a row the index explained without a name.
func (s *Server) nameOf(c echo.Context, kind, id string) string {
	ctx := c.Request().Context()
	switch kind {
	case "experts":
		if x, err := s.store.FindExpertByID(ctx, id); err == nil {
			return x.Name
		}
	case "cities":
		return s.cityName(id)
	default:
		if pr, err := s.store.FindPracticeByID(ctx, id); err == nil && principalOf(c).PracticeVisible(pr) {
			return pr.Title
		}
	}
	return id
}

// askPairing proposes a pairing of the challenge with a partner city, for the
// city that posted it (or the staff).
func (s *Server) askPairing(c echo.Context) error {
	ctx := c.Request().Context()
	ch, err := s.store.FindChallengeByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if !principalOf(c).MayEditCity(ch.CityID) {
		return errForbidden
	}
	pr, err := s.flows.ProposePairing(ctx, ch.ID, workflow.PairingRules{PartnerCityID: c.FormValue("partner_city_id")})
	if err != nil {
		return err
	}
	return redirect(c, "/proposals/"+pr.ID)
}
