// Package apitest holds test helpers for the HTTP API: a Validator that checks
// responses against the embedded OpenAPI document, so that every API test also
// tests the document.
//
// It imports api (for the document) and kin-openapi; only tests import it.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"matchmaker/api"
)

// Validator checks HTTP responses against api.OpenAPI. It is safe for
// concurrent use once built.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

// NewValidator loads and validates api.OpenAPI, failing t when the document is
// not a valid OpenAPI document.
func NewValidator(t testing.TB) *Validator {
	t.Helper()
	v, err := newValidator(api.OpenAPI)
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	return v
}

// registerDecoders teaches the validator the media types the JSON decoder
// does not read: the problem type pages are HTML, read as text like
// text/plain; each line of a JSONL export must be a JSON object, and the body
// is checked as the string it is.
var registerDecoders sync.Once

func newValidator(doc []byte) (*Validator, error) {
	registerDecoders.Do(func() {
		if openapi3filter.RegisteredBodyDecoder("text/html") == nil {
			openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
		}
		openapi3filter.RegisterBodyDecoder("application/jsonl", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(r)
			if err != nil {
				return nil, err
			}
			for i, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
				var obj map[string]any
				if len(b) > 0 {
					if err := json.Unmarshal(line, &obj); err != nil {
						return nil, fmt.Errorf("line %d is not a JSON object: %w", i+1, err)
					}
				}
			}
			return string(b), nil
		})
	})
	loader := openapi3.NewLoader()
	d, err := loader.LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	// The legacy router needs no extra dependency (gorillamux would bring
	// gorilla/mux); the document's one server, "/", is the service itself, so
	// it matches the request path as it is. NewRouter validates the document
	// first.
	r, err := legacy.NewRouter(d)
	if err != nil {
		return nil, err
	}
	return &Validator{doc: d, router: r}, nil
}

// Check fails t, with a message naming the route and what does not conform,
// when the response to req (status, header and body) is not one the document
// allows: an undocumented status, a wrong content type, a missing ETag or
// Location header, or a body that does not match the schema. The request
// itself is not validated, so that tests can send bad requests on purpose.
//
// A request that matches no documented route must be answered with a
// problem: 404 when no route has its path, 405 when only the method is wrong.
func (v *Validator) Check(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if err := v.check(req, status, header, body); err != nil {
		t.Errorf("%s %s answered %d, which the OpenAPI document does not allow:\n%v\nbody: %s",
			req.Method, req.URL.RequestURI(), status, err, excerpt(body, 2000))
	}
}

func (v *Validator) check(req *http.Request, status int, header http.Header, body []byte) error {
	head := req.Method == http.MethodHead
	if head {
		// Every GET answers HEAD too, as the document says once for all: the
		// same status and headers as the GET, and no body.
		if len(body) > 0 {
			return fmt.Errorf("HEAD %s answered a body of %d bytes", req.URL.Path, len(body))
		}
		get := req.Clone(context.Background())
		get.Method = http.MethodGet
		if _, _, ok := v.find(get); ok {
			req = get
		}
	}
	route, params, ok := v.find(req)
	if !ok {
		return v.checkUnrouted(req, status, header, body)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: head}
	opts.WithCustomSchemaErrorFunc(schemaMessage)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                opts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s: %s", route.Method, route.Path, describe(err))
	}
	// ValidateResponse skips the body of a response documented without
	// content: it must then be empty (a 204 has no body).
	if res := route.Operation.Responses.Status(status); res != nil && res.Value != nil && len(res.Value.Content) == 0 && len(body) > 0 {
		return fmt.Errorf("%s %s: status %d is documented without a body, but one was sent", route.Method, route.Path, status)
	}
	return nil
}

// checkUnrouted checks the answer to a request the document has no operation
// for: echo answers those itself, with a problem.
func (v *Validator) checkUnrouted(req *http.Request, status int, header http.Header, body []byte) error {
	want := http.StatusNotFound
	if allowed := v.methodsFor(req); len(allowed) > 0 {
		want = http.StatusMethodNotAllowed
		if status != want {
			return fmt.Errorf("the document has no %s operation on this path (only %s), so the answer must be %d", req.Method, strings.Join(allowed, ", "), want)
		}
	} else if status != want {
		return fmt.Errorf("the document has no path that matches, so the answer must be %d", want)
	}
	if req.Method == http.MethodHead {
		return nil // the problem's body is left out, as for any answer to HEAD
	}
	if mt, _, _ := mime.ParseMediaType(header.Get("Content-Type")); mt != api.ProblemContentType {
		return fmt.Errorf("content type %q, want %s", header.Get("Content-Type"), api.ProblemContentType)
	}
	problem := v.doc.Components.Schemas["Problem"]
	if problem == nil || problem.Value == nil {
		return errors.New("the document has no Problem schema")
	}
	var value any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil {
		return fmt.Errorf("the problem body is not JSON: %w", err)
	}
	if err := problem.Value.VisitJSON(value, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors(),
		openapi3.SetSchemaErrorMessageCustomizer(schemaMessage)); err != nil {
		return fmt.Errorf("the problem body does not match the Problem schema: %s", describe(err))
	}
	return nil
}

// find returns the documented operation of req. The legacy router also
// matches a path with a trailing slash that echo does not route, such as
// /v1/cities/: such a request has no operation.
func (v *Validator) find(req *http.Request) (*routers.Route, map[string]string, bool) {
	// The document's server is "/": a request sent to a real address
	// (http://127.0.0.1:port/…) is matched on its path alone.
	if req.URL.Host != "" || req.URL.Scheme != "" {
		req = req.Clone(context.Background())
		req.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
		req.Host = ""
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return nil, nil, false
	}
	if p := req.URL.Path; p != "/" && strings.HasSuffix(p, "/") != strings.HasSuffix(route.Path, "/") {
		return nil, nil, false
	}
	return route, params, true
}

// methodsFor lists the documented methods of the path of req.
func (v *Validator) methodsFor(req *http.Request) []string {
	var methods []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodTrace} {
		if m == req.Method {
			continue
		}
		r := req.Clone(context.Background())
		r.Method = m
		if _, _, ok := v.find(r); ok {
			methods = append(methods, m)
		}
	}
	return methods
}

// describe spreads the errors of a validation over lines, keeping the reason
// kin-openapi gives first, so that a failure shows every difference at once.
func describe(err error) string {
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) && re.Err != nil {
		return re.Reason + ":\n" + bullets(re.Err)
	}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		return "\n" + bullets(err)
	}
	return err.Error()
}

// bullets lists the errors of err, one a line.
func bullets(err error) string {
	var me openapi3.MultiError
	if !errors.As(err, &me) {
		return "- " + err.Error()
	}
	out := make([]string, 0, len(me))
	for _, e := range me {
		out = append(out, "- "+e.Error())
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// schemaMessage says where a value breaks the schema and how, leaving out the
// dump of the whole schema that kin-openapi adds by default: with a resource's
// schema, it would bury the one line that matters.
func schemaMessage(err *openapi3.SchemaError) string {
	// The JSON Schema 2020-12 validator words its reasons for a schema
	// compiled on the fly: name what its jargon means here.
	msg := strings.NewReplacer(
		"jsonschema validation failed with 'https://example.com/schema.json#'", "does not match the schema",
		"false schema", "not in the schema (an undocumented field?)",
	).Replace(err.Reason)
	if msg == "" {
		msg = "does not match the schema's " + err.SchemaField
	}
	msg = doubledPath.ReplaceAllString(msg, "")
	if p := err.JSONPointer(); len(p) > 0 && !strings.Contains(msg, "at '/") {
		msg = "at /" + strings.Join(p, "/") + ": " + msg
	}
	// A short value helps; a long one is the body, which Check prints anyway.
	if v, jerr := json.Marshal(err.Value); jerr == nil && len(v) <= 100 {
		msg += " (value: " + string(v) + ")"
	}
	return msg
}

// doubledPath is the path the 2020-12 validator's reasons name twice.
var doubledPath = regexp.MustCompile(`error at "[^"]*": `)

func excerpt(b []byte, max int) string {
	if len(b) > max {
		return string(b[:max]) + fmt.Sprintf("… (%d bytes)", len(b))
	}
	return string(b)
}
