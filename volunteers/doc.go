// Package volunteers is the application layer of practitioners who apply to
// volunteer as experts: the public form's application (stored unconfirmed,
// confirmed by an emailed link), and the secretariat's approval or decline.
// An application is no expert: it stays out of the experts, the change feed
// and the match index until it is approved, and the approval creates the
// expert and its user in one transaction of the store
// (profiles.Store.DecideApplication), then sends the new expert a sign-in
// link.
//
// It knows no HTTP: the pages (package web) call it. It imports profiles and
// people, never a door or cmd.
package volunteers
