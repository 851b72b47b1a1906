-- 共同受注窓口 (issue 23): a buyer's order split across facilities, delivered, invoiced, paid
-- and paid out. Deliveries and the per-facility fee overrides are small lists kept as JSON.
CREATE TABLE orders (
    id                INTEGER PRIMARY KEY,
    subject           TEXT    NOT NULL,
    buyer_name        TEXT    NOT NULL,
    buyer_department  TEXT    NOT NULL DEFAULT '',
    buyer_contact     TEXT    NOT NULL DEFAULT '',
    buyer_kind        TEXT    NOT NULL CHECK (buyer_kind IN ('government', 'company', 'other')),
    invoice_recipient TEXT    NOT NULL DEFAULT '',
    payment_terms     TEXT    NOT NULL DEFAULT '',
    deliveries        TEXT    NOT NULL DEFAULT '[]',
    fee_kind          TEXT    NOT NULL CHECK (fee_kind IN ('percent', 'fixed')),
    fee_value         INTEGER NOT NULL,
    fee_overrides     TEXT    NOT NULL DEFAULT '[]',
    note              TEXT    NOT NULL DEFAULT '',
    status            TEXT    NOT NULL,
    status_reason     TEXT    NOT NULL DEFAULT '',
    ordered_on        TEXT,
    delivered_on      TEXT,
    invoiced_on       TEXT,
    paid_on           TEXT,
    paid_out_on       TEXT,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);
CREATE INDEX orders_by_status ON orders (status);

CREATE TABLE order_items (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    line_no    INTEGER NOT NULL,
    product_id  INTEGER REFERENCES products (id),
    description TEXT    NOT NULL,
    unit        TEXT    NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_price  INTEGER NOT NULL CHECK (unit_price >= 0),
    tax_rate    TEXT    NOT NULL CHECK (tax_rate IN ('standard', 'reduced')),
    -- The key matching capacities and past shares: `product:{id}` or `work:{name}`.
    work_key    TEXT    NOT NULL
);
CREATE INDEX order_items_by_order ON order_items (order_id, line_no);
CREATE INDEX order_items_by_work ON order_items (work_key);

-- 割り振り: one facility's share of one item.
CREATE TABLE order_shares (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    item_id     INTEGER NOT NULL REFERENCES order_items (id),
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    status      TEXT    NOT NULL CHECK (status IN ('proposed', 'confirmed', 'declined')),
    reason      TEXT    NOT NULL DEFAULT '',
    UNIQUE (item_id, facility_id)
);
CREATE INDEX order_shares_by_order ON order_shares (order_id);
CREATE INDEX order_shares_by_facility ON order_shares (facility_id);

-- 入金: payments received; `id` is the client's key, so a retried request is the same payment.
CREATE TABLE order_payments (
    id          TEXT    PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    received_on TEXT    NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    note        TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  TEXT    NOT NULL
);
CREATE INDEX order_payments_by_order ON order_payments (order_id);

-- 支払後の調整: the only change a paid-out order takes.
CREATE TABLE order_adjustments (
    id          TEXT    PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    amount      INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  TEXT    NOT NULL
);
CREATE INDEX order_adjustments_by_order ON order_adjustments (order_id);

-- 能力の申告: what a facility can make of an item in a period.
CREATE TABLE order_capacities (
    id          INTEGER PRIMARY KEY,
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    product_id  INTEGER REFERENCES products (id),
    work        TEXT    NOT NULL DEFAULT '',
    work_key    TEXT    NOT NULL,
    starts_on   TEXT    NOT NULL,
    ends_on     TEXT    NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity >= 0),
    created_at  TEXT    NOT NULL
);
CREATE INDEX order_capacities_by_work ON order_capacities (work_key, starts_on);
