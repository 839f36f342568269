// Package notify is matchmaker's outbox: who hears of what in the network, and
// the delivery of it. A state change that someone must hear of (an invitation,
// a reminder, a replacement after a decline, an accepted, cancelled or
// completed proposal, a published review round, a sign-in link) writes its
// messages here in the transaction of the change; a worker claimed from the
// database delivers them by email (SMTP) and to the webhooks that integrations
// subscribed, at least once, with retries and backoff, and a dead-letter state
// after the last try. A message is stored by kind, recipient and references;
// its words are rendered when it is sent, in the recipient's language, from
// the catalogue of package locale. Its ID is the Message-ID of the email and
// the webhook-id of a delivery, the same on every retry.
//
// It also signs the links an email carries (answer an invitation without
// signing in, turn the reminders off): HMAC-SHA256 with a key the replicas
// share through the database, expiring, bound to one member of one proposal,
// each answer link used once.
//
// notify is part of the application layer: it imports profiles, locale and the
// mail and database libraries. It knows no server side of HTTP (no echo, no
// api, web or cmd): its only use of net/http is the client that posts webhook
// deliveries. Package workflow calls it inside its transactions; the doors
// call workflow, and the sign-in flow of the pages calls QueueSignIn.
package notify
