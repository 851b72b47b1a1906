//! A sale, void or refund request parsed into checked values ("parse, don't validate"): the
//! server's use cases take these, never the raw input, so no path records an unchecked one.
//! Problems are reported per field, in Japanese, like every other input.

use super::payment::Tender;
use super::{RefundInput, RefundLineInput, SaleInput, SaleLineInput, VoidInput};
use crate::validation::FieldErrors;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use uuid::Uuid;

/// At most this many lines in one sale: far above any basket, low enough to bound the work.
pub const MAX_LINES: usize = 200;
/// The tablet's own number for a sale (`R1-0042`) is short.
pub const MAX_LOCAL_NUMBER_CHARS: usize = 40;
/// The reason a void or refund was made.
pub const MAX_REASON_CHARS: usize = 200;

/// How far ahead of the server's clock a tablet's clock may run: a sale dated later is refused.
pub const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(10);

/// When a sale may have been made: not ahead of the server's clock (beyond [`CLOCK_SKEW`]), and
/// not before its event's first day began (`event_starts`, midnight in Tokyo). A till selling
/// offline sends its sales when the Wi-Fi is back, so any time within the event is plausible;
/// a date outside it would only move a sale to another day's figures or an older price.
pub fn check_sold_at(
    sold_at: DateTime<Utc>,
    now: DateTime<Utc>,
    event_starts: DateTime<Utc>,
) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::default();
    if sold_at > now + CLOCK_SKEW {
        e.add(
            "sold_at",
            "in_the_future",
            "販売時刻が未来になっています。タブレットの時計を合わせてから送り直してください",
        );
    } else if sold_at < event_starts {
        e.add(
            "sold_at",
            "before_event",
            "販売時刻がイベントの開始日より前です。タブレットの時計を確認してください",
        );
    }
    e.into_result(())
}

/// A sale request with 1 to [`MAX_LINES`] lines and a plausible local number. Prices, stock
/// and tenders are checked against the catalogue when it is priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSale {
    pub id: Uuid,
    pub register_id: i64,
    pub local_number: String,
    pub sold_at: DateTime<Utc>,
    pub lines: Vec<SaleLineInput>,
    pub tenders: Vec<Tender>,
    pub approval_id: Option<Uuid>,
    /// Who rang it up, when not the sender ([`SaleInput::cashier_login`]).
    pub cashier_login: Option<String>,
}

/// A login is short (see `users`).
pub const MAX_LOGIN_CHARS: usize = 64;

impl SaleInput {
    pub fn validated(&self) -> Result<ValidSale, FieldErrors> {
        let mut e = FieldErrors::default();
        if self.lines.is_empty() || self.lines.len() > MAX_LINES {
            e.add(
                "lines",
                "out_of_range",
                format!("明細は1〜{MAX_LINES}行にしてください"),
            );
        }
        if self.local_number.chars().count() > MAX_LOCAL_NUMBER_CHARS {
            e.add("local_number", "too_long", "端末の番号が長すぎます");
        }
        if self
            .cashier_login
            .as_ref()
            .is_some_and(|l| l.is_empty() || l.chars().count() > MAX_LOGIN_CHARS)
        {
            e.add(
                "cashier_login",
                "out_of_range",
                "担当者のログインIDが正しくありません",
            );
        }
        e.into_result(ValidSale {
            id: self.id,
            register_id: self.register_id,
            local_number: self.local_number.clone(),
            sold_at: self.sold_at,
            lines: self.lines.clone(),
            tenders: self.tenders.clone(),
            approval_id: self.approval_id,
            cashier_login: self.cashier_login.clone(),
        })
    }
}

/// The reason of a void or refund: required, trimmed, at most [`MAX_REASON_CHARS`].
fn reason(e: &mut FieldErrors, text: &str) -> String {
    let reason = text.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        e.add(
            "reason",
            "required",
            format!("理由を{MAX_REASON_CHARS}文字以内で入力してください"),
        );
    }
    reason.to_string()
}

/// 取消 of a whole sale, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidVoid {
    pub id: Uuid,
    pub reason: String,
    pub approval_id: Option<Uuid>,
}

impl VoidInput {
    pub fn validated(&self) -> Result<ValidVoid, FieldErrors> {
        let mut e = FieldErrors::default();
        let reason = reason(&mut e, &self.reason);
        e.into_result(ValidVoid {
            id: self.id,
            reason,
            approval_id: self.approval_id,
        })
    }
}

/// 返品 of some items: each original line at most once, each quantity at least one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRefund {
    pub id: Uuid,
    pub lines: Vec<RefundLineInput>,
    pub reason: String,
    pub approval_id: Option<Uuid>,
}

impl RefundInput {
    pub fn validated(&self) -> Result<ValidRefund, FieldErrors> {
        let mut e = FieldErrors::default();
        let reason = reason(&mut e, &self.reason);
        if self.lines.is_empty() {
            e.add("lines", "required", "返品する商品を選んでください");
        }
        if self.lines.len() > MAX_LINES {
            e.add("lines", "out_of_range", format!("明細は{MAX_LINES}行までです"));
        }
        // The same line twice in one request would be checked against the same "already
        // refunded" figure each time and pay back more than was sold.
        let mut seen = BTreeSet::new();
        for (i, line) in self.lines.iter().enumerate() {
            if !seen.insert(line.line_no) {
                e.add(
                    format!("lines[{i}].line_no"),
                    "duplicate",
                    "同じ明細が重複しています",
                );
            }
        }
        e.into_result(ValidRefund {
            id: self.id,
            lines: self.lines.clone(),
            reason,
            approval_id: self.approval_id,
        })
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_sale_is_dated_within_its_event_and_not_ahead_of_the_clock() {
        let now = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(20_000);
        let starts = now - chrono::Duration::days(1);
        assert!(super::check_sold_at(now, now, starts).is_ok());
        assert!(
            super::check_sold_at(now + CLOCK_SKEW, now, starts).is_ok(),
            "a slow server clock"
        );
        assert!(
            super::check_sold_at(starts, now, starts).is_ok(),
            "first minute of the event"
        );
        let code = |at| {
            super::check_sold_at(at, now, starts)
                .err()
                .map(|e| e.0[0].code.clone())
        };
        assert_eq!(
            code(now + CLOCK_SKEW + chrono::Duration::seconds(1)).as_deref(),
            Some("in_the_future")
        );
        assert_eq!(
            code(starts - chrono::Duration::seconds(1)).as_deref(),
            Some("before_event")
        );
    }

    use super::*;
    use crate::money::Yen;
    use crate::validation::field_codes;

    fn sale(lines: usize) -> SaleInput {
        SaleInput {
            id: Uuid::nil(),
            register_id: 1,
            local_number: "R1-0001".into(),
            sold_at: DateTime::<Utc>::UNIX_EPOCH,
            lines: (0..lines)
                .map(|i| SaleLineInput {
                    product_id: i as i64 + 1,
                    quantity: 1,
                    unit_price: Yen(100),
                    discount: None,
                    eat_in: false,
                })
                .collect(),
            tenders: vec![],
            approval_id: None,
            cashier_login: None,
        }
    }

    #[test]
    fn a_sale_has_one_to_two_hundred_lines_and_a_short_local_number() {
        assert!(sale(1).validated().is_ok());
        assert!(sale(MAX_LINES).validated().is_ok());
        let none = field_codes(sale(0).validated().expect_err("empty"));
        assert_eq!(none, [("lines".to_string(), "out_of_range".to_string())]);
        let long = SaleInput {
            local_number: "x".repeat(41),
            ..sale(MAX_LINES + 1)
        };
        assert_eq!(
            field_codes(long.validated().expect_err("too long")),
            [
                ("lines".to_string(), "out_of_range".to_string()),
                ("local_number".to_string(), "too_long".to_string())
            ]
        );
    }

    #[test]
    fn a_reason_is_required_and_trimmed() {
        let void = VoidInput {
            id: Uuid::nil(),
            reason: "  打ち間違い ".into(),
            approval_id: None,
        };
        assert_eq!(void.validated().expect("valid").reason, "打ち間違い");
        for bad in ["", "   ", &"あ".repeat(201)] {
            let err = VoidInput {
                reason: bad.into(),
                ..void.clone()
            }
            .validated()
            .expect_err("no reason");
            assert_eq!(err.0[0].field, "reason");
        }
    }

    #[test]
    fn a_refund_names_each_line_once() {
        let line = |line_no| RefundLineInput { line_no, quantity: 1 };
        let refund = RefundInput {
            id: Uuid::nil(),
            lines: vec![line(1), line(2), line(1), line(1)],
            reason: "破損".into(),
            approval_id: None,
        };
        assert_eq!(
            field_codes(refund.validated().expect_err("duplicates")),
            [
                ("lines[2].line_no".to_string(), "duplicate".to_string()),
                ("lines[3].line_no".to_string(), "duplicate".to_string())
            ]
        );
        let empty = RefundInput {
            lines: vec![],
            ..refund.clone()
        };
        assert_eq!(empty.validated().expect_err("empty").0[0].field, "lines");
        let ok = RefundInput {
            lines: vec![line(2), line(1)],
            ..refund
        };
        assert_eq!(ok.validated().expect("valid").lines.len(), 2);
    }
}
