-- Amounts in the shop's format (issue 15, part 1): how the shop's pages write amounts: point
-- (1,234.56), comma (1.234,56), space_comma (1 234,56) or apostrophe (1'234.56). Every shop reads
-- all of them alike; this is only how they are shown.
ALTER TABLE shops ADD COLUMN amount_style TEXT NOT NULL DEFAULT 'point';
