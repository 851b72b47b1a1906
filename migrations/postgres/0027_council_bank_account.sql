-- 振込先: the council's bank account, printed on its invoices (joint orders, group purchases),
-- one setting instead of a note typed on each tablet.
ALTER TABLE council ADD COLUMN bank_account TEXT NOT NULL DEFAULT '';
