package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
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
