package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
	"matchmaker/workflow"
)

// This file is the secretariat's review rounds: a round of every open
// challenge with a rubric, its progress (refreshed by htmx while it runs),
// its panels, the panel members' scores and the round's benchmark, one
// server-rendered SVG chart per criterion.

// rubricRows is how many criteria the round form offers.
const rubricRows = 4

// roundsData is the list of rounds and the form of a new one.
type roundsData struct {
	Rounds  []profiles.ReviewRound
	Form    roundForm
	Problem *formProblem
}

// roundForm is the new round's form as sent.
type roundForm struct {
	Name     string
	Size     string
	Fairness string
	Criteria []criterionField
	Min, Max string
}

// criterionField is one row of the rubric's form.
type criterionField struct {
	N     int
	Label string
}

func newRoundForm() roundForm {
	f := roundForm{Size: "3", Fairness: "total", Min: "1", Max: "5"}
	for i := range rubricRows {
		f.Criteria = append(f.Criteria, criterionField{N: i})
	}
	return f
}

func (s *Server) staffRounds(c echo.Context) error {
	return s.renderRounds(c, http.StatusOK, newRoundForm(), nil)
}

func (s *Server) renderRounds(c echo.Context, status int, f roundForm, problem *formProblem) error {
	res, err := s.flows.Rounds(c.Request().Context(), profiles.Page{Limit: 50})
	if err != nil {
		return err
	}
	return s.render(c, status, "staff_rounds", "staff.rounds.title", roundsData{Rounds: res.Items, Form: f, Problem: problem})
}

var notCode = regexp.MustCompile(`[^a-z0-9]+`)

// criterionCode makes a rubric code from a criterion's label: lower case
// letters and digits joined by _, or c<n> when nothing is left.
func criterionCode(label string, n int) string {
	code := strings.Trim(notCode.ReplaceAllString(strings.ToLower(label), "_"), "_")
	if len(code) > 40 {
		code = strings.TrimRight(code[:40], "_")
	}
	if code == "" {
		code = fmt.Sprintf("c%d", n+1)
	}
	return code
}

// staffCreateRound starts a review round of every open challenge, each with
// the panel size of the form, and the rubric its rows give.
func (s *Server) staffCreateRound(c echo.Context) error {
	v := s.viewOf(c)
	f := roundForm{Name: strings.TrimSpace(c.FormValue("name")), Size: c.FormValue("size"), Fairness: c.FormValue("fairness"),
		Min: c.FormValue("min"), Max: c.FormValue("max")}
	size, ok := formInt(c, "size")
	lo, ok2 := formInt(c, "min")
	hi, ok3 := formInt(c, "max")
	var rubric *profiles.Rubric
	seen := map[string]bool{}
	for i := range rubricRows {
		label := strings.TrimSpace(c.FormValue("criterion_" + strconv.Itoa(i)))
		f.Criteria = append(f.Criteria, criterionField{N: i, Label: label})
		if label == "" {
			continue
		}
		if rubric == nil {
			rubric = &profiles.Rubric{}
		}
		code := criterionCode(label, i)
		for seen[code] {
			code += "_" + strconv.Itoa(i+1)
		}
		seen[code] = true
		cr := profiles.Criterion{Code: code, Label: label}
		if lo != nil && hi != nil {
			cr.Min, cr.Max = *lo, *hi
		}
		rubric.Criteria = append(rubric.Criteria, cr)
	}
	if !ok || !ok2 || !ok3 || (rubric != nil && (lo == nil || hi == nil)) {
		return s.renderRounds(c, http.StatusUnprocessableEntity, f, &formProblem{Message: v.T("staff.problem.whole_number")})
	}
	r, err := s.flows.CreateRound(c.Request().Context(), workflow.RoundRequest{Name: f.Name, Fairness: f.Fairness, AllOpen: true,
		Defaults: &workflow.PanelRules{Size: size}, Rubric: rubric})
	if err != nil {
		problem, err := s.problemOf(c, err)
		if err != nil {
			return err
		}
		return s.renderRounds(c, http.StatusUnprocessableEntity, f, problem)
	}
	return redirect(c, "/staff/rounds/"+url.PathEscape(r.ID))
}

// roundData is a round's page.
type roundData struct {
	Round     workflow.RoundView
	Unfilled  []unfilledRow
	Running   bool
	Benchmark *workflow.Benchmark
	Charts    []criterionChart
	Names     *names
	Problem   *formProblem
	Saved     bool
}

// unfilledRow is a challenge of the round that got no panel: its title,
// linked to its page while it exists, and why, in the reader's language.
type unfilledRow struct {
	ChallengeID string
	Title       string
	Link        bool
	Reason      string
}

// unfilledRows says the round's challenges without a panel in v's language.
func unfilledRows(v *View, n *names, r workflow.RoundView) ([]unfilledRow, error) {
	us, err := workflow.RoundUnfilled(r.ReviewRound)
	if err != nil {
		return nil, err
	}
	rows := make([]unfilledRow, 0, len(us))
	for _, u := range us {
		title := n.Challenge(u.ChallengeID)
		rows = append(rows, unfilledRow{ChallengeID: u.ChallengeID, Title: title,
			Link: u.Rule != "challenge_id" && title != u.ChallengeID, Reason: v.Say(u.Reason)})
	}
	return rows, nil
}

// Percent is the round's progress in whole percent.
func (d roundData) Percent() int { return int(d.Round.Progress*100 + 0.5) }

// criterionChart is the geometry of one criterion's bar chart: one bar per
// reviewed city, on the criterion's scale, with the round's mean as a line.
type criterionChart struct {
	Criterion profiles.Criterion
	Mean      *float64
	Height    int
	MeanX     float64
	Rows      []chartRow
	// ID names the chart for its caption (aria-labelledby).
	ID string
}

// chartRow is one city's bar.
type chartRow struct {
	City        string
	Mean        float64
	Scores      int
	Y, TextY    int
	Width, EndX float64
}

// Chart geometry, in SVG user units.
const (
	chartLabelW = 220.0
	chartBarW   = 340.0
	chartRowH   = 30
)

// chartsOf lays out the benchmark's charts, one per criterion.
func chartsOf(b workflow.Benchmark) []criterionChart {
	var out []criterionChart
	for i, cb := range b.Criteria {
		span := float64(cb.Max - cb.Min)
		x := func(v float64) float64 {
			if span <= 0 {
				return 0
			}
			return chartBarW * min(1, max(0, (v-float64(cb.Min))/span))
		}
		ch := criterionChart{Criterion: cb.Criterion, Mean: cb.Mean, ID: "chart-" + strconv.Itoa(i)}
		if cb.Mean != nil {
			ch.MeanX = chartLabelW + x(*cb.Mean)
		}
		for j, cs := range cb.Cities {
			y := j*chartRowH + 4
			w := x(cs.Mean)
			ch.Rows = append(ch.Rows, chartRow{City: cityNameOf(b, cs.ChallengeID), Mean: cs.Mean, Scores: cs.Scores,
				Y: y, TextY: y + 16, Width: w, EndX: chartLabelW + w + 6})
		}
		ch.Height = len(ch.Rows)*chartRowH + 8
		out = append(out, ch)
	}
	return out
}

func cityNameOf(b workflow.Benchmark, challengeID string) string {
	for _, c := range b.Cities {
		if c.ChallengeID == challengeID {
			return c.CityName
		}
	}
	return challengeID
}

func (s *Server) staffRound(c echo.Context) error {
	return s.renderRound(c, http.StatusOK, nil, c.QueryParam("saved") == "1")
}

func (s *Server) renderRound(c echo.Context, status int, problem *formProblem, saved bool) error {
	ctx := c.Request().Context()
	view, err := s.flows.Round(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	data := roundData{Round: view, Names: s.names(ctx), Problem: problem, Saved: saved,
		Running: view.Status == profiles.RoundQueued || view.Status == profiles.RoundRunning}
	if c.Request().Header.Get("HX-Request") == "true" && c.QueryParam("part") == "progress" {
		if !data.Running {
			// The round is over: the whole page shows its panels.
			c.Response().Header().Set("HX-Refresh", "true")
		}
		return s.renderPart(c, http.StatusOK, "staff_round", "progress", data)
	}
	if view.Status == profiles.RoundDone {
		if data.Unfilled, err = unfilledRows(s.viewOf(c), data.Names, view); err != nil {
			return err
		}
	}
	if view.Status == profiles.RoundDone && view.Rubric != nil {
		b, err := s.flows.RoundBenchmark(ctx, view.ID)
		if err != nil {
			return err
		}
		data.Benchmark = &b
		data.Charts = chartsOf(b)
	}
	return s.render(c, status, "staff_round", "staff.round.title", data)
}

// staffSaveScores records one panel member's scores of the reviewed city, as
// POST /v1/review-rounds/{id}/scores does; the secretariat enters them for
// the members.
func (s *Server) staffSaveScores(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := s.store.FindRoundByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if r.Rubric == nil {
		return s.renderRound(c, http.StatusConflict, &formProblem{Message: s.viewOf(c).T("staff.problem.no_rubric")}, false)
	}
	sheet := workflow.ScoreSheet{ChallengeID: c.FormValue("challenge_id"), ExpertID: c.FormValue("expert_id")}
	for _, cr := range r.Rubric.Criteria {
		raw := strings.TrimSpace(c.FormValue("score_" + cr.Code))
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil {
			return s.renderRound(c, http.StatusUnprocessableEntity, &formProblem{Message: s.viewOf(c).T("staff.problem.whole_number"), Fields: []string{cr.Label}}, false)
		}
		sheet.Scores = append(sheet.Scores, workflow.Score{Criterion: cr.Code, Value: n})
	}
	if !principalOf(c).MayScoreAs(sheet.ExpertID) {
		return errForbidden
	}
	if _, err := s.flows.SaveScores(ctx, r.ID, sheet); err != nil {
		problem, err := s.problemOf(c, err)
		if err != nil {
			return err
		}
		return s.renderRound(c, http.StatusUnprocessableEntity, problem, false)
	}
	return redirect(c, "/staff/rounds/"+url.PathEscape(r.ID)+"?saved=1#benchmark")
}

// F is *v, or 0.
func (roundData) F(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}
