package api_test

import (
	"fmt"
	"testing"
)

// TestIfMatchComparesStrongly holds every route that takes If-Match to RFC 9110,
// section 13.1.1: If-Match uses the strong comparison, so a weak entity-tag never
// matches, even one naming the current version, and the write is refused with 412
// and leaves the resource as it was. "*" and the strong tag keep their meaning.
func TestIfMatchComparesStrongly(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		x.create(t, "p_dakar", "/v1/practices", `{"city_id":"{dakar}","language":"fr","themes":["waste"],"title":"Précollecte","description":"Précollecte des déchets ménagers."}`)
		p := x.act(t, "POST", "/v1/challenges/{c_waste}/panels", `{"size":2}`)
		x.ids["panel"] = p.ID
		first := p.Members[0].ExpertID

		for _, tc := range []struct{ path, patch string }{
			{"/v1/cities/{thies}", `{"population":320001}`},
			{"/v1/practices/{p_dakar}", `{"title":"Précollecte des déchets"}`},
			{"/v1/challenges/{c_closed}", `{"title":"Ancien défi"}`},
			{"/v1/experts/{e_english}", `{"capacity":3}`},
		} {
			weak := []string{"If-Match", `W/"1"`}
			x.run(t, []scenario{
				{name: "PATCH " + tc.path + " with a weak tag of the current version", method: "PATCH", path: tc.path, body: tc.patch, header: weak, status: 412},
				{name: "PATCH " + tc.path + " with weak tags only", method: "PATCH", path: tc.path, body: tc.patch, header: []string{"If-Match", `W/"1", W/"2"`}, status: 412},
				{name: "DELETE " + tc.path + " with a weak tag of the current version", method: "DELETE", path: tc.path, header: weak, status: 412},
				{name: "nothing changed", method: "GET", path: tc.path, status: 200, contains: []string{`"version":1`}},
				{name: "PATCH " + tc.path + " with a weak and the strong tag", method: "PATCH", path: tc.path, body: tc.patch, header: []string{"If-Match", `W/"1", "1"`}, status: 200, contains: []string{`"version":2`}},
				{name: "PATCH " + tc.path + " with *", method: "PATCH", path: tc.path, body: tc.patch, header: []string{"If-Match", `*`}, status: 200, contains: []string{`"version":2`}},
				{name: "PATCH " + tc.path + " with a malformed tag", method: "PATCH", path: tc.path, body: tc.patch, header: []string{"If-Match", `W/2`}, status: 400},
			})
		}
		x.run(t, []scenario{
			{name: "DELETE with a weak tag of the current version", method: "DELETE", path: "/v1/cities/{thies}", header: []string{"If-Match", `W/"2"`}, status: 412},
			{name: "DELETE with the strong tag", method: "DELETE", path: "/v1/cities/{thies}?cascade=true", header: []string{"If-Match", `"2"`}, status: 204},
		})

		v := fmt.Sprint(p.Version)
		weak := []string{"If-Match", `W/"` + v + `"`}
		x.run(t, []scenario{
			{name: "edit with a weak tag", method: "POST", path: "/v1/proposals/{panel}/edits", header: weak,
				body: fmt.Sprintf(`{"op":"pin","expert_id":%q}`, first), status: 412},
			{name: "transition with a weak tag", method: "POST", path: "/v1/proposals/{panel}/transitions", header: weak,
				body: `{"to":"invited"}`, status: 412},
			{name: "the proposal did not move", method: "GET", path: "/v1/proposals/{panel}", status: 200, contains: []string{`"version":` + v, `"status":"proposed"`}},
			{name: "transition with the strong tag", method: "POST", path: "/v1/proposals/{panel}/transitions", header: []string{"If-Match", `"` + v + `"`},
				body: `{"to":"invited"}`, status: 200, contains: []string{`"status":"invited"`}},
		})
		cur := x.do(t, "GET", "/v1/proposals/{panel}", "")
		x.run(t, []scenario{
			{name: "answer with a weak tag", method: "POST", path: "/v1/proposals/{panel}/members/" + first + "/answer",
				header: []string{"If-Match", "W/" + cur.Header.Get("ETag")}, body: `{"answer":"accept"}`, status: 412},
			{name: "answer with the strong tag", method: "POST", path: "/v1/proposals/{panel}/members/" + first + "/answer",
				header: []string{"If-Match", cur.Header.Get("ETag")}, body: `{"answer":"accept"}`, status: 200},
		})
	})
}
