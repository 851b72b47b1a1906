-- A product's price before its last change, and when it changed: a tablet selling from an
-- offline catalogue made before the change still sells at the previous price, which is no
-- price override (売価変更) of the cashier.
ALTER TABLE products ADD COLUMN previous_price BIGINT;
ALTER TABLE products ADD COLUMN price_changed_at TIMESTAMPTZ;
