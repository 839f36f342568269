// Package people is the application layer of the people who use the pages:
// users invited by the secretariat or an admin, their one-time sign-in links
// and their sessions. It decides who may invite whom, mints a link and hands
// it to a SignInSender (the log until a mailer is wired), redeems a link
// once into a session, finds the user of a session, and disables and
// re-enables people. Both doors (the JSON API and the pages) call it, so that
// who may invite, list, disable and re-enable whom is decided here once.
//
// Its errors are domain values: the profiles errors (*profiles.ValidationError,
// *profiles.ConflictError, profiles.ErrNotFound) and a *Refusal (errors.Is
// ErrForbidden) when the caller's role may not do what it asks, saying why.
// A door decides what they mean in its own protocol.
//
// people imports profiles only. It knows no HTTP: it must not import echo,
// net/http, api, web or cmd.
package people
