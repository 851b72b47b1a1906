-- 出金 above this many yen needs a manager's PIN when a cashier takes it out (¥5,000 until the
-- council sets another amount).
ALTER TABLE council ADD COLUMN payout_approval_limit INTEGER NOT NULL DEFAULT 5000;
-- The event offers tables (イートイン): a food line may be rung as eaten on the spot, at 10 %.
ALTER TABLE events ADD COLUMN eat_in BOOLEAN NOT NULL DEFAULT FALSE;
