-- Access: API keys, the append-only audit trail and the stored answers of
-- POSTs sent with an Idempotency-Key.
--
-- An API key keeps the SHA-256 digest of its secret (hex), never the secret,
-- and its first characters (prefix) for people to tell keys apart. city_id and
-- expert_id carry no foreign key, like the expert IDs of proposals: the erasure
-- of an expert keeps their revoked keys under a pseudonym, and a key whose city
-- or expert is gone simply stops authenticating (the store checks on lookup).
CREATE TABLE IF NOT EXISTS api_keys (
    id          varchar(32)  PRIMARY KEY,
    name        varchar(100) NOT NULL,
    role        varchar(16)  NOT NULL,
    city_id     varchar(32),
    expert_id   varchar(32),
    scope       varchar(16),
    prefix      varchar(16)  NOT NULL,
    secret_hash char(64)     NOT NULL,
    created_at  timestamptz  NOT NULL,
    revoked_at  timestamptz
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_secret_hash_idx ON api_keys (secret_hash);
--bun:split
CREATE INDEX IF NOT EXISTS api_keys_city_idx ON api_keys (city_id);
--bun:split
CREATE INDEX IF NOT EXISTS api_keys_expert_idx ON api_keys (expert_id);
--bun:split
-- The audit trail: one row per write, never changed or removed (the triggers
-- below refuse it). key_id is '' for an anonymous request.
CREATE TABLE IF NOT EXISTS audit_log (
    id          varchar(32) PRIMARY KEY,
    at          timestamptz NOT NULL,
    key_id      varchar(32) NOT NULL DEFAULT '',
    role        text        NOT NULL DEFAULT '',
    actor       text        NOT NULL DEFAULT '',
    method      text        NOT NULL,
    path        text        NOT NULL,
    resource    text        NOT NULL DEFAULT '',
    resource_id text        NOT NULL DEFAULT '',
    status      integer     NOT NULL,
    request_id  text        NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX IF NOT EXISTS audit_log_key_idx ON audit_log (key_id, id);
--bun:split
CREATE INDEX IF NOT EXISTS audit_log_resource_idx ON audit_log (resource, resource_id, id);
--bun:split
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at);
--bun:split
-- One statement: bun splits a migration only on the split directive, so the
-- dollar-quoted body stays whole.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$;
--bun:split
DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log;
--bun:split
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
--bun:split
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
--bun:split
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
--bun:split
-- The first answer to a POST sent with an Idempotency-Key, by who sent it
-- (scope) and the key. status is 0 while the first request is being served;
-- header is a JSON object (TEXT); body is the response as sent.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope        text        NOT NULL,
    idem_key     text        NOT NULL,
    method       text        NOT NULL,
    path         text        NOT NULL,
    body_hash    text        NOT NULL DEFAULT '',
    status       integer     NOT NULL DEFAULT 0,
    header       text,
    body         bytea,
    created_at   timestamptz NOT NULL,
    completed_at timestamptz,
    PRIMARY KEY (scope, idem_key)
);
--bun:split
CREATE INDEX IF NOT EXISTS idempotency_keys_created_idx ON idempotency_keys (created_at);
--bun:split
-- Who may see whose contact details: the cities a city is the partner of.
CREATE INDEX IF NOT EXISTS proposal_members_partner_city_idx ON proposal_members (partner_city_id);
