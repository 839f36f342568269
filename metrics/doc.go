// Package metrics holds what the service tells Prometheus about itself: the
// HTTP requests of both doors by route pattern (Requests), the match index
// (documents, build time, follower lag), the matcher's query latency by kind,
// the backlogs queued in the database (jobs by kind and state, outbox messages
// by channel and state), the database pool and the Go runtime.
//
// Nothing here registers itself: Register adds the collectors to the registry
// cmd builds and passes down (no global registry), and each door asks
// NewRequests for the request metrics on the same registry, sharing one set of
// series. The names are listed in docs/metrics.md.
//
// metrics imports workflow, profiles and matcher and the Prometheus client; it
// knows no HTTP (a door measures its requests and hands over the route, method
// and status) and imports no door.
package metrics
