-- The SELP SHOP as a standing shop (issue 24): an event marked `standing` has no last day and is
-- never settled as a whole. It is settled period by period instead: settling a period (its first
-- day follows the last period settled) books every record of those days that has no period yet
-- into it, so a late record (an offline sale synced after its days were settled) falls into the
-- open period, and a settled period's figures never change.
ALTER TABLE events ADD COLUMN standing BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE shop_periods (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events (id),
    starts_on  TEXT    NOT NULL,
    ends_on    TEXT    NOT NULL CHECK (ends_on >= starts_on),
    settled_at TEXT    NOT NULL,
    settled_by INTEGER NOT NULL REFERENCES users (id),
    UNIQUE (event_id, starts_on),
    UNIQUE (event_id, ends_on)
);

ALTER TABLE sales ADD COLUMN period_id INTEGER REFERENCES shop_periods (id);
CREATE INDEX sales_by_period ON sales (event_id, period_id);
ALTER TABLE settlement_adjustments ADD COLUMN period_id INTEGER REFERENCES shop_periods (id);
