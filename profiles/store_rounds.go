package profiles

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

type roundRow struct {
	bun.BaseModel `bun:"table:review_rounds,alias:rr"`

	ID        string    `bun:"id,pk"`
	Name      string    `bun:"name"`
	Status    string    `bun:"status"`
	Progress  float64   `bun:"progress"`
	Fairness  string    `bun:"fairness"`
	Request   *string   `bun:"request"`
	Rubric    *string   `bun:"rubric"`
	Total     float64   `bun:"total"`
	Worst     float64   `bun:"worst"`
	Mean      float64   `bun:"mean"`
	Unfilled  *string   `bun:"unfilled"`
	Error     string    `bun:"error_message"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
	Version   int64     `bun:"version"`

	// From review_round_results, once the round is done.
	Optimal    *bool    `bun:"optimal,scanonly"`
	MaxPanels  *int     `bun:"max_panels,scanonly"`
	TotalBound *float64 `bun:"total_bound,scanonly"`
}

type roundResultRow struct {
	bun.BaseModel `bun:"table:review_round_results"`

	RoundID    string  `bun:"round_id,pk"`
	Optimal    bool    `bun:"optimal"`
	MaxPanels  int     `bun:"max_panels"`
	TotalBound float64 `bun:"total_bound"`
}

// selectRounds selects rounds with their results.
func selectRounds(db bun.IDB, model any) *bun.SelectQuery {
	return db.NewSelect().Model(model).ColumnExpr("rr.*").
		ColumnExpr("res.optimal, res.max_panels, res.total_bound").
		Join("LEFT JOIN review_round_results AS res ON res.round_id = rr.id")
}

type scoreRow struct {
	bun.BaseModel `bun:"table:review_scores,alias:rs"`

	RoundID     string    `bun:"round_id,pk"`
	ChallengeID string    `bun:"challenge_id,pk"`
	ExpertID    string    `bun:"expert_id,pk"`
	Criterion   string    `bun:"criterion,pk"`
	Value       int       `bun:"value"`
	Comment     string    `bun:"comment"`
	ScoredAt    time.Time `bun:"scored_at"`
}

func (r *roundRow) set(rd ReviewRound) error {
	r.Name, r.Status, r.Progress, r.Fairness = rd.Name, rd.Status, rd.Progress, rd.Fairness
	r.Request, r.Unfilled, r.Rubric = jsonText(rd.Request), jsonText(rd.Unfilled), nil
	r.Total, r.Worst, r.Mean, r.Error = rd.Total, rd.Worst, rd.Mean, rd.Error
	if rd.Rubric != nil {
		b, err := json.Marshal(rd.Rubric)
		if err != nil {
			return fmt.Errorf("encode rubric: %w", err)
		}
		r.Rubric = jsonText(b)
	}
	return nil
}

func (r *roundRow) round() (ReviewRound, error) {
	rd := ReviewRound{
		Meta: Meta{ID: r.ID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version},
		Name: r.Name, Status: r.Status, Progress: r.Progress, Fairness: r.Fairness, Request: rawJSON(r.Request),
		Total: r.Total, Worst: r.Worst, Mean: r.Mean, Unfilled: rawJSON(r.Unfilled), Error: r.Error,
	}
	if r.Optimal != nil && r.MaxPanels != nil && r.TotalBound != nil {
		rd.Result = &RoundResult{Optimal: *r.Optimal, MaxPanels: *r.MaxPanels, TotalBound: *r.TotalBound}
	}
	if r.Rubric != nil {
		rd.Rubric = &Rubric{}
		if err := json.Unmarshal([]byte(*r.Rubric), rd.Rubric); err != nil {
			return ReviewRound{}, fmt.Errorf("decode rubric of round %s: %w", r.ID, err)
		}
	}
	return rd, nil
}

// CreateRound validates r and stores it as a new round, queued, with no progress.
// Fairness defaults to "total".
func (s *Store) CreateRound(ctx context.Context, r ReviewRound) (ReviewRound, error) {
	r, err := s.v.round(r)
	if err != nil {
		return ReviewRound{}, err
	}
	now := s.timestamp()
	r.Meta = Meta{ID: s.newID(), CreatedAt: now, UpdatedAt: now, Version: 1}
	created(ctx, "review-rounds", r.ID)
	r.Status, r.Progress, r.Total, r.Worst, r.Mean, r.Unfilled, r.Error = RoundQueued, 0, 0, 0, 0, nil, ""
	row := roundRow{ID: r.ID, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := row.set(r); err != nil {
		return ReviewRound{}, fmt.Errorf("create round: %w", err)
	}
	wrote(ctx, "round", r.ID)
	if err := s.inTx(ctx, func(tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&row).Exec(ctx)
		return err
	}); err != nil {
		return ReviewRound{}, fmt.Errorf("create round: %w", err)
	}
	return r, nil
}

// FindRoundByID returns the round with id, or ErrNotFound.
func (s *Store) FindRoundByID(ctx context.Context, id string) (ReviewRound, error) {
	return findRound(ctx, s.idb(), id)
}

func findRound(ctx context.Context, db bun.IDB, id string) (ReviewRound, error) {
	var row roundRow
	if err := selectRounds(db, &row).Where("rr.id = ?", id).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return ReviewRound{}, fmt.Errorf("find round %s: %w", id, ErrNotFound)
		}
		return ReviewRound{}, fmt.Errorf("find round %s: %w", id, err)
	}
	return row.round()
}

// FindRounds returns one page of the rounds, in ID order (creation order).
func (s *Store) FindRounds(ctx context.Context, p Page) (ListResult[ReviewRound], error) {
	total, err := s.idb().NewSelect().Model((*roundRow)(nil)).Count(ctx)
	if err != nil {
		return ListResult[ReviewRound]{}, fmt.Errorf("count rounds: %w", err)
	}
	var rows []roundRow
	if err := paginate(selectRounds(s.idb(), &rows), nil, "rr", p).Scan(ctx); err != nil {
		return ListResult[ReviewRound]{}, fmt.Errorf("find rounds: %w", err)
	}
	items, err := roundsOf(rows)
	if err != nil {
		return ListResult[ReviewRound]{}, fmt.Errorf("find rounds: %w", err)
	}
	return pageOf(items, total, p, func(r ReviewRound) string { return r.ID }), nil
}

func roundsOf(rows []roundRow) ([]ReviewRound, error) {
	out := make([]ReviewRound, len(rows))
	for i := range rows {
		var err error
		if out[i], err = rows[i].round(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateRoundProgress sets the status, progress (0..1) and error message of the
// round with id. The job that runs the round owns it: there is no version check,
// but the version grows.
func (s *Store) UpdateRoundProgress(ctx context.Context, id, status string, progress float64, errMsg string) error {
	e := &ValidationError{}
	status = enum(e, "status", status, RoundStatuses, true)
	if math.IsNaN(progress) || progress < 0 || progress > 1 {
		e.add("progress", "must be between 0 and 1")
	}
	errMsg = strings.TrimSpace(errMsg)
	if err := e.err(); err != nil {
		return fmt.Errorf("update round %s: %w", id, err)
	}
	res, err := s.idb().NewUpdate().Model((*roundRow)(nil)).
		Set("status = ?", status).Set("progress = ?", progress).Set("error_message = ?", errMsg).
		Set("version = version + 1").Set("updated_at = ?", s.timestamp()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("update round %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("update round %s: %w", id, ErrNotFound)
	}
	return nil
}

// FinishRound stores the panels the round r assembled and marks it done with
// its Total, Worst, Mean and Unfilled, at progress 1, in one transaction: a round
// is done exactly when its panels are stored. The panels are proposals of kind
// "panel" of the round, created as CreateProposals does, with ev as the first
// entry of each one's history; field errors are named "panels[i].field". A round
// already done is a *ConflictError.
func (s *Store) FinishRound(ctx context.Context, r ReviewRound, panels []Proposal, ev ProposalEvent) (ReviewRound, []Proposal, error) {
	var (
		out     ReviewRound
		created []Proposal
	)
	err := s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		if err := s.lockRow(ctx, tx, "review_rounds", r.ID); err != nil {
			return err
		}
		cur, err := findRound(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if cur.Status == RoundDone {
			return Conflictf("round %s is already done: its panels are stored", r.ID)
		}
		e := &ValidationError{}
		unfilled := jsonValue(e, "unfilled", r.Unfilled, MaxRoundJSONLen)
		for _, f := range []struct {
			name string
			v    float64
		}{{"total", r.Total}, {"worst", r.Worst}, {"mean", r.Mean}} {
			finite(e, f.name, f.v)
		}
		if err := e.err(); err != nil {
			return err
		}
		panels = slices.Clone(panels)
		for i := range panels {
			panels[i].Kind, panels[i].RoundID = "panel", &cur.ID
		}
		var notify []string
		if created, notify, err = s.createProposals(ctx, tx, panels, ev, func(i int) string { return fmt.Sprintf("panels[%d].", i) }); err != nil {
			return err
		}
		ch.experts(notify)
		if created == nil {
			created = []Proposal{}
		}
		out = cur
		out.Status, out.Progress, out.Error = RoundDone, 1, ""
		out.Total, out.Worst, out.Mean, out.Unfilled = r.Total, r.Worst, r.Mean, unfilled
		out.UpdatedAt, out.Version = s.timestamp(), cur.Version+1
		row := roundRow{ID: cur.ID, CreatedAt: cur.CreatedAt, UpdatedAt: out.UpdatedAt, Version: out.Version}
		if err := row.set(out); err != nil {
			return err
		}
		if err := updateVersioned(ctx, tx, &row, cur.Version); err != nil {
			return err
		}
		if r.Result == nil {
			return nil
		}
		out.Result = r.Result
		res := roundResultRow{RoundID: cur.ID, Optimal: r.Result.Optimal, MaxPanels: r.Result.MaxPanels, TotalBound: r.Result.TotalBound}
		if _, err := tx.NewInsert().Model(&res).Exec(ctx); err != nil {
			return fmt.Errorf("store the round's result: %w", err)
		}
		return nil
	})
	if err != nil {
		return ReviewRound{}, nil, fmt.Errorf("finish round %s: %w", r.ID, err)
	}
	return out, created, nil
}

// RoundsToResume returns the rounds left queued or running, as by a restart,
// oldest first.
func (s *Store) RoundsToResume(ctx context.Context) ([]ReviewRound, error) {
	var rows []roundRow
	if err := s.idb().NewSelect().Model(&rows).Where("rr.status IN (?)", bun.List([]string{RoundQueued, RoundRunning})).
		Order("rr.created_at", "rr.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("rounds to resume: %w", err)
	}
	out, err := roundsOf(rows)
	if err != nil {
		return nil, fmt.Errorf("rounds to resume: %w", err)
	}
	return out, nil
}

// SaveReviewScores records the scores panel members give the reviewed cities of
// the round with roundID, all or none. The round must have a rubric (else a
// *ConflictError); each score must name one of its criteria, a value within
// that criterion's scale, and an expert who holds a seat (neither declined nor
// withdrawn) on the round's panel for the challenge: every bad entry is named in
// one *ValidationError, as "scores[i].field". Scoring again the same challenge,
// expert and criterion replaces the value.
func (s *Store) SaveReviewScores(ctx context.Context, roundID string, scores []ReviewScore) error {
	wrote(ctx, "round", roundID)
	err := s.inTx(ctx, func(tx bun.Tx) error {
		r, err := findRound(ctx, tx, roundID)
		if err != nil {
			return err
		}
		if r.Rubric == nil {
			return Conflictf("round %s has no rubric: there is nothing to score", roundID)
		}
		e := &ValidationError{}
		switch {
		case len(scores) == 0:
			e.add("scores", "must name at least one score")
		case len(scores) > MaxScoresPerSave:
			e.add("scores", "must have at most %d items, got %d", MaxScoresPerSave, len(scores))
		}
		if err := e.err(); err != nil {
			return err
		}
		seats, err := panelSeats(ctx, tx, roundID)
		if err != nil {
			return err
		}
		criteria := map[string]Criterion{}
		for _, c := range r.Rubric.Criteria {
			criteria[c.Code] = c
		}
		now := s.timestamp()
		rows := make([]scoreRow, len(scores))
		first := map[[3]string]int{}
		for i, sc := range scores {
			field := fmt.Sprintf("scores[%d]", i)
			sc.ChallengeID = required(e, field+".challenge_id", strings.TrimSpace(sc.ChallengeID))
			sc.ExpertID = required(e, field+".expert_id", strings.TrimSpace(sc.ExpertID))
			sc.Criterion = strings.TrimSpace(sc.Criterion)
			c, ok := criteria[sc.Criterion]
			switch {
			case sc.Criterion == "":
				e.add(field+".criterion", "is required: one of %s", codesOf(r.Rubric))
			case !ok:
				e.add(field+".criterion", "unknown criterion %q: one of %s", sc.Criterion, codesOf(r.Rubric))
			case sc.Value < c.Min || sc.Value > c.Max:
				e.add(field+".value", "%d is outside the scale %d..%d of criterion %s", sc.Value, c.Min, c.Max, c.Code)
			}
			if sc.ChallengeID != "" && sc.ExpertID != "" {
				if seated, panel := seats[sc.ChallengeID]; !panel {
					e.add(field+".challenge_id", "round %s has no panel for challenge %q", roundID, sc.ChallengeID)
				} else if !seated[sc.ExpertID] {
					e.add(field+".expert_id", "expert %q holds no seat on the round's panel for challenge %s", sc.ExpertID, sc.ChallengeID)
				}
			}
			sc.Comment = text(e, field+".comment", sc.Comment, false)
			key := [3]string{sc.ChallengeID, sc.ExpertID, sc.Criterion}
			if j, dup := first[key]; dup {
				e.add(field, "scores the same challenge, expert and criterion as scores[%d]", j)
			} else {
				first[key] = i
			}
			at := now
			if !sc.At.IsZero() {
				at = sc.At.UTC().Truncate(time.Microsecond)
			}
			rows[i] = scoreRow{RoundID: roundID, ChallengeID: sc.ChallengeID, ExpertID: sc.ExpertID, Criterion: sc.Criterion,
				Value: sc.Value, Comment: sc.Comment, ScoredAt: at}
		}
		if err := e.err(); err != nil {
			return err
		}
		// ON CONFLICT … DO UPDATE with EXCLUDED reads alike on SQLite and PostgreSQL.
		for _, c := range chunks(rows, maxRowsPerInsert) {
			if _, err := tx.NewInsert().Model(&c).
				On("CONFLICT (round_id, challenge_id, expert_id, criterion) DO UPDATE").
				Set("value = EXCLUDED.value").Set("comment = EXCLUDED.comment").Set("scored_at = EXCLUDED.scored_at").
				Exec(ctx); err != nil {
				return fmt.Errorf("write review scores: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save review scores of round %s: %w", roundID, err)
	}
	return nil
}

func codesOf(r *Rubric) string {
	codes := make([]string, len(r.Criteria))
	for i, c := range r.Criteria {
		codes[i] = c.Code
	}
	return strings.Join(codes, ", ")
}

// panelSeats returns, for each challenge with a panel in the round, the experts
// who hold a seat on it.
func panelSeats(ctx context.Context, db bun.IDB, roundID string) (map[string]map[string]bool, error) {
	var rows []struct {
		ChallengeID string  `bun:"challenge_id"`
		ExpertID    *string `bun:"expert_id"`
		Status      *string `bun:"status"`
	}
	if err := db.NewSelect().TableExpr("proposals AS pr").
		Join("LEFT JOIN proposal_members AS pm ON pm.proposal_id = pr.id").
		ColumnExpr("pr.challenge_id AS challenge_id, pm.expert_id AS expert_id, pm.status AS status").
		Where("pr.round_id = ? AND pr.kind = ?", roundID, "panel").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("read panels of round %s: %w", roundID, err)
	}
	seats := map[string]map[string]bool{}
	for _, r := range rows {
		if seats[r.ChallengeID] == nil {
			seats[r.ChallengeID] = map[string]bool{}
		}
		if r.ExpertID != nil && r.Status != nil && (Member{Status: *r.Status}).Seated() {
			seats[r.ChallengeID][*r.ExpertID] = true
		}
	}
	return seats, nil
}

// FindReviewScores returns the scores recorded in the round with roundID, by
// challenge, expert and criterion, or ErrNotFound when there is no such round.
func (s *Store) FindReviewScores(ctx context.Context, roundID string) ([]ReviewScore, error) {
	db := s.idb()
	if ok, err := rowExists(ctx, db, "review_rounds", roundID); err != nil {
		return nil, fmt.Errorf("find review scores of round %s: %w", roundID, err)
	} else if !ok {
		return nil, fmt.Errorf("find review scores of round %s: %w", roundID, ErrNotFound)
	}
	var rows []scoreRow
	if err := db.NewSelect().Model(&rows).Where("rs.round_id = ?", roundID).
		Order("rs.challenge_id", "rs.expert_id", "rs.criterion").Scan(ctx); err != nil {
		return nil, fmt.Errorf("find review scores of round %s: %w", roundID, err)
	}
	out := make([]ReviewScore, len(rows))
	for i, r := range rows {
		out[i] = ReviewScore{RoundID: r.RoundID, ChallengeID: r.ChallengeID, ExpertID: r.ExpertID, Criterion: r.Criterion,
			Value: r.Value, Comment: r.Comment, At: r.ScoredAt.UTC()}
	}
	return out, nil
}
