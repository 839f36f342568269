// Package api is matchmaker's HTTP layer: the route table, thin handlers that decode,
// convert, make one call and encode, problem+json errors decided in one place, and
// the embedded OpenAPI document that the tests hold the routes to.
//
// Only api and cmd import echo. api imports profiles and matcher; nothing imports api
// but cmd.
package api
