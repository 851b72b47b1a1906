-- Where the registers' printers may be (issue 17): the ports a printer may listen on, as a
-- comma-separated list (9100 until the council sets others), and whether printers may have
-- link-local addresses (169.254.x.x, fe80::).
ALTER TABLE council ADD COLUMN printer_ports TEXT NOT NULL DEFAULT '9100';
ALTER TABLE council ADD COLUMN allow_link_local_printers BOOLEAN NOT NULL DEFAULT FALSE;
