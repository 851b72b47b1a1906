//! ギフト (中元・歳暮): the council sells a supplier's gift catalogue (ニッポンハムギフト) twice
//! a year. A **season** (`2026 お歳暮`) holds the supplier's catalogue (item code, name, price,
//! tax rate, delivery window; imported from the supplier's CSV) and the supplier's commission
//! rule. **Orders** are taken at an event's or the SELP SHOP's till (paid at once, through the
//! same sale path as any sale: tenders, receipt number) or by facility staff on a form (paid on
//! invoice). Each order credits the facility that took it — or the council — with the season's
//! commission. At the season's close the order list goes to the supplier as a CSV (the
//! columns of [`EXPORT_COLUMNS`]), and each taker's commission and a statement per facility
//! are drawn up.
//!
//! The commission reuses the events' [`CommissionRule`]: `percent` is a share of the taker's
//! orders (tax included, cancelled recipients left out) rounded down to the yen;
//! `fixed` is an amount per delivery (per recipient not cancelled) — the supplier's
//! "1件あたり" rule.
//!
//! The supplier's order list ([`EXPORT_COLUMNS`], one row per recipient not cancelled, by
//! order number then recipient):
//! 受付番号 (`<order>-<recipient>`), 受付日 (Tokyo date), 取扱者 (the taker: facility number and
//! name, or 協議会), 依頼主氏名, 依頼主郵便番号, 依頼主住所, 依頼主電話番号, お届け先氏名,
//! お届け先郵便番号, お届け先住所, お届け先電話番号, 商品コード, 商品名, 数量, 単価, 金額,
//! のし表書き, 名入れ, お届け希望日 (`YYYY/MM/DD`, empty: 指定なし), 支払方法 (店頭支払済 / 請求書).

use crate::Yen;
use crate::events::CommissionRule;
use crate::sales::payment::Tender;
use crate::tax::TaxRate;
use crate::validation::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The most recipients one order may have (a company's year-end list is rarely longer).
pub const MAX_RECIPIENTS: usize = 100;
/// The most of one item one recipient receives.
pub const MAX_QUANTITY: i64 = 99;
/// The dearest item a catalogue may list.
pub const MAX_PRICE: Yen = Yen(1_000_000);
/// The most items one catalogue may list.
pub const MAX_ITEMS: usize = 2_000;
/// A fixed commission per delivery at most.
pub const MAX_FIXED_COMMISSION: Yen = Yen(100_000);

/// What the taker of an order is called when it is the council itself.
pub const COUNCIL_TAKER_JA: &str = "協議会";

/// Whether a season still takes orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SeasonState {
    /// 受付中: orders are taken and recipients may be cancelled.
    Open,
    /// 締切: the order list has gone (or goes) to the supplier; nothing changes any more.
    Closed,
}

impl SeasonState {
    pub fn code(self) -> &'static str {
        match self {
            SeasonState::Open => "open",
            SeasonState::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<SeasonState> {
        [SeasonState::Open, SeasonState::Closed]
            .into_iter()
            .find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            SeasonState::Open => "受付中",
            SeasonState::Closed => "締切",
        }
    }
}

/// A season as the council enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftSeasonInput {
    /// e.g. `2026 お歳暮`.
    pub name: String,
    /// The supplier, e.g. `ニッポンハム`.
    pub supplier: String,
    /// The supplier's commission to the taker of each order.
    pub commission: CommissionRule,
    /// The facility row under which the council records gift sales rung up at a till (its own
    /// account, e.g. the SELP SHOP's): none until the season takes orders paid at a till.
    #[serde(default)]
    pub account_facility_id: Option<i64>,
}

impl GiftSeasonInput {
    pub fn validated(&self) -> Result<GiftSeasonInput, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = text(&mut e, "name", &self.name, 50, true, "シーズン名");
        let supplier = text(&mut e, "supplier", &self.supplier, 50, true, "仕入先");
        match self.commission {
            CommissionRule::Percent { basis_points } if !(0..=10_000).contains(&basis_points) => e.add(
                "commission",
                "out_of_range",
                "手数料率は0%から100%の範囲で入力してください",
            ),
            CommissionRule::Fixed { yen } if !(0..=MAX_FIXED_COMMISSION.0).contains(&yen.0) => e.add(
                "commission",
                "out_of_range",
                format!(
                    "1件あたりの手数料は0円から{}円の範囲で入力してください",
                    MAX_FIXED_COMMISSION.0
                ),
            ),
            _ => {}
        }
        if self.account_facility_id.is_some_and(|f| f <= 0) {
            e.add("account_facility_id", "unknown", "計上する事業所を選んでください");
        }
        e.into_result(GiftSeasonInput {
            name,
            supplier,
            ..self.clone()
        })
    }
}

/// A season.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftSeason {
    pub id: i64,
    pub name: String,
    pub supplier: String,
    pub commission: CommissionRule,
    pub account_facility_id: Option<i64>,
    pub state: SeasonState,
    pub closed_at: Option<DateTime<Utc>>,
    /// Items in its catalogue.
    pub item_count: i64,
    pub created_at: DateTime<Utc>,
}

/// One item of a season's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftItem {
    /// The supplier's item code, e.g. `NH-50`.
    pub code: String,
    pub name: String,
    /// Tax included (内税), delivery included.
    pub price: Yen,
    pub tax_rate: TaxRate,
    /// The first and last day the supplier delivers it (local dates).
    pub deliver_from: NaiveDate,
    pub deliver_until: NaiveDate,
}

/// The commission a taker earns on its orders: [`CommissionRule::Percent`] a share of
/// `sales` rounded down to the yen, [`CommissionRule::Fixed`] an amount per delivery.
pub fn commission(rule: CommissionRule, deliveries: i64, sales: Yen) -> Yen {
    match rule {
        CommissionRule::Percent { basis_points } => Yen(sales.0.max(0)).share_rounded_down(basis_points),
        CommissionRule::Fixed { yen } => Yen(deliveries.max(0).saturating_mul(yen.0)),
    }
}

/// A person an order names: the customer (依頼主) or a recipient (お届け先).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftParty {
    pub name: String,
    /// 郵便番号 `NNN-NNNN` (full-width digits and 7 digits without the hyphen are accepted).
    pub postal_code: String,
    pub address: String,
    /// Digits and hyphens, 10 or 11 digits from 0; a recipient's may be empty.
    #[serde(default)]
    pub phone: String,
}

/// のし: 表書き (御歳暮, 御中元, 御礼, 無地; empty: no のし) and 名入れ (the giver's name on it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Noshi {
    #[serde(default)]
    pub omotegaki: String,
    #[serde(default)]
    pub name: String,
}

/// One recipient of an order: who gets which item, how many, with what のし, on what day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftRecipientInput {
    pub name: String,
    /// 郵便番号 `NNN-NNNN`.
    pub postal_code: String,
    pub address: String,
    /// May be empty.
    #[serde(default)]
    pub phone: String,
    pub item_code: String,
    pub quantity: i64,
    #[serde(default)]
    pub noshi: Noshi,
    /// お届け希望日 inside the item's delivery window; none: 指定なし.
    #[serde(default)]
    pub delivery_date: Option<NaiveDate>,
}

/// How an order is paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum GiftPaymentInput {
    /// Paid at a till when ordered: recorded as a sale of that register (its tenders and receipt).
    Till {
        register_id: i64,
        /// When it was rung up, by the tablet's clock.
        sold_at: DateTime<Utc>,
        tenders: Vec<Tender>,
    },
    /// Paid on the council's invoice later (orders taken on the form).
    Invoice,
}

/// The payment mode an order was recorded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum GiftPayment {
    Till,
    Invoice,
}

impl GiftPayment {
    pub fn code(self) -> &'static str {
        match self {
            GiftPayment::Till => "till",
            GiftPayment::Invoice => "invoice",
        }
    }

    pub fn from_code(code: &str) -> Option<GiftPayment> {
        match code {
            "till" => Some(GiftPayment::Till),
            "invoice" => Some(GiftPayment::Invoice),
            _ => None,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            GiftPayment::Till => "店頭支払済",
            GiftPayment::Invoice => "請求書",
        }
    }
}

/// An order as a till or the form sends it. `id` is made on the client (UUID v7): a retry
/// with the same id answers the stored order; a till order's sale has the same id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftOrderInput {
    pub id: uuid::Uuid,
    pub season_id: i64,
    /// The facility that took the order; none: the council.
    #[serde(default)]
    pub taker_facility_id: Option<i64>,
    pub customer: GiftParty,
    pub recipients: Vec<GiftRecipientInput>,
    pub payment: GiftPaymentInput,
}

/// A recipient checked against the catalogue, with the item as it was when ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidRecipient {
    pub party: GiftParty,
    pub item: GiftItem,
    pub quantity: i64,
    pub noshi: Noshi,
    pub delivery_date: Option<NaiveDate>,
    /// Price × quantity.
    pub amount: Yen,
}

/// An order checked against its season's catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidGiftOrder {
    pub id: uuid::Uuid,
    pub season_id: i64,
    pub taker_facility_id: Option<i64>,
    pub customer: GiftParty,
    pub recipients: Vec<ValidRecipient>,
    pub payment: GiftPaymentInput,
    pub total: Yen,
}

impl GiftOrderInput {
    /// Every field checked at once against `catalogue`; fields named as the API names them
    /// (`recipients[2].postal_code`).
    pub fn validated(&self, catalogue: &[GiftItem]) -> Result<ValidGiftOrder, FieldErrors> {
        let mut e = FieldErrors::default();
        if self.taker_facility_id.is_some_and(|f| f <= 0) {
            e.add("taker_facility_id", "unknown", "受付した事業所を選んでください");
        }
        let customer = party(&mut e, "customer", &self.customer, true);
        if self.recipients.is_empty() || self.recipients.len() > MAX_RECIPIENTS {
            e.add(
                "recipients",
                "out_of_range",
                format!("お届け先は1〜{MAX_RECIPIENTS}件にしてください"),
            );
        }
        let mut recipients = Vec::with_capacity(self.recipients.len());
        let mut total = Some(Yen::ZERO);
        for (i, r) in self.recipients.iter().enumerate().take(MAX_RECIPIENTS) {
            let at = format!("recipients[{i}]");
            let given = GiftParty {
                name: r.name.clone(),
                postal_code: r.postal_code.clone(),
                address: r.address.clone(),
                phone: r.phone.clone(),
            };
            let party = party(&mut e, &at, &given, false);
            if !(1..=MAX_QUANTITY).contains(&r.quantity) {
                e.add(
                    format!("{at}.quantity"),
                    "out_of_range",
                    format!("{}件目: 数量は1〜{MAX_QUANTITY}にしてください", i + 1),
                );
            }
            let omotegaki = text(
                &mut e,
                &format!("{at}.noshi.omotegaki"),
                &r.noshi.omotegaki,
                10,
                false,
                "表書き",
            );
            let name = text(
                &mut e,
                &format!("{at}.noshi.name"),
                &r.noshi.name,
                20,
                false,
                "名入れ",
            );
            if omotegaki.is_empty() && !name.is_empty() {
                e.add(
                    format!("{at}.noshi.omotegaki"),
                    "required",
                    format!("{}件目: 名入れには表書きが必要です", i + 1),
                );
            }
            let code = r.item_code.trim();
            let Some(item) = catalogue.iter().find(|item| item.code == code) else {
                e.add(
                    format!("{at}.item_code"),
                    "unknown",
                    format!(
                        "{}件目: 商品コード「{}」はカタログにありません",
                        i + 1,
                        clip(code)
                    ),
                );
                continue;
            };
            if let Some(day) = r.delivery_date
                && !(item.deliver_from..=item.deliver_until).contains(&day)
            {
                e.add(
                    format!("{at}.delivery_date"),
                    "out_of_range",
                    format!(
                        "{}件目: お届け日は{}〜{}の間で選んでください",
                        i + 1,
                        item.deliver_from.format("%-m月%-d日"),
                        item.deliver_until.format("%-m月%-d日")
                    ),
                );
            }
            let amount = item.price.checked_mul(r.quantity.clamp(0, MAX_QUANTITY));
            total = total.zip(amount).and_then(|(t, a)| t.checked_add(a));
            recipients.push(ValidRecipient {
                party,
                item: item.clone(),
                quantity: r.quantity,
                noshi: Noshi { omotegaki, name },
                delivery_date: r.delivery_date,
                amount: amount.unwrap_or(Yen::ZERO),
            });
        }
        let total = total.unwrap_or_else(|| {
            e.add("recipients", "out_of_range", "合計金額が大きすぎます");
            Yen::ZERO
        });
        if let GiftPaymentInput::Till {
            register_id, tenders, ..
        } = &self.payment
        {
            if *register_id <= 0 {
                e.add("payment.register_id", "unknown", "レジを選んでください");
            }
            if tenders.is_empty() {
                e.add("payment.tenders", "required", "お支払い方法を入力してください");
            }
        }
        e.into_result(ValidGiftOrder {
            id: self.id,
            season_id: self.season_id,
            taker_facility_id: self.taker_facility_id,
            customer,
            recipients,
            payment: self.payment.clone(),
            total,
        })
    }
}

/// At most 40 characters of something the caller typed, for a message.
fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

/// A text field trimmed: required or not, at most `max` characters, no control characters.
fn text(e: &mut FieldErrors, field: &str, value: &str, max: usize, required: bool, label: &str) -> String {
    let trimmed = value.trim();
    if required && trimmed.is_empty() {
        e.add(field, "required", format!("{label}を入力してください"));
    } else if trimmed.chars().count() > max {
        e.add(
            field,
            "too_long",
            format!("{label}は{max}文字以内で入力してください"),
        );
    } else if trimmed.chars().any(char::is_control) {
        e.add(field, "format", format!("{label}に使えない文字があります"));
    }
    trimmed.to_string()
}

/// A person's name, postal code, address and phone, each checked; the postal code written
/// `NNN-NNNN`, the phone with half-width digits.
fn party(e: &mut FieldErrors, at: &str, p: &GiftParty, phone_required: bool) -> GiftParty {
    let name = text(e, &format!("{at}.name"), &p.name, 50, true, "氏名");
    let address = text(e, &format!("{at}.address"), &p.address, 200, true, "住所");
    let postal_code = postal_code(&p.postal_code).unwrap_or_else(|| {
        e.add(
            format!("{at}.postal_code"),
            "format",
            "郵便番号は「123-4567」の形で入力してください",
        );
        p.postal_code.trim().to_string()
    });
    let phone = crate::codes::normalise_digits(p.phone.trim());
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let well_formed = phone.chars().all(|c| c.is_ascii_digit() || c == '-')
        && phone.starts_with('0')
        && (10..=11).contains(&digits);
    if (phone_required || !phone.is_empty()) && !well_formed {
        e.add(
            format!("{at}.phone"),
            "format",
            "電話番号は0から始まる10〜11桁の数字で入力してください",
        );
    }
    GiftParty {
        name,
        postal_code,
        address,
        phone,
    }
}

/// `NNN-NNNN` from `123-4567`, `１２３－４５６７`, `1234567` or `〒123-4567`; `None` otherwise.
pub fn postal_code(text: &str) -> Option<String> {
    let text = crate::codes::normalise_digits(text.trim());
    let text = text.trim_start_matches('〒').trim();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let shaped = match text.len() {
        7 => text.chars().all(|c| c.is_ascii_digit()),
        8 => text.as_bytes().get(3) == Some(&b'-') && digits.len() == 7,
        _ => false,
    };
    shaped.then(|| format!("{}-{}", &digits[..3], &digits[3..]))
}

/// A recorded recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftRecipient {
    /// 1, 2, … within the order (also its line of the order's sale).
    pub no: i64,
    /// Who receives it.
    pub party: GiftParty,
    pub item_code: String,
    pub item_name: String,
    pub unit_price: Yen,
    pub tax_rate: TaxRate,
    pub quantity: i64,
    pub amount: Yen,
    pub noshi: Noshi,
    pub delivery_date: Option<NaiveDate>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: String,
}

/// A recorded order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftOrder {
    pub id: uuid::Uuid,
    pub season_id: i64,
    /// 受付番号 within the season (1, 2, …).
    pub number: i64,
    pub taker_facility_id: Option<i64>,
    /// The facility's name, or 協議会.
    pub taker_name: String,
    pub customer: GiftParty,
    pub payment: GiftPayment,
    /// The sale it was paid by (a till order), and that sale's receipt number.
    pub sale_id: Option<uuid::Uuid>,
    pub receipt_number: Option<String>,
    /// The register that sale was rung up on.
    pub register_id: Option<i64>,
    /// The recipients not cancelled, tax included.
    pub total: Yen,
    pub recipients: Vec<GiftRecipient>,
    pub ordered_at: DateTime<Utc>,
}

impl GiftOrder {
    /// The recipients still to be delivered.
    pub fn active(&self) -> impl Iterator<Item = &GiftRecipient> {
        self.recipients.iter().filter(|r| r.cancelled_at.is_none())
    }
}

/// Why a recipient cannot be cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    #[error("シーズンは締め切られ、注文一覧は仕入先に送られました。取消は仕入先に連絡してください")]
    SeasonClosed,
    #[error("このお届け先はすでに取り消されています")]
    AlreadyCancelled,
}

/// A recipient may be cancelled while its season is open (before the order list is exported),
/// once.
pub fn may_cancel(state: SeasonState, recipient: &GiftRecipient) -> Result<(), CancelError> {
    if state == SeasonState::Closed {
        return Err(CancelError::SeasonClosed);
    }
    if recipient.cancelled_at.is_some() {
        return Err(CancelError::AlreadyCancelled);
    }
    Ok(())
}

/// The reason a recipient is cancelled: required, at most 200 characters.
pub fn cancel_reason(reason: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::default();
    let reason = text(&mut e, "reason", reason, 200, true, "取消の理由");
    e.into_result(reason)
}

/// One taker's part of a season.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TakerCommission {
    /// None: the council.
    pub facility_id: Option<i64>,
    pub taker_name: String,
    pub orders: i64,
    /// Recipients not cancelled.
    pub deliveries: i64,
    /// Their amounts, tax included.
    pub sales: Yen,
    pub commission: Yen,
}

/// Each taker's orders, deliveries, sales and commission under `rule`; the council first,
/// then facilities in the order of `orders`' first appearance sorted by name. Orders whose
/// recipients are all cancelled count for nothing.
pub fn commission_by_taker(rule: CommissionRule, orders: &[GiftOrder]) -> Vec<TakerCommission> {
    let mut takers: Vec<TakerCommission> = Vec::new();
    for order in orders {
        let deliveries = order.active().count() as i64;
        if deliveries == 0 {
            continue;
        }
        let sales = order
            .active()
            .fold(Yen::ZERO, |t, r| Yen(t.0.saturating_add(r.amount.0)));
        let taker = match takers
            .iter_mut()
            .position(|t| t.facility_id == order.taker_facility_id)
        {
            Some(i) => &mut takers[i],
            None => {
                takers.push(TakerCommission {
                    facility_id: order.taker_facility_id,
                    taker_name: order.taker_name.clone(),
                    orders: 0,
                    deliveries: 0,
                    sales: Yen::ZERO,
                    commission: Yen::ZERO,
                });
                let last = takers.len() - 1;
                &mut takers[last]
            }
        };
        taker.orders += 1;
        taker.deliveries += deliveries;
        taker.sales = Yen(taker.sales.0.saturating_add(sales.0));
    }
    for t in &mut takers {
        // Per taker on its whole season (rounded once), as the supplier's statement does.
        t.commission = commission(rule, t.deliveries, t.sales);
    }
    takers.sort_by(|a, b| {
        (a.facility_id.is_some(), &a.taker_name).cmp(&(b.facility_id.is_some(), &b.taker_name))
    });
    takers
}

/// The header of the supplier's order list (see the module's documentation).
pub const EXPORT_COLUMNS: [&str; 20] = [
    "受付番号",
    "受付日",
    "取扱者",
    "依頼主氏名",
    "依頼主郵便番号",
    "依頼主住所",
    "依頼主電話番号",
    "お届け先氏名",
    "お届け先郵便番号",
    "お届け先住所",
    "お届け先電話番号",
    "商品コード",
    "商品名",
    "数量",
    "単価",
    "金額",
    "のし表書き",
    "名入れ",
    "お届け希望日",
    "支払方法",
];

/// The supplier's order list: one row per recipient not cancelled, by order number then
/// recipient. `ordered_on` gives an order's local (Tokyo) date.
pub fn export_rows(
    orders: &[GiftOrder],
    ordered_on: impl Fn(DateTime<Utc>) -> NaiveDate,
) -> Vec<[String; EXPORT_COLUMNS.len()]> {
    let mut sorted: Vec<&GiftOrder> = orders.iter().collect();
    sorted.sort_by_key(|o| o.number);
    let mut rows = Vec::new();
    for order in sorted {
        for r in order.active() {
            rows.push([
                format!("{}-{}", order.number, r.no),
                ordered_on(order.ordered_at).format("%Y/%m/%d").to_string(),
                order.taker_name.clone(),
                order.customer.name.clone(),
                order.customer.postal_code.clone(),
                order.customer.address.clone(),
                order.customer.phone.clone(),
                r.party.name.clone(),
                r.party.postal_code.clone(),
                r.party.address.clone(),
                r.party.phone.clone(),
                r.item_code.clone(),
                r.item_name.clone(),
                r.quantity.to_string(),
                r.unit_price.0.to_string(),
                r.amount.0.to_string(),
                r.noshi.omotegaki.clone(),
                r.noshi.name.clone(),
                r.delivery_date
                    .map(|d| d.format("%Y/%m/%d").to_string())
                    .unwrap_or_default(),
                order.payment.label_ja().to_string(),
            ]);
        }
    }
    rows
}

/// A facility's statement for a season: its orders (recipients cancelled shown as such), its
/// sales and the commission it earns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftStatement {
    pub season: GiftSeason,
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub orders: Vec<GiftOrder>,
    pub deliveries: i64,
    pub sales: Yen,
    pub commission_label: String,
    pub commission: Yen,
}

/// A season with its catalogue: what the order form offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeasonCatalogue {
    pub season: GiftSeason,
    pub items: Vec<GiftItem>,
}

/// What a catalogue import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogueImport {
    /// Items read from the file (added, or replacing those of the same code).
    pub items: usize,
    pub season: GiftSeason,
}

/// Each taker's part of a season.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeasonCommission {
    pub season: GiftSeason,
    /// The rule as people write it (`15%`, `定額 ¥300`: per delivery).
    pub commission_label: String,
    pub takers: Vec<TakerCommission>,
    pub total_sales: Yen,
    pub total_commission: Yen,
}

/// The supplier's catalogue as a CSV: one row per item.
pub mod import {
    use super::*;

    /// The columns of the file, by their header (Japanese or English).
    pub const COLUMNS: &[(&str, &[&str])] = &[
        ("code", &["商品コード", "コード", "code"]),
        ("name", &["商品名", "name"]),
        ("price", &["価格", "価格(税込)", "税込価格", "price"]),
        ("tax_rate", &["税率", "tax_rate"]),
        ("deliver_from", &["お届け開始日", "配送開始日", "deliver_from"]),
        ("deliver_until", &["お届け終了日", "配送終了日", "deliver_until"]),
    ];

    /// Reads the rows (their line in the file, cells in [`COLUMNS`] order). All rows or none:
    /// any wrong row gives every wrong row's errors, each named `rows[<line>].<column>` with the
    /// line in its message.
    pub fn plan(rows: &[(usize, Vec<String>)]) -> Result<Vec<GiftItem>, FieldErrors> {
        let mut errors = FieldErrors::default();
        if rows.len() > MAX_ITEMS {
            errors.add(
                "file",
                "too_many",
                format!("商品は{MAX_ITEMS}件までにしてください"),
            );
            return Err(errors);
        }
        let mut items: Vec<GiftItem> = Vec::with_capacity(rows.len());
        let mut seen = std::collections::HashMap::new();
        for (line, cells) in rows {
            let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
            let mut wrong = |column: &str, code: &str, message: String| {
                errors.add(
                    format!("rows[{line}].{column}"),
                    code,
                    format!("{line}行目: {message}"),
                );
            };
            let code = crate::codes::normalise_digits(cell(0));
            if code.is_empty() || code.chars().count() > 20 || code.chars().any(char::is_control) {
                wrong("code", "format", "商品コードは1〜20文字で入力してください".into());
            } else if let Some(first) = seen.insert(code.clone(), *line) {
                wrong(
                    "code",
                    "duplicate",
                    format!("商品コード「{code}」は{first}行目にもあります"),
                );
            }
            let name = cell(1);
            if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
                wrong("name", "format", "商品名は1〜100文字で入力してください".into());
            }
            let price = parse_yen(cell(2)).filter(|p| (1..=MAX_PRICE.0).contains(p));
            if price.is_none() {
                wrong(
                    "price",
                    "format",
                    format!(
                        "価格「{}」は1〜{}円の整数で入力してください",
                        clip(cell(2)),
                        MAX_PRICE.0
                    ),
                );
            }
            let rate = parse_rate(cell(3));
            if rate.is_none() {
                wrong(
                    "tax_rate",
                    "format",
                    format!("税率「{}」は8または10で入力してください", clip(cell(3))),
                );
            }
            let from = parse_date(cell(4));
            if from.is_none() {
                wrong(
                    "deliver_from",
                    "format",
                    format!(
                        "お届け開始日「{}」を読み取れません（例: 2026/12/01）",
                        clip(cell(4))
                    ),
                );
            }
            let until = parse_date(cell(5));
            if until.is_none() {
                wrong(
                    "deliver_until",
                    "format",
                    format!(
                        "お届け終了日「{}」を読み取れません（例: 2026/12/25）",
                        clip(cell(5))
                    ),
                );
            }
            if let (Some(from), Some(until)) = (from, until)
                && until < from
            {
                wrong(
                    "deliver_until",
                    "out_of_range",
                    "お届け終了日が開始日より前です".into(),
                );
            }
            if let (Some(price), Some(tax_rate), Some(deliver_from), Some(deliver_until)) =
                (price, rate, from, until)
            {
                items.push(GiftItem {
                    code,
                    name: name.to_string(),
                    price: Yen(price),
                    tax_rate,
                    deliver_from,
                    deliver_until,
                });
            }
        }
        errors.into_result(items)
    }

    /// `2026/12/01`, `2026-12-01`, `2026年12月1日`.
    fn parse_date(text: &str) -> Option<NaiveDate> {
        let text = crate::codes::normalise_digits(text);
        let text = text.trim().trim_end_matches('日').replace(['年', '月', '-'], "/");
        let mut parts = text.split('/').map(|p| p.trim().parse::<u32>().ok());
        let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
        if parts.next().is_some() {
            return None;
        }
        NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
            .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
    }

    /// `8`, `8%`, `軽減`, `10`, `10%`, `標準`.
    fn parse_rate(text: &str) -> Option<TaxRate> {
        match crate::codes::normalise_digits(text)
            .replace(['%', '％'], "")
            .trim()
        {
            "8" | "軽減" | "reduced" => Some(TaxRate::Reduced),
            "10" | "標準" | "standard" => Some(TaxRate::Standard),
            _ => None,
        }
    }

    /// A whole number of yen as a spreadsheet writes it (`5,400`, `¥5,400`, `5400円`; a
    /// Shift_JIS file's ¥ reads as `\`).
    fn parse_yen(text: &str) -> Option<i64> {
        let digits: String = crate::codes::normalise_digits(text)
            .trim()
            .trim_start_matches(['¥', '￥', '\\'])
            .trim_end_matches('円')
            .chars()
            .filter(|c| *c != ',')
            .collect();
        if digits.is_empty() || digits.len() > 12 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }
}

#[cfg(test)]
mod tests;
