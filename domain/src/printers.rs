//! Receipt printers: the paper widths a register may have, printer addresses, and what a
//! print job or a status probe answers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// 80 mm paper: 576 dots, 48 half-width columns (Font A).
pub const COLUMNS_80MM: usize = 48;

/// 58 mm paper: 384 dots, 32 half-width columns.
pub const COLUMNS_58MM: usize = 32;

/// The papers a register's printer may have: 80 mm (48 columns) and 58 mm (32 columns).
pub const PAPER_COLUMNS: [i64; 2] = [COLUMNS_80MM as i64, COLUMNS_58MM as i64];

/// The paper of a register unless set: 80 mm, 48 columns.
pub const DEFAULT_PAPER_COLUMNS: i64 = COLUMNS_80MM as i64;

/// The raw printing port of network printers (JetDirect / "port 9100").
pub const PRINTER_PORT: u16 = 9100;

/// `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address → host and port (9100
/// when not given). `None` when it is not such an address: a URL, spaces, port 0, a port
/// above 65535, characters no host name has.
pub fn parse_printer_address(text: &str) -> Option<(String, u16)> {
    let text = text.trim();
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, Some(port)),
            _ => (text, None),
        }
    };
    let port = match port {
        None => PRINTER_PORT,
        Some(port) if port.bytes().all(|b| b.is_ascii_digit()) => port.parse().ok().filter(|&p| p != 0)?,
        Some(_) => return None,
    };
    let host_chars = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%');
    if host.is_empty() || host.len() > 253 || !host.chars().all(host_chars) {
        return None;
    }
    Some((host.to_owned(), port))
}

/// `POST /api/v1/sales/{id}/print`: the printer took the whole job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrintOutcome {
    pub printed: bool,
    /// The printer's address (`host:port`).
    pub printer: String,
    /// Whether the job opened the cash drawer (cash sales, not reprints).
    pub drawer_opened: bool,
    /// Japanese notes for staff, e.g. a character that was printed as a substitute.
    pub warnings: Vec<String>,
}

/// `GET /api/v1/registers/{id}/printer`: whether the register's printer answers now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrinterStatus {
    pub register_id: i64,
    /// As set on the register; `None` when it has no printer.
    pub address: Option<String>,
    pub paper_columns: i64,
    /// A TCP connection to the printer succeeded just now.
    pub reachable: bool,
    /// Why not, in Japanese (for staff).
    pub message: Option<String>,
    pub checked_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_addresses() {
        let ok = |addr: &str| parse_printer_address(addr).expect("should succeed");
        assert_eq!(ok("192.168.1.50"), ("192.168.1.50".into(), 9100));
        assert_eq!(ok(" 192.168.1.50:9101 "), ("192.168.1.50".into(), 9101));
        assert_eq!(ok("tm-t88.local"), ("tm-t88.local".into(), 9100));
        assert_eq!(ok("[::1]:9100"), ("::1".into(), 9100));
        assert_eq!(ok("fe80::1"), ("fe80::1".into(), 9100));
        assert_eq!(ok("[fe80::1]"), ("fe80::1".into(), 9100));
        for bad in [
            "",
            "host:abc",
            ":9100",
            "host:",
            "host:0",
            "host:99999",
            "host:+80",
            "http://host",
            "[::1",
            "[::1]x",
            "プリンター",
            "a b",
        ] {
            assert_eq!(parse_printer_address(bad), None, "{bad:?}");
        }
    }
}
