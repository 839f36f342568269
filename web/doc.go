// Package web is a door of matchmaker: the pages for people, server-rendered
// from the Go binary, beside the JSON API (package api) and on the same
// application layer (workflow, people) and domain (profiles).
//
// # How a page is built
//
// Every page is one route in Server.Routes (method, path, who may open it,
// handler) and one template in templates/pages/<name>.html. A handler is
// uniform: read the path and the form → one call to the application layer or
// the store → s.render(c, status, "<name>", "web.<name>.title", data). The
// template defines "main" (the page's content) and is executed inside
// templates/layout.html, which holds the landmarks (header with the main
// navigation, the account and the language switcher; main; footer), the skip
// link and the scripts. Shared pieces are in templates/partials/*.html: "csrf"
// (the hidden field every form needs) and "nav" (the main navigation: add one
// <li> per page, by role, and change nothing else there).
//
// A template sees a *View: .Lang, .User (nil when nobody is signed in),
// .CSRF, .Path, .Title and .Data (the handler's data, a struct of the page's
// own). Everything a person reads goes through the message catalogue of
// package locale, by View's methods: {{.T "web.cities.heading"}}, with
// placeholders {{.T "web.layout.signed_in_as" "Name" .User.Name}}, plurals
// {{.N "web.cities.count" .Data.Total}}, {{.Date t}}, {{.DateTime t}},
// {{.Number x 2}}, {{.Int n}}, theme labels from the taxonomy {{.Theme code}}
// and languages' names {{.Language "fr"}}. Inside {{range}} or {{with}}, call
// them on $: {{$.T "…"}}. Messages live in locale/messages/web.{en,fr,es}.toml
// under keys web.<page>.<what> (web.layout.* and web.nav.* for the frame);
// `go test ./locale` fails on a key missing from one language. Another
// engineer's pages may keep their keys in their own domain files
// (locale/messages/<domain>.*.toml) with the same web.<page>.<what> naming.
//
// # Who may do what
//
// Auth in the route table lets in "" anyone, "user" anyone signed in, or one
// role (profiles.RoleCity, RoleExpert, RoleSecretariat); the staff
// (secretariat, admin) pass every role check but profiles.RoleAdmin, which
// lets only an admin in (the keys and the audit trail): a page of the
// admin's says so in the table, never only in its handler. Finer rules are the rules of
// profiles.Principal, the same the JSON API applies: a handler takes
// principalOf(c) and asks it (p.MayEditCity(id), p.PartyTo(proposal),
// p.PracticeVisible(pr), p.ContactVisible(…)); a refusal returns
// errForbidden, a missing row profiles.ErrNotFound. Never write a rule of the
// network in a handler: add it to profiles.Principal (or the application
// layer) so that both doors keep it.
//
// # Sessions, forms and CSRF
//
// People sign in by a one-time link (package people): /sign-in asks for it,
// /sign-in/<secret> shows a button that redeems it (opening the link alone
// signs no one in, so that mail scanners cannot use it up), and a session
// cookie (mm_session: HttpOnly, SameSite=Lax, Secure when Config.SecureCookies)
// follows. Every POST is checked by echo's CSRF middleware: a form includes
// {{template "csrf" .}}; htmx requests send the token as X-CSRF-Token, set once
// on <body hx-headers>. A form is answered with redirect (303) on success, or
// the same page with the field errors (422) on bad input; every core action
// must work without JavaScript, htmx only refreshing parts
// (s.renderPart renders one {{define}} block of a page for an hx-request).
// Errors become an error page in the reader's language (errorPage); the
// detail of a 5xx is logged with the request ID, never shown. A form's
// answer waits (awaitIndex, up to two seconds) until the match index holds
// what the form wrote, so that the page it redirects to shows it. Field
// errors come back as formErrors (errorsOf) and are shown beside their
// fields and in a summary (partial "form_errors"), said in the page's
// language by {{$.Say .}}: the network's sentences (profiles.Text, with
// their codes in profiles/texts_table.go) through locale.Catalogue.Say, the
// renderer of the JSON API's problems; refusals of the workflows (problemOf,
// errorPage) the same way. No page shows the network's English as it is.
//
// # What the operators see
//
// Every page request is in the request metrics the JSON API's go to
// (Config.Metrics, metrics.Requests: matchmaker_http_request_duration_seconds
// by route pattern), and every form sent (POST) in the append-only audit
// trail, with the person signed in as the actor (observe.go), in the
// transaction of its write as for the API.
//
// # Pictures
//
// Charts are server-rendered SVG in the template, with role="img", a label
// that says the numbers, and the same numbers in a table or a list beside
// them: the network by region (home.html) and a score's factors
// (partial "factor_bar" in partials/explain.html, fed by View.Segments).
//
// # Language
//
// The reader's language is their choice (the switcher's mm_lang cookie, then
// their profile's), then Accept-Language, then the language of the city a city
// officer speaks for (langOf). Each answer says Content-Language.
//
// # Static files
//
// static/ is embedded and served under /static: style.css (our own) and
// vendor/ (htmx, with its licence; vendor/README says which version and how it
// was fetched). The Content-Security-Policy allows no inline script or style:
// put behaviour in htmx attributes and styles in style.css.
//
// # Browser tests
//
// Package web/browsertest starts the whole service with the demo network on
// SQLite and on PostgreSQL (browsertest.Each), opens chromium
// (svc.Browser(t, "fr")), signs in as a demo person (b.SignInAs(role), which
// follows the link the service sends), and checks a page with axe-core
// (b.Axe(), failing on serious or critical violations). A page's test opens it
// in each of en, fr and es, asserts on what a person sees, and calls b.Axe().
// See browser_test.go.
//
// web imports the application layer (workflow, people, volunteers), profiles, matcher
// (its result types), metrics (the request metrics) and locale. It must not import api or cmd, and api must
// not import it.
package web
