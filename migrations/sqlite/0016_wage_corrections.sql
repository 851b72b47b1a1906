-- The prefecture's wage table kept as published (issue 22): every published cell of a row, its
-- line in the file and the facility's name there; and beside it the corrections the import
-- proposes for misread figures, which the council accepts or rejects one by one.
ALTER TABLE wage_years ADD COLUMN source_row INTEGER;
ALTER TABLE wage_years ADD COLUMN published_name TEXT;
ALTER TABLE wage_years ADD COLUMN monthly_wage_avg INTEGER;
ALTER TABLE wage_years ADD COLUMN hourly_wage_total INTEGER;
ALTER TABLE wage_years ADD COLUMN hourly_wage_avg INTEGER;

-- One proposal per published cell: the value as published, the likely value (NULL when no single
-- value can be told), why (a code and Japanese reasoning), the discrepancies it explains
-- (comma-separated columns) and the council's decision. Values are in the column's unit: yen,
-- a count, or tenths for the averages.
CREATE TABLE wage_corrections (
    id          INTEGER PRIMARY KEY,
    facility_id INTEGER NOT NULL,
    fiscal_year INTEGER NOT NULL,
    field       TEXT    NOT NULL CHECK (field IN ('user_months', 'monthly_wage_total', 'monthly_wage_avg',
                                                  'work_hours', 'hourly_wage_total', 'hourly_wage_avg')),
    published   INTEGER,
    proposed    INTEGER,
    code        TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    explains    TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    decided_by  INTEGER REFERENCES users (id),
    decided_at  TEXT,
    created_at  TEXT    NOT NULL,
    FOREIGN KEY (facility_id, fiscal_year) REFERENCES wage_years (facility_id, fiscal_year),
    UNIQUE (facility_id, fiscal_year, field),
    CHECK (status <> 'accepted' OR proposed IS NOT NULL)
);
