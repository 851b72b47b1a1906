-- 工賃: each facility's monthly wage figures, its yearly targets (工賃向上計画), and the yearly
-- figures of the prefecture's published table (imported).

CREATE TABLE wage_months (
    facility_id  BIGINT  NOT NULL REFERENCES facilities (id),
    year         BIGINT  NOT NULL,
    month        BIGINT  NOT NULL CHECK (month BETWEEN 1 AND 12),
    wages_paid   BIGINT  NOT NULL CHECK (wages_paid >= 0),
    user_months  BIGINT  NOT NULL CHECK (user_months >= 0),
    user_days    BIGINT  NOT NULL CHECK (user_days >= 0),
    opening_days BIGINT  NOT NULL CHECK (opening_days >= 0),
    work_hours   BIGINT  NOT NULL CHECK (work_hours >= 0),
    updated_by   BIGINT  NOT NULL REFERENCES users (id),
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (facility_id, year, month)
);

CREATE TABLE wage_targets (
    facility_id    BIGINT  NOT NULL REFERENCES facilities (id),
    fiscal_year    BIGINT  NOT NULL,
    monthly_target BIGINT  NOT NULL CHECK (monthly_target >= 0),
    updated_by     BIGINT  NOT NULL REFERENCES users (id),
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (facility_id, fiscal_year)
);

-- A facility's year as the prefecture published it: totals only (averages are recomputed).
CREATE TABLE wage_years (
    facility_id BIGINT  NOT NULL REFERENCES facilities (id),
    fiscal_year BIGINT  NOT NULL,
    capacity    BIGINT,
    user_months BIGINT,
    wages_paid  BIGINT,
    work_hours  BIGINT,
    imported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (facility_id, fiscal_year)
);
