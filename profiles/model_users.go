package profiles

import "time"

// UserRoles are the roles a person can have: the roles of API keys but
// integration, which is for machines.
var UserRoles = []string{RoleAdmin, RoleSecretariat, RoleCity, RoleExpert}

// User is a person who signs in on the pages, by a one-time link sent to
// their email. Like an API key, a city officer is bound to one city and an
// expert to one expert profile.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"` // lower case
	Name  string `json:"name"`
	// Lang is the language the person chose ("en", "fr", "es"), or "" to
	// follow their browser's.
	Lang       string     `json:"lang,omitempty"`
	Role       string     `json:"role"`
	CityID     string     `json:"city_id,omitempty"`
	ExpertID   string     `json:"expert_id,omitempty"`
	InvitedBy  string     `json:"invited_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
	// LastSignInAt is when the person last redeemed a sign-in link; nil
	// when they never did. The lists and FindUserByID read it; the
	// look-ups of every request (by session, by email) leave it nil.
	LastSignInAt *time.Time `json:"last_sign_in_at"`
}

// Principal is the user as a principal; nil for a nil user.
func (u *User) Principal() *Principal {
	if u == nil {
		return nil
	}
	return &Principal{Role: u.Role, CityID: u.CityID, ExpertID: u.ExpertID}
}

// UserInput is what a new user is made of.
type UserInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Lang     string `json:"lang,omitempty"`
	Role     string `json:"role"`
	CityID   string `json:"city_id,omitempty"`
	ExpertID string `json:"expert_id,omitempty"`
	// InvitedBy names who invited the user (a user's or a key's ID), for
	// the record.
	InvitedBy string `json:"invited_by,omitempty"`
}

// UserFilter selects users: by role (any case) when Role is set.
type UserFilter struct {
	Role string
	Page Page
}

// Session is a signed-in person's session. Its secret lives in their
// browser's cookie only; the store keeps its digest.
type Session struct {
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// UserLangs are the languages a person may choose for the pages.
var UserLangs = []string{"en", "fr", "es"}
