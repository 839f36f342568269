package profiles_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

var secretForm = regexp.MustCompile(`^mm_[a-z2-7]{52}$`)

func mustKey(t *testing.T, s *profiles.Store, in profiles.KeyInput) (profiles.APIKey, string) {
	t.Helper()
	k, secret, err := s.CreateKey(context.Background(), in)
	if err != nil {
		t.Fatalf("create key %q: %v", in.Name, err)
	}
	return k, secret
}

// rowsOf reads every row of a query as text, for checks on what a table holds.
func rowsOf(t *testing.T, s *profiles.Store, query string, args ...any) [][]string {
	t.Helper()
	rows, err := s.DB().QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			row[i] = fmt.Sprint(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestKeys(t *testing.T) {
	clock := profilestest.NewClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)

		admin, secret := mustKey(t, s, profiles.KeyInput{Name: " Secretariat laptop ", Role: "admin"})
		if !secretForm.MatchString(secret) {
			t.Fatalf("secret %q is not mm_ and 52 base32 characters", secret)
		}
		if admin.ID == "" || admin.Name != "Secretariat laptop" || admin.Role != profiles.RoleAdmin || admin.Prefix != secret[:11] ||
			admin.CreatedAt.IsZero() || admin.RevokedAt != nil || admin.CityID != "" || admin.Scope != "" {
			t.Fatalf("created key: %+v", admin)
		}
		if _, other := mustKey(t, s, profiles.KeyInput{Name: "second", Role: "admin"}); other == secret {
			t.Fatal("two keys got the same secret")
		}

		// The table holds the digest and the prefix, never the secret.
		sum := sha256.Sum256([]byte(secret))
		digest := hex.EncodeToString(sum[:])
		for _, row := range rowsOf(t, s, "SELECT * FROM api_keys") {
			for _, v := range row {
				if strings.Contains(v, secret) {
					t.Fatalf("api_keys holds the secret: %v", row)
				}
			}
		}
		if got := rowsOf(t, s, "SELECT prefix, secret_hash FROM api_keys WHERE id = ?", admin.ID); len(got) != 1 || got[0][0] != secret[:11] || got[0][1] != digest {
			t.Fatalf("stored prefix and digest: %v, want %s %s", got, secret[:11], digest)
		}

		if got, err := s.KeyBySecret(ctx, secret); err != nil || !reflect.DeepEqual(got, admin) {
			t.Fatalf("key by secret: %+v, %v", got, err)
		}
		for _, wrong := range []string{"", "mm_nope", secret[:len(secret)-1], strings.ToUpper(secret)} {
			if _, err := s.KeyBySecret(ctx, wrong); !errors.Is(err, profiles.ErrNotFound) {
				t.Fatalf("key by wrong secret %q: %v", wrong, err)
			}
		}
		if got, err := s.FindKeyByID(ctx, admin.ID); err != nil || !reflect.DeepEqual(got, admin) {
			t.Fatalf("key by id: %+v, %v", got, err)
		}
		if _, err := s.FindKeyByID(ctx, "nope"); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("unknown key: %v", err)
		}

		e0 := f.experts[0].ID
		cases := []struct {
			name string
			in   profiles.KeyInput
			want []string
		}{
			{"every field at once", profiles.KeyInput{Name: " ", Role: "secretariat", CityID: f.dakar.ID, ExpertID: e0, Scope: "read"},
				[]string{"name", "city_id", "expert_id", "scope"}},
			{"unknown role", profiles.KeyInput{Name: "x", Role: "boss", Scope: "everything"}, []string{"role", "scope"}},
			{"no role", profiles.KeyInput{Name: "x"}, []string{"role"}},
			{"name too long", profiles.KeyInput{Name: strings.Repeat("é", 101), Role: "admin"}, []string{"name"}},
			{"name with a line break", profiles.KeyInput{Name: "a\nb", Role: "admin"}, []string{"name"}},
			{"city key without a city", profiles.KeyInput{Name: "x", Role: "city"}, []string{"city_id"}},
			{"city key of an unknown city", profiles.KeyInput{Name: "x", Role: "city", CityID: "nope"}, []string{"city_id"}},
			{"expert key without an expert", profiles.KeyInput{Name: "x", Role: "expert"}, []string{"expert_id"}},
			{"expert key of an unknown expert", profiles.KeyInput{Name: "x", Role: "expert", ExpertID: "nope"}, []string{"expert_id"}},
			{"city key bound to an expert", profiles.KeyInput{Name: "x", Role: "city", CityID: f.dakar.ID, ExpertID: e0}, []string{"expert_id"}},
			{"integration without a scope", profiles.KeyInput{Name: "x", Role: "integration"}, []string{"scope"}},
			{"integration with an unknown scope", profiles.KeyInput{Name: "x", Role: "integration", Scope: "write"}, []string{"scope"}},
			{"integration bound to a city", profiles.KeyInput{Name: "x", Role: "integration", Scope: "read", CityID: f.dakar.ID}, []string{"city_id"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, secret, err := s.CreateKey(ctx, tc.in)
				if got := fields(t, err); !slices.Equal(got, tc.want) {
					t.Fatalf("invalid fields: got %v, want %v (%v)", got, tc.want, err)
				}
				if secret != "" {
					t.Fatal("a refused key returned a secret")
				}
			})
		}
		var ve *profiles.ValidationError
		if _, _, err := s.CreateKey(ctx, profiles.KeyInput{Name: "x", Role: "city", CityID: "nope"}); !errors.As(err, &ve) ||
			ve.Fields[0].Message != `no city has the ID "nope"` {
			t.Fatalf("unknown city message: %v", err)
		}

		city, _ := mustKey(t, s, profiles.KeyInput{Name: "Dakar", Role: "City", CityID: f.dakar.ID})
		expert, expertSecret := mustKey(t, s, profiles.KeyInput{Name: "Kofi", Role: "expert", ExpertID: f.experts[3].ID})
		integration, _ := mustKey(t, s, profiles.KeyInput{Name: "CRM sync", Role: "integration", Scope: "READ_WRITE"})
		if city.Role != "city" || city.CityID != f.dakar.ID || expert.ExpertID != f.experts[3].ID || integration.Scope != profiles.ScopeReadWrite {
			t.Fatalf("bound keys: %+v %+v %+v", city, expert, integration)
		}

		// Pages of 2 walk the five keys in creation order.
		var seen []string
		page := profiles.Page{Limit: 2}
		for pages := 0; ; pages++ {
			r, err := s.FindKeys(ctx, page)
			if err != nil || r.Total != 5 || pages > 3 {
				t.Fatalf("page %d: %+v, %v", pages, r, err)
			}
			for _, k := range r.Items {
				seen = append(seen, k.ID)
			}
			if r.Next == "" {
				break
			}
			page.After = r.Next
		}
		if len(seen) != 5 || seen[0] != admin.ID || seen[4] != integration.ID || !slices.IsSorted(seen) {
			t.Fatalf("key pages: %v", seen)
		}

		// Revoking locks the key out at once and keeps the first time.
		revoked, err := s.RevokeKey(ctx, admin.ID)
		if err != nil || revoked.RevokedAt == nil || revoked.ID != admin.ID {
			t.Fatalf("revoke: %+v, %v", revoked, err)
		}
		if _, err := s.KeyBySecret(ctx, secret); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("revoked key by secret: %v", err)
		}
		again, err := s.RevokeKey(ctx, admin.ID)
		if err != nil || !again.RevokedAt.Equal(*revoked.RevokedAt) {
			t.Fatalf("second revocation: %+v, %v (first %v)", again.RevokedAt, err, revoked.RevokedAt)
		}
		if got, _ := s.FindKeyByID(ctx, admin.ID); !reflect.DeepEqual(got, revoked) {
			t.Fatalf("revoked key reads back as %+v", got)
		}
		if _, err := s.RevokeKey(ctx, "nope"); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("revoke unknown key: %v", err)
		}

		// A key whose expert profile is deleted no longer authenticates.
		if _, err := s.KeyBySecret(ctx, expertSecret); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteExpert(ctx, f.experts[3].ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.KeyBySecret(ctx, expertSecret); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("key of a deleted expert: %v", err)
		}
	}, profiles.WithClock(clock.Now))
}

func TestEnsureKey(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		admin := profiles.KeyInput{Name: "admin (MATCHMAKER_ADMIN_KEY)", Role: "admin"}
		for _, bad := range []string{"", "short", "fifteen chars!!", "sixteen chars with spaces"} {
			_, err := s.EnsureKey(ctx, bad, admin)
			if got := fields(t, err); !slices.Equal(got, []string{"secret"}) {
				t.Fatalf("secret %q: fields %v", bad, got)
			}
		}
		if _, err := s.EnsureKey(ctx, "a-long-enough-admin-secret", profiles.KeyInput{Role: "admin"}); !slices.Equal(fields(t, err), []string{"name"}) {
			t.Fatalf("invalid input: %v", err)
		}

		// Concurrent starts create one key; later ones find it.
		const secret = "a-long-enough-admin-secret"
		var (
			wg   sync.WaitGroup
			keys = make([]profiles.APIKey, 5)
			errs = make([]error, 5)
		)
		for i := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				keys[i], errs[i] = s.EnsureKey(ctx, secret, admin)
			}()
		}
		wg.Wait()
		for i := range keys {
			if errs[i] != nil || keys[i].ID != keys[0].ID {
				t.Fatalf("ensure %d: %+v, %v (first %s)", i, keys[i], errs[i], keys[0].ID)
			}
		}
		k := keys[0]
		if k.Role != "admin" || k.Prefix != secret[:11] {
			t.Fatalf("ensured key: %+v", k)
		}
		// The second call returns the stored key, whatever in says.
		if again, err := s.EnsureKey(ctx, secret, profiles.KeyInput{Name: "other", Role: "secretariat"}); err != nil || !reflect.DeepEqual(again, k) {
			t.Fatalf("ensure again: %+v, %v", again, err)
		}
		if got, err := s.KeyBySecret(ctx, secret); err != nil || got.ID != k.ID {
			t.Fatalf("key by ensured secret: %+v, %v", got, err)
		}
		if r, _ := s.FindKeys(ctx, profiles.Page{}); r.Total != 1 {
			t.Fatalf("keys: %d, want 1", r.Total)
		}
		if _, err := s.RevokeKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		var ce *profiles.ConflictError
		if _, err := s.EnsureKey(ctx, secret, admin); !errors.As(err, &ce) || !errors.Is(err, profiles.ErrConflict) {
			t.Fatalf("ensure a revoked secret: %v", err)
		}
	})
}

func TestAudit(t *testing.T) {
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	clock := profilestest.NewClock(start)
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		if err := s.AppendAudit(ctx, profiles.AuditEntry{Status: 201}); !slices.Equal(fields(t, err), []string{"method", "path"}) {
			t.Fatalf("entry without method and path: %v", err)
		}
		at := func(min int) time.Time { return start.Add(time.Duration(min) * time.Minute) }
		entries := []profiles.AuditEntry{
			{KeyID: "k1", Role: "admin", Actor: "laptop", Method: "post", Path: "/v1/cities", Resource: "cities", ResourceID: "c1", Status: 201, RequestID: "r1", At: at(1)},
			{KeyID: "k1", Role: "admin", Actor: "laptop", Method: "PATCH", Path: "/v1/cities/c1", Resource: "cities", ResourceID: "c1", Status: 200, At: at(2)},
			{KeyID: "k2", Role: "city", Method: "POST", Path: "/v1/challenges", Resource: "challenges", ResourceID: "h1", Status: 201, At: at(3)},
			{Method: "POST", Path: "/v1/experts", Resource: "experts", Status: 401, At: at(4)},
			{KeyID: "k1", Role: "admin", Method: "DELETE", Path: "/v1/cities/c1", Resource: "cities", ResourceID: "c1", Status: 204},
		}
		for _, e := range entries {
			if err := s.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		all, err := s.FindAudit(ctx, profiles.AuditFilter{})
		if err != nil || all.Total != 5 || len(all.Items) != 5 {
			t.Fatalf("all entries: %+v, %v", all, err)
		}
		first := all.Items[0]
		if first.ID == "" || first.Method != "POST" || first.Path != "/v1/cities" || first.Actor != "laptop" || first.RequestID != "r1" ||
			!first.At.Equal(at(1)) || first.Status != 201 {
			t.Fatalf("first entry: %+v", first)
		}
		if last := all.Items[4]; last.At.IsZero() || last.Method != "DELETE" {
			t.Fatalf("entry with no time: %+v", last)
		}
		ids := func(r profiles.ListResult[profiles.AuditEntry]) []string {
			var out []string
			for _, e := range r.Items {
				out = append(out, e.Path+" "+e.Method)
			}
			return out
		}
		filters := []struct {
			name string
			f    profiles.AuditFilter
			want []string
		}{
			{"key", profiles.AuditFilter{KeyID: "k1"}, []string{"/v1/cities POST", "/v1/cities/c1 PATCH", "/v1/cities/c1 DELETE"}},
			{"resource", profiles.AuditFilter{Resource: "cities", ResourceID: "c1"}, []string{"/v1/cities POST", "/v1/cities/c1 PATCH", "/v1/cities/c1 DELETE"}},
			{"method", profiles.AuditFilter{Method: "post"}, []string{"/v1/cities POST", "/v1/challenges POST", "/v1/experts POST"}},
			{"since", profiles.AuditFilter{Since: at(3), Until: at(5)}, []string{"/v1/challenges POST", "/v1/experts POST"}},
			{"half-open range", profiles.AuditFilter{Since: at(1), Until: at(2)}, []string{"/v1/cities POST"}},
			{"combined", profiles.AuditFilter{KeyID: "k1", Method: "PATCH"}, []string{"/v1/cities/c1 PATCH"}},
			{"none", profiles.AuditFilter{KeyID: "k9"}, nil},
		}
		for _, tc := range filters {
			t.Run(tc.name, func(t *testing.T) {
				r, err := s.FindAudit(ctx, tc.f)
				if err != nil || r.Total != len(tc.want) || !slices.Equal(ids(r), tc.want) {
					t.Fatalf("got %v (total %d, %v), want %v", ids(r), r.Total, err, tc.want)
				}
			})
		}
		var seen []string
		f := profiles.AuditFilter{Page: profiles.Page{Limit: 2}}
		for pages := 0; ; pages++ {
			r, err := s.FindAudit(ctx, f)
			if err != nil || r.Total != 5 || pages > 3 {
				t.Fatalf("page %d: %+v, %v", pages, r, err)
			}
			for _, e := range r.Items {
				seen = append(seen, e.ID)
			}
			if r.Next == "" {
				break
			}
			f.After = r.Next
		}
		if want := []string{all.Items[0].ID, all.Items[1].ID, all.Items[2].ID, all.Items[3].ID, all.Items[4].ID}; !slices.Equal(seen, want) || !slices.IsSorted(seen) {
			t.Fatalf("pages: %v, want %v", seen, want)
		}

		// The database itself refuses to change or remove an entry.
		for _, stmt := range []string{"UPDATE audit_log SET status = 500", "DELETE FROM audit_log", "DELETE FROM audit_log WHERE key_id = 'k2'"} {
			_, err := s.DB().ExecContext(ctx, stmt)
			if err == nil || !strings.Contains(err.Error(), "the audit trail is append-only") {
				t.Fatalf("%s: want the trigger's refusal, got %v", stmt, err)
			}
		}
		if after, _ := s.FindAudit(ctx, profiles.AuditFilter{}); !reflect.DeepEqual(after, all) {
			t.Fatalf("the trail changed:\n got %+v\nwant %+v", after, all)
		}
	}, profiles.WithClock(clock.Now))
}

func TestIdempotency(t *testing.T) {
	clock := profilestest.NewClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		req := profiles.StoredResponse{Scope: "key1", Key: "4b1f-retry", Method: "POST", Path: "/v1/cities", BodyHash: "abc123"}

		// Twenty concurrent reservations: exactly one wins, the others see it
		// in progress.
		const n = 20
		var (
			wg   sync.WaitGroup
			got  = make([]*profiles.StoredResponse, n)
			errs = make([]error, n)
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = s.ReserveIdempotency(ctx, req, 0)
			}()
		}
		wg.Wait()
		winners := 0
		for i := range n {
			switch {
			case errs[i] != nil:
				t.Fatalf("reservation %d: %v", i, errs[i])
			case got[i] == nil:
				winners++
			case got[i].Status != 0 || got[i].Method != "POST" || got[i].Path != "/v1/cities" || got[i].BodyHash != "abc123" || got[i].CreatedAt.IsZero():
				t.Fatalf("reservation %d sees %+v", i, got[i])
			}
		}
		if winners != 1 {
			t.Fatalf("%d reservations won, want 1", winners)
		}

		// The completed response is replayed, bytes and all.
		body := []byte("{\"id\":\"c1\"}\x00\xff")
		header := map[string]string{"Content-Type": "application/json", "Location": "/v1/cities/c1"}
		if err := s.CompleteIdempotency(ctx, req.Scope, req.Key, 201, header, body); err != nil {
			t.Fatal(err)
		}
		replay, err := s.ReserveIdempotency(ctx, req, 0)
		if err != nil || replay == nil || replay.Status != 201 || !maps.Equal(replay.Header, header) || string(replay.Body) != string(body) ||
			replay.Scope != req.Scope || replay.Key != req.Key {
			t.Fatalf("replay: %+v, %v", replay, err)
		}
		if err := s.CompleteIdempotency(ctx, req.Scope, req.Key, 500, nil, nil); !errors.Is(err, profiles.ErrConflict) {
			t.Fatalf("complete twice: %v", err)
		}
		if err := s.CompleteIdempotency(ctx, req.Scope, "nope", 201, nil, nil); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("complete unknown: %v", err)
		}
		if err := s.CompleteIdempotency(ctx, req.Scope, req.Key, 42, nil, nil); !slices.Equal(fields(t, err), []string{"status"}) {
			t.Fatalf("complete with a bad status: %v", err)
		}
		// Releasing a completed response keeps it.
		if err := s.ReleaseIdempotency(ctx, req.Scope, req.Key); err != nil {
			t.Fatal(err)
		}
		if again, err := s.ReserveIdempotency(ctx, req, 0); err != nil || again == nil || again.Status != 201 {
			t.Fatalf("replay after a release: %+v, %v", again, err)
		}

		// Another scope is another client: the same key is free there.
		other := req
		other.Scope = "key2"
		if r, err := s.ReserveIdempotency(ctx, other, 0); r != nil || err != nil {
			t.Fatalf("same key, other scope: %+v, %v", r, err)
		}
		// A released reservation can be taken again, with no body stored.
		if err := s.ReleaseIdempotency(ctx, other.Scope, other.Key); err != nil {
			t.Fatal(err)
		}
		if r, err := s.ReserveIdempotency(ctx, other, 0); r != nil || err != nil {
			t.Fatalf("reserve after release: %+v, %v", r, err)
		}
		if err := s.CompleteIdempotency(ctx, other.Scope, other.Key, 204, nil, nil); err != nil {
			t.Fatal(err)
		}
		if r, err := s.ReserveIdempotency(ctx, other, 0); err != nil || r.Status != 204 || r.Body != nil || r.Header != nil {
			t.Fatalf("empty response: %+v, %v", r, err)
		}
		if err := s.ReleaseIdempotency(ctx, "nobody", "nothing"); err != nil {
			t.Fatalf("release of nothing: %v", err)
		}
		if _, err := s.ReserveIdempotency(ctx, profiles.StoredResponse{Scope: "key1", Key: strings.Repeat("k", 256)}, 0); !slices.Equal(fields(t, err), []string{"key"}) {
			t.Fatalf("long key: %v", err)
		}

		// Purging drops what was stored before the bound.
		if n, err := s.PurgeIdempotency(ctx, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || n != 0 {
			t.Fatalf("purge of nothing: %d, %v", n, err)
		}
		if n, err := s.PurgeIdempotency(ctx, clock.Now()); err != nil || n != 2 {
			t.Fatalf("purge: %d, %v", n, err)
		}
		if r, err := s.ReserveIdempotency(ctx, req, 0); r != nil || err != nil {
			t.Fatalf("reserve after purge: %+v, %v", r, err)
		}
	}, profiles.WithClock(clock.Now))
}

// newChallenge adds a challenge of Dakar.
func newChallenge(t *testing.T, s *profiles.Store, f fixture, title string) profiles.Challenge {
	t.Helper()
	c, err := s.CreateChallenge(context.Background(), profiles.ChallengeInput{CityID: f.dakar.ID, Title: title,
		Description: "Un défi de la ville.", Language: "fr", Themes: []string{"waste"}})
	if err != nil {
		t.Fatalf("create challenge %q: %v", title, err)
	}
	return c
}

func TestCounterparts(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		porto := mustCity(t, s, newCity("Porto", "PT", "europe", "pt"))

		// An accepted panel: experts 0 and 1 accepted, 2 declined.
		panel := moveTo(t, s, mustProposal(t, s, f.panelOf(f.waste, 0, 1, 2)), profiles.ProposalInvited, profiles.MemberInvited)
		panel.Status = profiles.ProposalAccepted
		panel.Members[0].Status, panel.Members[1].Status, panel.Members[2].Status = profiles.MemberAccepted, profiles.MemberAccepted, profiles.MemberDeclined
		if _, err := s.SaveProposal(ctx, panel, panel.Version, nil); err != nil {
			t.Fatal(err)
		}
		// A panel still waiting for its answers: expert 3 accepted, but not yet engaged.
		invited := moveTo(t, s, mustProposal(t, s, f.panelOf(f.water, 3)), profiles.ProposalInvited, profiles.MemberInvited)
		invited.Members[0].Status = profiles.MemberAccepted
		if _, err := s.SaveProposal(ctx, invited, invited.Version, nil); err != nil {
			t.Fatal(err)
		}
		// An active pairing with Lyon, and one with Porto still invited.
		pairing := mustProposal(t, s, profiles.Proposal{Kind: "pairing", ChallengeID: f.water.ID, Members: []profiles.Member{{PartnerCityID: f.lyon.ID}}})
		pairing = moveTo(t, s, pairing, profiles.ProposalInvited, profiles.MemberInvited)
		pairing = moveTo(t, s, pairing, profiles.ProposalAccepted, profiles.MemberAccepted)
		pairing = moveTo(t, s, pairing, profiles.ProposalActive, profiles.MemberAccepted)
		pending := mustProposal(t, s, profiles.Proposal{Kind: "pairing", ChallengeID: f.waste.ID, Members: []profiles.Member{{PartnerCityID: porto.ID}}})
		moveTo(t, s, pending, profiles.ProposalInvited, profiles.MemberInvited)

		set := func(ids ...string) map[string]bool {
			m := map[string]bool{}
			for _, id := range ids {
				m[id] = true
			}
			return m
		}
		cases := []struct {
			name                  string
			cityID, expertID      string
			wantCities, wantExpts map[string]bool
		}{
			{"the city of the proposals", f.dakar.ID, "", set(f.lyon.ID), set(f.experts[0].ID, f.experts[1].ID)},
			{"the accepted partner city", f.lyon.ID, "", set(f.dakar.ID), set()},
			{"an invited partner city", porto.ID, "", set(), set()},
			{"an accepted expert", "", f.experts[0].ID, set(f.dakar.ID), set()},
			{"a declined expert", "", f.experts[2].ID, set(), set()},
			{"an expert of a proposal not yet accepted", "", f.experts[3].ID, set(), set()},
			{"an expert never proposed", "", f.experts[5].ID, set(), set()},
			{"nobody", "", "", set(), set()},
		}
		check := func(t *testing.T, cityID, expertID string, wantCities, wantExperts map[string]bool) {
			t.Helper()
			cities, experts, err := s.Counterparts(ctx, cityID, expertID)
			if err != nil || cities == nil || experts == nil || !maps.Equal(cities, wantCities) || !maps.Equal(experts, wantExperts) {
				t.Fatalf("cities %v experts %v (%v), want %v %v", cities, experts, err, wantCities, wantExperts)
			}
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) { check(t, tc.cityID, tc.expertID, tc.wantCities, tc.wantExpts) })
		}

		// A completed engagement still counts; a cancelled one no longer does.
		moveTo(t, s, pairing, profiles.ProposalCompleted, profiles.MemberAccepted)
		check(t, f.lyon.ID, "", set(f.dakar.ID), set())
		cur, _ := s.FindProposalByID(ctx, panel.ID)
		moveTo(t, s, cur, profiles.ProposalCancelled, profiles.MemberAccepted)
		check(t, f.dakar.ID, "", set(f.lyon.ID), set())
		check(t, "", f.experts[0].ID, set(), set())
	})
}

// privacyScenario puts expert 0 everywhere the history can name an expert:
// an accepted member of a completed panel (with outcomes), an alternate, an
// excluded expert (in the rules too), a member who declined, a reviewer who
// scored, the holder of a key that wrote to the audit trail. Expert 1 shares
// some of those proposals.
type privacyScenario struct {
	fixture
	completed, alternate, excluded, declined, reviewed profiles.Proposal
	round                                              profiles.ReviewRound
	key                                                profiles.APIKey
	secret                                             string
	energy, housing                                    profiles.Challenge
}

func newPrivacyScenario(t *testing.T, s *profiles.Store) privacyScenario {
	t.Helper()
	ctx := context.Background()
	sc := privacyScenario{fixture: newFixture(t, s)}
	f := sc.fixture
	e0, e1 := f.experts[0].ID, f.experts[1].ID
	sc.energy, sc.housing = newChallenge(t, s, f, "Énergie des bâtiments publics"), newChallenge(t, s, f, "Logement abordable")

	p := f.panelOf(f.waste, 0, 1)
	p.Members[0].Explanation = json.RawMessage(`{"themes":["waste"],"note":"Aminata led the Lyon programme"}`)
	p = moveTo(t, s, mustProposal(t, s, p), profiles.ProposalInvited, profiles.MemberInvited)
	p = moveTo(t, s, p, profiles.ProposalAccepted, profiles.MemberAccepted)
	p = moveTo(t, s, p, profiles.ProposalActive, profiles.MemberAccepted)
	sc.completed = moveTo(t, s, p, profiles.ProposalCompleted, profiles.MemberAccepted)
	for _, o := range []profiles.Outcome{
		{ProposalID: sc.completed.ID, Side: "city", Applied: "Night collection", Lessons: "Start small", Rating: 4},
		{ProposalID: sc.completed.ID, Side: "expert", ExpertID: e0, Applied: "Advised on routes", Lessons: "Listen first", Rating: 5},
		{ProposalID: sc.completed.ID, Side: "expert", ExpertID: e1, Applied: "Costing", Lessons: "Data first", Rating: 3},
	} {
		if _, err := s.CreateOutcome(ctx, o); err != nil {
			t.Fatal(err)
		}
	}

	p = f.panelOf(f.water, 1)
	p.Alternates = []profiles.Alternate{{ExpertID: e0, Score: 0.8, Explanation: json.RawMessage(`{"why":"next best"}`), For: e1}}
	sc.alternate = mustProposal(t, s, p)

	p = f.panelOf(sc.housing, 2)
	p.Rules = json.RawMessage(fmt.Sprintf(`{"size":3,"pinned":[%q],"excluded":[{"expert_id":%q,"reason":"Married to the mayor"},{"expert_id":%q,"reason":"busy"}]}`, e1, e0, f.experts[4].ID))
	p.Exclusions = []profiles.Exclusion{{ExpertID: e0, Reason: "Married to the mayor"}}
	sc.excluded = mustProposal(t, s, p)

	p = moveTo(t, s, mustProposal(t, s, f.panelOf(sc.energy, 0, 2)), profiles.ProposalInvited, profiles.MemberInvited)
	answered := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	p.Members[0].Status, p.Members[0].Reason, p.Members[0].AnsweredAt = profiles.MemberDeclined, "Sick leave until March", &answered
	declined, err := s.SaveProposal(ctx, p, p.Version, []profiles.ProposalEvent{
		{Type: "answer", ExpertID: e0, ToStatus: "declined", Reason: "Sick leave until March", Actor: e0},
		{Type: "replacement", ExpertID: e0, Other: f.experts[5].ID, Reason: "Sick leave"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sc.declined = declined

	sc.round, err = s.CreateRound(ctx, profiles.ReviewRound{Name: "Autumn reviews",
		Rubric: &profiles.Rubric{Criteria: []profiles.Criterion{{Code: "clarity", Label: "Clarity", Min: 1, Max: 5}}}})
	if err != nil {
		t.Fatal(err)
	}
	p = f.panelOf(sc.energy, 0, 1)
	p.RoundID = &sc.round.ID
	sc.reviewed = mustProposal(t, s, p)
	if err := s.SaveReviewScores(ctx, sc.round.ID, []profiles.ReviewScore{
		{ChallengeID: sc.energy.ID, ExpertID: e0, Criterion: "clarity", Value: 4, Comment: "Clear, but Aminata would add a budget"},
		{ChallengeID: sc.energy.ID, ExpertID: e1, Criterion: "clarity", Value: 2, Comment: "Vague"},
	}); err != nil {
		t.Fatal(err)
	}

	sc.key, sc.secret = mustKey(t, s, profiles.KeyInput{Name: "Aminata Diallo", Role: "expert", ExpertID: e0})
	for _, e := range []profiles.AuditEntry{
		{KeyID: sc.key.ID, Role: "expert", Actor: sc.key.Name, Method: "PATCH", Path: "/v1/experts/" + e0, Resource: "experts", ResourceID: e0, Status: 200},
		{KeyID: "someone-else", Method: "POST", Path: "/v1/cities", Resource: "cities", Status: 201},
	} {
		if err := s.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	return sc
}

func TestExportExpert(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		sc := newPrivacyScenario(t, s)
		e0, e1 := sc.experts[0].ID, sc.experts[1].ID
		x, err := s.ExportExpert(ctx, e0)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(x.Expert, sc.experts[0]) {
			t.Fatalf("profile:\n got %+v\nwant %+v", x.Expert, sc.experts[0])
		}
		var pids []string
		for _, p := range x.Proposals {
			pids = append(pids, p.ID)
			for _, m := range p.Members {
				if m.ExpertID != e0 {
					t.Fatalf("proposal %s shows another member: %+v", p.ID, m)
				}
			}
			for _, a := range p.Alternates {
				if a.ExpertID != e0 {
					t.Fatalf("proposal %s shows another alternate: %+v", p.ID, a)
				}
			}
		}
		if want := sorted([]string{sc.completed.ID, sc.alternate.ID, sc.excluded.ID, sc.declined.ID, sc.reviewed.ID}); !slices.Equal(pids, want) {
			t.Fatalf("proposals %v, want %v", pids, want)
		}
		byID := map[string]profiles.Proposal{}
		for _, p := range x.Proposals {
			byID[p.ID] = p
		}
		if m := byID[sc.completed.ID].Members; len(m) != 1 || m[0].Status != profiles.MemberAccepted || m[0].Explanation == nil {
			t.Fatalf("seat in the completed panel: %+v", m)
		}
		if a := byID[sc.alternate.ID]; len(a.Members) != 0 || len(a.Alternates) != 1 || a.Alternates[0].For != e1 {
			t.Fatalf("alternate: %+v", a)
		}
		if ex := byID[sc.excluded.ID].Exclusions; len(ex) != 1 || ex[0].Reason != "Married to the mayor" {
			t.Fatalf("exclusion: %+v", ex)
		}
		if len(x.Declines) != 1 || x.Declines[0].ProposalID != sc.declined.ID || x.Declines[0].Reason != "Sick leave until March" {
			t.Fatalf("declines: %+v", x.Declines)
		}
		var sides []string
		for _, o := range x.Outcomes {
			sides = append(sides, o.Side+":"+o.ExpertID)
		}
		if want := []string{"city:", "expert:" + e0}; !slices.Equal(sides, want) {
			t.Fatalf("outcomes %v, want %v", sides, want)
		}
		if len(x.Scores) != 1 || x.Scores[0].Value != 4 || x.Scores[0].ExpertID != e0 {
			t.Fatalf("scores: %+v", x.Scores)
		}
		if len(x.Keys) != 1 || x.Keys[0].ID != sc.key.ID {
			t.Fatalf("keys: %+v", x.Keys)
		}
		if len(x.Audit) != 1 || x.Audit[0].KeyID != sc.key.ID || x.Audit[0].Method != "PATCH" {
			t.Fatalf("audit: %+v", x.Audit)
		}
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		for _, other := range []string{"Vague", "Data first", "busy", "someone-else", sc.experts[4].ID, sc.experts[5].ID} {
			if strings.Contains(string(b), other) {
				t.Fatalf("the export shows someone else's data (%q): %s", other, b)
			}
		}

		// An expert with no history exports an empty one, as lists.
		x, err = s.ExportExpert(ctx, sc.experts[3].ID)
		if err != nil || x.Proposals == nil || len(x.Proposals) != 0 || x.Declines == nil || x.Outcomes == nil || x.Scores == nil || x.Keys == nil || x.Audit == nil {
			t.Fatalf("empty export: %+v, %v", x, err)
		}
		if _, err := s.ExportExpert(ctx, "nope"); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("export unknown: %v", err)
		}
	})
}

func TestEraseExpert(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		sc := newPrivacyScenario(t, s)
		e0 := sc.experts[0].ID
		feed := watchFeed(t, s)

		ps := []profiles.Proposal{sc.completed, sc.alternate, sc.excluded, sc.declined, sc.reviewed}
		before := map[string]profiles.Proposal{}
		for _, p := range ps {
			cur, err := s.FindProposalByID(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			before[p.ID] = cur
		}
		feedback, err := s.FeedbackOf(ctx, []string{e0})
		if err != nil {
			t.Fatal(err)
		}
		audit, _ := s.FindAudit(ctx, profiles.AuditFilter{})
		// A round that could not seat them keeps why, in a sentence that
		// names them.
		round, err := s.CreateRound(ctx, profiles.ReviewRound{Name: "names", Fairness: "total", Request: json.RawMessage(`{"name":"names"}`)})
		if err != nil {
			t.Fatal(err)
		}
		round.Unfilled = json.RawMessage(`[{"challenge_id":"c1","reason":"pinned ` + e0 + ` is paused","text":{"code":"x","params":["` + e0 + `"]}}]`)
		if _, _, err := s.FinishRound(ctx, round, nil, profiles.ProposalEvent{}); err != nil {
			t.Fatal(err)
		}

		pseudonym, err := s.EraseExpert(ctx, e0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(pseudonym, "erased-") || len(pseudonym) != 32 {
			t.Fatalf("pseudonym %q", pseudonym)
		}
		if _, err := s.FindExpertByID(ctx, e0); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("erased expert still found: %v", err)
		}
		var notices []profiles.Change
		for _, c := range feed() {
			notices = append(notices, profiles.Change{Kind: c.Kind, ID: c.ID, Deleted: c.Deleted})
		}
		if want := []profiles.Change{{Kind: "expert", ID: e0, Deleted: true}}; !reflect.DeepEqual(notices, want) {
			t.Fatalf("changes %+v, want %+v", notices, want)
		}

		// Every proposal keeps its seats, in place, with the pseudonym.
		for _, p := range ps {
			old, cur := before[p.ID], mustFind(t, s, p.ID)
			if len(cur.Members) != len(old.Members) || len(cur.Alternates) != len(old.Alternates) || len(cur.Exclusions) != len(old.Exclusions) {
				t.Fatalf("proposal %s changed its counts: %+v", p.ID, cur)
			}
			if cur.Version != old.Version+1 {
				t.Fatalf("proposal %s at version %d, want %d", p.ID, cur.Version, old.Version+1)
			}
			for i, m := range cur.Members {
				om := old.Members[i]
				if om.ExpertID != e0 {
					if !reflect.DeepEqual(m, om) {
						t.Fatalf("another member changed: %+v, was %+v", m, om)
					}
					continue
				}
				if m.ExpertID != pseudonym || m.Explanation != nil || m.Reason != "" || m.Status != om.Status || m.Score != om.Score {
					t.Fatalf("erased member: %+v, was %+v", m, om)
				}
			}
		}
		if a := mustFind(t, s, sc.alternate.ID).Alternates[0]; a.ExpertID != pseudonym || a.Explanation != nil || a.For != sc.experts[1].ID {
			t.Fatalf("erased alternate: %+v", a)
		}
		ex := mustFind(t, s, sc.excluded.ID)
		if x := ex.Exclusions[0]; x.ExpertID != pseudonym || x.Reason != "" {
			t.Fatalf("erased exclusion: %+v", x)
		}
		if r := string(ex.Rules); strings.Contains(r, e0) || strings.Contains(r, "mayor") || !strings.Contains(r, pseudonym) ||
			!strings.Contains(r, `"reason":"busy"`) || !strings.Contains(r, sc.experts[1].ID) {
			t.Fatalf("rules: %s", r)
		}

		hist, err := s.ProposalHistory(ctx, sc.declined.ID)
		if err != nil {
			t.Fatal(err)
		}
		var named int
		for _, h := range hist {
			if h.ExpertID == e0 || h.Other == e0 || h.Actor == e0 {
				t.Fatalf("history still names the expert: %+v", h)
			}
			if h.ExpertID == pseudonym {
				named++
				if h.Reason != "" {
					t.Fatalf("history keeps their reason: %+v", h)
				}
			}
		}
		if named != 2 {
			t.Fatalf("%d history entries name the pseudonym, want 2: %+v", named, hist)
		}
		declines, err := s.DeclinesOf(ctx, sc.energy.ID)
		if err != nil || len(declines) != 1 || declines[0].ExpertID != pseudonym || declines[0].Reason != "" {
			t.Fatalf("declines: %+v, %v", declines, err)
		}
		outcomes, err := s.FindOutcomes(ctx, sc.completed.ID)
		if err != nil || len(outcomes) != 3 || outcomes[1].ExpertID != pseudonym || outcomes[1].Rating != 5 {
			t.Fatalf("outcomes: %+v, %v", outcomes, err)
		}
		scores, err := s.FindReviewScores(ctx, sc.round.ID)
		if err != nil || len(scores) != 2 {
			t.Fatalf("scores: %+v, %v", scores, err)
		}
		for _, r := range scores {
			if r.ExpertID == pseudonym && (r.Value != 4 || r.Comment != "") {
				t.Fatalf("erased score: %+v", r)
			}
		}
		if !slices.ContainsFunc(scores, func(r profiles.ReviewScore) bool { return r.ExpertID == pseudonym }) {
			t.Fatalf("no score under the pseudonym: %+v", scores)
		}

		// The aggregates follow the pseudonym unchanged.
		after, err := s.FeedbackOf(ctx, []string{pseudonym})
		if err != nil {
			t.Fatal(err)
		}
		was, now := feedback[e0], after[pseudonym]
		was.ExpertID, now.ExpertID = "", ""
		if !reflect.DeepEqual(was, now) || was.Completed != 1 || was.Rated != 1 {
			t.Fatalf("feedback %+v, was %+v", now, was)
		}

		// Their key is revoked and no longer names them.
		k, err := s.FindKeyByID(ctx, sc.key.ID)
		if err != nil || k.RevokedAt == nil || k.ExpertID != pseudonym || k.Name == "Aminata Diallo" {
			t.Fatalf("key: %+v, %v", k, err)
		}
		if _, err := s.KeyBySecret(ctx, sc.secret); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("key by secret: %v", err)
		}
		if got, _ := s.FindAudit(ctx, profiles.AuditFilter{}); !reflect.DeepEqual(got, audit) {
			t.Fatalf("the audit trail changed")
		}

		// Nothing but the audit trail holds their ID any more.
		for _, q := range []string{
			"SELECT COUNT(*) FROM proposal_members WHERE expert_id = ?",
			"SELECT COUNT(*) FROM proposal_alternates WHERE expert_id = ? OR replaces = ?",
			"SELECT COUNT(*) FROM proposal_exclusions WHERE expert_id = ?",
			"SELECT COUNT(*) FROM proposal_events WHERE expert_id = ? OR other_expert_id = ? OR actor = ?",
			"SELECT COUNT(*) FROM declines WHERE expert_id = ?",
			"SELECT COUNT(*) FROM outcomes WHERE expert_id = ?",
			"SELECT COUNT(*) FROM review_scores WHERE expert_id = ?",
			"SELECT COUNT(*) FROM api_keys WHERE expert_id = ?",
			"SELECT COUNT(*) FROM expert_languages WHERE expert_id = ?",
			"SELECT COUNT(*) FROM proposals WHERE rules LIKE ?",
			"SELECT COUNT(*) FROM review_rounds WHERE unfilled LIKE ?",
		} {
			args := make([]any, strings.Count(q, "?"))
			for i := range args {
				args[i] = e0
			}
			if strings.Contains(q, "LIKE") {
				args[0] = "%" + e0 + "%"
			}
			if got := rowsOf(t, s, q, args...); got[0][0] != "0" {
				t.Fatalf("%s: %s rows still name the expert", q, got[0][0])
			}
		}

		// A proposal that names the pseudonym can still be edited.
		alt := mustFind(t, s, sc.alternate.ID)
		alt.Objective = 7
		if _, err := s.SaveProposal(ctx, alt, alt.Version, nil); err != nil {
			t.Fatalf("save after erasure: %v", err)
		}
		// A save made against the version read before the erasure is stale.
		stale := before[sc.completed.ID]
		if _, err := s.SaveProposal(ctx, stale, stale.Version, nil); !errors.Is(err, profiles.ErrConflict) {
			t.Fatalf("stale save: %v", err)
		}

		if _, err := s.EraseExpert(ctx, e0); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("erase twice: %v", err)
		}
		if _, err := s.EraseExpert(ctx, "nope"); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("erase unknown: %v", err)
		}
	})
}

func mustFind(t *testing.T, s *profiles.Store, id string) profiles.Proposal {
	t.Helper()
	p, err := s.FindProposalByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
