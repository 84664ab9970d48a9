-- The orders list filtered by status, or by status and customer type, can read its page from
-- the index alone (an index-only scan once the table is vacuumed): the indexes carry every
-- column the list shows, so filling a page of 50 rows does not visit each row in the table.
DROP INDEX orders_status_list;
CREATE INDEX orders_status_list ON orders (status, placed_at DESC, id DESC)
    INCLUDE (number, customer_name, customer_email, customer_type, channel, total_minor);
DROP INDEX orders_status_type_list;
CREATE INDEX orders_status_type_list ON orders (status, customer_type, placed_at DESC, id DESC)
    INCLUDE (number, customer_name, customer_email, channel, total_minor);
