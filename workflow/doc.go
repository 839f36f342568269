// Package workflow is the application layer of matchmaker: the network's
// workflows, between the doors (api, cmd) and the engines (profiles, matcher).
// It holds the in-memory match index and the follower that keeps it in step
// with the store's change feed, so that every replica's index converges on the
// database whichever process wrote.
//
// It imports profiles and matcher; it knows no HTTP and never imports api,
// echo or cmd.
package workflow
