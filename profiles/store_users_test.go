package profiles_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// TestLastSignIn: a user who never signed in has no last sign-in; redeeming
// a link records it with the session, in every read of the user, and the
// next sign-in moves it on. A link that is refused records nothing.
func TestLastSignIn(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		clock := profilestest.NewClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
		s := profilestest.OpenStore(t, db, profiles.WithClock(clock.Now))
		ctx := t.Context()
		u, err := s.CreateUser(ctx, profiles.UserInput{Email: "lia@example.org", Name: "Lia", Role: profiles.RoleSecretariat})
		if err != nil {
			t.Fatal(err)
		}
		if u.LastSignInAt != nil {
			t.Fatalf("a new user signed in at %v", u.LastSignInAt)
		}
		lastOf := func() *time.Time {
			t.Helper()
			byID, err := s.FindUserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			list, err := s.FindUsers(ctx, profiles.UserFilter{Page: profiles.Page{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range list.Items {
				if l.ID == u.ID && !sameTime(l.LastSignInAt, byID.LastSignInAt) {
					t.Errorf("the list says %v, the user %v", l.LastSignInAt, byID.LastSignInAt)
				}
			}
			return byID.LastSignInAt
		}
		if last := lastOf(); last != nil {
			t.Fatalf("never signed in, yet last sign-in %v", last)
		}
		if _, _, _, err := s.RedeemSignInLink(ctx, "not-a-secret", time.Hour); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("an unknown link: %v", err)
		}
		if last := lastOf(); last != nil {
			t.Fatalf("a refused link recorded a sign-in at %v", last)
		}
		secret, _, err := s.CreateSignInLink(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		signed, sess, _, err := s.RedeemSignInLink(ctx, secret, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		first := lastOf()
		if first == nil || !first.Equal(sess.CreatedAt) || !sameTime(signed.LastSignInAt, first) {
			t.Fatalf("last sign-in %v, the session opened at %v, the redemption said %v", first, sess.CreatedAt, signed.LastSignInAt)
		}
		secret, _, err = s.CreateSignInLink(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := s.RedeemSignInLink(ctx, secret, time.Hour); err != nil {
			t.Fatal(err)
		}
		if second := lastOf(); second == nil || !second.After(*first) {
			t.Errorf("after a second sign-in: %v, want after %v", second, first)
		}
	})
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// TestDisableAndEnableUser: disabling ends a user's sessions and voids the
// links they had not used, also for after they are enabled again; the rule
// given runs on the stored user and its refusal changes nothing; doing it
// twice changes nothing more.
func TestDisableAndEnableUser(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := t.Context()
		u, err := s.CreateUser(ctx, profiles.UserInput{Email: "max@example.org", Name: "Max", Role: profiles.RoleSecretariat})
		if err != nil {
			t.Fatal(err)
		}
		link := func() string {
			t.Helper()
			secret, _, err := s.CreateSignInLink(ctx, u.ID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return secret
		}
		_, _, session, err := s.RedeemSignInLink(ctx, link(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		pending := link()

		refused := errors.New("not you")
		var seen profiles.User
		if _, err := s.SetUserDisabled(ctx, u.ID, true, func(v profiles.User) error { seen = v; return refused }); !errors.Is(err, refused) {
			t.Fatalf("a refused change: %v", err)
		}
		if seen.ID != u.ID || seen.Role != profiles.RoleSecretariat {
			t.Errorf("the rule was given %+v", seen)
		}
		if _, _, err := s.UserBySession(ctx, session); err != nil {
			t.Fatalf("a refused disabling ended the session: %v", err)
		}

		d, err := s.SetUserDisabled(ctx, u.ID, true, nil)
		if err != nil || d.DisabledAt == nil {
			t.Fatalf("disable: %+v, %v", d, err)
		}
		if _, _, err := s.UserBySession(ctx, session); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("the session of a disabled user: %v, want ErrNotFound", err)
		}
		if _, _, _, err := s.RedeemSignInLink(ctx, pending, time.Hour); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("the link of a disabled user: %v, want ErrNotFound", err)
		}
		if _, _, err := s.CreateSignInLink(ctx, u.ID, time.Hour); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("a new link for a disabled user: %v, want ErrNotFound", err)
		}
		if _, err := s.FindUserByEmail(ctx, "MAX@example.org"); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("a disabled user found by email: %v, want ErrNotFound", err)
		}
		again, err := s.SetUserDisabled(ctx, u.ID, true, nil)
		if err != nil || again.DisabledAt == nil || !again.DisabledAt.Equal(*d.DisabledAt) {
			t.Errorf("disabled twice: %+v, %v; want the first time kept (%v)", again.DisabledAt, err, d.DisabledAt)
		}

		e, err := s.SetUserDisabled(ctx, u.ID, false, nil)
		if err != nil || e.DisabledAt != nil {
			t.Fatalf("enable: %+v, %v", e, err)
		}
		if stored, _ := s.FindUserByID(ctx, u.ID); stored.DisabledAt != nil {
			t.Errorf("enabled, yet stored disabled at %v", stored.DisabledAt)
		}
		if _, _, _, err := s.RedeemSignInLink(ctx, pending, time.Hour); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("a link from before the disabling, once enabled: %v, want ErrNotFound", err)
		}
		if _, _, _, err := s.RedeemSignInLink(ctx, link(), time.Hour); err != nil {
			t.Errorf("a new link once enabled: %v", err)
		}
		if _, err := s.SetUserDisabled(ctx, u.ID, false, nil); err != nil {
			t.Errorf("enabled twice: %v", err)
		}
		if _, err := s.SetUserDisabled(ctx, "nobody", true, nil); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("an unknown user: %v, want ErrNotFound", err)
		}
	})
}

// TestUserEmailIsOnePerson: an address another user has, in any case, is a
// conflict naming email; beside other bad fields it is named with them; of
// concurrent creations with one address exactly one succeeds.
func TestUserEmailIsOnePerson(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := t.Context()
		if _, err := s.CreateUser(ctx, profiles.UserInput{Email: "ana@example.org", Name: "Ana", Role: profiles.RoleSecretariat}); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreateUser(ctx, profiles.UserInput{Email: " ANA@Example.org", Name: "Ana Again", Role: profiles.RoleSecretariat})
		var ce *profiles.ConflictError
		if !errors.As(err, &ce) || len(ce.Fields) != 1 || ce.Fields[0].Field != "email" || ce.Fields[0].Code == "" || ce.Text.Code == "" {
			t.Fatalf("the same address in another case: %v, want a conflict naming email", err)
		}
		_, err = s.CreateUser(ctx, profiles.UserInput{Email: "ana@example.org", Name: "", Role: "boss"})
		var ve *profiles.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("a taken address with bad fields: %v, want a validation error", err)
		}
		var fields []string
		for _, f := range ve.Fields {
			fields = append(fields, f.Field)
		}
		if want := []string{"name", "role", "email"}; !equalSets(fields, want) {
			t.Errorf("fields %v, want %v", fields, want)
		}

		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.CreateUser(ctx, profiles.UserInput{Email: "race@example.org", Name: "Race", Role: profiles.RoleSecretariat})
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			var ce *profiles.ConflictError
			switch {
			case err == nil:
				wins++
			case !errors.As(err, &ce) || len(ce.Fields) != 1 || ce.Fields[0].Field != "email":
				t.Errorf("a concurrent creation: %v, want a conflict naming email", err)
			}
		}
		if wins != 1 {
			t.Errorf("%d concurrent creations of one address succeeded, want 1", wins)
		}
	})
}

// TestFindUsersByRole: the role filter takes any case.
func TestFindUsersByRole(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := t.Context()
		for _, in := range []profiles.UserInput{
			{Email: "a@example.org", Name: "A", Role: profiles.RoleSecretariat},
			{Email: "b@example.org", Name: "B", Role: profiles.RoleAdmin},
			{Email: "c@example.org", Name: "C", Role: profiles.RoleSecretariat},
		} {
			if _, err := s.CreateUser(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		res, err := s.FindUsers(ctx, profiles.UserFilter{Role: " Secretariat", Page: profiles.Page{Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 2 || len(res.Items) != 1 || res.Items[0].Email != "a@example.org" || res.Next == "" {
			t.Fatalf("first page: %+v", res)
		}
		res, err = s.FindUsers(ctx, profiles.UserFilter{Role: "secretariat", Page: profiles.Page{Limit: 1, After: res.Next}})
		if err != nil || len(res.Items) != 1 || res.Items[0].Email != "c@example.org" || res.Next != "" {
			t.Fatalf("second page: %+v, %v", res, err)
		}
	})
}

func equalSets(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, v := range seen {
		if v != 0 {
			return false
		}
	}
	return true
}

// TestUserNames: the names of several users come in one read, by ID; an ID
// no user has (an API key's, say) is left out, and no ID asks nothing.
func TestUserNames(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		s := profilestest.OpenStore(t, db)
		ctx := t.Context()
		var ids []string
		for _, n := range []string{"Ana", "Bo", "Cy"} {
			u, err := s.CreateUser(ctx, profiles.UserInput{Email: n + "@example.org", Name: n, Role: profiles.RoleSecretariat})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		got, err := s.UserNames(ctx, []string{ids[0], ids[2], "no-such-user"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[ids[0]] != "Ana" || got[ids[2]] != "Cy" {
			t.Errorf("names %v, want Ana and Cy", got)
		}
		if got, err := s.UserNames(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("no ID: %v, %v", got, err)
		}
	})
}
