//! SQL for register sessions (レジ開け / レジ締め), payouts, and the cash and tender sums of a
//! session or an event read off the sales journal.

use super::Tx;
use super::settlement::{Scope, in_scope};
use crate::on_tx;
use chrono::{DateTime, Utc};
use selpos_domain::Yen;
use selpos_domain::register_sessions::{CashCount, FloatEntry, Payout, RegisterSession, TenderTotal};
use selpos_domain::sales::payment::TenderKind;

const SESSION: &str =
    "SELECT rs.id, rs.register_id, r.code AS register_code, r.name AS register_name, r.event_id,
           rs.opened_at, o.login AS opened_by, rs.auto_opened, rs.float_counts, rs.float_total,
           rs.closed_at, c.login AS closed_by, rs.counts, rs.counted, rs.note,
           fu.login AS float_entered_by, fe.created_at AS float_entered_at,
           fe.previous_total AS float_previous, fe.reason AS float_reason
    FROM register_sessions rs JOIN registers r ON r.id = rs.register_id
    JOIN users o ON o.id = rs.opened_by LEFT JOIN users c ON c.id = rs.closed_by
    LEFT JOIN register_float_entries fe ON fe.id = (
        SELECT e.id FROM register_float_entries e WHERE e.session_id = rs.id
        ORDER BY e.created_at DESC, e.id DESC LIMIT 1)
    LEFT JOIN users fu ON fu.id = fe.created_by";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub register_id: i64,
    pub register_code: String,
    pub register_name: String,
    pub event_id: i64,
    pub opened_at: DateTime<Utc>,
    pub opened_by: String,
    pub auto_opened: bool,
    pub float_counts: String,
    pub float_total: i64,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub counts: Option<String>,
    pub counted: Option<i64>,
    pub note: String,
    /// The last float entered after the open (late or corrected), if any.
    pub float_entered_by: Option<String>,
    pub float_entered_at: Option<DateTime<Utc>>,
    pub float_previous: Option<i64>,
    pub float_reason: Option<String>,
}

fn counts_of(json: &str) -> Result<CashCount, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

impl SessionRow {
    pub fn to_session(&self) -> Result<RegisterSession, sqlx::Error> {
        Ok(RegisterSession {
            id: self.id.clone(),
            register_id: self.register_id,
            register_code: self.register_code.clone(),
            register_name: self.register_name.clone(),
            event_id: self.event_id,
            opened_at: self.opened_at,
            opened_by: self.opened_by.clone(),
            auto_opened: self.auto_opened,
            float_counts: counts_of(&self.float_counts)?,
            float_entered: self
                .float_entered_by
                .clone()
                .zip(self.float_entered_at)
                .map(|(by, at)| FloatEntry {
                    by,
                    at,
                    previous: Yen(self.float_previous.unwrap_or_default()),
                    reason: self.float_reason.clone().unwrap_or_default(),
                }),
            closed_at: self.closed_at,
            closed_by: self.closed_by.clone(),
            counts: self.counts.as_deref().map(counts_of).transpose()?,
            note: self.note.clone(),
        })
    }
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<SessionRow>, sqlx::Error> {
    let sql = format!("{SESSION} WHERE rs.id = $1");
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)
}

pub async fn by_close_id(tx: &mut Tx, close_id: &str) -> Result<Option<SessionRow>, sqlx::Error> {
    let sql = format!("{SESSION} WHERE rs.close_id = $1");
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(close_id)
        .fetch_optional(&mut *conn)
        .await)
}

/// The register's open session, if any.
pub async fn open_session(tx: &mut Tx, register_id: i64) -> Result<Option<SessionRow>, sqlx::Error> {
    let sql = format!("{SESSION} WHERE rs.register_id = $1 AND rs.closed_at IS NULL");
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(register_id)
        .fetch_optional(&mut *conn)
        .await)
}

/// The register's most recently closed session, if any.
pub async fn last_closed(tx: &mut Tx, register_id: i64) -> Result<Option<SessionRow>, sqlx::Error> {
    let sql = format!(
        "{SESSION} WHERE rs.register_id = $1 AND rs.closed_at IS NOT NULL ORDER BY rs.closed_at DESC, rs.id DESC LIMIT 1"
    );
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(register_id)
        .fetch_optional(&mut *conn)
        .await)
}

/// Every session of an event's registers, by register then time.
pub async fn of_event(tx: &mut Tx, event_id: i64) -> Result<Vec<SessionRow>, sqlx::Error> {
    let sql = format!("{SESSION} WHERE r.event_id = $1 ORDER BY r.code, rs.opened_at, rs.id");
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await)
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub register_id: i64,
    pub opened_by: i64,
    pub auto_opened: bool,
    pub float_counts: &'a CashCount,
}

/// Inserts an open session; `false` when the id is taken or the register is open already
/// (the unique index on open sessions): the caller decides which.
pub async fn insert(tx: &mut Tx, s: &NewSession<'_>, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let counts = serde_json::to_string(s.float_counts).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let sql = "INSERT INTO register_sessions (id, register_id, opened_at, opened_by, auto_opened, float_counts, float_total)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";
    let affected = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(s.id)
        .bind(s.register_id)
        .bind(now)
        .bind(s.opened_by)
        .bind(s.auto_opened)
        .bind(&counts)
        .bind(s.float_counts.total().0)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(affected == 1)
}

pub struct Close<'a> {
    pub session_id: &'a str,
    pub close_id: &'a str,
    pub closed_by: i64,
    pub counts: &'a CashCount,
    pub note: &'a str,
}

/// Closes an open session; `false` when it was closed meanwhile.
pub async fn close(tx: &mut Tx, c: &Close<'_>, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let counts = serde_json::to_string(c.counts).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let sql = "UPDATE register_sessions SET close_id = $1, closed_at = $2, closed_by = $3, counts = $4, counted = $5,
                      note = $6
               WHERE id = $7 AND closed_at IS NULL";
    let affected = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(c.close_id)
        .bind(now)
        .bind(c.closed_by)
        .bind(&counts)
        .bind(c.counts.total().0)
        .bind(c.note)
        .bind(c.session_id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(affected == 1)
}

/// Whether a float entry with this id was recorded (a retried entry).
pub async fn float_entry_exists(tx: &mut Tx, id: &str) -> Result<Option<String>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT session_id FROM register_float_entries WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)
}

pub struct FloatEntryWrite<'a> {
    pub id: &'a str,
    pub session_id: &'a str,
    pub counts: &'a CashCount,
    pub previous_total: i64,
    pub reason: &'a str,
    pub by: i64,
}

/// Replaces the float of an open session and keeps the entry; `false` (nothing written) when
/// the session is closed meanwhile.
pub async fn set_float(
    tx: &mut Tx,
    e: &FloatEntryWrite<'_>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let counts = serde_json::to_string(e.counts).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    let total = e.counts.total().0;
    let affected = on_tx!(tx, |conn| {
        sqlx::query(
        "UPDATE register_sessions SET float_counts = $1, float_total = $2 WHERE id = $3 AND closed_at IS NULL"
    )
    .bind(&counts)
    .bind(total)
    .bind(e.session_id)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected())
    })?;
    if affected != 1 {
        return Ok(false);
    }
    let sql = "INSERT INTO register_float_entries (id, session_id, counts, total, previous_total, reason, created_by, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(e.id)
        .bind(e.session_id)
        .bind(&counts)
        .bind(total)
        .bind(e.previous_total)
        .bind(e.reason)
        .bind(e.by)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))?;
    Ok(true)
}

pub async fn payout_exists(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<String> = on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT id FROM register_payouts WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)?;
    Ok(found.is_some())
}

pub async fn insert_payout(
    tx: &mut Tx,
    id: &str,
    session_id: &str,
    amount: Yen,
    reason: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO register_payouts (id, session_id, amount, reason, created_by, created_at)
               VALUES ($1, $2, $3, $4, $5, $6)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(id)
        .bind(session_id)
        .bind(amount.0)
        .bind(reason)
        .bind(by)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

#[derive(sqlx::FromRow)]
struct PayoutRow {
    id: String,
    amount: i64,
    reason: String,
    created_at: DateTime<Utc>,
    login: String,
}

pub async fn payouts(tx: &mut Tx, session_id: &str) -> Result<Vec<Payout>, sqlx::Error> {
    let sql = "SELECT p.id, p.amount, p.reason, p.created_at, u.login
               FROM register_payouts p JOIN users u ON u.id = p.created_by
               WHERE p.session_id = $1 ORDER BY p.created_at, p.id";
    let rows: Vec<PayoutRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(session_id)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| Payout {
            id: r.id,
            amount: Yen(r.amount),
            reason: r.reason,
            at: r.created_at,
            by: r.login,
        })
        .collect())
}

/// Record counts and totals by kind (sale / void / refund) and lateness.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KindSum {
    pub kind: String,
    pub late: bool,
    pub records: i64,
    pub total: i64,
    pub change_due: i64,
    /// Vouchers above the total kept without change (釣銭なし).
    pub voucher_surplus: i64,
}

pub async fn kind_sums(tx: &mut Tx, session_id: &str) -> Result<Vec<KindSum>, sqlx::Error> {
    let sql =
        "SELECT s.kind, s.late, CAST(COUNT(*) AS BIGINT) AS records, CAST(SUM(s.total) AS BIGINT) AS total,
                      CAST(SUM(s.change_due) AS BIGINT) AS change_due,
                      CAST(SUM(s.voucher_surplus) AS BIGINT) AS voucher_surplus
               FROM sales s WHERE s.session_id = $1 GROUP BY s.kind, s.late";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(session_id)
        .fetch_all(&mut *conn)
        .await)
}

/// Tender amounts by tender kind, record kind and lateness (before change is taken off).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TenderSum {
    pub tender: String,
    pub kind: String,
    pub late: bool,
    pub records: i64,
    pub amount: i64,
}

pub async fn tender_sums(tx: &mut Tx, session_id: &str) -> Result<Vec<TenderSum>, sqlx::Error> {
    let sql = "SELECT t.kind AS tender, s.kind, s.late, CAST(COUNT(DISTINCT s.id) AS BIGINT) AS records,
                      CAST(SUM(t.amount) AS BIGINT) AS amount
               FROM sale_tenders t JOIN sales s ON s.id = t.sale_id WHERE s.session_id = $1
               GROUP BY t.kind, s.kind, s.late";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(session_id)
        .fetch_all(&mut *conn)
        .await)
}

/// A row of an event's journal summed per register session (`None`: a record without one).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PerSession<T> {
    pub session_id: Option<String>,
    #[sqlx(flatten)]
    pub sum: T,
}

/// [`kind_sums`] of every session of an event, in one pass over its journal.
pub async fn kind_sums_by_session(
    tx: &mut Tx,
    scope: Scope,
) -> Result<Vec<PerSession<KindSum>>, sqlx::Error> {
    let sql = format!(
        "SELECT s.session_id, s.kind, s.late, CAST(COUNT(*) AS BIGINT) AS records,
                      CAST(SUM(s.total) AS BIGINT) AS total, CAST(SUM(s.change_due) AS BIGINT) AS change_due,
                      CAST(SUM(s.voucher_surplus) AS BIGINT) AS voucher_surplus
               FROM sales s WHERE {} GROUP BY s.session_id, s.kind, s.late",
        in_scope("s")
    );
    on_tx!(tx, |conn| scope
        .bind(sqlx::query_as(&sql))
        .fetch_all(&mut *conn)
        .await)
}

/// [`tender_sums`] of every session of an event, in one pass over its journal.
pub async fn tender_sums_by_session(
    tx: &mut Tx,
    scope: Scope,
) -> Result<Vec<PerSession<TenderSum>>, sqlx::Error> {
    let sql = format!(
        "SELECT s.session_id, t.kind AS tender, s.kind, s.late, CAST(COUNT(DISTINCT s.id) AS BIGINT) AS records,
                      CAST(SUM(t.amount) AS BIGINT) AS amount
               FROM sale_tenders t JOIN sales s ON s.id = t.sale_id WHERE {}
               GROUP BY s.session_id, t.kind, s.kind, s.late",
        in_scope("s")
    );
    on_tx!(tx, |conn| scope
        .bind(sqlx::query_as(&sql))
        .fetch_all(&mut *conn)
        .await)
}

/// Net takings per tender (change taken off cash), for records matching `include`.
pub fn tender_totals(
    tenders: &[TenderSum],
    kinds: &[KindSum],
    include: impl Fn(&str, bool) -> bool,
) -> Result<Vec<TenderTotal>, sqlx::Error> {
    let mut out: Vec<TenderTotal> = Vec::new();
    for t in tenders.iter().filter(|t| include(&t.kind, t.late)) {
        let kind = super::sales::tender_kind(&t.tender)?;
        match out.iter_mut().find(|o| o.kind == kind) {
            Some(o) => {
                o.amount.0 += t.amount;
                o.count += t.records;
            }
            None => out.push(TenderTotal {
                kind,
                amount: Yen(t.amount),
                count: t.records,
            }),
        }
    }
    let change: i64 = kinds
        .iter()
        .filter(|k| include(&k.kind, k.late))
        .map(|k| k.change_due)
        .sum();
    if change != 0 {
        match out.iter_mut().find(|o| o.kind == TenderKind::Cash) {
            Some(cash) => cash.amount.0 -= change,
            None => out.push(TenderTotal {
                kind: TenderKind::Cash,
                amount: Yen(-change),
                count: 0,
            }),
        }
    }
    out.sort_by_key(|t| TenderKind::ALL.iter().position(|k| *k == t.kind));
    Ok(out)
}

/// Receipt numbers of the late records of a session.
pub async fn late_receipts(tx: &mut Tx, session_id: &str) -> Result<Vec<String>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT receipt_number FROM sales WHERE session_id = $1 AND late ORDER BY receipt_no"
    )
    .bind(session_id)
    .fetch_all(&mut *conn)
    .await)
}

/// A register's open session: its id and when it opened.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedSession {
    pub id: String,
    pub opened_at: DateTime<Utc>,
}

/// The register's open session, if any, with its row lock taken for the current transaction,
/// so a close waits for the record that claimed it.
pub async fn claim_open(tx: &mut Tx, register_id: i64) -> Result<Option<ClaimedSession>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_as(
        "UPDATE register_sessions SET note = note WHERE register_id = $1 AND closed_at IS NULL
         RETURNING id, opened_at"
    )
    .bind(register_id)
    .fetch_optional(&mut *conn)
    .await)
}
