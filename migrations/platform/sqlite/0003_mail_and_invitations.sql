-- Transactional mail, proof of e-mail, and staff invitations by link (issue 14, section 1).

-- The durable mail queue. A row is written in the same transaction as the change that causes
-- it; a worker claims due rows (claimed_until is its lease), sends them and marks them.
-- status: queued | sent | kept (no SMTP configured: shown at /dev/mailbox) | failed.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);

-- When the merchant proved they receive mail at users.email (NULL: not yet).
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;

-- One-time e-mail verification links; only a SHA-256 of the token is kept.
CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX email_verifications_user ON email_verifications (user_id);

-- Staff invitations become one-time links (hash kept) that expire. Invitations written before
-- this version have no link: they show as expired and can be revoked or sent again.
ALTER TABLE invitations ADD COLUMN token_hash TEXT;
ALTER TABLE invitations ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX invitations_token ON invitations (token_hash);
