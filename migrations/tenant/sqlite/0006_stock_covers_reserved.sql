-- Stock on hand always covers what open orders reserve: on_hand >= reserved (each column is
-- already non-negative by its CHECK from 0002).
--
-- SQLite cannot add a CHECK to an existing table, and the rebuild its documentation prescribes
-- (create, copy, drop, rename) needs `PRAGMA foreign_keys = OFF`, which has no effect inside
-- the transaction a migration runs in. With foreign keys on, dropping `variants` would delete
-- its rows first and cascade into price lists, price breaks, carts and the stock history (and
-- fail on quote lines). So the rule is two triggers that refuse the write instead, with the
-- message a CHECK gives ("CHECK constraint failed"), so both engines' refusals read alike.
--
-- A variant that was oversold before this rule (only the race this migration closes could do
-- it) has its reservation clamped to its stock, as shipping and cancelling already clamp it,
-- so the rule holds from the start; its open orders are kept.
UPDATE variants SET reserved = on_hand WHERE reserved > on_hand;

CREATE TRIGGER variants_on_hand_covers_reserved_insert BEFORE INSERT ON variants
FOR EACH ROW WHEN NEW.on_hand < NEW.reserved
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: variants_on_hand_covers_reserved');
END;

CREATE TRIGGER variants_on_hand_covers_reserved_update BEFORE UPDATE OF on_hand, reserved ON variants
FOR EACH ROW WHEN NEW.on_hand < NEW.reserved
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: variants_on_hand_covers_reserved');
END;
