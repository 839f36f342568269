-- What a finished review round proves about itself: whether its panels are
-- proven optimal and, when the search stopped at its budget, the bounds.
CREATE TABLE IF NOT EXISTS review_round_results (
    round_id    varchar(32)      PRIMARY KEY REFERENCES review_rounds (id) ON DELETE CASCADE,
    optimal     boolean          NOT NULL,
    max_panels  integer          NOT NULL,
    total_bound double precision NOT NULL
);
