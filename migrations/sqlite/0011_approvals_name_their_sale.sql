-- An approval names what it approves: the sale it is for (the sale voided or refunded, or the
-- sale a price override is rung up in), or for a payout the most it may take out. A manager's
-- PIN for one sale is never used for another, nor a ¥6,000 payout's for ¥60,000.
-- Not a foreign key: a price override is approved before its sale is recorded.
ALTER TABLE approvals ADD COLUMN sale_id TEXT;
ALTER TABLE approvals ADD COLUMN amount INTEGER;
