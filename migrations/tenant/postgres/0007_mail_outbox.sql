-- Mail caused by a change in this shop's database (order confirmations, quote answers, company
-- buyer invitations) is written here in the same transaction as the change, then handed over to
-- the platform's mail_outbox, which sends it. The message_id is fixed here, so a hand-over that
-- is repeated after a crash delivers nothing twice.
CREATE TABLE mail_outbox (
    id BIGSERIAL PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    created_at BIGINT NOT NULL
);
