-- When each person last signed in: one row per person who ever did, written
-- in the transaction that redeems their sign-in link, so that the secretariat
-- sees who uses their account. A table rather than a column of users, so that
-- the migration can run again after a crash between its commit and its mark
-- (IF NOT EXISTS) on both databases.
CREATE TABLE IF NOT EXISTS user_sign_ins (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_at TIMESTAMP NOT NULL
);
