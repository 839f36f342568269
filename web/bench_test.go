package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"matchmaker/demo"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/transfer"
	"matchmaker/web/browsertest"
)

// BenchmarkPages renders each main page on SQLite over loopback HTTP, as a
// browser asks for it: the server's whole time for the page (routing,
// session, store reads, matching, template), with its p50 and p95 in
// milliseconds as metrics of their own. "demo" is the demo network; "100k"
// is the demo network with 100,000 more rows of demo.Scale imported as
// `matchmaker import` imports them (PAGES_BENCH_ROWS sets that size).
//
// The "postgres/" runs are the same on PostgreSQL, production's database
// (the test server: TEST_DATABASE_URL or the local one).
func BenchmarkPages(b *testing.B) {
	b.Run("demo", func(b *testing.B) { benchPages(b, browsertest.Start(b, profilestest.SQLiteDB(b, true))) })
	b.Run("100k", func(b *testing.B) {
		db := profilestest.SQLiteDB(b, true)
		importScaled(b, db, pagesBenchRows(b))
		benchPages(b, browsertest.Start(b, db))
	})
	b.Run("postgres", func(b *testing.B) {
		b.Run("demo", func(b *testing.B) { benchPages(b, browsertest.Start(b, profilestest.PostgresDB(b, true))) })
		b.Run("100k", func(b *testing.B) {
			db := profilestest.PostgresDB(b, true)
			importScaled(b, db, pagesBenchRows(b))
			benchPages(b, browsertest.Start(b, db))
		})
	})
}

func benchPages(b *testing.B, svc *browsertest.Service) {
	ctx := b.Context()
	officer, staff, expert := client(b), client(b), client(b)
	chs, err := svc.Store.FindChallenges(ctx, profiles.ChallengeFilter{CityID: svc.Users[profiles.RoleCity].CityID, Page: profiles.Page{Limit: 1}})
	if err != nil || len(chs.Items) == 0 {
		b.Fatalf("no challenge for the demo officer: %v", err)
	}
	cities, _ := svc.Store.FindCities(ctx, profiles.CityFilter{Page: profiles.Page{Limit: 1}})
	none := ""
	practices, _ := svc.Store.FindPractices(ctx, profiles.PracticeFilter{DraftsOf: &none, Page: profiles.Page{Limit: 1}})
	ch := "/challenges/" + chs.Items[0].ID
	signIn(b, svc, officer, svc.Users[profiles.RoleCity].Email)
	signIn(b, svc, staff, svc.Users[profiles.RoleSecretariat].Email)
	signIn(b, svc, expert, svc.Users[profiles.RoleExpert].Email)
	proposal := benchProposal(b, svc, staff, chs.Items[0].ID)
	pages := []struct {
		name, path string
		c          *http.Client
	}{
		{"home", "/", nil},
		{"cities", "/cities", nil},
		{"city", "/cities/" + cities.Items[0].ID, nil},
		{"practices", "/practices?theme=waste", nil},
		{"practice", "/practices/" + practices.Items[0].ID, nil},
		{"experts", "/experts", nil},
		{"search", "/search?q=water", nil},
		// A word no name or title holds: every key is read.
		{"search_nothing", "/search?q=xylophone", nil},
		{"practices_search", "/practices?q=water", nil},
		{"compare", "/compare?theme=waste", nil},
		{"challenge_practices", ch, nil},
		{"challenge_experts", ch + "?kind=experts", nil},
		{"challenge_cities", ch + "?kind=cities", nil},
		{"my_city", "/my/city", officer},
		{"expert_home", "/expert", expert},
		{"staff_dashboard", "/staff", staff},
		{"staff_proposal", proposal, staff},
		{"staff_rounds", "/staff/rounds", staff},
	}
	anon := &http.Client{}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			c := p.c
			if c == nil {
				c = anon
			}
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				res, err := c.Get(svc.URL + p.path)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				took = append(took, time.Since(start))
				if res.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", p.path, res.StatusCode)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

// benchProposal has the secretariat build a review panel for challenge on its
// page, and returns the proposal page it leads to.
func benchProposal(b *testing.B, svc *browsertest.Service, staff *http.Client, challenge string) string {
	_, body := get(b, staff, svc.URL+"/staff")
	token := csrfField.FindStringSubmatch(body)[1]
	res, body := post(b, staff, svc.URL+"/staff/challenges/"+challenge+"/panels", url.Values{"_csrf": {token}, "size": {"3"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/staff/proposals/") {
		b.Fatalf("build a panel: %d %s %.300s", res.StatusCode, loc, body)
	}
	return loc
}

// pagesBenchRows is the size of the large network: 100,000 rows, or
// PAGES_BENCH_ROWS.
func pagesBenchRows(b *testing.B) int {
	if v := os.Getenv("PAGES_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 100_000
}

// importScaled imports n rows of the demo network scaled up (demo.Scale) into
// db with transfer.Importer, as `matchmaker import` does.
func importScaled(b testing.TB, db profilestest.DB, n int) {
	b.Helper()
	bufs := map[string]*bytes.Buffer{}
	writers := map[string]*csv.Writer{}
	var order []string
	open := func(kind string) *csv.Writer {
		if w, ok := writers[kind]; ok {
			return w
		}
		bufs[kind] = &bytes.Buffer{}
		w := csv.NewWriter(bufs[kind])
		w.Write(transfer.Columns[kind])
		writers[kind] = w
		order = append(order, kind)
		return w
	}
	list := func(l []string) string { return strings.Join(l, transfer.ListSeparator) }
	num := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	contact := func(c *profiles.Contact) profiles.Contact {
		if c == nil {
			return profiles.Contact{}
		}
		return *c
	}
	err := demo.Scale(n, 1, func(r demo.Row) error {
		w := open(r.Kind)
		switch in := r.Input.(type) {
		case profiles.CityInput:
			pop, lat, lon := "", "", ""
			if in.Population != nil {
				pop = strconv.FormatInt(*in.Population, 10)
			}
			if in.Latitude != nil {
				lat, lon = strconv.FormatFloat(*in.Latitude, 'f', -1, 64), strconv.FormatFloat(*in.Longitude, 'f', -1, 64)
			}
			ct := contact(in.Contact)
			return w.Write([]string{r.Ref, in.Name, in.Country, in.Region, pop, in.Kind, list(in.Languages), lat, lon, ct.Name, ct.Email, ct.Phone})
		case profiles.PracticeInput:
			var start, end *int
			if in.Period != nil {
				start, end = in.Period.Start, in.Period.End
			}
			return w.Write([]string{r.Ref, r.CityRef, in.Title, in.Description, in.Language, list(in.Themes), num(start), num(end),
				in.Results, in.LessonsLearned, in.Transferability, in.Status})
		case profiles.ChallengeInput:
			var from, until string
			if in.Timeframe != nil {
				from, until = in.Timeframe.From, in.Timeframe.Until
			}
			return w.Write([]string{r.Ref, r.CityRef, in.Title, in.Description, in.Language, list(in.Themes), list(in.Modes),
				in.StrategicResult, list(in.SkillsNeeded), from, until, in.Status})
		case profiles.ExpertInput:
			track, _ := json.Marshal(in.TrackRecord)
			ct := contact(in.Contact)
			active := ""
			if in.Active != nil {
				active = strconv.FormatBool(*in.Active)
			}
			return w.Write([]string{r.Ref, in.Name, in.Role, in.Seniority, r.CityRef, in.Country, list(in.Languages), in.Bio,
				list(in.Themes), list(in.Skills), list(in.Modes), num(in.Capacity), in.AvailableFrom, in.AvailableUntil, active,
				ct.Name, ct.Email, ct.Phone, string(track)})
		}
		return fmt.Errorf("unknown row %T", r.Input)
	})
	if err != nil {
		b.Fatal(err)
	}
	var sources []transfer.Source
	for _, kind := range order {
		writers[kind].Flush()
		name := kind + "s.csv"
		if kind == profiles.KindCity {
			name = "cities.csv"
		}
		sources = append(sources, transfer.BytesSource(name, bufs[kind].Bytes()))
	}
	store := profilestest.OpenStore(b, db)
	if _, err := transfer.NewImporter(store).Import(context.Background(), sources, transfer.Options{}); err != nil {
		b.Fatalf("import %d rows: %v", n, err)
	}
	if err := store.Analyze(context.Background()); err != nil {
		b.Fatal(err)
	}
}
