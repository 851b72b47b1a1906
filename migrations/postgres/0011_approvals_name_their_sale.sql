-- An approval names the sale it is for (the sale voided or refunded, or the sale a price
-- override is rung up in): a manager's PIN for one sale is never used for another.
-- Not a foreign key: a price override is approved before its sale is recorded.
ALTER TABLE approvals ADD COLUMN sale_id TEXT;
