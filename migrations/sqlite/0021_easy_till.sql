-- やさしいレジ (issue 21): a cashier whose till opens in the accessible mode (picture tiles with
-- furigana, one step per screen, money tapped as coins and notes, change shown as pieces).
ALTER TABLE users ADD COLUMN easy_till BOOLEAN NOT NULL DEFAULT FALSE;
