-- The voucher surplus of each record (商品券の釣銭なし: the part of vouchers above the total
-- that gave no change, kept by the council apart from sales; negative on the void of such a
-- sale), and the issuer as it was when the record was made, for reprints.
--
-- Past records get their surplus from what they hold, tenders − change − total, so that
-- tenders = sales + surplus holds for them too. Their issuer stays NULL: a receipt of one
-- names the council as it is now.
ALTER TABLE sales ADD COLUMN voucher_surplus BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sales ADD COLUMN issuer_name TEXT;
ALTER TABLE sales ADD COLUMN issuer_invoice_number TEXT;
UPDATE sales SET voucher_surplus =
    CAST(COALESCE((SELECT SUM(t.amount) FROM sale_tenders t WHERE t.sale_id = sales.id), 0) AS BIGINT)
    - change_due - total;
