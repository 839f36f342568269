package profiles_test

import (
	"context"
	"strings"
	"testing"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// invisibles are texts that hold characters but show nothing: spaces of every
// kind, formatting characters and fillers.
var invisibles = map[string]string{
	"zero width space":            "\u200b",
	"byte order mark":             "\ufeff",
	"left-to-right embedding":     "\u202a",
	"right-to-left override":      "\u202e",
	"bidi isolates":               "\u2066\u2067\u2068\u2069",
	"direction marks":             "\u200e\u200f",
	"soft hyphen":                 "\u00ad",
	"joiners":                     "\u200c\u200d\u2060",
	"Hangul filler":               "\u3164",
	"combining mark alone":        "\u0301",
	"variation selector":          "\ufe0f",
	"blank Braille pattern":       "\u2800",
	"no-break and ideographic sp": "\u00a0\u3000 ",
	"mixed":                       " \u200b\ufeff\u202e\u00ad ",
}

// TestRequiredTextsNeedAVisibleCharacter: every required name and title is
// refused with a field error when it shows nothing, on each database; a name
// with one visible character among invisible ones is still a name.
func TestRequiredTextsNeedAVisibleCharacter(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		city := mustCity(t, s, newCity("Lyon", "FR", "europe", "fr"))
		for name, blank := range invisibles {
			t.Run(name, func(t *testing.T) {
				c := newCity(blank, "FR", "europe", "fr")
				_, err := s.CreateCity(ctx, c)
				assertFields(t, err, "name")

				_, err = s.CreatePractice(ctx, profiles.PracticeInput{CityID: city.ID, Title: blank, Description: blank, Language: "fr"})
				assertFields(t, err, "title", "description")

				_, err = s.CreateChallenge(ctx, profiles.ChallengeInput{CityID: city.ID, Title: blank, Description: blank, Language: "fr"})
				assertFields(t, err, "title", "description")

				_, err = s.CreateExpert(ctx, profiles.ExpertInput{Name: blank, Role: "mayor", Country: "FR", Languages: []string{"fr"},
					TrackRecord: []profiles.TrackRecordItem{{Title: blank}}})
				assertFields(t, err, "name", "track_record[0].title")

				_, err = s.UpdateCity(ctx, city.ID, profiles.CityUpdate{Apply: func(in profiles.CityInput) (profiles.CityInput, error) {
					in.Name = blank
					return in, nil
				}})
				assertFields(t, err, "name")

				_, err = s.CreateRound(ctx, profiles.ReviewRound{Name: blank, Request: []byte(`{}`),
					Rubric: &profiles.Rubric{Criteria: []profiles.Criterion{{Code: "c", Label: blank, Min: 0, Max: 5}}}})
				assertFields(t, err, "name", "rubric.criteria[0].label")
			})
		}
		if _, err := s.CreateCity(ctx, newCity("\u200bLyon\u200e", "FR", "europe", "fr")); err != nil {
			t.Fatalf("a name with visible characters among invisible ones: %v", err)
		}
	})
}

// assertFields checks that err is a validation error naming exactly want, in order.
func assertFields(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want errors on %v", want)
	}
	if got := fields(t, err); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("fields %v, want %v (%v)", got, want, err)
	}
}

func TestVisible(t *testing.T) {
	for name, s := range invisibles {
		if profiles.Visible(s) {
			t.Errorf("%s (%+q) is visible", name, s)
		}
	}
	for _, s := range []string{"a", "Ø", "1", "·", "€", "東京", "\u200bx", "é", "e\u0301", "ا", "-"} {
		if !profiles.Visible(s) {
			t.Errorf("%+q is not visible", s)
		}
	}
}
