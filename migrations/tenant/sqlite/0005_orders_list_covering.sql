-- The orders list filtered by status, or by status and customer type, reads its page from the
-- index alone: the indexes carry every column the list shows, so filling a page of 50 rows no
-- longer looks up each row in the table (about a seventh of the list query's time at 100,000
-- orders). SQLite has no INCLUDE clause; the extra columns follow the key columns.
DROP INDEX orders_status_list;
CREATE INDEX orders_status_list ON orders (status, placed_at DESC, id DESC,
    number, customer_name, customer_email, customer_type, channel, total_minor);
DROP INDEX orders_status_type_list;
CREATE INDEX orders_status_type_list ON orders (status, customer_type, placed_at DESC, id DESC,
    number, customer_name, customer_email, channel, total_minor);
