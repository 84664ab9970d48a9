-- Shops that hold quoted stock, with the earliest expiry among their holds: marked before and
-- after the shop transaction that makes a hold, so the sweeper that releases expired holds opens
-- only those shops' databases (issue 15, part 7).
CREATE TABLE shop_holds_due (
    shop_id BIGINT PRIMARY KEY,
    due_at BIGINT NOT NULL
);
