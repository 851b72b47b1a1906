-- セルプ自販機 (issue 24): machines placed to support a facility, and each machine's months as
-- the operator reports them. A month keeps the rule and the facility it was recorded under, so a
-- machine moved to another facility or given a new rule later leaves past income as it was.
CREATE TABLE vending_machines (
    id               INTEGER PRIMARY KEY,
    code             TEXT    NOT NULL,
    location         TEXT    NOT NULL,
    operator         TEXT    NOT NULL,
    facility_id      INTEGER NOT NULL REFERENCES facilities (id),
    commission_kind  TEXT    NOT NULL CHECK (commission_kind IN ('percent', 'per_can')),
    commission_value INTEGER NOT NULL,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    CONSTRAINT vending_machines_code_key UNIQUE (code)
);

CREATE TABLE vending_months (
    machine_id       INTEGER NOT NULL REFERENCES vending_machines (id),
    year             INTEGER NOT NULL,
    month            INTEGER NOT NULL,
    facility_id      INTEGER NOT NULL REFERENCES facilities (id),
    cans             INTEGER NOT NULL,
    sales            INTEGER NOT NULL,
    commission_kind  TEXT    NOT NULL CHECK (commission_kind IN ('percent', 'per_can')),
    commission_value INTEGER NOT NULL,
    income           INTEGER NOT NULL,
    recorded_at      TEXT    NOT NULL,
    PRIMARY KEY (machine_id, year, month)
);
CREATE INDEX vending_months_facility ON vending_months (facility_id, year, month);
