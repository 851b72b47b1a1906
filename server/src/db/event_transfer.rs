//! SQL for bringing an event from one database into another (`selpos export-event` /
//! `import-event`): everything recorded at an event read in one snapshot, the central master
//! data it is matched against, and the records written with the central ids.
//!
//! Records are written with multi-row `INSERT`s in chunks: an event of tens of thousands of
//! sales is one transaction of a few hundred statements, not of a few hundred thousand.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, NaiveDate, Utc};
use selpos_domain::event_transfer::{
    AdjustmentRecord, ApprovalRecord, AuditRecord, CentralEvent, CentralFacility, CentralProduct,
    CentralUser, LineRecord, MovementRecord, PayoutRecord, RecordIds, Ref, SaleRecord, SessionRecord,
    StockOperationRecord, TenderRecord,
};
use selpos_domain::register_sessions::CashCount;
use selpos_domain::sales::SaleKind;
use selpos_domain::sales::cart::RateTotal;
use selpos_domain::stock::MovementKind;
use selpos_domain::{TaxRate, Yen};
use sqlx::QueryBuilder;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Rows per multi-row `INSERT`: the widest (a sale header, 21 columns) stays far below the
/// bind limits of SQLite (32,766) and PostgreSQL (65,535).
const CHUNK: usize = 500;

fn decode(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value:?}").into())
}

fn uuid(text: &str) -> Result<uuid::Uuid, sqlx::Error> {
    text.parse().map_err(|_| decode("record id", text))
}

fn counts(json: &str) -> Result<CashCount, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn movement_kind(code: &str) -> Result<MovementKind, sqlx::Error> {
    MovementKind::from_code(code).ok_or_else(|| decode("stock movement", code))
}

fn tax_rate(code: &str) -> Result<TaxRate, sqlx::Error> {
    TaxRate::from_code(code).ok_or_else(|| decode("tax rate", code))
}

/// Inserts `$rows` in chunks of [`CHUNK`], each one statement of `$head` and the values
/// `$push` binds for a row (`$b` the row's builder, `$r` the row).
macro_rules! insert_all {
    ($tx:expr, $head:expr, $rows:expr, |$b:ident, $r:ident| $push:block) => {{
        for chunk in $rows.chunks(CHUNK) {
            on_tx!($tx, |conn| {
                QueryBuilder::new($head)
                    .push_values(chunk, |mut $b, $r| $push)
                    .build()
                    .execute(&mut *conn)
                    .await?;
            });
        }
    }};
}

// ---------------------------------------------------------------------------------------------
// Reading an event (export)

pub async fn event_id(tx: &mut Tx, code: &str) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT id FROM events WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await)
}

/// What the event shares with other events, one description each: such an event cannot be
/// brought over on its own.
pub async fn shared_with_other_events(tx: &mut Tx, event_id: i64) -> Result<Vec<String>, sqlx::Error> {
    let queries = [
        (
            "rung on another event's register",
            "SELECT s.receipt_number FROM sales s JOIN registers r ON r.id = s.register_id
             WHERE s.event_id = $1 AND r.event_id <> $1 ORDER BY s.receipt_number",
        ),
        (
            "of another event on this event's register",
            "SELECT s.receipt_number FROM sales s JOIN registers r ON r.id = s.register_id
             WHERE r.event_id = $1 AND s.event_id <> $1 ORDER BY s.receipt_number",
        ),
        (
            "reversing a sale of another event, or reversed at another event",
            "SELECT r.receipt_number FROM sales r JOIN sales o ON o.id = r.original_sale_id
             WHERE (r.event_id = $1 OR o.event_id = $1) AND r.event_id <> o.event_id ORDER BY r.receipt_number",
        ),
        (
            "stock transfer to or from another event",
            "SELECT id FROM stock_operations WHERE (event_id = $1 AND to_event_id IS NOT NULL) OR to_event_id = $1
             ORDER BY id",
        ),
        (
            "stock moved at the event by no record of it",
            "SELECT CAST(m.id AS TEXT) FROM stock_movements m WHERE m.event_id = $1
               AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.id = m.sale_id AND s.event_id = $1)
               AND NOT EXISTS (SELECT 1 FROM stock_operations o WHERE o.id = m.operation_id AND o.event_id = $1)
             ORDER BY m.id",
        ),
        (
            "approval given at another event's register",
            "SELECT a.id FROM approvals a WHERE a.register_id IS NOT NULL
               AND a.register_id NOT IN (SELECT id FROM registers WHERE event_id = $1)
               AND (a.id IN (SELECT approval_id FROM sales WHERE event_id = $1)
                    OR a.id IN (SELECT approval_id FROM stock_operations WHERE event_id = $1))
             ORDER BY a.id",
        ),
    ];
    let mut found = Vec::new();
    for (what, sql) in queries {
        let ids: Vec<String> = on_tx!(tx, |conn| sqlx::query_scalar(sql)
            .bind(event_id)
            .fetch_all(&mut *conn)
            .await)?;
        if !ids.is_empty() {
            let shown: Vec<&str> = ids.iter().take(10).map(String::as_str).collect();
            let more = if ids.len() > 10 { " …" } else { "" };
            found.push(format!(
                "{} record(s) {what}: {}{more}",
                ids.len(),
                shown.join(", ")
            ));
        }
    }
    Ok(found)
}

/// Every facility: (id, number, name).
pub async fn facilities(tx: &mut Tx) -> Result<Vec<CentralFacility>, sqlx::Error> {
    let rows: Vec<(i64, i64, String)> = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT id, number, name FROM facilities ORDER BY id"
    )
    .fetch_all(&mut *conn)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, number, name)| CentralFacility { id, number, name })
        .collect())
}

/// A product as the file names it: its facility, name, JAN, tax rate and list price.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductRow {
    pub id: i64,
    pub facility_id: i64,
    pub name: String,
    pub jan: Option<String>,
    pub tax_rate: String,
    pub price: i64,
}

pub async fn products(tx: &mut Tx) -> Result<Vec<ProductRow>, sqlx::Error> {
    on_tx!(tx, |conn| {
        sqlx::query_as(
        "SELECT id, facility_id, name, COALESCE(jan, in_store_code) AS jan, tax_rate, price FROM products ORDER BY id"
    )
    .fetch_all(&mut *conn)
    .await
    })
}

pub fn central_products(rows: Vec<ProductRow>) -> Result<Vec<CentralProduct>, sqlx::Error> {
    rows.into_iter()
        .map(|r| {
            Ok(CentralProduct {
                tax_rate: tax_rate(&r.tax_rate)?,
                id: r.id,
                facility_id: r.facility_id,
                name: r.name,
                jan: r.jan,
            })
        })
        .collect()
}

/// Every user: (id, login, display name, role).
pub async fn users(tx: &mut Tx) -> Result<Vec<(i64, String, String, String)>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_as(
        "SELECT id, login, display_name, role FROM users ORDER BY id"
    )
    .fetch_all(&mut *conn)
    .await)
}

pub fn central_users(rows: &[(i64, String, String, String)]) -> Vec<CentralUser> {
    rows.iter()
        .map(|(id, login, _, _)| CentralUser {
            id: *id,
            login: login.clone(),
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    register_id: i64,
    opened_at: DateTime<Utc>,
    opened_by: i64,
    auto_opened: bool,
    float_counts: String,
    float_total: i64,
    close_id: Option<String>,
    closed_at: Option<DateTime<Utc>>,
    closed_by: Option<i64>,
    counts: Option<String>,
    counted: Option<i64>,
    note: String,
}

pub async fn sessions(tx: &mut Tx, event_id: i64) -> Result<Vec<SessionRecord>, sqlx::Error> {
    let sql = "SELECT rs.id, rs.register_id, rs.opened_at, rs.opened_by, rs.auto_opened, rs.float_counts,
                      rs.float_total, rs.close_id, rs.closed_at, rs.closed_by, rs.counts, rs.counted, rs.note
               FROM register_sessions rs JOIN registers r ON r.id = rs.register_id
               WHERE r.event_id = $1 ORDER BY rs.opened_at, rs.id";
    let rows: Vec<SessionRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(SessionRecord {
                id: r.id,
                register: r.register_id,
                opened_at: r.opened_at,
                opened_by: r.opened_by,
                auto_opened: r.auto_opened,
                float_counts: counts(&r.float_counts)?,
                float_total: Yen(r.float_total),
                close_id: r.close_id,
                closed_at: r.closed_at,
                closed_by: r.closed_by,
                counts: r.counts.as_deref().map(counts).transpose()?,
                counted: r.counted.map(Yen),
                note: r.note,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct PayoutRow {
    id: String,
    session_id: String,
    amount: i64,
    reason: String,
    created_by: i64,
    created_at: DateTime<Utc>,
}

pub async fn payouts(tx: &mut Tx, event_id: i64) -> Result<Vec<PayoutRecord>, sqlx::Error> {
    let sql = "SELECT p.id, p.session_id, p.amount, p.reason, p.created_by, p.created_at
               FROM register_payouts p JOIN register_sessions rs ON rs.id = p.session_id
               JOIN registers r ON r.id = rs.register_id
               WHERE r.event_id = $1 ORDER BY p.created_at, p.id";
    let rows: Vec<PayoutRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| PayoutRecord {
            id: r.id,
            session_id: r.session_id,
            amount: Yen(r.amount),
            reason: r.reason,
            created_by: r.created_by,
            created_at: r.created_at,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct ApprovalRow {
    id: String,
    action: String,
    approver_id: i64,
    requested_by: i64,
    register_id: Option<i64>,
    sale_id: Option<String>,
    amount: Option<i64>,
    reason: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
}

/// The approvals asked for at the event's registers, and those its records used.
pub async fn approvals(tx: &mut Tx, event_id: i64) -> Result<Vec<ApprovalRecord>, sqlx::Error> {
    let sql =
        "SELECT a.id, a.action, a.approver_id, a.requested_by, a.register_id, a.sale_id, a.amount, a.reason,
                      a.created_at, a.expires_at, a.used_at
               FROM approvals a
               WHERE a.register_id IN (SELECT id FROM registers WHERE event_id = $1)
                  OR a.id IN (SELECT approval_id FROM sales WHERE event_id = $1)
                  OR a.id IN (SELECT approval_id FROM stock_operations WHERE event_id = $1)
               ORDER BY a.created_at, a.id";
    let rows: Vec<ApprovalRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| ApprovalRecord {
            id: r.id,
            action: r.action,
            approver: r.approver_id,
            requested_by: r.requested_by,
            register: r.register_id,
            sale_id: r.sale_id,
            amount: r.amount,
            reason: r.reason,
            created_at: r.created_at,
            expires_at: r.expires_at,
            used_at: r.used_at,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct SaleRow {
    id: String,
    kind: String,
    register_id: i64,
    receipt_no: i64,
    receipt_number: String,
    local_number: String,
    cashier_id: i64,
    sold_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    original_sale_id: Option<String>,
    total: i64,
    change_due: i64,
    voucher_surplus: i64,
    non_invoice_total: i64,
    late: bool,
    voided_by: Option<String>,
    reason: String,
    approval_id: Option<String>,
    session_id: Option<String>,
    issuer_name: Option<String>,
    issuer_invoice_number: Option<String>,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    sale_id: String,
    line_no: i64,
    product_id: i64,
    facility_id: i64,
    name: String,
    quantity: i64,
    unit_price: i64,
    tax_rate: String,
    discount: i64,
    net: i64,
    invoice_eligible: bool,
    original_line_no: Option<i64>,
}

/// The event's journal: every sale, void and refund with its lines, tenders and per-rate
/// totals, by register and receipt number.
pub async fn sales(tx: &mut Tx, event_id: i64) -> Result<Vec<SaleRecord>, sqlx::Error> {
    let headers_sql = "SELECT id, kind, register_id, receipt_no, receipt_number, local_number, cashier_id, sold_at,
                              recorded_at, original_sale_id, total, change_due, voucher_surplus, non_invoice_total,
                              late, voided_by, reason, approval_id, session_id, issuer_name, issuer_invoice_number
                       FROM sales WHERE event_id = $1 ORDER BY register_id, receipt_no";
    let lines_sql =
        "SELECT l.sale_id, l.line_no, l.product_id, l.facility_id, l.name, l.quantity, l.unit_price,
                            l.tax_rate, l.discount, l.net, l.invoice_eligible, l.original_line_no
                     FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.event_id = $1
                     ORDER BY l.sale_id, l.line_no";
    let tenders_sql =
        "SELECT t.sale_id, t.seq, t.kind, t.amount FROM sale_tenders t JOIN sales s ON s.id = t.sale_id
                       WHERE s.event_id = $1 ORDER BY t.sale_id, t.seq";
    let rates_sql = "SELECT t.sale_id, t.tax_rate, t.total, t.tax FROM sale_rate_totals t
                     JOIN sales s ON s.id = t.sale_id WHERE s.event_id = $1 ORDER BY t.sale_id, t.tax_rate DESC";
    type Rows = (
        Vec<SaleRow>,
        Vec<LineRow>,
        Vec<(String, i64, String, i64)>,
        Vec<(String, String, i64, i64)>,
    );
    let (headers, lines, tenders, rates): Rows = on_tx!(tx, |conn| {
        let headers = sqlx::query_as(headers_sql)
            .bind(event_id)
            .fetch_all(&mut *conn)
            .await?;
        let lines = sqlx::query_as(lines_sql)
            .bind(event_id)
            .fetch_all(&mut *conn)
            .await?;
        let tenders = sqlx::query_as(tenders_sql)
            .bind(event_id)
            .fetch_all(&mut *conn)
            .await?;
        let rates = sqlx::query_as(rates_sql)
            .bind(event_id)
            .fetch_all(&mut *conn)
            .await?;
        (headers, lines, tenders, rates)
    });
    let mut lines_of: HashMap<String, Vec<LineRecord>> = HashMap::new();
    for l in lines {
        lines_of.entry(l.sale_id).or_default().push(LineRecord {
            line_no: l.line_no,
            product: l.product_id,
            facility: l.facility_id,
            name: l.name,
            quantity: l.quantity,
            unit_price: Yen(l.unit_price),
            tax_rate: tax_rate(&l.tax_rate)?,
            discount: Yen(l.discount),
            net: Yen(l.net),
            invoice_eligible: l.invoice_eligible,
            original_line_no: l.original_line_no,
        });
    }
    let mut tenders_of: HashMap<String, Vec<TenderRecord>> = HashMap::new();
    for (sale_id, seq, kind, amount) in tenders {
        tenders_of.entry(sale_id).or_default().push(TenderRecord {
            seq,
            kind: super::sales::tender_kind(&kind)?,
            amount: Yen(amount),
        });
    }
    let mut rates_of: HashMap<String, Vec<RateTotal>> = HashMap::new();
    for (sale_id, rate, total, tax) in rates {
        rates_of.entry(sale_id).or_default().push(RateTotal {
            rate: tax_rate(&rate)?,
            total: Yen(total),
            tax: Yen(tax),
        });
    }
    headers
        .into_iter()
        .map(|h| {
            Ok(SaleRecord {
                id: uuid(&h.id)?,
                kind: SaleKind::from_code(&h.kind).ok_or_else(|| decode("sale kind", &h.kind))?,
                register: h.register_id,
                receipt_no: h.receipt_no,
                receipt_number: h.receipt_number,
                local_number: h.local_number,
                cashier: h.cashier_id,
                sold_at: h.sold_at,
                recorded_at: h.recorded_at,
                original_sale_id: h.original_sale_id.as_deref().map(uuid).transpose()?,
                total: Yen(h.total),
                change_due: Yen(h.change_due),
                voucher_surplus: Yen(h.voucher_surplus),
                non_invoice_total: Yen(h.non_invoice_total),
                late: h.late,
                voided_by: h.voided_by.as_deref().map(uuid).transpose()?,
                reason: h.reason,
                approval_id: h.approval_id,
                session_id: h.session_id,
                issuer_name: h.issuer_name,
                issuer_invoice_number: h.issuer_invoice_number,
                lines: lines_of.remove(&h.id).unwrap_or_default(),
                tenders: tenders_of.remove(&h.id).unwrap_or_default(),
                rate_totals: rates_of.remove(&h.id).unwrap_or_default(),
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct OperationRow {
    id: String,
    kind: String,
    facility_id: i64,
    note: String,
    approval_id: Option<String>,
    created_by: i64,
    created_at: DateTime<Utc>,
}

pub async fn stock_operations(tx: &mut Tx, event_id: i64) -> Result<Vec<StockOperationRecord>, sqlx::Error> {
    let sql = "SELECT id, kind, facility_id, note, approval_id, created_by, created_at FROM stock_operations
               WHERE event_id = $1 ORDER BY created_at, id";
    let rows: Vec<OperationRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(StockOperationRecord {
                kind: movement_kind(&r.kind)?,
                id: r.id,
                facility: r.facility_id,
                note: r.note,
                approval_id: r.approval_id,
                created_by: r.created_by,
                created_at: r.created_at,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct MovementRow {
    product_id: i64,
    facility_id: i64,
    at_event: bool,
    kind: String,
    quantity: i64,
    sale_id: Option<String>,
    operation_id: Option<String>,
    reason: String,
    created_by: Option<i64>,
    created_at: DateTime<Utc>,
}

/// The movements at the event, and the premises' half of its 搬入 and 搬出.
pub async fn stock_movements(tx: &mut Tx, event_id: i64) -> Result<Vec<MovementRecord>, sqlx::Error> {
    let sql = "SELECT m.product_id, m.facility_id, m.event_id IS NOT NULL AS at_event, m.kind, m.quantity,
                      m.sale_id, m.operation_id, m.reason, m.created_by, m.created_at
               FROM stock_movements m
               WHERE m.event_id = $1 OR m.operation_id IN (SELECT id FROM stock_operations WHERE event_id = $1)
               ORDER BY m.id";
    let rows: Vec<MovementRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(MovementRecord {
                kind: movement_kind(&r.kind)?,
                product: r.product_id,
                facility: r.facility_id,
                at_event: r.at_event,
                quantity: r.quantity,
                sale_id: r.sale_id.as_deref().map(uuid).transpose()?,
                operation_id: r.operation_id,
                reason: r.reason,
                created_by: r.created_by,
                created_at: r.created_at,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct AdjustmentRow {
    id: String,
    facility_id: i64,
    amount: i64,
    reason: String,
    created_by: i64,
    created_at: DateTime<Utc>,
}

pub async fn adjustments(tx: &mut Tx, event_id: i64) -> Result<Vec<AdjustmentRecord>, sqlx::Error> {
    let sql = "SELECT id, facility_id, amount, reason, created_by, created_at FROM settlement_adjustments
               WHERE event_id = $1 ORDER BY created_at, id";
    let rows: Vec<AdjustmentRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| AdjustmentRecord {
            id: r.id,
            facility: r.facility_id,
            amount: Yen(r.amount),
            reason: r.reason,
            created_by: r.created_by,
            created_at: r.created_at,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    at: DateTime<Utc>,
    actor_login: String,
    register_id: Option<i64>,
    action: String,
    entity: String,
    entity_id: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

/// The audit records about the event: the event itself, its registers, its records and its
/// approvals, and whatever was done on its registers' tablets.
pub async fn audit(tx: &mut Tx, event_id: i64) -> Result<Vec<AuditRecord>, sqlx::Error> {
    let sql = "SELECT a.at, a.actor_login, a.register_id, a.action, a.entity, a.entity_id, a.before, a.after
               FROM audit_log a
               WHERE a.register_id IN (SELECT id FROM registers WHERE event_id = $1)
                  OR (a.entity = 'event' AND a.entity_id = $2)
                  OR (a.entity = 'register' AND a.entity_id IN (SELECT CAST(id AS TEXT) FROM registers WHERE event_id = $1))
                  OR (a.entity = 'sale' AND a.entity_id IN (SELECT id FROM sales WHERE event_id = $1))
                  OR (a.entity = 'stock_operation' AND a.entity_id IN (SELECT id FROM stock_operations WHERE event_id = $1))
                  OR (a.entity = 'approval' AND a.entity_id IN (
                        SELECT id FROM approvals WHERE register_id IN (SELECT id FROM registers WHERE event_id = $1)
                        UNION SELECT approval_id FROM sales WHERE event_id = $1 AND approval_id IS NOT NULL))
               ORDER BY a.id";
    let rows: Vec<AuditRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .bind(event_id.to_string())
        .fetch_all(&mut *conn)
        .await)?;
    let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
    Ok(rows
        .into_iter()
        .map(|r| AuditRecord {
            at: r.at,
            actor_login: r.actor_login,
            register: r.register_id,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before: json(r.before),
            after: json(r.after),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The central side (import)

/// The event of `code` with what it holds, if there is one.
pub async fn central_event(tx: &mut Tx, code: &str) -> Result<Option<CentralEvent>, sqlx::Error> {
    let Some(id) = event_id(tx, code).await? else {
        return Ok(None);
    };
    // Held as a settlement holds it: a write to the event under way finishes first, and one
    // that comes later waits for the import and then finds the event closed.
    let state = super::events::hold(tx, id, super::events::EventHold::Settle)
        .await?
        .ok_or_else(|| decode("event", code))?;
    let ids = [
        "SELECT id FROM sales WHERE event_id = $1 OR register_id IN (SELECT id FROM registers WHERE event_id = $1)",
        "SELECT rs.id FROM register_sessions rs JOIN registers r ON r.id = rs.register_id WHERE r.event_id = $1",
        "SELECT id FROM stock_operations WHERE event_id = $1 OR to_event_id = $1",
        "SELECT p.id FROM register_payouts p JOIN register_sessions rs ON rs.id = p.session_id
         JOIN registers r ON r.id = rs.register_id WHERE r.event_id = $1",
        "SELECT id FROM settlement_adjustments WHERE event_id = $1",
    ];
    let mut sets: Vec<BTreeSet<String>> = Vec::with_capacity(ids.len());
    for sql in ids {
        let found: Vec<String> = on_tx!(tx, |conn| sqlx::query_scalar(sql)
            .bind(id)
            .fetch_all(&mut *conn)
            .await)?;
        sets.push(found.into_iter().collect());
    }
    let [sales, register_sessions, stock_operations, payouts, adjustments]: [BTreeSet<String>; 5] =
        sets.try_into().map_err(|_| decode("event content", code))?;
    let (movements, counters): (i64, i64) = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM stock_movements WHERE event_id = $1),
                (SELECT COUNT(*) FROM register_counters c JOIN registers r ON r.id = c.register_id
                 WHERE r.event_id = $1)"
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await)?;
    Ok(Some(CentralEvent {
        id,
        state,
        records: RecordIds {
            sales,
            register_sessions,
            stock_operations,
            payouts,
            adjustments,
        },
        movements,
        counters,
    }))
}

/// Which of `ids` are the keys of rows of `table` already. `table` is one of this module's
/// own names (never input).
pub async fn taken(tx: &mut Tx, table: &'static str, ids: &[String]) -> Result<Vec<String>, sqlx::Error> {
    let mut found = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<String> = on_tx!(tx, |conn| {
            let mut q = QueryBuilder::new(format!("SELECT id FROM {table} WHERE id IN ("));
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(id);
            }
            q.push(")");
            q.build_query_scalar().fetch_all(&mut *conn).await?
        });
        found.extend(rows);
    }
    found.sort();
    Ok(found)
}

/// The event's header as it arrives: closed, to be settled here.
pub struct EventWrite<'a> {
    pub code: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub venue: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub commission_kind: &'static str,
    pub commission_value: i64,
    pub eat_in: bool,
    pub created_at: DateTime<Utc>,
}

/// Creates the event (closed) and answers its id.
pub async fn insert_event(tx: &mut Tx, e: &EventWrite<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO events (code, kind, name, venue, starts_on, ends_on, state, commission_kind,
                                   commission_value, eat_in, active, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, 'closed', $7, $8, $9, TRUE, $10, $11) RETURNING id";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(e.code)
        .bind(e.kind)
        .bind(e.name)
        .bind(e.venue)
        .bind(e.starts_on)
        .bind(e.ends_on)
        .bind(e.commission_kind)
        .bind(e.commission_value)
        .bind(e.eat_in)
        .bind(e.created_at)
        .bind(now)
        .fetch_one(&mut *conn)
        .await)
}

/// Gives an unused event the file's header, closed.
pub async fn fill_event(
    tx: &mut Tx,
    id: i64,
    e: &EventWrite<'_>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql =
        "UPDATE events SET kind = $1, name = $2, venue = $3, starts_on = $4, ends_on = $5, state = 'closed',
                      commission_kind = $6, commission_value = $7, eat_in = $8, active = TRUE, updated_at = $9
               WHERE id = $10";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(e.kind)
        .bind(e.name)
        .bind(e.venue)
        .bind(e.starts_on)
        .bind(e.ends_on)
        .bind(e.commission_kind)
        .bind(e.commission_value)
        .bind(e.eat_in)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// The event's participants, replaced: (facility id, commission kind and value of an override).
pub async fn set_participants(
    tx: &mut Tx,
    event_id: i64,
    participants: &[(i64, Option<(&'static str, i64)>)],
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query(
        "DELETE FROM event_facilities WHERE event_id = $1"
    )
    .bind(event_id)
    .execute(&mut *conn)
    .await
    .map(|_| ()))?;
    insert_all!(
        tx,
        "INSERT INTO event_facilities (event_id, facility_id, commission_kind, commission_value) ",
        participants,
        |b, p| {
            let (facility_id, rule) = p;
            b.push_bind(event_id)
                .push_bind(*facility_id)
                .push_bind(rule.map(|r| r.0))
                .push_bind(rule.map(|r| r.1));
        }
    );
    Ok(())
}

/// The event's register of `code` (made if missing; an existing one keeps its id, printer and
/// tablets), named `name`; answers its id.
pub async fn upsert_register(
    tx: &mut Tx,
    event_id: i64,
    code: &str,
    name: &str,
    paper_columns: i64,
) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO registers (event_id, code, name, paper_columns) VALUES ($1, $2, $3, $4)
               ON CONFLICT (event_id, code) DO UPDATE SET name = excluded.name, paper_columns = excluded.paper_columns
               RETURNING id";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(event_id)
        .bind(code)
        .bind(name)
        .bind(paper_columns)
        .fetch_one(&mut *conn)
        .await)
}

/// Each register's receipt counter continues from its last number.
pub async fn set_counters(tx: &mut Tx, counters: &[(i64, i64)]) -> Result<(), sqlx::Error> {
    for (register_id, last) in counters {
        on_tx!(tx, |conn| sqlx::query(
            "INSERT INTO register_counters (register_id, last_receipt_no) VALUES ($1, $2)
             ON CONFLICT (register_id) DO UPDATE SET last_receipt_no = excluded.last_receipt_no"
        )
        .bind(register_id)
        .bind(last)
        .execute(&mut *conn)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// A file's refs mapped to central ids. A ref the file does not hold never gets this far
/// (the domain checked every reference), so a miss is a bug: an error, never id 0.
pub struct Ids<'a> {
    pub registers: &'a BTreeMap<Ref, i64>,
    pub users: &'a BTreeMap<Ref, i64>,
    pub facilities: &'a BTreeMap<Ref, i64>,
    pub products: &'a BTreeMap<Ref, i64>,
}

fn map(what: &str, of: &BTreeMap<Ref, i64>, key: Ref) -> Result<i64, sqlx::Error> {
    of.get(&key)
        .copied()
        .ok_or_else(|| sqlx::Error::Protocol(format!("no central id for {what} ref {key}")))
}

fn map_opt(what: &str, of: &BTreeMap<Ref, i64>, key: Option<Ref>) -> Result<Option<i64>, sqlx::Error> {
    key.map(|k| map(what, of, k)).transpose()
}

pub async fn insert_sessions(tx: &mut Tx, rows: &[SessionRecord], ids: &Ids<'_>) -> Result<(), sqlx::Error> {
    type Row = (
        String,
        i64,
        DateTime<Utc>,
        i64,
        bool,
        String,
        i64,
        Option<String>,
        Option<DateTime<Utc>>,
        Option<i64>,
        Option<String>,
        Option<i64>,
        String,
    );
    let json = |c: &CashCount| serde_json::to_string(c).map_err(|e| sqlx::Error::Encode(Box::new(e)));
    let rows: Vec<Row> = rows
        .iter()
        .map(|s| {
            Ok((
                s.id.clone(),
                map("register", ids.registers, s.register)?,
                s.opened_at,
                map("user", ids.users, s.opened_by)?,
                s.auto_opened,
                json(&s.float_counts)?,
                s.float_total.0,
                s.close_id.clone(),
                s.closed_at,
                map_opt("user", ids.users, s.closed_by)?,
                s.counts.as_ref().map(json).transpose()?,
                s.counted.map(|c| c.0),
                s.note.clone(),
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    insert_all!(
        tx,
        "INSERT INTO register_sessions (id, register_id, opened_at, opened_by, auto_opened, float_counts, float_total,
                                        close_id, closed_at, closed_by, counts, counted, note) ",
        rows,
        |b, r| {
            b.push_bind(&r.0)
                .push_bind(r.1)
                .push_bind(r.2)
                .push_bind(r.3)
                .push_bind(r.4)
                .push_bind(&r.5)
                .push_bind(r.6)
                .push_bind(&r.7)
                .push_bind(r.8)
                .push_bind(r.9)
                .push_bind(&r.10)
                .push_bind(r.11)
                .push_bind(&r.12);
        }
    );
    Ok(())
}

pub async fn insert_payouts(tx: &mut Tx, rows: &[PayoutRecord], ids: &Ids<'_>) -> Result<(), sqlx::Error> {
    let created_by: Vec<i64> = rows
        .iter()
        .map(|p| map("user", ids.users, p.created_by))
        .collect::<Result<_, _>>()?;
    let rows: Vec<(&PayoutRecord, i64)> = rows.iter().zip(created_by).collect();
    insert_all!(
        tx,
        "INSERT INTO register_payouts (id, session_id, amount, reason, created_by, created_at) ",
        rows,
        |b, r| {
            let (p, by) = r;
            b.push_bind(&p.id)
                .push_bind(&p.session_id)
                .push_bind(p.amount.0)
                .push_bind(&p.reason)
                .push_bind(*by)
                .push_bind(p.created_at);
        }
    );
    Ok(())
}

pub async fn insert_approvals(
    tx: &mut Tx,
    rows: &[ApprovalRecord],
    ids: &Ids<'_>,
) -> Result<(), sqlx::Error> {
    let mapped: Vec<(&ApprovalRecord, i64, i64, Option<i64>)> = rows
        .iter()
        .map(|a| {
            Ok((
                a,
                map("user", ids.users, a.approver)?,
                map("user", ids.users, a.requested_by)?,
                map_opt("register", ids.registers, a.register)?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    insert_all!(
        tx,
        "INSERT INTO approvals (id, action, approver_id, requested_by, register_id, sale_id, amount, reason, created_at,
                                expires_at, used_at) ",
        mapped,
        |b, r| {
            let (a, approver, requested_by, register) = r;
            b.push_bind(&a.id)
                .push_bind(&a.action)
                .push_bind(*approver)
                .push_bind(*requested_by)
                .push_bind(*register)
                .push_bind(&a.sale_id)
                .push_bind(a.amount)
                .push_bind(&a.reason)
                .push_bind(a.created_at)
                .push_bind(a.expires_at)
                .push_bind(a.used_at);
        }
    );
    Ok(())
}

/// The journal: headers (sales before the voids and refunds that name them), lines, tenders
/// and per-rate totals, each record as it was made.
pub async fn insert_sales(
    tx: &mut Tx,
    event_id: i64,
    sales: &[SaleRecord],
    ids: &Ids<'_>,
) -> Result<(), sqlx::Error> {
    let mut ordered: Vec<&SaleRecord> = sales.iter().collect();
    ordered.sort_by_key(|s| (s.kind != SaleKind::Sale, s.register, s.receipt_no));
    let headers: Vec<(&SaleRecord, i64, i64)> = ordered
        .iter()
        .map(|s| {
            Ok((
                *s,
                map("register", ids.registers, s.register)?,
                map("user", ids.users, s.cashier)?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    insert_all!(
        tx,
        "INSERT INTO sales (id, kind, event_id, register_id, receipt_no, receipt_number, local_number, cashier_id,
                            sold_at, recorded_at, original_sale_id, total, change_due, non_invoice_total, late,
                            voided_by, reason, approval_id, session_id, voucher_surplus, issuer_name,
                            issuer_invoice_number) ",
        headers,
        |b, r| {
            let (s, register, cashier) = r;
            b.push_bind(s.id.to_string())
                .push_bind(s.kind.code())
                .push_bind(event_id)
                .push_bind(*register)
                .push_bind(s.receipt_no)
                .push_bind(&s.receipt_number)
                .push_bind(&s.local_number)
                .push_bind(*cashier)
                .push_bind(s.sold_at)
                .push_bind(s.recorded_at)
                .push_bind(s.original_sale_id.map(|o| o.to_string()))
                .push_bind(s.total.0)
                .push_bind(s.change_due.0)
                .push_bind(s.non_invoice_total.0)
                .push_bind(s.late)
                .push_bind(s.voided_by.map(|v| v.to_string()))
                .push_bind(&s.reason)
                .push_bind(&s.approval_id)
                .push_bind(&s.session_id)
                .push_bind(s.voucher_surplus.0)
                .push_bind(&s.issuer_name)
                .push_bind(&s.issuer_invoice_number);
        }
    );
    let lines: Vec<(String, &LineRecord, i64, i64)> = sales
        .iter()
        .flat_map(|s| s.lines.iter().map(move |l| (s.id.to_string(), l)))
        .map(|(id, l)| {
            Ok((
                id,
                l,
                map("product", ids.products, l.product)?,
                map("facility", ids.facilities, l.facility)?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    insert_all!(
        tx,
        "INSERT INTO sale_lines (sale_id, line_no, product_id, facility_id, name, quantity, unit_price, tax_rate,
                                 discount, net, invoice_eligible, original_line_no) ",
        lines,
        |b, r| {
            let (sale_id, l, product, facility) = r;
            b.push_bind(sale_id)
                .push_bind(l.line_no)
                .push_bind(*product)
                .push_bind(*facility)
                .push_bind(&l.name)
                .push_bind(l.quantity)
                .push_bind(l.unit_price.0)
                .push_bind(l.tax_rate.code())
                .push_bind(l.discount.0)
                .push_bind(l.net.0)
                .push_bind(l.invoice_eligible)
                .push_bind(l.original_line_no);
        }
    );
    let tenders: Vec<(String, &TenderRecord)> = sales
        .iter()
        .flat_map(|s| s.tenders.iter().map(move |t| (s.id.to_string(), t)))
        .collect();
    insert_all!(
        tx,
        "INSERT INTO sale_tenders (sale_id, seq, kind, amount) ",
        tenders,
        |b, r| {
            let (sale_id, t) = r;
            b.push_bind(sale_id)
                .push_bind(t.seq)
                .push_bind(super::sales::tender_code(t.kind))
                .push_bind(t.amount.0);
        }
    );
    let rates: Vec<(String, &RateTotal)> = sales
        .iter()
        .flat_map(|s| s.rate_totals.iter().map(move |r| (s.id.to_string(), r)))
        .collect();
    insert_all!(
        tx,
        "INSERT INTO sale_rate_totals (sale_id, tax_rate, total, tax) ",
        rates,
        |b, r| {
            let (sale_id, rate) = r;
            b.push_bind(sale_id)
                .push_bind(rate.rate.code())
                .push_bind(rate.total.0)
                .push_bind(rate.tax.0);
        }
    );
    Ok(())
}

pub async fn insert_stock(
    tx: &mut Tx,
    event_id: i64,
    operations: &[StockOperationRecord],
    movements: &[MovementRecord],
    ids: &Ids<'_>,
) -> Result<(), sqlx::Error> {
    let operations: Vec<(&StockOperationRecord, i64, i64)> = operations
        .iter()
        .map(|o| {
            Ok((
                o,
                map("facility", ids.facilities, o.facility)?,
                map("user", ids.users, o.created_by)?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    insert_all!(
        tx,
        "INSERT INTO stock_operations (id, kind, event_id, to_event_id, facility_id, note, approval_id, created_by,
                                       created_at) ",
        operations,
        |b, r| {
            let (o, facility, by) = r;
            b.push_bind(&o.id)
                .push_bind(o.kind.code())
                .push_bind(event_id)
                .push_bind(None::<i64>)
                .push_bind(*facility)
                .push_bind(&o.note)
                .push_bind(&o.approval_id)
                .push_bind(*by)
                .push_bind(o.created_at);
        }
    );
    let movements: Vec<(&MovementRecord, i64, i64, Option<i64>)> = movements
        .iter()
        .map(|m| {
            Ok((
                m,
                map("product", ids.products, m.product)?,
                map("facility", ids.facilities, m.facility)?,
                map_opt("user", ids.users, m.created_by)?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    insert_all!(
        tx,
        "INSERT INTO stock_movements (product_id, facility_id, event_id, kind, quantity, sale_id, operation_id, reason,
                                      created_by, created_at) ",
        movements,
        |b, r| {
            let (m, product, facility, by) = r;
            b.push_bind(*product)
                .push_bind(*facility)
                .push_bind(m.at_event.then_some(event_id))
                .push_bind(m.kind.code())
                .push_bind(m.quantity)
                .push_bind(m.sale_id.map(|s| s.to_string()))
                .push_bind(&m.operation_id)
                .push_bind(&m.reason)
                .push_bind(*by)
                .push_bind(m.created_at);
        }
    );
    Ok(())
}

pub async fn insert_adjustments(
    tx: &mut Tx,
    event_id: i64,
    rows: &[AdjustmentRecord],
    ids: &Ids<'_>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<(&AdjustmentRecord, i64, i64)> = rows
        .iter()
        .map(|a| {
            Ok((
                a,
                map("facility", ids.facilities, a.facility)?,
                map("user", ids.users, a.created_by)?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    insert_all!(
        tx,
        "INSERT INTO settlement_adjustments (id, event_id, facility_id, amount, reason, created_by, created_at) ",
        rows,
        |b, r| {
            let (a, facility, by) = r;
            b.push_bind(&a.id)
                .push_bind(event_id)
                .push_bind(*facility)
                .push_bind(a.amount.0)
                .push_bind(&a.reason)
                .push_bind(*by)
                .push_bind(a.created_at);
        }
    );
    Ok(())
}

/// An audit record as the central log keeps it: actor and register as central ids.
pub struct AuditWrite<'a> {
    pub record: &'a AuditRecord,
    pub actor_id: Option<i64>,
    pub register_id: Option<i64>,
    pub entity_id: Option<String>,
}

/// Appends the laptop's audit records, at the times they were made.
pub async fn insert_audit(tx: &mut Tx, rows: &[AuditWrite<'_>]) -> Result<(), sqlx::Error> {
    let rows: Vec<(&AuditWrite<'_>, Option<String>, Option<String>)> = rows
        .iter()
        .map(|w| {
            (
                w,
                w.record.before.as_ref().map(serde_json::Value::to_string),
                w.record.after.as_ref().map(serde_json::Value::to_string),
            )
        })
        .collect();
    insert_all!(
        tx,
        "INSERT INTO audit_log (at, actor_id, actor_login, register_id, action, entity, entity_id, before, after) ",
        rows,
        |b, r| {
            let (w, before, after) = r;
            b.push_bind(w.record.at)
                .push_bind(w.actor_id)
                .push_bind(&w.record.actor_login)
                .push_bind(w.register_id)
                .push_bind(&w.record.action)
                .push_bind(&w.record.entity)
                .push_bind(&w.entity_id)
                .push_bind(before)
                .push_bind(after);
        }
    );
    Ok(())
}
