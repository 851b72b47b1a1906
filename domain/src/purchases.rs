//! 共同購入: the council buys for its member facilities. A purchase round (e.g. 消毒用アルコール
//! 5 L × N) names the item, its unit price and an order deadline; each facility orders its
//! quantity until the deadline; then the council orders the total from the supplier, bills each
//! facility (a qualified invoice from the council, 適格請求書, one per facility and round, or a
//! statement per facility and month), records payments and lists who still owes.
//!
//! The council is the seller here: its invoices use the joint orders' arithmetic
//! ([`crate::orders::invoice_figures`]: tax once per rate per invoice). Unit prices are tax
//! included, as everywhere in selpos.

use crate::Yen;
use crate::orders::{InvoiceFigures, InvoiceLine, Payment, invoice_figures, line_amount, text};
use crate::tax::{RoundingMode, TaxRate};
use crate::validation::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[cfg(test)]
mod tests;

/// The most one facility orders in a round.
pub const MAX_QUANTITY: i64 = 100_000;
/// The highest unit price (tax included).
pub const MAX_UNIT_PRICE: Yen = Yen(10_000_000);
/// The most facilities one request sets.
pub const MAX_ORDERS: usize = 500;

/// Where a round is. `Open` rounds take orders until their deadline; past it they read as
/// `Closed` even before anyone closes them by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RoundStatus {
    /// 受付中
    Open,
    /// 締切 (at the deadline, or by hand)
    Closed,
    /// 請求済: one bill per facility
    Billed,
    /// 完了: every bill paid
    Done,
    /// 中止 (with a reason), before billing
    Cancelled,
}

impl RoundStatus {
    pub const ALL: [RoundStatus; 5] = [
        RoundStatus::Open,
        RoundStatus::Closed,
        RoundStatus::Billed,
        RoundStatus::Done,
        RoundStatus::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RoundStatus::Open => "open",
            RoundStatus::Closed => "closed",
            RoundStatus::Billed => "billed",
            RoundStatus::Done => "done",
            RoundStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<RoundStatus> {
        RoundStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            RoundStatus::Open => "受付中",
            RoundStatus::Closed => "締切",
            RoundStatus::Billed => "請求済",
            RoundStatus::Done => "完了",
            RoundStatus::Cancelled => "中止",
        }
    }

    /// The status as it reads at `now`: an open round past its deadline is closed.
    pub fn at(self, deadline: DateTime<Utc>, now: DateTime<Utc>) -> RoundStatus {
        if self == RoundStatus::Open && now >= deadline {
            RoundStatus::Closed
        } else {
            self
        }
    }
}

/// A round as the council enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundInput {
    /// 件名, e.g. 令和8年度 消毒用アルコール共同購入.
    pub title: String,
    /// 品名, e.g. 消毒用アルコール 5L.
    pub item_name: String,
    /// 単位, e.g. 本.
    pub unit: String,
    /// Tax included (税込単価).
    pub unit_price: Yen,
    pub tax_rate: TaxRate,
    /// 注文締切: an instant with its offset, e.g. `2026-12-10T17:00:00+09:00` (shown in Tokyo).
    pub deadline: DateTime<Utc>,
    /// 仕入先.
    #[serde(default)]
    pub supplier: String,
    #[serde(default)]
    pub note: String,
}

impl RoundInput {
    /// Trimmed, every field checked at once; the deadline must be after `now`.
    pub fn validated(&self, now: DateTime<Utc>) -> Result<RoundInput, FieldErrors> {
        let mut e = FieldErrors::default();
        text(&mut e, "title", &self.title, 100, true, "件名");
        text(&mut e, "item_name", &self.item_name, 100, true, "品名");
        text(&mut e, "unit", &self.unit, 10, true, "単位");
        text(&mut e, "supplier", &self.supplier, 100, false, "仕入先");
        text(&mut e, "note", &self.note, 500, false, "備考");
        for (field, value) in [
            ("title", &self.title),
            ("item_name", &self.item_name),
            ("unit", &self.unit),
            ("supplier", &self.supplier),
        ] {
            if value.chars().any(char::is_control) {
                e.add(field, "invalid", "改行や制御文字は使えません");
            }
        }
        if !(1..=MAX_UNIT_PRICE.0).contains(&self.unit_price.0) {
            e.add(
                "unit_price",
                "out_of_range",
                format!("単価は1円〜{}円で入力してください", MAX_UNIT_PRICE.0),
            );
        }
        if self.deadline <= now {
            e.add("deadline", "past", "締切は今より後の日時にしてください");
        } else if self.deadline > now + chrono::TimeDelta::days(366) {
            e.add("deadline", "out_of_range", "締切は1年以内の日時にしてください");
        }
        e.into_result(RoundInput {
            title: self.title.trim().to_string(),
            item_name: self.item_name.trim().to_string(),
            unit: self.unit.trim().to_string(),
            supplier: self.supplier.trim().to_string(),
            note: self.note.trim().to_string(),
            ..self.clone()
        })
    }
}

/// One facility's quantity in a round; 0 withdraws its order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLineInput {
    pub facility_id: i64,
    pub quantity: i64,
}

/// Quantities for some facilities (facility staff: their own only); others stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrdersInput {
    pub orders: Vec<OrderLineInput>,
}

impl OrdersInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        if self.orders.is_empty() || self.orders.len() > MAX_ORDERS {
            e.add(
                "orders",
                "count",
                format!("注文は1〜{MAX_ORDERS}件で送ってください"),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, o) in self.orders.iter().enumerate() {
            if o.facility_id <= 0 {
                e.add(
                    format!("orders[{i}].facility_id"),
                    "required",
                    "事業所を選んでください",
                );
            } else if !seen.insert(o.facility_id) {
                e.add(
                    format!("orders[{i}].facility_id"),
                    "duplicate",
                    "同じ事業所が2回あります",
                );
            }
            if !(0..=MAX_QUANTITY).contains(&o.quantity) {
                e.add(
                    format!("orders[{i}].quantity"),
                    "out_of_range",
                    format!("数量は0〜{MAX_QUANTITY}で入力してください(0で取り消し)"),
                );
            }
        }
        e.into_result(())
    }
}

/// 中止: a reason is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelInput {
    pub reason: String,
}

impl CancelInput {
    pub fn validated(&self) -> Result<String, FieldErrors> {
        let mut e = FieldErrors::default();
        text(&mut e, "reason", &self.reason, 200, true, "中止の理由");
        e.into_result(self.reason.trim().to_string())
    }
}

/// 請求: the day on the bills (today in Tokyo when not given).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillInput {
    #[serde(default)]
    pub issued_on: Option<NaiveDate>,
}

/// One facility's order in a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundOrder {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub quantity: i64,
    /// quantity × unit price (tax included).
    pub amount: Yen,
    pub updated_at: DateTime<Utc>,
}

/// 請求: one facility's bill for one round, with its payments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bill {
    pub id: i64,
    /// 請求書番号, e.g. `GP-3-10` (round 3, facility number 10).
    pub number: String,
    pub round_id: i64,
    pub round_title: String,
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub item_name: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_price: Yen,
    pub tax_rate: TaxRate,
    /// Tax included.
    pub amount: Yen,
    /// The tax in `amount`, rounded once for the bill (the council's rounding).
    pub tax: Yen,
    pub issued_on: NaiveDate,
    pub payments: Vec<Payment>,
    pub paid: Yen,
    pub balance: Yen,
}

impl Bill {
    /// The bill's line on an invoice from the council (a registered issuer when `qualified`).
    pub fn invoice_line(&self, qualified: bool) -> InvoiceLine {
        InvoiceLine {
            item_id: self.round_id,
            description: self.item_name.clone(),
            unit: self.unit.clone(),
            quantity: self.quantity,
            unit_price: self.unit_price,
            tax_rate: self.tax_rate,
            reduced_mark: self.tax_rate == TaxRate::Reduced,
            amount: self.amount,
            facility_id: self.facility_id,
            facility_name: self.facility_name.clone(),
            qualified,
        }
    }
}

/// A round with its orders and (once billed) bills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Round {
    pub id: i64,
    pub title: String,
    pub item_name: String,
    pub unit: String,
    pub unit_price: Yen,
    pub tax_rate: TaxRate,
    pub deadline: DateTime<Utc>,
    /// The deadline in Tokyo, e.g. `2026年12月10日 17:00`.
    pub deadline_ja: String,
    pub supplier: String,
    pub note: String,
    /// As it reads now ([`RoundStatus::at`]).
    pub status: RoundStatus,
    /// The reason it was cancelled.
    pub status_reason: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub billed_on: Option<NaiveDate>,
    /// Every facility's order (facility staff: their own only).
    pub orders: Vec<RoundOrder>,
    /// 発注数: what the council orders from the supplier (facility staff: their own).
    pub total_quantity: i64,
    pub total_amount: Yen,
    pub bills: Vec<Bill>,
    pub billed: Yen,
    pub paid: Yen,
    pub balance: Yen,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Round {
    /// What facility staff see: their own order and bill, their own totals.
    pub fn as_seen_by_facility(mut self, facility_id: i64) -> Round {
        self.orders.retain(|o| o.facility_id == facility_id);
        self.bills.retain(|b| b.facility_id == facility_id);
        let totals = Totals::of(&self.orders);
        self.total_quantity = totals.quantity;
        self.total_amount = totals.amount;
        let unpaid = UnpaidList::of(self.bills.clone());
        self.billed = unpaid.billed;
        self.paid = unpaid.paid;
        self.balance = unpaid.balance;
        self
    }
}

/// The figures that add a round's orders up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub quantity: i64,
    pub amount: Yen,
}

impl Totals {
    pub fn of(orders: &[RoundOrder]) -> Totals {
        orders.iter().fold(Totals::default(), |t, o| Totals {
            quantity: t.quantity.saturating_add(o.quantity),
            amount: Yen(t.amount.0.saturating_add(o.amount.0)),
        })
    }
}

/// A facility's order amount: quantity × unit price (bounded inputs never overflow).
pub fn order_amount(quantity: i64, unit_price: Yen) -> Yen {
    line_amount(quantity, unit_price).unwrap_or(Yen(i64::MAX))
}

/// What a new bill says: its amount, and its tax rounded once over the bill.
pub fn bill_figures(quantity: i64, unit_price: Yen, rate: TaxRate, rounding: RoundingMode) -> (Yen, Yen) {
    let amount = order_amount(quantity, unit_price);
    (amount, rate.included_tax(amount, rounding))
}

/// The bill's number: the round, then the facility's number.
pub fn bill_number(round_id: i64, facility_number: i64) -> String {
    format!("GP-{round_id}-{facility_number}")
}

/// One facility's part of the unpaid list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityBalance {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub billed: Yen,
    pub paid: Yen,
    pub balance: Yen,
    /// The bills with something still owed, by number.
    pub bills: Vec<String>,
}

/// 未収一覧: who still owes what (billed less paid per facility).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnpaidList {
    /// Facilities that still owe, by facility number.
    pub facilities: Vec<FacilityBalance>,
    /// The unpaid bills, oldest first.
    pub bills: Vec<Bill>,
    /// Of every bill considered, paid or not.
    pub billed: Yen,
    pub paid: Yen,
    pub balance: Yen,
}

impl UnpaidList {
    /// From the bills (paid ones count in the totals, not in the lists).
    pub fn of(bills: Vec<Bill>) -> UnpaidList {
        let mut per: BTreeMap<(i64, i64), FacilityBalance> = BTreeMap::new();
        let (mut billed, mut paid) = (0i64, 0i64);
        for b in &bills {
            billed = billed.saturating_add(b.amount.0);
            paid = paid.saturating_add(b.paid.0);
            let f = per
                .entry((b.facility_number, b.facility_id))
                .or_insert_with(|| FacilityBalance {
                    facility_id: b.facility_id,
                    facility_number: b.facility_number,
                    facility_name: b.facility_name.clone(),
                    billed: Yen(0),
                    paid: Yen(0),
                    balance: Yen(0),
                    bills: Vec::new(),
                });
            f.billed = Yen(f.billed.0.saturating_add(b.amount.0));
            f.paid = Yen(f.paid.0.saturating_add(b.paid.0));
            f.balance = Yen(f.billed.0 - f.paid.0);
            if b.balance.0 > 0 {
                f.bills.push(b.number.clone());
            }
        }
        let mut unpaid: Vec<Bill> = bills.into_iter().filter(|b| b.balance.0 > 0).collect();
        unpaid.sort_by(|a, b| {
            (a.issued_on, a.round_id, a.facility_number).cmp(&(b.issued_on, b.round_id, b.facility_number))
        });
        UnpaidList {
            facilities: per.into_values().filter(|f| f.balance.0 > 0).collect(),
            bills: unpaid,
            billed: Yen(billed),
            paid: Yen(paid),
            balance: Yen(billed - paid),
        }
    }
}

/// The bill's paid total and balance from its payments.
pub fn settle(bill: &mut Bill) {
    bill.paid = Yen(bill.payments.iter().map(|p| p.amount.0).sum());
    bill.balance = Yen(bill.amount.0 - bill.paid.0);
}

/// The rule printed on the council's invoices.
pub const PURCHASE_INVOICE_TAX_JA: &str = "単価・金額は税込です。消費税額は税率ごとの合計額×税率/(100+税率)で、請求書ごとに税率ごとに1回だけ端数処理しています。";

/// 請求書 from the council to one facility: one round's bill, or every bill of a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseInvoice {
    /// 請求書番号: the bill's number, or `GP-{facility number}-{YYYYMM}` for a month.
    pub number: String,
    pub title: String,
    /// 宛名: the facility.
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub issuer_name: String,
    pub issuer_address: String,
    pub issuer_phone: String,
    /// 振込先: the council's bank account (its settings).
    #[serde(default)]
    pub bank_account: String,
    /// The council's T-number; none: not a qualified invoice.
    pub registration_number: Option<String>,
    pub qualified: bool,
    pub issued_on: NaiveDate,
    pub tax_rounding: RoundingMode,
    /// Per-rate totals and tax once per rate ([`invoice_figures`]).
    pub figures: InvoiceFigures,
    /// The bills it covers.
    pub bills: Vec<String>,
    pub paid: Yen,
    pub balance: Yen,
    pub note: String,
}

/// The council as issuer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Issuer {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub bank_account: String,
    pub registration_number: Option<String>,
    pub rounding: RoundingMode,
}

impl PurchaseInvoice {
    /// The invoice of `bills` (all to one facility; at least one).
    pub fn of(
        number: String,
        title: String,
        issued_on: NaiveDate,
        issuer: &Issuer,
        bills: &[Bill],
    ) -> Option<PurchaseInvoice> {
        let first = bills.first()?;
        let qualified = issuer.registration_number.is_some();
        let figures = invoice_figures(
            bills.iter().map(|b| b.invoice_line(qualified)).collect(),
            issuer.rounding,
        );
        let paid = Yen(bills.iter().map(|b| b.paid.0).sum());
        Some(PurchaseInvoice {
            number,
            title,
            facility_id: first.facility_id,
            facility_number: first.facility_number,
            facility_name: first.facility_name.clone(),
            issuer_name: issuer.name.clone(),
            issuer_address: issuer.address.clone(),
            issuer_phone: issuer.phone.clone(),
            bank_account: issuer.bank_account.clone(),
            registration_number: issuer.registration_number.clone(),
            qualified,
            issued_on,
            tax_rounding: issuer.rounding,
            balance: Yen(figures.total.0 - paid.0),
            figures,
            bills: bills.iter().map(|b| b.number.clone()).collect(),
            paid,
            note: PURCHASE_INVOICE_TAX_JA.to_string(),
        })
    }
}

/// The Tokyo wall-clock label of an instant: `2026年12月10日 17:00`.
pub fn tokyo_label(at: DateTime<Utc>) -> String {
    (at + chrono::TimeDelta::hours(9))
        .format("%Y年%m月%d日 %H:%M")
        .to_string()
}
