package profiles

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

type proposalRow struct {
	bun.BaseModel `bun:"table:proposals,alias:pr"`

	ID          string    `bun:"id,pk"`
	Kind        string    `bun:"kind"`
	ChallengeID string    `bun:"challenge_id"`
	CityID      string    `bun:"city_id"`
	RoundID     *string   `bun:"round_id"`
	Status      string    `bun:"status"`
	Rules       *string   `bun:"rules"`
	Objective   float64   `bun:"objective"`
	Language    string    `bun:"language"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
	Version     int64     `bun:"version"`
}

type memberRow struct {
	bun.BaseModel `bun:"table:proposal_members,alias:pm"`

	ProposalID    string     `bun:"proposal_id,pk"`
	Position      int        `bun:"position,pk"`
	ExpertID      *string    `bun:"expert_id"`
	PartnerCityID *string    `bun:"partner_city_id"`
	Status        string     `bun:"status"`
	Pinned        bool       `bun:"pinned"`
	Lead          bool       `bun:"lead"`
	Skills        *string    `bun:"skills"`
	Score         float64    `bun:"score"`
	Explanation   *string    `bun:"explanation"`
	Reason        string     `bun:"reason"`
	AnsweredAt    *time.Time `bun:"answered_at"`
}

type alternateRow struct {
	bun.BaseModel `bun:"table:proposal_alternates,alias:pa"`

	ProposalID    string  `bun:"proposal_id,pk"`
	Position      int     `bun:"position,pk"`
	ExpertID      *string `bun:"expert_id"`
	PartnerCityID *string `bun:"partner_city_id"`
	Score         float64 `bun:"score"`
	Explanation   *string `bun:"explanation"`
	Replaces      string  `bun:"replaces"`
}

type exclusionRow struct {
	bun.BaseModel `bun:"table:proposal_exclusions,alias:px"`

	ProposalID string `bun:"proposal_id,pk"`
	Position   int    `bun:"position,pk"`
	ExpertID   string `bun:"expert_id"`
	Reason     string `bun:"reason"`
}

type eventRow struct {
	bun.BaseModel `bun:"table:proposal_events,alias:pe"`

	ProposalID      string    `bun:"proposal_id,pk"`
	Seq             int       `bun:"seq,pk"`
	HappenedAt      time.Time `bun:"happened_at"`
	Type            string    `bun:"type"`
	FromStatus      string    `bun:"from_status"`
	ToStatus        string    `bun:"to_status"`
	ExpertID        string    `bun:"expert_id"`
	OtherExpertID   string    `bun:"other_expert_id"`
	Reason          string    `bun:"reason"`
	ObjectiveBefore *float64  `bun:"objective_before"`
	ObjectiveAfter  *float64  `bun:"objective_after"`
	Actor           string    `bun:"actor"`
}

type declineRow struct {
	bun.BaseModel `bun:"table:declines,alias:d"`

	ChallengeID string    `bun:"challenge_id,pk"`
	ExpertID    string    `bun:"expert_id,pk"`
	ProposalID  string    `bun:"proposal_id"`
	Reason      string    `bun:"reason"`
	DeclinedAt  time.Time `bun:"declined_at"`
}

// proposalMembers is the join table that FindProposals filters on for ExpertID.
var proposalMembers = listSpec{"proposal_members", "proposal_id", "expert_id"}

// liveStatuses are the states of a proposal whose accepted seats are engagements
// the expert holds.
var liveStatuses = []string{ProposalInvited, ProposalAccepted, ProposalActive}

// modeOfKind is the mode of learning each kind of proposal serves.
var modeOfKind = map[string]string{"panel": "peer_review", "team": "tutoring", "pairing": "exchange"}

// jsonText is how a JSON document is stored: its compact text, or NULL.
func jsonText(raw json.RawMessage) *string {
	if raw == nil {
		return nil
	}
	s := string(raw)
	return &s
}

func rawJSON(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}

func (r *proposalRow) set(p Proposal) {
	r.Kind, r.ChallengeID, r.CityID, r.RoundID, r.Status = p.Kind, p.ChallengeID, p.CityID, p.RoundID, p.Status
	r.Rules, r.Objective, r.Language = jsonText(p.Rules), p.Objective, p.Language
}

func (r *proposalRow) meta() Meta {
	return Meta{ID: r.ID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version}
}

// proposalChildren are the lists of many proposals, by proposal ID.
type proposalChildren struct {
	members    map[string][]Member
	alternates map[string][]Alternate
	exclusions map[string][]Exclusion
}

func (r *proposalRow) proposal(c proposalChildren) Proposal {
	p := Proposal{
		Meta: r.meta(), Kind: r.Kind, ChallengeID: r.ChallengeID, CityID: r.CityID, RoundID: r.RoundID, Status: r.Status,
		Rules: rawJSON(r.Rules), Objective: r.Objective, Language: r.Language,
		Members: c.members[r.ID], Alternates: c.alternates[r.ID], Exclusions: c.exclusions[r.ID],
	}
	if p.Members == nil {
		p.Members = []Member{}
	}
	if p.Alternates == nil {
		p.Alternates = []Alternate{}
	}
	if p.Exclusions == nil {
		p.Exclusions = []Exclusion{}
	}
	return p
}

// readProposalChildren loads the members, alternates and exclusions of many
// proposals: three queries however many proposals there are.
func readProposalChildren(ctx context.Context, db bun.IDB, o owners) (proposalChildren, error) {
	c := proposalChildren{members: map[string][]Member{}, alternates: map[string][]Alternate{}, exclusions: map[string][]Exclusion{}}
	if len(o.ids) == 0 {
		return c, nil
	}
	var members []memberRow
	cond, args := o.where("pm.proposal_id")
	if err := db.NewSelect().Model(&members).Where(cond, args...).Order("pm.proposal_id", "pm.position").Scan(ctx); err != nil {
		return c, fmt.Errorf("read proposal members: %w", err)
	}
	for _, r := range members {
		m := Member{
			ExpertID: deref(r.ExpertID), PartnerCityID: deref(r.PartnerCityID), Status: r.Status, Pinned: r.Pinned, Lead: r.Lead,
			Score: r.Score, Explanation: rawJSON(r.Explanation), Reason: r.Reason,
		}
		if r.Skills != nil {
			if err := json.Unmarshal([]byte(*r.Skills), &m.Skills); err != nil {
				return c, fmt.Errorf("read skills of a member of proposal %s: %w", r.ProposalID, err)
			}
		}
		if r.AnsweredAt != nil {
			t := r.AnsweredAt.UTC()
			m.AnsweredAt = &t
		}
		c.members[r.ProposalID] = append(c.members[r.ProposalID], m)
	}
	var alternates []alternateRow
	cond, args = o.where("pa.proposal_id")
	if err := db.NewSelect().Model(&alternates).Where(cond, args...).Order("pa.proposal_id", "pa.position").Scan(ctx); err != nil {
		return c, fmt.Errorf("read proposal alternates: %w", err)
	}
	for _, r := range alternates {
		c.alternates[r.ProposalID] = append(c.alternates[r.ProposalID], Alternate{
			ExpertID: deref(r.ExpertID), PartnerCityID: deref(r.PartnerCityID), Score: r.Score,
			Explanation: rawJSON(r.Explanation), For: r.Replaces,
		})
	}
	var exclusions []exclusionRow
	cond, args = o.where("px.proposal_id")
	if err := db.NewSelect().Model(&exclusions).Where(cond, args...).Order("px.proposal_id", "px.position").Scan(ctx); err != nil {
		return c, fmt.Errorf("read proposal exclusions: %w", err)
	}
	for _, r := range exclusions {
		c.exclusions[r.ProposalID] = append(c.exclusions[r.ProposalID], Exclusion{ExpertID: r.ExpertID, Reason: r.Reason})
	}
	return c, nil
}

// writeProposalChildren writes the lists of proposals ps, whose rows have none yet.
func writeProposalChildren(ctx context.Context, db bun.IDB, ps []Proposal) error {
	var (
		members    []memberRow
		alternates []alternateRow
		exclusions []exclusionRow
	)
	for _, p := range ps {
		for i, m := range p.Members {
			r := memberRow{
				ProposalID: p.ID, Position: i, ExpertID: nullString(m.ExpertID), PartnerCityID: nullString(m.PartnerCityID),
				Status: m.Status, Pinned: m.Pinned, Lead: m.Lead, Score: m.Score, Explanation: jsonText(m.Explanation),
				Reason: m.Reason,
			}
			if m.AnsweredAt != nil {
				// A copy: a row must not share memory with the caller's value.
				t := *m.AnsweredAt
				r.AnsweredAt = &t
			}
			if len(m.Skills) > 0 {
				b, err := json.Marshal(m.Skills)
				if err != nil {
					return fmt.Errorf("encode skills: %w", err)
				}
				r.Skills = nullString(string(b))
			}
			members = append(members, r)
		}
		for i, a := range p.Alternates {
			alternates = append(alternates, alternateRow{
				ProposalID: p.ID, Position: i, ExpertID: nullString(a.ExpertID), PartnerCityID: nullString(a.PartnerCityID),
				Score: a.Score, Explanation: jsonText(a.Explanation), Replaces: a.For,
			})
		}
		for i, x := range p.Exclusions {
			exclusions = append(exclusions, exclusionRow{ProposalID: p.ID, Position: i, ExpertID: x.ExpertID, Reason: x.Reason})
		}
	}
	if err := insertRows(ctx, db, members, "proposal members"); err != nil {
		return err
	}
	if err := insertRows(ctx, db, alternates, "proposal alternates"); err != nil {
		return err
	}
	return insertRows(ctx, db, exclusions, "proposal exclusions")
}

// clearProposalChildren deletes the lists of the proposal with id.
func clearProposalChildren(ctx context.Context, db bun.IDB, id string) error {
	for _, table := range []string{"proposal_members", "proposal_alternates", "proposal_exclusions"} {
		if _, err := db.NewDelete().TableExpr(table).Where("proposal_id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("clear %s: %w", table, err)
		}
	}
	return nil
}

// insertRows inserts rows a bounded number at a time, so that a statement stays
// well inside SQLite's limit on the length of SQL text. It reads nothing back:
// by default bun returns the NULL columns of an insert and scans them into the
// rows, which costs a round of decoding and rewrites the values they point to.
func insertRows[T any](ctx context.Context, db bun.IDB, rows []T, what string) error {
	for _, chunk := range chunks(rows, maxRowsPerInsert) {
		if _, err := db.NewInsert().Model(&chunk).Returning("NULL").Exec(ctx); err != nil {
			return fmt.Errorf("write %s: %w", what, err)
		}
	}
	return nil
}

// appendEvents adds evs to the history of the proposal with id, after its last entry.
func appendEvents(ctx context.Context, db bun.IDB, id string, evs []ProposalEvent) error {
	if len(evs) == 0 {
		return nil
	}
	var last int
	if err := db.NewSelect().Table("proposal_events").ColumnExpr("COALESCE(MAX(seq), 0)").Where("proposal_id = ?", id).Scan(ctx, &last); err != nil {
		return fmt.Errorf("read history of proposal %s: %w", id, err)
	}
	rows := make([]eventRow, len(evs))
	for i, ev := range evs {
		rows[i] = eventRow{
			ProposalID: id, Seq: last + 1 + i, HappenedAt: ev.At, Type: ev.Type, FromStatus: ev.FromStatus, ToStatus: ev.ToStatus,
			ExpertID: ev.ExpertID, OtherExpertID: ev.Other, Reason: ev.Reason,
			ObjectiveBefore: ev.ObjectiveBefore, ObjectiveAfter: ev.ObjectiveAfter, Actor: ev.Actor,
		}
	}
	return insertRows(ctx, db, rows, "proposal history")
}

// chunks splits items into slices of at most size, so that an IN list or a
// multi-row INSERT stays short.
func chunks[T any](items []T, size int) [][]T {
	var out [][]T
	for start := 0; start < len(items); start += size {
		out = append(out, items[start:min(start+size, len(items))])
	}
	return out
}

// idChunk is how many IDs one IN list holds.
const idChunk = 500

// existingIDs returns which of ids are rows of table.
func existingIDs(ctx context.Context, db bun.IDB, table string, ids []string) (map[string]bool, error) {
	found := make(map[string]bool, len(ids))
	for _, c := range chunks(ids, idChunk) {
		var got []string
		if err := db.NewSelect().TableExpr(table).Column("id").Where("id IN (?)", bun.List(c)).Scan(ctx, &got); err != nil {
			return nil, fmt.Errorf("check %s: %w", table, err)
		}
		for _, id := range got {
			found[id] = true
		}
	}
	return found, nil
}

// uniqueIDs returns the distinct non-empty IDs, in their first order.
func uniqueIDs(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// FindExpertsByIDs returns the experts with these IDs, in the order given, each
// once; unknown IDs are skipped. A chunk of IDs is read in one statement,
// each expert whole (see whole).
func (s *Store) FindExpertsByIDs(ctx context.Context, ids []string) ([]Expert, error) {
	ids = uniqueIDs(ids)
	found := make(map[string]Expert, len(ids))
	db := s.idb()
	for _, c := range chunks(ids, idChunk) {
		var rows []expertRow
		// In the database's order, so that the first and last bound the lists' range.
		if err := wholeExperts(db.NewSelect().Model(&rows)).Where("e.id IN (?)", bun.List(c)).Scan(ctx); err != nil {
			return nil, fmt.Errorf("find experts by id: %w", err)
		}
		for i := range rows {
			found[rows[i].ID] = rows[i].expert(rows[i].lists())
		}
	}
	out := make([]Expert, 0, len(found))
	for _, id := range ids {
		if e, ok := found[id]; ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// checkProposalRefs checks what proposals ps name in other tables: their
// challenge (filling CityID from it), their round, and the experts and partner
// cities not in known (those a stored proposal already names, which may have
// been deleted since). Errors go to e, under each proposal's prefix.
func checkProposalRefs(ctx context.Context, db bun.IDB, e *ValidationError, ps []Proposal, prefix func(int) string, known map[string]bool, withChallenge bool) error {
	var challengeIDs, roundIDs, expertIDs, cityIDs []string
	for _, p := range ps {
		challengeIDs = append(challengeIDs, p.ChallengeID)
		if p.RoundID != nil {
			roundIDs = append(roundIDs, *p.RoundID)
		}
		for _, m := range p.Members {
			expertIDs, cityIDs = append(expertIDs, m.ExpertID), append(cityIDs, m.PartnerCityID)
		}
		for _, a := range p.Alternates {
			expertIDs, cityIDs = append(expertIDs, a.ExpertID), append(cityIDs, a.PartnerCityID)
		}
		for _, x := range p.Exclusions {
			expertIDs = append(expertIDs, x.ExpertID)
		}
	}
	unknown := func(ids []string) []string {
		return slices.DeleteFunc(uniqueIDs(ids), func(id string) bool { return known[id] })
	}
	challengeCity := map[string]string{}
	if withChallenge {
		for _, c := range chunks(uniqueIDs(challengeIDs), idChunk) {
			var rows []struct {
				ID     string `bun:"id"`
				CityID string `bun:"city_id"`
			}
			if err := db.NewSelect().Table("challenges").Column("id", "city_id").Where("id IN (?)", bun.List(c)).Scan(ctx, &rows); err != nil {
				return fmt.Errorf("check challenges: %w", err)
			}
			for _, r := range rows {
				challengeCity[r.ID] = r.CityID
			}
		}
	}
	rounds, err := existingIDs(ctx, db, "review_rounds", uniqueIDs(roundIDs))
	if err != nil {
		return err
	}
	experts, err := existingIDs(ctx, db, "experts", unknown(expertIDs))
	if err != nil {
		return err
	}
	cities, err := existingIDs(ctx, db, "cities", unknown(cityIDs))
	if err != nil {
		return err
	}
	exists := func(m map[string]bool, id string) bool { return id == "" || known[id] || m[id] }
	for i := range ps {
		p, pre := &ps[i], prefix(i)
		if withChallenge && p.ChallengeID != "" && !e.has(pre+"challenge_id") {
			city, ok := challengeCity[p.ChallengeID]
			switch {
			case !ok:
				e.add(pre+"challenge_id", "no challenge with id %q", p.ChallengeID)
			case p.CityID == "":
				p.CityID = city
			case p.CityID != city:
				e.add(pre+"city_id", "must be the city of the challenge (%s), not %q", city, p.CityID)
			}
		}
		if p.RoundID != nil && !rounds[*p.RoundID] {
			e.add(pre+"round_id", "no review round with id %q", *p.RoundID)
		}
		for j, m := range p.Members {
			if !exists(experts, m.ExpertID) {
				e.add(fmt.Sprintf("%smembers[%d].expert_id", pre, j), "no expert with id %q", m.ExpertID)
			}
			if !exists(cities, m.PartnerCityID) {
				e.add(fmt.Sprintf("%smembers[%d].partner_city_id", pre, j), "no city with id %q", m.PartnerCityID)
			}
		}
		for j, a := range p.Alternates {
			if !exists(experts, a.ExpertID) {
				e.add(fmt.Sprintf("%salternates[%d].expert_id", pre, j), "no expert with id %q", a.ExpertID)
			}
			if !exists(cities, a.PartnerCityID) {
				e.add(fmt.Sprintf("%salternates[%d].partner_city_id", pre, j), "no city with id %q", a.PartnerCityID)
			}
		}
		for j, x := range p.Exclusions {
			if !exists(experts, x.ExpertID) {
				e.add(fmt.Sprintf("%sexclusions[%d].expert_id", pre, j), "no expert with id %q", x.ExpertID)
			}
		}
	}
	return nil
}

// CreateProposal stores a new proposal with its members, alternates and
// exclusions, and ev as the first entry of its history (a "status" entry to the
// initial status, at now when ev.At is zero). Status defaults to "proposed" and
// CityID to the challenge's city.
func (s *Store) CreateProposal(ctx context.Context, p Proposal, ev ProposalEvent) (Proposal, error) {
	var out []Proposal
	err := s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		var (
			notify []string
			err    error
		)
		out, notify, err = s.createProposals(ctx, tx, []Proposal{p}, ev, func(int) string { return "" })
		ch.experts(notify)
		if err == nil {
			created(ctx, "proposals", out[0].ID)
		}
		return err
	})
	if err != nil {
		return Proposal{}, fmt.Errorf("create proposal: %w", err)
	}
	return out[0], nil
}

// CreateProposals stores many proposals at once, as CreateProposal does each:
// all of them or, on any error, none. Field errors are named
// "proposals[i].field".
func (s *Store) CreateProposals(ctx context.Context, ps []Proposal, ev ProposalEvent) ([]Proposal, error) {
	if len(ps) == 0 {
		return []Proposal{}, nil
	}
	var out []Proposal
	err := s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		var (
			notify []string
			err    error
		)
		out, notify, err = s.createProposals(ctx, tx, ps, ev, func(i int) string { return fmt.Sprintf("proposals[%d].", i) })
		ch.experts(notify)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create proposals: %w", err)
	}
	return out, nil
}

// createProposals validates and inserts ps inside db, a transaction, and returns
// them as stored with the experts whose load or feedback they change.
func (s *Store) createProposals(ctx context.Context, db bun.IDB, ps []Proposal, ev ProposalEvent, prefix func(int) string) ([]Proposal, []string, error) {
	now := s.timestamp()
	e := &ValidationError{}
	ps = slices.Clone(ps)
	for i := range ps {
		ps[i] = s.v.proposal(e, prefix(i), ps[i])
	}
	ev.Type, ev.FromStatus, ev.ToStatus = "status", "", ProposalProposed
	ev = s.v.event(e, "event", ev, now)
	if err := checkProposalRefs(ctx, db, e, ps, prefix, nil, true); err != nil {
		return nil, nil, err
	}
	if err := e.err(); err != nil {
		return nil, nil, err
	}
	rows := make([]proposalRow, len(ps))
	var (
		declines []declineRow
		notify   []string
	)
	for i := range ps {
		p := &ps[i]
		p.Meta = Meta{ID: s.newID(), CreatedAt: now, UpdatedAt: now, Version: 1}
		wrote(ctx, "proposal", p.ID)
		rows[i] = proposalRow{ID: p.ID, CreatedAt: now, UpdatedAt: now, Version: 1}
		rows[i].set(*p)
		declines = append(declines, newDeclines(Proposal{}, *p, now)...)
		notify = append(notify, engagedExperts(*p)...)
	}
	if err := insertRows(ctx, db, rows, "proposals"); err != nil {
		return nil, nil, err
	}
	if err := writeProposalChildren(ctx, db, ps); err != nil {
		return nil, nil, err
	}
	for _, p := range ps {
		first := ev
		first.ToStatus = p.Status
		if err := appendEvents(ctx, db, p.ID, []ProposalEvent{first}); err != nil {
			return nil, nil, err
		}
	}
	if err := insertDeclines(ctx, db, declines); err != nil {
		return nil, nil, err
	}
	return ps, uniqueIDs(notify), nil
}

// engagedExperts returns the experts whose accepted seats in p count towards
// their load or feedback: a new proposal notifies only them, since the seats of
// a proposal that is merely proposed change nothing an index holds.
func engagedExperts(p Proposal) []string {
	if !slices.Contains(liveStatuses, p.Status) && p.Status != ProposalCompleted {
		return nil
	}
	var out []string
	for _, m := range p.Members {
		if m.Status == MemberAccepted && m.ExpertID != "" {
			out = append(out, m.ExpertID)
		}
	}
	return out
}

// FindProposalByID returns the proposal with id, or ErrNotFound.
func (s *Store) FindProposalByID(ctx context.Context, id string) (Proposal, error) {
	return findProposal(ctx, s.idb(), id)
}

func findProposal(ctx context.Context, db bun.IDB, id string) (Proposal, error) {
	var row proposalRow
	if err := db.NewSelect().Model(&row).Where("pr.id = ?", id).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Proposal{}, fmt.Errorf("find proposal %s: %w", id, ErrNotFound)
		}
		return Proposal{}, fmt.Errorf("find proposal %s: %w", id, err)
	}
	c, err := readProposalChildren(ctx, db, oneOwner(id))
	if err != nil {
		return Proposal{}, fmt.Errorf("find proposal %s: %w", id, err)
	}
	return row.proposal(c), nil
}

func (f ProposalFilter) apply(q *bun.SelectQuery) *bun.SelectQuery {
	if f.ChallengeID != "" {
		q = q.Where("pr.challenge_id = ?", f.ChallengeID)
	}
	if f.CityID != "" {
		q = q.Where("pr.city_id = ?", f.CityID)
	}
	if f.ExpertID != "" {
		q = existsIn(q, nil, proposalMembers, "pr", f.ExpertID)
	}
	if f.SentToExpertID != "" {
		q = q.Where("EXISTS (SELECT 1 FROM proposal_members AS ps WHERE ps.proposal_id = pr.id AND ps.expert_id = ? AND ps.status IN (?))",
			f.SentToExpertID, bun.List(sentStatuses))
	}
	if f.PartyCityID != "" {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("pr.city_id = ?", f.PartyCityID).
				WhereOr("EXISTS (SELECT 1 FROM proposal_members AS pp WHERE pp.proposal_id = pr.id AND pp.partner_city_id = ? AND pp.status IN (?))",
					f.PartyCityID, bun.List(sentStatuses))
		})
	}
	if f.RoundID != "" {
		q = q.Where("pr.round_id = ?", f.RoundID)
	}
	if f.Kind != "" {
		q = q.Where("pr.kind = ?", f.Kind)
	}
	if f.Status != "" {
		q = q.Where("pr.status = ?", f.Status)
	}
	return q
}

func (f ProposalFilter) unfiltered() bool {
	return f.ChallengeID == "" && f.CityID == "" && f.ExpertID == "" && f.SentToExpertID == "" && f.PartyCityID == "" && f.RoundID == "" && f.Kind == "" && f.Status == ""
}

// FindProposals returns one page of the proposals that match f, in ID order
// (which is creation order), with their lists.
func (s *Store) FindProposals(ctx context.Context, f ProposalFilter) (ListResult[Proposal], error) {
	total := 0
	if !f.Page.batch && !f.Page.NoTotal {
		var err error
		total, err = count(ctx, s.idb(), f.apply(s.idb().NewSelect().Model((*proposalRow)(nil))), f.Page)
		if err != nil {
			return ListResult[Proposal]{}, fmt.Errorf("count proposals: %w", err)
		}
	}
	var rows []proposalRow
	if err := paginate(f.apply(s.idb().NewSelect().Model(&rows)), nil, "pr", f.Page).Scan(ctx); err != nil {
		return ListResult[Proposal]{}, fmt.Errorf("find proposals: %w", err)
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	c, err := readProposalChildren(ctx, s.idb(), owners{ids: ids, whole: f.unfiltered()})
	if err != nil {
		return ListResult[Proposal]{}, fmt.Errorf("find proposals: %w", err)
	}
	items := make([]Proposal, len(rows))
	for i := range rows {
		items[i] = rows[i].proposal(c)
	}
	return pageOf(items, total, f.Page, func(p Proposal) string { return p.ID }), nil
}

// SaveProposal writes back the proposal p that the caller read at version prev
// (0 means p.Version) and changed: its Status, Objective, Language, Rules,
// Members, Alternates and Exclusions; its kind, challenge, city and round stay
// as stored. A stored version other than prev is a *StaleError; a status move
// that CanMoveProposal forbids is a *ConflictError. events are appended to the
// history (at now when their At is zero), with a "status" entry added when the
// status changes and none of events records it. Every expert whose member status
// became "declined" gets a Decline for the challenge. The experts whose seat or
// proposal status changed are recorded in the change feed.
func (s *Store) SaveProposal(ctx context.Context, p Proposal, prev int64, events []ProposalEvent) (Proposal, error) {
	if prev == 0 {
		prev = p.Version
	}
	var out Proposal
	wrote(ctx, "proposal", p.ID)
	err := s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		if err := s.lockRow(ctx, tx, "proposals", p.ID); err != nil {
			return err
		}
		cur, err := findProposal(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if cur.Version != prev {
			return staleVersion("proposal", p.ID, prev, cur.Version)
		}
		now := s.timestamp()
		next := p
		next.Kind, next.ChallengeID, next.CityID, next.RoundID = cur.Kind, cur.ChallengeID, cur.CityID, cur.RoundID
		e := &ValidationError{}
		next = s.v.proposal(e, "", next)
		evs := make([]ProposalEvent, len(events))
		for i, ev := range events {
			evs[i] = s.v.event(e, fmt.Sprintf("events[%d]", i), ev, now)
		}
		if err := checkProposalRefs(ctx, tx, e, []Proposal{next}, func(int) string { return "" }, namedIn(cur), false); err != nil {
			return err
		}
		if err := e.err(); err != nil {
			return err
		}
		if next.Status != cur.Status {
			if !CanMoveProposal(cur.Status, next.Status) {
				return Conflictf("proposal is %s: cannot move to %s", cur.Status, next.Status)
			}
			if !slices.ContainsFunc(evs, func(ev ProposalEvent) bool { return ev.Type == "status" && ev.ToStatus == next.Status }) {
				evs = append(evs, ProposalEvent{At: now, Type: "status", ToStatus: next.Status})
			}
			for i := range evs {
				if evs[i].Type == "status" && evs[i].ToStatus == next.Status && evs[i].FromStatus == "" {
					evs[i].FromStatus = cur.Status
				}
			}
		}
		if err := s.checkCapacity(ctx, tx, cur, next); err != nil {
			return err
		}
		next.Meta = Meta{ID: cur.ID, CreatedAt: cur.CreatedAt, UpdatedAt: now, Version: cur.Version + 1}
		row := proposalRow{ID: cur.ID, CreatedAt: cur.CreatedAt, UpdatedAt: now, Version: cur.Version + 1}
		row.set(next)
		if err := updateVersioned(ctx, tx, &row, cur.Version); err != nil {
			return err
		}
		if err := clearProposalChildren(ctx, tx, cur.ID); err != nil {
			return err
		}
		if err := writeProposalChildren(ctx, tx, []Proposal{next}); err != nil {
			return err
		}
		if err := appendEvents(ctx, tx, cur.ID, evs); err != nil {
			return err
		}
		if err := insertDeclines(ctx, tx, newDeclines(cur, next, now)); err != nil {
			return err
		}
		out = next
		ch.experts(changedExperts(cur, next))
		return nil
	})
	if err != nil {
		return Proposal{}, fmt.Errorf("save proposal %s: %w", p.ID, err)
	}
	return out, nil
}

// engagements counts, per expert, the accepted seats of p that are engagements:
// none unless p is live.
func engagements(p Proposal) map[string]int {
	out := map[string]int{}
	if !slices.Contains(liveStatuses, p.Status) {
		return out
	}
	for _, m := range p.Members {
		if m.ExpertID != "" && m.Status == MemberAccepted {
			out[m.ExpertID]++
		}
	}
	return out
}

// checkCapacity refuses a save that would give an expert more engagements than
// their capacity. It runs inside the save's transaction, after taking each
// gaining expert's row lock (in ID order, so that two saves never wait on each
// other in a cycle; on SQLite the immediate transaction already holds the only
// write lock): concurrent acceptances of one expert queue here, and each counts
// the others' committed seats, so that no interleaving overbooks an expert.
func (s *Store) checkCapacity(ctx context.Context, tx bun.Tx, cur, next Proposal) error {
	before, after := engagements(cur), engagements(next)
	var gaining []string
	for id, n := range after {
		if n > before[id] {
			gaining = append(gaining, id)
		}
	}
	slices.Sort(gaining)
	for _, id := range gaining {
		if err := s.lockRow(ctx, tx, "experts", id); err != nil {
			return err
		}
		var capacity int
		err := tx.NewSelect().Table("experts").Column("capacity").Where("id = ?", id).Scan(ctx, &capacity)
		if errors.Is(err, sql.ErrNoRows) {
			continue // erased since the proposal named them: checkProposalRefs decides
		}
		if err != nil {
			return fmt.Errorf("capacity of expert %s: %w", id, err)
		}
		var elsewhere int
		err = tx.NewSelect().TableExpr("proposal_members AS pm").
			Join("JOIN proposals AS pr ON pr.id = pm.proposal_id").
			ColumnExpr("COUNT(*)").
			Where("pm.expert_id = ?", id).Where("pm.status = ?", MemberAccepted).
			Where("pr.status IN (?)", bun.List(liveStatuses)).Where("pm.proposal_id <> ?", cur.ID).
			Scan(ctx, &elsewhere)
		if err != nil {
			return fmt.Errorf("engagements of expert %s: %w", id, err)
		}
		if elsewhere+after[id] > capacity {
			return Conflictf("capacity: expert %s has no engagement left to give: %d of %d under way", id, elsewhere, capacity)
		}
	}
	return nil
}

// namedIn returns the experts and cities that p already names, which a save may
// keep even if they were deleted since.
func namedIn(p Proposal) map[string]bool {
	known := map[string]bool{}
	for _, m := range p.Members {
		known[m.ExpertID], known[m.PartnerCityID] = true, true
	}
	for _, a := range p.Alternates {
		known[a.ExpertID], known[a.PartnerCityID] = true, true
	}
	for _, x := range p.Exclusions {
		known[x.ExpertID] = true
	}
	delete(known, "")
	return known
}

// changedExperts returns the experts of before or after whose load or feedback
// may have moved: all of them when the proposal's status changed, else those
// whose member statuses changed. They are sorted, so notices come in a stable order.
func changedExperts(before, after Proposal) []string {
	set := map[string]bool{}
	if before.Status != after.Status {
		for _, m := range slices.Concat(before.Members, after.Members) {
			set[m.ExpertID] = true
		}
	} else {
		b, a := memberStates(before), memberStates(after)
		for id, st := range b {
			if a[id] != st {
				set[id] = true
			}
		}
		for id, st := range a {
			if b[id] != st {
				set[id] = true
			}
		}
	}
	delete(set, "")
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// memberStates maps each expert of p to the statuses of their seats.
func memberStates(p Proposal) map[string]string {
	m := map[string]string{}
	for _, mb := range p.Members {
		if mb.ExpertID != "" {
			m[mb.ExpertID] += mb.Status + ","
		}
	}
	return m
}

// newDeclines returns a Decline for every expert who declined a seat of after
// but had declined none of before.
func newDeclines(before, after Proposal, now time.Time) []declineRow {
	declined := map[string]bool{}
	for _, m := range before.Members {
		if m.Status == MemberDeclined {
			declined[m.ExpertID] = true
		}
	}
	var out []declineRow
	for _, m := range after.Members {
		if m.Status != MemberDeclined || m.ExpertID == "" || declined[m.ExpertID] {
			continue
		}
		declined[m.ExpertID] = true
		at := now
		if m.AnsweredAt != nil {
			at = *m.AnsweredAt
		}
		out = append(out, declineRow{ChallengeID: after.ChallengeID, ExpertID: m.ExpertID, ProposalID: after.ID, Reason: m.Reason, DeclinedAt: at})
	}
	return out
}

// insertDeclines records declines; a pair that declined before keeps its first
// decline (ON CONFLICT DO NOTHING, which both databases read alike).
func insertDeclines(ctx context.Context, db bun.IDB, rows []declineRow) error {
	if len(rows) == 0 {
		return nil
	}
	if _, err := db.NewInsert().Model(&rows).On("CONFLICT (challenge_id, expert_id) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("record declines: %w", err)
	}
	return nil
}

// ProposalHistory returns the history of the proposal with id, oldest first, or
// ErrNotFound.
func (s *Store) ProposalHistory(ctx context.Context, id string) ([]ProposalEvent, error) {
	db := s.idb()
	if ok, err := rowExists(ctx, db, "proposals", id); err != nil {
		return nil, fmt.Errorf("proposal history %s: %w", id, err)
	} else if !ok {
		return nil, fmt.Errorf("proposal history %s: %w", id, ErrNotFound)
	}
	var rows []eventRow
	if err := db.NewSelect().Model(&rows).Where("pe.proposal_id = ?", id).Order("pe.seq").Scan(ctx); err != nil {
		return nil, fmt.Errorf("proposal history %s: %w", id, err)
	}
	out := make([]ProposalEvent, len(rows))
	for i, r := range rows {
		out[i] = ProposalEvent{
			At: r.HappenedAt.UTC(), Type: r.Type, FromStatus: r.FromStatus, ToStatus: r.ToStatus, ExpertID: r.ExpertID,
			Other: r.OtherExpertID, Reason: r.Reason, ObjectiveBefore: r.ObjectiveBefore, ObjectiveAfter: r.ObjectiveAfter, Actor: r.Actor,
		}
	}
	return out, nil
}

// rowExists reports whether table has a row with id.
func rowExists(ctx context.Context, db bun.IDB, table, id string) (bool, error) {
	n, err := db.NewSelect().TableExpr(table).Where("id = ?", id).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("check %s %s: %w", table, id, err)
	}
	return n > 0, nil
}

// DeclinesOf returns the experts who declined the challenge with challengeID,
// in the order they declined.
func (s *Store) DeclinesOf(ctx context.Context, challengeID string) ([]Decline, error) {
	var rows []declineRow
	if err := s.idb().NewSelect().Model(&rows).Where("d.challenge_id = ?", challengeID).Order("d.declined_at", "d.expert_id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("declines of challenge %s: %w", challengeID, err)
	}
	out := make([]Decline, len(rows))
	for i, r := range rows {
		out[i] = Decline{ChallengeID: r.ChallengeID, ExpertID: r.ExpertID, ProposalID: r.ProposalID, Reason: r.Reason, At: r.DeclinedAt.UTC()}
	}
	return out, nil
}

// ExpertLoads returns how many engagements each expert holds: accepted seats in
// proposals that are invited, accepted or active. With ids nil it covers every
// expert with a load; otherwise the experts of ids. An expert with no load is
// absent from the map (its load reads as 0).
func (s *Store) ExpertLoads(ctx context.Context, ids []string) (map[string]int, error) {
	out := map[string]int{}
	err := eachChunk(ids, func(c []string) error {
		q := s.idb().NewSelect().TableExpr("proposal_members AS pm").
			Join("JOIN proposals AS pr ON pr.id = pm.proposal_id").
			ColumnExpr("pm.expert_id AS expert_id").ColumnExpr("COUNT(*) AS n").
			Where("pm.status = ?", MemberAccepted).Where("pr.status IN (?)", bun.List(liveStatuses)).
			Where("pm.expert_id IS NOT NULL").GroupExpr("pm.expert_id")
		if c != nil {
			q = q.Where("pm.expert_id IN (?)", bun.List(c))
		}
		var rows []struct {
			ExpertID string `bun:"expert_id"`
			N        int    `bun:"n"`
		}
		if err := q.Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			out[r.ExpertID] = r.N
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("expert loads: %w", err)
	}
	return out, nil
}

// eachChunk calls f once with nil when ids is nil (no filter), and else once per
// chunk of the distinct ids.
func eachChunk(ids []string, f func([]string) error) error {
	if ids == nil {
		return f(nil)
	}
	for _, c := range chunks(uniqueIDs(ids), idChunk) {
		if err := f(c); err != nil {
			return err
		}
	}
	return nil
}
