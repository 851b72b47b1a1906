-- Consignment stock: operations that move goods (搬入, 搬出, transfers, losses, counts), each
-- with its own id made by the client (idempotency key), and low-stock thresholds per product.

CREATE TABLE stock_operations (
    id          TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('intake', 'return', 'transfer', 'loss', 'adjustment', 'count')),
    event_id    BIGINT REFERENCES events (id),
    to_event_id BIGINT REFERENCES events (id),
    facility_id BIGINT NOT NULL REFERENCES facilities (id),
    note        TEXT    NOT NULL DEFAULT '',
    approval_id TEXT,
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX stock_operations_by_event ON stock_operations (event_id, facility_id);

ALTER TABLE stock_movements ADD COLUMN operation_id TEXT REFERENCES stock_operations (id);
CREATE INDEX stock_by_facility ON stock_movements (facility_id, event_id);

ALTER TABLE products ADD COLUMN low_stock_threshold BIGINT NOT NULL DEFAULT 3;
