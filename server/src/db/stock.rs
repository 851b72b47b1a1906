//! SQL for stock operations and the movements they write.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};

pub async fn operation_exists(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<String> = on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT id FROM stock_operations WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)?;
    Ok(found.is_some())
}

pub struct NewOperation<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub event_id: i64,
    pub to_event_id: Option<i64>,
    pub facility_id: i64,
    pub note: &'a str,
    pub approval_id: Option<String>,
    pub created_by: i64,
}

pub async fn insert_operation(
    tx: &mut Tx,
    o: &NewOperation<'_>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO stock_operations (id, kind, event_id, to_event_id, facility_id, note, approval_id, created_by,
                                             created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(o.id)
        .bind(o.kind)
        .bind(o.event_id)
        .bind(o.to_event_id)
        .bind(o.facility_id)
        .bind(o.note)
        .bind(&o.approval_id)
        .bind(o.created_by)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// One movement: `event_id` None is the facility's own premises (home).
pub struct NewMovement<'a> {
    pub product_id: i64,
    pub facility_id: i64,
    pub event_id: Option<i64>,
    pub kind: &'a str,
    pub quantity: i64,
    pub operation_id: &'a str,
    pub reason: &'a str,
    pub created_by: i64,
}

pub async fn insert_movement(
    tx: &mut Tx,
    m: &NewMovement<'_>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO stock_movements (product_id, facility_id, event_id, kind, quantity, operation_id, reason,
                                            created_by, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(m.product_id)
        .bind(m.facility_id)
        .bind(m.event_id)
        .bind(m.kind)
        .bind(m.quantity)
        .bind(m.operation_id)
        .bind(m.reason)
        .bind(m.created_by)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// A product that can be stocked at an event: of a participating facility, or already moved there.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StockProduct {
    pub product_id: i64,
    pub facility_id: i64,
    pub name: String,
    pub price: i64,
    pub low_stock_threshold: i64,
}

pub async fn products(
    tx: &mut Tx,
    event_id: i64,
    facility_id: Option<i64>,
) -> Result<Vec<StockProduct>, sqlx::Error> {
    let sql = "SELECT p.id AS product_id, p.facility_id, p.name, p.price, p.low_stock_threshold FROM products p
               JOIN facilities f ON f.id = p.facility_id
               WHERE ($2 IS NULL OR p.facility_id = $2)
                 AND (EXISTS (SELECT 1 FROM event_facilities ef WHERE ef.event_id = $1 AND ef.facility_id = p.facility_id)
                      OR EXISTS (SELECT 1 FROM stock_movements m WHERE m.event_id = $1 AND m.product_id = p.id))
               ORDER BY f.number, p.category, p.kana, p.id";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .bind(facility_id)
        .fetch_all(&mut *conn)
        .await)
}

/// Sums of movements at an event by product and kind.
pub async fn sums(
    tx: &mut Tx,
    event_id: i64,
    facility_id: Option<i64>,
) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    let sql = "SELECT product_id, kind, CAST(SUM(quantity) AS BIGINT) FROM stock_movements
               WHERE event_id = $1 AND ($2 IS NULL OR facility_id = $2)
               GROUP BY product_id, kind";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .bind(facility_id)
        .fetch_all(&mut *conn)
        .await)
}

/// Net sales by product at an event.
pub async fn sales(
    tx: &mut Tx,
    event_id: i64,
    facility_id: Option<i64>,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let sql =
        "SELECT l.product_id, CAST(SUM(l.net) AS BIGINT) FROM sale_lines l JOIN sales s ON s.id = l.sale_id
               WHERE s.event_id = $1 AND ($2 IS NULL OR l.facility_id = $2) GROUP BY l.product_id";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .bind(facility_id)
        .fetch_all(&mut *conn)
        .await)
}
