//! Sales: the catalogue a till sells from, a sale as the till sends it and as it is recorded,
//! voids and refunds, and the live view of an event's sales.
//!
//! - [`cart`]: line amounts, discounts and the totals per tax rate;
//! - [`payment`]: paying a total with tenders, and the change;
//! - [`input`]: a sale, void or refund request parsed into checked values;
//! - [`reversal`]: the lines and money of a void or refund;
//! - [`batch`]: many queued sales in one request, each answered on its own.

pub mod batch;
pub mod cart;
pub mod input;
pub mod payment;
pub mod reversal;
pub mod search;

use crate::events::{EventState, RegisterRef};
use crate::money::Yen;
use crate::tax::{RoundingMode, TaxRate};
use cart::{CartLine, CartTotals, Discount, RateTotal};
use chrono::{DateTime, Utc};
use payment::Tender;
use serde::{Deserialize, Serialize};

/// A product as the till shows it, with what the receipt needs of its facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogItem {
    pub product_id: i64,
    pub facility_id: i64,
    pub name: String,
    pub kana: String,
    pub price: Yen,
    pub tax_rate: TaxRate,
    pub jan: Option<String>,
    pub category: String,
    /// Its photo's URL (`photos::photo_url`), when it has one: it names the photo's content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogFacility {
    pub facility_id: i64,
    pub number: i64,
    pub name: String,
    /// A registered qualified-invoice issuer: its goods may go on the council's invoice.
    pub invoice_issuer: bool,
}

/// `GET /api/v1/registers/{id}/catalog`: everything a till needs to sell offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Catalog {
    pub register: RegisterRef,
    pub event_state: EventState,
    pub facilities: Vec<CatalogFacility>,
    pub items: Vec<CatalogItem>,
    pub tax_rounding: RoundingMode,
    /// Whether gift vouchers give change at this event.
    pub voucher_gives_change: bool,
    /// The event offers tables (イートイン): a food line may be rung as eaten on the spot.
    #[serde(default)]
    pub eat_in: bool,
    pub loaded_at: DateTime<Utc>,
    /// Names this content (everything but `loaded_at`): the till sends it back as
    /// `If-None-Match` and an unchanged catalogue costs a 304. Empty from older servers.
    #[serde(default)]
    pub version: String,
}

/// One line of a sale as the till sends it: the price is the price it was sold at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaleLineInput {
    pub product_id: i64,
    pub quantity: i64,
    pub unit_price: Yen,
    #[serde(default)]
    pub discount: Option<Discount>,
    /// Eaten on the spot (イートイン, 店内): a food line taxed at the standard rate. Only at
    /// an event that offers tables, and only for a reduced-rate product.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub eat_in: bool,
}

/// `POST /api/v1/sales`: a completed sale. Its id is made on the tablet (UUID v7) and is the
/// idempotency key: the same sale sent any number of times is recorded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaleInput {
    pub id: uuid::Uuid,
    pub register_id: i64,
    /// The tablet's own number for the sale, shown until the server's receipt number is known.
    pub local_number: String,
    /// When the sale was made, by the tablet's clock.
    pub sold_at: DateTime<Utc>,
    pub lines: Vec<SaleLineInput>,
    pub tenders: Vec<Tender>,
    /// A manager's approval (price_override) when a cashier sells below or above the list
    /// price (値引き, 売価変更).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<uuid::Uuid>,
    /// Who rang it up (their login), when the tablet sends it later under another cashier's
    /// session (a sale queued offline, sent after a change of shift): the sale stays theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cashier_login: Option<String>,
}

/// What a record of the sales journal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SaleKind {
    #[default]
    Sale,
    /// 取消: the whole sale reversed.
    Void,
    /// 返品: some items of an earlier sale returned.
    Refund,
}

impl SaleKind {
    pub fn code(self) -> &'static str {
        match self {
            SaleKind::Sale => "sale",
            SaleKind::Void => "void",
            SaleKind::Refund => "refund",
        }
    }

    pub fn from_code(code: &str) -> Option<SaleKind> {
        [SaleKind::Sale, SaleKind::Void, SaleKind::Refund]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaleLine {
    pub line_no: i64,
    pub product_id: i64,
    pub facility_id: i64,
    pub name: String,
    /// Negative on voids and refunds.
    pub quantity: i64,
    pub unit_price: Yen,
    pub tax_rate: TaxRate,
    pub discount: Yen,
    /// What the customer paid for the line (negative: paid back).
    pub net: Yen,
    pub invoice_eligible: bool,
}

/// A recorded sale, void or refund: the same answer to every retry of its request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sale {
    pub id: uuid::Uuid,
    pub kind: SaleKind,
    pub event_id: i64,
    pub register_id: i64,
    /// Readable and gapless per register: `HB2026A-R1-0001`.
    pub receipt_number: String,
    pub local_number: String,
    pub cashier_login: String,
    pub sold_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    /// For voids and refunds: the sale they reverse.
    pub original_sale_id: Option<uuid::Uuid>,
    pub lines: Vec<SaleLine>,
    pub tenders: Vec<Tender>,
    /// Per tax rate, the invoice totals and their tax.
    pub by_rate: Vec<RateTotal>,
    pub non_invoice_total: Yen,
    pub total: Yen,
    pub change: Yen,
    /// The part of gift vouchers above the total that gave no change (釣銭なし), kept by the
    /// council apart from sales; negative on the void of such a sale. Tenders − change =
    /// total + voucher_surplus on every record.
    #[serde(default)]
    pub voucher_surplus: Yen,
    /// Arrived after its register was closed (sold offline before the close).
    pub late: bool,
    /// Set on a sale once it has been voided.
    pub voided: bool,
    pub reason: String,
}

/// `POST /api/v1/sales/{id}/void`: reverses a whole sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoidInput {
    /// The new record's id (idempotency key), made on the tablet.
    pub id: uuid::Uuid,
    pub reason: String,
    /// A manager approval for `void` (needed when a cashier asks).
    #[serde(default)]
    pub approval_id: Option<uuid::Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundLineInput {
    pub line_no: i64,
    pub quantity: i64,
}

/// `POST /api/v1/sales/{id}/refund`: returns some items of an earlier sale, paid back in cash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundInput {
    pub id: uuid::Uuid,
    pub lines: Vec<RefundLineInput>,
    pub reason: String,
    #[serde(default)]
    pub approval_id: Option<uuid::Uuid>,
}

/// Sales of a facility at an event so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilitySales {
    pub facility_id: i64,
    pub facility_name: String,
    /// Net of refunds and voids.
    pub net_sales: Yen,
    pub items_sold: i64,
    pub products: Vec<ProductSales>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductSales {
    pub product_id: i64,
    pub name: String,
    pub quantity: i64,
    pub net_sales: Yen,
}

/// `GET /api/v1/events/{id}/sales`: the live view of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventSales {
    pub event_id: i64,
    pub sale_count: i64,
    pub net_sales: Yen,
    pub facilities: Vec<FacilitySales>,
    pub as_of: DateTime<Utc>,
}

/// A line of the sales journal, with the line of the original sale it reverses (voids and
/// refunds; `None` on a sale).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLine {
    pub line: SaleLine,
    pub reverses: Option<i64>,
}

/// The journal lines of a sale priced from its cart: numbered from 1, each with the amounts
/// the cart computed for it (the price it was sold at, its discount and net).
pub fn sale_lines(cart: &[CartLine], totals: &CartTotals) -> Vec<JournalLine> {
    cart.iter()
        .zip(&totals.lines)
        .enumerate()
        .map(|(i, (c, amounts))| JournalLine {
            line: SaleLine {
                line_no: i as i64 + 1,
                product_id: c.product_id,
                facility_id: c.facility_id,
                name: c.name.clone(),
                quantity: c.quantity,
                unit_price: c.unit_price,
                tax_rate: c.tax_rate,
                discount: amounts.discount,
                net: amounts.net,
                invoice_eligible: c.invoice_eligible,
            },
            reverses: None,
        })
        .collect()
}
