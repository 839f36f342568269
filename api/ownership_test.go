package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"matchmaker/profiles"
)

// TestOwnershipFieldsDecodedOnce feeds every write route whose ownership rule
// reads a body field (a practice's or challenge's city_id, an outcome's side
// and expert_id, a score's expert_id) the key's own value together with
// another owner's value under a case variant of the field's name or under the
// same name twice. encoding/json matches names ignoring case (ſ folds to s) and
// keeps the last duplicate, so each of these once reached another owner's
// data. Each must now be a 400 naming the field, and write nothing.
func TestOwnershipFieldsDecodedOnce(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		p := x.act(t, "POST", "/v1/challenges/{c_waste}/panels", `{"size":2,"pinned":["{e_mayor}"]}`)
		x.ids["panel"] = p.ID
		x.create(t, "p_dakar", "/v1/practices", `{"city_id":"{dakar}","language":"fr","themes":["waste"],"title":"Précollecte","description":"Précollecte des déchets ménagers."}`)
		x.create(t, "c_dakar", "/v1/challenges", `{"city_id":"{dakar}","language":"fr","themes":["waste"],"title":"Tri","description":"Tri des déchets ménagers."}`)
		r := x.do(t, "POST", "/v1/review-rounds", `{"name":"r","challenges":[{"challenge_id":"{c_other}","size":2}]}`)
		x.ids["round"] = r.json(t)["id"].(string)
		x.waitRound(t, x.ids["round"])
		city := x.keyFor(t, profiles.KeyInput{Name: "Dakar", Role: profiles.RoleCity, CityID: x.ids["dakar"]})
		expert := x.keyFor(t, profiles.KeyInput{Name: "mayor", Role: profiles.RoleExpert, ExpertID: x.ids["e_mayor"]})

		type route struct {
			name, method, path, key string
			// body holds %s where the ownership fields go; rest are the
			// other fields of a request that would otherwise be accepted.
			body              string
			field, own, other string
		}
		const practice = `"language":"fr","themes":["waste"],"title":"Compostage","description":"Compostage des déchets verts."`
		routes := []route{
			{"create a practice", "POST", "/v1/practices", city, `{%s,` + practice + `}`, "city_id", "{dakar}", "{lyon}"},
			{"create a challenge", "POST", "/v1/challenges", city, `{%s,` + practice + `}`, "city_id", "{dakar}", "{lyon}"},
			{"patch a practice", "PATCH", "/v1/practices/{p_dakar}", city, `{%s}`, "city_id", "{dakar}", "{lyon}"},
			{"patch a challenge", "PATCH", "/v1/challenges/{c_dakar}", city, `{%s}`, "city_id", "{dakar}", "{lyon}"},
			{"record an outcome as another expert", "POST", "/v1/proposals/{panel}/outcomes", expert,
				`{"side":"expert",%s,"applied":"a","lessons_learned":"l","rating":4}`, "expert_id", "{e_mayor}", "{e_english}"},
			{"record an outcome as the city", "POST", "/v1/proposals/{panel}/outcomes", expert,
				`{%s,"expert_id":"{e_mayor}","applied":"a","lessons_learned":"l","rating":4}`, "side", "expert", "city"},
			{"score as another panel member", "POST", "/v1/review-rounds/{round}/scores", expert,
				`{"challenge_id":"{c_other}",%s,"scores":[{"criterion":"clarity","value":3}]}`, "expert_id", "{e_mayor}", "{e_english}"},
		}
		variants := func(field string) []string {
			out := []string{strings.ToUpper(field), strings.ToUpper(field[:1]) + field[1:]}
			if strings.Contains(field, "s") {
				out = append(out, strings.Replace(field, "s", "ſ", 1)) // folds to s
			}
			if strings.Contains(field, "k") {
				out = append(out, strings.Replace(field, "k", "\u212a", 1)) // Kelvin sign folds to k
			}
			return out
		}
		before := x.do(t, "GET", "/v1/practices?city_id={lyon}", "").json(t)["total"]
		for _, rt := range routes {
			pair := func(a, av, b, bv string) string {
				return fmt.Sprintf(rt.body, fmt.Sprintf(`"%s":"%s","%s":"%s"`, a, av, b, bv))
			}
			cases := []struct{ name, body, named string }{
				{"the same field twice", pair(rt.field, rt.own, rt.field, rt.other), rt.field},
				{"the same field twice, other first", pair(rt.field, rt.other, rt.field, rt.own), rt.field},
			}
			for _, v := range variants(rt.field) {
				cases = append(cases,
					struct{ name, body, named string }{"own then " + v, pair(rt.field, rt.own, v, rt.other), v},
					struct{ name, body, named string }{v + " then own", pair(v, rt.other, rt.field, rt.own), rt.field},
					struct{ name, body, named string }{v + " alone", fmt.Sprintf(rt.body, fmt.Sprintf(`"%s":"%s"`, v, rt.other)), v},
				)
			}
			for _, tc := range cases {
				t.Run(rt.name+"/"+tc.name, func(t *testing.T) {
					res := x.do(t, rt.method, rt.path, tc.body, "Authorization", "Bearer "+rt.key)
					if res.Status != 400 {
						t.Fatalf("status %d, want 400: %s", res.Status, res.Body)
					}
					if fields := problemFields(t, res); !slices.Contains(fields, tc.named) {
						t.Fatalf("problem names %v, want %q among them: %s", fields, tc.named, res.Body)
					}
				})
			}
			t.Run(rt.name+"/another owner's value, decoded", func(t *testing.T) {
				body := fmt.Sprintf(rt.body, fmt.Sprintf(`"%s":"%s"`, rt.field, rt.other))
				if res := x.do(t, rt.method, rt.path, body, "Authorization", "Bearer "+rt.key); res.Status != 403 {
					t.Fatalf("status %d, want 403: %s", res.Status, res.Body)
				}
			})
		}
		if after := x.do(t, "GET", "/v1/practices?city_id={lyon}", "").json(t)["total"]; after != before {
			t.Fatalf("the other city's practices went from %v to %v", before, after)
		}
		for _, path := range []string{"/v1/proposals/{panel}/outcomes", "/v1/review-rounds/{round}/benchmark"} {
			if body := string(x.do(t, "GET", path, "").Body); strings.Contains(body, x.ids["e_english"]) {
				t.Fatalf("%s holds a write made in another expert's name: %s", path, body)
			}
		}
	})
}

func problemFields(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	errs, _ := r.json(t)["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			out = append(out, fmt.Sprint(m["field"]))
		}
	}
	return out
}
