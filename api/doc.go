// Package api is matchmaker's HTTP layer: the route table, thin handlers that decode,
// convert, make one call and encode, problem+json errors decided in one place, and
// the embedded OpenAPI document that the tests hold the routes to.
//
// Each workflow (making proposals, their life, review rounds, the benchmark) is one
// call of package workflow: a handler decodes, converts its body into the
// workflow's domain values, makes that call and encodes the answer; the errors it
// gets back are domain values, given their HTTP status in problem.go only.
//
// Only api and cmd import echo. api imports workflow, people, profiles and
// matcher; nothing imports api but cmd.
package api
