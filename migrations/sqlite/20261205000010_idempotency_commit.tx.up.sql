-- A reserved Idempotency-Key records, in the transaction of the write it
-- guards, that the write committed and what it wrote (kind and ID), so that a
-- retry after a crash between the commit and the stored answer can be sent
-- to the result instead of being refused or run twice.
ALTER TABLE idempotency_keys ADD COLUMN committed_at TIMESTAMP;
--bun:split
ALTER TABLE idempotency_keys ADD COLUMN result_kind TEXT;
--bun:split
ALTER TABLE idempotency_keys ADD COLUMN result_id TEXT;
