//! 精算: each facility's proceeds at an event less the council's commission, the event's
//! totals, the settled statement per facility and its adjustments. Pure arithmetic on sums
//! the server reads from the sales journal, so the same figures come out on every screen,
//! statement and CSV.

use crate::Yen;
use crate::events::CommissionRule;
use crate::register_sessions::CashFigures;
use crate::register_sessions::TenderTotal;
use crate::sales::cart::RateTotal;
use crate::tax::{RoundingMode, TaxRate};
use crate::validation::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

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
    /// The consumption tax the records' receipts stated, allocated to this facility
    /// ([`allocate_receipt_taxes`]): sales less returns.
    pub tax: Yen,
    /// Net of lines outside the invoice (a facility not registered as an issuer when sold):
    /// no receipt states tax on them.
    pub non_invoice: Yen,
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
    /// Returns taken here of goods sold at other events (in `returns` above).
    pub returns_of_other_events: Vec<CrossEventReturn>,
    /// Returns of goods sold here, taken at other events since (in their figures, not these).
    pub returned_elsewhere: Vec<CrossEventReturn>,
}

/// Goods sold at one event and returned at another. A return is counted where it is taken
/// (that event's takings, that facility's payable there), so a settled event never changes;
/// both statements name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrossEventReturn {
    /// The other event: where the goods were sold, or where they came back.
    pub event_id: i64,
    pub event_code: String,
    pub event_name: String,
    /// What was paid back (positive).
    pub amount: Yen,
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

/// The largest adjustment either way (±1億円).
pub const MAX_ADJUSTMENT: Yen = Yen(100_000_000);

impl AdjustmentInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        // `unsigned_abs`: `abs` of i64::MIN overflows.
        if self.amount.0 == 0 || self.amount.0.unsigned_abs() > MAX_ADJUSTMENT.0.unsigned_abs() {
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
    /// The tax the receipts stated on this facility's share of them ([`TAX_ON_STATEMENTS_JA`]):
    /// Σ over the receipts of their tax at this rate allocated by the facility's share.
    pub tax: Yen,
    /// The part of `net` outside the invoice (no tax stated on the receipt).
    #[serde(default)]
    pub non_invoice: Yen,
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
    /// 手数料 (tax included, at 10%: the council's own taxable service).
    pub commission: Yen,
    /// The consumption tax in `commission` ([`fee_tax`]).
    pub commission_tax: Yen,
    pub adjustments: Vec<Adjustment>,
    pub adjustments_total: Yen,
    /// 支払額 = net − commission + adjustments; negative means the facility owes the council.
    pub payable: Yen,
    /// 他イベント販売分の返品: returns taken here of goods sold at other events (in `returns`).
    #[serde(default)]
    pub returns_of_other_events: Vec<CrossEventReturn>,
    /// 他イベントでの返品: this event's goods returned at other events since; counted there.
    #[serde(default)]
    pub returned_elsewhere: Vec<CrossEventReturn>,
    /// The council's own account for gift orders paid at the till ([`mark_gift_accounts`]).
    #[serde(default)]
    pub gift_account: bool,
}

/// Gift orders paid at a till are sold under the council's account (the gift season's): that
/// money is the supplier's, passed on by the council, whose income is the supplier's commission
/// at the season's close. So the account's line takes no commission here and is listed apart,
/// after the facilities; it stays in the totals, which tie out with the journal.
pub fn mark_gift_accounts(facilities: &mut [FacilitySettlement], accounts: &[i64]) {
    for f in facilities.iter_mut() {
        f.gift_account = accounts.contains(&f.facility_id);
    }
    facilities.sort_by_key(|f| (f.gift_account, f.facility_number, f.facility_id));
}

/// The rule for an account of [`mark_gift_accounts`]: no commission.
pub const GIFT_ACCOUNT_RULE: CommissionRule = CommissionRule::Fixed { yen: Yen::ZERO };

/// The commission on a facility's net sales. A percentage is rounded down to the yen (in the
/// facility's favour) and is nothing on a net loss; a fixed fee is due regardless of sales.
pub fn commission(rule: CommissionRule, net: Yen) -> Yen {
    match rule {
        CommissionRule::Percent { basis_points } if net.0 > 0 => net.share_rounded_down(basis_points),
        CommissionRule::Percent { .. } => Yen::ZERO,
        CommissionRule::Fixed { yen } => yen,
    }
}

/// The rounding rule printed on every statement.
pub const COMMISSION_ROUNDING_JA: &str =
    "手数料は純売上×料率の1円未満切り捨て(定額の場合は売上にかかわらず定額)";

/// The council's fee (a commission or a fixed fee) is its own service, taxed at the standard rate.
pub const FEE_TAX_RATE: TaxRate = TaxRate::Standard;

/// The consumption tax in a fee: the fee is tax-included (税込), so its tax is
/// `fee × 10/110`, rounded as the council's setting says (default: round down).
pub fn fee_tax(fee: Yen, rounding: RoundingMode) -> Yen {
    FEE_TAX_RATE.included_tax(fee, rounding)
}

/// The rule of the tax on statements, printed on every statement and CSV.
pub const TAX_ON_STATEMENTS_JA: &str = "消費税額は、各レシート(取消・返品を含む)に税率ごとに記載した消費税額を、そのレシート上の各事業所の同じ税率の金額の割合で配分(最大剰余法・1円単位)した合計です。全事業所の合計はレシートの消費税額の合計と一致します。適格請求書外の商品(登録事業者でない事業所)はレシートに税額を記載しないため含みません。";

/// The rule of the fee's tax, printed with the fee invoice.
pub const FEE_TAX_JA: &str = "手数料・出店料は協議会の課税売上(10%)です。金額は税込で、消費税額は税込額×10/110(端数は協議会の設定どおり)です。";

/// Splits `tax` across `amounts` in proportion to them, by the largest remainder method: each
/// share is the exact proportion rounded down, and the yen left over go one each to the largest
/// fractions (ties: the earlier amount). The shares add up to `tax` exactly and each is within
/// one yen of its exact proportion; a negative tax over negated amounts gives the negated
/// shares (a void mirrors its sale). Amounts are a receipt's lines of one rate, all of one sign
/// (a sale's positive, a void's or refund's negative); when they add up to zero the tax is split
/// evenly. An empty list gets nothing.
pub fn allocate_tax(tax: Yen, amounts: &[Yen]) -> Vec<Yen> {
    let n = amounts.len();
    if n == 0 {
        return Vec::new();
    }
    let mut weights: Vec<i128> = amounts.iter().map(|a| i128::from(a.0)).collect();
    let mut total: i128 = weights.iter().sum();
    if total == 0 {
        weights = vec![1; n];
        total = n as i128;
    }
    if total < 0 {
        for w in &mut weights {
            *w = -*w;
        }
        total = -total;
    }
    // A negative tax is split as its opposite and negated, so a void's shares mirror the
    // sale's exactly (ties included) and a voided sale leaves every facility at zero.
    let sign: i128 = if tax.0 < 0 { -1 } else { 1 };
    let tax = i128::from(tax.0) * sign;
    let mut shares: Vec<i128> = Vec::with_capacity(n);
    let mut fractions: Vec<i128> = Vec::with_capacity(n);
    for w in &weights {
        let exact = tax * w;
        shares.push(exact.div_euclid(total));
        fractions.push(exact.rem_euclid(total));
    }
    // Σ exact = tax, so the yen left over are the sum of the fractions: 0 ≤ left < n.
    let left = tax - shares.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| fractions[b].cmp(&fractions[a]).then(a.cmp(&b)));
    for &i in order.iter().take(usize::try_from(left).unwrap_or(0)) {
        shares[i] += 1;
    }
    shares
        .into_iter()
        .map(|s| {
            let s = s * sign;
            Yen(i64::try_from(s).unwrap_or(if s < 0 { i64::MIN } else { i64::MAX }))
        })
        .collect()
}

/// One facility's invoice lines at one rate on one record (a sale, void or refund), with the
/// tax that record's receipt states for the rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptShare {
    pub facility_id: i64,
    pub rate: TaxRate,
    /// Σ of the facility's line nets at the rate on the receipt (tax included).
    pub amount: Yen,
    /// The receipt's stated tax at the rate (the same on every row of the receipt and rate).
    pub receipt_tax: Yen,
}

/// Allocates every receipt's stated tax per rate to its facilities ([`allocate_tax`]) and sums
/// it per facility and rate. `rows` come grouped: the rows of one receipt (`K`) and rate are
/// consecutive. Σ of the result per rate = Σ of the receipts' stated tax at that rate.
pub fn allocate_receipt_taxes<K: PartialEq>(
    rows: impl IntoIterator<Item = (K, ReceiptShare)>,
) -> BTreeMap<(i64, TaxRate), Yen> {
    let mut out: BTreeMap<(i64, TaxRate), Yen> = BTreeMap::new();
    let mut group: Vec<ReceiptShare> = Vec::new();
    let mut amounts: Vec<Yen> = Vec::new();
    let mut flush = |group: &mut Vec<ReceiptShare>, out: &mut BTreeMap<(i64, TaxRate), Yen>| {
        if let [only] = group.as_slice() {
            // One facility at the rate on the receipt: all of its tax (what allocate_tax gives).
            let slot = out.entry((only.facility_id, only.rate)).or_insert(Yen::ZERO);
            slot.0 = slot.0.saturating_add(only.receipt_tax.0);
        } else if let Some(first) = group.first() {
            amounts.clear();
            amounts.extend(group.iter().map(|r| r.amount));
            for (row, share) in group.iter().zip(allocate_tax(first.receipt_tax, &amounts)) {
                let slot = out.entry((row.facility_id, row.rate)).or_insert(Yen::ZERO);
                slot.0 = slot.0.saturating_add(share.0);
            }
        }
        group.clear();
    };
    let mut current: Option<(K, TaxRate)> = None;
    for (key, row) in rows {
        let same = current
            .as_ref()
            .is_some_and(|(k, rate)| *k == key && *rate == row.rate);
        if !same {
            flush(&mut group, &mut out);
            current = Some((key, row.rate));
        }
        group.push(row);
    }
    flush(&mut group, &mut out);
    out
}

/// Settles one facility. The tax per rate is the receipts' allocated in `takings`;
/// `rounding` (the council's) rounds the tax in its fee.
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
        if sums.sales == Yen::ZERO && sums.returns == Yen::ZERO && sums.tax == Yen::ZERO {
            continue;
        }
        let net = Yen(sums.sales.0 - sums.returns.0);
        by_rate.push(RateLine {
            rate,
            sales: sums.sales,
            returns: sums.returns,
            net,
            tax: sums.tax,
            non_invoice: sums.non_invoice,
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
        commission_tax: fee_tax(commission, rounding),
        adjustments: takings.adjustments.clone(),
        adjustments_total,
        payable: Yen(net.0 - commission.0 + adjustments_total.0),
        returns_of_other_events: takings.returns_of_other_events.clone(),
        returned_elsewhere: takings.returned_elsewhere.clone(),
        gift_account: false,
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
    pub commission_tax: Yen,
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
            t.commission_tax.0 += f.commission_tax.0;
            t.adjustments_total.0 += f.adjustments_total.0;
            t.payable.0 += f.payable.0;
            for line in &f.by_rate {
                match t.by_rate.iter_mut().find(|l| l.rate == line.rate) {
                    Some(sum) => {
                        sum.sales.0 += line.sales.0;
                        sum.returns.0 += line.returns.0;
                        sum.net.0 += line.net.0;
                        sum.tax.0 += line.tax.0;
                        sum.non_invoice.0 += line.non_invoice.0;
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
    /// 商品券の釣銭なし of the session's on-time records.
    #[serde(default)]
    pub voucher_surplus: Yen,
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
    pub state: crate::events::EventState,
    pub settled_at: Option<DateTime<Utc>>,
    pub settled_by: Option<String>,
    pub council_name: String,
    pub council_invoice_number: Option<String>,
    pub tax_rounding: RoundingMode,
    pub commission_rounding: String,
    /// How the tax on the statements is found ([`TAX_ON_STATEMENTS_JA`]).
    pub tax_note: String,
    pub facilities: Vec<FacilitySettlement>,
    pub totals: SettlementTotals,
    /// The sum of every record's total in the journal, read apart from the lines: it must
    /// equal `totals.net` (a check on the journal itself).
    pub journal_total: Yen,
    /// Σ of the receipts' invoice totals and stated tax per rate, read apart from the lines:
    /// the facilities' tax at each rate must add up to it.
    pub receipts_by_rate: Vec<RateTotal>,
    /// The date of the fee invoices: the day of settlement (Asia/Tokyo), or today's on a preview.
    pub fee_invoice_date: NaiveDate,
    pub tenders: Vec<TenderTotal>,
    /// 商品券の釣銭なし: vouchers above the total kept without change, net of voids. Not sales
    /// (no facility's proceeds), but taken in: Σ tenders = journal total + voucher surplus.
    #[serde(default)]
    pub voucher_surplus: Yen,
    pub registers: Vec<RegisterCashLine>,
    /// Σ of the closed registers' differences.
    pub cash_over_short: Yen,
    /// Registers not closed yet: the event cannot be settled while any is open.
    pub open_registers: Vec<String>,
    pub generated_at: DateTime<Utc>,
}

impl EventSettlement {
    /// Σ tenders − (journal total + voucher surplus): zero to the yen (see
    /// [`crate::register_sessions::tenders_unexplained`]).
    pub fn tenders_unexplained(&self) -> Yen {
        crate::register_sessions::tenders_unexplained(&self.tenders, self.journal_total, self.voucher_surplus)
    }

    /// The facilities' net sales add up to the journal, and their tax per rate to the
    /// receipts', to the yen.
    pub fn balanced(&self) -> bool {
        self.totals.net == self.journal_total
            && self.totals.payable.0 + self.totals.commission.0
                == self.totals.net.0 + self.totals.adjustments_total.0
            && self.tax_ties_out()
    }

    /// Per rate, the facilities' tax is the receipts' stated tax and their invoice amounts
    /// (net less what is outside the invoice) the receipts' invoice totals.
    pub fn tax_ties_out(&self) -> bool {
        TaxRate::ALL.into_iter().all(|rate| {
            let facilities = self.totals.by_rate.iter().find(|l| l.rate == rate);
            let receipts = self.receipts_by_rate.iter().find(|r| r.rate == rate);
            let (tax, invoice) = facilities.map_or((0, 0), |l| (l.tax.0, l.net.0 - l.non_invoice.0));
            let (receipt_tax, receipt_total) = receipts.map_or((0, 0), |r| (r.tax.0, r.total.0));
            tax == receipt_tax && invoice == receipt_total
        })
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
    pub state: crate::events::EventState,
    pub settled_at: Option<DateTime<Utc>>,
    pub council_name: String,
    pub council_invoice_number: Option<String>,
    pub tax_rounding: RoundingMode,
    pub commission_rounding: String,
    /// How the tax on the statement is found ([`TAX_ON_STATEMENTS_JA`]).
    pub tax_note: String,
    pub facility: FacilitySettlement,
    /// The council's invoice for its fee, so a registered facility may deduct its tax.
    pub fee_invoice: FeeInvoice,
    pub generated_at: DateTime<Utc>,
}

/// The council's invoice for its fee (手数料・出店料) to one facility: a qualified invoice
/// (適格請求書) when the council has a registration number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeeInvoice {
    /// 適格請求書発行事業者: the council.
    pub issuer_name: String,
    /// 登録番号 (T + 13 digits); none: not a qualified invoice.
    pub registration_number: Option<String>,
    /// A qualified invoice: the council has a registration number.
    pub qualified: bool,
    /// 交付を受ける事業者: the facility.
    pub recipient_name: String,
    /// 取引年月日 (the day of settlement).
    pub issued_on: NaiveDate,
    /// 取引内容: what the fee is for.
    pub description: String,
    /// 税率ごとに区分した対価の額 (tax included) and its tax: the fee at 10%.
    pub by_rate: Vec<RateTotal>,
    /// The fee, tax included.
    pub total: Yen,
    /// The consumption tax in it.
    pub tax: Yen,
    /// How the tax is found ([`FEE_TAX_JA`]).
    pub note: String,
}

impl FeeInvoice {
    /// The invoice for `facility`'s fee at an event.
    pub fn of(
        facility: &FacilitySettlement,
        event_name: &str,
        issuer_name: &str,
        registration_number: Option<&str>,
        issued_on: NaiveDate,
    ) -> FeeInvoice {
        let what = match facility.commission_rule {
            CommissionRule::Percent { .. } => {
                format!("販売手数料(純売上の{})", facility.commission_rule.label_ja())
            }
            CommissionRule::Fixed { .. } => "出店料(定額)".to_string(),
        };
        FeeInvoice {
            issuer_name: issuer_name.to_string(),
            registration_number: registration_number.map(str::to_string),
            qualified: registration_number.is_some(),
            recipient_name: facility.facility_name.clone(),
            issued_on,
            description: format!("{event_name} {what}"),
            by_rate: vec![RateTotal {
                rate: FEE_TAX_RATE,
                total: facility.commission,
                tax: facility.commission_tax,
            }],
            total: facility.commission,
            tax: facility.commission_tax,
            note: FEE_TAX_JA.to_string(),
        }
    }
}

impl EventSettlement {
    /// The statement of one facility, cut from the event's settlement.
    pub fn statement(&self, facility_id: i64) -> Option<FacilityStatement> {
        let facility = self
            .facilities
            .iter()
            .find(|f| f.facility_id == facility_id)?
            .clone();
        let fee_invoice = FeeInvoice::of(
            &facility,
            &self.event_name,
            &self.council_name,
            self.council_invoice_number.as_deref(),
            self.fee_invoice_date,
        );
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
            tax_note: self.tax_note.clone(),
            facility,
            fee_invoice,
            generated_at: self.generated_at,
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gift_account_is_listed_after_the_facilities() {
        let line = |facility_id, facility_number| FacilityTakings {
            facility_id,
            facility_number,
            facility_name: format!("事業所{facility_number}"),
            reduced: RateSums {
                sales: Yen(1_000),
                ..RateSums::default()
            },
            ..FacilityTakings::default()
        };
        let rule = |id| {
            if id == 7 {
                GIFT_ACCOUNT_RULE
            } else {
                CommissionRule::Percent { basis_points: 1000 }
            }
        };
        let (mut facilities, totals) = settle_event(&[line(7, 1), line(8, 2)], rule, RoundingMode::Down);
        mark_gift_accounts(&mut facilities, &[7]);
        assert_eq!(
            facilities.iter().map(|f| f.facility_id).collect::<Vec<_>>(),
            vec![8, 7]
        );
        assert!(facilities[1].gift_account && !facilities[0].gift_account);
        assert_eq!(
            (facilities[1].commission, facilities[1].payable),
            (Yen::ZERO, Yen(1_000))
        );
        assert_eq!(totals.net, Yen(2_000), "still in the totals");
    }

    #[test]
    fn adjustments_are_bounded_at_the_ends_of_i64() {
        let input = |amount| AdjustmentInput {
            id: Uuid::nil(),
            facility_id: 1,
            amount: Yen(amount),
            reason: "訂正".into(),
        };
        for (amount, ok) in [
            (i64::MIN, false),
            (i64::MIN + 1, false),
            (-MAX_ADJUSTMENT.0 - 1, false),
            (-MAX_ADJUSTMENT.0, true),
            (-1, true),
            (0, false),
            (1, true),
            (MAX_ADJUSTMENT.0, true),
            (MAX_ADJUSTMENT.0 + 1, false),
            (i64::MAX, false),
        ] {
            match input(amount).validated() {
                Ok(()) => assert!(ok, "{amount} accepted"),
                Err(e) => {
                    assert!(!ok, "{amount} refused");
                    assert_eq!(e.0[0].field, "amount");
                    assert_eq!(e.0[0].code, "out_of_range");
                }
            }
        }
    }
    use proptest::prelude::*;

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
                tax: Yen(171),
                non_invoice: Yen(0),
            },
            standard: RateSums {
                sales: Yen(780),
                returns: Yen(0),
                discounts: Yen(20),
                quantity: 1,
                tax: Yen(70),
                non_invoice: Yen(0),
            },
            adjustments: vec![],
            ..Default::default()
        };
        let s = settle_facility(
            &takings,
            CommissionRule::Percent { basis_points: 1500 },
            RoundingMode::Down,
        );
        assert_eq!((s.gross, s.returns, s.net), (Yen(3_180), Yen(120), Yen(3_060)));
        assert_eq!(s.by_rate[0].rate, TaxRate::Standard);
        assert_eq!(s.by_rate[0].tax, Yen(70));
        assert_eq!(s.by_rate[1].net, Yen(2_280));
        // The receipts' tax as allocated, not 2,280 × 8/108 = 168 recomputed.
        assert_eq!(s.by_rate[1].tax, Yen(171));
        assert_eq!(s.commission, Yen(459));
        assert_eq!(s.commission_tax, Yen(41)); // 459 × 10/110 = 41.7
        assert_eq!(s.payable, Yen(2_601));
    }

    #[test]
    fn the_fee_is_tax_included_at_ten_percent() {
        assert_eq!(fee_tax(Yen(3_000), RoundingMode::Down), Yen(272)); // 272.7
        assert_eq!(fee_tax(Yen(3_000), RoundingMode::HalfUp), Yen(273));
        assert_eq!(fee_tax(Yen(1_100), RoundingMode::Down), Yen(100));
        assert_eq!(fee_tax(Yen(10), RoundingMode::Down), Yen(0));
        assert_eq!(fee_tax(Yen(10), RoundingMode::Up), Yen(1));
        assert_eq!(fee_tax(Yen::ZERO, RoundingMode::Up), Yen::ZERO);
    }

    #[test]
    fn a_fee_invoice_names_issuer_number_rate_and_tax() {
        let takings = FacilityTakings {
            facility_id: 3,
            facility_number: 12,
            facility_name: "Cベーカリー".into(),
            ..Default::default()
        };
        let f = settle_facility(
            &takings,
            CommissionRule::Fixed { yen: Yen(3_000) },
            RoundingMode::Down,
        );
        let day = NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
        let invoice = FeeInvoice::of(&f, "ハートバザール", "協議会", Some("T1234567890123"), day);
        assert!(invoice.qualified);
        assert_eq!(invoice.registration_number.as_deref(), Some("T1234567890123"));
        assert_eq!((invoice.total, invoice.tax), (Yen(3_000), Yen(272)));
        assert_eq!(
            invoice.by_rate,
            [RateTotal {
                rate: TaxRate::Standard,
                total: Yen(3_000),
                tax: Yen(272)
            }]
        );
        assert_eq!(invoice.recipient_name, "Cベーカリー");
        assert_eq!(invoice.issued_on, day);
        assert!(invoice.description.contains("出店料"));
        let unregistered = FeeInvoice::of(&f, "ハートバザール", "協議会", None, day);
        assert!(!unregistered.qualified);
    }

    #[test]
    fn two_receipts_of_120_at_8_percent_state_8_yen_each() {
        // Each receipt says ¥8 (120 × 8/108 = 8.9); the facility's tax is ¥16, not 240 → ¥17.
        let row = ReceiptShare {
            facility_id: 1,
            rate: TaxRate::Reduced,
            amount: Yen(120),
            receipt_tax: Yen(8),
        };
        let allocated = allocate_receipt_taxes([("a", row), ("b", row)]);
        assert_eq!(allocated[&(1, TaxRate::Reduced)], Yen(16));
        assert_eq!(
            TaxRate::Reduced.included_tax(Yen(240), RoundingMode::Down),
            Yen(17)
        );
    }

    #[test]
    fn largest_remainder_gives_the_leftover_yen_to_the_largest_fractions() {
        // 8 × (100, 50, 30)/180 = 4.44, 2.22, 1.33 → 4, 2, 1 and one yen left: to the 0.44.
        assert_eq!(
            allocate_tax(Yen(8), &[Yen(100), Yen(50), Yen(30)]),
            [Yen(5), Yen(2), Yen(1)]
        );
        // A refund: negative amounts and tax.
        assert_eq!(
            allocate_tax(Yen(-8), &[Yen(-100), Yen(-50), Yen(-30)]),
            [Yen(-5), Yen(-2), Yen(-1)]
        );
        // Equal fractions: the earlier facility first.
        assert_eq!(
            allocate_tax(Yen(8), &[Yen(60), Yen(60), Yen(60)]),
            [Yen(3), Yen(3), Yen(2)]
        );
        assert_eq!(allocate_tax(Yen(0), &[Yen(0), Yen(0)]), [Yen(0), Yen(0)]);
        assert!(allocate_tax(Yen(5), &[]).is_empty());
    }

    fn rule() -> impl Strategy<Value = CommissionRule> {
        prop_oneof![
            (0i64..=3000).prop_map(|basis_points| CommissionRule::Percent { basis_points }),
            (0i64..=20_000).prop_map(|yen| CommissionRule::Fixed { yen: Yen(yen) }),
        ]
    }

    fn sums() -> impl Strategy<Value = RateSums> {
        (
            0i64..5_000_000,
            0i64..500_000,
            0i64..50_000,
            -50i64..5_000,
            -50_000i64..500_000,
            0i64..100_000,
        )
            .prop_map(
                |(sales, returns, discounts, quantity, tax, non_invoice)| RateSums {
                    sales: Yen(sales),
                    returns: Yen(returns),
                    discounts: Yen(discounts),
                    quantity,
                    tax: Yen(tax),
                    non_invoice: Yen(non_invoice),
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
                        ..Default::default()
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
                let takings = &t[(f.facility_id - 1) as usize];
                for l in &f.by_rate {
                    let sums = match l.rate { TaxRate::Standard => &takings.standard, TaxRate::Reduced => &takings.reduced };
                    prop_assert_eq!(l.tax, sums.tax, "the receipts' tax as allocated, never recomputed");
                }
                prop_assert_eq!(f.commission_tax, fee_tax(f.commission, mode));
            }
            prop_assert_eq!(totals.payable.0 + totals.commission.0, totals.net.0 + totals.adjustments_total.0);
            prop_assert_eq!(totals.by_rate.iter().map(|l| l.net.0).sum::<i64>(), totals.net.0);
            prop_assert_eq!(totals.by_rate.iter().map(|l| l.tax.0).sum::<i64>(),
                facilities.iter().flat_map(|f| f.by_rate.iter()).map(|l| l.tax.0).sum::<i64>());
            prop_assert_eq!(totals.commission_tax.0, facilities.iter().map(|f| f.commission_tax.0).sum::<i64>());
            prop_assert!(facilities.windows(2).all(|w| w[0].facility_number <= w[1].facility_number));
        }

        /// The shares add up to the tax and each is within one yen of its exact proportion.
        #[test]
        fn allocation_adds_up_and_stays_proportional(
            tax in -100_000i64..100_000,
            amounts in prop::collection::vec(0i64..2_000_000, 1..8),
            negative in any::<bool>(),
        ) {
            let amounts: Vec<Yen> = amounts.into_iter().map(|a| Yen(if negative { -a } else { a })).collect();
            let shares = allocate_tax(Yen(tax), &amounts);
            prop_assert_eq!(shares.len(), amounts.len());
            prop_assert_eq!(shares.iter().map(|s| s.0).sum::<i64>(), tax);
            let total: i128 = amounts.iter().map(|a| i128::from(a.0)).sum();
            for (share, amount) in shares.iter().zip(&amounts) {
                // |share − tax × amount / total| < 1, in integers.
                let (exact, denominator) = if total == 0 {
                    (i128::from(tax), amounts.len() as i128)
                } else {
                    (i128::from(tax) * i128::from(amount.0), total)
                };
                prop_assert!((i128::from(share.0) * denominator - exact).abs() < denominator.abs(),
                    "share {} of {} for {} of {}", share.0, tax, amount.0, total);
            }
        }

        /// A void's allocation is its sale's, negated: a voided sale leaves every facility at zero.
        #[test]
        fn a_reversal_mirrors_its_sale(
            tax in 0i64..100_000,
            amounts in prop::collection::vec(0i64..2_000_000, 1..8),
        ) {
            let amounts: Vec<Yen> = amounts.into_iter().map(Yen).collect();
            let negated: Vec<Yen> = amounts.iter().map(|a| Yen(-a.0)).collect();
            let sale = allocate_tax(Yen(tax), &amounts);
            let void = allocate_tax(Yen(-tax), &negated);
            prop_assert_eq!(void, sale.iter().map(|s| Yen(-s.0)).collect::<Vec<_>>());
        }

        /// Over many receipts, each facility's tax at a rate is the sum of its shares, and the
        /// facilities' tax per rate is the receipts' stated tax per rate exactly.
        #[test]
        fn receipts_tax_ties_out_per_rate(
            receipts in prop::collection::vec(
                (prop::collection::btree_map((1i64..5, any::<bool>()), 1i64..50_000, 1..6), any::<bool>(), prop_oneof![Just(RoundingMode::Down), Just(RoundingMode::HalfUp), Just(RoundingMode::Up)]),
                0..40),
        ) {
            let mut rows = Vec::new();
            let mut stated: BTreeMap<TaxRate, i64> = BTreeMap::new();
            for (n, (lines, reversal, mode)) in receipts.iter().enumerate() {
                let sign = if *reversal { -1 } else { 1 };
                for rate in TaxRate::ALL {
                    let of_rate: Vec<(i64, i64)> = lines
                        .iter()
                        .filter(|((_, standard), _)| (rate == TaxRate::Standard) == *standard)
                        .map(|((facility, _), amount)| (*facility, sign * amount))
                        .collect();
                    let total: i64 = of_rate.iter().map(|(_, a)| a).sum();
                    if of_rate.is_empty() {
                        continue;
                    }
                    let tax = rate.included_tax(Yen(total), *mode);
                    *stated.entry(rate).or_default() += tax.0;
                    for (facility, amount) in of_rate {
                        rows.push((n, ReceiptShare { facility_id: facility, rate, amount: Yen(amount), receipt_tax: tax }));
                    }
                }
            }
            let allocated = allocate_receipt_taxes(rows);
            for rate in TaxRate::ALL {
                let sum: i64 = allocated.iter().filter(|((_, r), _)| *r == rate).map(|(_, t)| t.0).sum();
                prop_assert_eq!(sum, stated.get(&rate).copied().unwrap_or(0));
            }
        }
    }
}
