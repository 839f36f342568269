package migrations

// The advisory lock's key, for the tests that look for it in pg_locks.
var (
	AdvisoryKey = advisoryKey
	SchemaKey   = schemaKey
)
