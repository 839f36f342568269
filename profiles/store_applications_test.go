package profiles_test

import (
	"errors"
	"sync"
	"testing"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

func application(email string) profiles.ApplicationInput {
	return profiles.ApplicationInput{Email: email, Lang: "fr", Consent: true, Profile: profiles.ExpertInput{
		Name: "Awa Applicant", Role: "technical_officer", Country: "SN", Languages: []string{"fr"}, Modes: []string{"tutoring"}}}
}

// TestApplications: an application is no expert until approved; its link
// confirms it once; it is decided once, even by two concurrent decisions; an
// approval makes the expert and its user together.
func TestApplications(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := t.Context()
		t.Run("every bad field at once", func(t *testing.T) {
			_, _, err := s.CreateApplication(ctx, profiles.ApplicationInput{Email: "nope"})
			var ve *profiles.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			got := map[string]bool{}
			for _, f := range ve.Fields {
				got[f.Field] = true
			}
			for _, f := range []string{"email", "consent", "name", "role", "country", "languages"} {
				if !got[f] {
					t.Errorf("no error on %s: %v", f, ve.Fields)
				}
			}
		})

		before, err := s.FindExperts(ctx, profiles.ExpertFilter{Page: profiles.Page{Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		a, secret, err := s.CreateApplication(ctx, application("Awa@Example.org"))
		if err != nil {
			t.Fatal(err)
		}
		if a.Email != "awa@example.org" || a.Status != profiles.ApplicationUnconfirmed {
			t.Errorf("stored %q %s, want the address lower-cased, unconfirmed", a.Email, a.Status)
		}
		if _, err := s.DecideApplication(ctx, a.ID, true, "test", ""); !isConflict(err) {
			t.Errorf("approving an unconfirmed application: %v, want a conflict", err)
		}
		if _, err := s.ConfirmApplication(ctx, secret+"x"); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("a wrong secret: %v, want not found", err)
		}
		if _, err := s.ConfirmApplication(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ConfirmApplication(ctx, secret); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("a second confirmation: %v, want not found", err)
		}
		after, err := s.FindExperts(ctx, profiles.ExpertFilter{Page: profiles.Page{Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if after.Total != before.Total {
			t.Errorf("a pending application made %d experts", after.Total-before.Total)
		}

		// Two secretaries decide at once: one decision stands.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.DecideApplication(ctx, a.ID, i == 0, "test", "")
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !isConflict(err):
				t.Errorf("concurrent decision: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d decisions stood, want 1", ok)
		}
		got, err := s.FindApplicationByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		after, err = s.FindExperts(ctx, profiles.ExpertFilter{Page: profiles.Page{Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		u, uerr := s.FindUserByEmail(ctx, "awa@example.org")
		switch got.Status {
		case profiles.ApplicationApproved:
			if after.Total != before.Total+1 || uerr != nil || u.ExpertID != got.ExpertID || u.Role != profiles.RoleExpert {
				t.Errorf("approved: %d new experts, user %+v (%v), want one expert and its user", after.Total-before.Total, u, uerr)
			}
		case profiles.ApplicationDeclined:
			if after.Total != before.Total || !errors.Is(uerr, profiles.ErrNotFound) {
				t.Errorf("declined: %d new experts, user error %v, want none", after.Total-before.Total, uerr)
			}
		default:
			t.Errorf("status %s after a decision", got.Status)
		}
	})
}

func isConflict(err error) bool {
	var ce *profiles.ConflictError
	return errors.As(err, &ce)
}
