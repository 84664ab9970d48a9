-- Customer portal: companies (business accounts, verified by the merchant), customer log-in,
-- company buyers with spending limits, volume price breaks, business price lists, quotes with
-- versions and messages, and orders waiting for a company admin's approval.

CREATE TABLE price_lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE price_list_items (
    price_list_id BIGINT NOT NULL REFERENCES price_lists (id) ON DELETE CASCADE,
    variant_id BIGINT NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
    PRIMARY KEY (price_list_id, variant_id)
);

CREATE TABLE companies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    tax_id TEXT NOT NULL,
    billing_address TEXT NOT NULL DEFAULT '',
    verification TEXT NOT NULL DEFAULT 'pending',
    rejection_reason TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at BIGINT,
    price_list_id BIGINT REFERENCES price_lists (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX companies_verification ON companies (verification, created_at);

-- Customers created by orders have no password ('') and cannot log in until they sign up.
ALTER TABLE customers ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN company_id BIGINT REFERENCES companies (id);
-- 'admin' or 'buyer' for members of a company, '' otherwise.
ALTER TABLE customers ADD COLUMN company_role TEXT NOT NULL DEFAULT '';
-- Per buyer and period; NULL means no limit.
ALTER TABLE customers ADD COLUMN spending_limit_minor BIGINT;
ALTER TABLE customers ADD COLUMN limit_period TEXT NOT NULL DEFAULT 'month';
-- Tokens issued before this instant (ms) are refused (log-out, password change).
ALTER TABLE customers ADD COLUMN sessions_valid_after BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN invitation_hash TEXT;
CREATE INDEX customers_company ON customers (company_id);
CREATE INDEX customers_type ON customers (account_type, created_at);

ALTER TABLE variants ADD COLUMN min_quantity BIGINT NOT NULL DEFAULT 1;
ALTER TABLE variants ADD COLUMN pack_size BIGINT NOT NULL DEFAULT 1;

CREATE TABLE price_breaks (
    variant_id BIGINT NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    min_quantity BIGINT NOT NULL CHECK (min_quantity >= 2),
    discount_bp BIGINT NOT NULL CHECK (discount_bp > 0 AND discount_bp < 10000),
    PRIMARY KEY (variant_id, min_quantity)
);

-- Who placed an order from the portal, for which company.
ALTER TABLE orders ADD COLUMN placed_by_customer_id BIGINT;
ALTER TABLE orders ADD COLUMN company_id BIGINT;
CREATE INDEX orders_company_spend ON orders (placed_by_customer_id, placed_at);

CREATE TABLE quotes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number BIGINT NOT NULL UNIQUE,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    company_id BIGINT NOT NULL REFERENCES companies (id),
    status TEXT NOT NULL,
    needed_by TEXT NOT NULL DEFAULT '',
    current_version BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT,
    order_id BIGINT REFERENCES orders (id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX quotes_status ON quotes (status, updated_at);
CREATE INDEX quotes_company ON quotes (company_id, created_at);

CREATE TABLE quote_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    quote_id BIGINT NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    variant_id BIGINT NOT NULL REFERENCES variants (id),
    sku TEXT NOT NULL,
    title TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    list_price_minor BIGINT NOT NULL
);
CREATE INDEX quote_lines_quote ON quote_lines (quote_id, position);

-- Each answer of the merchant is a version; earlier versions stay.
CREATE TABLE quote_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    quote_id BIGINT NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    total_minor BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (quote_id, version)
);

CREATE TABLE quote_prices (
    quote_version_id BIGINT NOT NULL REFERENCES quote_versions (id) ON DELETE CASCADE,
    quote_line_id BIGINT NOT NULL REFERENCES quote_lines (id) ON DELETE CASCADE,
    unit_price_minor BIGINT NOT NULL CHECK (unit_price_minor >= 0),
    PRIMARY KEY (quote_version_id, quote_line_id)
);

CREATE TABLE quote_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    quote_id BIGINT NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    author_kind TEXT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX quote_messages_quote ON quote_messages (quote_id, id);

-- A buyer's bulk order over their spending limit waits here for the company admin; nothing
-- reaches the shop's orders until it is approved.
CREATE TABLE company_approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    buyer_id BIGINT NOT NULL REFERENCES customers (id),
    lines TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    total_minor BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'waiting',
    order_id BIGINT REFERENCES orders (id),
    decided_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX company_approvals_company ON company_approvals (company_id, status, created_at);

-- A logged-in customer's cart.
CREATE TABLE cart_items (
    customer_id BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    variant_id BIGINT NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (customer_id, variant_id)
);

INSERT INTO counters (name, value) VALUES ('quote_number', 100);
