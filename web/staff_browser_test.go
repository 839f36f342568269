package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"matchmaker/profiles"
	"matchmaker/web/browsertest"
)

// screenshot saves the window shown as docs/ui/<name>.<lang>.png when
// UPDATE_SCREENSHOTS=1, from the SQLite run only (the pages are the same on
// both databases).
func screenshot(t *testing.T, svc *browsertest.Service, b *browsertest.Browser, name string) {
	t.Helper()
	if os.Getenv("UPDATE_SCREENSHOTS") != "1" || !strings.Contains(strings.ToLower(t.Name()), "sqlite") {
		return
	}
	dir := filepath.Join("..", "docs", "ui")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The window, not the whole page: small pictures of what a person sees first.
	png := browsertest.Get(b, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(dir, name+"."+b.Lang+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// count is the number of elements a CSS selector matches on the page shown.
func count(b *browsertest.Browser, sel string) int {
	return browsertest.Get(b, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
}

// staffWords are words of each language the secretariat's pages show.
var staffWords = map[string]struct{ dashboard, invited, benchmark string }{
	"en": {"Secretariat dashboard", "Sent, awaiting answers", "Benchmark by criterion"},
	"fr": {"Tableau de bord du secrétariat", "Envoyée, en attente de réponses", "Comparaison par critère"},
	"es": {"Panel de control de la secretaría", "Enviada, a la espera de respuestas", "Comparativa por criterio"},
}

// TestSecretariatJourney: in each language, on each database, the
// secretariat builds a review panel from the dashboard, swaps a member for
// an alternate and sees the score change, sends the panel; then runs a
// review round with a rubric, watches it finish, enters a member's scores
// and sees the benchmark chart of each criterion. axe finds nothing serious
// on any page on the way. The panel is for a challenge of its own (the
// service is shared).
func TestSecretariatJourney(t *testing.T) {
	browsertest.Each(t, func(t *testing.T, svc *browsertest.Service) {
		for _, l := range langs {
			t.Run(l.code, func(t *testing.T) {
				w := staffWords[l.code]
				ch, _ := freshPanel(t, svc, l.code)
				b := svc.Browser(t, l.code)
				b.SignInAs(profiles.RoleSecretariat)
				b.Open("/staff")
				if got := b.Text("h1"); got != w.dashboard {
					t.Errorf("dashboard heading = %q, want %q", got, w.dashboard)
				}
				b.Axe()
				screenshot(t, svc, b, "staff-dashboard")

				// Build a panel for the challenge.
				b.Do(chromedp.Click(chromedp.CSS("#challenge-"+ch.ID+" form.build.panel button")), chromedp.WaitVisible(chromedp.CSS("#members")))
				if !strings.HasPrefix(b.Location(), "/staff/proposals/") {
					t.Fatalf("after building a panel: at %s, want the proposal's page", b.Location())
				}
				b.Axe()

				// Swap the first member for the alternate offered first.
				out := browsertest.Get(b, chromedp.AttributeValue(chromedp.CSS("form.swap input[name='expert_id']"), "value")).Value
				in := browsertest.Get(b, chromedp.Evaluate[string](`document.querySelector("form.swap select").value`))
				b.Do(chromedp.Click(chromedp.CSS("form.swap button")), chromedp.WaitVisible(chromedp.CSS("#moved")))
				if n := count(b, "#members tr[data-expert='"+in+"']"); n != 1 {
					t.Errorf("after the swap, %s holds %d seats, want 1", in, n)
				}
				if n := count(b, "#members tr[data-expert='"+out+"']"); n != 0 {
					t.Errorf("after the swap, %s still holds a seat", out)
				}
				if got := b.Text("#history li:last-child"); !strings.Contains(got, "→") {
					t.Errorf("the history's last entry %q does not show the score change", got)
				}
				b.Axe()
				screenshot(t, svc, b, "staff-proposal")

				// Send it.
				b.Submit("#send button")
				if got := b.Text("#proposal-status"); got != w.invited {
					t.Errorf("after sending: status %q, want %q", got, w.invited)
				}

				// A review round with a rubric of two criteria.
				b.Open("/staff/rounds")
				b.Axe()
				b.Do(
					chromedp.SendKeys(chromedp.CSS("#round-name"), "Round "+l.code+" "+ch.ID),
					chromedp.SendKeys(chromedp.CSS("#criterion-0"), "Leadership"),
					chromedp.SendKeys(chromedp.CSS("#criterion-1"), "Participation"),
					chromedp.Click(chromedp.CSS("#new-round button[type='submit']")),
					chromedp.WaitVisible(chromedp.CSS("#round-progress")),
				)
				// htmx polls the progress and reloads the page when the round is
				// over. The round is a job of its own: on a busy machine (-race,
				// other builds) it may take longer than one step of the browser.
				wait, cancel := context.WithTimeout(b.Context(), 3*time.Minute)
				err := chromedp.Do(wait, chromedp.WaitVisible(chromedp.CSS("#round-progress[data-status='done']")))
				cancel()
				if err != nil {
					t.Fatalf("the round did not finish on the page: %v", err)
				}
				b.Axe()
				b.Do(
					chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("form.score-sheet")[0].querySelectorAll("input[type=number]").forEach((e, i) => e.value = 3 + i)`),
					chromedp.Click(chromedp.CSS("form.score-sheet button")),
					chromedp.WaitVisible(chromedp.CSS("#benchmark svg rect.bar")),
				)
				if got := b.Text("#benchmark-heading"); got != w.benchmark {
					t.Errorf("benchmark heading = %q, want %q", got, w.benchmark)
				}
				if n := count(b, "#benchmark figure svg"); n != 2 {
					t.Errorf("%d benchmark charts, want one per criterion (2): %s", n, b.Text("#benchmark"))
				}
				b.Axe()
				b.Do(chromedp.ScrollIntoView(chromedp.CSS("#benchmark")))
				screenshot(t, svc, b, "staff-round")
			})
		}
	})
}
