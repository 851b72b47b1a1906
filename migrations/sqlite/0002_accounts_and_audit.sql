-- Accounts, sessions, registered tablets, manager approvals and the append-only audit log.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    login           TEXT    NOT NULL UNIQUE,
    display_name    TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('council_admin', 'council_staff', 'facility_staff', 'cashier')),
    facility_id     INTEGER REFERENCES facilities (id),
    password_hash   TEXT,
    pin_hash        TEXT,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

-- A registered tablet: its token lives in a long-lived HttpOnly cookie; only the hash is kept.
CREATE TABLE devices (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    register_id   INTEGER NOT NULL REFERENCES registers (id),
    registered_by INTEGER NOT NULL REFERENCES users (id),
    created_at    TEXT    NOT NULL,
    revoked_at    TEXT
);

-- Sessions: the cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    device_id  INTEGER REFERENCES devices (id),
    csrf_token TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE approvals (
    id           TEXT    PRIMARY KEY,
    action       TEXT    NOT NULL,
    approver_id  INTEGER NOT NULL REFERENCES users (id),
    requested_by INTEGER NOT NULL REFERENCES users (id),
    register_id  INTEGER REFERENCES registers (id),
    reason       TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    used_at      TEXT
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor_id    INTEGER,
    actor_login TEXT    NOT NULL,
    register_id INTEGER,
    action      TEXT    NOT NULL,
    entity      TEXT    NOT NULL,
    entity_id   TEXT,
    before      TEXT,
    after       TEXT
);
CREATE INDEX audit_by_time ON audit_log (at);

-- The audit log is append-only, whatever the application does.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
