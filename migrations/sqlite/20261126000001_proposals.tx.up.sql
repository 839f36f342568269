-- Proposals (panels, teams and pairings), their seats, alternates, exclusions and
-- history; the declines, the outcomes of completed proposals; review rounds and
-- the scores their panels give. Lists are child tables with a position column;
-- free-form JSON (rules, explanations, a round's request) is TEXT.
--
-- Expert IDs in proposal_members, proposal_alternates, proposal_exclusions,
-- proposal_events, declines, outcomes and review_scores carry no foreign key to
-- experts on purpose: a proposal's history must survive the deletion of an
-- expert's profile, and so must the engagements it records. The store checks
-- that the experts a write names exist when they are new to the proposal.
-- proposals.city_id is likewise a copy of the challenge's city when the
-- proposal was made, kept for filtering, with no key to cities.
CREATE TABLE IF NOT EXISTS review_rounds (
    id            TEXT      PRIMARY KEY,
    name          TEXT     NOT NULL,
    status        TEXT      NOT NULL,
    progress      REAL NOT NULL DEFAULT 0,
    fairness      TEXT      NOT NULL,
    request       TEXT,
    rubric        TEXT,
    total         REAL NOT NULL DEFAULT 0,
    worst         REAL NOT NULL DEFAULT 0,
    mean          REAL NOT NULL DEFAULT 0,
    unfilled      TEXT,
    error_message TEXT             NOT NULL DEFAULT '',
    created_at    TIMESTAMP      NOT NULL,
    updated_at    TIMESTAMP      NOT NULL,
    version       INTEGER           NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX IF NOT EXISTS review_rounds_status_idx ON review_rounds (status);
--bun:split
CREATE TABLE IF NOT EXISTS proposals (
    id           TEXT      PRIMARY KEY,
    kind         TEXT      NOT NULL,
    challenge_id TEXT      NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    city_id      TEXT      NOT NULL,
    round_id     TEXT      REFERENCES review_rounds (id) ON DELETE SET NULL,
    status       TEXT      NOT NULL,
    rules        TEXT,
    objective    REAL NOT NULL DEFAULT 0,
    language     TEXT       NOT NULL DEFAULT '',
    created_at   TIMESTAMP      NOT NULL,
    updated_at   TIMESTAMP      NOT NULL,
    version      INTEGER           NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX IF NOT EXISTS proposals_challenge_idx ON proposals (challenge_id);
--bun:split
CREATE INDEX IF NOT EXISTS proposals_city_idx ON proposals (city_id);
--bun:split
CREATE INDEX IF NOT EXISTS proposals_round_idx ON proposals (round_id);
--bun:split
CREATE INDEX IF NOT EXISTS proposals_status_idx ON proposals (status);
--bun:split
CREATE TABLE IF NOT EXISTS proposal_members (
    proposal_id     TEXT      NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    position        INTEGER          NOT NULL,
    expert_id       TEXT,
    partner_city_id TEXT,
    status          TEXT      NOT NULL,
    pinned          BOOLEAN          NOT NULL DEFAULT FALSE,
    lead            BOOLEAN          NOT NULL DEFAULT FALSE,
    skills          TEXT,
    score           REAL NOT NULL DEFAULT 0,
    explanation     TEXT,
    reason          TEXT             NOT NULL DEFAULT '',
    answered_at     TIMESTAMP,
    PRIMARY KEY (proposal_id, position)
);
--bun:split
CREATE INDEX IF NOT EXISTS proposal_members_expert_idx ON proposal_members (expert_id);
--bun:split
CREATE TABLE IF NOT EXISTS proposal_alternates (
    proposal_id     TEXT      NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    position        INTEGER          NOT NULL,
    expert_id       TEXT,
    partner_city_id TEXT,
    score           REAL NOT NULL DEFAULT 0,
    explanation     TEXT,
    replaces        TEXT      NOT NULL DEFAULT '',
    PRIMARY KEY (proposal_id, position)
);
--bun:split
CREATE TABLE IF NOT EXISTS proposal_exclusions (
    proposal_id TEXT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    position    INTEGER     NOT NULL,
    expert_id   TEXT NOT NULL,
    reason      TEXT        NOT NULL DEFAULT '',
    PRIMARY KEY (proposal_id, position)
);
--bun:split
CREATE TABLE IF NOT EXISTS proposal_events (
    proposal_id      TEXT      NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    seq              INTEGER          NOT NULL,
    happened_at      TIMESTAMP      NOT NULL,
    type             TEXT      NOT NULL,
    from_status      TEXT      NOT NULL DEFAULT '',
    to_status        TEXT      NOT NULL DEFAULT '',
    expert_id        TEXT      NOT NULL DEFAULT '',
    other_expert_id  TEXT      NOT NULL DEFAULT '',
    reason           TEXT             NOT NULL DEFAULT '',
    objective_before REAL,
    objective_after  REAL,
    actor            TEXT     NOT NULL DEFAULT '',
    PRIMARY KEY (proposal_id, seq)
);
--bun:split
-- A pair declined twice keeps its first decline: writes insert ON CONFLICT DO NOTHING.
CREATE TABLE IF NOT EXISTS declines (
    challenge_id TEXT NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    expert_id    TEXT NOT NULL,
    proposal_id  TEXT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    reason       TEXT        NOT NULL DEFAULT '',
    declined_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (challenge_id, expert_id)
);
--bun:split
CREATE INDEX IF NOT EXISTS declines_expert_idx ON declines (expert_id);
--bun:split
-- expert_id is '' (not NULL) when a city's outcome names no expert, so that the
-- unique index holds one outcome per proposal, side and expert on both databases.
CREATE TABLE IF NOT EXISTS outcomes (
    id          TEXT PRIMARY KEY,
    proposal_id TEXT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    side        TEXT NOT NULL,
    expert_id   TEXT NOT NULL DEFAULT '',
    applied     TEXT        NOT NULL,
    lessons     TEXT        NOT NULL,
    rating      INTEGER     NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS outcomes_proposal_side_expert_idx ON outcomes (proposal_id, side, expert_id);
--bun:split
CREATE INDEX IF NOT EXISTS outcomes_expert_idx ON outcomes (expert_id);
--bun:split
CREATE TABLE IF NOT EXISTS review_scores (
    round_id     TEXT NOT NULL REFERENCES review_rounds (id) ON DELETE CASCADE,
    challenge_id TEXT NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    expert_id    TEXT NOT NULL,
    criterion    TEXT NOT NULL,
    value        INTEGER     NOT NULL,
    comment      TEXT        NOT NULL DEFAULT '',
    scored_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (round_id, challenge_id, expert_id, criterion)
);
