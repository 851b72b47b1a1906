//! 共同受注窓口 (joint orders): a buyer's order split across facilities, delivered, invoiced,
//! paid, and paid out to each facility less the council's fee. The sibling of [`crate::events`]:
//! statuses and their moves, the allocation (割り振り) and its checks, the suggestion from
//! declared capacity and past share, the invoice's per-rate totals (tax once per rate per
//! invoice, as receipts do), each facility's payable with the council's fee (the events'
//! [`commission`] and [`fee_tax`]), and the monthly payout statement.
//!
//! Prices are tax-included (税込), as everywhere in selpos; the invoice states the tax
//! contained per rate ([`TaxRate::included_tax`]).

use crate::Yen;
use crate::events::CommissionRule;
use crate::sales::cart::RateTotal;
use crate::settlement::{Adjustment, FEE_TAX_JA, FEE_TAX_RATE, commission, fee_tax};
use crate::tax::{RoundingMode, TaxRate};
use crate::validation::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[cfg(test)]
mod tests;

/// Who orders: the prefecture's report splits government (官公需) from private buyers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BuyerKind {
    /// 官公庁 (優先調達推進法の対象).
    Government,
    /// 民間企業.
    Company,
    /// その他 (学校、団体、個人…).
    Other,
}

impl BuyerKind {
    pub const ALL: [BuyerKind; 3] = [BuyerKind::Government, BuyerKind::Company, BuyerKind::Other];

    pub fn code(self) -> &'static str {
        match self {
            BuyerKind::Government => "government",
            BuyerKind::Company => "company",
            BuyerKind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<BuyerKind> {
        BuyerKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            BuyerKind::Government => "官公庁",
            BuyerKind::Company => "企業",
            BuyerKind::Other => "その他",
        }
    }

    /// Government buyers are counted apart in the prefecture's report; the rest are private.
    pub fn is_government(self) -> bool {
        self == BuyerKind::Government
    }
}

/// Where an order is: 引合い → 見積 → 受注 → 納品済 → 請求済 → 入金済 → 支払済, or 失注 / 取消.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrderStatus {
    Enquiry,
    Quoted,
    Ordered,
    Delivered,
    Invoiced,
    Paid,
    PaidOut,
    Lost,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 9] = [
        OrderStatus::Enquiry,
        OrderStatus::Quoted,
        OrderStatus::Ordered,
        OrderStatus::Delivered,
        OrderStatus::Invoiced,
        OrderStatus::Paid,
        OrderStatus::PaidOut,
        OrderStatus::Lost,
        OrderStatus::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrderStatus::Enquiry => "enquiry",
            OrderStatus::Quoted => "quoted",
            OrderStatus::Ordered => "ordered",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Invoiced => "invoiced",
            OrderStatus::Paid => "paid",
            OrderStatus::PaidOut => "paid_out",
            OrderStatus::Lost => "lost",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            OrderStatus::Enquiry => "引合い",
            OrderStatus::Quoted => "見積",
            OrderStatus::Ordered => "受注",
            OrderStatus::Delivered => "納品済",
            OrderStatus::Invoiced => "請求済",
            OrderStatus::Paid => "入金済",
            OrderStatus::PaidOut => "支払済",
            OrderStatus::Lost => "失注",
            OrderStatus::Cancelled => "取消",
        }
    }

    /// 失注 and 取消 end an order and need a reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, OrderStatus::Lost | OrderStatus::Cancelled)
    }

    /// Before 受注: the order's contents (buyer, items, fee) may still change.
    pub fn editable(self) -> bool {
        matches!(self, OrderStatus::Enquiry | OrderStatus::Quoted)
    }

    /// The desk may (re)allocate shares until the goods are delivered.
    pub fn allocatable(self) -> bool {
        matches!(
            self,
            OrderStatus::Enquiry | OrderStatus::Quoted | OrderStatus::Ordered
        )
    }

    /// Counted as received through the desk (the prefecture's report, the wage feed).
    pub fn received(self) -> bool {
        matches!(
            self,
            OrderStatus::Ordered
                | OrderStatus::Delivered
                | OrderStatus::Invoiced
                | OrderStatus::Paid
                | OrderStatus::PaidOut
        )
    }

    /// Whether staff may move the order from `self` to `next` by hand. 入金済 follows the
    /// payments and 支払済 the payout, never a bare status change; 支払済, 失注 and 取消 are final.
    pub fn may_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Enquiry, Quoted)
                | (Enquiry | Quoted, Ordered)
                | (Ordered, Delivered)
                | (Delivered, Invoiced)
                | (Enquiry | Quoted, Lost)
                | (Enquiry | Quoted | Ordered | Delivered, Cancelled)
        )
    }
}

/// A share's answer from its facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ShareStatus {
    /// Set by the desk; the facility has not answered.
    Proposed,
    Confirmed,
    /// Back to the desk, with the facility's reason.
    Declined,
}

impl ShareStatus {
    pub fn code(self) -> &'static str {
        match self {
            ShareStatus::Proposed => "proposed",
            ShareStatus::Confirmed => "confirmed",
            ShareStatus::Declined => "declined",
        }
    }

    pub fn from_code(code: &str) -> Option<ShareStatus> {
        [
            ShareStatus::Proposed,
            ShareStatus::Confirmed,
            ShareStatus::Declined,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            ShareStatus::Proposed => "確認待ち",
            ShareStatus::Confirmed => "引受け",
            ShareStatus::Declined => "辞退",
        }
    }
}

/// The largest quantity of one item (1千万).
pub const MAX_QUANTITY: i64 = 10_000_000;
/// The largest unit price (1億円), so that quantity × price and every sum fit comfortably.
pub const MAX_UNIT_PRICE: Yen = Yen(100_000_000);
/// The most items on one order.
pub const MAX_ITEMS: usize = 100;
/// The most delivery dates/places on one order.
pub const MAX_DELIVERIES: usize = 20;
/// The largest payment (10億円).
pub const MAX_PAYMENT: Yen = Yen(1_000_000_000);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Buyer {
    pub name: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub contact: String,
    pub kind: BuyerKind,
    /// 請求書の宛名 (when it differs from the buyer's name; empty: the buyer's name).
    #[serde(default)]
    pub invoice_recipient: String,
}

/// 納期と納入場所.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub on: NaiveDate,
    pub place: String,
}

/// An item as sent: goods of a facility's catalogue (`product_id`) or free-text work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemInput {
    /// An existing item of this order, kept with its shares; none: a new item.
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub product_id: Option<i64>,
    /// 品名・作業内容.
    pub description: String,
    /// 単位 (個, 箱, 件, 時間, …).
    pub unit: String,
    pub quantity: i64,
    /// Tax included.
    pub unit_price: Yen,
    pub tax_rate: TaxRate,
}

/// A facility's own fee on this order (like an event participant's commission override).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeeOverride {
    pub facility_id: i64,
    pub fee: CommissionRule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderInput {
    /// 件名.
    pub subject: String,
    pub buyer: Buyer,
    /// 支払条件 (e.g. 納品後30日以内).
    #[serde(default)]
    pub payment_terms: String,
    #[serde(default)]
    pub deliveries: Vec<Delivery>,
    pub items: Vec<ItemInput>,
    /// The council's fee on each facility's part (percent or fixed per facility).
    pub fee: CommissionRule,
    #[serde(default)]
    pub fee_overrides: Vec<FeeOverride>,
    #[serde(default)]
    pub note: String,
}

pub(crate) fn text(e: &mut FieldErrors, field: &str, value: &str, max: usize, required: bool, label: &str) {
    let n = value.trim().chars().count();
    if required && n == 0 {
        e.add(field, "required", format!("{label}を入力してください"));
    } else if n > max {
        e.add(
            field,
            "too_long",
            format!("{label}は{max}文字以内で入力してください"),
        );
    }
}

/// Checks a fee rule: a percentage within 0–100%, a fixed fee within 0–1億円.
pub fn check_fee(e: &mut FieldErrors, field: &str, fee: CommissionRule) {
    match fee {
        CommissionRule::Percent { basis_points } if !(0..=10_000).contains(&basis_points) => {
            e.add(field, "out_of_range", "手数料率は0%〜100%で入力してください");
        }
        CommissionRule::Fixed { yen } if !(0..=MAX_UNIT_PRICE.0).contains(&yen.0) => {
            e.add(
                field,
                "out_of_range",
                "定額の手数料は0円〜1億円で入力してください",
            );
        }
        _ => {}
    }
}

impl OrderInput {
    /// Every problem of the input at once; answers it trimmed.
    pub fn validated(&self) -> Result<OrderInput, FieldErrors> {
        let mut e = FieldErrors::default();
        text(&mut e, "subject", &self.subject, 200, true, "件名");
        text(&mut e, "buyer.name", &self.buyer.name, 200, true, "発注者名");
        text(
            &mut e,
            "buyer.department",
            &self.buyer.department,
            200,
            false,
            "部署",
        );
        text(&mut e, "buyer.contact", &self.buyer.contact, 200, false, "連絡先");
        text(
            &mut e,
            "buyer.invoice_recipient",
            &self.buyer.invoice_recipient,
            200,
            false,
            "請求書の宛名",
        );
        text(
            &mut e,
            "payment_terms",
            &self.payment_terms,
            200,
            false,
            "支払条件",
        );
        text(&mut e, "note", &self.note, 2000, false, "備考");
        if self.deliveries.len() > MAX_DELIVERIES {
            e.add(
                "deliveries",
                "too_many",
                format!("納期・納入場所は{MAX_DELIVERIES}件までです"),
            );
        }
        for (i, d) in self.deliveries.iter().enumerate() {
            text(
                &mut e,
                &format!("deliveries[{i}].place"),
                &d.place,
                200,
                true,
                "納入場所",
            );
        }
        if self.items.is_empty() {
            e.add("items", "required", "品目を1つ以上入力してください");
        } else if self.items.len() > MAX_ITEMS {
            e.add("items", "too_many", format!("品目は{MAX_ITEMS}件までです"));
        }
        let mut ids = BTreeSet::new();
        for (i, item) in self.items.iter().enumerate() {
            let f = |name: &str| format!("items[{i}].{name}");
            text(
                &mut e,
                &f("description"),
                &item.description,
                200,
                true,
                "品名・作業内容",
            );
            text(&mut e, &f("unit"), &item.unit, 20, true, "単位");
            if !(1..=MAX_QUANTITY).contains(&item.quantity) {
                e.add(
                    f("quantity"),
                    "out_of_range",
                    "数量は1〜10,000,000で入力してください",
                );
            }
            if !(0..=MAX_UNIT_PRICE.0).contains(&item.unit_price.0) {
                e.add(
                    f("unit_price"),
                    "out_of_range",
                    "単価は0円〜1億円で入力してください",
                );
            }
            if let Some(id) = item.id
                && !ids.insert(id)
            {
                e.add(f("id"), "duplicate", "同じ品目が2回あります");
            }
        }
        check_fee(&mut e, "fee", self.fee);
        check_overrides(&mut e, &self.fee_overrides);
        let trimmed = OrderInput {
            subject: self.subject.trim().to_string(),
            buyer: Buyer {
                name: self.buyer.name.trim().to_string(),
                department: self.buyer.department.trim().to_string(),
                contact: self.buyer.contact.trim().to_string(),
                kind: self.buyer.kind,
                invoice_recipient: self.buyer.invoice_recipient.trim().to_string(),
            },
            payment_terms: self.payment_terms.trim().to_string(),
            deliveries: self
                .deliveries
                .iter()
                .map(|d| Delivery {
                    on: d.on,
                    place: d.place.trim().to_string(),
                })
                .collect(),
            items: self
                .items
                .iter()
                .map(|i| ItemInput {
                    description: i.description.trim().to_string(),
                    unit: i.unit.trim().to_string(),
                    ..i.clone()
                })
                .collect(),
            fee: self.fee,
            fee_overrides: self.fee_overrides.clone(),
            note: self.note.trim().to_string(),
        };
        e.into_result(trimmed)
    }
}

/// A status change by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusInput {
    pub status: OrderStatus,
    /// Required for 失注 and 取消.
    #[serde(default)]
    pub reason: String,
    /// The day of the change (受注日, 納品日, 請求日); default: today in Japan.
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

impl StatusInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        text(
            &mut e,
            "reason",
            &self.reason,
            200,
            self.status.needs_reason(),
            "理由",
        );
        e.into_result(())
    }
}

/// One facility's share of one item, as the desk sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareInput {
    pub item_id: i64,
    pub facility_id: i64,
    pub quantity: i64,
}

/// The whole allocation of an order (replaces the one stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationInput {
    pub shares: Vec<ShareInput>,
}

impl AllocationInput {
    /// Shape checks: positive quantities, one row per item and facility, at most the item's
    /// quantity. Which items and facilities exist is the use case's to check.
    pub fn validated(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        let mut seen = BTreeSet::new();
        if self.shares.len() > MAX_ITEMS * 50 {
            e.add("shares", "too_many", "割り振りが多すぎます");
        }
        for (i, s) in self.shares.iter().enumerate() {
            if !(1..=MAX_QUANTITY).contains(&s.quantity) {
                e.add(
                    format!("shares[{i}].quantity"),
                    "out_of_range",
                    "割り振り数は1〜10,000,000で入力してください",
                );
            }
            if !seen.insert((s.item_id, s.facility_id)) {
                e.add(
                    format!("shares[{i}].facility_id"),
                    "duplicate",
                    "同じ品目に同じ事業所が2回あります。1行にまとめてください",
                );
            }
        }
        e.into_result(())
    }
}

/// A facility's answer to its share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Answer {
    Confirm,
    Decline,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswerInput {
    pub answer: Answer,
    /// Required when declining.
    #[serde(default)]
    pub reason: String,
}

impl AnswerInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        text(
            &mut e,
            "reason",
            &self.reason,
            200,
            self.answer == Answer::Decline,
            "辞退の理由",
        );
        e.into_result(())
    }
}

/// 入金: a payment received (partial payments add up). `id` makes a retried request the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentInput {
    pub id: uuid::Uuid,
    pub received_on: NaiveDate,
    pub amount: Yen,
    #[serde(default)]
    pub note: String,
}

impl PaymentInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        if !(1..=MAX_PAYMENT.0).contains(&self.amount.0) {
            e.add("amount", "out_of_range", "入金額は1円〜10億円で入力してください");
        }
        text(&mut e, "note", &self.note, 200, false, "備考");
        e.into_result(())
    }
}

/// The council's fee on an order, changeable until the facilities are paid (as an event's
/// commission is until it is settled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeeInput {
    pub fee: CommissionRule,
    #[serde(default)]
    pub fee_overrides: Vec<FeeOverride>,
}

impl FeeInput {
    pub fn validated(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        check_fee(&mut e, "fee", self.fee);
        check_overrides(&mut e, &self.fee_overrides);
        e.into_result(())
    }
}

fn check_overrides(e: &mut FieldErrors, overrides: &[FeeOverride]) {
    let mut facilities = BTreeSet::new();
    for (i, o) in overrides.iter().enumerate() {
        check_fee(e, &format!("fee_overrides[{i}].fee"), o.fee);
        if !facilities.insert(o.facility_id) {
            e.add(
                format!("fee_overrides[{i}].facility_id"),
                "duplicate",
                "同じ事業所の手数料が2回あります",
            );
        }
    }
}

/// The day a status is reached may not come before the one reached before it (受注日 ≤ 納品日
/// ≤ 請求日; 入金日 ≤ 支払日).
pub fn check_day(previous: Option<NaiveDate>, day: NaiveDate, field: &str) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::default();
    if let Some(previous) = previous
        && day < previous
    {
        e.add(
            field,
            "out_of_range",
            format!("{previous}より前の日付にはできません"),
        );
    }
    e.into_result(())
}

/// 支払: the council pays every facility its part; the order is locked from then on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutInput {
    pub paid_out_on: NaiveDate,
}

/// 能力の申告: what a facility can make of an item (a product, or work named as on orders)
/// in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapacityInput {
    pub facility_id: i64,
    #[serde(default)]
    pub product_id: Option<i64>,
    /// The work or goods as orders name them (ignored for matching when `product_id` is set).
    #[serde(default)]
    pub work: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub quantity: i64,
}

impl CapacityInput {
    pub fn validated(&self) -> Result<CapacityInput, FieldErrors> {
        let mut e = FieldErrors::default();
        text(
            &mut e,
            "work",
            &self.work,
            200,
            self.product_id.is_none(),
            "品名・作業内容",
        );
        if self.ends_on < self.starts_on {
            e.add(
                "ends_on",
                "out_of_range",
                "期間の終わりは始まり以降にしてください",
            );
        }
        if !(0..=MAX_QUANTITY).contains(&self.quantity) {
            e.add(
                "quantity",
                "out_of_range",
                "数量は0〜10,000,000で入力してください",
            );
        }
        e.into_result(CapacityInput {
            work: self.work.trim().to_string(),
            ..self.clone()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Capacity {
    pub id: i64,
    pub facility_id: i64,
    pub facility_name: String,
    pub product_id: Option<i64>,
    pub work: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub quantity: i64,
}

/// The key matching an item to declared capacities and past shares: the product, else the
/// work's name without spaces.
pub fn work_key(product_id: Option<i64>, description: &str) -> String {
    match product_id {
        Some(id) => format!("product:{id}"),
        None => format!(
            "work:{}",
            description
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// The order as the API shows it.

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Share {
    pub id: i64,
    pub item_id: i64,
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub quantity: i64,
    pub status: ShareStatus,
    /// The facility's reason when declined.
    pub reason: String,
    /// quantity × unit price (tax included).
    pub amount: Yen,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    pub id: i64,
    pub product_id: Option<i64>,
    pub description: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_price: Yen,
    pub tax_rate: TaxRate,
    /// quantity × unit price.
    pub amount: Yen,
    /// The shares the caller may see (facility staff: their own only).
    pub shares: Vec<Share>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub id: String,
    pub received_on: NaiveDate,
    pub amount: Yen,
    pub note: String,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// One problem of an allocation: why the order cannot be marked 受注 yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationProblem {
    pub item_id: i64,
    /// `short`, `over`, `declined`.
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub id: i64,
    pub subject: String,
    pub buyer: Buyer,
    pub payment_terms: String,
    pub deliveries: Vec<Delivery>,
    pub items: Vec<Item>,
    pub fee: CommissionRule,
    pub fee_overrides: Vec<FeeOverride>,
    pub note: String,
    pub status: OrderStatus,
    /// Why it was lost or cancelled.
    pub status_reason: String,
    pub ordered_on: Option<NaiveDate>,
    pub delivered_on: Option<NaiveDate>,
    pub invoiced_on: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
    pub paid_out_on: Option<NaiveDate>,
    /// The order's total (tax included). Facility staff: their shares' total.
    pub total: Yen,
    /// Payments received so far (the council only; zero for facility staff).
    pub paid: Yen,
    pub payments: Vec<Payment>,
    /// What stops 受注 (the desk's to fix); empty when every item is allocated.
    pub allocation_problems: Vec<AllocationProblem>,
    /// Each facility's part, fee and payable (facility staff: their own).
    pub payables: Vec<FacilityPayable>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Order {
    /// What facility staff of `facility_id` see: their own shares (items' quantities and amounts
    /// are theirs), fee and payable; no other facility's shares, the buyer's payments or the
    /// order's total.
    pub fn as_seen_by_facility(mut self, facility_id: i64) -> Order {
        for item in &mut self.items {
            item.shares.retain(|s| s.facility_id == facility_id);
            // The item's quantity and amount become the facility's own: the whole would tell
            // what the other facilities make.
            item.quantity = item.shares.iter().map(|s| s.quantity).sum();
            item.amount = Yen(item.shares.iter().map(|s| s.amount.0).sum());
        }
        self.items.retain(|i| !i.shares.is_empty());
        self.fee_overrides.retain(|o| o.facility_id == facility_id);
        self.payables.retain(|p| p.facility_id == facility_id);
        self.total = Yen(self
            .items
            .iter()
            .flat_map(|i| &i.shares)
            .map(|s| s.amount.0)
            .sum());
        self.paid = Yen::ZERO;
        self.payments.clear();
        self.allocation_problems.clear();
        self
    }
}

/// quantity × unit price, refused past i64 (inputs are bounded so it never is).
pub fn line_amount(quantity: i64, unit_price: Yen) -> Option<Yen> {
    unit_price.checked_mul(quantity)
}

/// The allocation's problems: each item's shares must add up to its quantity, none declined.
pub fn allocation_problems(items: &[Item]) -> Vec<AllocationProblem> {
    let mut problems = Vec::new();
    for item in items {
        let active: i64 = item
            .shares
            .iter()
            .filter(|s| s.status != ShareStatus::Declined)
            .map(|s| s.quantity)
            .sum();
        if let Some(declined) = item.shares.iter().find(|s| s.status == ShareStatus::Declined) {
            problems.push(AllocationProblem {
                item_id: item.id,
                code: "declined".into(),
                message: format!(
                    "「{}」の{}の分({}{})は辞退されました。割り振り直してください",
                    item.description, declined.facility_name, declined.quantity, item.unit
                ),
            });
        }
        if active < item.quantity {
            problems.push(AllocationProblem {
                item_id: item.id,
                code: "short".into(),
                message: format!(
                    "「{}」は{}{}のうち{}{}しか割り振られていません",
                    item.description, item.quantity, item.unit, active, item.unit
                ),
            });
        } else if active > item.quantity {
            problems.push(AllocationProblem {
                item_id: item.id,
                code: "over".into(),
                message: format!(
                    "「{}」の割り振り({}{})が数量({}{})を超えています",
                    item.description, active, item.unit, item.quantity, item.unit
                ),
            });
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// 割り振りの提案.

/// What the suggestion knows of one facility for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub facility_id: i64,
    pub facility_name: String,
    /// Declared capacity for the period (Σ of its declarations), if any.
    pub capacity: Option<i64>,
    /// Quantity of this item (product or work) the facility took on in past orders.
    pub past_quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestedShare {
    pub facility_id: i64,
    pub facility_name: String,
    pub quantity: i64,
    pub capacity: Option<i64>,
    pub past_quantity: i64,
    /// Past share in tenths of a percent of the item's past quantity (all facilities).
    pub past_share_permille: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemSuggestion {
    pub item_id: i64,
    pub description: String,
    pub quantity: i64,
    pub shares: Vec<SuggestedShare>,
    /// What the suggestion leaves unallocated (capacity short).
    pub unallocated: i64,
    /// How the figures were found, in Japanese, for the screen.
    pub explanation: String,
}

/// Splits `quantity` by largest remainder over `weights` (all ≥ 0, some > 0), capped at `caps`.
fn split(quantity: i64, weights: &[i128], caps: &[Option<i64>], order: &[usize]) -> Vec<i64> {
    let total: i128 = weights.iter().sum();
    let mut out = vec![0i64; weights.len()];
    if total <= 0 || quantity <= 0 {
        return out;
    }
    let mut remainders = Vec::new();
    for (i, w) in weights.iter().enumerate() {
        let exact = i128::from(quantity) * w;
        let mut q = i64::try_from(exact / total).unwrap_or(0);
        if let Some(cap) = caps[i] {
            q = q.min(cap);
        }
        out[i] = q;
        remainders.push((exact % total, i));
    }
    // Largest remainder first; ties in the given order (past share, then facility).
    let rank = |i: usize| order.iter().position(|&o| o == i).unwrap_or(usize::MAX);
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(rank(a.1).cmp(&rank(b.1))));
    let mut left = quantity - out.iter().sum::<i64>();
    // Hand out what is left, one by one, to those with room, remainder order first.
    while left > 0 {
        let mut gave = false;
        for &(_, i) in &remainders {
            if left == 0 {
                break;
            }
            if weights[i] > 0 && caps[i].is_none_or(|c| out[i] < c) {
                out[i] += 1;
                left -= 1;
                gave = true;
            }
        }
        if !gave {
            break;
        }
    }
    out
}

/// The suggestion for one item: split in proportion to declared capacity (never above it);
/// with no declaration at all, in proportion to past shares; ties go to the larger past share.
pub fn suggest(
    item_id: i64,
    description: &str,
    unit: &str,
    quantity: i64,
    candidates: &[Candidate],
) -> ItemSuggestion {
    let past_total: i64 = candidates.iter().map(|c| c.past_quantity).sum();
    let any_capacity = candidates.iter().any(|c| c.capacity.unwrap_or(0) > 0);
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| {
        (
            std::cmp::Reverse(candidates[i].past_quantity),
            candidates[i].facility_id,
        )
    });
    let (weights, caps): (Vec<i128>, Vec<Option<i64>>) = if any_capacity {
        candidates
            .iter()
            .map(|c| {
                (
                    i128::from(c.capacity.unwrap_or(0).max(0)),
                    Some(c.capacity.unwrap_or(0).max(0)),
                )
            })
            .unzip()
    } else {
        candidates
            .iter()
            .map(|c| (i128::from(c.past_quantity.max(0)), None))
            .unzip()
    };
    let quantities = split(quantity, &weights, &caps, &order);
    let allocated: i64 = quantities.iter().sum();
    let permille = |q: i64| {
        if past_total > 0 {
            i64::try_from(RoundingMode::HalfUp.divide(i128::from(q) * 1000, i128::from(past_total)))
                .unwrap_or(0)
        } else {
            0
        }
    };
    let mut shares: Vec<SuggestedShare> = order
        .iter()
        .map(|&i| {
            let c = &candidates[i];
            SuggestedShare {
                facility_id: c.facility_id,
                facility_name: c.facility_name.clone(),
                quantity: quantities[i],
                capacity: c.capacity,
                past_quantity: c.past_quantity,
                past_share_permille: permille(c.past_quantity),
            }
        })
        .filter(|s| s.quantity > 0)
        .collect();
    shares.sort_by_key(|s| (std::cmp::Reverse(s.quantity), s.facility_id));
    let per_facility = shares
        .iter()
        .map(|s| {
            let capacity = s
                .capacity
                .map_or("申告なし".to_string(), |c| format!("申告能力{c}{unit}"));
            let past = if s.past_quantity > 0 {
                format!(
                    "過去の実績{}{unit}(シェア{}.{}%)",
                    s.past_quantity,
                    s.past_share_permille / 10,
                    s.past_share_permille % 10
                )
            } else {
                "過去の実績なし".to_string()
            };
            format!("{} {}{unit}: {capacity}、{past}", s.facility_name, s.quantity)
        })
        .collect::<Vec<_>>()
        .join(" / ");
    let basis = if any_capacity {
        "期間中の申告能力に比例して配分し(申告能力を超えない)、端数は過去のシェアが大きい事業所から"
    } else if past_total > 0 {
        "能力の申告がないため、過去の実績のシェアに比例して配分し、端数は過去のシェアが大きい事業所から"
    } else {
        "能力の申告も過去の実績もないため提案できません。手で割り振ってください"
    };
    let mut explanation = format!("{basis}。");
    if !per_facility.is_empty() {
        explanation.push_str(&per_facility);
        explanation.push('。');
    }
    let unallocated = quantity - allocated;
    if unallocated > 0 && (any_capacity || past_total > 0) {
        explanation.push_str(&format!("申告能力が足りず{unallocated}{unit}が未割り振りです。"));
    }
    ItemSuggestion {
        item_id,
        description: description.to_string(),
        quantity,
        shares,
        unallocated,
        explanation,
    }
}

// ---------------------------------------------------------------------------------------------
// 請求書: per-rate totals, tax once per rate per invoice.

/// One line of an invoice: one facility's share of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLine {
    pub item_id: i64,
    pub description: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_price: Yen,
    pub tax_rate: TaxRate,
    /// ※ on reduced-rate lines (軽減税率対象).
    pub reduced_mark: bool,
    pub amount: Yen,
    pub facility_id: i64,
    pub facility_name: String,
    /// The facility is a registered issuer: the line is part of the qualified invoice the
    /// council issues as intermediary (媒介者交付特例). Otherwise it is shown apart, no tax stated.
    pub qualified: bool,
}

/// A facility outside the invoice: its lines are listed apart, without tax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NonQualifiedPart {
    pub facility_id: i64,
    pub facility_name: String,
    /// Tax included, per rate (no tax stated).
    pub by_rate: Vec<RateAmount>,
    pub total: Yen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateAmount {
    pub rate: TaxRate,
    pub amount: Yen,
}

/// The figures of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceFigures {
    pub lines: Vec<InvoiceLine>,
    /// 税率ごとに区分した対価の額と消費税額 of the qualified lines: the tax is rounded once per
    /// rate over the whole invoice, never per line. 10% first.
    pub by_rate: Vec<RateTotal>,
    pub qualified_total: Yen,
    pub qualified_tax: Yen,
    /// Facilities not registered as issuers, shown apart.
    pub non_qualified: Vec<NonQualifiedPart>,
    pub non_qualified_total: Yen,
    /// Everything the buyer pays (tax included).
    pub total: Yen,
}

/// The invoice's figures from its lines: per-rate totals of the qualified lines with their tax
/// rounded once (`rounding`: the council's setting), and the others apart.
pub fn invoice_figures(lines: Vec<InvoiceLine>, rounding: RoundingMode) -> InvoiceFigures {
    let mut by_rate: BTreeMap<TaxRate, i64> = BTreeMap::new();
    let mut apart: BTreeMap<(i64, String), BTreeMap<TaxRate, i64>> = BTreeMap::new();
    for l in &lines {
        if l.qualified {
            *by_rate.entry(l.tax_rate).or_default() += l.amount.0;
        } else {
            *apart
                .entry((l.facility_id, l.facility_name.clone()))
                .or_default()
                .entry(l.tax_rate)
                .or_default() += l.amount.0;
        }
    }
    let by_rate: Vec<RateTotal> = TaxRate::ALL
        .into_iter()
        .filter_map(|rate| {
            by_rate.get(&rate).map(|&total| RateTotal {
                rate,
                total: Yen(total),
                tax: rate.included_tax(Yen(total), rounding),
            })
        })
        .collect();
    let non_qualified: Vec<NonQualifiedPart> = apart
        .into_iter()
        .map(|((facility_id, facility_name), rates)| {
            let by_rate: Vec<RateAmount> = TaxRate::ALL
                .into_iter()
                .filter_map(|rate| rates.get(&rate).map(|&a| RateAmount { rate, amount: Yen(a) }))
                .collect();
            NonQualifiedPart {
                facility_id,
                facility_name,
                total: Yen(by_rate.iter().map(|r| r.amount.0).sum()),
                by_rate,
            }
        })
        .collect();
    let qualified_total = Yen(by_rate.iter().map(|r| r.total.0).sum());
    let qualified_tax = Yen(by_rate.iter().map(|r| r.tax.0).sum());
    let non_qualified_total = Yen(non_qualified.iter().map(|p| p.total.0).sum());
    InvoiceFigures {
        lines,
        by_rate,
        qualified_total,
        qualified_tax,
        non_qualified,
        non_qualified_total,
        total: Yen(qualified_total.0 + non_qualified_total.0),
    }
}

/// The rule printed on the invoice.
pub const INVOICE_TAX_JA: &str = "単価・金額は税込です。消費税額は税率ごとの合計額×税率/(100+税率)で、請求書ごとに税率ごとに1回だけ端数処理しています。適格請求書発行事業者の事業所分は、協議会が媒介者交付特例により交付します。登録事業者でない事業所の分は区分して記載し、消費税額を記載していません。";

/// 請求書 (and the data of 見積書・納品書): everything the printed page needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceDocument {
    pub order_id: i64,
    /// 請求書番号 (JO-{id}).
    pub number: String,
    pub subject: String,
    /// 宛名: the invoice recipient, else the buyer.
    pub recipient: String,
    pub buyer: Buyer,
    pub issuer_name: String,
    /// The council's T-number; none: not a qualified invoice.
    pub registration_number: Option<String>,
    pub qualified: bool,
    /// 請求日 (the day marked 請求済; today while not yet).
    pub issued_on: NaiveDate,
    pub deliveries: Vec<Delivery>,
    pub payment_terms: String,
    /// 振込先: the council's bank account (its settings).
    #[serde(default)]
    pub bank_account: String,
    pub tax_rounding: RoundingMode,
    pub figures: InvoiceFigures,
    pub paid: Yen,
    pub balance: Yen,
    pub note: String,
}

// ---------------------------------------------------------------------------------------------
// Payables and the payout statement.

/// One facility's part of an order: its shares' amount less the council's fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityPayable {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    /// Σ of its confirmed and proposed shares (tax included).
    pub net: Yen,
    pub fee_rule: CommissionRule,
    /// The council's fee (tax included, 10%): [`commission`] of `net`.
    pub fee: Yen,
    pub fee_tax: Yen,
    pub adjustments: Vec<Adjustment>,
    pub adjustments_total: Yen,
    /// 支払額 = net − fee + adjustments.
    pub payable: Yen,
}

/// A facility's payable on one order: the override's fee rule or the order's.
pub fn facility_payable(
    facility_id: i64,
    facility_number: i64,
    facility_name: &str,
    net: Yen,
    rule: CommissionRule,
    adjustments: Vec<Adjustment>,
    rounding: RoundingMode,
) -> FacilityPayable {
    let fee = commission(rule, net);
    let adjustments_total = Yen(adjustments.iter().map(|a| a.amount.0).sum());
    FacilityPayable {
        facility_id,
        facility_number,
        facility_name: facility_name.to_string(),
        net,
        fee_rule: rule,
        fee,
        fee_tax: fee_tax(fee, rounding),
        adjustments,
        adjustments_total,
        payable: Yen(net.0 - fee.0 + adjustments_total.0),
    }
}

/// One order on a facility's payout statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutLine {
    pub order_id: i64,
    pub subject: String,
    pub buyer_name: String,
    pub paid_out_on: NaiveDate,
    pub part: FacilityPayable,
}

/// 支払明細: every order paid out to one facility in one month, with the council's fee as its
/// own service at 10% (the fee invoice a registered facility may deduct).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutStatement {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub year: i32,
    pub month: u32,
    pub council_name: String,
    pub council_invoice_number: Option<String>,
    pub lines: Vec<PayoutLine>,
    pub net: Yen,
    pub fee: Yen,
    /// The tax of the month's fees, rounded once on the statement's fee total.
    pub fee_tax: Yen,
    pub adjustments: Yen,
    pub payable: Yen,
    /// The fee as the council's service: 10% per-rate line.
    pub fee_by_rate: Vec<RateTotal>,
    pub fee_note: String,
    pub commission_rounding: String,
    pub generated_at: DateTime<Utc>,
}

impl PayoutStatement {
    /// Sums the month's lines; the fee's tax is found once on the month's fee total.
    #[allow(clippy::too_many_arguments)]
    pub fn of(
        facility_id: i64,
        facility_number: i64,
        facility_name: &str,
        year: i32,
        month: u32,
        council_name: &str,
        council_invoice_number: Option<&str>,
        lines: Vec<PayoutLine>,
        rounding: RoundingMode,
        generated_at: DateTime<Utc>,
    ) -> PayoutStatement {
        let net = Yen(lines.iter().map(|l| l.part.net.0).sum());
        let fee = Yen(lines.iter().map(|l| l.part.fee.0).sum());
        let adjustments = Yen(lines.iter().map(|l| l.part.adjustments_total.0).sum());
        let tax = fee_tax(fee, rounding);
        PayoutStatement {
            facility_id,
            facility_number,
            facility_name: facility_name.to_string(),
            year,
            month,
            council_name: council_name.to_string(),
            council_invoice_number: council_invoice_number.map(str::to_string),
            lines,
            net,
            fee,
            fee_tax: tax,
            adjustments,
            payable: Yen(net.0 - fee.0 + adjustments.0),
            fee_by_rate: vec![RateTotal {
                rate: FEE_TAX_RATE,
                total: fee,
                tax,
            }],
            fee_note: FEE_TAX_JA.to_string(),
            commission_rounding: crate::settlement::COMMISSION_ROUNDING_JA.to_string(),
            generated_at,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The prefecture's yearly report (優先調達の実績).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcurementFigures {
    pub government_orders: i64,
    pub government: Yen,
    pub private_orders: i64,
    pub private: Yen,
    pub total: Yen,
}

impl ProcurementFigures {
    pub fn add(&mut self, kind: BuyerKind, amount: Yen, new_order: bool) {
        if kind.is_government() {
            self.government.0 += amount.0;
            self.government_orders += i64::from(new_order);
        } else {
            self.private.0 += amount.0;
            self.private_orders += i64::from(new_order);
        }
        self.total.0 += amount.0;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcurementRow {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub figures: ProcurementFigures,
}

/// Orders received through the desk in a fiscal year (by 受注日), per facility and in total,
/// government and private apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcurementReport {
    pub fiscal_year: i32,
    pub label: String,
    pub facilities: Vec<ProcurementRow>,
    pub total: ProcurementFigures,
    pub note: String,
    pub generated_at: DateTime<Utc>,
}

pub const PROCUREMENT_NOTE_JA: &str = "共同受注窓口を通じて受注した(受注日が年度内の、失注・取消を除く)注文の、各事業所の割り振り分の金額(税込)です。官公需は発注者の区分が官公庁のもの、民需は企業・その他です。件数は事業所ごとに割り振りのある注文の数、合計欄は注文の数です。";
