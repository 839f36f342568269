// Package locale holds what matchmaker says to people, in English, French and
// Spanish: one message catalogue for every door (the pages, the mails, the
// JSON API's problems and explanations), the choice of a reader's language,
// and dates and numbers written as that reader writes them.
//
// Messages live in messages/<domain>.<lang>.toml (go-i18n's format), one file
// per door and language, embedded in the binary. A test fails when a message is
// missing from one language or names other placeholders than in English.
//
// The package imports no other project package.
package locale
