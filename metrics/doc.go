// Package metrics holds what the service tells Prometheus about itself apart
// from its HTTP traffic: the match index (documents, build time, follower lag),
// the matcher's query latency by kind, the backlogs queued in the database (jobs
// by kind and state, outbox messages by channel and state), the database pool and
// the Go runtime.
//
// Nothing here registers itself: Register adds the collectors to the registry
// cmd builds and passes down (no global registry), and the api door adds its
// request metrics to the same registry. The names are listed in docs/metrics.md.
//
// metrics imports workflow, profiles and matcher and the Prometheus client; it
// knows no HTTP and imports no door. Only cmd imports it.
package metrics
