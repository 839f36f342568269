package api_test

import (
	"encoding/json"

	"matchmaker/api"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestProblemsInTheReadersLanguage: titles, details and every field error's
// message are said in the Accept-Language language, with Content-Language and
// Vary; English stays as it was, and the codes are the same in every language.
func TestProblemsInTheReadersLanguage(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		body := `{"name":"","country":"ZZ","region":"europe","languages":["xx"],"latitude":95,"longitude":0}`
		type answer struct {
			status  int
			header  http.Header
			problem struct {
				Type, Title, Detail string
				Errors              []struct{ Field, Code, Message string }
			}
		}
		ask := func(lang, method, path, body string) answer {
			t.Helper()
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+x.key)
			if lang != "" {
				req.Header.Set("Accept-Language", lang)
			}
			rec := httptest.NewRecorder()
			x.e.ServeHTTP(rec, req)
			var a answer
			a.status, a.header = rec.Code, rec.Header()
			if err := json.Unmarshal(rec.Body.Bytes(), &a.problem); err != nil {
				t.Fatalf("%s %s: %v\n%s", method, path, err, rec.Body)
			}
			x.v.Check(t, req, rec.Code, rec.Header(), rec.Body.Bytes())
			return a
		}
		en := ask("", "POST", "/v1/cities", body)
		fr := ask("fr-CA, en;q=0.5", "POST", "/v1/cities", body)
		es := ask("de, es;q=0.8", "POST", "/v1/cities", body)
		if en.status != 422 || fr.status != 422 || es.status != 422 {
			t.Fatalf("statuses %d %d %d, want 422", en.status, fr.status, es.status)
		}
		for _, c := range []struct {
			lang string
			a    answer
			want []string
		}{
			{"en", en, []string{"Unprocessable Entity", "field(s) are invalid", "is required", "unknown country code", "must be between -90 and 90"}},
			{"fr", fr, []string{"Données non valides", "champ(s) non valide(s)", "est obligatoire", "code pays inconnu", "doit être compris entre -90 et 90"}},
			{"es", es, []string{"Datos no válidos", "campo(s) no válido(s)", "es obligatorio", "código de país desconocido", "debe estar entre -90 y 90"}},
		} {
			if got := c.a.header.Get("Content-Language"); got != c.lang {
				t.Errorf("%s: Content-Language %q", c.lang, got)
			}
			if !strings.Contains(strings.Join(c.a.header.Values("Vary"), ","), "Accept-Language") {
				t.Errorf("%s: Vary %q lacks Accept-Language", c.lang, c.a.header.Values("Vary"))
			}
			all := c.a.problem.Title + " | " + c.a.problem.Detail
			for _, f := range c.a.problem.Errors {
				all += " | " + f.Message
			}
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("%s: %q lacks %q", c.lang, all, w)
				}
			}
			if len(c.a.problem.Errors) != len(en.problem.Errors) {
				t.Fatalf("%s: %d field errors, English has %d", c.lang, len(c.a.problem.Errors), len(en.problem.Errors))
			}
			for i, f := range c.a.problem.Errors {
				if f.Code == "" || f.Code != en.problem.Errors[i].Code || f.Field != en.problem.Errors[i].Field {
					t.Errorf("%s: error %d is %s/%q, English %s/%q", c.lang, i, f.Field, f.Code, en.problem.Errors[i].Field, en.problem.Errors[i].Code)
				}
			}
		}
		if en.problem.Type != "/problems/validation-failed" {
			t.Errorf("type %q, want /problems/validation-failed", en.problem.Type)
		}
		// A problem from another layer: a 404 of the router, a 401.
		nf := ask("es", "GET", "/v1/nothing-here", "")
		if nf.status != 404 || nf.problem.Title != "No encontrado" || nf.problem.Detail != "ninguna ruta corresponde a esta ruta de acceso" {
			t.Errorf("404 in Spanish: %+v", nf.problem)
		}
		req := httptest.NewRequest("POST", "/v1/cities", strings.NewReader(body))
		req.Header.Set("Accept-Language", "fr")
		rec := httptest.NewRecorder()
		x.e.ServeHTTP(rec, req)
		if rec.Code != 401 || !strings.Contains(rec.Body.String(), "cette requête demande une clé d'API") {
			t.Errorf("401 in French: %d %s", rec.Code, rec.Body)
		}
	})
}

// TestProblemTypePages: the type of every problem is a page of the service, in
// the reader's language; an unknown type is a 404 problem; with a public URL
// the types are absolute.
func TestProblemTypePages(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		for _, typ := range []string{"bad-request", "unauthorized", "forbidden", "not-found", "method-not-allowed", "conflict",
			"precondition-failed", "payload-too-large", "unsupported-media-type", "validation-failed", "too-many-requests",
			"internal-error", "service-unavailable", "request-header-fields-too-large", "not-implemented", "http-version-not-supported"} {
			for lang, want := range map[string]string{"en": "HTTP status", "fr": "Statut HTTP", "es": "Estado HTTP"} {
				req := httptest.NewRequest("GET", "/problems/"+typ, nil)
				req.Header.Set("Accept-Language", lang)
				rec := httptest.NewRecorder()
				x.e.ServeHTTP(rec, req)
				body := rec.Body.String()
				if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
					rec.Header().Get("Content-Language") != lang || !strings.Contains(body, `<html lang="`+lang+`">`) || !strings.Contains(body, want) {
					t.Errorf("%s in %s: %d %s\n%s", typ, lang, rec.Code, rec.Header(), body)
				}
				if strings.Contains(body, "problems.page.") || strings.Contains(body, "problems.title.") {
					t.Errorf("%s in %s: a message ID instead of its text:\n%s", typ, lang, body)
				}
				x.v.Check(t, req, rec.Code, rec.Header(), rec.Body.Bytes())
			}
		}
		r := x.do(t, "GET", "/problems/no-such-type", "")
		if r.Status != 404 || !strings.Contains(string(r.Body), "no-such-type") {
			t.Errorf("unknown type: %d %s", r.Status, r.Body)
		}
		public := api.New(api.Config{Store: x.store, PublicURL: "https://mm.example.net/", RateLimits: api.RateLimits{PerAddress: -1, PerKey: -1}})
		rec := httptest.NewRecorder()
		public.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/cities/nobody", nil))
		if !strings.Contains(rec.Body.String(), `"type":"https://mm.example.net/problems/not-found"`) {
			t.Errorf("with a public URL: %s", rec.Body)
		}
	})
}
