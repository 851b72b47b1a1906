-- お客様画面 (issue 21): what a register's till shows its customer, for the screen facing them.
-- One row per register: the link's token (its SHA-256; a new link replaces it) and the last
-- state the till published, with its sequence number (a stale state never overwrites a newer).
CREATE TABLE register_displays (
    register_id BIGINT  PRIMARY KEY REFERENCES registers (id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL UNIQUE,
    seq         BIGINT,
    state       TEXT,
    updated_at  TIMESTAMPTZ
);
