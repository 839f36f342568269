package demo

import (
	"context"
	"fmt"

	"matchmaker/profiles"
)

// The demo's people: one of each kind who signs in on the pages.
const (
	SecretariatEmail = "secretariat@demo.example.org"
	OfficerEmail     = "officer@demo.example.org"
	ExpertEmail      = "expert@demo.example.org"
)

// People are the demo's users: a member of the secretariat, an officer of
// the first city (in ID order) with an open challenge, and the first expert.
// Their language is left to their browser.
func People(ctx context.Context, s *profiles.Store) ([]profiles.UserInput, error) {
	chs, err := s.FindChallenges(ctx, profiles.ChallengeFilter{Status: "open", Page: profiles.Page{Limit: 1}})
	if err != nil {
		return nil, fmt.Errorf("demo people: %w", err)
	}
	xs, err := s.FindExperts(ctx, profiles.ExpertFilter{Page: profiles.Page{Limit: 1}})
	if err != nil {
		return nil, fmt.Errorf("demo people: %w", err)
	}
	if len(chs.Items) == 0 || len(xs.Items) == 0 {
		return nil, fmt.Errorf("demo people: the database holds no open challenge or no expert: load the demo network first")
	}
	city, err := s.FindCityByID(ctx, chs.Items[0].CityID)
	if err != nil {
		return nil, fmt.Errorf("demo people: %w", err)
	}
	return []profiles.UserInput{
		{Email: SecretariatEmail, Name: "Sam Secretariat", Role: profiles.RoleSecretariat, InvitedBy: "demo"},
		{Email: OfficerEmail, Name: "Olga Officer (" + city.Name + ")", Role: profiles.RoleCity, CityID: city.ID, InvitedBy: "demo"},
		{Email: ExpertEmail, Name: xs.Items[0].Name, Role: profiles.RoleExpert, ExpertID: xs.Items[0].ID, InvitedBy: "demo"},
	}, nil
}
