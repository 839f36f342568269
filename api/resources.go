package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
)

// resource describes one kind of profile to the generic CRUD handlers: the same
// five routes behave the same way for cities, practices, challenges and experts.
type resource[T, In any] struct {
	// create stores a new row known by the external reference ref ("" for
	// none).
	create func(ctx context.Context, in In, ref string) (T, error)
	find   func(context.Context, string) (T, error)
	list   func(c echo.Context) (profiles.ListResult[T], error)
	// update applies apply to the stored row's fields and external
	// reference inside the transaction that writes them.
	update func(ctx context.Context, id string, ifVersion int64, apply func(In, string) (In, string, error)) (T, error)
	// body is the wire type of a create's or a patch's body: the kind's
	// writable fields (in) and the row's external_ref (ref), side by side.
	body func(in *In, ref *refField) any
	// delete removes the row, only at ifVersion when it is not 0: the
	// version is checked by the store's DELETE itself.
	delete func(c echo.Context, id string, ifVersion int64) error
	meta   func(T) profiles.Meta
	// redact, when set, hides what the request may not see of the rows it
	// answers with (contact details).
	redact func(c echo.Context, rows []T) error
}

// refField is the external_ref of a create's or a patch's body. The store
// keeps it beside a row's fields, not among them.
type refField struct {
	ExternalRef *string `json:"external_ref,omitempty"`
}

// decodeBody decodes a create's or a patch's body into r.body(in, ref),
// strictly, naming the bad fields as the kind's own: the decoder names a field
// of an embedded struct by that struct's Go type (CityInput.population).
func (r resource[T, In]) decodeBody(decode func(v any) error, in *In, ref *refField) error {
	err := decode(r.body(in, ref))
	var p *Problem
	if errors.As(err, &p) {
		prefixes := []string{reflect.TypeFor[In]().Name() + ".", reflect.TypeFor[refField]().Name() + "."}
		for i := range p.Errors {
			for _, pre := range prefixes {
				p.Errors[i].Field = strings.TrimPrefix(p.Errors[i].Field, pre)
			}
		}
	}
	return err
}

// mayChangeRef refuses a change of a row's external reference to the keys
// that are not the network's own (admin, secretariat, integration): a city
// or an expert key that moved or dropped its row's reference would make the
// next import from the network's CRM create a second copy of the row.
func mayChangeRef(c echo.Context) error {
	k := keyOf(c)
	if k == nil {
		return nil // no key: the route's policy refused it already, or keys are off
	}
	switch k.Role {
	case profiles.RoleAdmin, profiles.RoleSecretariat, profiles.RoleIntegration:
		return nil
	}
	return forbidden("only admin, secretariat and integration keys set an external_ref")
}

// shown applies redact to the rows of an answer.
func (r resource[T, In]) shown(c echo.Context, rows []T) error {
	if r.redact == nil {
		return nil
	}
	return r.redact(c, rows)
}

// listResponse is one page of a list.
type listResponse[T any] struct {
	Items      []T     `json:"items"`
	Total      int     `json:"total"`
	NextCursor *string `json:"next_cursor"`
}

// wholeList is the answer of a list that is never paginated, in the envelope of
// every list: all of it, and no next page.
func wholeList[T any](items []T) listResponse[T] {
	return listResponse[T]{Items: orEmpty(items), Total: len(items)}
}

// pageOf is the answer for one page the store found: never a null list, and the
// cursor of the next page when there is one.
func pageOf[T any](res profiles.ListResult[T]) listResponse[T] {
	out := listResponse[T]{Items: orEmpty(res.Items), Total: res.Total}
	if res.Next != "" {
		next := encodeCursor(res.Next)
		out.NextCursor = &next
	}
	return out
}

func crud[T, In any](base string, r resource[T, In]) []Route {
	return []Route{
		{http.MethodPost, base, r.handleCreate(base)},
		{http.MethodGet, base, r.handleList},
		{http.MethodGet, base + "/:id", r.handleGet},
		{http.MethodPatch, base + "/:id", r.handlePatch},
		{http.MethodDelete, base + "/:id", r.handleDelete},
	}
}

func (r resource[T, In]) handleCreate(base string) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := newQuery(c).err(); err != nil {
			return err
		}
		body, err := readJSONBody(c, echo.MIMEApplicationJSON)
		if err != nil {
			return err
		}
		var (
			in In
			rf refField
		)
		if err := r.decodeBody(func(v any) error { return decodeStrict(body, v) }, &in, &rf); err != nil {
			return err
		}
		if err := ownBody(c, &in); err != nil {
			return err
		}
		ref := ""
		if rf.ExternalRef != nil && *rf.ExternalRef != "" {
			if err := mayChangeRef(c); err != nil {
				return err
			}
			ref = *rf.ExternalRef
		}
		out, err := r.create(c.Request().Context(), in, ref)
		if err != nil {
			return err
		}
		m := r.meta(out)
		rows := []T{out}
		if err := r.shown(c, rows); err != nil {
			return err
		}
		out = rows[0]
		c.Response().Header().Set(echo.HeaderLocation, base+"/"+m.ID)
		setETag(c, m)
		return c.JSON(http.StatusCreated, out)
	}
}

func (r resource[T, In]) handleGet(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	out, err := r.find(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	rows := []T{out}
	if err := r.shown(c, rows); err != nil {
		return err
	}
	setETag(c, r.meta(out))
	return c.JSON(http.StatusOK, rows[0])
}

func (r resource[T, In]) handleList(c echo.Context) error {
	res, err := r.list(c)
	if err != nil {
		return err
	}
	if err := r.shown(c, res.Items); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(res))
}

func (r resource[T, In]) handlePatch(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	ifVersion, err := ifMatch(c)
	if err != nil {
		return err
	}
	body, err := readJSONBody(c, "application/merge-patch+json", echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	out, err := r.update(c.Request().Context(), c.Param("id"), ifVersion, func(cur In, curRef string) (In, string, error) {
		// Inside the update's transaction: the row as stored and the row as
		// it will be must both be the key's.
		if err := ownBody(c, &cur); err != nil {
			return cur, curRef, err
		}
		rf := refField{}
		if curRef != "" {
			rf.ExternalRef = &curRef
		}
		var (
			next    In
			nextRef refField
		)
		if err := r.decodeBody(func(v any) error { return applyPatchInto(r.body(&cur, &rf), body, v) }, &next, &nextRef); err != nil {
			return next, curRef, err
		}
		ref := ""
		if nextRef.ExternalRef != nil {
			ref = *nextRef.ExternalRef
		}
		if ref != curRef {
			if err := mayChangeRef(c); err != nil {
				return next, curRef, err
			}
		}
		return next, ref, ownBody(c, &next)
	})
	if err != nil {
		return err
	}
	rows := []T{out}
	if err := r.shown(c, rows); err != nil {
		return err
	}
	setETag(c, r.meta(out))
	return c.JSON(http.StatusOK, rows[0])
}

func (r resource[T, In]) handleDelete(c echo.Context) error {
	ifVersion, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := r.delete(c, c.Param("id"), ifVersion); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// setETag tags a representation with its version, for If-Match on later writes.
func setETag(c echo.Context, m profiles.Meta) {
	c.Response().Header().Set("ETag", `"`+strconv.FormatInt(m.Version, 10)+`"`)
}

// ifMatch reads an optional If-Match header holding an ETag this service issued.
// Without it, or with "*", the write applies to the latest version. If-Match
// compares strongly (RFC 9110, section 13.1.1): a weak entity-tag never matches,
// so a header holding only weak ones fails the precondition (412) whatever the
// version; the service issues strong tags only.
func ifMatch(c echo.Context) (int64, error) {
	h := strings.TrimSpace(strings.Join(c.Request().Header.Values("If-Match"), ","))
	if h == "" || h == "*" {
		return 0, nil
	}
	malformed := badRequest(say("If-Match must be an ETag returned by this service, such as \"3\""))
	var strong []int64
	weak := false
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimSpace(tag)
		isWeak := strings.HasPrefix(tag, "W/")
		tag = strings.TrimPrefix(tag, "W/")
		if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
			return 0, malformed
		}
		v, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64)
		if err != nil || v < 1 {
			return 0, malformed
		}
		if isWeak {
			weak = true
			continue
		}
		strong = append(strong, v)
	}
	switch {
	case len(strong) == 0 && weak:
		return 0, newProblem(http.StatusPreconditionFailed, say("a weak ETag (W/\"...\") never matches If-Match: send the strong ETag this service returned, such as \"3\""))
	case len(strong) != 1:
		return 0, badRequest(say("If-Match must hold one ETag returned by this service, such as \"3\""))
	}
	return strong[0], nil
}

func cityResource(srv *Server) resource[profiles.City, profiles.CityInput] {
	s := srv.store
	return resource[profiles.City, profiles.CityInput]{
		redact: srv.redactCities,
		create: s.CreateCityWithRef,
		find:   s.FindCityByID,
		list: func(c echo.Context) (profiles.ListResult[profiles.City], error) {
			q := newQuery(c, "country", "region", "language", "q", "external_ref", "limit", "cursor")
			f := profiles.CityFilter{Country: q.country("country"), Region: q.enum("region", profiles.Regions),
				Language: q.language("language"), Q: q.str("q"), ExternalRef: q.str("external_ref"), Page: q.page()}
			if err := q.err(); err != nil {
				return profiles.ListResult[profiles.City]{}, err
			}
			return s.FindCities(c.Request().Context(), f)
		},
		update: s.UpdateCityWithRef,
		body: func(in *profiles.CityInput, ref *refField) any {
			return &struct {
				*profiles.CityInput
				*refField
			}{in, ref}
		},
		delete: func(c echo.Context, id string, ifVersion int64) error {
			q := newQuery(c, "cascade")
			cascade := q.boolean("cascade", false)
			if err := q.err(); err != nil {
				return err
			}
			return s.DeleteCity(c.Request().Context(), id, ifVersion, cascade)
		},
		meta: func(v profiles.City) profiles.Meta { return v.Meta },
	}
}

func practiceResource(s *profiles.Store) resource[profiles.Practice, profiles.PracticeInput] {
	return resource[profiles.Practice, profiles.PracticeInput]{
		create: s.CreatePracticeWithRef,
		find:   s.FindPracticeByID,
		list: func(c echo.Context) (profiles.ListResult[profiles.Practice], error) {
			q := newQuery(c, "city_id", "country", "region", "language", "theme", "status", "q", "external_ref", "limit", "cursor")
			f := profiles.PracticeFilter{ExternalRef: q.str("external_ref"), CityID: q.str("city_id"), Country: q.country("country"), Region: q.enum("region", profiles.Regions),
				Language: q.language("language"), Theme: themeParam(q, s), Status: q.enum("status", profiles.PracticeStatuses),
				Q: q.str("q"), DraftsOf: draftsVisibleTo(c), Page: q.page()}
			if err := q.err(); err != nil {
				return profiles.ListResult[profiles.Practice]{}, err
			}
			return s.FindPractices(c.Request().Context(), f)
		},
		update: s.UpdatePracticeWithRef,
		body: func(in *profiles.PracticeInput, ref *refField) any {
			return &struct {
				*profiles.PracticeInput
				*refField
			}{in, ref}
		},
		delete: func(c echo.Context, id string, ifVersion int64) error {
			if err := newQuery(c).err(); err != nil {
				return err
			}
			return s.DeletePractice(c.Request().Context(), id, ifVersion)
		},
		meta: func(v profiles.Practice) profiles.Meta { return v.Meta },
		redact: func(c echo.Context, rows []profiles.Practice) error {
			for _, p := range rows {
				if !draftVisible(c, p) {
					return fmt.Errorf("practice %s: %w", p.ID, profiles.ErrNotFound)
				}
			}
			return nil
		},
	}
}

func challengeResource(s *profiles.Store) resource[profiles.Challenge, profiles.ChallengeInput] {
	return resource[profiles.Challenge, profiles.ChallengeInput]{
		create: s.CreateChallengeWithRef,
		find:   s.FindChallengeByID,
		list: func(c echo.Context) (profiles.ListResult[profiles.Challenge], error) {
			q := newQuery(c, "city_id", "country", "region", "language", "theme", "mode", "status", "q", "external_ref", "limit", "cursor")
			f := profiles.ChallengeFilter{ExternalRef: q.str("external_ref"), CityID: q.str("city_id"), Country: q.country("country"), Region: q.enum("region", profiles.Regions),
				Language: q.language("language"), Theme: themeParam(q, s), Mode: q.enum("mode", profiles.Modes),
				Status: q.enum("status", profiles.ChallengeStatuses), Q: q.str("q"), Page: q.page()}
			if err := q.err(); err != nil {
				return profiles.ListResult[profiles.Challenge]{}, err
			}
			return s.FindChallenges(c.Request().Context(), f)
		},
		update: s.UpdateChallengeWithRef,
		body: func(in *profiles.ChallengeInput, ref *refField) any {
			return &struct {
				*profiles.ChallengeInput
				*refField
			}{in, ref}
		},
		delete: func(c echo.Context, id string, ifVersion int64) error {
			if err := newQuery(c).err(); err != nil {
				return err
			}
			return s.DeleteChallenge(c.Request().Context(), id, ifVersion)
		},
		meta: func(v profiles.Challenge) profiles.Meta { return v.Meta },
	}
}

func expertResource(srv *Server) resource[profiles.Expert, profiles.ExpertInput] {
	s := srv.store
	return resource[profiles.Expert, profiles.ExpertInput]{
		redact: srv.redactExperts,
		create: s.CreateExpertWithRef,
		find:   s.FindExpertByID,
		list: func(c echo.Context) (profiles.ListResult[profiles.Expert], error) {
			q := newQuery(c, "city_id", "country", "region", "language", "theme", "role", "mode", "q", "external_ref", "limit", "cursor")
			f := profiles.ExpertFilter{ExternalRef: q.str("external_ref"), CityID: q.str("city_id"), Country: q.country("country"), Region: q.enum("region", profiles.Regions),
				Language: q.language("language"), Theme: themeParam(q, s), Role: q.enum("role", profiles.Roles),
				Mode: q.enum("mode", profiles.Modes), Q: q.str("q"), Page: q.page()}
			if err := q.err(); err != nil {
				return profiles.ListResult[profiles.Expert]{}, err
			}
			return s.FindExperts(c.Request().Context(), f)
		},
		update: s.UpdateExpertWithRef,
		body: func(in *profiles.ExpertInput, ref *refField) any {
			return &struct {
				*profiles.ExpertInput
				*refField
			}{in, ref}
		},
		delete: func(c echo.Context, id string, ifVersion int64) error {
			if err := newQuery(c).err(); err != nil {
				return err
			}
			return s.DeleteExpert(c.Request().Context(), id, ifVersion)
		},
		meta: func(v profiles.Expert) profiles.Meta { return v.Meta },
	}
}

// themeParam reads a theme code filter, which must name a theme of the taxonomy.
func themeParam(q *query, s *profiles.Store) string {
	return strings.ToLower(q.check("theme", func(code string) bool { return s.Taxonomy().Has(strings.ToLower(code)) }, "%q: not a theme code: see GET /v1/themes"))
}
