-- What a write made under a reserved Idempotency-Key records, in its own
-- transaction: that it committed, and what it wrote (kind and ID). A retry
-- after a crash between the commit and the stored answer is then sent to the
-- result instead of being refused or run twice. A table of its own, so that
-- the migration can run again after a crash (IF NOT EXISTS), on both
-- databases; it goes with its reservation.
CREATE TABLE IF NOT EXISTS idempotency_results (
    scope        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    committed_at TIMESTAMP NOT NULL,
    result_kind  TEXT NOT NULL DEFAULT '',
    result_id    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scope, idem_key),
    FOREIGN KEY (scope, idem_key) REFERENCES idempotency_keys (scope, idem_key) ON DELETE CASCADE
);
