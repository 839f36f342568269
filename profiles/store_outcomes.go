package profiles

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

type outcomeRow struct {
	bun.BaseModel `bun:"table:outcomes,alias:o"`

	ID         string    `bun:"id,pk"`
	ProposalID string    `bun:"proposal_id"`
	Side       string    `bun:"side"`
	ExpertID   string    `bun:"expert_id"`
	Applied    string    `bun:"applied"`
	Lessons    string    `bun:"lessons"`
	Rating     int       `bun:"rating"`
	CreatedAt  time.Time `bun:"created_at"`
}

func (r outcomeRow) outcome() Outcome {
	return Outcome{
		ID: r.ID, ProposalID: r.ProposalID, Side: r.Side, ExpertID: r.ExpertID, Applied: r.Applied,
		Lessons: r.Lessons, Rating: r.Rating, CreatedAt: r.CreatedAt.UTC(),
	}
}

// CreateOutcome records what one side of a completed proposal says of it: a
// city (of every accepted member, or of the one ExpertID names) or an expert
// (ExpertID, an accepted member). Every invalid field is named at once; a
// proposal that is not completed, or an outcome already recorded for the same
// proposal, side and expert, is a *ConflictError. The outcome is added to the
// proposal's history, and the experts a city rated are recorded in the change feed.
func (s *Store) CreateOutcome(ctx context.Context, o Outcome) (Outcome, error) {
	err := s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		// The lock queues this write behind a concurrent save of the proposal,
		// so that the status checked below is the one that commits.
		if err := s.lockRow(ctx, tx, "proposals", o.ProposalID); err != nil {
			return err
		}
		p, err := findProposal(ctx, tx, o.ProposalID)
		if err != nil {
			return err
		}
		if o, err = s.v.outcome(o, p); err != nil {
			return err
		}
		if p.Status != ProposalCompleted {
			return Conflictf("proposal is %s: outcomes are recorded once it is completed", p.Status)
		}
		n, err := tx.NewSelect().Model((*outcomeRow)(nil)).
			Where("o.proposal_id = ? AND o.side = ? AND o.expert_id = ?", p.ID, o.Side, o.ExpertID).Count(ctx)
		if err != nil {
			return fmt.Errorf("check outcomes: %w", err)
		}
		if n > 0 {
			return duplicateOutcome(o)
		}
		o.ID, o.CreatedAt = s.newID(), s.timestamp()
		wrote(ctx, "proposal", p.ID)
		row := outcomeRow{ID: o.ID, ProposalID: p.ID, Side: o.Side, ExpertID: o.ExpertID, Applied: o.Applied,
			Lessons: o.Lessons, Rating: o.Rating, CreatedAt: o.CreatedAt}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return duplicateOutcome(o)
			}
			return fmt.Errorf("insert outcome: %w", err)
		}
		ev := ProposalEvent{At: o.CreatedAt, Type: "outcome", ExpertID: o.ExpertID, Actor: o.Side,
			Reason: fmt.Sprintf("%s outcome, rated %d of 5", o.Side, o.Rating)}
		if err := appendEvents(ctx, tx, p.ID, []ProposalEvent{ev}); err != nil {
			return err
		}
		if o.Side == "city" {
			ch.experts(ratedExperts(p, o.ExpertID))
		}
		return nil
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("create outcome of proposal %s: %w", o.ProposalID, err)
	}
	return o, nil
}

func duplicateOutcome(o Outcome) error {
	who := "the " + o.Side
	if o.ExpertID != "" {
		who += " about expert " + o.ExpertID
	}
	if o.Side == "expert" {
		who = "expert " + o.ExpertID
	}
	return Conflictf("outcome already recorded by %s for proposal %s", who, o.ProposalID)
}

// ratedExperts returns who a city's rating of p applies to: the expert it names,
// or else every accepted member.
func ratedExperts(p Proposal, expertID string) []string {
	if expertID != "" {
		return []string{expertID}
	}
	var out []string
	for _, m := range p.Members {
		if m.Status == MemberAccepted && m.ExpertID != "" {
			out = append(out, m.ExpertID)
		}
	}
	return uniqueIDs(out)
}

// isUniqueViolation reports whether err is a unique-index violation, on either
// database: the index is the last guard against a duplicate the checks missed.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// FindOutcomes returns the outcomes recorded for the proposal with proposalID, in
// the order they were recorded, or ErrNotFound when there is no such proposal.
func (s *Store) FindOutcomes(ctx context.Context, proposalID string) ([]Outcome, error) {
	db := s.idb()
	if ok, err := rowExists(ctx, db, "proposals", proposalID); err != nil {
		return nil, fmt.Errorf("find outcomes of proposal %s: %w", proposalID, err)
	} else if !ok {
		return nil, fmt.Errorf("find outcomes of proposal %s: %w", proposalID, ErrNotFound)
	}
	var rows []outcomeRow
	if err := db.NewSelect().Model(&rows).Where("o.proposal_id = ?", proposalID).Order("o.created_at", "o.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("find outcomes of proposal %s: %w", proposalID, err)
	}
	out := make([]Outcome, len(rows))
	for i, r := range rows {
		out[i] = r.outcome()
	}
	return out, nil
}

// FeedbackOf sums up the completed engagements of experts: the completed
// proposals where each held an accepted seat, by mode, and the ratings cities
// gave them (outcomes of side "city" that name them, or that name nobody and so
// rate every accepted member). With ids nil it covers every expert with any
// feedback; otherwise it has an entry for each of ids, zero when they have none.
// Two aggregate queries per chunk of ids, whatever their number.
func (s *Store) FeedbackOf(ctx context.Context, ids []string) (map[string]Feedback, error) {
	out := map[string]Feedback{}
	entry := func(id string) Feedback {
		f, ok := out[id]
		if !ok {
			f = Feedback{ExpertID: id, ByMode: map[string]int{}}
		}
		return f
	}
	db := s.idb()
	err := eachChunk(ids, func(c []string) error {
		memberFilter, outcomeFilter := "", ""
		var memberArgs, outcomeArgs []any
		if c != nil {
			memberFilter, memberArgs = " AND pm.expert_id IN (?)", []any{bun.List(c)}
			outcomeFilter, outcomeArgs = " AND o.expert_id IN (?)", []any{bun.List(c)}
		}
		var engagements []struct {
			ExpertID string `bun:"expert_id"`
			Kind     string `bun:"kind"`
			N        int    `bun:"n"`
		}
		args := append([]any{ProposalCompleted, MemberAccepted}, memberArgs...)
		if err := db.NewRaw(`SELECT pm.expert_id AS expert_id, pr.kind AS kind, COUNT(DISTINCT pr.id) AS n
			FROM proposal_members AS pm JOIN proposals AS pr ON pr.id = pm.proposal_id
			WHERE pr.status = ? AND pm.status = ? AND pm.expert_id IS NOT NULL`+memberFilter+`
			GROUP BY pm.expert_id, pr.kind`, args...).Scan(ctx, &engagements); err != nil {
			return fmt.Errorf("count engagements: %w", err)
		}
		for _, r := range engagements {
			f := entry(r.ExpertID)
			f.Completed += r.N
			f.ByMode[modeOfKind[r.Kind]] += r.N
			out[r.ExpertID] = f
		}
		var ratings []struct {
			ExpertID string `bun:"expert_id"`
			N        int    `bun:"n"`
			Sum      int    `bun:"total"`
		}
		args = append([]any{"city"}, outcomeArgs...)
		args = append(args, "city", MemberAccepted)
		args = append(args, memberArgs...)
		if err := db.NewRaw(`SELECT o.expert_id AS expert_id, COUNT(*) AS n, SUM(o.rating) AS total
			FROM outcomes AS o
			WHERE o.side = ? AND o.expert_id <> ''`+outcomeFilter+`
			GROUP BY o.expert_id
			UNION ALL
			SELECT pm.expert_id AS expert_id, COUNT(*) AS n, SUM(o.rating) AS total
			FROM outcomes AS o JOIN proposal_members AS pm ON pm.proposal_id = o.proposal_id
			WHERE o.side = ? AND o.expert_id = '' AND pm.status = ? AND pm.expert_id IS NOT NULL`+memberFilter+`
			GROUP BY pm.expert_id`, args...).Scan(ctx, &ratings); err != nil {
			return fmt.Errorf("sum ratings: %w", err)
		}
		for _, r := range ratings {
			f := entry(r.ExpertID)
			f.Rated += r.N
			f.RatingSum += r.Sum
			out[r.ExpertID] = f
		}
		for _, id := range c {
			out[id] = entry(id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("feedback of experts: %w", err)
	}
	return out, nil
}
