//! お客様画面: a second screen facing the customer (a phone or tablet opened from the till's
//! link or QR code) that follows the till's cart, total, money received and change.
//!
//! The till publishes what it shows; the screen asks for it by the link's token. Each state
//! carries the till's sequence number: a late request never overwrites a newer state.

use crate::Yen;
use crate::sales::cart::MAX_QUANTITY;
use crate::validation::FieldErrors;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// More lines than any cart: a till that sends more is not a till.
pub const MAX_LINES: usize = 300;
/// A product's name on the screen, in characters.
const MAX_NAME_CHARS: usize = 120;
/// Amounts beyond this (¥10 billion) are no cart's.
const MAX_AMOUNT: i64 = 10_000_000_000;

/// Where the sale stands, for what the screen says around the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DisplayPhase {
    /// No customer: the screen greets.
    #[default]
    Idle,
    /// Items are being rung up.
    Cart,
    /// Paid: the change is shown until the next customer.
    Paid,
}

/// One line of the cart as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisplayLine {
    pub name: String,
    pub quantity: i64,
    /// The line's amount after its discount.
    pub amount: Yen,
}

/// `PUT /api/v1/registers/{id}/display`: what the till shows now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisplayState {
    /// Rises with every state the till publishes (its clock in milliseconds will do): a state
    /// with a lower number than the one kept is stale and ignored.
    pub seq: i64,
    pub phase: DisplayPhase,
    #[serde(default)]
    pub lines: Vec<DisplayLine>,
    pub total: Yen,
    /// Money received so far (cash and other tenders).
    #[serde(default)]
    pub tendered: Yen,
    /// The change, once paid.
    #[serde(default)]
    pub change: Yen,
}

impl DisplayState {
    /// Checks the state's bounds; the till computed the figures, the screen only shows them.
    pub fn validated(self) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.seq < 0 {
            errors.add("seq", "out_of_range", "seq は0以上です");
        }
        if self.lines.len() > MAX_LINES {
            errors.add("lines", "too_many", format!("明細は{MAX_LINES}行までです"));
        }
        for (i, line) in self.lines.iter().enumerate() {
            if line.name.trim().is_empty() || line.name.chars().count() > MAX_NAME_CHARS {
                errors.add(
                    format!("lines[{i}].name"),
                    "invalid",
                    format!("商品名は1〜{MAX_NAME_CHARS}文字です"),
                );
            }
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                errors.add(
                    format!("lines[{i}].quantity"),
                    "out_of_range",
                    format!("数量は1〜{MAX_QUANTITY}です"),
                );
            }
            if line.amount.0.abs() > MAX_AMOUNT {
                errors.add(format!("lines[{i}].amount"), "out_of_range", "金額が大きすぎます");
            }
        }
        for (field, amount) in [
            ("total", self.total),
            ("tendered", self.tendered),
            ("change", self.change),
        ] {
            if !(0..=MAX_AMOUNT).contains(&amount.0) {
                errors.add(field, "out_of_range", "金額は0円以上100億円以下です");
            }
        }
        errors.into_result(self)
    }
}

/// `GET /api/v1/display/{token}`: what the customer's screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisplayView {
    /// The council's name, the screen's heading.
    pub council_name: String,
    pub event_name: String,
    pub register_name: String,
    /// What the till last published (`None` before its first).
    pub state: Option<DisplayState>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/registers/{id}/display-link`: where the till says its screen is. Every link is
/// new and the last one stops working (the tablet keeps its link to show it again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisplayLinkInput {
    /// The address the till itself reached the server at (`location.origin`), which a phone on
    /// the same network reaches too: `http(s)://host[:port]`.
    pub origin: String,
}

/// The screen's link and its QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisplayLink {
    pub url: String,
    /// The link as a QR code, an SVG document.
    pub qr_svg: String,
}

/// Checks an origin: a scheme of http or https, a host, an optional port, nothing else.
pub fn check_origin(origin: &str) -> Result<&str, &'static str> {
    let origin = origin.trim_end_matches('/');
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or("origin は http:// か https:// で始まります")?;
    let valid = !rest.is_empty()
        && rest.len() <= 253
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if valid {
        Ok(origin)
    } else {
        Err("origin はホスト名(とポート)だけにしてください")
    }
}

/// The screen's path for a token.
pub fn display_path(token: &str) -> String {
    format!("/display/{token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> DisplayState {
        DisplayState {
            seq: 5,
            phase: DisplayPhase::Cart,
            lines: vec![DisplayLine {
                name: "手作りクッキー".into(),
                quantity: 2,
                amount: Yen(600),
            }],
            total: Yen(600),
            tendered: Yen(0),
            change: Yen(0),
        }
    }

    #[test]
    fn a_cart_is_accepted() {
        assert!(state().validated().is_ok());
    }

    #[test]
    fn out_of_bounds_values_are_named() {
        let mut s = state();
        s.seq = -1;
        s.lines[0].quantity = 0;
        s.lines[0].name = " ".into();
        s.total = Yen(-1);
        s.change = Yen(i64::MAX);
        let errors = s.validated().expect_err("refused");
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["seq", "lines[0].name", "lines[0].quantity", "total", "change"]
        );
    }

    #[test]
    fn too_many_lines_are_refused() {
        let mut s = state();
        s.lines = vec![s.lines[0].clone(); MAX_LINES + 1];
        assert!(s.validated().is_err());
    }

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(
            check_origin("http://192.168.1.20:3000/"),
            Ok("http://192.168.1.20:3000")
        );
        assert_eq!(
            check_origin("https://selpos.example.jp"),
            Ok("https://selpos.example.jp")
        );
        assert!(check_origin("javascript:alert(1)").is_err());
        assert!(check_origin("http://host/path").is_err());
        assert!(check_origin("http://").is_err());
        assert!(check_origin("http://a b").is_err());
    }
}
