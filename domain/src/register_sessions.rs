//! レジ開け・締め: a register's session from the change float to the close, where the cash is
//! counted by denomination against the record, with payouts and late sales. Pure arithmetic
//! on sums the server reads from the sales journal.

use crate::Yen;
use crate::sales::payment::TenderKind;
use crate::validation::FieldErrors;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The notes and coins of the 金種表, largest first.
pub const DENOMINATIONS: [i64; 10] = [10_000, 5_000, 2_000, 1_000, 500, 100, 50, 10, 5, 1];

/// Notes and coins of one denomination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DenominationCount {
    /// ¥10,000 … ¥1.
    pub denomination: i64,
    pub count: i64,
}

/// More of one note than any till holds: a typo, not a count.
const MAX_PIECES: i64 = 100_000;

/// A 金種表: the cash in a drawer, by denomination.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CashCount(pub Vec<DenominationCount>);

impl CashCount {
    /// Checks every line: a known denomination, once, a count from 0 to 100,000.
    pub fn validate(&self, field: &str, errors: &mut FieldErrors) {
        for (i, line) in self.0.iter().enumerate() {
            let at = format!("{field}[{i}]");
            if !DENOMINATIONS.contains(&line.denomination) {
                errors.add(
                    format!("{at}.denomination"),
                    "invalid",
                    "金種は1万円・5千円・2千円・千円・500円・100円・50円・10円・5円・1円のいずれかです",
                );
            } else if self.0[..i].iter().any(|l| l.denomination == line.denomination) {
                errors.add(format!("{at}.denomination"), "duplicate", "同じ金種が2回あります");
            }
            if !(0..=MAX_PIECES).contains(&line.count) {
                errors.add(
                    format!("{at}.count"),
                    "out_of_range",
                    "枚数は0〜100,000で入力してください",
                );
            }
        }
    }

    /// The amount counted. Saturates rather than overflows; validated counts never get near.
    pub fn total(&self) -> Yen {
        Yen(self
            .0
            .iter()
            .map(|l| l.denomination.saturating_mul(l.count))
            .fold(0i64, i64::saturating_add))
    }

    /// One line per denomination, largest first, zeros included: the printed 金種表.
    pub fn table(&self) -> Vec<DenominationCount> {
        DENOMINATIONS
            .iter()
            .map(|&denomination| DenominationCount {
                denomination,
                count: self
                    .0
                    .iter()
                    .filter(|l| l.denomination == denomination)
                    .map(|l| l.count)
                    .sum(),
            })
            .collect()
    }
}

/// What a register's drawer should hold, and what it did hold at the close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CashFigures {
    /// 釣銭準備金
    pub float: Yen,
    /// Cash taken for sales, less the change given.
    pub cash_sales: Yen,
    /// Cash paid back for voids and refunds (a positive amount).
    pub cash_refunds: Yen,
    /// Cash taken out of the drawer for expenses (出金, a positive amount).
    pub payouts: Yen,
    /// float + cash sales − cash refunds − payouts.
    pub expected: Yen,
    /// The 金種表 total; none while the register is open.
    pub counted: Option<Yen>,
    /// 過不足: counted − expected (positive: over).
    pub difference: Option<Yen>,
}

impl CashFigures {
    pub fn new(
        float: Yen,
        cash_sales: Yen,
        cash_refunds: Yen,
        payouts: Yen,
        counted: Option<Yen>,
    ) -> CashFigures {
        let expected = Yen(float.0 + cash_sales.0 - cash_refunds.0 - payouts.0);
        CashFigures {
            float,
            cash_sales,
            cash_refunds,
            payouts,
            expected,
            counted,
            difference: counted.map(|c| Yen(c.0 - expected.0)),
        }
    }
}

/// A register's close (レジ締め) as entered: the count, and a note that explains a difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterCloseInput {
    /// Chosen by the client; a retried close is recognised by it.
    pub id: Uuid,
    pub counts: CashCount,
    #[serde(default)]
    pub note: String,
}

/// Opening a register (レジ開け) with its change float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterOpenInput {
    pub id: Uuid,
    /// The float by denomination; its total is the 釣銭準備金.
    pub counts: CashCount,
}

/// Cash taken out of an open register (出金), e.g. for ice or parking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutInput {
    pub id: Uuid,
    pub amount: Yen,
    pub reason: String,
    /// A manager's approval (`payout`) when a cashier takes out more than the council's
    /// `payout_approval_limit`; a council user approves their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<Uuid>,
}

/// The float of an open session entered late or corrected (釣銭準備金の後入力・訂正) by a
/// council user: the session was opened by its first sale with ¥0, or the float was miscounted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterFloatInput {
    /// Chosen by the client; a retried entry is recognised by it and applied once.
    pub id: Uuid,
    /// The float by denomination; its total replaces the session's 釣銭準備金.
    pub counts: CashCount,
    /// Why it is entered late or corrected (optional, up to 200 characters).
    #[serde(default)]
    pub reason: String,
}

impl RegisterFloatInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        self.counts.validate("counts", &mut e);
        if self.reason.chars().count() > 200 {
            e.add("reason", "too_long", "理由は200文字以内で入力してください");
        }
        e.into_result(())
    }
}

/// Who entered a session's float after it opened, and when (the last such entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FloatEntry {
    pub by: String,
    pub at: DateTime<Utc>,
    /// The float before this entry.
    pub previous: Yen,
    pub reason: String,
}

const MAX_NOTE: usize = 500;

impl RegisterOpenInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        self.counts.validate("counts", &mut e);
        e.into_result(())
    }
}

impl RegisterCloseInput {
    /// The count must be valid; a note is required when the count does not match `expected`.
    pub fn validated(&self, expected: Yen) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        self.counts.validate("counts", &mut e);
        if e.is_empty() && self.counts.total() != expected && self.note.trim().is_empty() {
            e.add(
                "note",
                "required",
                format!(
                    "過不足が{}あります。理由を入力してください",
                    Yen(self.counts.total().0.saturating_sub(expected.0))
                ),
            );
        }
        if self.note.chars().count() > MAX_NOTE {
            e.add("note", "too_long", "メモは500文字以内で入力してください");
        }
        e.into_result(())
    }
}

impl PayoutInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        if !(1..=10_000_000).contains(&self.amount.0) {
            e.add("amount", "out_of_range", "金額は1円〜1,000万円で入力してください");
        }
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            e.add("reason", "required", "理由を200文字以内で入力してください");
        }
        e.into_result(())
    }
}

/// A register shift from レジ開け to レジ締め.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterSession {
    pub id: String,
    pub register_id: i64,
    pub register_code: String,
    pub register_name: String,
    pub event_id: i64,
    pub opened_at: DateTime<Utc>,
    pub opened_by: String,
    /// Opened by the first sale because nobody entered a float: the float was ¥0 (until a
    /// council user enters it: [`RegisterSession::float_entered`]). Stays set for the report.
    pub auto_opened: bool,
    pub float_counts: CashCount,
    /// The float was entered late or corrected after the session opened: the last entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub float_entered: Option<FloatEntry>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub counts: Option<CashCount>,
    pub note: String,
}

impl RegisterSession {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// Takings of one tender at a register (for ticking off against the terminal's slip).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenderTotal {
    pub kind: TenderKind,
    /// Net of change and of money paid back.
    pub amount: Yen,
    /// Records (sales, voids, refunds) that used the tender.
    pub count: i64,
}

/// Sales that reached the server after their register was closed (sold offline before it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LateSales {
    pub count: i64,
    pub total: Yen,
    /// The cash in them: it was in the drawer when it was counted, so it explains an overage.
    pub cash: Yen,
    pub receipt_numbers: Vec<String>,
}

/// 締めレポート: a register session's record against its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterReport {
    pub session: RegisterSession,
    pub cash: CashFigures,
    /// Every tender, cash included, net.
    pub tenders: Vec<TenderTotal>,
    pub sales_count: i64,
    pub sales_total: Yen,
    pub returns_count: i64,
    pub returns_total: Yen,
    /// 商品券の釣銭なし: vouchers above the total kept without change (net of voids). With it
    /// the tenders tie out: Σ tenders = sales − returns + voucher surplus.
    #[serde(default)]
    pub voucher_surplus: Yen,
    pub payouts: Vec<Payout>,
    pub late: LateSales,
}

/// Σ tenders (net of change) − (net sales + voucher surplus): what the tenders took that the
/// records do not explain. Zero to the yen on every session and event.
pub fn tenders_unexplained(tenders: &[TenderTotal], net_sales: Yen, voucher_surplus: Yen) -> Yen {
    let taken = tenders.iter().fold(0i64, |sum, t| sum.saturating_add(t.amount.0));
    Yen(taken
        .saturating_sub(net_sales.0)
        .saturating_sub(voucher_surplus.0))
}

impl RegisterReport {
    /// [`tenders_unexplained`] of the session's on-time records.
    pub fn tenders_unexplained(&self) -> Yen {
        tenders_unexplained(
            &self.tenders,
            Yen(self.sales_total.0.saturating_sub(self.returns_total.0)),
            self.voucher_surplus,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payout {
    pub id: String,
    pub amount: Yen,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// Where a register is: never opened, open (with its running figures), or closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterStatus {
    pub register_id: i64,
    pub state: RegisterState,
    /// The open session, or the last closed one.
    pub report: Option<RegisterReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RegisterState {
    NeverOpened,
    Open,
    Closed,
}

/// Where a sale that arrives goes, given the register's sessions: the open one; or, if it was
/// sold before the open one began, or the register is closed, the last closed one as late.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionChoice {
    Current(String),
    Late(String),
    /// The register was never opened: open one (float ¥0) for this sale.
    OpenNew,
}

/// `open`: the open session and when it opened; `last_closed`: the newest closed session.
pub fn session_for_sale(
    sold_at: DateTime<Utc>,
    open: Option<(&str, DateTime<Utc>)>,
    last_closed: Option<&str>,
) -> SessionChoice {
    match (open, last_closed) {
        (Some((_, opened_at)), Some(closed)) if sold_at < opened_at => {
            SessionChoice::Late(closed.to_string())
        }
        (Some((id, _)), _) => SessionChoice::Current(id.to_string()),
        (None, Some(closed)) => SessionChoice::Late(closed.to_string()),
        (None, None) => SessionChoice::OpenNew,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn count(pairs: &[(i64, i64)]) -> CashCount {
        CashCount(
            pairs
                .iter()
                .map(|&(denomination, count)| DenominationCount { denomination, count })
                .collect(),
        )
    }

    #[test]
    fn cash_count_totals_and_table() {
        let c = count(&[(10_000, 2), (1_000, 5), (100, 13), (1, 7)]);
        assert_eq!(c.total(), Yen(26_307));
        let table = c.table();
        assert_eq!(table.len(), 10);
        assert_eq!(
            table[0],
            DenominationCount {
                denomination: 10_000,
                count: 2
            }
        );
        assert_eq!(table[1].count, 0);
    }

    #[test]
    fn cash_count_rejects_unknown_duplicate_and_negative() {
        let mut e = FieldErrors::default();
        count(&[(3_000, 1), (100, 1), (100, -1)]).validate("counts", &mut e);
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "counts[0].denomination",
                "counts[2].denomination",
                "counts[2].count"
            ]
        );
    }

    #[test]
    fn expected_cash_and_difference() {
        let f = CashFigures::new(Yen(30_000), Yen(12_340), Yen(500), Yen(1_200), Some(Yen(40_650)));
        assert_eq!(f.expected, Yen(40_640));
        assert_eq!(f.difference, Some(Yen(10)));
        let open = CashFigures::new(Yen(30_000), Yen(0), Yen(0), Yen(0), None);
        assert_eq!(open.difference, None);
    }

    #[test]
    fn tenders_tie_out_with_the_voucher_surplus() {
        let tender = |kind, amount| TenderTotal {
            kind,
            amount: Yen(amount),
            count: 1,
        };
        // ¥800 sold for a ¥1,000 voucher (釣銭なし) and ¥500 in cash.
        let tenders = [
            tender(TenderKind::Cash, 500),
            tender(TenderKind::GiftVoucher, 1_000),
        ];
        assert_eq!(tenders_unexplained(&tenders, Yen(1_300), Yen(200)), Yen(0));
        assert_eq!(tenders_unexplained(&tenders, Yen(1_300), Yen(0)), Yen(200));
        assert_eq!(tenders_unexplained(&[], Yen(0), Yen(0)), Yen(0));
    }

    #[test]
    fn a_difference_needs_a_note() {
        let input = RegisterCloseInput {
            id: Uuid::nil(),
            counts: count(&[(1_000, 3)]),
            note: " ".into(),
        };
        assert!(input.validated(Yen(3_000)).is_ok());
        let e = input.validated(Yen(3_010)).expect_err("short by 10");
        assert_eq!(e.0[0].field, "note");
        let explained = RegisterCloseInput {
            note: "釣銭の渡し間違い".into(),
            ..input
        };
        assert!(explained.validated(Yen(3_010)).is_ok());
    }

    #[test]
    fn late_sales_go_to_the_closed_session() {
        let t = |h: i64| DateTime::<Utc>::from_timestamp(h * 3600, 0).expect("time");
        assert_eq!(session_for_sale(t(5), None, None), SessionChoice::OpenNew);
        assert_eq!(
            session_for_sale(t(5), Some(("b", t(4))), Some("a")),
            SessionChoice::Current("b".into())
        );
        assert_eq!(
            session_for_sale(t(3), Some(("b", t(4))), Some("a")),
            SessionChoice::Late("a".into())
        );
        assert_eq!(
            session_for_sale(t(3), Some(("b", t(4))), None),
            SessionChoice::Current("b".into())
        );
        assert_eq!(
            session_for_sale(t(9), None, Some("a")),
            SessionChoice::Late("a".into())
        );
    }

    proptest! {
        #[test]
        fn a_count_totals_its_pieces(pieces in prop::collection::vec(0i64..1000, 10)) {
            let c = CashCount(DENOMINATIONS.iter().zip(&pieces).map(|(&denomination, &count)| DenominationCount { denomination, count }).collect());
            let mut e = FieldErrors::default();
            c.validate("counts", &mut e);
            prop_assert!(e.is_empty());
            prop_assert_eq!(c.total().0, DENOMINATIONS.iter().zip(&pieces).map(|(d, n)| d * n).sum::<i64>());
        }
    }
}
