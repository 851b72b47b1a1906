//! SQL for the income view: settled event sales per facility, month and kind of event (the
//! SELP SHOP apart from the other events).

use super::Tx;
use crate::on_tx;

/// (facility, year, month, event kind, net) of sales at settled events from `from` to `until`
/// (year × 100 + month, both included), of one facility or all.
pub async fn event_sales(
    tx: &mut Tx,
    facility: Option<i64>,
    from: i64,
    until: i64,
) -> Result<Vec<(i64, i64, i64, String, i64)>, sqlx::Error> {
    let sql = "SELECT s.facility_id, s.year, s.month, e.kind, CAST(SUM(s.net) AS BIGINT)
               FROM settled_facility_months s JOIN events e ON e.id = s.event_id
               WHERE ($1 IS NULL OR s.facility_id = $1) AND s.year * 100 + s.month BETWEEN $2 AND $3
               GROUP BY s.facility_id, s.year, s.month, e.kind";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(facility)
        .bind(from)
        .bind(until)
        .fetch_all(&mut *conn)
        .await)
}
