-- The outbox: every message (an email or a webhook delivery) a state change
-- causes is written here in the transaction of that change, then delivered by a
-- worker claimed from the database (see docs/notifications.md). A message is
-- stored by kind, recipient and references; its words are rendered when it is
-- sent, in the recipient's language. Its ID (a ULID) is its stable identity:
-- the Message-ID of an email, the webhook-id of a delivery, the same on every
-- retry.
CREATE TABLE IF NOT EXISTS outbox_messages (
    id              TEXT  PRIMARY KEY,
    channel         TEXT  NOT NULL,
    kind            TEXT  NOT NULL,
    recipient_kind  TEXT  NOT NULL,
    recipient_id    TEXT NOT NULL,
    lang            TEXT   NOT NULL DEFAULT '',
    proposal_id     TEXT,
    round_id        TEXT,
    member_id       TEXT,
    other_id        TEXT,
    data            TEXT         NOT NULL DEFAULT '{}',
    dedupe_key      TEXT UNIQUE,
    state           TEXT  NOT NULL,
    attempts        INTEGER      NOT NULL DEFAULT 0,
    max_attempts    INTEGER      NOT NULL DEFAULT 8,
    next_attempt_at TIMESTAMP  NOT NULL,
    lease_owner     TEXT,
    lease_until     TIMESTAMP,
    last_error      TEXT         NOT NULL DEFAULT '',
    address         TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP  NOT NULL,
    sent_at         TIMESTAMP
);
--bun:split
CREATE INDEX IF NOT EXISTS outbox_messages_due_idx ON outbox_messages (state, next_attempt_at);
--bun:split
CREATE INDEX IF NOT EXISTS outbox_messages_recipient_idx ON outbox_messages (recipient_id, id);
--bun:split
CREATE INDEX IF NOT EXISTS outbox_messages_proposal_idx ON outbox_messages (proposal_id);
--bun:split
-- Each try of a message, kept as its delivery log.
CREATE TABLE IF NOT EXISTS outbox_attempts (
    message_id  TEXT NOT NULL REFERENCES outbox_messages (id) ON DELETE CASCADE,
    attempt     INTEGER     NOT NULL,
    at          TIMESTAMP NOT NULL,
    status_code INTEGER     NOT NULL DEFAULT 0,
    error       TEXT        NOT NULL DEFAULT '',
    duration_ms INTEGER     NOT NULL DEFAULT 0,
    PRIMARY KEY (message_id, attempt)
);
--bun:split
-- Webhook subscriptions and the event types each receives.
CREATE TABLE IF NOT EXISTS webhooks (
    id          TEXT   PRIMARY KEY,
    url         TEXT NOT NULL,
    secret      TEXT  NOT NULL,
    description TEXT  NOT NULL DEFAULT '',
    created_by  TEXT   NOT NULL DEFAULT '',
    created_at  TIMESTAMP   NOT NULL
);
--bun:split
CREATE TABLE IF NOT EXISTS webhook_events (
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event      TEXT NOT NULL,
    PRIMARY KEY (webhook_id, event)
);
--bun:split
CREATE INDEX IF NOT EXISTS webhook_events_event_idx ON webhook_events (event);
--bun:split
-- Secrets the service makes itself and every replica shares (the key of the
-- signed links).
CREATE TABLE IF NOT EXISTS service_secrets (
    name       TEXT  PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMP  NOT NULL
);
--bun:split
-- A signed link used once: its nonce, never accepted again.
CREATE TABLE IF NOT EXISTS link_uses (
    nonce       TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,
    proposal_id TEXT NOT NULL DEFAULT '',
    member_id   TEXT NOT NULL DEFAULT '',
    used_at     TIMESTAMP NOT NULL
);
--bun:split
-- People who turned the reminders off ("expert:<id>", "city:<id>").
CREATE TABLE IF NOT EXISTS mail_optouts (
    party      TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL
);
