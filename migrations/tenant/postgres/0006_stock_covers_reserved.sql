-- Stock on hand always covers what open orders reserve: on_hand >= reserved (each column is
-- already non-negative by its CHECK from 0002). SQLite has the same rule as triggers (see its
-- 0006).
--
-- A variant that was oversold before this rule (only the race this migration closes could do
-- it) has its reservation clamped to its stock, as shipping and cancelling already clamp it,
-- so the constraint can be added; its open orders are kept.
UPDATE variants SET reserved = on_hand WHERE reserved > on_hand;

ALTER TABLE variants ADD CONSTRAINT variants_on_hand_covers_reserved CHECK (on_hand >= reserved);
