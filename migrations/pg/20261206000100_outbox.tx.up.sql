-- The outbox: every message (an email or a webhook delivery) a state change
-- causes is written here in the transaction of that change, then delivered by a
-- worker claimed from the database (see docs/notifications.md). A message is
-- stored by kind, recipient and references; its words are rendered when it is
-- sent, in the recipient's language. Its ID (a ULID) is its stable identity:
-- the Message-ID of an email, the webhook-id of a delivery, the same on every
-- retry.
CREATE TABLE IF NOT EXISTS outbox_messages (
    id              varchar(32)  PRIMARY KEY,
    channel         varchar(16)  NOT NULL,
    kind            varchar(64)  NOT NULL,
    recipient_kind  varchar(16)  NOT NULL,
    recipient_id    varchar(320) NOT NULL,
    lang            varchar(8)   NOT NULL DEFAULT '',
    proposal_id     varchar(32),
    round_id        varchar(32),
    member_id       varchar(32),
    other_id        varchar(32),
    data            text         NOT NULL DEFAULT '{}',
    dedupe_key      varchar(200) UNIQUE,
    state           varchar(16)  NOT NULL,
    attempts        integer      NOT NULL DEFAULT 0,
    max_attempts    integer      NOT NULL DEFAULT 8,
    next_attempt_at timestamptz  NOT NULL,
    lease_owner     varchar(32),
    lease_until     timestamptz,
    last_error      text         NOT NULL DEFAULT '',
    address         varchar(320) NOT NULL DEFAULT '',
    created_at      timestamptz  NOT NULL,
    sent_at         timestamptz
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
    message_id  varchar(32) NOT NULL REFERENCES outbox_messages (id) ON DELETE CASCADE,
    attempt     integer     NOT NULL,
    at          timestamptz NOT NULL,
    status_code integer     NOT NULL DEFAULT 0,
    error       text        NOT NULL DEFAULT '',
    duration_ms integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (message_id, attempt)
);
--bun:split
-- Webhook subscriptions and the event types each receives.
CREATE TABLE IF NOT EXISTS webhooks (
    id          varchar(32)   PRIMARY KEY,
    url         varchar(2048) NOT NULL,
    secret      varchar(128)  NOT NULL,
    description varchar(500)  NOT NULL DEFAULT '',
    created_by  varchar(32)   NOT NULL DEFAULT '',
    created_at  timestamptz   NOT NULL
);
--bun:split
CREATE TABLE IF NOT EXISTS webhook_events (
    webhook_id varchar(32) NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event      varchar(64) NOT NULL,
    PRIMARY KEY (webhook_id, event)
);
--bun:split
CREATE INDEX IF NOT EXISTS webhook_events_event_idx ON webhook_events (event);
--bun:split
-- Secrets the service makes itself and every replica shares (the key of the
-- signed links).
CREATE TABLE IF NOT EXISTS service_secrets (
    name       varchar(64)  PRIMARY KEY,
    value      varchar(256) NOT NULL,
    created_at timestamptz  NOT NULL
);
--bun:split
-- A signed link used once: its nonce, never accepted again.
CREATE TABLE IF NOT EXISTS link_uses (
    nonce       varchar(64) PRIMARY KEY,
    purpose     varchar(16) NOT NULL,
    proposal_id varchar(32) NOT NULL DEFAULT '',
    member_id   varchar(32) NOT NULL DEFAULT '',
    used_at     timestamptz NOT NULL
);
--bun:split
-- People who turned the reminders off ("expert:<id>", "city:<id>").
CREATE TABLE IF NOT EXISTS mail_optouts (
    party      varchar(64) PRIMARY KEY,
    created_at timestamptz NOT NULL
);
