package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"matchmaker/api"
	"matchmaker/people"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/web"
	"matchmaker/web/browsertest"
)

// TestPageWritesAreAudited: a form sent from the pages is in the audit trail
// the API's writes go to, with the person who sent it as the actor, their
// role, what it touched, the status sent and the request ID; a refused form
// is recorded too, with its refusal.
func TestPageWritesAreAudited(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		svc := browsertest.Start(t, db)
		staff := client(t)
		signIn(t, svc, staff, svc.Users["secretariat"].Email)
		_, body := get(t, staff, svc.URL+"/staff")
		token := csrfField.FindStringSubmatch(body)[1]
		chs, err := svc.Store.FindChallenges(t.Context(), profiles.ChallengeFilter{Status: "open", Page: profiles.Page{Limit: 1}})
		if err != nil || len(chs.Items) == 0 {
			t.Fatalf("no open challenge: %v", err)
		}
		ch := chs.Items[0]
		res, _ := post(t, staff, svc.URL+"/staff/challenges/"+ch.ID+"/panels", url.Values{"_csrf": {token}, "size": {"3"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("build a panel: %d", res.StatusCode)
		}
		proposalID := strings.TrimPrefix(res.Header.Get("Location"), "/staff/proposals/")
		refused, _ := post(t, staff, svc.URL+"/staff/keys", url.Values{"_csrf": {token}, "name": {"x"}, "role": {"admin"}})
		if res, _ := post(t, staff, svc.URL+"/no/such/form", url.Values{"_csrf": {token}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("a form to no page: %d, want 404", res.StatusCode)
		}

		trail, err := svc.Store.FindAudit(t.Context(), profiles.AuditFilter{Page: profiles.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		var built, denied *profiles.AuditEntry
		for i, e := range trail.Items {
			switch e.Path {
			case "/staff/challenges/" + ch.ID + "/panels":
				built = &trail.Items[i]
			case "/staff/keys":
				denied = &trail.Items[i]
			}
			if e.Path == "/no/such/form" {
				t.Error("a form to no page is in the audit trail")
			}
			if strings.Contains(e.Path, "/sign-in/") && e.Path != "/sign-in/:token" {
				t.Errorf("the audit trail holds a sign-in link's secret: %s", e.Path)
			}
		}
		who := svc.Users["secretariat"]
		if built == nil {
			t.Fatalf("the panel built on the page is not in the audit trail: %+v", trail.Items)
		}
		if built.Actor != who.ID || built.Role != profiles.RoleSecretariat || built.Method != http.MethodPost ||
			built.Status != http.StatusSeeOther || built.RequestID == "" || built.RequestID != res.Header.Get("X-Request-Id") ||
			built.Resource != "proposals" || built.ResourceID != proposalID {
			t.Errorf("the panel's entry = %+v, want actor %s (secretariat), 303, request ID %q, proposals/%s",
				*built, who.ID, res.Header.Get("X-Request-Id"), proposalID)
		}
		if denied == nil || denied.Status != http.StatusForbidden || denied.Actor != who.ID || refused.StatusCode != http.StatusForbidden {
			t.Errorf("the refused form's entry = %+v, want a 403 by %s", denied, who.ID)
		}
	})
}

// TestPageRequestsAreMeasured: the pages' requests are in the service's
// request metrics beside the API's, one series per route pattern (never a
// path as sent), refused and unknown ones included.
func TestPageRequestsAreMeasured(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) { checkPageMetrics(t, profilestest.OpenStore(t, db)) })
}

func checkPageMetrics(t *testing.T, store *profiles.Store) {
	folks, err := people.New(people.Config{Store: store, Sender: &browsertest.Outbox{}})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	pages, err := web.New(web.Config{Store: store, People: folks, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	apiH := api.New(api.Config{Store: store, Metrics: reg, MetricsHandler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		RateLimits: api.RateLimits{PerAddress: -1, PerKey: -1}})
	srv := httptest.NewServer(browsertest.Doors(apiH, pages))
	defer srv.Close()

	c := client(t)
	get(t, c, srv.URL+"/cities")
	get(t, c, srv.URL+"/cities/no-such-city")
	get(t, c, srv.URL+"/no/such/page")
	get(t, c, srv.URL+"/staff")
	get(t, c, srv.URL+"/v1/cities")

	families := scrape(t, reg)
	f := families["matchmaker_http_request_duration_seconds"]
	if f == nil {
		t.Fatal("no request metrics")
	}
	seen := map[string]uint64{}
	for _, m := range f.Metric {
		l := map[string]string{}
		for _, p := range m.Label {
			l[p.GetName()] = p.GetValue()
		}
		seen[l["method"]+" "+l["route"]+" "+l["status"]] += m.GetHistogram().GetSampleCount()
		if strings.Contains(l["route"], "no-such") {
			t.Errorf("a route label holds the path as sent: %q", l["route"])
		}
	}
	for _, want := range []string{"GET /cities 200", "GET /cities/:id 404", "GET unmatched 404", "GET /staff 303", "GET /v1/cities 200"} {
		if seen[want] == 0 {
			t.Errorf("no count for %s; the scrape has %v", want, seen)
		}
	}
}

func scrape(t *testing.T, reg *prometheus.Registry) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse the scrape: %v", err)
	}
	return families
}
