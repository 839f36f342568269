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
    id           varchar(32) PRIMARY KEY,
    email        varchar(254) NOT NULL,
    name         varchar(200) NOT NULL,
    lang         varchar(8)  NOT NULL DEFAULT '',
    profile      TEXT NOT NULL,
    status       varchar(16) NOT NULL,
    token_hash   char(64) NOT NULL,
    consent_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    confirmed_at timestamptz,
    decided_at   timestamptz,
    decided_by   varchar(200) NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    expert_id    varchar(32)
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS expert_applications_token_idx ON expert_applications (token_hash);
--bun:split
CREATE INDEX IF NOT EXISTS expert_applications_status_idx ON expert_applications (status, created_at);
--bun:split
CREATE INDEX IF NOT EXISTS expert_applications_email_idx ON expert_applications (email);
