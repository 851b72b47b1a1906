//! SQL for settlement (精算): the journal summed per facility, kind and rate; each receipt's
//! stated tax beside its facilities' shares; corrections;
//! the settled mark; and the dashboard's reads.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};
use selpos_domain::Yen;
use selpos_domain::dashboard::BestSeller;
use selpos_domain::settlement::{Adjustment, CrossEventReturn};

/// Which records a settlement reads: a whole event's, one settled period's of a standing shop,
/// or the records of a standing shop's open period sold before a moment (no period yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Event(i64),
    Period { event_id: i64, period_id: i64 },
    Open { event_id: i64, before: DateTime<Utc> },
}

/// The records of a [`Scope`], aliased `s`, with its three parameters bound first
/// ([`Scope::bind`]): $1 the event, $2 the period, $3 the moment.
const IN_SCOPE: &str = "s.event_id = $1 AND ($2 IS NULL OR s.period_id = $2)
    AND ($3 IS NULL OR (s.period_id IS NULL AND s.sold_at < $3))";

impl Scope {
    pub fn event_id(self) -> i64 {
        match self {
            Scope::Event(id) | Scope::Period { event_id: id, .. } | Scope::Open { event_id: id, .. } => id,
        }
    }

    pub fn period_id(self) -> Option<i64> {
        match self {
            Scope::Period { period_id, .. } => Some(period_id),
            _ => None,
        }
    }

    fn before(self) -> Option<DateTime<Utc>> {
        match self {
            Scope::Open { before, .. } => Some(before),
            _ => None,
        }
    }

    /// Binds $1–$3 of [`IN_SCOPE`].
    pub(crate) fn bind<'q, DB, O>(
        self,
        query: sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>
    where
        DB: sqlx::Database,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<DateTime<Utc>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        query
            .bind(self.event_id())
            .bind(self.period_id())
            .bind(self.before())
    }
}

/// [`IN_SCOPE`] for the records aliased `alias`.
pub(crate) fn in_scope(alias: &str) -> String {
    IN_SCOPE.replace("s.", &format!("{alias}."))
}

/// Lines of one facility, record kind and tax rate, summed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LineSum {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub kind: String,
    pub tax_rate: String,
    pub net: i64,
    pub discount: i64,
    pub quantity: i64,
    /// The part of `net` on lines outside the invoice.
    pub non_invoice: i64,
}

pub async fn line_sums(tx: &mut Tx, scope: Scope) -> Result<Vec<LineSum>, sqlx::Error> {
    let sql = format!(
        "SELECT l.facility_id, f.number AS facility_number, f.name AS facility_name, s.kind, l.tax_rate,
                      CAST(SUM(l.net) AS BIGINT) AS net, CAST(SUM(l.discount) AS BIGINT) AS discount,
                      CAST(SUM(l.quantity) AS BIGINT) AS quantity,
                      CAST(SUM(CASE WHEN l.invoice_eligible THEN 0 ELSE l.net END) AS BIGINT) AS non_invoice
               FROM sale_lines l JOIN sales s ON s.id = l.sale_id JOIN facilities f ON f.id = l.facility_id
               WHERE {IN_SCOPE}
               GROUP BY l.facility_id, f.number, f.name, s.kind, l.tax_rate"
    );
    on_tx!(tx, |conn| scope
        .bind(sqlx::query_as(&sql))
        .fetch_all(&mut *conn)
        .await)
}

/// Invoice lines of one facility at one rate with the tax their receipts stated: either one
/// record's lines (`sale_id`: a record with several facilities at the rate, whose tax is to be
/// allocated) or, summed, every record where the facility was alone at the rate (`sale_id`
/// none: all of those receipts' tax is the facility's).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReceiptShareRow {
    pub sale_id: Option<String>,
    pub tax_rate: String,
    pub facility_id: i64,
    pub amount: i64,
    pub receipt_tax: i64,
}

/// The input of the tax allocation in one query: per record, rate and facility, the invoice
/// lines' amount beside the record's stated tax at the rate; the records where one facility
/// is alone at a rate (the most) are summed per facility and rate by the database, so only
/// shared receipts come back one by one. Rows of one record and rate are consecutive.
pub async fn receipt_shares(tx: &mut Tx, scope: Scope) -> Result<Vec<ReceiptShareRow>, sqlx::Error> {
    let sql = format!(
        "SELECT CASE WHEN x.facilities = 1 THEN NULL ELSE x.sale_id END AS sale_id, x.tax_rate,
                      x.facility_id, CAST(SUM(x.amount) AS BIGINT) AS amount,
                      CAST(SUM(x.receipt_tax) AS BIGINT) AS receipt_tax
               FROM (SELECT l.sale_id, l.tax_rate, l.facility_id, SUM(l.net) AS amount,
                            MAX(t.tax) AS receipt_tax,
                            COUNT(*) OVER (PARTITION BY l.sale_id, l.tax_rate) AS facilities
                     FROM sale_lines l JOIN sales s ON s.id = l.sale_id
                     JOIN sale_rate_totals t ON t.sale_id = l.sale_id AND t.tax_rate = l.tax_rate
                     WHERE {IN_SCOPE} AND l.invoice_eligible
                     GROUP BY l.sale_id, l.tax_rate, l.facility_id) x
               GROUP BY CASE WHEN x.facilities = 1 THEN NULL ELSE x.sale_id END, x.tax_rate, x.facility_id
               ORDER BY 1, 2, 3"
    );
    on_tx!(tx, |conn| scope
        .bind(sqlx::query_as(&sql))
        .fetch_all(&mut *conn)
        .await)
}

/// Σ of the records' stated invoice totals and tax per rate: (rate, total, tax).
pub async fn receipt_rate_totals(tx: &mut Tx, scope: Scope) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT t.tax_rate, CAST(SUM(t.total) AS BIGINT) AS total, CAST(SUM(t.tax) AS BIGINT) AS tax
               FROM sale_rate_totals t JOIN sales s ON s.id = t.sale_id
               WHERE {IN_SCOPE} GROUP BY t.tax_rate ORDER BY t.tax_rate DESC"
    );
    on_tx!(tx, |conn| scope
        .bind(sqlx::query_as(&sql))
        .fetch_all(&mut *conn)
        .await)
}

/// The event's participating facilities: (id, number, name).
/// Refunds that cross events, per facility and other event: `taken_here` the refunds recorded
/// at `event_id` of goods sold at other events; otherwise refunds of `event_id`'s goods recorded
/// at other events. Amounts are what was paid back (positive).
pub async fn cross_event_returns(
    tx: &mut Tx,
    scope: Scope,
    taken_here: bool,
) -> Result<Vec<(i64, CrossEventReturn)>, sqlx::Error> {
    let (here, other) = if taken_here { ("r", "o") } else { ("o", "r") };
    let sql = format!(
        "SELECT l.facility_id, e.id, e.code, e.name, CAST(-SUM(l.net) AS BIGINT)
         FROM sales r JOIN sales o ON o.id = r.original_sale_id
         JOIN sale_lines l ON l.sale_id = r.id JOIN events e ON e.id = {other}.event_id
         WHERE r.kind = 'refund' AND {} AND {other}.event_id <> $1
         GROUP BY l.facility_id, e.id, e.code, e.name ORDER BY l.facility_id, e.id",
        in_scope(here)
    );
    let rows: Vec<(i64, i64, String, String, i64)> = on_tx!(tx, |conn| scope
        .bind(sqlx::query_as(&sql))
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(facility_id, event_id, event_code, event_name, amount)| {
            (
                facility_id,
                CrossEventReturn {
                    event_id,
                    event_code,
                    event_name,
                    amount: Yen(amount),
                },
            )
        })
        .collect())
}

pub async fn participants(tx: &mut Tx, event_id: i64) -> Result<Vec<(i64, i64, String)>, sqlx::Error> {
    let sql =
        "SELECT f.id, f.number, f.name FROM event_facilities ef JOIN facilities f ON f.id = ef.facility_id
               WHERE ef.event_id = $1";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await)
}

#[derive(sqlx::FromRow)]
struct AdjustmentRow {
    id: String,
    facility_id: i64,
    amount: i64,
    reason: String,
    created_at: DateTime<Utc>,
    login: String,
}

/// The corrections of a settled event or period (an open period has none).
pub async fn adjustments(tx: &mut Tx, scope: Scope) -> Result<Vec<Adjustment>, sqlx::Error> {
    if let Scope::Open { .. } = scope {
        return Ok(Vec::new());
    }
    let sql = "SELECT a.id, a.facility_id, a.amount, a.reason, a.created_at, u.login
               FROM settlement_adjustments a JOIN users u ON u.id = a.created_by
               WHERE a.event_id = $1 AND ($2 IS NULL OR a.period_id = $2) ORDER BY a.created_at, a.id";
    let rows: Vec<AdjustmentRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(scope.event_id())
        .bind(scope.period_id())
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| Adjustment {
            id: r.id,
            facility_id: r.facility_id,
            amount: Yen(r.amount),
            reason: r.reason,
            at: r.created_at,
            by: r.login,
        })
        .collect())
}

pub struct NewAdjustment<'a> {
    pub id: &'a str,
    pub event_id: i64,
    /// A standing shop's period (none: the event's settlement).
    pub period_id: Option<i64>,
    pub facility_id: i64,
    pub amount: Yen,
    pub reason: &'a str,
    pub created_by: i64,
}

/// Inserts a correction; `false` when its id is taken (a retry).
pub async fn insert_adjustment(
    tx: &mut Tx,
    a: &NewAdjustment<'_>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let sql = "INSERT INTO settlement_adjustments (id, event_id, facility_id, amount, reason, created_by, created_at, period_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING";
    let affected = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(a.id)
        .bind(a.event_id)
        .bind(a.facility_id)
        .bind(a.amount.0)
        .bind(a.reason)
        .bind(a.created_by)
        .bind(now)
        .bind(a.period_id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(affected == 1)
}

/// Whether the adjustment stored under `a.id` is `a` (a retry), not another one.
pub async fn adjustment_is(tx: &mut Tx, a: &NewAdjustment<'_>) -> Result<bool, sqlx::Error> {
    let sql = "SELECT id FROM settlement_adjustments
               WHERE id = $1 AND event_id = $2 AND facility_id = $3 AND amount = $4
                 AND (period_id = $5 OR (period_id IS NULL AND $5 IS NULL))";
    let found: Option<String> = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(a.id)
        .bind(a.event_id)
        .bind(a.facility_id)
        .bind(a.amount.0)
        .bind(a.period_id)
        .fetch_optional(&mut *conn)
        .await)?;
    Ok(found.is_some())
}

/// When the event was settled, and by whom.
pub async fn settled(tx: &mut Tx, event_id: i64) -> Result<Option<(DateTime<Utc>, String)>, sqlx::Error> {
    let sql = "SELECT e.settled_at, u.login FROM events e JOIN users u ON u.id = e.settled_by
               WHERE e.id = $1 AND e.settled_at IS NOT NULL";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .fetch_optional(&mut *conn)
        .await)
}

/// Locks a closed event as settled; `false` if it was not closed (any more).
pub async fn mark_settled(
    tx: &mut Tx,
    event_id: i64,
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE events SET state = 'settled', settled_at = $1, settled_by = $2, updated_at = $1
               WHERE id = $3 AND state = 'closed'";
    let affected = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(now)
        .bind(by)
        .bind(event_id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(affected == 1)
}

/// Every record of the event: when, what kind, how much (for sales by hour).
pub async fn records(tx: &mut Tx, event_id: i64) -> Result<Vec<(DateTime<Utc>, String, i64)>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_as(
        "SELECT sold_at, kind, total FROM sales WHERE event_id = $1"
    )
    .bind(event_id)
    .fetch_all(&mut *conn)
    .await)
}

#[derive(sqlx::FromRow)]
struct BestSellerRow {
    product_id: i64,
    name: String,
    facility_name: String,
    quantity: i64,
    amount: i64,
}

/// The products with the highest net sales.
pub async fn best_sellers(tx: &mut Tx, event_id: i64, limit: i64) -> Result<Vec<BestSeller>, sqlx::Error> {
    let sql = "SELECT l.product_id, MAX(l.name) AS name, MAX(f.name) AS facility_name,
                      CAST(SUM(l.quantity) AS BIGINT) AS quantity, CAST(SUM(l.net) AS BIGINT) AS amount
               FROM sale_lines l JOIN sales s ON s.id = l.sale_id JOIN facilities f ON f.id = l.facility_id
               WHERE s.event_id = $1 GROUP BY l.product_id
               ORDER BY amount DESC, quantity DESC, l.product_id LIMIT $2";
    let rows: Vec<BestSellerRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| BestSeller {
            product_id: r.product_id,
            name: r.name,
            facility_name: r.facility_name,
            quantity: r.quantity,
            amount: Yen(r.amount),
        })
        .collect())
}
