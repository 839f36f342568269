// Package people is the application layer of the people who use the pages:
// users invited by the secretariat or an admin, their one-time sign-in links
// and their sessions. It decides who may invite whom, mints a link and hands
// it to a SignInSender (the log until a mailer is wired), redeems a link
// once into a session, and finds the user of a session.
//
// Its errors are domain values: the profiles errors (*profiles.ValidationError,
// *profiles.ConflictError, profiles.ErrNotFound) and ErrForbidden when the
// inviter's role may not invite. A door decides what they mean in its own
// protocol.
//
// people imports profiles only. It knows no HTTP: it must not import echo,
// net/http, api, web or cmd.
package people
