-- The receipt printer of each register: its network address (host or host:port, raw TCP port
-- 9100 by default; NULL when the register prints nothing) and its paper, in half-width
-- columns: 48 for 80 mm, 32 for 58 mm.

ALTER TABLE registers ADD COLUMN printer_addr TEXT;
ALTER TABLE registers ADD COLUMN paper_columns BIGINT NOT NULL DEFAULT 48 CHECK (paper_columns IN (32, 48));
