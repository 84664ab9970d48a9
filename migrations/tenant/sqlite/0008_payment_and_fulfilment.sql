-- Payment and fulfilment apart (issue 15, part 3). An order keeps its summary `status` (what the
-- lists filter on and the API's `status` means), now derived from:
--   state              open | closed | cancelled
--   payment_status     pending | authorized | partially_paid | paid | partially_refunded |
--                      refunded | voided
--   fulfilment_status  unfulfilled | partially_fulfilled | fulfilled | delivered
--   approved_at        when it was approved for fulfilment (null: not approved)
--   payment_terms      prepaid (paid before approval) | due_on_receipt | net_15 | net_30 | net_60
--   payment_due_at     when an order on terms is due (null when prepaid)
-- A company's payment_terms are copied onto each order it places in the portal.
ALTER TABLE orders ADD COLUMN state TEXT NOT NULL DEFAULT 'open';
ALTER TABLE orders ADD COLUMN payment_status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE orders ADD COLUMN fulfilment_status TEXT NOT NULL DEFAULT 'unfulfilled';
ALTER TABLE orders ADD COLUMN approved_at BIGINT;
ALTER TABLE orders ADD COLUMN payment_terms TEXT NOT NULL DEFAULT 'prepaid';
ALTER TABLE orders ADD COLUMN payment_due_at BIGINT;
ALTER TABLE companies ADD COLUMN payment_terms TEXT NOT NULL DEFAULT 'prepaid';

-- Every existing order keeps its meaning: what shipped comes from its lines, delivery and
-- cancellation from its timeline, payment from the amounts paid and refunded.
UPDATE orders SET
    fulfilment_status = CASE
        WHEN status = 'delivered'
            OR EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = orders.id AND e.kind = 'delivered')
            THEN 'delivered'
        WHEN NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = orders.id AND l.shipped_quantity > 0)
            THEN 'unfulfilled'
        WHEN EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = orders.id AND l.shipped_quantity < l.quantity)
            THEN 'partially_fulfilled'
        ELSE 'fulfilled'
    END,
    payment_status = CASE
        WHEN status = 'refunded' THEN 'refunded'
        WHEN refunded_minor > 0 AND refunded_minor >= paid_minor THEN 'refunded'
        WHEN refunded_minor > 0 THEN 'partially_refunded'
        WHEN status = 'pending' THEN 'pending'
        WHEN status = 'cancelled' AND paid_minor = 0 THEN 'voided'
        WHEN paid_minor < total_minor THEN 'partially_paid'
        ELSE 'paid'
    END,
    approved_at = CASE
        WHEN status IN ('approved', 'partially_shipped', 'shipped', 'delivered')
            OR EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = orders.id AND e.kind = 'approved')
            THEN COALESCE(
                (SELECT MIN(e.created_at) FROM order_events e WHERE e.order_id = orders.id AND e.kind = 'approved'),
                updated_at)
        ELSE NULL
    END,
    state = CASE
        WHEN status = 'cancelled'
            OR EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = orders.id AND e.kind = 'cancelled')
            THEN 'cancelled'
        WHEN status IN ('refunded', 'delivered') THEN 'closed'
        ELSE 'open'
    END;

CREATE INDEX orders_payment_list ON orders (payment_status, placed_at DESC, id DESC,
    number, customer_name, customer_email, customer_type, status, channel, total_minor,
    fulfilment_status, payment_due_at);
CREATE INDEX orders_fulfilment_list ON orders (fulfilment_status, placed_at DESC, id DESC,
    number, customer_name, customer_email, customer_type, status, channel, total_minor,
    payment_status, payment_due_at);
CREATE INDEX orders_due ON orders (payment_due_at) WHERE payment_due_at IS NOT NULL;

-- The list indexes keep covering every column a list row shows (see 0005), now with the
-- payment and fulfilment columns; the new filters get indexes of the same shape.
DROP INDEX orders_status_list;
CREATE INDEX orders_status_list ON orders (status, placed_at DESC, id DESC,
    number, customer_name, customer_email, customer_type, channel, total_minor,
    payment_status, fulfilment_status, payment_due_at);
DROP INDEX orders_status_type_list;
CREATE INDEX orders_status_type_list ON orders (status, customer_type, placed_at DESC, id DESC,
    number, customer_name, customer_email, channel, total_minor,
    payment_status, fulfilment_status, payment_due_at);
