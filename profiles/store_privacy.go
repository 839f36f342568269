package profiles

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// ErasedPrefix starts the pseudonym that stands for an erased expert in the
// history.
const ErasedPrefix = "erased-"

// engagedStatuses are the states of a proposal whose accepted seats put the
// city and the seated experts or partner cities in touch.
var engagedStatuses = []string{ProposalAccepted, ProposalActive, ProposalCompleted}

// Counterparts says whose contact details a city (cityID) or an expert
// (expertID) may see, as sets of IDs: the people they work with. For a city, the
// experts and the partner cities holding an accepted seat in its proposals that
// are accepted, active or completed, and the cities of such pairings where it
// is itself the accepted partner; for an expert, the cities of the proposals
// where they hold an accepted seat in such a proposal. With both IDs the sets
// are joined; with neither they are empty. The maps are never nil. One query.
func (s *Store) Counterparts(ctx context.Context, cityID, expertID string) (cities, experts map[string]bool, err error) {
	cities, experts = map[string]bool{}, map[string]bool{}
	var (
		parts []string
		args  []any
	)
	const from = ` FROM proposal_members AS pm JOIN proposals AS pr ON pr.id = pm.proposal_id
		WHERE pm.status = ? AND pr.status IN (?) AND `
	if cityID != "" {
		parts = append(parts,
			`SELECT pm.expert_id AS expert_id, pm.partner_city_id AS city_id`+from+`pr.city_id = ?`,
			`SELECT NULL AS expert_id, pr.city_id AS city_id`+from+`pm.partner_city_id = ?`)
		args = append(args, MemberAccepted, bun.List(engagedStatuses), cityID, MemberAccepted, bun.List(engagedStatuses), cityID)
	}
	if expertID != "" {
		parts = append(parts, `SELECT NULL AS expert_id, pr.city_id AS city_id`+from+`pm.expert_id = ?`)
		args = append(args, MemberAccepted, bun.List(engagedStatuses), expertID)
	}
	if len(parts) == 0 {
		return cities, experts, nil
	}
	var rows []struct {
		ExpertID *string `bun:"expert_id"`
		CityID   *string `bun:"city_id"`
	}
	if err := s.idb().NewRaw(strings.Join(parts, " UNION ALL "), args...).Scan(ctx, &rows); err != nil {
		return nil, nil, fmt.Errorf("counterparts: %w", err)
	}
	for _, r := range rows {
		if id := deref(r.ExpertID); id != "" && id != expertID {
			experts[id] = true
		}
		if id := deref(r.CityID); id != "" && id != cityID {
			cities[id] = true
		}
	}
	return cities, experts, nil
}

// proposalsNaming returns the IDs of the proposals where the expert with id is
// a member, an alternate or excluded, in ID order.
func proposalsNaming(ctx context.Context, db bun.IDB, id string) ([]string, error) {
	var ids []string
	if err := db.NewRaw(`SELECT proposal_id FROM proposal_members WHERE expert_id = ?
		UNION SELECT proposal_id FROM proposal_alternates WHERE expert_id = ?
		UNION SELECT proposal_id FROM proposal_exclusions WHERE expert_id = ?
		ORDER BY proposal_id`, id, id, id).Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("find proposals of expert %s: %w", id, err)
	}
	return ids, nil
}

// ExportExpert gathers everything the service holds on the expert with id, for
// the person's right of access: the profile; the proposals where they are a
// member, an alternate or excluded, each reduced to the entries about them and
// without its rules (the other people on a proposal are not theirs to see);
// their declines; the
// outcomes they recorded or that rate them (a city's outcome naming no expert
// rates every accepted member); the review scores they gave; their API keys and
// the audit entries of those keys. ErrNotFound when there is no such expert.
func (s *Store) ExportExpert(ctx context.Context, id string) (ExpertExport, error) {
	db := s.idb()
	expert, err := s.findExpert(ctx, db, id)
	if err != nil {
		return ExpertExport{}, fmt.Errorf("export expert: %w", err)
	}
	out := ExpertExport{Expert: expert, Proposals: []Proposal{}, Declines: []Decline{}, Outcomes: []Outcome{}, Scores: []ReviewScore{}, Keys: []APIKey{}}
	fail := func(err error) (ExpertExport, error) {
		return ExpertExport{}, fmt.Errorf("export expert %s: %w", id, err)
	}

	pids, err := proposalsNaming(ctx, db, id)
	if err != nil {
		return fail(err)
	}
	for _, c := range chunks(pids, idChunk) {
		var rows []proposalRow
		if err := db.NewSelect().Model(&rows).Where("pr.id IN (?)", bun.List(c)).Order("pr.id").Scan(ctx); err != nil {
			return fail(fmt.Errorf("read proposals: %w", err))
		}
		children, err := readProposalChildren(ctx, db, owners{ids: c})
		if err != nil {
			return fail(err)
		}
		for i := range rows {
			out.Proposals = append(out.Proposals, onlyExpert(rows[i].proposal(children), id))
		}
	}

	var declines []declineRow
	if err := db.NewSelect().Model(&declines).Where("d.expert_id = ?", id).Order("d.declined_at", "d.challenge_id").Scan(ctx); err != nil {
		return fail(fmt.Errorf("read declines: %w", err))
	}
	for _, r := range declines {
		out.Declines = append(out.Declines, Decline{ChallengeID: r.ChallengeID, ExpertID: r.ExpertID, ProposalID: r.ProposalID, Reason: r.Reason, At: r.DeclinedAt.UTC()})
	}

	var outcomes []outcomeRow
	if err := db.NewSelect().Model(&outcomes).
		Where("o.expert_id = ? OR (o.side = ? AND o.expert_id = '' AND EXISTS (SELECT 1 FROM proposal_members AS pm WHERE pm.proposal_id = o.proposal_id AND pm.expert_id = ? AND pm.status = ?))",
			id, "city", id, MemberAccepted).
		Order("o.id").Scan(ctx); err != nil {
		return fail(fmt.Errorf("read outcomes: %w", err))
	}
	for _, r := range outcomes {
		out.Outcomes = append(out.Outcomes, r.outcome())
	}

	var scores []scoreRow
	if err := db.NewSelect().Model(&scores).Where("rs.expert_id = ?", id).Order("rs.round_id", "rs.challenge_id", "rs.criterion").Scan(ctx); err != nil {
		return fail(fmt.Errorf("read review scores: %w", err))
	}
	for _, r := range scores {
		out.Scores = append(out.Scores, ReviewScore{RoundID: r.RoundID, ChallengeID: r.ChallengeID, ExpertID: r.ExpertID,
			Criterion: r.Criterion, Value: r.Value, Comment: r.Comment, At: r.ScoredAt.UTC()})
	}

	var keys []keyRow
	if err := db.NewSelect().Model(&keys).Where("k.expert_id = ?", id).Order("k.id").Scan(ctx); err != nil {
		return fail(fmt.Errorf("read keys: %w", err))
	}
	keyIDs := make([]string, len(keys))
	for i := range keys {
		out.Keys = append(out.Keys, keys[i].key())
		keyIDs[i] = keys[i].ID
	}
	if out.Audit, err = auditOfKeys(ctx, db, keyIDs); err != nil {
		return fail(err)
	}
	return out, nil
}

// onlyExpert reduces p to its members, alternates and exclusions that are the
// expert with id. Its rules go too: they name the other experts pinned or
// excluded, and why.
func onlyExpert(p Proposal, id string) Proposal {
	members, alternates, exclusions := []Member{}, []Alternate{}, []Exclusion{}
	for _, m := range p.Members {
		if m.ExpertID == id {
			members = append(members, m)
		}
	}
	for _, a := range p.Alternates {
		if a.ExpertID == id {
			alternates = append(alternates, a)
		}
	}
	for _, x := range p.Exclusions {
		if x.ExpertID == id {
			exclusions = append(exclusions, x)
		}
	}
	p.Members, p.Alternates, p.Exclusions, p.Rules = members, alternates, exclusions, nil
	return p
}

// EraseExpert removes the expert with id and anonymises them in the history, in
// one transaction, and returns the pseudonym that now stands for them. The
// profile is deleted as DeleteExpert does. Everywhere the history names them
// (proposal members, alternates and the seat an alternate is for, exclusions,
// proposal events and their actor, declines, outcomes, review scores, the pinned
// and excluded experts of proposal rules and of round requests) one pseudonym,
// ErasedPrefix and 25 characters of a new ID, takes their ID's place, so that
// counts and aggregates stay as they were. The free text tied to them is
// cleared: member and alternate explanations, member reasons, exclusion and
// decline reasons, the reasons of the events naming them, their review
// comments and their reasons in rules. Their API keys are revoked and carry the
// pseudonym as expert and name. Proposals that change get a new version, so
// that a save made against the old one is stale. The audit trail is left as it
// is: it holds key IDs and paths, no personal data. The change notice for the
// expert (deleted) follows the commit. ErrNotFound when there is no such expert.
//
// The pseudonym has 32 characters, the width of an ID: a longer one would not
// fit the ID columns and would fail the validation of later proposal saves.
func (s *Store) EraseExpert(ctx context.Context, id string) (pseudonym string, err error) {
	fresh := s.newID()
	pseudonym = ErasedPrefix + fresh[max(0, len(fresh)-(maxIDLen-len(ErasedPrefix))):]
	err = s.InTx(ctx, func(tx *Store) error {
		db := tx.idb()
		if ok, err := rowExists(ctx, db, "experts", id); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("find expert %s: %w", id, ErrNotFound)
		}
		pids, err := proposalsNaming(ctx, db, id)
		if err != nil {
			return err
		}
		// Concurrent saves of these proposals queue behind the erasure and then
		// find a new version.
		if tx.dialect == Postgres {
			for _, c := range chunks(pids, idChunk) {
				if _, err := db.NewRaw("SELECT id FROM proposals WHERE id IN (?) ORDER BY id FOR UPDATE", bun.List(c)).Exec(ctx); err != nil {
					return fmt.Errorf("lock proposals: %w", err)
				}
			}
		}
		now := tx.timestamp()
		p := pseudonym
		for _, u := range []struct {
			table, set, where string
			args              []any
		}{
			{"proposal_members", "expert_id = ?, explanation = NULL, reason = ''", "expert_id = ?", []any{p, id}},
			{"proposal_alternates", "expert_id = ?, explanation = NULL", "expert_id = ?", []any{p, id}},
			{"proposal_alternates", "replaces = ?", "replaces = ?", []any{p, id}},
			{"proposal_exclusions", "expert_id = ?, reason = ''", "expert_id = ?", []any{p, id}},
			{"proposal_events", "reason = ''", "expert_id = ? OR other_expert_id = ?", []any{id, id}},
			{"proposal_events", "expert_id = ?", "expert_id = ?", []any{p, id}},
			{"proposal_events", "other_expert_id = ?", "other_expert_id = ?", []any{p, id}},
			{"proposal_events", "actor = ?", "actor = ?", []any{p, id}},
			{"declines", "expert_id = ?, reason = ''", "expert_id = ?", []any{p, id}},
			{"outcomes", "expert_id = ?", "expert_id = ?", []any{p, id}},
			{"review_scores", "expert_id = ?, comment = ''", "expert_id = ?", []any{p, id}},
			{"api_keys", "expert_id = ?, name = ?, revoked_at = COALESCE(revoked_at, ?)", "expert_id = ?", []any{p, p, now, id}},
		} {
			args := append([]any{bun.Ident(u.table)}, u.args...)
			if _, err := db.NewRaw("UPDATE ? SET "+u.set+" WHERE "+u.where, args...).Exec(ctx); err != nil {
				return fmt.Errorf("anonymise %s: %w", u.table, err)
			}
		}
		// Their account on the pages goes with them: name, address, sessions
		// and sign-in links (these two by the foreign key's cascade).
		if _, err := db.NewDelete().TableExpr("users").Where("expert_id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("erase user of expert %s: %w", id, err)
		}
		changed, err := tx.eraseFromJSON(ctx, id, pseudonym)
		if err != nil {
			return err
		}
		pids = uniqueIDs(append(pids, changed...))
		for _, c := range chunks(pids, idChunk) {
			if _, err := db.NewUpdate().Table("proposals").Set("version = version + 1").Set("updated_at = ?", now).
				Where("id IN (?)", bun.List(c)).Exec(ctx); err != nil {
				return fmt.Errorf("bump proposal versions: %w", err)
			}
		}
		return tx.DeleteExpert(ctx, id, 0)
	})
	if err != nil {
		return "", fmt.Errorf("erase expert %s: %w", id, err)
	}
	return pseudonym, nil
}

// eraseFromJSON replaces id by pseudonym in the JSON documents that may name
// the expert (the rules of proposals, the requests and unfilled reports of
// rounds), and clears the reason of every object there that names them. It
// returns the proposals it changed.
func (s *Store) eraseFromJSON(ctx context.Context, id, pseudonym string) ([]string, error) {
	db := s.idb()
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(id) + "%"
	var changed []string
	for _, t := range []struct{ table, column string }{
		{"proposals", "rules"}, {"review_rounds", "request"}, {"review_rounds", "unfilled"},
	} {
		var rows []struct {
			ID  string `bun:"id"`
			Doc string `bun:"doc"`
		}
		if err := db.NewRaw(`SELECT id, ? AS doc FROM ? WHERE ? LIKE ? ESCAPE '\'`,
			bun.Ident(t.column), bun.Ident(t.table), bun.Ident(t.column), pattern).Scan(ctx, &rows); err != nil {
			return nil, fmt.Errorf("read %s of %s: %w", t.column, t.table, err)
		}
		for _, r := range rows {
			doc, ok, err := eraseInJSON(r.Doc, id, pseudonym)
			if err != nil {
				return nil, fmt.Errorf("anonymise %s of %s %s: %w", t.column, t.table, r.ID, err)
			}
			if !ok {
				continue
			}
			if _, err := db.NewRaw("UPDATE ? SET ? = ? WHERE id = ?", bun.Ident(t.table), bun.Ident(t.column), doc, r.ID).Exec(ctx); err != nil {
				return nil, fmt.Errorf("anonymise %s of %s %s: %w", t.column, t.table, r.ID, err)
			}
			if t.table == "proposals" {
				changed = append(changed, r.ID)
			}
		}
	}
	return changed, nil
}

// eraseInJSON replaces id by pseudonym in every string of the JSON document
// doc, whole or inside a sentence, and empties the "reason" of every object
// holding id as a string of its own.
// It reports whether anything changed. Numbers keep their text; object keys
// come out sorted.
func eraseInJSON(doc, id, pseudonym string) (string, bool, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", false, err
	}
	changed := false
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			if x == id {
				changed = true
				return pseudonym
			}
			// A sentence that names them (the English of a reason).
			if strings.Contains(x, id) {
				changed = true
				return strings.ReplaceAll(x, id, pseudonym)
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case map[string]any:
			named := false
			for k, e := range x {
				if e == id {
					named = true
				}
				x[k] = walk(e)
			}
			if r, ok := x["reason"].(string); named && ok && r != "" {
				x["reason"] = ""
			}
		}
		return v
	}
	v = walk(v)
	if !changed {
		return doc, false, nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", false, err
	}
	return strings.TrimSpace(b.String()), true, nil
}
