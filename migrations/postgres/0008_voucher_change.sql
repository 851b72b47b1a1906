-- Whether a gift voucher (商品券) paid over the total gives change in cash. Off by default:
-- most councils keep the surplus of a voucher, as the voucher's issuer asks.
ALTER TABLE council ADD COLUMN voucher_gives_change BOOLEAN NOT NULL DEFAULT FALSE;
