-- 工賃: each facility's monthly wage figures, its yearly targets (工賃向上計画), and the yearly
-- figures of the prefecture's published table (imported).

CREATE TABLE wage_months (
    facility_id  INTEGER NOT NULL REFERENCES facilities (id),
    year         INTEGER NOT NULL,
    month        INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    wages_paid   INTEGER NOT NULL CHECK (wages_paid >= 0),
    user_months  INTEGER NOT NULL CHECK (user_months >= 0),
    user_days    INTEGER NOT NULL CHECK (user_days >= 0),
    opening_days INTEGER NOT NULL CHECK (opening_days >= 0),
    work_hours   INTEGER NOT NULL CHECK (work_hours >= 0),
    updated_by   INTEGER NOT NULL REFERENCES users (id),
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (facility_id, year, month)
);

CREATE TABLE wage_targets (
    facility_id    INTEGER NOT NULL REFERENCES facilities (id),
    fiscal_year    INTEGER NOT NULL,
    monthly_target INTEGER NOT NULL CHECK (monthly_target >= 0),
    updated_by     INTEGER NOT NULL REFERENCES users (id),
    updated_at     TEXT    NOT NULL,
    PRIMARY KEY (facility_id, fiscal_year)
);

-- A facility's year as the prefecture published it: totals only (averages are recomputed).
CREATE TABLE wage_years (
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    fiscal_year INTEGER NOT NULL,
    capacity    INTEGER,
    user_months INTEGER,
    wages_paid  INTEGER,
    work_hours  INTEGER,
    imported_at TEXT    NOT NULL,
    PRIMARY KEY (facility_id, fiscal_year)
);
