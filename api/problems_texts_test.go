package api_test

import (
	"html"
	"net/http/httptest"
	"strings"
	"testing"

	"matchmaker/locale"
)

// TestImportWebhookAndLinkProblemsInTheReadersLanguage: a failed import's
// problem (read later, with GET), a webhook's field errors and an answer
// link's page are said in the reader's language, the codes staying the same.
func TestImportWebhookAndLinkProblemsInTheReadersLanguage(t *testing.T) {
	cat := locale.MustLoad()
	eachAPI(t, func(t *testing.T, x *env) {
		body, ct := multipartBody(t, map[string]string{"cities.csv": importCities + "CRM-X;Nowhere;XX;europe;fr\n"})
		id := x.do(t, "POST", "/v1/imports", body, "Content-Type", ct).json(t)["id"].(string)
		if m := x.waitImport(t, id); m["state"] != "failed" {
			t.Fatalf("import: %v", m)
		}
		hook := `{"url":"ftp://example.org/hook","events":["proposal.created","no.such","proposal.created"],"description":"` + strings.Repeat("x", 501) + `"}`
		for _, c := range []struct {
			lang   locale.Lang
			header string
			detail string   // the import's, its start
			fields []string // the webhook's field errors, their start
		}{
			{locale.English, "", "1 bad row, nothing imported: cities.csv:4: country: ",
				[]string{"must be an absolute http or https URL", `unknown event type "no.such": one of `, `"proposal.created" is named twice`, "at most 500 characters"}},
			{locale.French, "fr-CH, en;q=0.5", "1 ligne incorrecte, rien n'a été importé : cities.csv:4: country: ",
				[]string{"doit être une URL http ou https absolue", `type d'événement "no.such" inconnu : choisissez parmi `, `"proposal.created" est indiqué deux fois`, "500 caractères au plus"}},
			{locale.Spanish, "es-UY", "1 fila incorrecta, no se ha importado nada: cities.csv:4: country: ",
				[]string{"debe ser una URL http o https absoluta", `tipo de evento "no.such" desconocido: elija entre `, `"proposal.created" se indica dos veces`, "500 caracteres como máximo"}},
		} {
			t.Run(string(c.lang), func(t *testing.T) {
				r := x.do(t, "GET", "/v1/imports/"+id, "", "Accept-Language", c.header)
				if got := r.Header.Get("Content-Language"); got != string(c.lang) {
					t.Errorf("import: Content-Language %q", got)
				}
				p, _ := r.json(t)["problem"].(map[string]any)
				if p == nil {
					t.Fatalf("import without its problem: %s", r.Body)
				}
				if d, _ := p["detail"].(string); !strings.HasPrefix(d, c.detail) {
					t.Errorf("import detail %q, want it to start with %q", d, c.detail)
				}
				if want := cat.Text(c.lang, "problems.title.validation-failed", nil); p["title"] != want {
					t.Errorf("import title %q, want %q", p["title"], want)
				}

				r = x.do(t, "POST", "/v1/webhooks", hook, "Accept-Language", c.header)
				if r.Status != 422 {
					t.Fatalf("webhook: status %d: %s", r.Status, r.Body)
				}
				errs, _ := r.json(t)["errors"].([]any)
				if len(errs) != len(c.fields) {
					t.Fatalf("webhook: %d field errors, want %d: %s", len(errs), len(c.fields), r.Body)
				}
				for i, e := range errs {
					e := e.(map[string]any)
					if msg, _ := e["message"].(string); !strings.HasPrefix(msg, c.fields[i]) {
						t.Errorf("webhook %v: %q, want it to start with %q", e["field"], msg, c.fields[i])
					}
					if e["code"] == nil || e["code"] == "" {
						t.Errorf("webhook %v: no code", e["field"])
					}
				}

				// A page for people, outside the OpenAPI document: asked
				// without the document's validator.
				req := httptest.NewRequest("GET", "/links/answer?t=broken", nil)
				req.Header.Set("Accept-Language", c.header)
				rec := httptest.NewRecorder()
				x.e.ServeHTTP(rec, req)
				if rec.Code != 400 {
					t.Fatalf("link: status %d", rec.Code)
				}
				if want := html.EscapeString(cat.Text(c.lang, "link.error.invalid", nil)); !strings.Contains(rec.Body.String(), want) {
					t.Errorf("link page lacks %q:\n%s", want, rec.Body)
				}
			})
		}
	})
}
