//! A venue laptop's event brought into the central database afterwards (`selpos export-event` /
//! `import-event`): the file's format, its checks, and the rules that match its records to the
//! central database's. Pure: the server reads and writes, this module decides.
//!
//! The file is one JSON document with a format name and version. Records keep their own ids
//! (sales, sessions, stock operations, payouts, approvals and corrections are UUIDs made where
//! they happened) and their receipt numbers; master data travels as stable keys, never as
//! database ids: a facility is its number and name, a product its facility and JAN or name,
//! a user their login. Each such record carries `ref`, the laptop's id, which means nothing
//! outside the file: records inside the file point at each other with it.
//!
//! The rules (README, "Bringing a venue laptop's event into the central database"):
//! - only a closed (or settled) event is exported, with no record shared with another event
//!   (a void rung on another event's register, a refund across events, a stock transfer);
//! - every facility must exist centrally with the same number and name, and every product
//!   must match exactly one product of its facility, by JAN, else by name, at the same tax
//!   rate; otherwise the import is refused with the list of every problem;
//! - users missing centrally are created disabled, as cashiers, without password or PIN;
//! - the event arrives closed, to be settled centrally. An event code that exists centrally
//!   is filled only when that event was prepared and never used; the same records again are
//!   "already imported"; anything else is refused.

use crate::access::Role;
use crate::events::{CommissionRule, EventInput, EventKind, EventState, Participant, RegisterInput};
use crate::money::Yen;
use crate::printers::PrinterRules;
use crate::register_sessions::CashCount;
use crate::sales::SaleKind;
use crate::sales::cart::RateTotal;
use crate::sales::payment::TenderKind;
use crate::stock::MovementKind;
use crate::tax::{RoundingMode, TaxRate};
use crate::users::UserInput;
use crate::validation::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use uuid::Uuid;

/// The `format` field of every event file.
pub const FORMAT: &str = "selpos-event";
/// The version this selpos writes and reads. A file of another version is refused, never
/// guessed at.
pub const VERSION: u32 = 1;

/// A laptop's database id: meaningful inside one file only.
pub type Ref = i64;

/// One event with everything recorded at it, as a laptop exported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for this selpos.
    pub version: u32,
    pub exported_at: DateTime<Utc>,
    pub source: Source,
    pub council: CouncilKey,
    pub event: EventHeader,
    pub facilities: Vec<FacilityKey>,
    pub products: Vec<ProductKey>,
    pub users: Vec<UserKey>,
    pub registers: Vec<RegisterKey>,
    pub register_sessions: Vec<SessionRecord>,
    pub payouts: Vec<PayoutRecord>,
    pub approvals: Vec<ApprovalRecord>,
    pub sales: Vec<SaleRecord>,
    pub stock_operations: Vec<StockOperationRecord>,
    pub stock_movements: Vec<MovementRecord>,
    pub adjustments: Vec<AdjustmentRecord>,
    pub audit: Vec<AuditRecord>,
}

/// Where the file came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// `sqlite` or `postgres`.
    pub database: String,
    pub schema_version: i64,
    /// The selpos version that wrote the file.
    pub selpos: String,
}

/// The council's settings that change the event's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CouncilKey {
    pub name: String,
    pub invoice_number: Option<String>,
    /// Rounds the tax in the commission on the statements: the central council's must agree.
    pub tax_rounding: RoundingMode,
}

/// When and by whom the laptop settled the event (it arrives closed all the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettledOnLaptop {
    pub at: DateTime<Utc>,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventHeader {
    /// The laptop's id of the event (its audit records name it).
    #[serde(rename = "ref")]
    pub key: Ref,
    pub code: String,
    pub kind: EventKind,
    pub name: String,
    pub venue: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// `closed` or `settled` on the laptop.
    pub state: EventState,
    pub commission: CommissionRule,
    pub eat_in: bool,
    pub participants: Vec<ParticipantKey>,
    pub settled: Option<SettledOnLaptop>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipantKey {
    pub facility: Ref,
    pub commission_override: Option<CommissionRule>,
}

/// A facility: matched centrally by its number and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityKey {
    #[serde(rename = "ref")]
    pub key: Ref,
    pub number: i64,
    pub name: String,
}

/// A product: matched centrally within its facility by JAN, else by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductKey {
    #[serde(rename = "ref")]
    pub key: Ref,
    pub facility: Ref,
    pub name: String,
    pub jan: Option<String>,
    pub tax_rate: TaxRate,
    /// The laptop's list price at export (informative: lines carry the prices sold at).
    pub price: Yen,
}

/// A user named by a record: matched centrally by login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserKey {
    #[serde(rename = "ref")]
    pub key: Ref,
    pub login: String,
    pub display_name: String,
    /// The role on the laptop (a user created centrally is a disabled cashier all the same).
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterKey {
    #[serde(rename = "ref")]
    pub key: Ref,
    pub code: String,
    pub name: String,
    pub paper_columns: i64,
}

/// A register session (レジ開け to レジ締め).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRecord {
    pub id: String,
    pub register: Ref,
    pub opened_at: DateTime<Utc>,
    pub opened_by: Ref,
    pub auto_opened: bool,
    pub float_counts: CashCount,
    pub float_total: Yen,
    pub close_id: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<Ref>,
    pub counts: Option<CashCount>,
    pub counted: Option<Yen>,
    pub note: String,
}

/// 出金 from a session's drawer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayoutRecord {
    pub id: String,
    pub session_id: String,
    pub amount: Yen,
    pub reason: String,
    pub created_by: Ref,
    pub created_at: DateTime<Utc>,
}

/// A manager's approval used (or asked for) at the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRecord {
    pub id: String,
    pub action: String,
    pub approver: Ref,
    pub requested_by: Ref,
    pub register: Option<Ref>,
    pub sale_id: Option<String>,
    pub amount: Option<i64>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// A sale, void or refund with its lines, tenders and stated totals per rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaleRecord {
    pub id: Uuid,
    pub kind: SaleKind,
    pub register: Ref,
    pub receipt_no: i64,
    pub receipt_number: String,
    pub local_number: String,
    pub cashier: Ref,
    pub sold_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub original_sale_id: Option<Uuid>,
    pub total: Yen,
    pub change_due: Yen,
    pub voucher_surplus: Yen,
    pub non_invoice_total: Yen,
    pub late: bool,
    pub voided_by: Option<Uuid>,
    pub reason: String,
    pub approval_id: Option<String>,
    pub session_id: Option<String>,
    pub issuer_name: Option<String>,
    pub issuer_invoice_number: Option<String>,
    pub lines: Vec<LineRecord>,
    pub tenders: Vec<TenderRecord>,
    pub rate_totals: Vec<RateTotal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineRecord {
    pub line_no: i64,
    pub product: Ref,
    pub facility: Ref,
    pub name: String,
    pub quantity: i64,
    pub unit_price: Yen,
    pub tax_rate: TaxRate,
    pub discount: Yen,
    pub net: Yen,
    pub invoice_eligible: bool,
    pub original_line_no: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenderRecord {
    pub seq: i64,
    pub kind: TenderKind,
    pub amount: Yen,
}

/// 搬入, 搬出, a loss, an adjustment or a count at the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockOperationRecord {
    pub id: String,
    pub kind: MovementKind,
    pub facility: Ref,
    pub note: String,
    pub approval_id: Option<String>,
    pub created_by: Ref,
    pub created_at: DateTime<Utc>,
}

/// One stock movement: at the event, or at the facility's own premises (`at_event` false: the
/// other half of a 搬入 or 搬出).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovementRecord {
    pub product: Ref,
    pub facility: Ref,
    pub at_event: bool,
    pub kind: MovementKind,
    pub quantity: i64,
    pub sale_id: Option<Uuid>,
    pub operation_id: Option<String>,
    pub reason: String,
    pub created_by: Option<Ref>,
    pub created_at: DateTime<Utc>,
}

/// 精算後の調整 made on the laptop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRecord {
    pub id: String,
    pub facility: Ref,
    pub amount: Yen,
    pub reason: String,
    pub created_by: Ref,
    pub created_at: DateTime<Utc>,
}

/// An audit record about the event, as the laptop wrote it: its `before`/`after` name the
/// laptop's ids (the import's own audit record maps them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    pub actor_login: String,
    pub register: Option<Ref>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// How many records of each kind a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    pub sales: usize,
    pub voids: usize,
    pub refunds: usize,
    pub register_sessions: usize,
    pub payouts: usize,
    pub approvals: usize,
    pub stock_operations: usize,
    pub stock_movements: usize,
    pub adjustments: usize,
    pub audit: usize,
}

impl EventFile {
    pub fn counts(&self) -> Counts {
        let of = |kind| self.sales.iter().filter(|s| s.kind == kind).count();
        Counts {
            sales: of(SaleKind::Sale),
            voids: of(SaleKind::Void),
            refunds: of(SaleKind::Refund),
            register_sessions: self.register_sessions.len(),
            payouts: self.payouts.len(),
            approvals: self.approvals.len(),
            stock_operations: self.stock_operations.len(),
            stock_movements: self.stock_movements.len(),
            adjustments: self.adjustments.len(),
            audit: self.audit.len(),
        }
    }

    /// The highest receipt number of each register (its counter after the import).
    pub fn last_receipt_numbers(&self) -> BTreeMap<Ref, i64> {
        let mut last = BTreeMap::new();
        for s in &self.sales {
            let slot = last.entry(s.register).or_insert(0);
            *slot = (*slot).max(s.receipt_no);
        }
        last
    }

    /// The records the central event is compared on: what makes two imports the same.
    pub fn record_ids(&self) -> RecordIds {
        RecordIds {
            sales: self.sales.iter().map(|s| s.id.to_string()).collect(),
            register_sessions: self.register_sessions.iter().map(|s| s.id.clone()).collect(),
            stock_operations: self.stock_operations.iter().map(|o| o.id.clone()).collect(),
            payouts: self.payouts.iter().map(|p| p.id.clone()).collect(),
            adjustments: self.adjustments.iter().map(|a| a.id.clone()).collect(),
        }
    }
}

/// Reads an event file: its format and version first (a file of another version is refused
/// as such, whatever else it holds), then every field.
pub fn parse(bytes: &[u8]) -> Result<EventFile, FieldErrors> {
    let mut errors = FieldErrors::default();
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(e) => {
            errors.add("(file)", "not_json", format!("JSONとして読めません: {e}"));
            return Err(errors);
        }
    };
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        errors.add(
            "format",
            "not_an_event_file",
            format!("selposのイベントファイルではありません(formatが\"{FORMAT}\"ではありません)"),
        );
        return Err(errors);
    }
    match value.get("version") {
        Some(v) if v.as_u64() == Some(u64::from(VERSION)) => {}
        found => {
            let found = found.map_or_else(|| "なし".to_string(), |v| v.to_string());
            errors.add(
                "version",
                "unsupported_version",
                format!(
                    "このファイルの形式のバージョン({found})は読めません。このselposが読めるのはバージョン{VERSION}です"
                ),
            );
            return Err(errors);
        }
    }
    serde_json::from_value(value).map_err(|e| {
        errors.add(
            "(file)",
            "format",
            format!("ファイルの内容が正しくありません: {e}"),
        );
        errors
    })
}

/// Writes the file as the laptop exports it.
pub fn to_json(file: &EventFile) -> Vec<u8> {
    // Only maps with string keys and plain data: serialising cannot fail.
    let mut bytes = serde_json::to_vec_pretty(file).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn duplicates<'a, K: Ord + 'a>(keys: impl IntoIterator<Item = &'a K>) -> BTreeSet<&'a K> {
    let mut seen = BTreeSet::new();
    let mut twice = BTreeSet::new();
    for k in keys {
        if !seen.insert(k) {
            twice.insert(k);
        }
    }
    twice
}

fn sum(amounts: impl IntoIterator<Item = Yen>) -> Option<Yen> {
    amounts
        .into_iter()
        .try_fold(Yen::ZERO, |acc, a| acc.checked_add(a))
}

/// Checks a file on its own: every reference resolves inside it, every record adds up, each
/// register's receipt numbers run 1, 2, 3 … without a gap, and the stock movements are the
/// ones its sales and operations make. Lists every problem.
pub fn check(file: &EventFile) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::default();
    if !matches!(file.event.state, EventState::Closed | EventState::Settled) {
        e.add(
            "event.state",
            "not_closed",
            "終了(締め)または精算済みのイベントだけを取り込めます",
        );
    }
    if file.event.code.trim().is_empty() {
        e.add("event.code", "required", "イベントコードがありません");
    }
    check_header(file, &mut e);
    if file.sales.is_empty() && file.register_sessions.is_empty() && file.stock_operations.is_empty() {
        e.add("(file)", "empty", "売上・レジ開け・在庫の記録が一つもありません");
    }

    let facilities: HashSet<Ref> = file.facilities.iter().map(|f| f.key).collect();
    let products: HashMap<Ref, &ProductKey> = file.products.iter().map(|p| (p.key, p)).collect();
    let users: HashSet<Ref> = file.users.iter().map(|u| u.key).collect();
    let registers: HashSet<Ref> = file.registers.iter().map(|r| r.key).collect();
    for (what, keys) in [
        ("facilities", duplicates(file.facilities.iter().map(|f| &f.key))),
        ("products", duplicates(file.products.iter().map(|p| &p.key))),
        ("users", duplicates(file.users.iter().map(|u| &u.key))),
        ("registers", duplicates(file.registers.iter().map(|r| &r.key))),
    ] {
        for k in keys {
            e.add(what, "duplicate", format!("ref {k} が2回あります"));
        }
    }
    for n in duplicates(file.facilities.iter().map(|f| &f.number)) {
        e.add("facilities", "duplicate", format!("事業所番号{n}が2回あります"));
    }
    for login in duplicates(file.users.iter().map(|u| &u.login)) {
        e.add(
            "users",
            "duplicate",
            format!("ログインID「{login}」が2回あります"),
        );
    }
    for code in duplicates(file.registers.iter().map(|r| &r.code)) {
        e.add("registers", "duplicate", format!("レジ「{code}」が2回あります"));
    }
    let mut need = |ok: bool, field: String, what: &str| {
        if !ok {
            e.add(
                field,
                "unknown_ref",
                format!("ファイルにない{what}を指しています"),
            );
        }
    };
    for (i, p) in file.event.participants.iter().enumerate() {
        need(
            facilities.contains(&p.facility),
            format!("event.participants[{i}].facility"),
            "事業所",
        );
    }
    for (i, p) in file.products.iter().enumerate() {
        need(
            facilities.contains(&p.facility),
            format!("products[{i}].facility"),
            "事業所",
        );
    }
    let sessions: HashMap<&str, &SessionRecord> = file
        .register_sessions
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    for (i, s) in file.register_sessions.iter().enumerate() {
        need(
            registers.contains(&s.register),
            format!("register_sessions[{i}].register"),
            "レジ",
        );
        need(
            users.contains(&s.opened_by),
            format!("register_sessions[{i}].opened_by"),
            "ユーザー",
        );
        if let Some(by) = s.closed_by {
            need(
                users.contains(&by),
                format!("register_sessions[{i}].closed_by"),
                "ユーザー",
            );
        }
    }
    for (i, p) in file.payouts.iter().enumerate() {
        need(
            sessions.contains_key(p.session_id.as_str()),
            format!("payouts[{i}].session_id"),
            "レジ開け",
        );
        need(
            users.contains(&p.created_by),
            format!("payouts[{i}].created_by"),
            "ユーザー",
        );
    }
    let approvals: HashSet<&str> = file.approvals.iter().map(|a| a.id.as_str()).collect();
    for (i, a) in file.approvals.iter().enumerate() {
        need(
            users.contains(&a.approver),
            format!("approvals[{i}].approver"),
            "ユーザー",
        );
        need(
            users.contains(&a.requested_by),
            format!("approvals[{i}].requested_by"),
            "ユーザー",
        );
        if let Some(r) = a.register {
            need(registers.contains(&r), format!("approvals[{i}].register"), "レジ");
        }
    }
    let sales: HashMap<Uuid, &SaleRecord> = file.sales.iter().map(|s| (s.id, s)).collect();
    for (i, s) in file.sales.iter().enumerate() {
        let at = format!("sales[{i}]");
        need(registers.contains(&s.register), format!("{at}.register"), "レジ");
        need(users.contains(&s.cashier), format!("{at}.cashier"), "ユーザー");
        if let Some(original) = s.original_sale_id {
            need(
                sales.contains_key(&original),
                format!("{at}.original_sale_id"),
                "売上",
            );
        }
        if let Some(void) = s.voided_by {
            need(sales.contains_key(&void), format!("{at}.voided_by"), "取消");
        }
        if let Some(a) = &s.approval_id {
            need(
                approvals.contains(a.as_str()),
                format!("{at}.approval_id"),
                "承認",
            );
        }
        if let Some(session) = &s.session_id {
            let on_register = sessions.get(session.as_str()).map(|x| x.register == s.register);
            need(
                on_register == Some(true),
                format!("{at}.session_id"),
                "このレジのレジ開け",
            );
        }
        for (j, l) in s.lines.iter().enumerate() {
            let of_facility = products.get(&l.product).map(|p| p.facility == l.facility);
            need(
                of_facility == Some(true),
                format!("{at}.lines[{j}].product"),
                "この事業所の商品",
            );
        }
    }
    let operations: HashMap<&str, &StockOperationRecord> =
        file.stock_operations.iter().map(|o| (o.id.as_str(), o)).collect();
    for (i, o) in file.stock_operations.iter().enumerate() {
        need(
            facilities.contains(&o.facility),
            format!("stock_operations[{i}].facility"),
            "事業所",
        );
        need(
            users.contains(&o.created_by),
            format!("stock_operations[{i}].created_by"),
            "ユーザー",
        );
        if let Some(a) = &o.approval_id {
            need(
                approvals.contains(a.as_str()),
                format!("stock_operations[{i}].approval_id"),
                "承認",
            );
        }
    }
    for (i, m) in file.stock_movements.iter().enumerate() {
        let of_facility = products.get(&m.product).map(|p| p.facility == m.facility);
        need(
            of_facility == Some(true),
            format!("stock_movements[{i}].product"),
            "この事業所の商品",
        );
        if let Some(by) = m.created_by {
            need(
                users.contains(&by),
                format!("stock_movements[{i}].created_by"),
                "ユーザー",
            );
        }
    }
    for (i, a) in file.adjustments.iter().enumerate() {
        need(
            facilities.contains(&a.facility),
            format!("adjustments[{i}].facility"),
            "事業所",
        );
        need(
            users.contains(&a.created_by),
            format!("adjustments[{i}].created_by"),
            "ユーザー",
        );
    }
    for (i, a) in file.audit.iter().enumerate() {
        if let Some(r) = a.register {
            need(registers.contains(&r), format!("audit[{i}].register"), "レジ");
        }
    }

    let sale_ids: Vec<String> = file.sales.iter().map(|s| s.id.to_string()).collect();
    let record_ids: [(&str, Vec<&String>); 6] = [
        ("sales", sale_ids.iter().collect()),
        (
            "register_sessions",
            file.register_sessions.iter().map(|s| &s.id).collect(),
        ),
        ("payouts", file.payouts.iter().map(|p| &p.id).collect()),
        ("approvals", file.approvals.iter().map(|a| &a.id).collect()),
        (
            "stock_operations",
            file.stock_operations.iter().map(|o| &o.id).collect(),
        ),
        ("adjustments", file.adjustments.iter().map(|a| &a.id).collect()),
    ];
    for (what, ids) in &record_ids {
        for id in duplicates(ids.iter().copied()) {
            e.add(*what, "duplicate", format!("id {id} が2回あります"));
        }
    }
    for number in duplicates(file.sales.iter().map(|s| &s.receipt_number)) {
        e.add("sales", "duplicate", format!("レシート番号{number}が2回あります"));
    }

    check_sessions(file, &mut e);
    for (i, s) in file.sales.iter().enumerate() {
        check_sale(i, s, &sales, &mut e);
    }
    check_receipt_numbers(file, &mut e);
    check_movements(file, &operations, &mut e);
    e.into_result(())
}

/// The event and the users as the central database takes them from its own forms: a file
/// from anywhere meets the same checks.
fn check_header(file: &EventFile, e: &mut FieldErrors) {
    let h = &file.event;
    let input = EventInput {
        code: h.code.clone(),
        kind: h.kind,
        name: h.name.clone(),
        venue: h.venue.clone(),
        starts_on: h.starts_on,
        ends_on: h.ends_on,
        state: EventState::Closed,
        commission: h.commission,
        participants: (h.participants.iter())
            .map(|p| Participant {
                facility_id: p.facility,
                commission_override: p.commission_override,
            })
            .collect(),
        registers: (file.registers.iter())
            .map(|r| RegisterInput {
                code: r.code.clone(),
                name: r.name.clone(),
                printer_addr: None,
                paper_columns: r.paper_columns,
            })
            .collect(),
        eat_in: h.eat_in,
        // A standing shop stays on its server: only events travel.
        standing: false,
        active: true,
    };
    // No printer travels with the file, so no printer rule applies.
    let rules = PrinterRules {
        ports: Vec::new(),
        allow_link_local: false,
        allow_loopback: false,
    };
    match input.validated(&rules) {
        Err(errors) => {
            for f in errors.0 {
                let field = match f.field.strip_prefix("registers") {
                    Some(rest) => format!("registers{rest}"),
                    None => format!("event.{}", f.field),
                };
                e.add(field, &f.code, f.message);
            }
        }
        Ok(valid) => {
            if valid.code != h.code {
                e.add("event.code", "format", "イベントコードが正規化されていません");
            }
            for (i, (valid, r)) in valid.registers.iter().zip(&file.registers).enumerate() {
                if valid.code != r.code {
                    e.add(
                        format!("registers[{i}].code"),
                        "format",
                        "レジ番号が正規化されていません",
                    );
                }
            }
        }
    }
    for (i, u) in file.users.iter().enumerate() {
        let input = UserInput {
            login: u.login.clone(),
            display_name: u.display_name.clone(),
            role: Role::Cashier,
            facility_id: None,
            password: None,
            pin: None,
            active: false,
            easy_till: false,
        };
        match input.validated(false) {
            Err(errors) => {
                for f in errors.0 {
                    e.add(format!("users[{i}].{}", f.field), &f.code, f.message);
                }
            }
            Ok(valid) if valid.login != u.login => {
                e.add(
                    format!("users[{i}].login"),
                    "format",
                    "ログインIDが正規化されていません",
                );
            }
            Ok(_) => {}
        }
    }
}

fn check_sessions(file: &EventFile, e: &mut FieldErrors) {
    for (i, s) in file.register_sessions.iter().enumerate() {
        let at = format!("register_sessions[{i}]");
        s.float_counts.validate(&format!("{at}.float_counts"), e);
        if s.float_counts.total() != s.float_total {
            e.add(
                format!("{at}.float_total"),
                "mismatch",
                "釣銭準備金の合計が金種表と合いません",
            );
        }
        let closed = [
            s.close_id.is_some(),
            s.closed_at.is_some(),
            s.closed_by.is_some(),
            s.counts.is_some(),
            s.counted.is_some(),
        ];
        if closed.iter().any(|c| *c) && !closed.iter().all(|c| *c) {
            e.add(
                format!("{at}.closed_at"),
                "incomplete",
                "レジ締めの記録が欠けています",
            );
        }
        if let Some(counts) = &s.counts {
            counts.validate(&format!("{at}.counts"), e);
            if Some(counts.total()) != s.counted {
                e.add(
                    format!("{at}.counted"),
                    "mismatch",
                    "レジ締めの現金合計が金種表と合いません",
                );
            }
        }
    }
    for (r, open) in file
        .register_sessions
        .iter()
        .filter(|s| s.closed_at.is_none())
        .fold(BTreeMap::<Ref, usize>::new(), |mut open, s| {
            *open.entry(s.register).or_default() += 1;
            open
        })
    {
        if open > 1 {
            e.add(
                "register_sessions",
                "two_open",
                format!("レジ(ref {r})に開いたままのレジ開けが{open}件あります"),
            );
        }
    }
    for (i, p) in file.payouts.iter().enumerate() {
        if p.amount.0 <= 0 {
            e.add(
                format!("payouts[{i}].amount"),
                "out_of_range",
                "出金額は1円以上です",
            );
        }
    }
}

/// A record's lines, totals and tenders agree with each other, as the till made them.
fn check_sale(i: usize, s: &SaleRecord, sales: &HashMap<Uuid, &SaleRecord>, e: &mut FieldErrors) {
    let at = format!("sales[{i}]");
    let reversal = s.kind != SaleKind::Sale;
    if reversal != s.original_sale_id.is_some() {
        e.add(
            format!("{at}.original_sale_id"),
            "mismatch",
            "取消・返品には元の売上が、売上には元の売上がないはずです",
        );
    }
    if let Some(original) = s.original_sale_id.and_then(|o| sales.get(&o)) {
        if original.kind != SaleKind::Sale {
            e.add(
                format!("{at}.original_sale_id"),
                "mismatch",
                "元の売上が売上ではありません",
            );
        }
        if s.kind == SaleKind::Void && original.voided_by != Some(s.id) {
            e.add(
                format!("{at}.original_sale_id"),
                "mismatch",
                "取消された売上に取消の記録がありません",
            );
        }
    }
    if let Some(void) = s.voided_by.and_then(|v| sales.get(&v))
        && (void.kind != SaleKind::Void || void.original_sale_id != Some(s.id))
    {
        e.add(
            format!("{at}.voided_by"),
            "mismatch",
            "取消の記録がこの売上を取り消していません",
        );
    }
    if s.receipt_no < 1 {
        e.add(
            format!("{at}.receipt_no"),
            "out_of_range",
            "レシート番号は1からです",
        );
    }
    if s.lines.is_empty() {
        e.add(format!("{at}.lines"), "required", "明細がありません");
    }
    for n in duplicates(s.lines.iter().map(|l| &l.line_no)) {
        e.add(
            format!("{at}.lines"),
            "duplicate",
            format!("明細番号{n}が2回あります"),
        );
    }
    for (j, l) in s.lines.iter().enumerate() {
        let line_at = format!("{at}.lines[{j}]");
        let sign_ok = if reversal { l.quantity < 0 } else { l.quantity > 0 };
        if !sign_ok {
            e.add(
                format!("{line_at}.quantity"),
                "out_of_range",
                "数量の符号が記録の種類と合いません",
            );
        }
        if reversal != l.original_line_no.is_some() {
            e.add(
                format!("{line_at}.original_line_no"),
                "mismatch",
                "元の明細の指定が記録の種類と合いません",
            );
        }
        let net = l
            .unit_price
            .checked_mul(l.quantity)
            .and_then(|gross| gross.checked_sub(l.discount));
        if net != Some(l.net) {
            e.add(
                format!("{line_at}.net"),
                "does_not_add_up",
                format!("「{}」の金額が単価×数量−値引と合いません", l.name),
            );
        }
    }
    let nets = |keep: &dyn Fn(&LineRecord) -> bool| sum(s.lines.iter().filter(|l| keep(l)).map(|l| l.net));
    if nets(&|_| true) != Some(s.total) {
        e.add(
            format!("{at}.total"),
            "does_not_add_up",
            format!("{}の合計が明細の合計と合いません", s.receipt_number),
        );
    }
    if nets(&|l| !l.invoice_eligible) != Some(s.non_invoice_total) {
        e.add(
            format!("{at}.non_invoice_total"),
            "does_not_add_up",
            format!("{}の適格請求書対象外の合計が明細と合いません", s.receipt_number),
        );
    }
    let rates: BTreeSet<TaxRate> = s
        .lines
        .iter()
        .filter(|l| l.invoice_eligible)
        .map(|l| l.tax_rate)
        .collect();
    let stated: BTreeSet<TaxRate> = s.rate_totals.iter().map(|r| r.rate).collect();
    if rates != stated || s.rate_totals.len() != stated.len() {
        e.add(
            format!("{at}.rate_totals"),
            "mismatch",
            format!("{}の税率別合計が明細の税率と合いません", s.receipt_number),
        );
    }
    for r in &s.rate_totals {
        if nets(&|l| l.invoice_eligible && l.tax_rate == r.rate) != Some(r.total) {
            e.add(
                format!("{at}.rate_totals"),
                "does_not_add_up",
                format!("{}の{}の合計が明細と合いません", s.receipt_number, r.rate.code()),
            );
        }
        if r.tax
            .0
            .checked_abs()
            .is_none_or(|tax| tax > r.total.0.saturating_abs())
        {
            e.add(
                format!("{at}.rate_totals"),
                "out_of_range",
                format!("{}の消費税額が合計を超えています", s.receipt_number),
            );
        }
    }
    let paid = sum(s.tenders.iter().map(|t| t.amount))
        .and_then(|t| t.checked_sub(s.change_due))
        .and_then(|t| t.checked_sub(s.voucher_surplus));
    if paid != Some(s.total) {
        e.add(
            format!("{at}.tenders"),
            "does_not_add_up",
            format!("{}の支払−おつり−釣銭なしが合計と合いません", s.receipt_number),
        );
    }
    for n in duplicates(s.tenders.iter().map(|t| &t.seq)) {
        e.add(
            format!("{at}.tenders"),
            "duplicate",
            format!("支払の順番{n}が2回あります"),
        );
    }
    if s.change_due.0 < 0 {
        e.add(format!("{at}.change_due"), "out_of_range", "おつりがマイナスです");
    }
}

/// Receipt numbers of each register run 1, 2, … n: the central counter continues from n.
fn check_receipt_numbers(file: &EventFile, e: &mut FieldErrors) {
    let mut by_register: BTreeMap<Ref, Vec<i64>> = BTreeMap::new();
    for s in &file.sales {
        by_register.entry(s.register).or_default().push(s.receipt_no);
    }
    for (register, mut numbers) in by_register {
        numbers.sort_unstable();
        let expected: Vec<i64> = (1..=numbers.len() as i64).collect();
        if numbers != expected {
            let code = file
                .registers
                .iter()
                .find(|r| r.key == register)
                .map_or_else(|| format!("ref {register}"), |r| r.code.clone());
            e.add(
                "sales",
                "receipt_gap",
                format!("レジ{code}のレシート番号が1から連続していません"),
            );
        }
    }
}

/// Every line of a record moved its stock once; every operation's movements are the ones it
/// makes (a 搬入 or 搬出 moves between the premises and the event, nothing else leaves the
/// event); nothing moved without a record.
fn check_movements(file: &EventFile, operations: &HashMap<&str, &StockOperationRecord>, e: &mut FieldErrors) {
    let mut by_sale: HashMap<Uuid, BTreeMap<Ref, i64>> = HashMap::new();
    let mut by_operation: HashMap<&str, BTreeMap<Ref, i64>> = HashMap::new();
    let sales: HashMap<Uuid, &SaleRecord> = file.sales.iter().map(|s| (s.id, s)).collect();
    for (i, m) in file.stock_movements.iter().enumerate() {
        let at = format!("stock_movements[{i}]");
        match (m.sale_id, m.operation_id.as_deref()) {
            (Some(sale), None) => {
                let kind = sales.get(&sale).map(|s| match s.kind {
                    SaleKind::Sale => MovementKind::Sale,
                    SaleKind::Void => MovementKind::Void,
                    SaleKind::Refund => MovementKind::Refund,
                });
                if kind.is_none() {
                    e.add(
                        format!("{at}.sale_id"),
                        "unknown_ref",
                        "ファイルにない売上の在庫移動です",
                    );
                } else if kind != Some(m.kind) || !m.at_event {
                    e.add(
                        format!("{at}.kind"),
                        "mismatch",
                        "売上の在庫移動の種類が売上と合いません",
                    );
                }
                let slot = by_sale.entry(sale).or_default().entry(m.product).or_default();
                *slot = slot.saturating_add(m.quantity);
            }
            (None, Some(operation)) => {
                let Some(o) = operations.get(operation) else {
                    e.add(
                        format!("{at}.operation_id"),
                        "unknown_ref",
                        "ファイルにない在庫操作の移動です",
                    );
                    continue;
                };
                let home_allowed = matches!(o.kind, MovementKind::Intake | MovementKind::Return);
                if o.kind != m.kind || o.facility != m.facility || (!m.at_event && !home_allowed) {
                    e.add(format!("{at}.kind"), "mismatch", "在庫移動が在庫操作と合いません");
                }
                let sign_ok = match (o.kind, m.at_event) {
                    (MovementKind::Intake, true) | (MovementKind::Return, false) => m.quantity > 0,
                    (MovementKind::Intake, false)
                    | (MovementKind::Return, true)
                    | (MovementKind::Loss, _) => m.quantity < 0,
                    _ => true,
                };
                if !sign_ok {
                    e.add(
                        format!("{at}.quantity"),
                        "out_of_range",
                        "在庫移動の数量の符号が在庫操作と合いません",
                    );
                }
                if home_allowed {
                    let slot = by_operation
                        .entry(operation)
                        .or_default()
                        .entry(m.product)
                        .or_default();
                    *slot = slot.saturating_add(m.quantity);
                }
            }
            _ => e.add(
                format!("{at}.sale_id"),
                "mismatch",
                "在庫移動は売上か在庫操作のどちらか一つから生じます",
            ),
        }
    }
    for (i, o) in file.stock_operations.iter().enumerate() {
        if matches!(
            o.kind,
            MovementKind::Sale | MovementKind::Void | MovementKind::Refund | MovementKind::Transfer
        ) {
            e.add(
                format!("stock_operations[{i}].kind"),
                "invalid",
                "この種類の在庫操作は取り込めません",
            );
        }
        if by_operation
            .get(o.id.as_str())
            .is_some_and(|sums| sums.values().any(|q| *q != 0))
        {
            e.add(
                format!("stock_operations[{i}]"),
                "does_not_add_up",
                "搬入・搬出で事業所とイベントの数量が釣り合っていません",
            );
        }
    }
    for (i, s) in file.sales.iter().enumerate() {
        let mut expected: BTreeMap<Ref, i64> = BTreeMap::new();
        for l in &s.lines {
            let slot = expected.entry(l.product).or_default();
            *slot = slot.saturating_sub(l.quantity);
        }
        let moved = by_sale.remove(&s.id).unwrap_or_default();
        if moved != expected {
            e.add(
                format!("sales[{i}]"),
                "stock_mismatch",
                format!("{}の在庫移動が明細と合いません", s.receipt_number),
            );
        }
    }
}

/// The central database's master data the file is matched against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Central {
    pub facilities: Vec<CentralFacility>,
    pub products: Vec<CentralProduct>,
    pub users: Vec<CentralUser>,
    pub tax_rounding: RoundingMode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralFacility {
    pub id: i64,
    pub number: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralProduct {
    pub id: i64,
    pub facility_id: i64,
    pub name: String,
    pub jan: Option<String>,
    pub tax_rate: TaxRate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralUser {
    pub id: i64,
    pub login: String,
}

/// The file's refs mapped to central ids; users still to be made are listed apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Matches {
    pub facilities: BTreeMap<Ref, i64>,
    pub products: BTreeMap<Ref, i64>,
    pub users: BTreeMap<Ref, i64>,
    /// Refs of the file's users with no central login of theirs: created disabled.
    pub users_to_create: Vec<Ref>,
}

/// Matches the file's facilities, products and users to the central ones. A facility must
/// exist with the same number and name; a product must be exactly one product of its facility
/// with its JAN (when it has one and the JAN is known centrally), else with its name, at the
/// same tax rate. Every problem is listed.
pub fn match_records(file: &EventFile, central: &Central) -> Result<Matches, FieldErrors> {
    let mut e = FieldErrors::default();
    let mut m = Matches::default();
    if central.tax_rounding != file.council.tax_rounding {
        e.add(
            "council.tax_rounding",
            "mismatch",
            format!(
                "消費税の端数処理が違います(ファイル: {}、ここ: {})。協議会の設定をそろえてから取り込んでください",
                file.council.tax_rounding.code(),
                central.tax_rounding.code()
            ),
        );
    }
    for (i, f) in file.facilities.iter().enumerate() {
        match central.facilities.iter().find(|c| c.number == f.number) {
            None => e.add(
                format!("facilities[{i}]"),
                "not_found",
                format!("事業所番号{}「{}」がここにありません", f.number, f.name),
            ),
            Some(c) if c.name != f.name => e.add(
                format!("facilities[{i}]"),
                "name_mismatch",
                format!(
                    "事業所番号{}の名前が違います(ファイル: 「{}」、ここ: 「{}」)",
                    f.number, f.name, c.name
                ),
            ),
            Some(c) => {
                m.facilities.insert(f.key, c.id);
            }
        }
    }
    for (i, p) in file.products.iter().enumerate() {
        let Some(&facility_id) = m.facilities.get(&p.facility) else {
            continue; // its facility is reported above
        };
        let of_facility = || central.products.iter().filter(|c| c.facility_id == facility_id);
        // An in-store code names a product of its own facility only: another facility's
        // product with the same one is not this one.
        let by_jan: Vec<&CentralProduct> = match &p.jan {
            Some(jan) => central
                .products
                .iter()
                .filter(|c| {
                    c.jan.as_deref().is_some_and(|code| {
                        crate::codes::CodeScope::same_product_code(jan, facility_id, code, c.facility_id)
                    })
                })
                .collect(),
            None => Vec::new(),
        };
        let found = if let Some(c) = by_jan.first() {
            if c.facility_id != facility_id {
                e.add(
                    format!("products[{i}]"),
                    "other_facility",
                    format!(
                        "「{}」のJAN {} はここでは別の事業所の商品です",
                        p.name,
                        p.jan.as_deref().unwrap_or("")
                    ),
                );
                continue;
            }
            *c
        } else {
            let named: Vec<&CentralProduct> = of_facility().filter(|c| c.name == p.name).collect();
            match named.as_slice() {
                [one] => *one,
                [] => {
                    e.add(
                        format!("products[{i}]"),
                        "not_found",
                        format!(
                            "「{}」(JAN {})がこの事業所の商品にありません",
                            p.name,
                            p.jan.as_deref().unwrap_or("なし")
                        ),
                    );
                    continue;
                }
                several => {
                    e.add(
                        format!("products[{i}]"),
                        "ambiguous",
                        format!(
                            "「{}」という商品がこの事業所に{}件あります。JANで区別してください",
                            p.name,
                            several.len()
                        ),
                    );
                    continue;
                }
            }
        };
        if found.tax_rate != p.tax_rate {
            e.add(
                format!("products[{i}]"),
                "tax_rate_mismatch",
                format!(
                    "「{}」の税率が違います(ファイル: {}、ここ: {})",
                    p.name,
                    p.tax_rate.code(),
                    found.tax_rate.code()
                ),
            );
            continue;
        }
        m.products.insert(p.key, found.id);
    }
    for u in &file.users {
        match central.users.iter().find(|c| c.login == u.login) {
            Some(c) => {
                m.users.insert(u.key, c.id);
            }
            None => m.users_to_create.push(u.key),
        }
    }
    e.into_result(m)
}

/// The ids of the records that make an event's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecordIds {
    pub sales: BTreeSet<String>,
    pub register_sessions: BTreeSet<String>,
    pub stock_operations: BTreeSet<String>,
    pub payouts: BTreeSet<String>,
    pub adjustments: BTreeSet<String>,
}

impl RecordIds {
    pub fn is_empty(&self) -> bool {
        self.sales.is_empty()
            && self.register_sessions.is_empty()
            && self.stock_operations.is_empty()
            && self.payouts.is_empty()
            && self.adjustments.is_empty()
    }
}

/// An event of the same code found centrally: its state and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralEvent {
    pub id: i64,
    pub state: EventState,
    pub records: RecordIds,
    /// Stock movements at the event and receipt counters of its registers: a used event has
    /// some even if its records were somehow gone.
    pub movements: i64,
    pub counters: i64,
}

/// What the import does with the file's event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// No event of that code: it is created.
    Create,
    /// An event of that code prepared centrally and never used: it takes the file's header,
    /// participants, registers and records.
    Fill { event_id: i64 },
    /// The event holds exactly the file's records: this file was imported before.
    AlreadyImported { event_id: i64 },
}

impl Arrival {
    pub fn outcome(self) -> Outcome {
        match self {
            Arrival::Create => Outcome::Created,
            Arrival::Fill { .. } => Outcome::Filled,
            Arrival::AlreadyImported { .. } => Outcome::AlreadyImported,
        }
    }
}

/// What an import did, as its report says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new event.
    Created,
    /// An event prepared here and never used took the file's.
    Filled,
    /// The file was imported before: nothing written.
    AlreadyImported,
}

/// Decides between creating the event, filling an unused one of the same code, recognising an
/// earlier import of the same file, and refusing an event that holds other records.
pub fn arrival(file: &EventFile, central: Option<&CentralEvent>) -> Result<Arrival, FieldErrors> {
    let Some(c) = central else {
        return Ok(Arrival::Create);
    };
    let ours = file.record_ids();
    if c.records == ours && !ours.is_empty() {
        return Ok(Arrival::AlreadyImported { event_id: c.id });
    }
    if c.records.is_empty() && c.movements == 0 && c.counters == 0 && c.state != EventState::Settled {
        return Ok(Arrival::Fill { event_id: c.id });
    }
    let mut e = FieldErrors::default();
    let code = &file.event.code;
    if c.state == EventState::Settled && c.records.is_empty() {
        e.add(
            "event.code",
            "settled",
            format!("イベント{code}はここで精算済みです"),
        );
    }
    let differ = |what: &str, here: &BTreeSet<String>, there: &BTreeSet<String>, e: &mut FieldErrors| {
        let only_here = here.difference(there).count();
        let only_file = there.difference(here).count();
        if only_here + only_file > 0 {
            e.add(
                format!("event.code:{what}"),
                "different_content",
                format!(
                    "イベント{code}はすでにあり、内容が違います({what}: ここだけに{only_here}件、ファイルだけに{only_file}件)"
                ),
            );
        }
    };
    differ("sales", &c.records.sales, &ours.sales, &mut e);
    differ(
        "register_sessions",
        &c.records.register_sessions,
        &ours.register_sessions,
        &mut e,
    );
    differ(
        "stock_operations",
        &c.records.stock_operations,
        &ours.stock_operations,
        &mut e,
    );
    differ("payouts", &c.records.payouts, &ours.payouts, &mut e);
    differ("adjustments", &c.records.adjustments, &ours.adjustments, &mut e);
    if e.is_empty() {
        e.add(
            "event.code",
            "different_content",
            format!("イベント{code}はすでにあり、使われています(在庫移動またはレシート番号があります)"),
        );
    }
    Err(e)
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub event_code: String,
    pub outcome: Outcome,
    /// The central event's id (none on a dry run that would create it).
    pub event_id: Option<i64>,
    pub counts: Counts,
    /// Logins created centrally (disabled cashiers without password or PIN).
    pub users_created: Vec<String>,
    /// The event had been settled on the laptop: it arrives closed, to be settled here.
    pub settled_on_laptop: bool,
    pub dry_run: bool,
    /// Whether anything was written (false on a dry run and for an earlier import).
    pub written: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register_sessions::DenominationCount;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    fn line(line_no: i64, product: Ref, quantity: i64, unit_price: i64, rate: TaxRate) -> LineRecord {
        LineRecord {
            line_no,
            product,
            facility: 1,
            name: format!("商品{product}"),
            quantity,
            unit_price: Yen(unit_price),
            tax_rate: rate,
            discount: Yen::ZERO,
            net: Yen(unit_price * quantity),
            invoice_eligible: true,
            original_line_no: None,
        }
    }

    fn sale(n: i64, lines: Vec<LineRecord>, rate_totals: Vec<RateTotal>) -> SaleRecord {
        let total = lines.iter().map(|l| l.net.0).sum();
        SaleRecord {
            id: Uuid::from_u128(n as u128),
            kind: SaleKind::Sale,
            register: 7,
            receipt_no: n,
            receipt_number: format!("HB-R1-{n:04}"),
            local_number: String::new(),
            cashier: 3,
            sold_at: at("2026-11-28T02:00:00Z"),
            recorded_at: at("2026-11-28T02:00:01Z"),
            original_sale_id: None,
            total: Yen(total),
            change_due: Yen::ZERO,
            voucher_surplus: Yen::ZERO,
            non_invoice_total: Yen::ZERO,
            late: false,
            voided_by: None,
            reason: String::new(),
            approval_id: None,
            session_id: Some("s1".into()),
            issuer_name: Some("協議会".into()),
            issuer_invoice_number: None,
            tenders: vec![TenderRecord {
                seq: 0,
                kind: TenderKind::Cash,
                amount: Yen(total),
            }],
            lines,
            rate_totals,
        }
    }

    fn movement_of(s: &SaleRecord) -> Vec<MovementRecord> {
        s.lines
            .iter()
            .map(|l| MovementRecord {
                product: l.product,
                facility: l.facility,
                at_event: true,
                kind: match s.kind {
                    SaleKind::Sale => MovementKind::Sale,
                    SaleKind::Void => MovementKind::Void,
                    SaleKind::Refund => MovementKind::Refund,
                },
                quantity: -l.quantity,
                sale_id: Some(s.id),
                operation_id: None,
                reason: String::new(),
                created_by: Some(3),
                created_at: s.recorded_at,
            })
            .collect()
    }

    /// A closed event with one register, two sales (the second voided), a 搬入 and a close.
    fn file() -> EventFile {
        let first = sale(
            1,
            vec![line(1, 10, 2, 120, TaxRate::Reduced)],
            vec![RateTotal {
                rate: TaxRate::Reduced,
                total: Yen(240),
                tax: Yen(17),
            }],
        );
        let mut second = sale(
            2,
            vec![line(1, 11, 1, 780, TaxRate::Standard)],
            vec![RateTotal {
                rate: TaxRate::Standard,
                total: Yen(780),
                tax: Yen(70),
            }],
        );
        let mut void = sale(
            3,
            vec![LineRecord {
                quantity: -1,
                net: Yen(-780),
                original_line_no: Some(1),
                ..line(1, 11, 1, 780, TaxRate::Standard)
            }],
            vec![RateTotal {
                rate: TaxRate::Standard,
                total: Yen(-780),
                tax: Yen(-70),
            }],
        );
        void.kind = SaleKind::Void;
        void.original_sale_id = Some(second.id);
        second.voided_by = Some(void.id);
        let sales = vec![first, second, void];
        let mut movements: Vec<MovementRecord> = sales.iter().flat_map(movement_of).collect();
        for (at_event, quantity) in [(true, 10), (false, -10)] {
            movements.push(MovementRecord {
                product: 10,
                facility: 1,
                at_event,
                kind: MovementKind::Intake,
                quantity,
                sale_id: None,
                operation_id: Some("op1".into()),
                reason: String::new(),
                created_by: Some(3),
                created_at: at("2026-11-28T00:00:00Z"),
            });
        }
        let float = CashCount(vec![DenominationCount {
            denomination: 1000,
            count: 5,
        }]);
        let counted = CashCount(vec![
            DenominationCount {
                denomination: 1000,
                count: 5,
            },
            DenominationCount {
                denomination: 10,
                count: 24,
            },
        ]);
        EventFile {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: at("2026-11-30T00:00:00Z"),
            source: Source {
                database: "sqlite".into(),
                schema_version: 15,
                selpos: "0.1.0".into(),
            },
            council: CouncilKey {
                name: "協議会".into(),
                invoice_number: None,
                tax_rounding: RoundingMode::Down,
            },
            event: EventHeader {
                key: 2,
                code: "HB26".into(),
                kind: EventKind::Bazaar,
                name: "ハートバザール".into(),
                venue: String::new(),
                starts_on: NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
                ends_on: NaiveDate::from_ymd_opt(2026, 11, 29).expect("date"),
                state: EventState::Closed,
                commission: CommissionRule::Percent { basis_points: 1000 },
                eat_in: false,
                participants: vec![ParticipantKey {
                    facility: 1,
                    commission_override: None,
                }],
                settled: None,
                created_at: at("2026-11-01T00:00:00Z"),
            },
            facilities: vec![FacilityKey {
                key: 1,
                number: 101,
                name: "A工房".into(),
            }],
            products: vec![
                ProductKey {
                    key: 10,
                    facility: 1,
                    name: "クッキー".into(),
                    jan: Some("4900000000011".into()),
                    tax_rate: TaxRate::Reduced,
                    price: Yen(120),
                },
                ProductKey {
                    key: 11,
                    facility: 1,
                    name: "石けん".into(),
                    jan: None,
                    tax_rate: TaxRate::Standard,
                    price: Yen(780),
                },
            ],
            users: vec![UserKey {
                key: 3,
                login: "vol".into(),
                display_name: "ボランティア".into(),
                role: "cashier".into(),
            }],
            registers: vec![RegisterKey {
                key: 7,
                code: "R1".into(),
                name: "レジ1".into(),
                paper_columns: 48,
            }],
            register_sessions: vec![SessionRecord {
                id: "s1".into(),
                register: 7,
                opened_at: at("2026-11-28T00:30:00Z"),
                opened_by: 3,
                auto_opened: false,
                float_total: float.total(),
                float_counts: float,
                close_id: Some("c1".into()),
                closed_at: Some(at("2026-11-28T08:00:00Z")),
                closed_by: Some(3),
                counted: Some(counted.total()),
                counts: Some(counted),
                note: String::new(),
            }],
            payouts: Vec::new(),
            approvals: Vec::new(),
            sales,
            stock_operations: vec![StockOperationRecord {
                id: "op1".into(),
                kind: MovementKind::Intake,
                facility: 1,
                note: String::new(),
                approval_id: None,
                created_by: 3,
                created_at: at("2026-11-28T00:00:00Z"),
            }],
            stock_movements: movements,
            adjustments: Vec::new(),
            audit: Vec::new(),
        }
    }

    fn codes(result: Result<(), FieldErrors>) -> Vec<String> {
        result
            .err()
            .map(|e| e.0.into_iter().map(|f| f.code).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_consistent_file_passes_and_reads_back() {
        let f = file();
        assert_eq!(check(&f), Ok(()));
        let bytes = to_json(&f);
        assert_eq!(parse(&bytes), Ok(f.clone()));
        assert_eq!(f.last_receipt_numbers(), BTreeMap::from([(7, 3)]));
        let c = f.counts();
        assert_eq!((c.sales, c.voids, c.refunds, c.stock_movements), (2, 1, 0, 5));
    }

    #[test]
    fn another_version_or_format_is_refused_before_anything_else() {
        let mut value = serde_json::to_value(file()).expect("json");
        value["version"] = serde_json::json!(2);
        value["sales"] = serde_json::json!("garbage");
        let e = parse(&serde_json::to_vec(&value).expect("bytes")).expect_err("version 2");
        assert_eq!(e.0[0].code, "unsupported_version");
        assert!(
            e.0[0].message.contains('2') && e.0[0].message.contains("バージョン1"),
            "{e:?}"
        );
        value["version"] = serde_json::json!(1);
        value["format"] = serde_json::json!("other");
        assert_eq!(
            parse(&serde_json::to_vec(&value).expect("bytes"))
                .expect_err("format")
                .0[0]
                .code,
            "not_an_event_file"
        );
        assert_eq!(parse(b"{not json").expect_err("json").0[0].code, "not_json");
        value["format"] = serde_json::json!(FORMAT);
        value["surprise"] = serde_json::json!(1);
        assert_eq!(
            parse(&serde_json::to_vec(&value).expect("bytes"))
                .expect_err("unknown field")
                .0[0]
                .code,
            "format"
        );
    }

    #[test]
    fn a_sale_whose_lines_do_not_add_up_is_refused() {
        let mut f = file();
        f.sales[0].lines[0].net = Yen(230);
        let found = codes(check(&f));
        assert!(
            found.iter().filter(|c| *c == "does_not_add_up").count() >= 3,
            "{found:?}"
        );
        let mut f = file();
        f.sales[0].total = Yen(250);
        f.sales[0].tenders[0].amount = Yen(250);
        assert!(codes(check(&f)).contains(&"does_not_add_up".to_string()));
        let mut f = file();
        f.sales[0].tenders[0].amount = Yen(300);
        assert_eq!(codes(check(&f)), ["does_not_add_up"]);
        // Change given makes it right again.
        f.sales[0].change_due = Yen(60);
        assert_eq!(check(&f), Ok(()));
    }

    #[test]
    fn receipt_numbers_must_run_without_a_gap() {
        let mut f = file();
        f.sales[2].receipt_no = 4;
        assert_eq!(codes(check(&f)), ["receipt_gap"]);
    }

    #[test]
    fn references_must_resolve_inside_the_file() {
        let mut f = file();
        f.sales[0].cashier = 99;
        f.sales[1].original_sale_id = Some(Uuid::from_u128(77));
        f.stock_movements[0].sale_id = Some(Uuid::from_u128(78));
        let found = codes(check(&f));
        assert!(
            found.iter().filter(|c| *c == "unknown_ref").count() >= 3,
            "{found:?}"
        );
    }

    #[test]
    fn stock_must_be_what_the_records_moved() {
        let mut f = file();
        f.stock_movements.pop(); // the premises' half of the 搬入
        assert_eq!(codes(check(&f)), ["does_not_add_up"]);
        let mut f = file();
        f.stock_movements[0].quantity = -1;
        assert_eq!(codes(check(&f)), ["stock_mismatch"]);
        let mut f = file();
        f.stock_movements.remove(0);
        assert_eq!(codes(check(&f)), ["stock_mismatch"]);
    }

    #[test]
    fn an_open_event_or_an_empty_file_is_refused() {
        let mut f = file();
        f.event.state = EventState::Open;
        assert_eq!(codes(check(&f)), ["not_closed"]);
        let mut f = file();
        f.sales.clear();
        f.register_sessions.clear();
        f.stock_operations.clear();
        f.stock_movements.clear();
        assert_eq!(codes(check(&f)), ["empty"]);
    }

    #[test]
    fn the_event_and_users_meet_the_central_forms_checks() {
        let mut f = file();
        f.event.code = "hb 26".into();
        f.users[0].login = "Vol Unteer".into();
        f.registers[0].paper_columns = 40;
        let e = check(&f).expect_err("refused");
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert!(fields.contains(&"event.code"), "{fields:?}");
        assert!(fields.contains(&"users[0].login"), "{fields:?}");
        assert!(fields.iter().any(|f| f.starts_with("registers[0]")), "{fields:?}");
    }

    #[test]
    fn session_counts_must_match_their_totals() {
        let mut f = file();
        f.register_sessions[0].counted = Some(Yen(1));
        f.register_sessions[0].float_total = Yen(2);
        assert_eq!(codes(check(&f)), ["mismatch", "mismatch"]);
    }

    fn central() -> Central {
        Central {
            facilities: vec![
                CentralFacility {
                    id: 50,
                    number: 200,
                    name: "B農園".into(),
                },
                CentralFacility {
                    id: 51,
                    number: 101,
                    name: "A工房".into(),
                },
            ],
            products: vec![
                CentralProduct {
                    id: 90,
                    facility_id: 51,
                    name: "石けん".into(),
                    jan: None,
                    tax_rate: TaxRate::Standard,
                },
                CentralProduct {
                    id: 91,
                    facility_id: 51,
                    name: "クッキー(旧)".into(),
                    jan: Some("4900000000011".into()),
                    tax_rate: TaxRate::Reduced,
                },
                CentralProduct {
                    id: 92,
                    facility_id: 50,
                    name: "石けん".into(),
                    jan: None,
                    tax_rate: TaxRate::Standard,
                },
            ],
            users: vec![CentralUser {
                id: 5,
                login: "admin".into(),
            }],
            tax_rounding: RoundingMode::Down,
        }
    }

    #[test]
    fn records_match_by_stable_keys_never_by_id() {
        let m = match_records(&file(), &central()).expect("matches");
        assert_eq!(m.facilities, BTreeMap::from([(1, 51)]));
        // By JAN though renamed; by name within the facility (not B農園's soap).
        assert_eq!(m.products, BTreeMap::from([(10, 91), (11, 90)]));
        assert_eq!(m.users_to_create, vec![3]);
    }

    #[test]
    fn every_mismatch_is_listed() {
        let mut c = central();
        c.facilities[1].name = "A工房(旧)".into();
        c.tax_rounding = RoundingMode::HalfUp;
        let e = match_records(&file(), &c).expect_err("refused");
        let found: Vec<&str> = e.0.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(found, ["mismatch", "name_mismatch"]);

        let mut c = central();
        c.products.retain(|p| p.id != 90);
        c.products.push(CentralProduct {
            id: 93,
            facility_id: 51,
            name: "石けん".into(),
            jan: None,
            tax_rate: TaxRate::Standard,
        });
        c.products.push(CentralProduct {
            id: 94,
            facility_id: 51,
            name: "石けん".into(),
            jan: None,
            tax_rate: TaxRate::Standard,
        });
        c.products[0].tax_rate = TaxRate::Standard; // the cookie by JAN
        let e = match_records(&file(), &c).expect_err("refused");
        let found: Vec<&str> = e.0.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(found, ["tax_rate_mismatch", "ambiguous"]);

        let mut c = central();
        c.products[1].facility_id = 50;
        c.products.remove(0);
        let e = match_records(&file(), &c).expect_err("refused");
        let found: Vec<&str> = e.0.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(found, ["other_facility", "not_found"]);
    }

    #[test]
    fn an_existing_event_is_filled_recognised_or_refused() {
        let f = file();
        assert_eq!(arrival(&f, None), Ok(Arrival::Create));
        let empty = CentralEvent {
            id: 4,
            state: EventState::Planned,
            records: RecordIds::default(),
            movements: 0,
            counters: 0,
        };
        assert_eq!(arrival(&f, Some(&empty)), Ok(Arrival::Fill { event_id: 4 }));
        let same = CentralEvent {
            records: f.record_ids(),
            state: EventState::Closed,
            ..empty.clone()
        };
        assert_eq!(
            arrival(&f, Some(&same)),
            Ok(Arrival::AlreadyImported { event_id: 4 })
        );
        let mut records = f.record_ids();
        records.sales.insert("another".into());
        let other = CentralEvent {
            records,
            ..empty.clone()
        };
        let e = arrival(&f, Some(&other)).expect_err("different");
        assert_eq!(e.0.len(), 1);
        assert!(e.0[0].message.contains("ここだけに1件"), "{e:?}");
        let used = CentralEvent {
            counters: 1,
            ..empty.clone()
        };
        assert!(arrival(&f, Some(&used)).is_err());
        let settled = CentralEvent {
            state: EventState::Settled,
            ..empty
        };
        assert!(arrival(&f, Some(&settled)).is_err());
    }
}
