//! Printing receipts on network thermal printers.
//!
//! [`escpos`] turns the domain's print lines ([`selpos_domain::receipts::paper::layout`]) into ESC/POS
//! bytes for Epson TM-series printers with a Japanese (Kanji) font, in Shift_JIS; [`printer`]
//! sends them over raw TCP (port 9100), one job at a time per printer. Written from Epson's
//! command reference; Star printers in Star Line mode are not supported.

pub mod decode;
pub mod escpos;
pub mod printer;

pub use self::escpos::{EncodeError, Encoded, EscPosOptions, encode};
pub use self::printer::{DEFAULT_PORT, PrintError, PrinterQueues, probe, send, test_page};
