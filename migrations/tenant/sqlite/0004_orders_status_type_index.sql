-- The orders list filtered by status and customer type (the dashboard's most common pair) reads
-- one index range in list order. Without it the planner picks one of the single-column list
-- indexes and, for a rare status, walks thousands of rows of the other type to fill a page.
CREATE INDEX orders_status_type_list ON orders (status, customer_type, placed_at DESC, id DESC);
