-- One effect per intent (issue 15, part 2): the first answer to each idempotency key, so that a
-- repeated submit (a double click, a browser resubmitting a form, an API client retrying after a
-- lost response) gets that answer back and changes nothing again.
-- scope: who sent it (user:<id> for a merchant; token:/cookies:<sha256> for a portal customer),
-- so two callers' keys never meet. request_hash: SHA-256 of the method, path and body; the same
-- key with another request is refused (422). state: running (claimed, the handler is at work)
-- or done (status, headers as JSON and body hold the answer to replay). Only successful
-- answers are kept: a refused or failed request wrote nothing, so its key is released and may be
-- sent again. Rows are deleted 24 hours after they were claimed.
CREATE TABLE request_keys (
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    status INTEGER,
    headers TEXT,
    body TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    PRIMARY KEY (scope, idempotency_key)
);
CREATE INDEX request_keys_created ON request_keys (created_at);
