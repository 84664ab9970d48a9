-- Stock a merchant holds for a quote until its offer expires (issue 15, part 7). While a row
-- exists its quantity is counted in variants.reserved, like an open order's; accepting the quote
-- (the order then reserves it), declining it, a new answer, or the offer's expiry deletes the row
-- and takes its quantity off variants.reserved, in the same transaction.
CREATE TABLE quote_holds (
    quote_id BIGINT NOT NULL REFERENCES quotes (id),
    variant_id BIGINT NOT NULL REFERENCES variants (id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (quote_id, variant_id)
);
CREATE INDEX quote_holds_variant_expiry ON quote_holds (variant_id, expires_at);
CREATE INDEX quote_holds_expiry ON quote_holds (expires_at);
