-- What a finished review round proves about itself: whether its panels are
-- proven optimal and, when the search stopped at its budget, the bounds.
CREATE TABLE IF NOT EXISTS review_round_results (
    round_id    TEXT    PRIMARY KEY REFERENCES review_rounds (id) ON DELETE CASCADE,
    optimal     INTEGER NOT NULL,
    max_panels  INTEGER NOT NULL,
    total_bound REAL    NOT NULL
);
