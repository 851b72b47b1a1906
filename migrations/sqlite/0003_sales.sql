-- The sales journal (sales, voids, refunds), receipt counters and stock movements.
-- A sale's id is made on the tablet (UUID v7, as text) and is its idempotency key.

-- Gapless receipt numbers per register: incremented inside the sale's transaction.
CREATE TABLE register_counters (
    register_id     INTEGER PRIMARY KEY REFERENCES registers (id),
    last_receipt_no INTEGER NOT NULL
);

CREATE TABLE sales (
    id                TEXT    PRIMARY KEY,
    kind              TEXT    NOT NULL CHECK (kind IN ('sale', 'void', 'refund')),
    event_id          INTEGER NOT NULL REFERENCES events (id),
    register_id       INTEGER NOT NULL REFERENCES registers (id),
    receipt_no        INTEGER NOT NULL,
    receipt_number    TEXT    NOT NULL UNIQUE,
    local_number      TEXT    NOT NULL DEFAULT '',
    cashier_id        INTEGER NOT NULL REFERENCES users (id),
    sold_at           TEXT    NOT NULL,
    recorded_at       TEXT    NOT NULL,
    original_sale_id  TEXT    REFERENCES sales (id),
    total             INTEGER NOT NULL,
    change_due        INTEGER NOT NULL DEFAULT 0,
    non_invoice_total INTEGER NOT NULL DEFAULT 0,
    late              BOOLEAN NOT NULL DEFAULT FALSE,
    voided_by         TEXT,
    reason            TEXT    NOT NULL DEFAULT '',
    approval_id       TEXT,
    UNIQUE (register_id, receipt_no)
);
CREATE INDEX sales_by_event ON sales (event_id);
CREATE INDEX sales_by_original ON sales (original_sale_id);

CREATE TABLE sale_lines (
    sale_id          TEXT    NOT NULL REFERENCES sales (id),
    line_no          INTEGER NOT NULL,
    product_id       INTEGER NOT NULL REFERENCES products (id),
    facility_id      INTEGER NOT NULL REFERENCES facilities (id),
    name             TEXT    NOT NULL,
    quantity         INTEGER NOT NULL,
    unit_price       INTEGER NOT NULL,
    tax_rate         TEXT    NOT NULL,
    discount         INTEGER NOT NULL DEFAULT 0,
    net              INTEGER NOT NULL,
    invoice_eligible BOOLEAN NOT NULL,
    original_line_no INTEGER,
    PRIMARY KEY (sale_id, line_no)
);
CREATE INDEX sale_lines_by_facility ON sale_lines (facility_id);

CREATE TABLE sale_tenders (
    sale_id TEXT    NOT NULL REFERENCES sales (id),
    seq     INTEGER NOT NULL,
    kind    TEXT    NOT NULL,
    amount  INTEGER NOT NULL,
    PRIMARY KEY (sale_id, seq)
);

CREATE TABLE sale_rate_totals (
    sale_id  TEXT    NOT NULL REFERENCES sales (id),
    tax_rate TEXT    NOT NULL,
    total    INTEGER NOT NULL,
    tax      INTEGER NOT NULL,
    PRIMARY KEY (sale_id, tax_rate)
);

-- Stock of a product at a location is the sum of its movements; movements are never edited.
CREATE TABLE stock_movements (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products (id),
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    event_id    INTEGER REFERENCES events (id),
    kind        TEXT    NOT NULL,
    quantity    INTEGER NOT NULL,
    sale_id     TEXT    REFERENCES sales (id),
    reason      TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES users (id),
    created_at  TEXT    NOT NULL
);
CREATE INDEX stock_by_product ON stock_movements (product_id, event_id);
