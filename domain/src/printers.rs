//! Receipt printers: the paper widths a register may have, printer addresses, and what a
//! print job or a status probe answers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6};

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

/// The ports a printer may listen on unless the council's settings say otherwise: 9100.
pub const DEFAULT_PRINTER_PORTS: [u16; 1] = [PRINTER_PORT];

/// Where a register's printer may be. A printer address is a place the server connects to on
/// staff's word, so it must be a printer on the venue's LAN: a private address (RFC 1918
/// 10/8, 172.16/12, 192.168/16; IPv6 fc00::/7), link-local (169.254/16, fe80::/10) only when
/// the council allows it, on one of the council's printer ports — never loopback, unspecified,
/// multicast, broadcast or public addresses, never a host name (it could resolve anywhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterRules {
    /// The ports a printer may listen on (the council's `printer_ports`; 9100 by default).
    pub ports: Vec<u16>,
    /// Link-local printers (169.254/16, fe80::/10) are allowed (`allow_link_local_printers`).
    pub allow_link_local: bool,
    /// Loopback printers on any port: for tests and development only (the server's
    /// `--allow-loopback-printers`, off by default; never a council setting).
    pub allow_loopback: bool,
}

impl Default for PrinterRules {
    fn default() -> Self {
        PrinterRules {
            ports: DEFAULT_PRINTER_PORTS.to_vec(),
            allow_link_local: false,
            allow_loopback: false,
        }
    }
}

/// Why a printer address is refused. [`PrinterAddressRefusal::code`] is the field error's code;
/// [`PrinterAddressRefusal::message_ja`] the message for staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterAddressRefusal {
    /// Not `ADDRESS` or `ADDRESS:PORT` at all.
    Format,
    /// A host name, not an IP address.
    HostName,
    Loopback,
    Unspecified,
    Multicast,
    Broadcast,
    /// 169.254/16 or fe80::/10 while the council does not allow them.
    LinkLocal,
    /// Any address outside the private ranges (the Internet, shared or reserved space).
    NotPrivate,
    /// A port that is not one of the council's printer ports.
    Port(u16),
    /// An address of the selpos server itself (found by the server, not here).
    OwnAddress,
}

impl PrinterAddressRefusal {
    pub fn code(self) -> &'static str {
        match self {
            PrinterAddressRefusal::Format => "format",
            PrinterAddressRefusal::HostName => "host_name",
            PrinterAddressRefusal::Loopback => "loopback",
            PrinterAddressRefusal::Unspecified => "unspecified",
            PrinterAddressRefusal::Multicast => "multicast",
            PrinterAddressRefusal::Broadcast => "broadcast",
            PrinterAddressRefusal::LinkLocal => "link_local",
            PrinterAddressRefusal::NotPrivate => "not_private",
            PrinterAddressRefusal::Port(_) => "port_not_allowed",
            PrinterAddressRefusal::OwnAddress => "own_address",
        }
    }

    pub fn message_ja(self, rules: &PrinterRules) -> String {
        const LAN: &str = "会場のLAN内のプリンターのIPアドレス(192.168.x.x、10.x.x.x、172.16〜31.x.x など)を入力してください";
        match self {
            PrinterAddressRefusal::Format => {
                "プリンターのアドレスは「192.168.1.50」や「192.168.1.50:9100」の形で入力してください".into()
            }
            PrinterAddressRefusal::HostName => {
                "プリンターはIPアドレスで指定してください(名前は使えません)。例: 192.168.1.50".into()
            }
            PrinterAddressRefusal::Loopback | PrinterAddressRefusal::OwnAddress => {
                format!("このサーバー自身のアドレスはプリンターに使えません。{LAN}")
            }
            PrinterAddressRefusal::Unspecified
            | PrinterAddressRefusal::Multicast
            | PrinterAddressRefusal::Broadcast => format!("このアドレスはプリンターに使えません。{LAN}"),
            PrinterAddressRefusal::LinkLocal => {
                "リンクローカルアドレス(169.254.x.x、fe80::)のプリンターは協議会の設定で許可されていません"
                    .into()
            }
            PrinterAddressRefusal::NotPrivate => format!("LAN内のアドレスではありません。{LAN}"),
            PrinterAddressRefusal::Port(port) => {
                let allowed: Vec<String> = rules.ports.iter().map(u16::to_string).collect();
                format!(
                    "ポート{port}はプリンターに使えません。使えるポート: {} (協議会の設定で変えられます)",
                    allowed.join(", ")
                )
            }
        }
    }
}

/// What kind of place an IP address is, for a printer.
fn classify(ip: IpAddr, allow_link_local: bool) -> Result<(), PrinterAddressRefusal> {
    use PrinterAddressRefusal as R;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_unspecified() || a == 0 {
                Err(R::Unspecified)
            } else if v4.is_loopback() {
                Err(R::Loopback)
            } else if v4.is_broadcast() {
                Err(R::Broadcast)
            } else if v4.is_multicast() {
                Err(R::Multicast)
            } else if v4.is_link_local() {
                if allow_link_local {
                    Ok(())
                } else {
                    Err(R::LinkLocal)
                }
            } else if a == 10 || (a == 172 && (16..32).contains(&b)) || (a == 192 && b == 168) {
                Ok(())
            } else {
                Err(R::NotPrivate)
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify(IpAddr::V4(v4), allow_link_local);
            }
            let first = v6.segments()[0];
            if v6.is_unspecified() {
                Err(R::Unspecified)
            } else if v6.is_loopback() {
                Err(R::Loopback)
            } else if v6.is_multicast() {
                Err(R::Multicast)
            } else if first & 0xffc0 == 0xfe80 {
                if allow_link_local {
                    Ok(())
                } else {
                    Err(R::LinkLocal)
                }
            } else if first & 0xfe00 == 0xfc00 {
                Ok(())
            } else {
                Err(R::NotPrivate)
            }
        }
    }
}

/// Whether `ip` is a loopback address (127/8, ::1, ::ffff:127.x.y.z).
fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// A printer address as typed → the socket address to connect to, or why it may not be one
/// (see [`PrinterRules`]). A zone on an IPv6 link-local address is its interface number
/// (`[fe80::1%2]:9100`). The server also refuses its own addresses
/// ([`PrinterAddressRefusal::OwnAddress`]), which only it can know.
pub fn check_printer_address(text: &str, rules: &PrinterRules) -> Result<SocketAddr, PrinterAddressRefusal> {
    let (host, port) = parse_printer_address(text).ok_or(PrinterAddressRefusal::Format)?;
    let ip: IpAddr = match host.split_once('%') {
        None => host.parse().map_err(|_| {
            if host.contains(':') {
                PrinterAddressRefusal::Format
            } else {
                PrinterAddressRefusal::HostName
            }
        })?,
        Some((v6, zone)) => {
            let ip: Ipv6Addr = v6.parse().map_err(|_| PrinterAddressRefusal::Format)?;
            let scope: u32 = zone
                .parse()
                .ok()
                .filter(|_| zone.bytes().all(|b| b.is_ascii_digit()))
                .ok_or(PrinterAddressRefusal::Format)?;
            classify(IpAddr::V6(ip), rules.allow_link_local)?;
            if ip.segments()[0] & 0xffc0 != 0xfe80 {
                return Err(PrinterAddressRefusal::Format);
            }
            check_port(port, rules)?;
            return Ok(SocketAddr::V6(SocketAddrV6::new(ip, port, 0, scope)));
        }
    };
    if rules.allow_loopback && is_loopback(ip) {
        // Tests and development: the fake printer listens on 127.0.0.1, on any port.
        return Ok(SocketAddr::new(ip, port));
    }
    classify(ip, rules.allow_link_local)?;
    check_port(port, rules)?;
    Ok(SocketAddr::new(ip, port))
}

fn check_port(port: u16, rules: &PrinterRules) -> Result<(), PrinterAddressRefusal> {
    if rules.ports.contains(&port) {
        Ok(())
    } else {
        Err(PrinterAddressRefusal::Port(port))
    }
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
        assert_eq!(
            ok("tm-t88.local"),
            ("tm-t88.local".into(), 9100),
            "a name parses; the rules refuse it"
        );
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

    fn check(text: &str) -> Result<SocketAddr, PrinterAddressRefusal> {
        check_printer_address(text, &PrinterRules::default())
    }

    fn refused(text: &str, rules: &PrinterRules) -> PrinterAddressRefusal {
        check_printer_address(text, rules).expect_err(text)
    }

    #[test]
    fn printers_on_the_lan_on_the_printer_port() {
        for (text, addr) in [
            ("192.168.1.10", "192.168.1.10:9100"),
            ("192.168.1.10:9100", "192.168.1.10:9100"),
            (" 10.0.0.5 ", "10.0.0.5:9100"),
            ("172.16.0.1", "172.16.0.1:9100"),
            ("172.31.255.254:9100", "172.31.255.254:9100"),
            ("[fd12:3456::10]:9100", "[fd12:3456::10]:9100"),
            ("fc00::1", "[fc00::1]:9100"),
            ("::ffff:192.168.1.10", "[::ffff:192.168.1.10]:9100"),
        ] {
            assert_eq!(check(text).map(|a| a.to_string()).as_deref(), Ok(addr), "{text}");
        }
    }

    #[test]
    fn each_refusal() {
        use PrinterAddressRefusal as R;
        let rules = PrinterRules::default();
        for (text, why) in [
            ("http://192.168.1.10", R::Format),
            ("192.168.1.10:0", R::Format),
            ("tm-t88.local", R::HostName),
            ("localhost:9100", R::HostName),
            ("printer", R::HostName),
            ("127.0.0.1:9100", R::Loopback),
            ("127.1.2.3", R::Loopback),
            ("[::1]:9100", R::Loopback),
            ("::ffff:127.0.0.1", R::Loopback),
            ("0.0.0.0:9100", R::Unspecified),
            ("0.1.2.3", R::Unspecified),
            ("[::]:9100", R::Unspecified),
            ("224.0.0.1", R::Multicast),
            ("239.255.255.250:9100", R::Multicast),
            ("ff02::1", R::Multicast),
            ("255.255.255.255", R::Broadcast),
            ("169.254.10.20", R::LinkLocal),
            ("fe80::1", R::LinkLocal),
            ("[fe80::1%2]:9100", R::LinkLocal),
            ("8.8.8.8:9100", R::NotPrivate),
            ("100.64.0.1", R::NotPrivate),
            ("172.32.0.1", R::NotPrivate),
            ("172.15.255.255", R::NotPrivate),
            ("192.169.0.1", R::NotPrivate),
            ("11.0.0.1", R::NotPrivate),
            ("2001:4860:4860::8888", R::NotPrivate),
            ("::ffff:8.8.8.8", R::NotPrivate),
            ("192.168.1.10:22", R::Port(22)),
            ("192.168.1.10:5432", R::Port(5432)),
            ("10.0.0.5:9101", R::Port(9101)),
            ("[fd00::1]:80", R::Port(80)),
            ("[fd00::1%2]:9100", R::Format),
            ("[fe80::1%eth0]:9100", R::Format),
        ] {
            assert_eq!(refused(text, &rules), why, "{text}");
            assert!(!why.message_ja(&rules).is_empty());
        }
        assert!(R::Port(22).message_ja(&rules).contains("9100"));
        assert_eq!(R::Port(22).code(), "port_not_allowed");
    }

    #[test]
    fn the_council_may_allow_other_ports_and_link_local_printers() {
        let rules = PrinterRules {
            ports: vec![9100, 9101],
            allow_link_local: true,
            allow_loopback: false,
        };
        assert!(check_printer_address("10.0.0.5:9101", &rules).is_ok());
        assert!(check_printer_address("169.254.10.20", &rules).is_ok());
        assert_eq!(
            check_printer_address("[fe80::1%2]:9100", &rules)
                .map(|a| a.to_string())
                .as_deref(),
            Ok("[fe80::1%2]:9100")
        );
        assert_eq!(
            refused("169.254.10.20:22", &rules),
            PrinterAddressRefusal::Port(22)
        );
        assert_eq!(refused("127.0.0.1:9100", &rules), PrinterAddressRefusal::Loopback);
        assert!(
            PrinterAddressRefusal::Port(22)
                .message_ja(&rules)
                .contains("9100, 9101")
        );
    }

    #[test]
    fn loopback_only_with_the_test_switch_and_then_on_any_port() {
        let rules = PrinterRules {
            allow_loopback: true,
            ..PrinterRules::default()
        };
        assert!(check_printer_address("127.0.0.1:45678", &rules).is_ok());
        assert!(check_printer_address("[::1]:45678", &rules).is_ok());
        // The switch opens loopback only.
        assert_eq!(refused("8.8.8.8:9100", &rules), PrinterAddressRefusal::NotPrivate);
        assert_eq!(
            refused("192.168.1.10:22", &rules),
            PrinterAddressRefusal::Port(22)
        );
        assert_eq!(
            refused("localhost:45678", &rules),
            PrinterAddressRefusal::HostName
        );
        assert_eq!(
            refused("127.0.0.1:45678", &PrinterRules::default()),
            PrinterAddressRefusal::Loopback
        );
    }
}
