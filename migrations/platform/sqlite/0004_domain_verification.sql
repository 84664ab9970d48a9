-- Custom domains serve a shop only after their owner proved control of the name with a DNS TXT
-- record (`_cartwright-verify.<hostname>` holding `verification_token`). A hostname may be
-- claimed by several shops while unverified (so nobody can squat a name they do not control),
-- but verified by one shop only. Domains registered before this migration must be verified too:
-- they were never proven.
CREATE TABLE domains_verified (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    hostname TEXT NOT NULL,
    verification_token TEXT NOT NULL,
    verified_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (shop_id, hostname)
);
INSERT INTO domains_verified (id, shop_id, hostname, verification_token, verified_at, created_at)
    SELECT id, shop_id, hostname, lower(hex(randomblob(16))), NULL, created_at FROM domains;
DROP TABLE domains;
ALTER TABLE domains_verified RENAME TO domains;
CREATE UNIQUE INDEX domains_verified_hostname ON domains (hostname) WHERE verified_at IS NOT NULL;
CREATE INDEX domains_hostname ON domains (hostname);
