//! The data shapes of the JSON API under `/api/v1`, shared by the server and the tablet.
//!
//! Inputs (`…Input`) reject unknown fields; their contents are checked by
//! [`crate::validation`], which reports every problem per field.

use crate::money::Yen;
use crate::tax::{RoundingMode, TaxRate};
use crate::validation::FieldError;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The one shape of every error answer: `{"error":{"code":"...","message":"..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Machine-readable: `validation`, `not_found`, `conflict`, `bad_request`, `payload_too_large`, `internal`, …
    pub code: String,
    /// Human-readable, in Japanese.
    pub message: String,
    /// Per-field problems, for `validation` errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// `GET /healthz`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    /// `sqlite` or `postgres`
    pub database: String,
    /// The newest migration applied.
    pub schema_version: i64,
    pub version: String,
}

/// 法人種別: the corporation type codes 1–6 of the prefecture's wage table.
/// The table itself carries no legend; these labels are the usual categories of the
/// national wage survey, in the table's order.
pub const CORPORATION_TYPES: [(i64, &str); 6] = [
    (1, "公営・社会福祉協議会"),
    (2, "社会福祉法人"),
    (3, "医療法人"),
    (4, "営利法人"),
    (5, "特定非営利活動法人"),
    (6, "その他"),
];

pub fn corporation_type_label(code: i64) -> &'static str {
    CORPORATION_TYPES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("不明", |(_, label)| label)
}

/// 事業所: a member facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facility {
    pub id: i64,
    /// The facility's number in the council's (and the prefecture's) list.
    pub number: i64,
    pub name: String,
    pub kana: String,
    /// 法人種別 1–6.
    pub corporation_type: i64,
    /// 定員
    pub capacity: i64,
    /// 登録番号 `T` + 13 digits, when the facility has one.
    pub invoice_number: Option<String>,
    /// Whether the facility is a registered qualified-invoice issuer (適格請求書発行事業者).
    pub invoice_issuer: bool,
    pub contact: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityInput {
    pub number: i64,
    pub name: String,
    #[serde(default)]
    pub kana: String,
    pub corporation_type: i64,
    pub capacity: i64,
    #[serde(default)]
    pub invoice_number: Option<String>,
    #[serde(default)]
    pub invoice_issuer: bool,
    #[serde(default)]
    pub contact: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn default_low_stock() -> i64 {
    3
}

/// 自主製品: a product of a facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: i64,
    pub facility_id: i64,
    pub name: String,
    pub kana: String,
    /// Unit price, tax included (内税).
    pub price: Yen,
    pub tax_rate: TaxRate,
    /// JAN / EAN code, when the product has one.
    pub jan: Option<String>,
    pub category: String,
    /// At or below this many left at an event, the product shows as running low.
    pub low_stock_threshold: i64,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductInput {
    pub facility_id: i64,
    pub name: String,
    #[serde(default)]
    pub kana: String,
    pub price: Yen,
    pub tax_rate: TaxRate,
    #[serde(default)]
    pub jan: Option<String>,
    #[serde(default)]
    pub category: String,
    #[serde(default = "default_low_stock")]
    pub low_stock_threshold: i64,
    #[serde(default = "yes")]
    pub active: bool,
}

/// The kind of a sales channel or event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventKind {
    /// ハートバザール
    Bazaar,
    /// ぐんまSELP SHOP
    SelpShop,
    /// 共同販売会
    JointSale,
    /// 農福連携マルシェ
    Marche,
    /// その他
    Other,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        EventKind::Bazaar,
        EventKind::SelpShop,
        EventKind::JointSale,
        EventKind::Marche,
        EventKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EventKind::Bazaar => "bazaar",
            EventKind::SelpShop => "selp_shop",
            EventKind::JointSale => "joint_sale",
            EventKind::Marche => "marche",
            EventKind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            EventKind::Bazaar => "ハートバザール",
            EventKind::SelpShop => "SELP SHOP",
            EventKind::JointSale => "共同販売会",
            EventKind::Marche => "農福連携マルシェ",
            EventKind::Other => "その他",
        }
    }
}

/// Where an event is in its life: planned → open → closed → settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventState {
    Planned,
    Open,
    Closed,
    Settled,
}

impl EventState {
    pub const ALL: [EventState; 4] = [
        EventState::Planned,
        EventState::Open,
        EventState::Closed,
        EventState::Settled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EventState::Planned => "planned",
            EventState::Open => "open",
            EventState::Closed => "closed",
            EventState::Settled => "settled",
        }
    }

    pub fn from_code(code: &str) -> Option<EventState> {
        EventState::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            EventState::Planned => "準備中",
            EventState::Open => "開催中",
            EventState::Closed => "終了",
            EventState::Settled => "精算済",
        }
    }

    /// Whether an event may move from `self` to `next`. A closed event may be reopened (a
    /// register closed by mistake); a settled one is final.
    pub fn may_become(self, next: EventState) -> bool {
        use EventState::*;
        self == next
            || matches!(
                (self, next),
                (Planned, Open) | (Open, Closed) | (Closed, Open) | (Closed, Settled)
            )
    }
}

/// The council's commission on a facility's net sales at an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CommissionRule {
    /// A share of net sales, in basis points (1000 = 10%).
    Percent { basis_points: i64 },
    /// A fixed fee per facility for the event.
    Fixed { yen: Yen },
}

impl CommissionRule {
    pub fn label_ja(self) -> String {
        match self {
            CommissionRule::Percent { basis_points } => {
                let (whole, frac) = (basis_points / 100, basis_points % 100);
                if frac == 0 {
                    format!("{whole}%")
                } else {
                    format!("{whole}.{frac:02}%")
                }
            }
            CommissionRule::Fixed { yen } => format!("定額 {yen}"),
        }
    }
}

/// A facility taking part in an event, optionally with its own commission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participant {
    pub facility_id: i64,
    #[serde(default)]
    pub commission_override: Option<CommissionRule>,
}

/// A register (a tablet at a till) of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Register {
    pub id: i64,
    /// Short code used in receipt numbers: `R1`.
    pub code: String,
    pub name: String,
    /// The receipt printer (ESC/POS over TCP): `host` or `host:port`, port 9100 by default.
    #[serde(default)]
    pub printer_addr: Option<String>,
    /// Half-width columns of its paper: 48 (80 mm) or 32 (58 mm).
    #[serde(default = "default_paper_columns")]
    pub paper_columns: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterInput {
    pub code: String,
    pub name: String,
    /// `192.168.1.50` or `192.168.1.50:9100`; none or blank: the register prints nothing.
    #[serde(default)]
    pub printer_addr: Option<String>,
    /// 48 (80 mm paper, the default) or 32 (58 mm).
    #[serde(default = "default_paper_columns")]
    pub paper_columns: i64,
}

/// The paper of a register unless set: 80 mm, 48 columns.
pub const DEFAULT_PAPER_COLUMNS: i64 = crate::receipt::COLUMNS_80MM as i64;

fn default_paper_columns() -> i64 {
    DEFAULT_PAPER_COLUMNS
}

/// A sales event or channel (a bazaar, the SELP SHOP, a joint sale, a marche).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: i64,
    /// Short code used in receipt numbers: `HB2026A`.
    pub code: String,
    pub kind: EventKind,
    pub name: String,
    pub venue: String,
    /// First and last day, local (Asia/Tokyo) dates.
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub state: EventState,
    /// Default commission for participating facilities.
    pub commission: CommissionRule,
    pub participants: Vec<Participant>,
    pub registers: Vec<Register>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventInput {
    pub code: String,
    pub kind: EventKind,
    pub name: String,
    #[serde(default)]
    pub venue: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[serde(default = "planned")]
    pub state: EventState,
    pub commission: CommissionRule,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub registers: Vec<RegisterInput>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn planned() -> EventState {
    EventState::Planned
}

/// The council itself: the issuer of receipts at joint events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Council {
    pub name: String,
    pub invoice_number: Option<String>,
    pub address: String,
    pub phone: String,
    pub receipt_footer: String,
    /// How the tax per rate on a receipt is rounded.
    pub tax_rounding: RoundingMode,
    /// A gift voucher paid over the total gives change in cash (off: the surplus is kept).
    pub voucher_gives_change: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CouncilInput {
    pub name: String,
    #[serde(default)]
    pub invoice_number: Option<String>,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub receipt_footer: String,
    #[serde(default)]
    pub tax_rounding: RoundingMode,
    #[serde(default)]
    pub voucher_gives_change: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_rejected() {
        let json = r#"{"number":1,"name":"a","corporation_type":2,"capacity":20,"admin":true}"#;
        let err = serde_json::from_str::<FacilityInput>(json).expect_err("unknown field");
        assert!(err.to_string().contains("admin"), "{err}");
    }

    #[test]
    fn commission_shapes() {
        let p: CommissionRule =
            serde_json::from_str(r#"{"kind":"percent","basis_points":1250}"#).expect("percent");
        assert_eq!(p.label_ja(), "12.50%");
        let f: CommissionRule = serde_json::from_str(r#"{"kind":"fixed","yen":3000}"#).expect("fixed");
        assert_eq!(f.label_ja(), "定額 ¥3,000");
    }

    #[test]
    fn event_state_moves_forward_only() {
        use EventState::*;
        assert!(Planned.may_become(Open));
        assert!(Closed.may_become(Settled));
        assert!(!Settled.may_become(Open));
        assert!(!Planned.may_become(Settled));
        assert!(!Open.may_become(Planned));
    }
}

pub use crate::access::Role;

/// `POST /api/v1/session`: staff sign in with their id and password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginInput {
    pub login: String,
    pub password: String,
}

/// `POST /api/v1/session/pin`: a cashier signs in with a PIN on a registered tablet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PinLoginInput {
    pub login: String,
    pub pin: String,
}

/// A user as others see it (never any secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub facility_id: Option<i64>,
    /// Whether the user has a PIN (cashiers sign in with it; council users approve with it).
    pub has_pin: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Creates or changes a user. A blank `password` or `pin` on update keeps the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInput {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub facility_id: Option<i64>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub pin: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

/// The register a tablet is registered to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRef {
    pub register_id: i64,
    pub register_code: String,
    pub register_name: String,
    pub event_id: i64,
    pub event_code: String,
    pub event_name: String,
}

/// `GET /api/v1/session`: who is signed in, and the token to send back as `X-CSRF-Token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    /// The register of this tablet, when it is a registered till.
    pub register: Option<RegisterRef>,
}

/// `POST /api/v1/devices`: registers this browser (a tablet) as a till of a register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceInput {
    pub register_id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: i64,
    pub name: String,
    pub register: RegisterRef,
    pub registered_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

/// `GET /api/v1/device`: what a registered tablet shows before anyone signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceStatus {
    pub device_id: i64,
    pub name: String,
    pub register: RegisterRef,
    /// Cashiers who may sign in here with their PIN: (login, display name).
    pub cashiers: Vec<CashierRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CashierRef {
    pub login: String,
    pub display_name: String,
}

/// What a manager approves on the spot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ApprovalAction {
    /// 取消: void a sale just made.
    Void,
    /// 返品: refund items of an earlier sale.
    Refund,
    /// 売価変更: sell below or above the list price.
    PriceOverride,
    /// 在庫調整: adjust stock by hand.
    StockAdjustment,
}

impl ApprovalAction {
    pub const ALL: [ApprovalAction; 4] = [
        ApprovalAction::Void,
        ApprovalAction::Refund,
        ApprovalAction::PriceOverride,
        ApprovalAction::StockAdjustment,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ApprovalAction::Void => "void",
            ApprovalAction::Refund => "refund",
            ApprovalAction::PriceOverride => "price_override",
            ApprovalAction::StockAdjustment => "stock_adjustment",
        }
    }

    pub fn from_code(code: &str) -> Option<ApprovalAction> {
        ApprovalAction::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            ApprovalAction::Void => "取消",
            ApprovalAction::Refund => "返品",
            ApprovalAction::PriceOverride => "売価変更",
            ApprovalAction::StockAdjustment => "在庫調整",
        }
    }
}

/// `POST /api/v1/approvals`: a council user enters their PIN on the cashier's tablet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalInput {
    pub action: ApprovalAction,
    pub approver_login: String,
    pub pin: String,
    /// What is being approved, in words (e.g. the receipt number).
    #[serde(default)]
    pub reason: String,
}

/// A granted approval: single use, valid for a few minutes, for the action it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    pub id: uuid::Uuid,
    pub action: ApprovalAction,
    pub approver_login: String,
    pub expires_at: DateTime<Utc>,
}

/// One record of the audit log: who changed what, when, from which register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_login: String,
    pub register_id: Option<i64>,
    /// `product.update`, `user.create`, `session.login_failed`, …
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub after: Option<serde_json::Value>,
}

pub use crate::cart::{Discount, Tender, TenderKind};

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
    pub loaded_at: DateTime<Utc>,
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
    pub by_rate: Vec<crate::cart::RateTotal>,
    pub non_invoice_total: Yen,
    pub total: Yen,
    pub change: Yen,
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

/// `GET /api/v1/sales/{id}/receipt`: a sale's receipt, as data and as the printer lays it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaleReceipt {
    pub sale_id: uuid::Uuid,
    pub kind: SaleKind,
    /// The sale has been voided since (a 取消 record reverses it).
    pub voided: bool,
    pub register_id: i64,
    /// The half-width columns the lines are laid out for.
    pub columns: i64,
    pub receipt: crate::receipt::Receipt,
    /// The paper, line by line ([`crate::receipt::render_text`]): what the printer prints.
    pub lines: Vec<String>,
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
