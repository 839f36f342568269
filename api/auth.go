package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
)

// Access control. A client authenticates with an API key (Authorization: Bearer
// <key>); each route has a policy saying who may call it. Public profile data
// (cities, practices, challenges, experts, themes and the suggestions made from
// them) is readable without a key unless the service is configured otherwise;
// every write needs a key, and keys of cities and experts reach only what is
// theirs. Contact details are hidden from whoever has no reason to see them.

// keyContextKey is where the authenticated key sits in the echo context.
const keyContextKey = "api_key"

// keyOf returns the key the request authenticated with, or nil.
func keyOf(c echo.Context) *profiles.APIKey {
	k, _ := c.Get(keyContextKey).(*profiles.APIKey)
	return k
}

// policy says who may call a route.
type policy struct {
	// open routes need nothing, ever (health, readiness, the document).
	open bool
	// public routes are readable without a key when public reads are on.
	public bool
	// adminOnly routes are the admin's alone (keys, the audit trail).
	adminOnly bool
	// staff is false for the few routes even the secretariat does not call
	// (none today); admin and secretariat may call every other route.
	// integration says which integration keys may call the route: "" none,
	// "read" any integration key, "read_write" only read-write ones.
	integration string
	// owner decides for a city or an expert key whether the request touches
	// only what is theirs. Nil: such keys may not call the route (unless it is
	// public).
	owner func(s *Server, c echo.Context, k *profiles.APIKey) (bool, error)
	// body decides for a city or an expert key whether the decoded request
	// body is theirs to send (the city of a new practice, the expert of a
	// score). It runs on the value the handler will use, once decoded: the
	// raw body is never read a second time. A route with a body rule must
	// decode through decodeInto (or, for merge patches, run ownBody on the
	// merged value).
	body func(k *profiles.APIKey, v any) bool
}

var (
	openRoute   = policy{open: true}
	publicRead  = policy{public: true, integration: profiles.ScopeRead}
	staffOnly   = policy{}
	adminRoute  = policy{adminOnly: true}
	profileEdit = func(owner func(*Server, echo.Context, *profiles.APIKey) (bool, error)) policy {
		return policy{integration: profiles.ScopeReadWrite, owner: owner}
	}
	// cityEdit is a practice's or a challenge's write: the row (when the path
	// names one) and the body must both be the key's city.
	cityEdit = func(owner func(*Server, echo.Context, *profiles.APIKey) (bool, error)) policy {
		return policy{integration: profiles.ScopeReadWrite, owner: owner, body: bodyOfCity}
	}
)

// policies gives the policy of every route, by method and path as the route
// table writes them. A route missing here is refused to everyone but the admin;
// a test checks that none is missing.
func policies() map[string]policy {
	return map[string]policy{
		"GET /healthz":        openRoute,
		"GET /readyz":         openRoute,
		"GET /openapi.json":   openRoute,
		"GET /metrics":        openRoute,
		"GET /problems/:type": openRoute,

		// The pages of the signed links of an email: the token is the
		// authority (see links.go).
		"GET /links/answer":  openRoute,
		"POST /links/answer": openRoute,
		"GET /links/optout":  openRoute,
		"POST /links/optout": openRoute,

		"GET /v1/themes":               publicRead,
		"GET /v1/themes/:code":         publicRead,
		"GET /v1/themes/:code/compare": publicRead,

		"GET /v1/cities":                     publicRead,
		"GET /v1/cities/:id":                 publicRead,
		"POST /v1/cities":                    profileEdit(nil),
		"PATCH /v1/cities/:id":               profileEdit(ownCity),
		"DELETE /v1/cities/:id":              profileEdit(nil),
		"GET /v1/practices":                  publicRead,
		"GET /v1/practices/:id":              publicRead,
		"POST /v1/practices":                 cityEdit(nil),
		"PATCH /v1/practices/:id":            cityEdit(practiceOfCity),
		"DELETE /v1/practices/:id":           profileEdit(practiceOfCity),
		"GET /v1/challenges":                 publicRead,
		"GET /v1/challenges/:id":             publicRead,
		"POST /v1/challenges":                cityEdit(nil),
		"PATCH /v1/challenges/:id":           cityEdit(challengeOfCity),
		"DELETE /v1/challenges/:id":          profileEdit(challengeOfCity),
		"GET /v1/experts":                    publicRead,
		"GET /v1/experts/:id":                publicRead,
		"POST /v1/experts":                   profileEdit(nil),
		"PATCH /v1/experts/:id":              profileEdit(ownExpert),
		"DELETE /v1/experts/:id":             profileEdit(ownExpert),
		"GET /v1/experts/:id/export":         {owner: ownExpert},
		"POST /v1/experts/:id/erase":         {owner: ownExpert},
		"GET /v1/challenges/:id/suggestions": publicRead,
		"GET /v1/challenges/:id/explain":     publicRead,
		"GET /v1/experts/:id/opportunities":  publicRead,
		"GET /v1/cities/:id/partners":        publicRead,
		"GET /v1/search/practices":           publicRead,

		"POST /v1/challenges/:id/panels":                   staffOnly,
		"POST /v1/challenges/:id/tutoring-teams":           staffOnly,
		"POST /v1/challenges/:id/pairings":                 {owner: pathChallengeOfCity},
		"GET /v1/proposals":                                {integration: profiles.ScopeRead, owner: anyParty},
		"GET /v1/proposals/:id":                            {integration: profiles.ScopeRead, owner: proposalParty},
		"POST /v1/proposals/:id/edits":                     staffOnly,
		"POST /v1/proposals/:id/transitions":               staffOnly,
		"POST /v1/proposals/:id/members/:member_id/answer": {owner: answeringMember},
		"GET /v1/proposals/:id/history":                    {integration: profiles.ScopeRead, owner: proposalParty},
		"POST /v1/proposals/:id/outcomes":                  {owner: outcomeProposal, body: outcomeSide},
		"GET /v1/proposals/:id/outcomes":                   {integration: profiles.ScopeRead, owner: proposalParty},
		"POST /v1/review-rounds":                           staffOnly,
		"GET /v1/review-rounds":                            {integration: profiles.ScopeRead},
		"GET /v1/review-rounds/:id":                        {integration: profiles.ScopeRead},
		"POST /v1/review-rounds/:id/scores":                {body: scoringMember},
		"GET /v1/review-rounds/:id/benchmark":              {integration: profiles.ScopeRead},

		"POST /v1/imports":      {integration: profiles.ScopeReadWrite},
		"GET /v1/imports/:id":   {integration: profiles.ScopeReadWrite},
		"GET /v1/exports/:kind": {integration: profiles.ScopeRead},

		"POST /v1/keys":       adminRoute,
		"GET /v1/keys":        adminRoute,
		"DELETE /v1/keys/:id": adminRoute,
		"GET /v1/audit":       adminRoute,

		// The people who sign in: the staff's; package people decides
		// further who may disable whom.
		"GET /v1/users":              staffOnly,
		"POST /v1/users":             staffOnly,
		"GET /v1/users/:id":          staffOnly,
		"POST /v1/users/:id/disable": staffOnly,
		"POST /v1/users/:id/enable":  staffOnly,

		// Webhooks: the staff's and integrations' (an integration key
		// reaches its own subscriptions only: notify takes the owner).
		"POST /v1/webhooks":               {integration: profiles.ScopeReadWrite},
		"GET /v1/webhooks":                {integration: profiles.ScopeRead},
		"GET /v1/webhooks/:id":            {integration: profiles.ScopeRead},
		"DELETE /v1/webhooks/:id":         {integration: profiles.ScopeReadWrite},
		"POST /v1/webhooks/:id/ping":      {integration: profiles.ScopeReadWrite},
		"GET /v1/webhooks/:id/deliveries": {integration: profiles.ScopeRead},
		"GET /v1/messages":                staffOnly,
		"POST /v1/messages/:id/retry":     staffOnly,
	}
}

// authenticate reads the API key of a request and checks the route's policy.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// An ID in the path with control characters or bytes that are not
		// UTF-8 names nothing: the databases would drop or refuse those
		// bytes and could reach another row.
		for _, v := range c.ParamValues() {
			if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
				return newProblem(http.StatusNotFound, say("no such resource"))
			}
		}
		p, ok := s.policies[policyKey(c)]
		if !ok {
			if c.Path() == "" || strings.HasSuffix(c.Path(), "/*") {
				return next(c) // no route: the router answers 404 or 405
			}
			p = adminRoute
		}
		if p.open {
			return next(c)
		}
		if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
			scheme, secret, _ := strings.Cut(strings.TrimSpace(h), " ")
			secret = strings.TrimSpace(secret)
			if !strings.EqualFold(scheme, "Bearer") || secret == "" {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="matchmaker"`)
				return unauthorized("send the API key as Authorization: Bearer <key>")
			}
			k, err := s.store.KeyBySecret(c.Request().Context(), secret)
			if errors.Is(err, profiles.ErrNotFound) {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="matchmaker", error="invalid_token"`)
				return unauthorized("the API key is unknown or revoked")
			}
			if err != nil {
				return err
			}
			c.Set(keyContextKey, &k)
		}
		if err := s.authorize(c, p); err != nil {
			var pr *Problem
			if errors.As(err, &pr) && pr.Status == http.StatusUnauthorized {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="matchmaker"`)
			}
			return err
		}
		return next(c)
	}
}

func unauthorized(format string, args ...any) *Problem {
	return newProblem(http.StatusUnauthorized, say(format, args...))
}

// policyKey names the policy of the request's route. HEAD is GET without the
// body, so it has GET's policy: whoever may not read the resource may not learn
// from its headers (status, ETag, length) either.
func policyKey(c echo.Context) string {
	m := c.Request().Method
	if m == http.MethodHead {
		m = http.MethodGet
	}
	return m + " " + c.Path()
}

// isOpen reports whether the request's route needs nothing, ever.
func (s *Server) isOpen(c echo.Context) bool {
	p, ok := s.policies[policyKey(c)]
	return ok && p.open
}

func forbidden(format string, args ...any) *Problem {
	return newProblem(http.StatusForbidden, say(format, args...))
}

// authorize applies a policy to the request's key.
func (s *Server) authorize(c echo.Context, p policy) error {
	if p.open {
		return nil
	}
	k := keyOf(c)
	if k == nil {
		if p.public && s.publicReads {
			return nil
		}
		return unauthorized("this request needs an API key: send Authorization: Bearer <key>")
	}
	switch k.Role {
	case profiles.RoleAdmin:
		return nil
	case profiles.RoleSecretariat:
		if p.adminOnly {
			return forbidden("only an admin key may do this")
		}
		return nil
	case profiles.RoleIntegration:
		if p.public || p.integration == profiles.ScopeRead || (p.integration == profiles.ScopeReadWrite && k.Scope == profiles.ScopeReadWrite) {
			return nil
		}
		if p.integration == profiles.ScopeReadWrite {
			return forbidden("this integration key may only read")
		}
		return forbidden("integration keys may not do this")
	case profiles.RoleCity, profiles.RoleExpert:
		if p.public {
			return nil
		}
		if p.owner == nil && p.body == nil {
			return forbidden("a %s key may not do this: it is the secretariat's", k.Role)
		}
		if p.owner != nil {
			ok, err := p.owner(s, c, k)
			if err != nil {
				return err
			}
			if !ok {
				return notYours(k)
			}
		}
		if p.body != nil {
			c.Set(bodyRuleKey, p.body)
		}
		return nil
	}
	return forbidden("this key's role may not do this")
}

// notYours refuses a city or an expert key a request that reaches beyond what
// is theirs.
func notYours(k *profiles.APIKey) *Problem {
	if k.Role == profiles.RoleCity {
		return forbidden("a city key reaches only its own city, practices, challenges and proposals")
	}
	return forbidden("an expert key reaches only its own profile, invitations and scores")
}

// bodyRuleKey is where authorize leaves the route's body rule for ownBody.
const bodyRuleKey = "body_rule"

// ownBody applies the route's body rule, if any, to the decoded body v (a
// pointer to what the handler decoded). Every decoding of a write's body ends
// here, so no ownership decision reads the raw body.
func ownBody(c echo.Context, v any) error {
	rule, _ := c.Get(bodyRuleKey).(func(*profiles.APIKey, any) bool)
	if rule == nil {
		return nil
	}
	k := keyOf(c)
	if k == nil || !rule(k, v) {
		return notYours(k)
	}
	return nil
}

// peekBody reads the request body and puts it back for the handler.
func peekBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, echo.ErrStatusRequestEntityTooLarge
		}
		return nil, badRequest(say("could not read the request body"))
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// The ownership rules below adapt the route table to the rules of
// profiles.Principal, which the pages apply too: one policy for every door.

func ownCity(_ *Server, c echo.Context, k *profiles.APIKey) (bool, error) {
	return k.Principal().OwnsCity(c.Param("id")), nil
}

func ownExpert(_ *Server, c echo.Context, k *profiles.APIKey) (bool, error) {
	return k.Principal().OwnsExpert(c.Param("id")), nil
}

// bodyOfCity lets a city key send a practice or a challenge of its own city
// only: the decoded body's city_id must be the key's (on a merge patch, both the
// stored row's and the merged one's).
func bodyOfCity(k *profiles.APIKey, v any) bool {
	switch v := v.(type) {
	case *profiles.PracticeInput:
		return k.Principal().OwnsCity(v.CityID)
	case *profiles.ChallengeInput:
		return k.Principal().OwnsCity(v.CityID)
	}
	return false
}

func practiceOfCity(s *Server, c echo.Context, k *profiles.APIKey) (bool, error) {
	if k.Role != profiles.RoleCity {
		return false, nil
	}
	p, err := s.store.FindPracticeByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return false, err
	}
	return k.Principal().OwnsCity(p.CityID), nil
}

func challengeOfCity(s *Server, c echo.Context, k *profiles.APIKey) (bool, error) {
	if k.Role != profiles.RoleCity {
		return false, nil
	}
	ch, err := s.store.FindChallengeByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return false, err
	}
	return k.Principal().OwnsCity(ch.CityID), nil
}

// pathChallengeOfCity lets a city ask a pairing for its own challenge.
func pathChallengeOfCity(s *Server, c echo.Context, k *profiles.APIKey) (bool, error) {
	return challengeOfCity(s, c, k)
}

// anyParty lets city and expert keys list proposals: the handler keeps theirs.
func anyParty(*Server, echo.Context, *profiles.APIKey) (bool, error) { return true, nil }

func proposalParty(s *Server, c echo.Context, k *profiles.APIKey) (bool, error) {
	p, err := s.store.FindProposalByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return false, err
	}
	return k.Principal().PartyTo(p), nil
}

// answeringMember lets an invitee answer for themself: an expert for their seat,
// a city for its seat as a partner.
func answeringMember(_ *Server, c echo.Context, k *profiles.APIKey) (bool, error) {
	return k.Principal().MayAnswerFor(c.Param("member_id")), nil
}

// outcomeProposal lets the city of a proposal record outcomes on it, and an
// expert try (outcomeSide and the store decide on which side and seat).
func outcomeProposal(s *Server, c echo.Context, k *profiles.APIKey) (bool, error) {
	if k.Role != profiles.RoleCity {
		return k.Principal().MayRecordOutcomeOn(profiles.Proposal{}), nil
	}
	p, err := s.store.FindProposalByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return false, err
	}
	return k.Principal().MayRecordOutcomeOn(p), nil
}

// outcomeSide lets a city key record the city's outcome, and an expert key
// their own.
func outcomeSide(k *profiles.APIKey, v any) bool {
	o, ok := v.(*outcomeRequest)
	return ok && (k.Role == profiles.RoleCity || k.Role == profiles.RoleExpert) && k.Principal().MayRecordOutcome(o.Side, o.ExpertID)
}

// scoringMember lets a panel member record their own scores.
func scoringMember(k *profiles.APIKey, v any) bool {
	r, ok := v.(*scoreRequest)
	return ok && k.Role == profiles.RoleExpert && k.Principal().MayScoreAs(r.ExpertID)
}

// draftsVisibleTo says whose draft practices the request may see (see
// profiles.Principal.DraftsVisible).
func draftsVisibleTo(c echo.Context) *string { return keyOf(c).Principal().DraftsVisible() }

// draftVisible reports whether the request may see practice p.
func draftVisible(c echo.Context, p profiles.Practice) bool {
	return keyOf(c).Principal().PracticeVisible(p)
}

// counterparts are, for the request's city or expert key, whose contact details
// it may see; cached for the request.
type counterparts struct {
	cities, experts map[string]bool
}

const counterpartsKey = "counterparts"

func (s *Server) counterpartsOf(c echo.Context, k *profiles.APIKey) (counterparts, error) {
	if cp, ok := c.Get(counterpartsKey).(counterparts); ok {
		return cp, nil
	}
	cities, experts, err := s.store.Counterparts(c.Request().Context(), k.CityID, k.ExpertID)
	if err != nil {
		return counterparts{}, err
	}
	cp := counterparts{cities: cities, experts: experts}
	c.Set(counterpartsKey, cp)
	return cp, nil
}

// contactVisible says whether the request may see the contact details of a city
// (kind "city") or an expert: the secretariat and the admin, the person
// themself, and the counterpart of an accepted proposal
// (profiles.Principal.ContactVisible).
func (s *Server) contactVisible(c echo.Context, kind, id string) (bool, error) {
	k := keyOf(c)
	return k.Principal().ContactVisible(kind, id, func() (profiles.Counterparts, error) {
		cp, err := s.counterpartsOf(c, k)
		return profiles.Counterparts{Cities: cp.cities, Experts: cp.experts}, err
	})
}

// redactCities hides the contact details the request may not see.
func (s *Server) redactCities(c echo.Context, cs []profiles.City) error {
	for i := range cs {
		if cs[i].Contact == nil {
			continue
		}
		ok, err := s.contactVisible(c, "city", cs[i].ID)
		if err != nil {
			return err
		}
		if !ok {
			cs[i].Contact = nil
		}
	}
	return nil
}

// redactExperts hides the contact details the request may not see.
func (s *Server) redactExperts(c echo.Context, es []profiles.Expert) error {
	for i := range es {
		if es[i].Contact == nil {
			continue
		}
		ok, err := s.contactVisible(c, "expert", es[i].ID)
		if err != nil {
			return err
		}
		if !ok {
			es[i].Contact = nil
		}
	}
	return nil
}

// withKeyScope narrows a proposal filter to what a city or an expert key may
// list: for a city, the proposals of its challenges and the pairings where it
// is the partner; for an expert, those that were sent to them (a seat of theirs
// invited, accepted or declined), never a panel still being edited.
func withKeyScope(c echo.Context, f *profiles.ProposalFilter) {
	keyOf(c).Principal().ScopeProposals(f)
}

// keyResponse is a new key with its secret, shown once.
type keyResponse struct {
	profiles.APIKey
	Secret string `json:"secret"`
}

func (s *Server) createKey(c echo.Context) error {
	var in profiles.KeyInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	k, secret, err := s.store.CreateKey(c.Request().Context(), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/keys/"+k.ID)
	return c.JSON(http.StatusCreated, keyResponse{APIKey: k, Secret: secret})
}

func (s *Server) listKeys(c echo.Context) error {
	q := newQuery(c, "limit", "cursor")
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.FindKeys(c.Request().Context(), page)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(res))
}

func (s *Server) revokeKey(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	k, err := s.store.RevokeKey(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, k)
}

// exportExpert answers a person's access request: all the service holds on them.
func (s *Server) exportExpert(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	x, err := s.store.ExportExpert(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, x)
}

// erasure is the answer to an erasure: the pseudonym the person's history now
// carries.
type erasure struct {
	Erased    string `json:"erased"`
	Pseudonym string `json:"pseudonym"`
}

func (s *Server) eraseExpert(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	pseudonym, err := s.store.EraseExpert(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, erasure{Erased: c.Param("id"), Pseudonym: pseudonym})
}
