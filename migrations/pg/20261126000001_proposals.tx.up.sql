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
    id            varchar(32)      PRIMARY KEY,
    name          varchar(200)     NOT NULL,
    status        varchar(16)      NOT NULL,
    progress      double precision NOT NULL DEFAULT 0,
    fairness      varchar(16)      NOT NULL,
    request       text,
    rubric        text,
    total         double precision NOT NULL DEFAULT 0,
    worst         double precision NOT NULL DEFAULT 0,
    mean          double precision NOT NULL DEFAULT 0,
    unfilled      text,
    error_message text             NOT NULL DEFAULT '',
    created_at    timestamptz      NOT NULL,
    updated_at    timestamptz      NOT NULL,
    version       bigint           NOT NULL DEFAULT 1
);
--bun:split
CREATE INDEX IF NOT EXISTS review_rounds_status_idx ON review_rounds (status);
--bun:split
CREATE TABLE IF NOT EXISTS proposals (
    id           varchar(32)      PRIMARY KEY,
    kind         varchar(16)      NOT NULL,
    challenge_id varchar(32)      NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    city_id      varchar(32)      NOT NULL,
    round_id     varchar(32)      REFERENCES review_rounds (id) ON DELETE SET NULL,
    status       varchar(16)      NOT NULL,
    rules        text,
    objective    double precision NOT NULL DEFAULT 0,
    language     varchar(8)       NOT NULL DEFAULT '',
    created_at   timestamptz      NOT NULL,
    updated_at   timestamptz      NOT NULL,
    version      bigint           NOT NULL DEFAULT 1
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
    proposal_id     varchar(32)      NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    position        integer          NOT NULL,
    expert_id       varchar(32),
    partner_city_id varchar(32),
    status          varchar(16)      NOT NULL,
    pinned          boolean          NOT NULL DEFAULT FALSE,
    lead            boolean          NOT NULL DEFAULT FALSE,
    skills          text,
    score           double precision NOT NULL DEFAULT 0,
    explanation     text,
    reason          text             NOT NULL DEFAULT '',
    answered_at     timestamptz,
    PRIMARY KEY (proposal_id, position)
);
--bun:split
CREATE INDEX IF NOT EXISTS proposal_members_expert_idx ON proposal_members (expert_id);
--bun:split
CREATE TABLE IF NOT EXISTS proposal_alternates (
    proposal_id     varchar(32)      NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    position        integer          NOT NULL,
    expert_id       varchar(32),
    partner_city_id varchar(32),
    score           double precision NOT NULL DEFAULT 0,
    explanation     text,
    replaces        varchar(32)      NOT NULL DEFAULT '',
    PRIMARY KEY (proposal_id, position)
);
--bun:split
CREATE TABLE IF NOT EXISTS proposal_exclusions (
    proposal_id varchar(32) NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    position    integer     NOT NULL,
    expert_id   varchar(32) NOT NULL,
    reason      text        NOT NULL DEFAULT '',
    PRIMARY KEY (proposal_id, position)
);
--bun:split
CREATE TABLE IF NOT EXISTS proposal_events (
    proposal_id      varchar(32)      NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    seq              integer          NOT NULL,
    happened_at      timestamptz      NOT NULL,
    type             varchar(32)      NOT NULL,
    from_status      varchar(16)      NOT NULL DEFAULT '',
    to_status        varchar(16)      NOT NULL DEFAULT '',
    expert_id        varchar(32)      NOT NULL DEFAULT '',
    other_expert_id  varchar(32)      NOT NULL DEFAULT '',
    reason           text             NOT NULL DEFAULT '',
    objective_before double precision,
    objective_after  double precision,
    actor            varchar(300)     NOT NULL DEFAULT '',
    PRIMARY KEY (proposal_id, seq)
);
--bun:split
-- A pair declined twice keeps its first decline: writes insert ON CONFLICT DO NOTHING.
CREATE TABLE IF NOT EXISTS declines (
    challenge_id varchar(32) NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    expert_id    varchar(32) NOT NULL,
    proposal_id  varchar(32) NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    reason       text        NOT NULL DEFAULT '',
    declined_at  timestamptz NOT NULL,
    PRIMARY KEY (challenge_id, expert_id)
);
--bun:split
CREATE INDEX IF NOT EXISTS declines_expert_idx ON declines (expert_id);
--bun:split
-- expert_id is '' (not NULL) when a city's outcome names no expert, so that the
-- unique index holds one outcome per proposal, side and expert on both databases.
CREATE TABLE IF NOT EXISTS outcomes (
    id          varchar(32) PRIMARY KEY,
    proposal_id varchar(32) NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    side        varchar(16) NOT NULL,
    expert_id   varchar(32) NOT NULL DEFAULT '',
    applied     text        NOT NULL,
    lessons     text        NOT NULL,
    rating      integer     NOT NULL,
    created_at  timestamptz NOT NULL
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS outcomes_proposal_side_expert_idx ON outcomes (proposal_id, side, expert_id);
--bun:split
CREATE INDEX IF NOT EXISTS outcomes_expert_idx ON outcomes (expert_id);
--bun:split
CREATE TABLE IF NOT EXISTS review_scores (
    round_id     varchar(32) NOT NULL REFERENCES review_rounds (id) ON DELETE CASCADE,
    challenge_id varchar(32) NOT NULL REFERENCES challenges (id) ON DELETE CASCADE,
    expert_id    varchar(32) NOT NULL,
    criterion    varchar(40) NOT NULL,
    value        integer     NOT NULL,
    comment      text        NOT NULL DEFAULT '',
    scored_at    timestamptz NOT NULL,
    PRIMARY KEY (round_id, challenge_id, expert_id, criterion)
);
