package api_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// The hostile-input tests send what a careless or malicious client might, on
// SQLite and on PostgreSQL alike. Text is either stored and returned exactly
// as sent, or refused with a problem that names the field; never a 500.
//
// The decisions they hold the API to:
//   - A body that is not UTF-8 is a 400 naming the field with the bad bytes:
//     the decoder would otherwise store U+FFFD in their place, a text the
//     client never sent. A lone surrogate escape ("\ud800") is valid JSON
//     syntax but no character, and would decode to U+FFFD too: it is a 400
//     naming the field as well.
//   - NUL and other control characters are a 422 naming the field, except
//     tab, CR and LF in long texts. bun drops NUL bytes as it quotes a value
//     into SQL, so letting one through would store a text other than the one
//     answered.
//   - A key given twice, or in two cases, is a 400 naming it (see
//     TestOwnershipFieldsDecodedOnce): encoding/json would keep the last one
//     and match keys ignoring case.
//   - Names are kept in the normalisation form they were sent in; search
//     finds them in either form.
//   - Query values with control characters or bytes that are not UTF-8 are a
//     400 naming the parameter; % and _ in q match themselves.

// deepJSON is n levels of nested arrays.
func deepJSON(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

func TestHostileInputRejectedAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "mvd", "/v1/cities", montevideo)
		x.create(t, "ana", "/v1/experts", `{"name":"Ana","role":"mayor","country":"UY","city_id":"{mvd}","languages":["es"]}`)
		const city = `"country":"UY","region":"latin_america","languages":["es"]`
		const practice = `"city_id":"{mvd}","description":"d","language":"es"`
		x.run(t, []scenario{
			// Bytes that are not UTF-8.
			{name: "invalid UTF-8 in a name", method: "POST", path: "/v1/cities", body: "{\"name\":\"Mont\xffvideo\"," + city + "}",
				status: 400, fields: []string{"name"}, contains: []string{"UTF-8"}},
			{name: "invalid UTF-8 deep in a body", method: "POST", path: "/v1/experts",
				body:   "{\"name\":\"Ana\",\"role\":\"mayor\",\"country\":\"UY\",\"languages\":[\"es\"],\"track_record\":[{\"title\":\"ok\"},{\"title\":\"\xc3(\"}]}",
				status: 400, fields: []string{"track_record[1].title"}},
			{name: "invalid UTF-8 in a nested object", method: "POST", path: "/v1/cities", body: "{\"name\":\"M\"," + city + ",\"contact\":{\"name\":\"\xed\xa0\x80\"}}",
				status: 400, fields: []string{"contact.name"}},
			{name: "invalid UTF-8 in a merge patch", method: "PATCH", path: "/v1/cities/{mvd}", body: "{\"name\":\"\xfe\"}", status: 400, fields: []string{"name"}},

			// Control characters.
			{name: "NUL in a title", method: "POST", path: "/v1/practices", body: `{"title":"Tri\u0000",` + practice + `}`, status: 422, fields: []string{"title"}},
			{name: "NUL in a long text", method: "POST", path: "/v1/practices", body: `{"title":"t","city_id":"{mvd}","description":"a\u0000b","language":"es"}`,
				status: 422, fields: []string{"description"}},
			{name: "bell in a name", method: "POST", path: "/v1/cities", body: `{"name":"Ding\u0007",` + city + `}`, status: 422, fields: []string{"name"},
				contains: []string{"control characters"}},
			{name: "escape in a bio", method: "PATCH", path: "/v1/experts/{ana}", body: `{"bio":"\u001b[31mred"}`, status: 422, fields: []string{"bio"}},
			{name: "C1 control in a skill", method: "PATCH", path: "/v1/experts/{ana}", body: `{"skills":["gis\u009b"]}`, status: 422, fields: []string{"skills[0]"}},
			{name: "NUL in a reference", method: "POST", path: "/v1/practices", body: `{"title":"t","description":"d","language":"es","city_id":"\u0000{mvd}"}`,
				status: 422, fields: []string{"city_id"}},
			{name: "NUL after a reference", method: "PATCH", path: "/v1/experts/{ana}", body: `{"city_id":"{mvd}\u0000"}`, status: 422, fields: []string{"city_id"}},
			{name: "NUL in a patched name", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"name":"\u0000"}`, status: 422, fields: []string{"name"}},

			// Shapes and sizes.
			{name: "10,000 levels of nesting", method: "POST", path: "/v1/cities", body: `{"name":"N",` + city + `,"population":` + deepJSON(10000) + `}`,
				status: 400, contains: []string{"depth"}},
			{name: "10,000 levels of nesting in a patch", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"contact":` + deepJSON(10000) + `}`, status: 400},
			{name: "nesting within the decoder's limit, in the wrong place", method: "POST", path: "/v1/cities", body: `{"name":"N",` + city + `,"population":` + deepJSON(5000) + `}`,
				status: 400, fields: []string{"population"}},
			{name: "a body over 1 MiB", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, status: 413},
			{name: "many items under 1 MiB", method: "POST", path: "/v1/cities", body: `{"name":"N",` + strings.TrimSuffix(city, `["es"]`) + `[` + strings.Repeat(`"es",`, 150_000) + `"es"]}`,
				status: 422, fields: []string{"languages"}},
			{name: "a huge number", method: "POST", path: "/v1/cities", body: `{"name":"N",` + city + `,"population":1e400}`, status: 400, fields: []string{"population"},
				contains: []string{"out of range"}},
			{name: "a huge float", method: "POST", path: "/v1/cities", body: `{"name":"N",` + city + `,"latitude":-1e400,"longitude":0}`, status: 400, fields: []string{"latitude"}},
			{name: "a huge integer", method: "POST", path: "/v1/cities", body: `{"name":"N",` + city + `,"population":123456789012345678901234567890}`, status: 400, fields: []string{"population"}},
			{name: "a fraction for a count", method: "PATCH", path: "/v1/experts/{ana}", body: `{"capacity":1.5}`, status: 400, fields: []string{"capacity"}},
			{name: "a field without a name", method: "POST", path: "/v1/cities", body: `{"":1}`, status: 400, fields: []string{"(unnamed)"}},

			// Query parameters.
			{name: "NUL in q", method: "GET", path: "/v1/cities?q=%00", status: 400, fields: []string{"q"}},
			{name: "invalid UTF-8 in q", method: "GET", path: "/v1/experts?q=%FF", status: 400, fields: []string{"q"}},
			{name: "control character in a reference", method: "GET", path: "/v1/practices?city_id=%07{mvd}", status: 400, fields: []string{"city_id"}},
			{name: "a cursor hiding a NUL", method: "GET", path: "/v1/cities?cursor=YzE6AA", status: 400, fields: []string{"cursor"}},
			{name: "a very long limit", method: "GET", path: "/v1/cities?limit=" + strings.Repeat("9", 10_000), status: 400, fields: []string{"limit"}},
			{name: "a very long cursor", method: "GET", path: "/v1/cities?cursor=" + strings.Repeat("QUFB", 10_000), status: 400, fields: []string{"cursor"}},
			{name: "a very long parameter name", method: "GET", path: "/v1/cities?" + strings.Repeat("p", 10_000) + "=1", status: 400, fields: []string{strings.Repeat("p", 10_000)}},
			{name: "a parameter without a name", method: "GET", path: "/v1/cities?=1", status: 400, fields: []string{"(unnamed)"}},
			{name: "a very long q", method: "GET", path: "/v1/cities?q=" + strings.Repeat("mont", 25_000), status: 400, fields: []string{"q"}, contains: []string{"at most 1000 bytes"}},
			{name: "a long q within the limit", method: "GET", path: "/v1/cities?q=" + strings.Repeat("%C3%A9%25_", 250), status: 200, contains: []string{`"total":0`}},
			{name: "bad weights", method: "GET", path: "/v1/challenges/x/suggestions?weights=themes:NaN,x:1,themes:1e400", status: 400, fields: []string{"weights", "weights", "weights"}},

			// IDs in the path.
			{name: "NUL as an ID", method: "GET", path: "/v1/cities/%00", status: 404},
			{name: "invalid UTF-8 as an ID", method: "DELETE", path: "/v1/experts/%FF", status: 404},
			{name: "SQL as an ID", method: "GET", path: "/v1/cities/" + url.PathEscape("x' OR '1'='1"), status: 404},
		})
		if r := x.do(t, "GET", "/v1/cities/{mvd}", ""); !strings.Contains(string(r.Body), `"name":"Montevideo"`) || !strings.Contains(string(r.Body), `"version":1`) {
			t.Fatalf("a refused write changed the city: %s", r.Body)
		}
	})
}

func TestHostileInputStoredVerbatimAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "mvd", "/v1/cities", montevideo)
		texts := []struct{ name, text string }{
			{"SQL injection", `Robert'); DROP TABLE cities;--`},
			{"more SQL", `' OR '1'='1' /* */ UNION SELECT * FROM experts; -- \' \\ "`},
			{"query placeholders", `?0 ?TableName ?? $1 :name @p1 %s %v`},
			{"script", `<script>alert(1)</script>`},
			{"HTML attributes", `"><img src=x onerror=alert('x')> & &amp; </textarea>`},
			{"template syntax", "{{.Secret}} ${7*7} #{7*7} `id`"},
			{"bidi and zero-width", "\u202egnp.exe\u202c a\u200bb\u200dc \ufeff"},
			{"emoji and astral", "🏙️ 👩🏽‍🚒 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0010FFFD"},
			{"replacement character", "\ufffd sent as such"},
			{"line separators", "a\u2028b\u2029c"},
		}
		for _, tc := range texts {
			t.Run(tc.name, func(t *testing.T) {
				body := map[string]any{"name": tc.text, "country": "UY", "region": "latin_america", "languages": []string{"es"}}
				created := x.create(t, "c", "/v1/cities", mustJSON(t, body))
				if created["name"] != tc.text {
					t.Fatalf("create answered name %q, sent %q", created["name"], tc.text)
				}
				r := x.do(t, "GET", "/v1/cities/{c}", "")
				if got := r.json(t)["name"]; got != tc.text {
					t.Fatalf("read back %q, sent %q", got, tc.text)
				}
				if strings.ContainsAny(tc.text, "<>&") && strings.ContainsAny(string(r.Body), "<>&") {
					t.Fatalf("< > & are not escaped in the JSON: %s", r.Body)
				}
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Fatalf("content type %q", ct)
				}
				// The same text in a long field, through a merge patch.
				x.create(t, "p", "/v1/practices", mustJSON(t, map[string]any{"city_id": x.ids["mvd"], "title": "t", "description": "d", "language": "es"}))
				patched := x.do(t, "PATCH", "/v1/practices/{p}", mustJSON(t, map[string]any{"description": "line 1\n\t" + tc.text + "\r\nline 3"}))
				if got := patched.json(t)["description"]; got != "line 1\n\t"+tc.text+"\r\nline 3" {
					t.Fatalf("patch answered description %q", got)
				}
				if got := x.do(t, "GET", "/v1/practices/{p}", "").json(t)["description"]; got != "line 1\n\t"+tc.text+"\r\nline 3" {
					t.Fatalf("description read back as %q", got)
				}
				// And q finds it, quotes, wildcards and all.
				found := x.do(t, "GET", "/v1/cities?limit=100&q="+url.QueryEscape(tc.text), "").json(t)
				if !hasName(found, tc.text) {
					t.Fatalf("q=%q does not find it: %v", tc.text, found)
				}
			})
		}
		// The tables are all still there.
		m := x.do(t, "GET", "/v1/cities?limit=100", "").json(t)
		if m["total"].(float64) != float64(1+len(texts)) {
			t.Fatalf("after the hostile names there are %v cities, want %d", m["total"], 1+len(texts))
		}
		if r := x.do(t, "GET", "/v1/experts", ""); r.Status != 200 {
			t.Fatalf("experts: %d", r.Status)
		}

		x.run(t, []scenario{{name: "a lone surrogate escape is refused, naming the field", method: "POST", path: "/v1/cities",
			body: `{"name":"half \ud800 pair","country":"UY","region":"latin_america","languages":["es"]}`, status: 400, fields: []string{"name"}}})
		t.Run("a large body under the limit is fine", func(t *testing.T) {
			pad := strings.Repeat(" ", 900_000)
			x.create(t, "big", "/v1/practices", `{"city_id":"{mvd}",`+pad+`"title":"Big","description":"`+strings.Repeat("é", 19_000)+`","language":"fr"}`)
		})
	})
}

func TestHostileSearchAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		names := []string{"100% Verde", "1000 Verde", "a_b City", "axb City", `Back\slash`, "Backslash",
			"Medellín",               // NFC
			"Bogota\u0301",           // NFD: a + combining acute
			"Sa\u0303o Paulo",        // NFD
			"Ciudad de Me\u0301xico"} // NFD
		for i, n := range names {
			x.create(t, "c"+string(rune('a'+i)), "/v1/cities", mustJSON(t, map[string]any{"name": n, "country": "CO", "region": "latin_america", "languages": []string{"es"}}))
		}
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"100%", []string{"100% Verde"}},
			{"%", []string{"100% Verde"}},
			{"0% v", []string{"100% Verde"}},
			{"a_b", []string{"a_b City"}},
			{"_", []string{"a_b City"}},
			{`k\s`, []string{`Back\slash`}},
			{`\`, []string{`Back\slash`}},
			{"medellin", []string{"Medellín"}},
			{"Medelli\u0301n", []string{"Medellín"}}, // NFD query, NFC name
			{"bogotá", []string{"Bogota\u0301"}},     // NFC query, NFD name
			{"BOGOTA", []string{"Bogota\u0301"}},
			{"são", []string{"Sa\u0303o Paulo"}},
			{"méxico", []string{"Ciudad de Me\u0301xico"}},
		} {
			m := x.do(t, "GET", "/v1/cities?limit=100&q="+url.QueryEscape(tc.q), "").json(t)
			var got []string
			for _, it := range m["items"].([]any) {
				got = append(got, it.(map[string]any)["name"].(string))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("q=%q found %q, want %q", tc.q, got, tc.want)
			}
		}
		// Names are kept in the form they were sent in, byte for byte.
		if got := x.do(t, "GET", "/v1/cities/{ch}", "").json(t)["name"]; got != "Bogota\u0301" {
			t.Fatalf("NFD name read back as %q", got)
		}
		if got := x.do(t, "GET", "/v1/cities/{cg}", "").json(t)["name"]; got != "Medellín" {
			t.Fatalf("NFC name read back as %q", got)
		}
	})
}

func hasName(list map[string]any, name string) bool {
	for _, it := range list["items"].([]any) {
		if it.(map[string]any)["name"] == name {
			return true
		}
	}
	return false
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestControlCharactersInPathIDsAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "city", "/v1/cities", montevideo)
		x.run(t, []scenario{
			{name: "read through a NUL alias", method: "GET", path: "/v1/cities/%00{city}", status: 404},
			{name: "delete through a NUL alias", method: "DELETE", path: "/v1/cities/%00{city}", status: 404},
			{name: "the city is still there", method: "GET", path: "/v1/cities/{city}", status: 200},
		})
	})
}
