//! SQL for product photos (商品写真): one row per product that has one.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// A photo as stored: the server's own JPEG and what names it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredPhoto {
    pub product_id: i64,
    pub version: String,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub data: Vec<u8>,
}

/// A product's photo, bytes included.
pub async fn get(tx: &mut Tx, product_id: i64) -> Result<Option<StoredPhoto>, sqlx::Error> {
    let sql = "SELECT product_id, version, content_type, width, height, data
               FROM product_photos WHERE product_id = $1";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(product_id)
        .fetch_optional(&mut *conn)
        .await)
}

/// Stores a product's photo, replacing the one it had.
pub async fn put(tx: &mut Tx, photo: &StoredPhoto, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql =
        "INSERT INTO product_photos (product_id, version, content_type, width, height, data, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (product_id) DO UPDATE SET version = excluded.version,
                   content_type = excluded.content_type, width = excluded.width,
                   height = excluded.height, data = excluded.data, updated_at = excluded.updated_at";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(photo.product_id)
        .bind(&photo.version)
        .bind(&photo.content_type)
        .bind(photo.width)
        .bind(photo.height)
        .bind(&photo.data)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// Removes a product's photo; answers the version it had, if it had one.
pub async fn delete(tx: &mut Tx, product_id: i64) -> Result<Option<String>, sqlx::Error> {
    let sql = "DELETE FROM product_photos WHERE product_id = $1 RETURNING version";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(product_id)
        .fetch_optional(&mut *conn)
        .await)
}

/// The photo versions of products: those of `facility_id`, or all when `None`.
pub async fn versions(tx: &mut Tx, facility_id: Option<i64>) -> Result<HashMap<i64, String>, sqlx::Error> {
    let sql = "SELECT ph.product_id, ph.version FROM product_photos ph
               JOIN products p ON p.id = ph.product_id
               WHERE ($1 IS NULL OR p.facility_id = $1)";
    let rows: Vec<(i64, String)> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(facility_id)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows.into_iter().collect())
}

/// The photo versions of the products the facilities taking part in `event_id` sell (the
/// till's catalogue).
pub async fn versions_at_event(tx: &mut Tx, event_id: i64) -> Result<HashMap<i64, String>, sqlx::Error> {
    let sql = "SELECT ph.product_id, ph.version FROM product_photos ph
               JOIN products p ON p.id = ph.product_id
               JOIN event_facilities ef ON ef.facility_id = p.facility_id AND ef.event_id = $1";
    let rows: Vec<(i64, String)> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows.into_iter().collect())
}
