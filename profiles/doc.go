// Package profiles holds the domain of matchmaker: cities, the practices they can
// share, the challenges they post, the experts who volunteer, and the theme taxonomy
// that ties them together. It owns their validation (turning input into typed,
// checked values, collecting every field error at once), their domain errors, and the
// bun store that keeps them on SQLite or PostgreSQL.
//
// Open is the one place that picks the database from a DSN. The package imports
// neither echo nor any other project package: HTTP lives in api, matching in matcher.
package profiles
