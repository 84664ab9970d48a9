-- Safe destructive actions (issue 15, part 4): a refund may put returned items back in stock.
-- returned_quantity counts the units of a line returned so far, so that no unit goes back to
-- stock twice (at most shipped_quantity).
ALTER TABLE order_lines ADD COLUMN returned_quantity BIGINT NOT NULL DEFAULT 0;
