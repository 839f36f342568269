-- Practitioners who apply to volunteer as experts, from the public form. An
-- application is no expert: it is kept here, out of the experts table, the
-- change feed and the match index, until the secretariat approves it; the
-- approval creates the expert (and its user) in the same transaction that
-- marks the application approved.
-- status: unconfirmed (the emailed link not yet followed), pending (waiting
-- for the secretariat), approved, declined. profile is the proposed expert
-- profile as JSON text. token_hash is the SHA-256 digest of the confirmation
-- link's secret, never the secret.
CREATE TABLE IF NOT EXISTS expert_applications (
    id           TEXT PRIMARY KEY,
    email        varchar(254) NOT NULL,
    name         TEXT NOT NULL,
    lang         varchar(8)  NOT NULL DEFAULT '',
    profile      TEXT NOT NULL,
    status       varchar(16) NOT NULL,
    token_hash   TEXT NOT NULL,
    consent_at   TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    decided_at   TIMESTAMP,
    decided_by   varchar(200) NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    expert_id    TEXT
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS expert_applications_token_idx ON expert_applications (token_hash);
--bun:split
CREATE INDEX IF NOT EXISTS expert_applications_status_idx ON expert_applications (status, created_at);
--bun:split
CREATE INDEX IF NOT EXISTS expert_applications_email_idx ON expert_applications (email);
