package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"matchmaker/api"
	"matchmaker/profiles"
)

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatalf("parse the OpenAPI document: %v", err)
	}
	return doc
}

// TestOpenAPIDocumentIsValid checks the document with what kin-openapi v0.153.0
// validates of OpenAPI 3.1, which is partial: it does not check the document
// against the OpenAPI 3.1 meta-schema. Loading checks that every $ref
// resolves. Validate checks the structure of the OpenAPI objects (required
// fields, unknown fields, path parameters declared and required, unique
// operation IDs, media types that do not overlap, …), that schemas use known
// types and only known keywords (a misspelt keyword is an "extra sibling
// field"), that patterns compile, that `required` lists are unique, and that
// `default` and `example` values match their schemas, with its JSON Schema
// 2020-12 validator. It does not check the 3.1-only `examples` of a schema,
// nor the value of jsonSchemaDialect, nor unknown `format`s (off by default;
// turned on below). The test adds what matters to us and that kin-openapi
// leaves out: the version, an operation ID on every operation, every
// operation documenting its errors as problems and a 500, and no `required`
// naming a property the schema does not have (a typo there is valid JSON
// Schema, but it would reject every response).
func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if err := doc.Validate(context.Background(), openapi3.EnableSchemaFormatValidation()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi is %q, want 3.1.0", doc.OpenAPI)
	}
	if doc.Info.Title != "matchmaker" || doc.Info.Version != "1" {
		t.Errorf("info: title %q, version %q", doc.Info.Title, doc.Info.Version)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", where)
			}
			for code, res := range op.Responses.Map() {
				if code[0] == '4' || code[0] == '5' {
					if res.Value.Content.Get(api.ProblemContentType) == nil || len(res.Value.Content) != 1 {
						t.Errorf("%s: response %s must be %s only", where, code, api.ProblemContentType)
					}
				}
			}
			if op.Responses.Status(http.StatusInternalServerError) == nil {
				t.Errorf("%s: no 500 response: every route can fail", where)
			}
		}
	}
	seen := map[*openapi3.Schema]bool{}
	for name, ref := range doc.Components.Schemas {
		checkRequired(t, "#/components/schemas/"+name, ref.Value, seen)
	}
}

// checkRequired reports the names in a `required` of s or its subschemas that
// are not among the properties of that schema (with those of its allOf).
func checkRequired(t *testing.T, where string, s *openapi3.Schema, seen map[*openapi3.Schema]bool) {
	t.Helper()
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	props, _ := schemaFields(s)
	for _, r := range s.Required {
		if len(props) > 0 && !slices.Contains(props, r) {
			t.Errorf("%s: required %q is not a property", where, r)
		}
	}
	for name, p := range s.Properties {
		checkRequired(t, where+"/properties/"+name, p.Value, seen)
	}
	if s.Items != nil {
		checkRequired(t, where+"/items", s.Items.Value, seen)
	}
	for i, sub := range slices.Concat(s.AllOf, s.AnyOf, s.OneOf) {
		checkRequired(t, fmt.Sprintf("%s/(sub-schema %d)", where, i), sub.Value, seen)
	}
}

// The document's licence says what the repository grants: with no LICENSE
// file at its root, none (a LicenseRef naming that, since OpenAPI wants an
// identifier or a URL); once a licence is chosen, the document must name it.
func TestOpenAPILicenceIsTheRepositorys(t *testing.T) {
	lic := loadOpenAPI(t).Info.License
	if lic == nil || lic.Name == "" {
		t.Fatal("info.license is missing: redocly's info-license rule wants one")
	}
	var file string
	for _, name := range []string{"LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING"} {
		if _, err := os.Stat(filepath.Join("..", name)); err == nil {
			file = name
		}
	}
	none := lic.Identifier == "LicenseRef-none-granted"
	switch {
	case file == "" && !none:
		t.Errorf("info.license is %q (%s), but the repository has no LICENSE file: no licence is granted", lic.Name, lic.Identifier)
	case file != "" && none:
		t.Errorf("the repository has %s now: info.license must name its licence", file)
	}
}

// echoParam matches the :name parameters of echo paths.
var echoParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)

// TestOpenAPIMatchesRoutes holds the document to the route table: every route
// is documented with its method, and the document has no other operation.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	routes := map[string]bool{}
	for _, r := range api.RouteTable() {
		routes[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	var undocumented, unrouted []string
	for r := range routes {
		if !documented[r] {
			undocumented = append(undocumented, r)
		}
	}
	for d := range documented {
		if !routes[d] {
			unrouted = append(unrouted, d)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unrouted)
	if len(undocumented) > 0 {
		t.Errorf("routes missing from openapi.json:\n\t%s", strings.Join(undocumented, "\n\t"))
	}
	if len(unrouted) > 0 {
		t.Errorf("operations of openapi.json that are not routes:\n\t%s", strings.Join(unrouted, "\n\t"))
	}
}

// TestOpenAPISchemasMatchModel holds the schemas to the Go types the handlers
// encode and decode: the same JSON fields, and, in a response schema, exactly
// the fields that are never left out (no omitempty) as required.
func TestOpenAPISchemasMatchModel(t *testing.T) {
	doc := loadOpenAPI(t)
	cases := []struct {
		schema   string
		goType   any
		response bool // the type is sent: compare required with the fields never left out
	}{
		{"City", profiles.City{}, true},
		{"Practice", profiles.Practice{}, true},
		{"Challenge", profiles.Challenge{}, true},
		{"Expert", profiles.Expert{}, true},
		{"CityInput", cityBody{}, false},
		{"PracticeInput", practiceBody{}, false},
		{"ChallengeInput", challengeBody{}, false},
		{"ExpertInput", expertBody{}, false},
		{"CityPatch", cityBody{}, false},
		{"PracticePatch", practiceBody{}, false},
		{"ChallengePatch", challengeBody{}, false},
		{"ExpertPatch", expertBody{}, false},
		{"Contact", profiles.Contact{}, true},
		{"ContactPatch", profiles.Contact{}, false},
		{"Period", profiles.Period{}, true},
		{"PeriodPatch", profiles.Period{}, false},
		{"Timeframe", profiles.Timeframe{}, true},
		{"TimeframePatch", profiles.Timeframe{}, false},
		{"TrackRecordItem", profiles.TrackRecordItem{}, true},
		{"Theme", profiles.Theme{}, true},
		{"Problem", api.Problem{}, true},
		{"FieldError", profiles.FieldError{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.schema, func(t *testing.T) {
			ref := doc.Components.Schemas[tc.schema]
			if ref == nil || ref.Value == nil {
				t.Fatalf("no schema %s", tc.schema)
			}
			props, required := schemaFields(ref.Value)
			all, always := jsonFields(reflect.TypeOf(tc.goType))
			if !slices.Equal(props, all) {
				t.Errorf("properties %v, want the JSON fields of %T: %v", props, tc.goType, all)
			}
			if tc.response && !slices.Equal(required, always) {
				t.Errorf("required %v, want the fields %T never leaves out: %v", required, tc.goType, always)
			}
		})
	}
}

// The bodies of a create or a patch: the kind's writable fields and the row's
// external_ref beside them.
type (
	cityBody struct {
		profiles.CityInput
		ExternalRef string `json:"external_ref,omitempty"`
	}
	practiceBody struct {
		profiles.PracticeInput
		ExternalRef string `json:"external_ref,omitempty"`
	}
	challengeBody struct {
		profiles.ChallengeInput
		ExternalRef string `json:"external_ref,omitempty"`
	}
	expertBody struct {
		profiles.ExpertInput
		ExternalRef string `json:"external_ref,omitempty"`
	}
)

// schemaFields returns the sorted property names and required names of s,
// including those it takes from allOf.
func schemaFields(s *openapi3.Schema) (props, required []string) {
	for name := range s.Properties {
		props = append(props, name)
	}
	required = append(required, s.Required...)
	for _, sub := range s.AllOf {
		p, r := schemaFields(sub.Value)
		props, required = append(props, p...), append(required, r...)
	}
	sort.Strings(props)
	sort.Strings(required)
	return slices.Compact(props), slices.Compact(required)
}

// jsonFields returns the sorted JSON names of t's fields, embedded structs
// flattened, and those without omitempty.
func jsonFields(t reflect.Type) (all, always []string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			a, b := jsonFields(f.Type)
			all, always = append(all, a...), append(always, b...)
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		all = append(all, name)
		if !slices.Contains(strings.Split(opts, ","), "omitempty") {
			always = append(always, name)
		}
	}
	sort.Strings(all)
	sort.Strings(always)
	return all, always
}

// TestOpenAPIRequestSchemas checks the request body schemas on bodies the
// handlers accept and on bodies they refuse, so that a client generated from
// the document sends what the service takes.
func TestOpenAPIRequestSchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	cases := []struct {
		name, schema, body string
		valid              bool
	}{
		{"city", "CityInput", `{"name":"Montevideo","country":"UY","region":"latin_america","population":1319108,"kind":"metropolis","languages":["es"],"latitude":-34.9,"longitude":-56.2,"contact":{"email":"intl@montevideo.example.org"}}`, true},
		{"city, lower-case country", "CityInput", `{"name":"Quito","country":"ec","region":"latin_america","languages":["es"]}`, true},
		{"city without region", "CityInput", `{"name":"Quito","country":"EC","languages":["es"]}`, false},
		{"city with an unknown field", "CityInput", `{"name":"Quito","country":"EC","region":"latin_america","languages":["es"],"mayor":"x"}`, false},
		{"city with an ID", "CityInput", `{"id":"x","name":"Quito","country":"EC","region":"latin_america","languages":["es"]}`, false},
		{"city with latitude alone", "CityInput", `{"name":"Quito","country":"EC","region":"latin_america","languages":["es"],"latitude":0}`, false},
		{"city with a long name", "CityInput", `{"name":"` + strings.Repeat("é", 301) + `","country":"EC","region":"latin_america","languages":["es"]}`, false},
		{"city patch removes and sets", "CityPatch", `{"population":null,"languages":["es","en"],"contact":{"phone":null}}`, true},
		{"city patch removes contact", "CityPatch", `{"contact":null}`, true},
		{"city patch removes a required field", "CityPatch", `{"name":null}`, false},
		{"city patch sets a read-only field", "CityPatch", `{"version":3}`, false},
		{"practice", "PracticeInput", `{"city_id":"c1","title":"Tri","description":"Collecte","themes":["waste"],"period":{"start":2019},"status":"draft"}`, true},
		{"practice with a bad status", "PracticeInput", `{"city_id":"c1","title":"Tri","description":"Collecte","status":"secret"}`, false},
		{"practice patch", "PracticePatch", `{"period":{"end":null},"language":null,"results":"Less waste"}`, true},
		{"challenge", "ChallengeInput", `{"city_id":"c1","title":"t","description":"d","modes":["tutoring"],"skills_needed":["speed management"],"timeframe":{"from":"2027-02-01"}}`, true},
		{"challenge with no mode", "ChallengeInput", `{"city_id":"c1","title":"t","description":"d","modes":[]}`, false},
		{"challenge with a bad date", "ChallengeInput", `{"city_id":"c1","title":"t","description":"d","timeframe":{"from":"2027-02-30"}}`, false},
		{"challenge patch", "ChallengePatch", `{"modes":null,"timeframe":{"until":"2028-01-01"},"status":"matching"}`, true},
		{"expert", "ExpertInput", `{"name":"Ana","role":"mayor","country":"UY","city_id":"c1","languages":["es"],"track_record":[{"title":"Plan","year":2019}],"capacity":0,"active":false}`, true},
		{"expert over capacity", "ExpertInput", `{"name":"Ana","role":"mayor","country":"UY","languages":["es"],"capacity":11}`, false},
		{"expert with a track record without title", "ExpertInput", `{"name":"Ana","role":"mayor","country":"UY","languages":["es"],"track_record":[{"year":2019}]}`, false},
		{"expert patch", "ExpertPatch", `{"city_id":null,"track_record":null,"capacity":null,"contact":{"email":"ana@example.org"}}`, true},
		{"expert patch removes the role", "ExpertPatch", `{"role":null}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref := doc.Components.Schemas[tc.schema]
			if ref == nil {
				t.Fatalf("no schema %s", tc.schema)
			}
			var v any
			if err := json.Unmarshal([]byte(tc.body), &v); err != nil {
				t.Fatal(err)
			}
			err := ref.Value.VisitJSON(v, openapi3.EnableJSONSchema2020())
			if tc.valid && err != nil {
				t.Errorf("%s refuses a body the service takes: %v", tc.schema, err)
			}
			if !tc.valid && err == nil {
				t.Errorf("%s takes a body the service refuses", tc.schema)
			}
		})
	}
}

// listEnvelopeExceptions are the lists whose envelope is not the same as every
// other's, and why: none.
var listEnvelopeExceptions = map[string]string{}

// TestOpenAPIListsShareOneEnvelope: every list the API answers is
// {items, total, next_cursor}, paginated or not, so that a client reads every
// list the same way.
func TestOpenAPIListsShareOneEnvelope(t *testing.T) {
	doc := loadOpenAPI(t)
	lists := 0
	for name, ref := range doc.Components.Schemas {
		s := ref.Value
		items := s.Properties["items"]
		if items == nil || items.Value == nil || !items.Value.Type.Is("array") {
			continue
		}
		lists++
		if _, ok := listEnvelopeExceptions[name]; ok {
			continue
		}
		props, required := schemaFields(s)
		want := []string{"items", "next_cursor", "total"}
		if !slices.Equal(props, want) || !slices.Equal(required, want) {
			t.Errorf("%s: properties %v, required %v: a list is {items, total, next_cursor}", name, props, required)
		}
	}
	if lists < 10 {
		t.Fatalf("found %d list schemas", lists)
	}
}
