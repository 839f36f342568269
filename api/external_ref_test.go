package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"matchmaker/profiles"
)

// An integrator syncing from a CRM sets external_ref on create and PATCH,
// reads it on every resource and finds a row by it; a reference names one row
// of its kind, exactly as given (case-sensitive), and a taken one is a 409
// naming the field, with nothing written.
func TestExternalRefThroughTheAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "dkr", "/v1/cities", `{"name":"Dakar","country":"SN","region":"africa","languages":["fr"],"external_ref":"CRM-DKR"}`)
		x.create(t, "mvd", "/v1/cities", montevideo)
		x.run(t, []scenario{
			{name: "the reference is shown", method: "GET", path: "/v1/cities/{dkr}", status: 200, contains: []string{`"external_ref":"CRM-DKR"`}},
			{name: "found by it", method: "GET", path: "/v1/cities?external_ref=CRM-DKR", status: 200,
				contains: []string{`"total":1`, `"id":"{dkr}"`}},
			{name: "exactly: another case is another reference", method: "GET", path: "/v1/cities?external_ref=crm-dkr", status: 200,
				contains: []string{`"total":0`}},
			{name: "a taken reference", method: "POST", path: "/v1/cities",
				body: `{"name":"Thiès","country":"SN","region":"africa","languages":["fr"],"external_ref":"CRM-DKR"}`, status: 409, fields: []string{"external_ref"}},
			{name: "nothing was written", method: "GET", path: "/v1/cities?country=SN", status: 200, contains: []string{`"total":1`}},
			{name: "a bad reference with a bad field: both named", method: "POST", path: "/v1/cities",
				body:   `{"name":"Thiès","country":"XX","region":"africa","languages":["fr"],"external_ref":"` + strings.Repeat("r", 201) + `"}`,
				status: 422, fields: []string{"country", "external_ref"}},
			{name: "a case variant is another reference", method: "POST", path: "/v1/cities",
				body: `{"name":"Thiès","country":"SN","region":"africa","languages":["fr"],"external_ref":"crm-dkr"}`, status: 201,
				contains: []string{`"external_ref":"crm-dkr"`}},
			{name: "PATCH to a taken reference", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"external_ref":"CRM-DKR"}`,
				status: 409, fields: []string{"external_ref"}},
			{name: "unchanged after the refusal", method: "GET", path: "/v1/cities/{mvd}", status: 200,
				contains: []string{`"version":1`}, notContains: []string{"external_ref"}},
			{name: "PATCH the reference alone: a new version", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"external_ref":"CRM-MVD"}`,
				status: 200, contains: []string{`"external_ref":"CRM-MVD"`, `"version":2`}},
			{name: "PATCH a field keeps the reference", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"population":1400000}`,
				status: 200, contains: []string{`"external_ref":"CRM-MVD"`, `"version":3`}},
			{name: "PATCH the same reference changes nothing", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"external_ref":"CRM-MVD"}`,
				status: 200, contains: []string{`"version":3`}},
			{name: "PATCH null removes it", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"external_ref":null}`,
				status: 200, contains: []string{`"version":4`}, notContains: []string{"external_ref"}},
			{name: "its old reference is free", method: "GET", path: "/v1/cities?external_ref=CRM-MVD", status: 200, contains: []string{`"total":0`}},
			{name: "a reference of the wrong type", method: "POST", path: "/v1/cities",
				body: `{"name":"Thiès","country":"SN","region":"africa","languages":["fr"],"external_ref":7}`, status: 400, fields: []string{"external_ref"}},
			{name: "a field of the wrong type beside it", method: "PATCH", path: "/v1/cities/{mvd}",
				body: `{"population":"many","external_ref":"CRM-X"}`, status: 400, fields: []string{"population"}},
			{name: "a case variant of the key", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"External_Ref":"CRM-X"}`, status: 400},
			{name: "the key twice", method: "POST", path: "/v1/cities",
				body: `{"name":"Thiès","country":"SN","region":"africa","languages":["fr"],"external_ref":"A","external_ref":"B"}`, status: 400},
		})

		// The other kinds, each with its own references: the same
		// reference on a city and a practice names two rows.
		for _, k := range []struct{ path, body string }{
			{"/v1/practices", `{"city_id":"{dkr}","title":"Tri à la source","description":"Collecte séparée des déchets","language":"fr"`},
			{"/v1/challenges", `{"city_id":"{dkr}","title":"Sécurité routière","description":"Réduire les morts","language":"fr"`},
			{"/v1/experts", `{"name":"Awa Diop","role":"mayor","country":"SN","languages":["fr"]`},
		} {
			x.run(t, []scenario{
				{name: k.path + " create", method: "POST", path: k.path, body: k.body + `,"external_ref":"CRM-DKR"}`, status: 201,
					contains: []string{`"external_ref":"CRM-DKR"`}},
				{name: k.path + " taken", method: "POST", path: k.path, body: k.body + `,"external_ref":"CRM-DKR"}`, status: 409,
					fields: []string{"external_ref"}},
				{name: k.path + " found", method: "GET", path: k.path + "?external_ref=CRM-DKR", status: 200, contains: []string{`"total":1`}},
			})
			r := x.do(t, "GET", k.path+"?external_ref=CRM-DKR", "")
			id := r.json(t)["items"].([]any)[0].(map[string]any)["id"].(string)
			x.run(t, []scenario{
				{name: k.path + " PATCH", method: "PATCH", path: k.path + "/" + id, body: `{"external_ref":"CRM-2"}`, status: 200,
					contains: []string{`"external_ref":"CRM-2"`, `"version":2`}},
				{name: k.path + " found by the new one", method: "GET", path: k.path + "?external_ref=CRM-2", status: 200,
					contains: []string{`"total":1`, `"id":"` + id + `"`}},
			})
		}

		// An import after the API names the same rows by the same
		// references: it updates them instead of adding copies.
		body, ct := multipartBody(t, map[string]string{"cities.csv": "external_ref;name;country;region;languages\nCRM-DKR;Dakar;SN;africa;fr|wo\n"})
		m := x.waitImport(t, x.do(t, "POST", "/v1/imports", body, "Content-Type", ct).json(t)["id"].(string))
		if c := m["report"].(map[string]any)["counts"].(map[string]any)["city"].(map[string]any); c["updated"] != 1.0 || c["created"] != 0.0 {
			t.Errorf("import after the API: %v", c)
		}
	})
}

// Only the network's own keys (admin, secretariat, integration) set or
// change a reference: a city key that may PATCH its city may not move its
// reference, which would make the next import from the CRM add a copy.
func TestExternalRefNeedsANetworkKey(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "mvd", "/v1/cities", `{"name":"Montevideo","country":"UY","region":"latin_america","languages":["es"],"external_ref":"CRM-MVD"}`)
		_, cityKey, err := x.store.CreateKey(context.Background(), profiles.KeyInput{Name: "montevideo", Role: profiles.RoleCity, CityID: x.ids["mvd"]})
		if err != nil {
			t.Fatal(err)
		}
		_, integration, err := x.store.CreateKey(context.Background(), profiles.KeyInput{Name: "crm", Role: profiles.RoleIntegration, Scope: "read_write"})
		if err != nil {
			t.Fatal(err)
		}
		city, crm := []string{"Authorization", "Bearer " + cityKey}, []string{"Authorization", "Bearer " + integration}
		x.run(t, []scenario{
			{name: "city key changes it", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"external_ref":"MINE"}`, header: city, status: 403},
			{name: "city key removes it", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"external_ref":null}`, header: city, status: 403},
			{name: "city key sends it unchanged with a field", method: "PATCH", path: "/v1/cities/{mvd}",
				body: `{"external_ref":"CRM-MVD","population":1400000}`, header: city, status: 200, contains: []string{`"external_ref":"CRM-MVD"`}},
			{name: "city key creates a practice with one", method: "POST", path: "/v1/practices",
				body:   `{"city_id":"{mvd}","title":"Compostaje","description":"Composteras comunitarias","language":"es","external_ref":"P-1"}`,
				header: city, status: 403},
			{name: "city key creates a practice without", method: "POST", path: "/v1/practices",
				body:   `{"city_id":"{mvd}","title":"Compostaje","description":"Composteras comunitarias","language":"es"}`,
				header: city, status: 201},
			{name: "integration key changes it", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"external_ref":"CRM-MVD-2"}`, header: crm,
				status: 200, contains: []string{`"external_ref":"CRM-MVD-2"`}},
		})
	})
}

// Concurrent creates with one reference: exactly one row gets it, the others
// are refused with 409 and write nothing.
func TestExternalRefConcurrentCreates(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = x.do(t, "POST", "/v1/cities", `{"name":"Dakar","country":"SN","region":"africa","languages":["fr"],"external_ref":"CRM-DKR"}`).Status
			}()
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			switch s {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Errorf("status %d", s)
			}
		}
		res, err := x.store.FindCities(context.Background(), profiles.CityFilter{})
		if created != 1 || err != nil || res.Total != 1 {
			t.Errorf("%d created, %d stored (%v): want 1", created, res.Total, err)
		}
	})
}
