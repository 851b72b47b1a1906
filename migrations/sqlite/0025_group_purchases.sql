-- 共同購入 (issue 24): the council buys for its member facilities. A round names the item, its
-- tax-included unit price and an order deadline; each facility orders its quantity until then;
-- the council bills each facility once the round is closed and records their payments.
CREATE TABLE purchase_rounds (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL,
    item_name     TEXT    NOT NULL,
    unit          TEXT    NOT NULL,
    unit_price    INTEGER NOT NULL CHECK (unit_price > 0),
    tax_rate      TEXT    NOT NULL CHECK (tax_rate IN ('standard', 'reduced')),
    deadline      TEXT    NOT NULL,
    supplier      TEXT    NOT NULL DEFAULT '',
    note          TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL CHECK (status IN ('open', 'closed', 'billed', 'done', 'cancelled')),
    status_reason TEXT    NOT NULL DEFAULT '',
    closed_at     TEXT,
    billed_on     TEXT,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX purchase_rounds_by_status ON purchase_rounds (status);

-- A facility's quantity in a round; withdrawing deletes the row.
CREATE TABLE purchase_orders (
    id          INTEGER PRIMARY KEY,
    round_id    INTEGER NOT NULL REFERENCES purchase_rounds (id),
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    updated_at  TEXT    NOT NULL,
    CONSTRAINT purchase_orders_round_facility_key UNIQUE (round_id, facility_id)
);
CREATE INDEX purchase_orders_by_facility ON purchase_orders (facility_id);

-- 請求: one per facility and round, with the figures as billed (the tax rounded once).
CREATE TABLE purchase_bills (
    id          INTEGER PRIMARY KEY,
    round_id    INTEGER NOT NULL REFERENCES purchase_rounds (id),
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    number      TEXT    NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_price  INTEGER NOT NULL,
    tax_rate    TEXT    NOT NULL CHECK (tax_rate IN ('standard', 'reduced')),
    amount      INTEGER NOT NULL,
    tax         INTEGER NOT NULL,
    issued_on   TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    CONSTRAINT purchase_bills_round_facility_key UNIQUE (round_id, facility_id),
    CONSTRAINT purchase_bills_number_key UNIQUE (number)
);
CREATE INDEX purchase_bills_by_facility ON purchase_bills (facility_id, issued_on);

-- 入金: `id` is the client's key, so a retried request is the same payment.
CREATE TABLE purchase_payments (
    id          TEXT    PRIMARY KEY,
    bill_id     INTEGER NOT NULL REFERENCES purchase_bills (id),
    received_on TEXT    NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    note        TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  TEXT    NOT NULL
);
CREATE INDEX purchase_payments_by_bill ON purchase_payments (bill_id);
