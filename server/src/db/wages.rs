//! SQL for wages (工賃): monthly figures, yearly targets, imported yearly figures, and the
//! council sales of a facility read off settled events.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};
use selpos_domain::Yen;
use selpos_domain::wages::WageMonthInput;

#[derive(sqlx::FromRow)]
struct MonthRow {
    year: i64,
    month: i64,
    wages_paid: i64,
    user_months: i64,
    user_days: i64,
    opening_days: i64,
    work_hours: i64,
}

/// A facility's months from (`from_year`, April) to (`from_year` + 1, March).
pub async fn months(
    tx: &mut Tx,
    facility_id: i64,
    fiscal_year: i32,
) -> Result<Vec<WageMonthInput>, sqlx::Error> {
    let sql =
        "SELECT year, month, wages_paid, user_months, user_days, opening_days, work_hours FROM wage_months
               WHERE facility_id = $1 AND ((year = $2 AND month >= 4) OR (year = $3 AND month <= 3))";
    let rows: Vec<MonthRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(facility_id)
        .bind(i64::from(fiscal_year))
        .bind(i64::from(fiscal_year) + 1)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| WageMonthInput {
            year: i32::try_from(r.year).unwrap_or_default(),
            month: u32::try_from(r.month).unwrap_or_default(),
            wages_paid: Yen(r.wages_paid),
            user_months: r.user_months,
            user_days: r.user_days,
            opening_days: r.opening_days,
            work_hours: r.work_hours,
        })
        .collect())
}

pub async fn put_month(
    tx: &mut Tx,
    facility_id: i64,
    m: &WageMonthInput,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql =
        "INSERT INTO wage_months (facility_id, year, month, wages_paid, user_months, user_days, opening_days,
                                        work_hours, updated_by, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
               ON CONFLICT (facility_id, year, month) DO UPDATE SET wages_paid = excluded.wages_paid,
                   user_months = excluded.user_months, user_days = excluded.user_days,
                   opening_days = excluded.opening_days, work_hours = excluded.work_hours,
                   updated_by = excluded.updated_by, updated_at = excluded.updated_at";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(facility_id)
        .bind(i64::from(m.year))
        .bind(i64::from(m.month))
        .bind(m.wages_paid.0)
        .bind(m.user_months)
        .bind(m.user_days)
        .bind(m.opening_days)
        .bind(m.work_hours)
        .bind(by)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

pub async fn target(tx: &mut Tx, facility_id: i64, fiscal_year: i32) -> Result<Option<Yen>, sqlx::Error> {
    let found: Option<i64> = on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT monthly_target FROM wage_targets WHERE facility_id = $1 AND fiscal_year = $2"
    )
    .bind(facility_id)
    .bind(i64::from(fiscal_year))
    .fetch_optional(&mut *conn)
    .await)?;
    Ok(found.map(Yen))
}

pub async fn put_target(
    tx: &mut Tx,
    facility_id: i64,
    fiscal_year: i32,
    target: Yen,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO wage_targets (facility_id, fiscal_year, monthly_target, updated_by, updated_at)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (facility_id, fiscal_year) DO UPDATE SET monthly_target = excluded.monthly_target,
                   updated_by = excluded.updated_by, updated_at = excluded.updated_at";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(facility_id)
        .bind(i64::from(fiscal_year))
        .bind(target.0)
        .bind(by)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// (sold_at, net) of the facility's lines at settled events between two instants.
pub async fn council_sales(
    tx: &mut Tx,
    facility_id: i64,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, i64)>, sqlx::Error> {
    let sql = "SELECT s.sold_at, l.net FROM sale_lines l JOIN sales s ON s.id = l.sale_id
               JOIN events e ON e.id = s.event_id
               WHERE l.facility_id = $1 AND e.state = 'settled' AND s.sold_at >= $2 AND s.sold_at < $3";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(facility_id)
        .bind(from)
        .bind(until)
        .fetch_all(&mut *conn)
        .await)
}

/// An imported year of a facility.
pub struct ImportedYear {
    pub facility_id: i64,
    pub fiscal_year: i32,
    pub capacity: Option<i64>,
    pub user_months: Option<i64>,
    pub wages_paid: Option<Yen>,
    pub work_hours: Option<i64>,
}

pub async fn put_year(tx: &mut Tx, y: &ImportedYear, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO wage_years (facility_id, fiscal_year, capacity, user_months, wages_paid, work_hours, imported_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (facility_id, fiscal_year) DO UPDATE SET capacity = excluded.capacity,
                   user_months = excluded.user_months, wages_paid = excluded.wages_paid,
                   work_hours = excluded.work_hours, imported_at = excluded.imported_at";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(y.facility_id)
        .bind(i64::from(y.fiscal_year))
        .bind(y.capacity)
        .bind(y.user_months)
        .bind(y.wages_paid.map(|w| w.0))
        .bind(y.work_hours)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// Yearly figures of every facility for one fiscal year: (facility, capacity, user-months,
/// wages, hours, source), from the months entered in selpos where there are any, else from
/// the imported table.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct YearRow {
    pub facility_id: i64,
    pub capacity: Option<i64>,
    pub user_months: Option<i64>,
    pub wages_paid: Option<i64>,
    pub work_hours: Option<i64>,
    pub source: String,
}

pub async fn years(tx: &mut Tx, fiscal_year: i32) -> Result<Vec<YearRow>, sqlx::Error> {
    let sql = "SELECT facility_id, CAST(NULL AS BIGINT) AS capacity, CAST(SUM(user_months) AS BIGINT) AS user_months,
                      CAST(SUM(wages_paid) AS BIGINT) AS wages_paid, CAST(SUM(work_hours) AS BIGINT) AS work_hours,
                      'months' AS source
               FROM wage_months WHERE (year = $1 AND month >= 4) OR (year = $2 AND month <= 3)
               GROUP BY facility_id
               UNION ALL
               SELECT y.facility_id, y.capacity, y.user_months, y.wages_paid, y.work_hours, 'import' AS source
               FROM wage_years y WHERE y.fiscal_year = $1 AND NOT EXISTS (
                   SELECT 1 FROM wage_months m WHERE m.facility_id = y.facility_id
                     AND ((m.year = $1 AND m.month >= 4) OR (m.year = $2 AND m.month <= 3)))";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(i64::from(fiscal_year))
        .bind(i64::from(fiscal_year) + 1)
        .fetch_all(&mut *conn)
        .await)
}

/// The prefecture's published figures of a fiscal year (imported), whatever months facilities
/// have entered since: the totals facility staff may see.
pub async fn published_years(tx: &mut Tx, fiscal_year: i32) -> Result<Vec<YearRow>, sqlx::Error> {
    let sql = "SELECT facility_id, capacity, user_months, wages_paid, work_hours, 'import' AS source
               FROM wage_years WHERE fiscal_year = $1";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(i64::from(fiscal_year))
        .fetch_all(&mut *conn)
        .await)
}
