-- Indexes for the list filters that are not a join table or a city: a filtered
-- list and its total then read only the matching rows.
CREATE INDEX IF NOT EXISTS experts_role_idx ON experts (role);
--bun:split
CREATE INDEX IF NOT EXISTS practices_status_idx ON practices (status);
--bun:split
CREATE INDEX IF NOT EXISTS practices_language_idx ON practices (language);
--bun:split
CREATE INDEX IF NOT EXISTS challenges_status_idx ON challenges (status);
--bun:split
CREATE INDEX IF NOT EXISTS challenges_language_idx ON challenges (language);
--bun:split
CREATE INDEX IF NOT EXISTS challenge_modes_mode_idx ON challenge_modes (mode);
--bun:split
CREATE INDEX IF NOT EXISTS expert_modes_mode_idx ON expert_modes (mode);
