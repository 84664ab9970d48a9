-- Catalog (products with variants and inventory), full orders (lines, payments, shipments,
-- timeline) and CSV imports. Existing rows from 0001 are carried over.

ALTER TABLE products RENAME TO products_v1;

CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    handle TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    images TEXT NOT NULL DEFAULT '',
    option1_name TEXT NOT NULL DEFAULT '',
    option2_name TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX products_status_title ON products (status, title);
CREATE INDEX products_title ON products (title);
CREATE INDEX products_updated ON products (updated_at);

CREATE TABLE variants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku TEXT NOT NULL UNIQUE,
    option1 TEXT NOT NULL DEFAULT '',
    option2 TEXT NOT NULL DEFAULT '',
    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
    compare_at_minor BIGINT CHECK (compare_at_minor >= 0),
    weight_grams BIGINT NOT NULL DEFAULT 0 CHECK (weight_grams >= 0),
    barcode TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0,
    on_hand BIGINT NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX variants_product ON variants (product_id, position);

INSERT INTO products (id, handle, title, status, created_at, updated_at)
    SELECT id, lower(sku), title, status, created_at, created_at FROM products_v1;
INSERT INTO variants (product_id, sku, price_minor, on_hand, created_at, updated_at)
    SELECT id, sku, price_minor, stock_on_hand, created_at, created_at FROM products_v1;
DROP TABLE products_v1;

CREATE TABLE inventory_adjustments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    variant_id BIGINT NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    delta BIGINT NOT NULL,
    on_hand_after BIGINT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX inventory_adjustments_variant ON inventory_adjustments (variant_id, id);

ALTER TABLE customers ADD COLUMN phone TEXT NOT NULL DEFAULT '';

ALTER TABLE orders ADD COLUMN customer_email TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN customer_name TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN customer_type TEXT NOT NULL DEFAULT 'individual';
ALTER TABLE orders ADD COLUMN company_name TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN shipping_address TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN billing_address TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN subtotal_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN shipping_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN tax_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN paid_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN refunded_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE orders ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

UPDATE orders SET
    customer_email = COALESCE((SELECT c.email FROM customers c WHERE c.id = orders.customer_id), ''),
    customer_name = COALESCE((SELECT c.name FROM customers c WHERE c.id = orders.customer_id), ''),
    customer_type = COALESCE((SELECT c.account_type FROM customers c WHERE c.id = orders.customer_id), 'individual'),
    company_name = COALESCE((SELECT c.company_name FROM customers c WHERE c.id = orders.customer_id), ''),
    subtotal_minor = total_minor,
    paid_minor = CASE WHEN status IN ('pending', 'cancelled') THEN 0 ELSE total_minor END,
    refunded_minor = CASE WHEN status = 'refunded' THEN total_minor ELSE 0 END,
    status = CASE WHEN status = 'fulfilled' THEN 'shipped' ELSE status END,
    updated_at = placed_at;

DROP INDEX orders_placed_at;
CREATE INDEX orders_list ON orders (placed_at DESC, id DESC);
CREATE INDEX orders_status_list ON orders (status, placed_at DESC, id DESC);
CREATE INDEX orders_channel_list ON orders (channel, placed_at DESC, id DESC);
CREATE INDEX orders_type_list ON orders (customer_type, placed_at DESC, id DESC);
CREATE INDEX orders_total ON orders (total_minor, id);
CREATE INDEX orders_email ON orders (customer_email);
CREATE INDEX orders_customer ON orders (customer_id, placed_at);

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    variant_id BIGINT REFERENCES variants (id) ON DELETE SET NULL,
    sku TEXT NOT NULL,
    title TEXT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    shipped_quantity BIGINT NOT NULL DEFAULT 0 CHECK (shipped_quantity >= 0)
);
CREATE INDEX order_lines_order ON order_lines (order_id);
CREATE INDEX order_lines_sku ON order_lines (sku, order_id);

CREATE TABLE order_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, id);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    method TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX payments_order ON payments (order_id);

CREATE TABLE shipments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    carrier TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    tracking_url TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX shipments_order ON shipments (order_id);

CREATE TABLE shipment_lines (
    shipment_id BIGINT NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    order_line_id BIGINT NOT NULL REFERENCES order_lines (id) ON DELETE CASCADE,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, order_line_id)
);
CREATE INDEX shipment_lines_line ON shipment_lines (order_line_id);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) SELECT 'order_number', COALESCE(MAX(number), 1000) FROM orders;

CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    status TEXT NOT NULL,
    rows_read BIGINT NOT NULL DEFAULT 0,
    rows_created BIGINT NOT NULL DEFAULT 0,
    rows_updated BIGINT NOT NULL DEFAULT 0,
    rows_unchanged BIGINT NOT NULL DEFAULT 0,
    rows_failed BIGINT NOT NULL DEFAULT 0,
    bytes_total BIGINT NOT NULL DEFAULT 0,
    bytes_read BIGINT NOT NULL DEFAULT 0,
    failure TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);

CREATE TABLE import_errors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    line BIGINT NOT NULL,
    field TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX import_errors_import ON import_errors (import_id, line);
