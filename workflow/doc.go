// Package workflow is matchmaker's application layer: the network's workflows,
// the same for every door. It assembles review panels, tutoring teams and
// exchange pairings from the domain rules a proposal keeps (PanelRules,
// TeamRules, PairingRules), carries a proposal through its life (edits,
// sending, answers with the automatic replacement of a decline, outcomes),
// gathers candidate pools with the hard rules applied before a pool is cut,
// runs review rounds and imports (see package transfer) as jobs claimed from
// the database, and aggregates a round's rubric scores into its benchmark. It holds the in-memory match index
// and the follower that keeps it in step with the store's change feed, so that
// every replica's index converges on the database whichever process wrote.
//
// Its errors are domain values: the profiles errors (*profiles.ValidationError,
// *profiles.ConflictError, *profiles.StaleError, profiles.ErrNotFound) and
// *RuleError when the network's hard rules cannot be kept. A door decides what
// they mean in its own protocol.
//
// It also puts the matcher's explanations in words (Reasons), in the reader's
// language from the locale catalogue, for every door alike, and can run the
// index without texts, reading them from the store through a cache
// (NewMatchingOnStore), as serve does.
//
// workflow imports profiles, matcher, matcher/assembly, locale, notify and transfer (and the job
// queue's packages). It knows no HTTP: it must not import echo, net/http, api, web or
// cmd. The doors (api, cmd, and the pages and the import to come) call it.
package workflow
