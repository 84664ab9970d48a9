-- Sign-up by link (issue 14, section 1): typing an address proves nothing, so a sign-up only
-- records a request and mails a one-time link to the address; the account (a merchant user, or a
-- customer login in a shop) is created when the link is opened. Sign-up answers the same way
-- whether or not the address already has an account, so it reveals none.
-- kind: merchant | customer (then shop_id names the shop and details holds the customer's
-- account type and company as JSON). Only a SHA-256 of the link's token is kept.
CREATE TABLE sign_up_requests (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    shop_id BIGINT,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '',
    next_path TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX sign_up_requests_email ON sign_up_requests (email);
CREATE INDEX sign_up_requests_expiry ON sign_up_requests (expires_at);

-- Shops that may hold mail not yet handed over from their own mail_outbox: marked before the
-- shop transaction that writes the mail, so the sweeper finds what a crash left behind without
-- opening every shop's database.
CREATE TABLE shop_mail_due (
    shop_id BIGINT PRIMARY KEY,
    marked_at BIGINT NOT NULL
);
