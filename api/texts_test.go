package api_test

import (
	"encoding/json"
	"testing"

	"matchmaker/api"
)

// TestTextsThatShowNothing: required names and titles that show nothing are
// refused (422, naming the field) through POST and PATCH alike; escaped lone
// surrogates, which the decoder would store as U+FFFD, are refused as bytes
// that are not UTF-8 are (400, naming the field).
func TestTextsThatShowNothing(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "lyon", "/v1/cities", `{"name":"Lyon","country":"FR","region":"europe","languages":["fr"]}`)
		city := func(name string) string {
			return `{"name":"` + name + `","country":"FR","region":"europe","languages":["fr"]}`
		}
		x.run(t, []scenario{
			{name: "zero width space", method: "POST", path: "/v1/cities", body: city(`\u200b`), status: 422, fields: []string{"name"}},
			{name: "byte order mark", method: "POST", path: "/v1/cities", body: city(`\ufeff`), status: 422, fields: []string{"name"}},
			{name: "bidi controls, raw", method: "POST", path: "/v1/cities", body: city("\u202a\u202e\u2066\u2069\u200e\u200f"), status: 422, fields: []string{"name"}},
			{name: "soft hyphen and spaces", method: "POST", path: "/v1/cities", body: city(`\u00ad \u3000`), status: 422, fields: []string{"name"}},
			{name: "practice title and description", method: "POST", path: "/v1/practices",
				body: `{"city_id":"{lyon}","title":"\u200b","description":"\u2060\u200d","language":"fr"}`, status: 422, fields: []string{"title", "description"}},
			{name: "patch to an invisible name", method: "PATCH", path: "/v1/cities/{lyon}", body: `{"name":"\u200b\u200c"}`, status: 422, fields: []string{"name"}},
			{name: "a visible name among invisible characters", method: "POST", path: "/v1/cities", body: city(`\u200bQuito`), status: 201},

			{name: "lone high surrogate", method: "POST", path: "/v1/cities", body: city(`\ud800`), status: 400, fields: []string{"name"}, contains: []string{"surrogate"}},
			{name: "lone low surrogate inside a word", method: "POST", path: "/v1/cities", body: city(`Li\uDC00ma`), status: 400, fields: []string{"name"}},
			{name: "high surrogate then a letter", method: "POST", path: "/v1/cities", body: city(`\ud83dx`), status: 400, fields: []string{"name"}},
			{name: "two high surrogates", method: "POST", path: "/v1/cities", body: city(`\ud83d\ud83d`), status: 400, fields: []string{"name"}},
			{name: "nested field named", method: "POST", path: "/v1/cities",
				body: `{"name":"Lima","country":"PE","region":"latin_america","languages":["es"],"contact":{"name":"\ud800"}}`, status: 400, fields: []string{"contact.name"}},
			{name: "in a patch", method: "PATCH", path: "/v1/cities/{lyon}", body: `{"name":"\udfff"}`, status: 400, fields: []string{"name"}},
			{name: "a pair is one character", method: "POST", path: "/v1/cities", body: city(`Lima \ud83d\ude00`), status: 201, contains: []string{"Lima 😀"}},
			{name: "an escaped backslash is no escape", method: "POST", path: "/v1/cities", body: city(`Lima \\ud800`), status: 201, contains: []string{`Lima \\ud800`}},
			{name: "Lyon is as it was", method: "GET", path: "/v1/cities/{lyon}", status: 200, contains: []string{`"name":"Lyon"`, `"version":1`}},
		})
	})
}

// TestPatchNumbersAsPost: a merge patch keeps numbers exact, so that PATCH
// refuses exactly what POST refuses, with the same problem.
func TestPatchNumbersAsPost(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "lyon", "/v1/cities", `{"name":"Lyon","country":"FR","region":"europe","languages":["fr"]}`)
		x.create(t, "ana", "/v1/experts", `{"name":"Ana","role":"mayor","country":"FR","languages":["fr"],"capacity":2}`)
		for _, tc := range []struct{ name, post, patchPath, field, value string }{
			{"capacity that underflows", "/v1/experts", "/v1/experts/{ana}", "capacity", `1e-400`},
			{"capacity almost one", "/v1/experts", "/v1/experts/{ana}", "capacity", `1.0000000000000000000001`},
			{"capacity with a fraction", "/v1/experts", "/v1/experts/{ana}", "capacity", `1.5`},
			{"capacity as a float", "/v1/experts", "/v1/experts/{ana}", "capacity", `2.0`},
			{"capacity over int", "/v1/experts", "/v1/experts/{ana}", "capacity", `1e400`},
			{"population as a float", "/v1/cities", "/v1/cities/{lyon}", "population", `522000.0`},
			{"population in exponent form", "/v1/cities", "/v1/cities/{lyon}", "population", `5.22e5`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				post := `{"name":"Ana","role":"mayor","country":"FR","languages":["fr"],"capacity":` + tc.value + `}`
				if tc.post == "/v1/cities" {
					post = `{"name":"Lyon","country":"FR","region":"europe","languages":["fr"],"population":` + tc.value + `}`
				}
				p := x.do(t, "POST", tc.post, post)
				q := x.do(t, "PATCH", tc.patchPath, `{"`+tc.field+`":`+tc.value+`}`)
				if p.Status != 400 || q.Status != p.Status {
					t.Fatalf("POST answered %d, PATCH %d, want 400 for both:\n%s\n%s", p.Status, q.Status, p.Body, q.Body)
				}
				var pp, qp api.Problem
				json.Unmarshal(p.Body, &pp)
				json.Unmarshal(q.Body, &qp)
				if pp.Detail != qp.Detail || len(pp.Errors) != 1 || len(qp.Errors) != 1 || pp.Errors[0].Message != qp.Errors[0].Message || pp.Errors[0].Code != qp.Errors[0].Code || pp.Errors[0].Field != tc.field {
					t.Fatalf("POST and PATCH differ:\n%s\n%s", p.Body, q.Body)
				}
			})
		}
		x.run(t, []scenario{
			{name: "the expert is as it was", method: "GET", path: "/v1/experts/{ana}", status: 200, contains: []string{`"capacity":2`, `"version":1`}},
			{name: "an exact number still patches", method: "PATCH", path: "/v1/experts/{ana}", body: `{"capacity":3}`, status: 200, contains: []string{`"capacity":3`}},
			{name: "a large population stays exact", method: "PATCH", path: "/v1/cities/{lyon}", body: `{"population":199999999}`, status: 200, contains: []string{`"population":199999999`}},
			{name: "a coordinate patches", method: "PATCH", path: "/v1/cities/{lyon}", body: `{"latitude":45.764043,"longitude":4.835659}`, status: 200, contains: []string{`"latitude":45.764043`}},
		})
	})
}

// TestDeclineReasonMustShow: a decline must say why, in visible characters.
func TestDeclineReasonMustShow(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		p := x.act(t, "POST", "/v1/challenges/{c_waste}/panels", `{"size":2}`)
		x.ids["panel"] = p.ID
		x.act(t, "POST", "/v1/proposals/{panel}/transitions", `{"to":"invited"}`)
		answer := "/v1/proposals/{panel}/members/" + p.Members[0].ExpertID + "/answer"
		x.run(t, []scenario{
			{name: "a reason that shows nothing", method: "POST", path: answer, body: `{"answer":"decline","reason":"\u200b\u2066"}`, status: 422, fields: []string{"reason"}},
			{name: "a reason", method: "POST", path: answer, body: `{"answer":"decline","reason":"on leave"}`, status: 200},
		})
	})
}
