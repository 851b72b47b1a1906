-- ギフト (中元・歳暮, issue 24): a supplier's gift season with its catalogue, the orders taken
-- at a till (paid through a sale) or on the form (on invoice), and each order's recipients.
-- A recipient keeps the item as it was ordered (name, price, rate): a catalogue imported again
-- later leaves past orders as they were.
CREATE TABLE gift_seasons (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL,
    supplier            TEXT    NOT NULL,
    commission_kind     TEXT    NOT NULL CHECK (commission_kind IN ('percent', 'fixed')),
    commission_value    INTEGER NOT NULL,
    -- The facility row the council records gift sales under (its own account).
    account_facility_id INTEGER REFERENCES facilities (id),
    -- The product a till order's sale lines name (made on the first till order).
    product_id          INTEGER REFERENCES products (id),
    state               TEXT    NOT NULL CHECK (state IN ('open', 'closed')),
    closed_at           TEXT,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL
);

CREATE TABLE gift_items (
    season_id     INTEGER NOT NULL REFERENCES gift_seasons (id),
    code          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    price         INTEGER NOT NULL,
    tax_rate      TEXT    NOT NULL CHECK (tax_rate IN ('standard', 'reduced')),
    deliver_from  TEXT    NOT NULL,
    deliver_until TEXT    NOT NULL,
    PRIMARY KEY (season_id, code)
);

CREATE TABLE gift_orders (
    id                   TEXT    PRIMARY KEY,
    season_id            INTEGER NOT NULL REFERENCES gift_seasons (id),
    number               INTEGER NOT NULL,
    taker_facility_id    INTEGER REFERENCES facilities (id),
    customer_name        TEXT    NOT NULL,
    customer_postal_code TEXT    NOT NULL,
    customer_address     TEXT    NOT NULL,
    customer_phone       TEXT    NOT NULL,
    payment              TEXT    NOT NULL CHECK (payment IN ('till', 'invoice')),
    sale_id              TEXT    REFERENCES sales (id),
    created_by           INTEGER NOT NULL REFERENCES users (id),
    ordered_at           TEXT    NOT NULL,
    CONSTRAINT gift_orders_season_id_number_key UNIQUE (season_id, number)
);
CREATE INDEX gift_orders_taker ON gift_orders (taker_facility_id);

CREATE TABLE gift_recipients (
    order_id        TEXT    NOT NULL REFERENCES gift_orders (id),
    no              INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    postal_code     TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    phone           TEXT    NOT NULL,
    item_code       TEXT    NOT NULL,
    item_name       TEXT    NOT NULL,
    unit_price      INTEGER NOT NULL,
    tax_rate        TEXT    NOT NULL CHECK (tax_rate IN ('standard', 'reduced')),
    quantity        INTEGER NOT NULL,
    amount          INTEGER NOT NULL,
    noshi_omotegaki TEXT    NOT NULL,
    noshi_name      TEXT    NOT NULL,
    delivery_date   TEXT,
    cancelled_at    TEXT,
    cancel_reason   TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, no)
);
