-- 釣銭準備金の後入力・訂正 (issue 21): a float entered late (a session opened by its first sale
-- with ¥0) or corrected by a council user while the session is open. The session's float is
-- replaced; each entry is kept here (its id is the client's idempotency key) and in the audit log.
CREATE TABLE register_float_entries (
    id             TEXT    PRIMARY KEY,
    session_id     TEXT    NOT NULL REFERENCES register_sessions (id),
    counts         TEXT    NOT NULL,
    total          BIGINT  NOT NULL,
    previous_total BIGINT  NOT NULL,
    reason         TEXT    NOT NULL DEFAULT '',
    created_by     BIGINT  NOT NULL REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX register_float_entries_by_session ON register_float_entries (session_id, created_at);
