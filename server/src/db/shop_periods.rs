//! SQL for a standing shop's periods (期間精算): the settled periods, booking a period's records,
//! its late records, and the stock movements before and in it.

use super::Tx;
use super::settlement::{Scope, in_scope};
use crate::on_tx;
use chrono::{DateTime, NaiveDate, Utc};
use selpos_domain::Yen;
use selpos_domain::shop_periods::{LateRecord, MovementSum, ShopPeriod, StockCount};
use selpos_domain::stock::MovementKind;

#[derive(sqlx::FromRow)]
struct PeriodRow {
    id: i64,
    event_id: i64,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    settled_at: DateTime<Utc>,
    login: String,
}

impl From<PeriodRow> for ShopPeriod {
    fn from(r: PeriodRow) -> ShopPeriod {
        ShopPeriod {
            id: r.id,
            event_id: r.event_id,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            settled_at: r.settled_at,
            settled_by: r.login,
        }
    }
}

const PERIOD: &str = "SELECT p.id, p.event_id, p.starts_on, p.ends_on, p.settled_at, u.login
                      FROM shop_periods p JOIN users u ON u.id = p.settled_by";

/// The shop's settled periods, newest first.
pub async fn list(tx: &mut Tx, event_id: i64) -> Result<Vec<ShopPeriod>, sqlx::Error> {
    let sql = format!("{PERIOD} WHERE p.event_id = $1 ORDER BY p.starts_on DESC");
    let rows: Vec<PeriodRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows.into_iter().map(ShopPeriod::from).collect())
}

/// One settled period of the shop.
pub async fn get(tx: &mut Tx, event_id: i64, period_id: i64) -> Result<Option<ShopPeriod>, sqlx::Error> {
    let sql = format!("{PERIOD} WHERE p.event_id = $1 AND p.id = $2");
    let row: Option<PeriodRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(event_id)
        .bind(period_id)
        .fetch_optional(&mut *conn)
        .await)?;
    Ok(row.map(ShopPeriod::from))
}

/// The settled period ending on `ends_on` (a settlement asked for again).
pub async fn ending_on(
    tx: &mut Tx,
    event_id: i64,
    ends_on: NaiveDate,
) -> Result<Option<ShopPeriod>, sqlx::Error> {
    let sql = format!("{PERIOD} WHERE p.event_id = $1 AND p.ends_on = $2");
    let row: Option<PeriodRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(event_id)
        .bind(ends_on)
        .fetch_optional(&mut *conn)
        .await)?;
    Ok(row.map(ShopPeriod::from))
}

/// Records a settled period; answers its id.
pub async fn insert(
    tx: &mut Tx,
    event_id: i64,
    (starts_on, ends_on): (NaiveDate, NaiveDate),
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO shop_periods (event_id, starts_on, ends_on, settled_at, settled_by)
               VALUES ($1, $2, $3, $4, $5) RETURNING id";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(event_id)
        .bind(starts_on)
        .bind(ends_on)
        .bind(now)
        .bind(by)
        .fetch_one(&mut *conn)
        .await)
}

/// Books into `period_id` every record of the shop sold before `before` that has no period:
/// the period's own days and any late record of earlier ones. Answers how many.
pub async fn book(
    tx: &mut Tx,
    event_id: i64,
    period_id: i64,
    before: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let sql = "UPDATE sales SET period_id = $1 WHERE event_id = $2 AND period_id IS NULL AND sold_at < $3";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(period_id)
        .bind(event_id)
        .bind(before)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))
}

#[derive(sqlx::FromRow)]
struct LateRow {
    id: String,
    receipt_number: String,
    kind: String,
    sold_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    total: i64,
    facility_id: i64,
}

/// The records of `scope` sold before `starts_at` (the period's first moment): late ones.
pub async fn late_records(
    tx: &mut Tx,
    scope: Scope,
    starts_at: DateTime<Utc>,
) -> Result<Vec<LateRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT s.id, s.receipt_number, s.kind, s.sold_at, s.recorded_at, s.total, l.facility_id
         FROM sales s JOIN sale_lines l ON l.sale_id = s.id
         WHERE {} AND s.sold_at < $4
         GROUP BY s.id, s.receipt_number, s.kind, s.sold_at, s.recorded_at, s.total, l.facility_id
         ORDER BY s.sold_at, s.id, l.facility_id",
        in_scope("s")
    );
    let rows: Vec<LateRow> = on_tx!(tx, |conn| scope
        .bind(sqlx::query_as(&sql))
        .bind(starts_at)
        .fetch_all(&mut *conn)
        .await)?;
    let mut out: Vec<LateRecord> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some(last) if last.sale_id == r.id => last.facility_ids.push(r.facility_id),
            _ => out.push(LateRecord {
                sale_id: r.id,
                receipt_number: r.receipt_number,
                kind: r.kind,
                sold_at: r.sold_at,
                recorded_at: r.recorded_at,
                total: Yen(r.total),
                facility_ids: vec![r.facility_id],
            }),
        }
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct MovementRow {
    facility_id: i64,
    product_id: i64,
    name: String,
    kind: String,
    earlier: i64,
    quantity: i64,
}

/// The shop's stock movements summed per product and kind, before a period and in it. A
/// sale's movement goes with its record's period (so a late sale moves stock where it is
/// booked); any other movement with the day it was made. `period_id` none: the open period
/// (its records sold before `ends_at`); `starts_on`/`starts_at`: the period's first day and
/// moment; `ends_at`: the moment after its last day.
pub async fn movement_sums(
    tx: &mut Tx,
    event_id: i64,
    period_id: Option<i64>,
    (starts_on, starts_at): (NaiveDate, DateTime<Utc>),
    ends_at: DateTime<Utc>,
) -> Result<Vec<MovementSum>, sqlx::Error> {
    const EARLIER_PERIODS: &str =
        "(SELECT p.id FROM shop_periods p WHERE p.event_id = $1 AND p.starts_on < $3)";
    let sql = format!(
        "SELECT m.facility_id, m.product_id, MAX(pr.name) AS name, m.kind,
                CAST(CASE WHEN m.sale_id IS NOT NULL
                          THEN (CASE WHEN s.period_id IN {EARLIER_PERIODS} THEN 1 ELSE 0 END)
                          ELSE (CASE WHEN m.created_at < $4 THEN 1 ELSE 0 END) END AS BIGINT) AS earlier,
                CAST(SUM(m.quantity) AS BIGINT) AS quantity
         FROM stock_movements m JOIN products pr ON pr.id = m.product_id
         LEFT JOIN sales s ON s.id = m.sale_id
         WHERE m.event_id = $1
           AND ((m.sale_id IS NOT NULL AND (s.period_id IN {EARLIER_PERIODS}
                                            OR ($2 IS NULL AND s.period_id IS NULL AND s.sold_at < $5)
                                            OR s.period_id = $2))
                OR (m.sale_id IS NULL AND m.created_at < $5))
         GROUP BY m.facility_id, m.product_id, m.kind, 5"
    );
    let rows: Vec<MovementRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(event_id)
        .bind(period_id)
        .bind(starts_on)
        .bind(starts_at)
        .bind(ends_at)
        .fetch_all(&mut *conn)
        .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(MovementSum {
                facility_id: r.facility_id,
                product_id: r.product_id,
                product_name: r.name,
                kind: MovementKind::from_code(&r.kind).ok_or_else(|| {
                    sqlx::Error::Decode(format!("unknown movement kind {:?}", r.kind).into())
                })?,
                earlier: r.earlier == 1,
                quantity: r.quantity,
            })
        })
        .collect()
}

/// Each facility's last 棚卸 at the shop from `from` until `until`.
pub async fn counts(
    tx: &mut Tx,
    event_id: i64,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<StockCount>, sqlx::Error> {
    let sql = "SELECT facility_id, MAX(created_at) FROM stock_operations
               WHERE event_id = $1 AND kind = 'count' AND created_at >= $2 AND created_at < $3
               GROUP BY facility_id ORDER BY facility_id";
    let rows: Vec<(i64, DateTime<Utc>)> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .bind(from)
        .bind(until)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(facility_id, counted_at)| StockCount {
            facility_id,
            counted_at,
        })
        .collect())
}
