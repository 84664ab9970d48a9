-- Custom domains serve a shop only after their owner proved control of the name with a DNS TXT
-- record (`_cartwright-verify.<hostname>` holding `verification_token`). A hostname may be
-- claimed by several shops while unverified (so nobody can squat a name they do not control),
-- but verified by one shop only. Domains registered before this migration must be verified too:
-- they were never proven.
ALTER TABLE domains ADD COLUMN verification_token TEXT;
UPDATE domains SET verification_token = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE domains ALTER COLUMN verification_token SET NOT NULL;
ALTER TABLE domains ADD COLUMN verified_at BIGINT;
ALTER TABLE domains DROP CONSTRAINT domains_hostname_key;
ALTER TABLE domains ADD CONSTRAINT domains_shop_hostname UNIQUE (shop_id, hostname);
CREATE UNIQUE INDEX domains_verified_hostname ON domains (hostname) WHERE verified_at IS NOT NULL;
CREATE INDEX domains_hostname ON domains (hostname);
DROP INDEX domains_shop;
