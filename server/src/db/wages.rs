//! SQL for wages (工賃): monthly figures, yearly targets, imported yearly figures, and the
//! council sales of a facility read off settled events.

use super::Tx;
use super::settlement::{Scope, in_scope};
use crate::on_tx;
use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use chrono_tz::Asia::Tokyo;
use selpos_domain::Yen;
use selpos_domain::wages::WageMonthInput;
use std::collections::BTreeMap;

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

/// Writes what each facility sold at the event, by month in Japan, once the event is settled
/// (its figures never change afterwards): the wage reports read these rows, not the journal.
/// A gift season's account (its till sales are the supplier's money) earns no wage income.
/// The database sums the lines by facility and hour of sale (UTC); the month in Japan of each
/// hour is worked out here (Japan's offset is whole hours, so an hour never straddles two
/// months), which is cheaper than converting every line's time in SQL.
pub async fn record_settled_months(tx: &mut Tx, scope: Scope) -> Result<(), sqlx::Error> {
    let event_id = scope.event_id();
    let by_hour: Vec<(i64, Option<NaiveDateTime>, i64)> = match tx {
        Tx::Sqlite(conn) => {
            let sql = format!(
                "SELECT l.facility_id, substr(s.sold_at, 1, 13), SUM(l.net)
                       FROM sale_lines l JOIN sales s ON s.id = l.sale_id
                       WHERE {} AND l.facility_id NOT IN ({}) GROUP BY 1, 2",
                in_scope("s"),
                super::gifts::ACCOUNT_FACILITIES
            );
            let rows: Vec<(i64, String, i64)> =
                scope.bind(sqlx::query_as(&sql)).fetch_all(&mut **conn).await?;
            rows.into_iter()
                .map(|(facility, hour, net)| {
                    // "2026-03-31T14" (sqlx writes RFC 3339; a space is SQLite's own form).
                    let hour = NaiveDateTime::parse_from_str(
                        &format!("{}:00:00", hour.replace(' ', "T")),
                        "%Y-%m-%dT%H:%M:%S",
                    );
                    (facility, hour.ok(), net)
                })
                .collect()
        }
        Tx::Postgres(conn) => {
            let sql = format!(
                "SELECT l.facility_id, date_trunc('hour', s.sold_at AT TIME ZONE 'UTC'), CAST(SUM(l.net) AS BIGINT)
                       FROM sale_lines l JOIN sales s ON s.id = l.sale_id
                       WHERE {} AND l.facility_id NOT IN ({}) GROUP BY 1, 2",
                in_scope("s"),
                super::gifts::ACCOUNT_FACILITIES
            );
            let rows: Vec<(i64, NaiveDateTime, i64)> =
                scope.bind(sqlx::query_as(&sql)).fetch_all(&mut **conn).await?;
            rows.into_iter()
                .map(|(f, hour, net)| (f, Some(hour), net))
                .collect()
        }
    };
    let mut by_month: BTreeMap<(i64, i32, u32), i64> = BTreeMap::new();
    for (facility, hour, net) in by_hour {
        let hour = hour.ok_or_else(|| {
            sqlx::Error::Protocol(format!(
                "a sale's time that does not read as one, at event {event_id}"
            ))
        })?;
        let local = hour.and_utc().with_timezone(&Tokyo);
        let sum = by_month
            .entry((facility, local.year(), local.month()))
            .or_default();
        *sum = sum.checked_add(net).ok_or_else(|| {
            sqlx::Error::Protocol(format!("a facility's month past i64 at event {event_id}"))
        })?;
    }
    if by_month.is_empty() {
        return Ok(());
    }
    const INSERT: &str = "INSERT INTO settled_facility_months (event_id, facility_id, year, month, net) ";
    on_tx!(tx, |conn| {
        let mut insert = sqlx::QueryBuilder::new(INSERT);
        insert.push_values(&by_month, |mut row, (&(facility, year, month), &net)| {
            row.push_bind(event_id)
                .push_bind(facility)
                .push_bind(i64::from(year))
                .push_bind(i64::from(month))
                .push_bind(net);
        });
        // A standing shop's late record adds to a month an earlier period already wrote.
        insert.push(
            " ON CONFLICT (event_id, facility_id, year, month)
              DO UPDATE SET net = settled_facility_months.net + excluded.net",
        );
        insert.build().execute(&mut *conn).await.map(|_| ())
    })
}

/// (year, month, net) of what the facility sold at settled events in the fiscal year's months
/// (April of `fiscal_year` to March of the next), month by month.
pub async fn council_sales(
    tx: &mut Tx,
    facility_id: i64,
    fiscal_year: i32,
) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    let sql = "SELECT year, month, CAST(SUM(net) AS BIGINT) FROM settled_facility_months
               WHERE facility_id = $1 AND year * 100 + month BETWEEN $2 AND $3
               GROUP BY year, month ORDER BY year, month";
    let (from, until) = (
        i64::from(fiscal_year) * 100 + 4,
        (i64::from(fiscal_year) + 1) * 100 + 3,
    );
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(facility_id)
        .bind(from)
        .bind(until)
        .fetch_all(&mut *conn)
        .await)
}

/// An imported year of a facility: its totals, and every published cell as published.
pub struct ImportedYear {
    pub facility_id: i64,
    pub fiscal_year: i32,
    pub capacity: Option<i64>,
    pub user_months: Option<i64>,
    pub wages_paid: Option<Yen>,
    pub work_hours: Option<i64>,
    /// The line of the file (header = 1) and the facility's name there.
    pub source_row: i64,
    pub published_name: String,
    pub monthly_wage_avg: Option<i64>,
    pub hourly_wage_total: Option<i64>,
    pub hourly_wage_avg: Option<i64>,
}

pub async fn put_year(tx: &mut Tx, y: &ImportedYear, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO wage_years (facility_id, fiscal_year, capacity, user_months, wages_paid, work_hours, imported_at,
                                       source_row, published_name, monthly_wage_avg, hourly_wage_total, hourly_wage_avg)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
               ON CONFLICT (facility_id, fiscal_year) DO UPDATE SET capacity = excluded.capacity,
                   user_months = excluded.user_months, wages_paid = excluded.wages_paid,
                   work_hours = excluded.work_hours, imported_at = excluded.imported_at,
                   source_row = excluded.source_row, published_name = excluded.published_name,
                   monthly_wage_avg = excluded.monthly_wage_avg, hourly_wage_total = excluded.hourly_wage_total,
                   hourly_wage_avg = excluded.hourly_wage_avg";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(y.facility_id)
        .bind(i64::from(y.fiscal_year))
        .bind(y.capacity)
        .bind(y.user_months)
        .bind(y.wages_paid.map(|w| w.0))
        .bind(y.work_hours)
        .bind(now)
        .bind(y.source_row)
        .bind(&y.published_name)
        .bind(y.monthly_wage_avg)
        .bind(y.hourly_wage_total)
        .bind(y.hourly_wage_avg)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// A facility's fiscal year from the months it entered in selpos: sums and the months covered.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EnteredYear {
    pub facility_id: i64,
    pub months: i64,
    pub wages_paid: i64,
    pub user_months: i64,
    pub user_days: i64,
    pub opening_days: i64,
    pub work_hours: i64,
}

/// Every facility's entered months of a fiscal year, summed.
pub async fn entered_years(tx: &mut Tx, fiscal_year: i32) -> Result<Vec<EnteredYear>, sqlx::Error> {
    let sql = "SELECT facility_id, CAST(COUNT(*) AS BIGINT) AS months,
                      CAST(SUM(wages_paid) AS BIGINT) AS wages_paid, CAST(SUM(user_months) AS BIGINT) AS user_months,
                      CAST(SUM(user_days) AS BIGINT) AS user_days, CAST(SUM(opening_days) AS BIGINT) AS opening_days,
                      CAST(SUM(work_hours) AS BIGINT) AS work_hours
               FROM wage_months WHERE (year = $1 AND month >= 4) OR (year = $2 AND month <= 3)
               GROUP BY facility_id";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(i64::from(fiscal_year))
        .bind(i64::from(fiscal_year) + 1)
        .fetch_all(&mut *conn)
        .await)
}

/// A facility's year of the prefecture's table, as published.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublishedYearRow {
    pub facility_id: i64,
    pub capacity: Option<i64>,
    pub user_months: Option<i64>,
    pub wages_paid: Option<i64>,
    pub work_hours: Option<i64>,
    pub monthly_wage_avg: Option<i64>,
    pub hourly_wage_avg: Option<i64>,
}

/// The prefecture's published figures of a fiscal year (imported), whatever months facilities
/// have entered since.
pub async fn published_years(tx: &mut Tx, fiscal_year: i32) -> Result<Vec<PublishedYearRow>, sqlx::Error> {
    let sql =
        "SELECT facility_id, capacity, user_months, wages_paid, work_hours, monthly_wage_avg, hourly_wage_avg
               FROM wage_years WHERE fiscal_year = $1";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(i64::from(fiscal_year))
        .fetch_all(&mut *conn)
        .await)
}

// --- corrections ---------------------------------------------------------------------------

/// A correction as stored, with its facility's number and name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CorrectionRow {
    pub id: i64,
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub fiscal_year: i64,
    pub field: String,
    pub published: Option<i64>,
    pub proposed: Option<i64>,
    pub code: String,
    pub reason: String,
    pub explains: String,
    pub status: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
}

const CORRECTION_COLUMNS: &str = "c.id, c.facility_id, f.number AS facility_number, f.name AS facility_name,
    c.fiscal_year, c.field, c.published, c.proposed, c.code, c.reason, c.explains, c.status, c.decided_by, c.decided_at";

/// Which corrections to list.
#[derive(Debug, Default, Clone)]
pub struct CorrectionFilter {
    pub fiscal_year: Option<i32>,
    pub facility_id: Option<i64>,
    pub status: Option<&'static str>,
}

/// Corrections by fiscal year, facility number and column.
pub async fn corrections(tx: &mut Tx, filter: &CorrectionFilter) -> Result<Vec<CorrectionRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {CORRECTION_COLUMNS} FROM wage_corrections c JOIN facilities f ON f.id = c.facility_id
         WHERE ($1 IS NULL OR c.fiscal_year = $1) AND ($2 IS NULL OR c.facility_id = $2)
           AND ($3 IS NULL OR c.status = $3)
         ORDER BY c.fiscal_year, f.number, c.id"
    );
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(filter.fiscal_year.map(i64::from))
        .bind(filter.facility_id)
        .bind(filter.status)
        .fetch_all(&mut *conn)
        .await)
}

pub async fn correction(tx: &mut Tx, id: i64) -> Result<Option<CorrectionRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {CORRECTION_COLUMNS} FROM wage_corrections c JOIN facilities f ON f.id = c.facility_id WHERE c.id = $1"
    );
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)
}

/// Records the council's decision (`pending` clears it).
pub async fn decide_correction(
    tx: &mut Tx,
    id: i64,
    status: &str,
    by: Option<i64>,
    at: Option<DateTime<Utc>>,
) -> Result<u64, sqlx::Error> {
    let sql = "UPDATE wage_corrections SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(status)
        .bind(by)
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))
}

/// A proposal to store for a facility's year.
pub struct NewCorrection<'a> {
    pub field: &'a str,
    pub published: Option<i64>,
    pub proposed: Option<i64>,
    pub code: &'a str,
    pub reason: &'a str,
    pub explains: String,
}

/// Puts a facility's year's proposals in place of the stored ones. A proposal the import makes
/// again (same column, same published and proposed values) keeps the council's decision; the
/// others are new and pending, and stored ones the import no longer makes are removed.
pub async fn replace_corrections(
    tx: &mut Tx,
    facility_id: i64,
    fiscal_year: i32,
    proposals: &[NewCorrection<'_>],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let year = i64::from(fiscal_year);
    let stored = corrections(
        tx,
        &CorrectionFilter {
            fiscal_year: Some(fiscal_year),
            facility_id: Some(facility_id),
            status: None,
        },
    )
    .await?;
    for old in &stored {
        let again = proposals
            .iter()
            .any(|p| p.field == old.field && p.published == old.published && p.proposed == old.proposed);
        if !again {
            on_tx!(tx, |conn| sqlx::query(
                "DELETE FROM wage_corrections WHERE id = $1"
            )
            .bind(old.id)
            .execute(&mut *conn)
            .await
            .map(|_| ()))?;
        }
    }
    for p in proposals {
        let kept = stored
            .iter()
            .any(|old| p.field == old.field && p.published == old.published && p.proposed == old.proposed);
        let sql = if kept {
            "UPDATE wage_corrections SET code = $1, reason = $2, explains = $3
             WHERE facility_id = $4 AND fiscal_year = $5 AND field = $6"
        } else {
            "INSERT INTO wage_corrections (code, reason, explains, facility_id, fiscal_year, field, published, proposed,
                                           status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9)"
        };
        on_tx!(tx, |conn| {
            let q = sqlx::query(sql)
                .bind(p.code)
                .bind(p.reason)
                .bind(&p.explains)
                .bind(facility_id)
                .bind(year)
                .bind(p.field);
            let q = if kept {
                q
            } else {
                q.bind(p.published).bind(p.proposed).bind(now)
            };
            q.execute(&mut *conn).await.map(|_| ())
        })?;
    }
    Ok(())
}
