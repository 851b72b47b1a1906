//! Closing an event: レジ締め (a register's cash counted against its record) and 精算 (each
//! facility's proceeds less the council's commission). Pure arithmetic on sums the server reads
//! from the sales journal, so the same figures come out on every screen, statement and CSV.

use crate::Yen;
use crate::api::CommissionRule;
use crate::cart::TenderKind;
use crate::tax::{RoundingMode, TaxRate};
use crate::validation::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
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
                    Yen(self.counts.total().0 - expected.0)
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
    /// Opened by the first sale because nobody entered a float: the float is ¥0.
    pub auto_opened: bool,
    pub float_counts: CashCount,
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
    pub payouts: Vec<Payout>,
    pub late: LateSales,
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

/// Sums of lines of one facility at one rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateSums {
    /// Sale lines, after discounts (tax included).
    pub sales: Yen,
    /// Void and refund lines, as a positive amount.
    pub returns: Yen,
    pub discounts: Yen,
    /// Units sold less units returned.
    pub quantity: i64,
}

/// What the journal holds for one facility at an event: the input of its settlement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FacilityTakings {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub standard: RateSums,
    pub reduced: RateSums,
    pub adjustments: Vec<Adjustment>,
}

impl FacilityTakings {
    pub fn rate_mut(&mut self, rate: TaxRate) -> &mut RateSums {
        match rate {
            TaxRate::Standard => &mut self.standard,
            TaxRate::Reduced => &mut self.reduced,
        }
    }
}

/// A correction after settlement (精算後の調整), added to what the facility is paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Adjustment {
    pub id: String,
    pub facility_id: i64,
    /// Positive: more to the facility; negative: less.
    pub amount: Yen,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdjustmentInput {
    pub id: Uuid,
    pub facility_id: i64,
    pub amount: Yen,
    pub reason: String,
}

impl AdjustmentInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        if self.amount.0 == 0 || self.amount.0.abs() > 100_000_000 {
            e.add(
                "amount",
                "out_of_range",
                "調整額は0以外、±1億円以内で入力してください",
            );
        }
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            e.add("reason", "required", "理由を200文字以内で入力してください");
        }
        e.into_result(())
    }
}

/// One tax rate of a statement: net sales at the rate and the consumption tax in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateLine {
    pub rate: TaxRate,
    pub sales: Yen,
    pub returns: Yen,
    pub net: Yen,
    /// Tax in `net`, rounded once with the council's rounding mode.
    pub tax: Yen,
}

/// 精算: one facility's figures for an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilitySettlement {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    /// 総売上 (tax included, after discounts).
    pub gross: Yen,
    /// 取消・返品 (positive).
    pub returns: Yen,
    /// 純売上 = gross − returns.
    pub net: Yen,
    pub discounts: Yen,
    pub quantity: i64,
    /// 10% first, then 8%; a rate with no sales is left out.
    pub by_rate: Vec<RateLine>,
    pub commission_rule: CommissionRule,
    /// 手数料
    pub commission: Yen,
    pub adjustments: Vec<Adjustment>,
    pub adjustments_total: Yen,
    /// 支払額 = net − commission + adjustments; negative means the facility owes the council.
    pub payable: Yen,
}

/// The commission on a facility's net sales. A percentage is rounded down to the yen (in the
/// facility's favour) and is nothing on a net loss; a fixed fee is due regardless of sales.
pub fn commission(rule: CommissionRule, net: Yen) -> Yen {
    match rule {
        CommissionRule::Percent { basis_points } if net.0 > 0 => Yen(i64::try_from(
            RoundingMode::Down.divide(i128::from(net.0) * i128::from(basis_points), 10_000),
        )
        .unwrap_or(i64::MAX)),
        CommissionRule::Percent { .. } => Yen::ZERO,
        CommissionRule::Fixed { yen } => yen,
    }
}

/// The rounding rule printed on every statement.
pub const COMMISSION_ROUNDING_JA: &str =
    "手数料は純売上×料率の1円未満切り捨て(定額の場合は売上にかかわらず定額)";

/// Settles one facility.
pub fn settle_facility(
    takings: &FacilityTakings,
    rule: CommissionRule,
    rounding: RoundingMode,
) -> FacilitySettlement {
    let mut by_rate = Vec::new();
    for (rate, sums) in [
        (TaxRate::Standard, &takings.standard),
        (TaxRate::Reduced, &takings.reduced),
    ] {
        if sums.sales == Yen::ZERO && sums.returns == Yen::ZERO {
            continue;
        }
        let net = Yen(sums.sales.0 - sums.returns.0);
        by_rate.push(RateLine {
            rate,
            sales: sums.sales,
            returns: sums.returns,
            net,
            tax: rate.included_tax(net, rounding),
        });
    }
    let gross = Yen(takings.standard.sales.0 + takings.reduced.sales.0);
    let returns = Yen(takings.standard.returns.0 + takings.reduced.returns.0);
    let net = Yen(gross.0 - returns.0);
    let commission = commission(rule, net);
    let adjustments_total = Yen(takings.adjustments.iter().map(|a| a.amount.0).sum());
    FacilitySettlement {
        facility_id: takings.facility_id,
        facility_number: takings.facility_number,
        facility_name: takings.facility_name.clone(),
        gross,
        returns,
        net,
        discounts: Yen(takings.standard.discounts.0 + takings.reduced.discounts.0),
        quantity: takings.standard.quantity + takings.reduced.quantity,
        by_rate,
        commission_rule: rule,
        commission,
        adjustments: takings.adjustments.clone(),
        adjustments_total,
        payable: Yen(net.0 - commission.0 + adjustments_total.0),
    }
}

/// Column sums of a settlement.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettlementTotals {
    pub gross: Yen,
    pub returns: Yen,
    pub net: Yen,
    pub discounts: Yen,
    pub quantity: i64,
    pub by_rate: Vec<RateLine>,
    pub commission: Yen,
    pub adjustments_total: Yen,
    pub payable: Yen,
}

impl SettlementTotals {
    /// Sums the facilities' columns: the event's figures are by construction theirs.
    pub fn of(facilities: &[FacilitySettlement]) -> SettlementTotals {
        let mut t = SettlementTotals::default();
        for f in facilities {
            t.gross.0 += f.gross.0;
            t.returns.0 += f.returns.0;
            t.net.0 += f.net.0;
            t.discounts.0 += f.discounts.0;
            t.quantity += f.quantity;
            t.commission.0 += f.commission.0;
            t.adjustments_total.0 += f.adjustments_total.0;
            t.payable.0 += f.payable.0;
            for line in &f.by_rate {
                match t.by_rate.iter_mut().find(|l| l.rate == line.rate) {
                    Some(sum) => {
                        sum.sales.0 += line.sales.0;
                        sum.returns.0 += line.returns.0;
                        sum.net.0 += line.net.0;
                        sum.tax.0 += line.tax.0;
                    }
                    None => t.by_rate.push(*line),
                }
            }
        }
        t.by_rate.sort_by_key(|l| std::cmp::Reverse(l.rate.percent()));
        t
    }
}

/// A register's line in the event summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterCashLine {
    pub register_code: String,
    pub register_name: String,
    pub session_id: String,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cash: CashFigures,
    pub late_cash: Yen,
    pub note: String,
}

/// 精算書 (event summary): every facility, totals, commission, and cash over/short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventSettlement {
    pub event_id: i64,
    pub event_code: String,
    pub event_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub state: crate::api::EventState,
    pub settled_at: Option<DateTime<Utc>>,
    pub settled_by: Option<String>,
    pub council_name: String,
    pub council_invoice_number: Option<String>,
    pub tax_rounding: RoundingMode,
    pub commission_rounding: String,
    pub facilities: Vec<FacilitySettlement>,
    pub totals: SettlementTotals,
    /// The sum of every record's total in the journal, read apart from the lines: it must
    /// equal `totals.net` (a check on the journal itself).
    pub journal_total: Yen,
    pub tenders: Vec<TenderTotal>,
    pub registers: Vec<RegisterCashLine>,
    /// Σ of the closed registers' differences.
    pub cash_over_short: Yen,
    /// Registers not closed yet: the event cannot be settled while any is open.
    pub open_registers: Vec<String>,
    pub generated_at: DateTime<Utc>,
}

impl EventSettlement {
    /// The facilities' net sales add up to the journal, to the yen.
    pub fn balanced(&self) -> bool {
        self.totals.net == self.journal_total
            && self.totals.payable.0 + self.totals.commission.0
                == self.totals.net.0 + self.totals.adjustments_total.0
    }
}

/// 精算書 of one facility: what facility staff see and sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityStatement {
    pub event_id: i64,
    pub event_code: String,
    pub event_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub state: crate::api::EventState,
    pub settled_at: Option<DateTime<Utc>>,
    pub council_name: String,
    pub council_invoice_number: Option<String>,
    pub tax_rounding: RoundingMode,
    pub commission_rounding: String,
    pub facility: FacilitySettlement,
    pub generated_at: DateTime<Utc>,
}

impl EventSettlement {
    /// The statement of one facility, cut from the event's settlement.
    pub fn statement(&self, facility_id: i64) -> Option<FacilityStatement> {
        let facility = self
            .facilities
            .iter()
            .find(|f| f.facility_id == facility_id)?
            .clone();
        Some(FacilityStatement {
            event_id: self.event_id,
            event_code: self.event_code.clone(),
            event_name: self.event_name.clone(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            state: self.state,
            settled_at: self.settled_at,
            council_name: self.council_name.clone(),
            council_invoice_number: self.council_invoice_number.clone(),
            tax_rounding: self.tax_rounding,
            commission_rounding: self.commission_rounding.clone(),
            facility,
            generated_at: self.generated_at,
        })
    }
}

/// Sales in one hour (Asia/Tokyo) of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourSales {
    /// Local date and hour: `2026-11-28 10時`.
    pub label: String,
    pub starts_at: DateTime<Utc>,
    /// Net of voids and refunds.
    pub amount: Yen,
    /// Sales (not voids or refunds) rung up in the hour.
    pub sales: i64,
}

/// A product among the best sellers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BestSeller {
    pub product_id: i64,
    pub name: String,
    pub facility_name: String,
    pub quantity: i64,
    pub amount: Yen,
}

/// A facility's net sales, for the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityAmount {
    pub facility_id: i64,
    pub facility_name: String,
    pub amount: Yen,
}

/// The figures of a running or finished event, for charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventDashboard {
    pub event_id: i64,
    pub event_name: String,
    pub state: crate::api::EventState,
    pub net: Yen,
    pub sales: i64,
    pub hours: Vec<HourSales>,
    pub facilities: Vec<FacilityAmount>,
    pub tenders: Vec<TenderTotal>,
    pub best_sellers: Vec<BestSeller>,
    pub generated_at: DateTime<Utc>,
}

/// Percent (0–100) of `part` in `whole`, for bar lengths; 0 when the whole is not positive.
pub fn share_percent(part: Yen, whole: Yen) -> i64 {
    if whole.0 <= 0 || part.0 <= 0 {
        return 0;
    }
    i64::try_from(i128::from(part.0) * 100 / i128::from(whole.0))
        .unwrap_or(100)
        .min(100)
}

/// Settles every facility of an event; facilities sorted by number.
pub fn settle_event(
    takings: &[FacilityTakings],
    rule_of: impl Fn(i64) -> CommissionRule,
    rounding: RoundingMode,
) -> (Vec<FacilitySettlement>, SettlementTotals) {
    let mut facilities: Vec<FacilitySettlement> = takings
        .iter()
        .map(|t| settle_facility(t, rule_of(t.facility_id), rounding))
        .collect();
    facilities.sort_by_key(|f| (f.facility_number, f.facility_id));
    let totals = SettlementTotals::of(&facilities);
    (facilities, totals)
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
    fn commission_rounds_down_and_fixed_is_fixed() {
        let ten_percent = CommissionRule::Percent { basis_points: 1000 };
        assert_eq!(commission(ten_percent, Yen(12_345)), Yen(1_234));
        assert_eq!(
            commission(CommissionRule::Percent { basis_points: 1250 }, Yen(999)),
            Yen(124)
        );
        assert_eq!(commission(ten_percent, Yen(-500)), Yen(0));
        assert_eq!(
            commission(CommissionRule::Fixed { yen: Yen(3_000) }, Yen(0)),
            Yen(3_000)
        );
    }

    #[test]
    fn a_facility_statement_by_rate() {
        let takings = FacilityTakings {
            facility_id: 7,
            facility_number: 12,
            facility_name: "A工房".into(),
            reduced: RateSums {
                sales: Yen(2_400),
                returns: Yen(120),
                discounts: Yen(0),
                quantity: 19,
            },
            standard: RateSums {
                sales: Yen(780),
                returns: Yen(0),
                discounts: Yen(20),
                quantity: 1,
            },
            adjustments: vec![],
        };
        let s = settle_facility(
            &takings,
            CommissionRule::Percent { basis_points: 1500 },
            RoundingMode::Down,
        );
        assert_eq!((s.gross, s.returns, s.net), (Yen(3_180), Yen(120), Yen(3_060)));
        assert_eq!(s.by_rate[0].rate, TaxRate::Standard);
        assert_eq!(s.by_rate[0].tax, Yen(70)); // 780 × 10/110 = 70.9
        assert_eq!(s.by_rate[1].net, Yen(2_280));
        assert_eq!(s.by_rate[1].tax, Yen(168)); // 2,280 × 8/108 = 168.9
        assert_eq!(s.commission, Yen(459));
        assert_eq!(s.payable, Yen(2_601));
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

    fn rule() -> impl Strategy<Value = CommissionRule> {
        prop_oneof![
            (0i64..=3000).prop_map(|basis_points| CommissionRule::Percent { basis_points }),
            (0i64..=20_000).prop_map(|yen| CommissionRule::Fixed { yen: Yen(yen) }),
        ]
    }

    fn sums() -> impl Strategy<Value = RateSums> {
        (0i64..5_000_000, 0i64..500_000, 0i64..50_000, -50i64..5_000).prop_map(
            |(sales, returns, discounts, quantity)| RateSums {
                sales: Yen(sales),
                returns: Yen(returns),
                discounts: Yen(discounts),
                quantity,
            },
        )
    }

    fn takings() -> impl Strategy<Value = Vec<(FacilityTakings, CommissionRule)>> {
        prop::collection::vec(
            (
                sums(),
                sums(),
                rule(),
                prop::collection::vec(-50_000i64..50_000, 0..3),
            ),
            0..60,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (standard, reduced, rule, adjustments))| {
                    let id = i as i64 + 1;
                    let adjustments = adjustments
                        .into_iter()
                        .filter(|a| *a != 0)
                        .map(|amount| Adjustment {
                            id: format!("{id}-{amount}"),
                            facility_id: id,
                            amount: Yen(amount),
                            reason: "訂正".into(),
                            at: DateTime::<Utc>::UNIX_EPOCH,
                            by: "admin".into(),
                        })
                        .collect();
                    let t = FacilityTakings {
                        facility_id: id,
                        facility_number: 100 - id,
                        facility_name: format!("F{id}"),
                        standard,
                        reduced,
                        adjustments,
                    };
                    (t, rule)
                })
                .collect()
        })
    }

    proptest! {
        /// Every column of the event is the sum of the facilities' columns, and every
        /// facility's payable plus commission is its net plus adjustments, to the yen.
        #[test]
        fn settlements_add_up(rows in takings(), mode in prop_oneof![Just(RoundingMode::Down), Just(RoundingMode::HalfUp), Just(RoundingMode::Up)]) {
            let t: Vec<FacilityTakings> = rows.iter().map(|(t, _)| t.clone()).collect();
            let (facilities, totals) = settle_event(&t, |id| rows[(id - 1) as usize].1, mode);
            let all_sales: i64 = t.iter().map(|t| t.standard.sales.0 + t.reduced.sales.0).sum();
            let all_returns: i64 = t.iter().map(|t| t.standard.returns.0 + t.reduced.returns.0).sum();
            prop_assert_eq!(totals.net, Yen(all_sales - all_returns));
            prop_assert_eq!(totals.gross, Yen(all_sales));
            for f in &facilities {
                prop_assert_eq!(f.payable.0 + f.commission.0, f.net.0 + f.adjustments_total.0);
                prop_assert_eq!(f.by_rate.iter().map(|l| l.net.0).sum::<i64>(), f.net.0);
                prop_assert!(f.commission.0 >= 0);
                if let CommissionRule::Percent { basis_points } = f.commission_rule {
                    // Rounded down: never more than the exact share, less by under one yen.
                    let exact = i128::from(f.net.0.max(0)) * i128::from(basis_points);
                    prop_assert!(i128::from(f.commission.0) * 10_000 <= exact);
                    prop_assert!(exact - i128::from(f.commission.0) * 10_000 < 10_000);
                }
                for l in &f.by_rate {
                    prop_assert_eq!(l.tax, l.rate.included_tax(l.net, mode));
                }
            }
            prop_assert_eq!(totals.payable.0 + totals.commission.0, totals.net.0 + totals.adjustments_total.0);
            prop_assert_eq!(totals.by_rate.iter().map(|l| l.net.0).sum::<i64>(), totals.net.0);
            prop_assert_eq!(totals.by_rate.iter().map(|l| l.tax.0).sum::<i64>(),
                facilities.iter().flat_map(|f| f.by_rate.iter()).map(|l| l.tax.0).sum::<i64>());
            prop_assert!(facilities.windows(2).all(|w| w[0].facility_number <= w[1].facility_number));
        }

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
