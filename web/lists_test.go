package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/transfer"
	"matchmaker/web/browsertest"
)

// TestListsCountUpToAThousand checks what a list page says of a large list:
// it counts up to a thousand and says "or more" beyond, in the reader's
// language, while a shorter list is counted exactly, and the pages of the
// large list still follow one another.
func TestListsCountUpToAThousand(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(transfer.Columns[profiles.KindCity])
		for i := range 1200 {
			region, lang := "africa", "fr"
			if i%4 == 0 {
				region, lang = "europe", "es"
			}
			w.Write([]string{fmt.Sprintf("T-%04d", i), fmt.Sprintf("Ville %04d", i), "SN", region, "", "", lang, "", "", "", "", ""})
		}
		w.Flush()
		// More practices on a theme than the comparison page puts side by side.
		var prs bytes.Buffer
		w = csv.NewWriter(&prs)
		w.Write(transfer.Columns[profiles.KindPractice])
		for i := range 130 {
			w.Write([]string{fmt.Sprintf("P-%04d", i), fmt.Sprintf("T-%04d", i), fmt.Sprintf("Tri des déchets %d", i),
				"Collecte séparée des déchets ménagers, compostage de quartier.", "fr", "waste", "", "", "", "", "", "published"})
		}
		w.Flush()
		store := profilestest.OpenStore(t, db)
		if _, err := transfer.NewImporter(store).Import(context.Background(), []transfer.Source{transfer.BytesSource("cities.csv", buf.Bytes()),
			transfer.BytesSource("practices.csv", prs.Bytes())}, transfer.Options{}); err != nil {
			t.Fatal(err)
		}
		if err := store.Analyze(context.Background()); err != nil {
			t.Fatal(err)
		}
		svc := browsertest.Start(t, db)
		c := client(t)
		count := regexp.MustCompile(`<p class="meta" role="status">([^<]*)</p>`)
		cases := []struct {
			name, path, lang string
			want             *regexp.Regexp
		}{
			{"more than a thousand", "/cities", "en", regexp.MustCompile(`^1,000 results or more$`)},
			{"in French", "/cities", "fr", regexp.MustCompile(`^1[\x{a0}\x{202f} ]000 résultats ou plus$`)},
			{"in Spanish", "/cities", "es", regexp.MustCompile(`^1\.?000 resultados o más$`)},
			{"fewer, counted", "/cities?region=europe&language=es", "en", regexp.MustCompile(`^3\d\d results$`)},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res, body := get(t, c, svc.URL+tc.path, "Accept-Language", tc.lang)
				m := count.FindStringSubmatch(body)
				if res.StatusCode != 200 || m == nil || !tc.want.MatchString(m[1]) {
					t.Fatalf("%s: %d, count %q, want %s", tc.path, res.StatusCode, m, tc.want)
				}
			})
		}
		t.Run("a comparison says it is limited", func(t *testing.T) {
			_, body := get(t, c, svc.URL+"/compare?theme=waste", "Accept-Language", "en")
			if !strings.Contains(body, "These are the 120 newest practices on the theme; there are more.") {
				t.Fatalf("the comparison of 130 and more practices does not say it shows the newest 120")
			}
			_, body = get(t, c, svc.URL+"/compare?theme=waste&region=europe", "Accept-Language", "en")
			if strings.Contains(body, "there are more") {
				t.Fatalf("a comparison of fewer than 120 practices says there are more")
			}
		})
		// The list still pages: the next link leads to other cities.
		_, first := get(t, c, svc.URL+"/cities")
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(first)
		if next == nil {
			t.Fatal("no next page on a list of 1,200 cities")
		}
		_, second := get(t, c, svc.URL+strings.ReplaceAll(next[1], "&amp;", "&"))
		links := regexp.MustCompile(`href="/cities/([0-9a-z]{26})"`)
		a, b := links.FindAllStringSubmatch(first, -1), links.FindAllStringSubmatch(second, -1)
		if len(a) == 0 || len(b) == 0 || a[len(a)-1][1] >= b[0][1] {
			t.Fatalf("pages: %d cities then %d, not one after the other", len(a), len(b))
		}
	})
}

// TestCityPagePagesItsLists checks that a city with more practices and
// challenges than its page lists at once shows the first hundred of each
// with a link to the next ones, that each list pages on its own while the
// other keeps its place, and that every item is reached once.
func TestCityPagePagesItsLists(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		var cities, prs, chs bytes.Buffer
		w := csv.NewWriter(&cities)
		w.Write(transfer.Columns[profiles.KindCity])
		w.Write([]string{"C-1", "Grande Ville", "SN", "africa", "", "", "fr", "", "", "", "", ""})
		w.Flush()
		w = csv.NewWriter(&prs)
		w.Write(transfer.Columns[profiles.KindPractice])
		for i := range 130 {
			w.Write([]string{fmt.Sprintf("P-%03d", i), "C-1", fmt.Sprintf("Pratique %03d", i),
				"Collecte séparée des déchets ménagers.", "fr", "waste", "", "", "", "", "", "published"})
		}
		w.Flush()
		w = csv.NewWriter(&chs)
		w.Write(transfer.Columns[profiles.KindChallenge])
		for i := range 105 {
			w.Write([]string{fmt.Sprintf("D-%03d", i), "C-1", fmt.Sprintf("Défi %03d", i),
				"Réduire les déchets ménagers.", "fr", "waste", "exchange", "", "", "", "", "open"})
		}
		w.Flush()
		store := profilestest.OpenStore(t, db)
		if _, err := transfer.NewImporter(store).Import(context.Background(), []transfer.Source{
			transfer.BytesSource("cities.csv", cities.Bytes()), transfer.BytesSource("practices.csv", prs.Bytes()),
			transfer.BytesSource("challenges.csv", chs.Bytes())}, transfer.Options{}); err != nil {
			t.Fatal(err)
		}
		found, err := store.FindCities(context.Background(), profiles.CityFilter{Q: "Grande Ville"})
		if err != nil || len(found.Items) != 1 {
			t.Fatalf("the imported city: %v %v", found.Items, err)
		}
		svc := browsertest.Start(t, db)
		c := client(t)
		practice := regexp.MustCompile(`href="/practices/[^"]+">Pratique (\d+)<`)
		challenge := regexp.MustCompile(`href="/challenges/[^"]+">Défi (\d+)<`)
		link := func(body, label string) string {
			m := regexp.MustCompile(`<a href="([^"]+)"[^>]*>` + regexp.QuoteMeta(label) + `</a>`).FindStringSubmatch(body)
			if m == nil {
				return ""
			}
			return strings.ReplaceAll(m[1], "&amp;", "&")
		}
		page := func(path string) string {
			t.Helper()
			res, body := get(t, c, svc.URL+path, "Accept-Language", "en")
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d", path, res.StatusCode)
			}
			return body
		}
		count := func(re *regexp.Regexp, body string) int { return len(re.FindAllString(body, -1)) }

		first := page("/cities/" + found.Items[0].ID)
		if n, m := count(practice, first), count(challenge, first); n != 100 || m != 100 {
			t.Fatalf("the first page lists %d practices and %d challenges, want 100 of each", n, m)
		}
		if link(first, "First practices") != "" || link(first, "First challenges") != "" {
			t.Errorf("the first page links to itself as the first")
		}
		morePr, moreCh := link(first, "More practices"), link(first, "More challenges")
		if morePr == "" || moreCh == "" {
			t.Fatalf("no link to more practices (%q) or challenges (%q)", morePr, moreCh)
		}

		second := page(morePr)
		if n, m := count(practice, second), count(challenge, second); n != 30 || m != 100 {
			t.Fatalf("more practices: %d practices and %d challenges, want 30 and the first 100", n, m)
		}
		if link(second, "More practices") != "" {
			t.Errorf("the last page of practices links to more")
		}
		seen := map[string]bool{}
		for _, body := range []string{first, second} {
			for _, m := range practice.FindAllStringSubmatch(body, -1) {
				if seen[m[1]] {
					t.Errorf("practice %s listed twice", m[1])
				}
				seen[m[1]] = true
			}
		}
		if len(seen) != 130 {
			t.Errorf("%d practices reached, want 130", len(seen))
		}

		// The challenges page on from there, the practices staying on their
		// second page; then back to the first practices.
		both := page(link(second, "More challenges"))
		if n, m := count(practice, both), count(challenge, both); n != 30 || m != 5 {
			t.Fatalf("more challenges after more practices: %d practices and %d challenges, want 30 and 5", n, m)
		}
		back := page(link(both, "First practices"))
		if n, m := count(practice, back), count(challenge, back); n != 100 || m != 5 {
			t.Fatalf("first practices: %d practices and %d challenges, want 100 and 5", n, m)
		}
		if link(back, "First challenges") == "" || link(back, "More practices") == "" {
			t.Errorf("the challenges' second page lost its way back, or the practices their way on")
		}
	})
}

// TestSearchFindsTheSubjectInEveryLanguage checks the search page's
// practices on the subject of its words: found by the matcher in each of the
// three languages whatever the words' own, with the words that matched, and
// nothing that shares no subject with them. Words in names and titles are
// still found as written.
func TestSearchFindsTheSubjectInEveryLanguage(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		var cities, prs bytes.Buffer
		w := csv.NewWriter(&cities)
		w.Write(transfer.Columns[profiles.KindCity])
		w.Write([]string{"C-fr", "Ville de l'eau", "FR", "europe", "", "", "fr", "", "", "", "", ""})
		w.Write([]string{"C-es", "Ciudad del agua", "MX", "latin_america", "", "", "es", "", "", "", "", ""})
		w.Write([]string{"C-en", "Water Town", "GB", "europe", "", "", "en", "", "", "", "", ""})
		w.Flush()
		w = csv.NewWriter(&prs)
		w.Write(transfer.Columns[profiles.KindPractice])
		for _, p := range [][]string{
			{"P-fr", "C-fr", "Réduire les pertes d'eau potable du réseau", "La ville a sectorisé son réseau d'eau potable, posé des compteurs et réparé les fuites.", "fr", "water_sanitation"},
			{"P-es", "C-es", "Reúso de agua residual tratada para riego", "La ciudad trata el agua residual y la usa para regar parques y jardines.", "es", "water_sanitation"},
			{"P-en", "C-en", "Cutting water losses with district metering", "The utility split the water network into districts, metered them and fixed leaks.", "en", "water_sanitation"},
			{"P-budget", "C-fr", "Budget participatif des quartiers", "Les habitants proposent et votent des projets financés par le budget municipal.", "fr", "participatory_budgeting"},
		} {
			w.Write(append(p, "", "", "", "", "", "published"))
		}
		w.Flush()
		store := profilestest.OpenStore(t, db)
		if _, err := transfer.NewImporter(store).Import(context.Background(), []transfer.Source{
			transfer.BytesSource("cities.csv", cities.Bytes()), transfer.BytesSource("practices.csv", prs.Bytes())}, transfer.Options{}); err != nil {
			t.Fatal(err)
		}
		svc := browsertest.Start(t, db)
		c := client(t)
		// The section of the practices on the subject: each item's title,
		// city and the words matched.
		item := regexp.MustCompile(`(?s)<li><a href="/practices/[^"]+">([^<]*)</a> <span class="meta">([^<]*)</span>(.*?)</li>`)
		onSubject := func(q, lang string) map[string]string {
			t.Helper()
			res, body := get(t, c, svc.URL+"/search?q="+url.QueryEscape(q), "Accept-Language", lang)
			i := strings.Index(body, `id="on-subject"`)
			if res.StatusCode != 200 || i < 0 {
				t.Fatalf("%q: %d, no section of practices on the subject", q, res.StatusCode)
			}
			j := strings.Index(body[i:], "</ul>")
			got := map[string]string{}
			for _, m := range item.FindAllStringSubmatch(body[i:i+j], -1) {
				got[html.UnescapeString(m[1])] = html.UnescapeString(m[2] + " " + m[3])
			}
			return got
		}
		water := []string{"Réduire les pertes d'eau potable du réseau", "Reúso de agua residual tratada para riego", "Cutting water losses with district metering"}
		for _, tc := range []struct{ q, lang, said string }{
			{"water", "en", "Matched words:"},
			{"eau", "es", "Palabras en común:"},
			{"agua", "fr", "Mots en commun"},
		} {
			t.Run(tc.q, func(t *testing.T) {
				got := onSubject(tc.q, tc.lang)
				for _, title := range water {
					line, ok := got[title]
					if !ok {
						t.Errorf("%q does not find %q on its subject: %v", tc.q, title, got)
						continue
					}
					if !strings.Contains(line, tc.said) {
						t.Errorf("%q, %q: the words matched are not said (%q): %q", tc.q, title, tc.said, line)
					}
				}
				if _, ok := got["Budget participatif des quartiers"]; ok {
					t.Errorf("%q finds the participatory budget, which shares no subject with it", tc.q)
				}
			})
		}
		// The demo network's practices are there too.
		got := onSubject("budget participatif", "en")
		if !strings.Contains(got["Budget participatif des quartiers"], "Ville de l'eau") {
			t.Errorf("budget participatif does not find the practice on it, with its city: %v", got)
		}
		for _, title := range water {
			if _, ok := got[title]; ok {
				t.Errorf("budget participatif finds %q, which shares no subject with it", title)
			}
		}
	})
}
