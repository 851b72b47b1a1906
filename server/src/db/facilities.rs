//! SQL for facilities (事業所).

use super::{Tx, like_pattern};
use crate::on_tx;
use chrono::{DateTime, Utc};
use selpos_domain::facilities::{Facility, FacilityInput};

#[derive(sqlx::FromRow)]
struct FacilityRow {
    id: i64,
    number: i64,
    name: String,
    kana: String,
    corporation_type: i64,
    capacity: i64,
    invoice_number: Option<String>,
    invoice_issuer: bool,
    contact: String,
    active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<FacilityRow> for Facility {
    fn from(r: FacilityRow) -> Self {
        Facility {
            id: r.id,
            number: r.number,
            name: r.name,
            kana: r.kana,
            corporation_type: r.corporation_type,
            capacity: r.capacity,
            invoice_number: r.invoice_number,
            invoice_issuer: r.invoice_issuer,
            contact: r.contact,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, number, name, kana, corporation_type, capacity, invoice_number, invoice_issuer, \
                       contact, active, created_at, updated_at";

/// Filters of the facility list.
#[derive(Debug, Default, Clone)]
pub struct FacilityFilter {
    pub active: Option<bool>,
    /// Part of the name or kana.
    pub text: Option<String>,
}

pub async fn list(tx: &mut Tx, filter: &FacilityFilter) -> Result<Vec<Facility>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM facilities
         WHERE ($1 IS NULL OR active = $1)
           AND ($2 IS NULL OR name LIKE $2 ESCAPE '\\' OR kana LIKE $2 ESCAPE '\\')
         ORDER BY number"
    );
    let text = filter.text.as_deref().map(like_pattern);
    let rows: Vec<FacilityRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(filter.active)
        .bind(&text)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows.into_iter().map(Facility::from).collect())
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Facility>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM facilities WHERE id = $1");
    let row: Option<FacilityRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)?;
    Ok(row.map(Facility::from))
}

pub async fn insert(tx: &mut Tx, input: &FacilityInput, now: DateTime<Utc>) -> Result<Facility, sqlx::Error> {
    let sql = format!(
        "INSERT INTO facilities (number, name, kana, corporation_type, capacity, invoice_number, invoice_issuer,
                                 contact, active, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         RETURNING {COLUMNS}"
    );
    let row: FacilityRow = on_tx!(tx, |conn| bind_input(sqlx::query_as(&sql), input)
        .bind(now)
        .fetch_one(&mut *conn)
        .await)?;
    Ok(row.into())
}

pub async fn update(
    tx: &mut Tx,
    id: i64,
    input: &FacilityInput,
    now: DateTime<Utc>,
) -> Result<Option<Facility>, sqlx::Error> {
    let sql = format!(
        "UPDATE facilities SET number = $1, name = $2, kana = $3, corporation_type = $4, capacity = $5,
                invoice_number = $6, invoice_issuer = $7, contact = $8, active = $9, updated_at = $10
         WHERE id = $11
         RETURNING {COLUMNS}"
    );
    let row: Option<FacilityRow> = on_tx!(tx, |conn| bind_input(sqlx::query_as(&sql), input)
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)?;
    Ok(row.map(Facility::from))
}

/// Binds `$1`…`$9` in the column order shared by insert and update.
fn bind_input<'q, DB, O>(
    query: sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>,
    input: &'q FacilityInput,
) -> sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query
        .bind(input.number)
        .bind(input.name.as_str())
        .bind(input.kana.as_str())
        .bind(input.corporation_type)
        .bind(input.capacity)
        .bind(input.invoice_number.as_deref())
        .bind(input.invoice_issuer)
        .bind(input.contact.as_str())
        .bind(input.active)
}

/// Facility ids among `ids` that exist.
pub async fn existing_ids(tx: &mut Tx, ids: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
    let mut found = Vec::with_capacity(ids.len());
    for &id in ids {
        let exists: Option<i64> = on_tx!(tx, |conn| sqlx::query_scalar(
            "SELECT id FROM facilities WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)?;
        found.extend(exists);
    }
    Ok(found)
}
