package people_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"matchmaker/people"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// clock is a clock the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// outbox keeps the links sent. While err is set it keeps them and fails, as
// an outbox whose write fails; it checks that the link's user can be read
// through the transaction it is given.
type outbox struct {
	mu   sync.Mutex
	sent []people.SignIn
	err  error
}

func (o *outbox) SendSignIn(ctx context.Context, tx *profiles.Store, m people.SignIn) error {
	if u, err := tx.FindUserByID(ctx, m.User.ID); err != nil || u.Email != m.User.Email {
		return fmt.Errorf("the link's user through the transaction: %+v, %v", u, err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return o.err
}

func (o *outbox) failWith(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.err = err
}

func (o *outbox) last(t *testing.T) people.SignIn {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.sent) == 0 {
		t.Fatal("no sign-in link was sent")
	}
	return o.sent[len(o.sent)-1]
}

func (o *outbox) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.sent)
}

type fixture struct {
	store  *profiles.Store
	folks  *people.People
	out    *outbox
	clock  *clock
	cityID string
}

func setup(t *testing.T, body func(t *testing.T, f fixture)) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		c := &clock{now: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)}
		s := profilestest.OpenStore(t, db, profiles.WithClock(c.Now))
		city, err := s.CreateCity(context.Background(), profiles.CityInput{Name: "Lyon", Country: "FR", Region: "europe", Languages: []string{"fr"}})
		if err != nil {
			t.Fatal(err)
		}
		out := &outbox{}
		folks, err := people.New(people.Config{Store: s, Sender: out, BaseURL: "https://mm.example.org/"})
		if err != nil {
			t.Fatal(err)
		}
		body(t, fixture{store: s, folks: folks, out: out, clock: c, cityID: city.ID})
	})
}

func fieldsOf(err error) []string {
	var ve *profiles.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

var (
	secretariat = &profiles.Principal{Role: profiles.RoleSecretariat}
	admin       = &profiles.Principal{Role: profiles.RoleAdmin}
)

func TestInvite(t *testing.T) {
	setup(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		officer := profiles.UserInput{Email: "Ana@Lyon.example", Name: "Ana", Role: profiles.RoleCity, CityID: f.cityID}
		for _, tc := range []struct {
			name string
			by   *profiles.Principal
			in   profiles.UserInput
		}{
			{"anonymous", nil, officer},
			{"a city officer", &profiles.Principal{Role: profiles.RoleCity, CityID: f.cityID}, officer},
			{"an expert", &profiles.Principal{Role: profiles.RoleExpert, ExpertID: "x"}, officer},
			{"the secretariat inviting an admin", secretariat, profiles.UserInput{Email: "root@x.example", Name: "Root", Role: profiles.RoleAdmin}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := f.folks.Invite(ctx, tc.by, "someone", tc.in); !errors.Is(err, people.ErrForbidden) {
					t.Errorf("invite: %v, want ErrForbidden", err)
				}
			})
		}
		if f.out.count() != 0 {
			t.Fatalf("refused invitations sent %d links", f.out.count())
		}

		u, err := f.folks.Invite(ctx, secretariat, "sam", officer)
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "ana@lyon.example" || u.InvitedBy != "sam" {
			t.Errorf("user = %+v: want the email lower-cased and the inviter kept", u)
		}
		if l := f.out.last(t); l.User.ID != u.ID || !strings.HasPrefix(l.Link, "https://mm.example.org/sign-in/mm_") {
			t.Errorf("link %q for %s, want one for the new user under the base URL", l.Link, l.User.ID)
		}
		if _, err := f.folks.Invite(ctx, admin, "root", profiles.UserInput{Email: "root@x.example", Name: "Root", Role: profiles.RoleAdmin}); err != nil {
			t.Errorf("an admin inviting an admin: %v", err)
		}

		// Every bad field at once; a case variant of a taken address is taken.
		_, err = f.folks.Invite(ctx, secretariat, "sam", profiles.UserInput{Email: "ANA@lyon.example", Name: " ", Role: profiles.RoleCity, Lang: "de"})
		if got := fieldsOf(err); !slices.Equal(got, []string{"city_id", "email", "lang", "name"}) {
			t.Errorf("fields = %v (%v), want city_id, email, lang, name", got, err)
		}
		_, err = f.folks.Invite(ctx, secretariat, "sam", profiles.UserInput{Email: "x@y.example", Name: "X", Role: profiles.RoleExpert, CityID: f.cityID, ExpertID: "nope"})
		if got := fieldsOf(err); !slices.Equal(got, []string{"city_id", "expert_id"}) {
			t.Errorf("fields = %v (%v), want city_id, expert_id", got, err)
		}
		_, err = f.folks.Invite(ctx, secretariat, "sam", profiles.UserInput{Email: "not an address", Name: "X", Role: "integration"})
		if got := fieldsOf(err); !slices.Equal(got, []string{"email", "role"}) {
			t.Errorf("fields = %v (%v), want email, role", got, err)
		}
	})
}

// TestInviteIsOneTransaction: an invitation whose email cannot be queued
// leaves neither the user nor a usable link behind, and asking again works;
// a link asked for whose email cannot be queued does not work either.
func TestInviteIsOneTransaction(t *testing.T) {
	setup(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		secret := func(l people.SignIn) string { return strings.TrimPrefix(l.Link, "https://mm.example.org/sign-in/") }
		in := profiles.UserInput{Email: "eva@lyon.example", Name: "Eva", Role: profiles.RoleCity, CityID: f.cityID}
		f.out.failWith(errors.New("the outbox cannot write"))
		if u, err := f.folks.Invite(ctx, secretariat, "sam", in); err == nil {
			t.Fatalf("invite with a failing outbox: %+v, want an error", u)
		}
		if u, err := f.store.FindUserByEmail(ctx, in.Email); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("user after the failed invitation: %+v, %v; want none", u, err)
		}
		if _, _, _, err := f.folks.SignIn(ctx, secret(f.out.last(t))); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("sign in with the failed invitation's link: %v, want ErrNotFound", err)
		}

		f.out.failWith(nil)
		u, err := f.folks.Invite(ctx, secretariat, "sam", in)
		if err != nil {
			t.Fatalf("the same invitation again: %v", err)
		}
		first := secret(f.out.last(t))

		f.out.failWith(errors.New("the outbox cannot write"))
		if err := f.folks.RequestSignIn(ctx, in.Email); err == nil {
			t.Fatal("a link asked for with a failing outbox: no error")
		}
		if _, _, _, err := f.folks.SignIn(ctx, secret(f.out.last(t))); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("sign in with the link whose email failed: %v, want ErrNotFound", err)
		}
		f.out.failWith(nil)
		if got, _, _, err := f.folks.SignIn(ctx, first); err != nil || got.ID != u.ID {
			t.Errorf("sign in with the invitation's link: %+v, %v", got, err)
		}
	})
}

func TestSignInLinks(t *testing.T) {
	setup(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		u, err := f.folks.Invite(ctx, secretariat, "sam", profiles.UserInput{Email: "ana@lyon.example", Name: "Ana", Role: profiles.RoleCity, CityID: f.cityID})
		if err != nil {
			t.Fatal(err)
		}
		secret := func(l people.SignIn) string { return strings.TrimPrefix(l.Link, "https://mm.example.org/sign-in/") }

		t.Run("once", func(t *testing.T) {
			s := secret(f.out.last(t))
			got, sess, token, err := f.folks.SignIn(ctx, s)
			if err != nil || got.ID != u.ID || token == "" || !sess.ExpiresAt.After(f.clock.Now()) {
				t.Fatalf("sign in: %v %+v %+v", err, got, sess)
			}
			if _, _, _, err := f.folks.SignIn(ctx, s); !errors.Is(err, profiles.ErrNotFound) {
				t.Errorf("second use: %v, want ErrNotFound", err)
			}
			if su, _, err := f.folks.Session(ctx, token); err != nil || su.ID != u.ID {
				t.Errorf("session: %v %+v", err, su)
			}
			if err := f.folks.SignOut(ctx, token); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.folks.Session(ctx, token); !errors.Is(err, profiles.ErrNotFound) {
				t.Errorf("session after sign-out: %v, want ErrNotFound", err)
			}
		})

		t.Run("unknown and tampered", func(t *testing.T) {
			for _, s := range []string{"", "mm_nothing", strings.Repeat("a", 5000), secret(f.out.last(t)) + "x"} {
				if _, _, _, err := f.folks.SignIn(ctx, s); !errors.Is(err, profiles.ErrNotFound) {
					t.Errorf("sign in with %.20q: %v, want ErrNotFound", s, err)
				}
			}
		})

		t.Run("expired", func(t *testing.T) {
			if err := f.folks.RequestSignIn(ctx, "ANA@lyon.example "); err != nil {
				t.Fatal(err)
			}
			s := secret(f.out.last(t))
			f.clock.add(people.DefaultLinkTTL + time.Second)
			if _, _, _, err := f.folks.SignIn(ctx, s); !errors.Is(err, profiles.ErrNotFound) {
				t.Errorf("expired link: %v, want ErrNotFound", err)
			}
		})

		t.Run("session expires", func(t *testing.T) {
			if err := f.folks.RequestSignIn(ctx, u.Email); err != nil {
				t.Fatal(err)
			}
			_, _, token, err := f.folks.SignIn(ctx, secret(f.out.last(t)))
			if err != nil {
				t.Fatal(err)
			}
			f.clock.add(people.DefaultSessionTTL + time.Second)
			if _, _, err := f.folks.Session(ctx, token); !errors.Is(err, profiles.ErrNotFound) {
				t.Errorf("expired session: %v, want ErrNotFound", err)
			}
			if n, err := f.store.PurgeSignIns(ctx); err != nil || n == 0 {
				t.Errorf("purge: %d rows, %v; want the expired rows gone", n, err)
			}
		})

		t.Run("concurrent redemptions", func(t *testing.T) {
			if err := f.folks.RequestSignIn(ctx, u.Email); err != nil {
				t.Fatal(err)
			}
			s := secret(f.out.last(t))
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins := 0
			for range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, _, err := f.folks.SignIn(ctx, s)
					if err != nil && !errors.Is(err, profiles.ErrNotFound) {
						t.Errorf("concurrent sign in: %v", err)
					}
					mu.Lock()
					defer mu.Unlock()
					if err == nil {
						wins++
					}
				}()
			}
			wg.Wait()
			if wins != 1 {
				t.Errorf("%d redemptions of one link succeeded, want 1", wins)
			}
		})

		t.Run("no account, disabled", func(t *testing.T) {
			n := f.out.count()
			if err := f.folks.RequestSignIn(ctx, "nobody@lyon.example"); err != nil {
				t.Errorf("unknown address: %v, want no error (the form tells no one who has an account)", err)
			}
			if err := f.folks.RequestSignIn(ctx, u.Email); err != nil {
				t.Fatal(err)
			}
			s := secret(f.out.last(t))
			_, _, token, err := f.folks.SignIn(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.folks.RequestSignIn(ctx, u.Email); err != nil {
				t.Fatal(err)
			}
			pending := secret(f.out.last(t))
			if err := f.store.DisableUser(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.folks.Session(ctx, token); !errors.Is(err, profiles.ErrNotFound) {
				t.Errorf("session of a disabled user: %v, want ErrNotFound", err)
			}
			if _, _, _, err := f.folks.SignIn(ctx, pending); !errors.Is(err, profiles.ErrNotFound) {
				t.Errorf("link of a disabled user: %v, want ErrNotFound", err)
			}
			before := f.out.count()
			if err := f.folks.RequestSignIn(ctx, u.Email); err != nil || f.out.count() != before {
				t.Errorf("a disabled user was sent a link (%v)", err)
			}
			if before != n+2 {
				t.Errorf("%d links sent, want 2 (none to the unknown address)", before-n)
			}
		})
	})
}

// TestErasureTakesTheAccount: erasing an expert deletes their account on the
// pages, and with it their sessions.
func TestErasureTakesTheAccount(t *testing.T) {
	setup(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		x, err := f.store.CreateExpert(ctx, profiles.ExpertInput{Name: "Eva Expert", Role: "academic", Country: "FR", Languages: []string{"fr"}})
		if err != nil {
			t.Fatal(err)
		}
		u, err := f.folks.Invite(ctx, secretariat, "sam", profiles.UserInput{Email: "eva@x.example", Name: "Eva Expert", Role: profiles.RoleExpert, ExpertID: x.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, _, token, err := f.folks.SignIn(ctx, strings.TrimPrefix(f.out.last(t).Link, "https://mm.example.org/sign-in/"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.EraseExpert(ctx, x.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.FindUserByID(ctx, u.ID); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("the erased expert's account: %v, want ErrNotFound", err)
		}
		if _, _, err := f.folks.Session(ctx, token); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("the erased expert's session: %v, want ErrNotFound", err)
		}
	})
}

// TestDisableRules: the secretariat disables and re-enables anyone but an
// admin, an admin anyone, nobody themselves, and no one else anybody; each
// refusal is a *Refusal that says why and changes nothing. A disabled
// person's session ends and their last sign-in stays on record.
func TestDisableRules(t *testing.T) {
	setup(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		mk := func(email, role string) profiles.User {
			t.Helper()
			in := profiles.UserInput{Email: email, Name: email, Role: role}
			if role == profiles.RoleCity {
				in.CityID = f.cityID
			}
			u, err := f.folks.Invite(ctx, admin, "root", in)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		officer := mk("ana@lyon.example", profiles.RoleCity)
		sam := mk("sam@x.example", profiles.RoleSecretariat)
		ada := mk("ada@x.example", profiles.RoleAdmin)
		_, _, token, err := f.folks.SignIn(ctx, strings.TrimPrefix(f.out.last(t).Link, "https://mm.example.org/sign-in/"))
		if err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name     string
			by       *profiles.Principal
			byID, id string
		}{
			{"anonymous", nil, "", officer.ID},
			{"a city officer", officer.Principal(), officer.ID, sam.ID},
			{"an expert", &profiles.Principal{Role: profiles.RoleExpert, ExpertID: "x"}, "x", officer.ID},
			{"the secretariat, an admin", sam.Principal(), sam.ID, ada.ID},
			{"the secretariat, themselves", sam.Principal(), sam.ID, sam.ID},
			{"an admin, themselves", ada.Principal(), ada.ID, ada.ID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, change := range []func(context.Context, *profiles.Principal, string, string) (profiles.User, error){f.folks.Disable, f.folks.Enable} {
					_, err := change(ctx, tc.by, tc.byID, tc.id)
					var r *people.Refusal
					if !errors.As(err, &r) || !errors.Is(err, people.ErrForbidden) || r.Text.Code == "" {
						t.Errorf("%v, want a refusal with its code", err)
					}
				}
				if u, _ := f.store.FindUserByID(ctx, tc.id); u.DisabledAt != nil {
					t.Error("a refusal disabled them")
				}
			})
		}
		if _, err := f.folks.Disable(ctx, secretariat, "key-1", "nobody"); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("an unknown user: %v, want ErrNotFound", err)
		}
		if _, err := f.folks.Disable(ctx, nil, "", "nobody"); !errors.Is(err, people.ErrForbidden) {
			t.Errorf("an unknown user for anonymous: %v, want ErrForbidden (nothing learnt of who exists)", err)
		}

		// The admin signed in (the last link sent was hers); the
		// secretariat disables the officer, the admin the secretariat.
		u, err := f.folks.Disable(ctx, sam.Principal(), sam.ID, officer.ID)
		if err != nil || u.DisabledAt == nil {
			t.Fatalf("the secretariat disables an officer: %+v, %v", u, err)
		}
		if _, err := f.folks.Disable(ctx, ada.Principal(), ada.ID, sam.ID); err != nil {
			t.Fatalf("an admin disables the secretariat: %v", err)
		}
		if _, err := f.folks.Disable(ctx, admin, "key-1", ada.ID); err != nil {
			t.Fatalf("an admin key disables an admin: %v", err)
		}
		if _, _, err := f.folks.Session(ctx, token); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("the disabled admin's session: %v, want ErrNotFound", err)
		}
		back, err := f.folks.Enable(ctx, admin, "key-1", ada.ID)
		if err != nil || back.DisabledAt != nil || back.LastSignInAt == nil {
			t.Errorf("re-enabled: %+v, %v; want enabled with her last sign-in kept", back, err)
		}
	})
}
