-- Access tokens issued before this moment (ms) are refused: set at log-out and password change.
ALTER TABLE users ADD COLUMN sessions_valid_after BIGINT NOT NULL DEFAULT 0;

-- Attempt counters of the rate limits (log-in failures per e-mail and per client address,
-- sign-ups per client address): one row per key and fixed window, reserved with an atomic
-- upsert before the work it limits, so that parallel requests cannot all pass one check.
CREATE TABLE rate_limits (
    limiter_key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts BIGINT NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);

-- Replaced by rate_limits (a count of rows checked before and written after the password check
-- let parallel guesses through).
DROP TABLE login_failures;
