-- Master data: the council, its member facilities, their products, events and registers.
-- Money is INTEGER yen; timestamps are RFC 3339 UTC text written by the application.

CREATE TABLE council (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    name           TEXT    NOT NULL,
    invoice_number TEXT,
    address        TEXT    NOT NULL DEFAULT '',
    phone          TEXT    NOT NULL DEFAULT '',
    receipt_footer TEXT    NOT NULL DEFAULT '',
    tax_rounding   TEXT    NOT NULL DEFAULT 'down' CHECK (tax_rounding IN ('down', 'half_up', 'up')),
    updated_at     TEXT    NOT NULL
);

CREATE TABLE facilities (
    id               INTEGER PRIMARY KEY,
    number           INTEGER NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    kana             TEXT    NOT NULL DEFAULT '',
    corporation_type INTEGER NOT NULL CHECK (corporation_type BETWEEN 1 AND 6),
    capacity         INTEGER NOT NULL CHECK (capacity >= 0),
    invoice_number   TEXT,
    invoice_issuer   BOOLEAN NOT NULL DEFAULT FALSE,
    contact          TEXT    NOT NULL DEFAULT '',
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    name        TEXT    NOT NULL,
    kana        TEXT    NOT NULL DEFAULT '',
    price       INTEGER NOT NULL CHECK (price > 0),
    tax_rate    TEXT    NOT NULL CHECK (tax_rate IN ('standard', 'reduced')),
    jan         TEXT    UNIQUE,
    category    TEXT    NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX products_by_facility ON products (facility_id);

CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    code             TEXT    NOT NULL UNIQUE,
    kind             TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    venue            TEXT    NOT NULL DEFAULT '',
    starts_on        TEXT    NOT NULL,
    ends_on          TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    commission_kind  TEXT    NOT NULL CHECK (commission_kind IN ('percent', 'fixed')),
    commission_value INTEGER NOT NULL,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);

CREATE TABLE event_facilities (
    event_id         INTEGER NOT NULL REFERENCES events (id),
    facility_id      INTEGER NOT NULL REFERENCES facilities (id),
    commission_kind  TEXT CHECK (commission_kind IN ('percent', 'fixed')),
    commission_value INTEGER,
    PRIMARY KEY (event_id, facility_id)
);

CREATE TABLE registers (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id),
    code     TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    UNIQUE (event_id, code)
);
