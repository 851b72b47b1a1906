-- レジ締め and 精算: register sessions (open with a float, close with a cash count), cash
-- taken out of a drawer, corrections after settlement, and who settled an event.

-- A register shift. Its id is made by the client that opened it (the idempotency key of the
-- open); `close_id` is the key of its close. At most one open session per register.
CREATE TABLE register_sessions (
    id           TEXT    PRIMARY KEY,
    register_id  BIGINT  NOT NULL REFERENCES registers (id),
    opened_at    TIMESTAMPTZ   NOT NULL,
    opened_by    BIGINT  NOT NULL REFERENCES users (id),
    -- Opened by a first sale on a register nobody opened: the float is unknown (¥0).
    auto_opened  BOOLEAN NOT NULL DEFAULT FALSE,
    float_counts TEXT    NOT NULL DEFAULT '[]',
    float_total  BIGINT  NOT NULL DEFAULT 0,
    close_id     TEXT    UNIQUE,
    closed_at    TIMESTAMPTZ,
    closed_by    BIGINT REFERENCES users (id),
    counts       TEXT,
    counted      BIGINT,
    note         TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX register_sessions_one_open ON register_sessions (register_id) WHERE closed_at IS NULL;
CREATE INDEX register_sessions_by_register ON register_sessions (register_id, opened_at);

-- 出金: cash taken out of an open drawer.
CREATE TABLE register_payouts (
    id         TEXT    PRIMARY KEY,
    session_id TEXT    NOT NULL REFERENCES register_sessions (id),
    amount     BIGINT  NOT NULL CHECK (amount > 0),
    reason     TEXT    NOT NULL,
    created_by BIGINT  NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX register_payouts_by_session ON register_payouts (session_id);

-- The session a sale, void or refund was rung up in (late ones: the session closed before).
ALTER TABLE sales ADD COLUMN session_id TEXT REFERENCES register_sessions (id);
CREATE INDEX sales_by_session ON sales (session_id);

-- 精算後の調整: the only change a settled event takes, added to a facility's payable.
CREATE TABLE settlement_adjustments (
    id          TEXT    PRIMARY KEY,
    event_id    BIGINT  NOT NULL REFERENCES events (id),
    facility_id BIGINT  NOT NULL REFERENCES facilities (id),
    amount      BIGINT  NOT NULL,
    reason      TEXT    NOT NULL,
    created_by  BIGINT  NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX settlement_adjustments_by_event ON settlement_adjustments (event_id);

ALTER TABLE events ADD COLUMN settled_at TIMESTAMPTZ;
ALTER TABLE events ADD COLUMN settled_by BIGINT REFERENCES users (id);
