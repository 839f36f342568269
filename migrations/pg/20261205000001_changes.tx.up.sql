-- The change feed: one row per write to a row the match index holds (a city,
-- practice, challenge or expert, and an expert whose load or feedback moved),
-- inserted in the transaction of the write. Every replica's index follows it
-- from its own position. seq is assigned at insert and may commit out of
-- order; followers re-read the numbers they have not seen yet.
CREATE TABLE IF NOT EXISTS changes (
    seq  bigserial   PRIMARY KEY,
    kind varchar(16) NOT NULL,
    id   varchar(32) NOT NULL,
    op   varchar(8)  NOT NULL,
    at   timestamptz NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS changes_at_idx ON changes (at);
--bun:split
-- Followers wake on a notification sent when a write commits; polling covers
-- a lost one.
CREATE OR REPLACE FUNCTION changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('matchmaker_changes', '');
    RETURN NULL;
END;
$$;
--bun:split
DROP TRIGGER IF EXISTS changes_notify ON changes;
--bun:split
CREATE TRIGGER changes_notify AFTER INSERT ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION changes_notify();
--bun:split
-- Each running follower's position (every change at or below seq applied),
-- refreshed as it moves: old changes are pruned only below every live one.
CREATE TABLE IF NOT EXISTS feed_followers (
    name    varchar(64) PRIMARY KEY,
    seq     bigint      NOT NULL,
    seen_at timestamptz NOT NULL
);
--bun:split
-- How far the feed has been pruned: a follower below it has missed changes and
-- builds its index again.
CREATE TABLE IF NOT EXISTS feed_pruned (
    id  integer PRIMARY KEY,
    seq bigint  NOT NULL
);
--bun:split
INSERT INTO feed_pruned (id, seq) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
