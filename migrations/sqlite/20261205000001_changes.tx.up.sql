-- The change feed: one row per write to a row the match index holds (a city,
-- practice, challenge or expert, and an expert whose load or feedback moved),
-- inserted in the transaction of the write. Every process's index follows it
-- from its own position. AUTOINCREMENT: a pruned number is never given again.
CREATE TABLE IF NOT EXISTS changes (
    seq  INTEGER   PRIMARY KEY AUTOINCREMENT,
    kind TEXT      NOT NULL,
    id   TEXT      NOT NULL,
    op   TEXT      NOT NULL,
    at   TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS changes_at_idx ON changes (at);
--bun:split
-- Each running follower's position (every change at or below seq applied),
-- refreshed as it moves: old changes are pruned only below every live one.
CREATE TABLE IF NOT EXISTS feed_followers (
    name    TEXT      PRIMARY KEY,
    seq     INTEGER   NOT NULL,
    seen_at TIMESTAMP NOT NULL
);
--bun:split
-- How far the feed has been pruned: a follower below it has missed changes and
-- builds its index again.
CREATE TABLE IF NOT EXISTS feed_pruned (
    id  INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL
);
--bun:split
INSERT INTO feed_pruned (id, seq) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
