//! SQL for products (自主製品).

use super::{Tx, like_pattern};
use crate::on_tx;
use chrono::{DateTime, Utc};
use selpos_domain::products::{Product, ProductInput};
use selpos_domain::{TaxRate, Yen};

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: i64,
    facility_id: i64,
    name: String,
    kana: String,
    price: i64,
    tax_rate: String,
    jan: Option<String>,
    category: String,
    low_stock_threshold: i64,
    active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ProductRow> for Product {
    type Error = sqlx::Error;
    fn try_from(r: ProductRow) -> Result<Self, Self::Error> {
        let tax_rate = TaxRate::from_code(&r.tax_rate)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown tax rate {:?}", r.tax_rate).into()))?;
        Ok(Product {
            id: r.id,
            facility_id: r.facility_id,
            name: r.name,
            kana: r.kana,
            price: Yen(r.price),
            tax_rate,
            jan: r.jan,
            category: r.category,
            low_stock_threshold: r.low_stock_threshold,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
            photo: None,
        })
    }
}

/// A product's code is its real JAN (`jan`, unique in the catalogue) or its in-store code
/// (`in_store_code`, unique in its facility); the API shows the one that is set.
const COLUMNS: &str =
    "id, facility_id, name, kana, price, tax_rate, COALESCE(jan, in_store_code) AS jan, category,
                       low_stock_threshold, active, created_at, updated_at";

/// Which column a code is stored in: `(jan, in_store_code)`.
fn stored_code(code: Option<&str>) -> (Option<&str>, Option<&str>) {
    match code {
        Some(code) if selpos_domain::codes::is_in_store_code(code) => (None, Some(code)),
        code => (code, None),
    }
}

/// Filters of the product list.
#[derive(Debug, Default, Clone)]
pub struct ProductFilter {
    pub facility_id: Option<i64>,
    pub active: Option<bool>,
    /// Part of the name or kana, or a whole JAN code.
    pub text: Option<String>,
}

pub async fn list(tx: &mut Tx, filter: &ProductFilter) -> Result<Vec<Product>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM products
         WHERE ($1 IS NULL OR facility_id = $1)
           AND ($2 IS NULL OR active = $2)
           AND ($3 IS NULL OR name LIKE $3 ESCAPE '\\' OR kana LIKE $3 ESCAPE '\\' OR jan = $4 OR in_store_code = $4)
         ORDER BY facility_id, category, kana, id"
    );
    let text = filter.text.as_deref().map(like_pattern);
    let rows: Vec<ProductRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(filter.facility_id)
        .bind(filter.active)
        .bind(&text)
        .bind(filter.text.as_deref())
        .fetch_all(&mut *conn)
        .await)?;
    rows.into_iter().map(Product::try_from).collect()
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Product>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM products WHERE id = $1");
    let row: Option<ProductRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)?;
    row.map(Product::try_from).transpose()
}

pub async fn insert(tx: &mut Tx, input: &ProductInput, now: DateTime<Utc>) -> Result<Product, sqlx::Error> {
    let sql = format!(
        "INSERT INTO products (facility_id, name, kana, price, tax_rate, jan, category, active, low_stock_threshold,
                               created_at, updated_at, in_store_code)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
         RETURNING {COLUMNS}"
    );
    let row: ProductRow = on_tx!(tx, |conn| bind_input(sqlx::query_as(&sql), input)
        .bind(now)
        .bind(stored_code(input.jan.as_deref()).1)
        .fetch_one(&mut *conn)
        .await)?;
    row.try_into()
}

pub async fn update(
    tx: &mut Tx,
    id: i64,
    input: &ProductInput,
    now: DateTime<Utc>,
) -> Result<Option<Product>, sqlx::Error> {
    let sql = format!(
        "UPDATE products SET facility_id = $1, name = $2, kana = $3, price = $4, tax_rate = $5, jan = $6,
                category = $7, active = $8, low_stock_threshold = $9, updated_at = $10,
                previous_price = CASE WHEN price <> $4 THEN price ELSE previous_price END,
                price_changed_at = CASE WHEN price <> $4 THEN $10 ELSE price_changed_at END,
                in_store_code = $12
         WHERE id = $11
         RETURNING {COLUMNS}"
    );
    let row: Option<ProductRow> = on_tx!(tx, |conn| bind_input(sqlx::query_as(&sql), input)
        .bind(now)
        .bind(id)
        .bind(stored_code(input.jan.as_deref()).1)
        .fetch_optional(&mut *conn)
        .await)?;
    row.map(Product::try_from).transpose()
}

/// Binds `$1`…`$9` in the column order shared by insert and update (`$6`: a real JAN only;
/// the in-store code is bound after, see [`stored_code`]).
fn bind_input<'q, DB, O>(
    query: sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>,
    input: &'q ProductInput,
) -> sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query
        .bind(input.facility_id)
        .bind(input.name.as_str())
        .bind(input.kana.as_str())
        .bind(input.price.0)
        .bind(input.tax_rate.code())
        .bind(stored_code(input.jan.as_deref()).0)
        .bind(input.category.as_str())
        .bind(input.active)
        .bind(input.low_stock_threshold)
}
