//! SQL for 共同購入: rounds, the facilities' orders, bills and their payments.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, NaiveDate, Utc};
use selpos_domain::orders::Payment;
use selpos_domain::purchases::{Bill, RoundInput, RoundOrder, RoundStatus, settle};
use selpos_domain::{TaxRate, Yen};

fn decode_error(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value:?}").into())
}

fn rate_of(code: &str) -> Result<TaxRate, sqlx::Error> {
    TaxRate::from_code(code).ok_or_else(|| decode_error("tax rate", code))
}

/// A round's own row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoundRow {
    pub id: i64,
    pub title: String,
    pub item_name: String,
    pub unit: String,
    pub unit_price: i64,
    pub tax_rate: String,
    pub deadline: DateTime<Utc>,
    pub supplier: String,
    pub note: String,
    pub status: String,
    pub status_reason: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub billed_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RoundRow {
    pub fn stored_status(&self) -> Result<RoundStatus, sqlx::Error> {
        RoundStatus::from_code(&self.status).ok_or_else(|| decode_error("round status", &self.status))
    }

    pub fn rate(&self) -> Result<TaxRate, sqlx::Error> {
        rate_of(&self.tax_rate)
    }
}

const ROUND_COLUMNS: &str =
    "id, title, item_name, unit, unit_price, tax_rate, deadline, supplier, note, status,
    status_reason, closed_at, billed_on, created_at, updated_at";

/// Every round, newest deadline first (`open_only`: those still taking orders by status).
pub async fn rounds(tx: &mut Tx, open_only: bool) -> Result<Vec<RoundRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {ROUND_COLUMNS} FROM purchase_rounds WHERE ($1 = FALSE OR status = 'open')
         ORDER BY deadline DESC, id DESC"
    );
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(open_only)
        .fetch_all(&mut *conn)
        .await)
}

pub async fn round(tx: &mut Tx, id: i64) -> Result<Option<RoundRow>, sqlx::Error> {
    let sql = format!("SELECT {ROUND_COLUMNS} FROM purchase_rounds WHERE id = $1");
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)
}

/// The round with its row held until the transaction ends (PostgreSQL: FOR UPDATE; SQLite: a
/// write transaction has the file to itself): orders, the close, bills and payments of one
/// round never interleave.
pub async fn hold(tx: &mut Tx, id: i64) -> Result<Option<RoundRow>, sqlx::Error> {
    let sql = match &*tx {
        Tx::Sqlite(..) => format!("SELECT {ROUND_COLUMNS} FROM purchase_rounds WHERE id = $1"),
        Tx::Postgres(_) => format!("SELECT {ROUND_COLUMNS} FROM purchase_rounds WHERE id = $1 FOR UPDATE"),
    };
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)
}

pub async fn insert_round(tx: &mut Tx, input: &RoundInput, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    let sql =
        "INSERT INTO purchase_rounds (title, item_name, unit, unit_price, tax_rate, deadline, supplier, note,
                   status, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $9) RETURNING id";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(&input.title)
        .bind(&input.item_name)
        .bind(&input.unit)
        .bind(input.unit_price.0)
        .bind(input.tax_rate.code())
        .bind(input.deadline)
        .bind(&input.supplier)
        .bind(&input.note)
        .bind(now)
        .fetch_one(&mut *conn)
        .await)
}

pub async fn update_round(
    tx: &mut Tx,
    id: i64,
    input: &RoundInput,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql =
        "UPDATE purchase_rounds SET title = $2, item_name = $3, unit = $4, unit_price = $5, tax_rate = $6,
                   deadline = $7, supplier = $8, note = $9, updated_at = $10 WHERE id = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(id)
        .bind(&input.title)
        .bind(&input.item_name)
        .bind(&input.unit)
        .bind(input.unit_price.0)
        .bind(input.tax_rate.code())
        .bind(input.deadline)
        .bind(&input.supplier)
        .bind(&input.note)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// Moves the round to `status` (with the reason of a cancellation, the moment of a close, the
/// day of the bills).
pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    status: RoundStatus,
    reason: &str,
    closed_at: Option<DateTime<Utc>>,
    billed_on: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql =
        "UPDATE purchase_rounds SET status = $2, status_reason = $3, closed_at = COALESCE($4, closed_at),
                   billed_on = COALESCE($5, billed_on), updated_at = $6 WHERE id = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(id)
        .bind(status.code())
        .bind(reason)
        .bind(closed_at)
        .bind(billed_on)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    facility_id: i64,
    facility_number: i64,
    facility_name: String,
    quantity: i64,
    updated_at: DateTime<Utc>,
}

/// The round's orders by facility number, with their amounts at `unit_price`.
pub async fn orders(tx: &mut Tx, round_id: i64, unit_price: Yen) -> Result<Vec<RoundOrder>, sqlx::Error> {
    let sql =
        "SELECT o.facility_id, f.number AS facility_number, f.name AS facility_name, o.quantity, o.updated_at
               FROM purchase_orders o JOIN facilities f ON f.id = o.facility_id
               WHERE o.round_id = $1 ORDER BY f.number, o.facility_id";
    let rows: Vec<OrderRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(round_id)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| RoundOrder {
            amount: selpos_domain::purchases::order_amount(r.quantity, unit_price),
            facility_id: r.facility_id,
            facility_number: r.facility_number,
            facility_name: r.facility_name,
            quantity: r.quantity,
            updated_at: r.updated_at,
        })
        .collect())
}

/// Sets a facility's quantity (0 deletes its order).
pub async fn put_order(
    tx: &mut Tx,
    round_id: i64,
    facility_id: i64,
    quantity: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if quantity == 0 {
        let sql = "DELETE FROM purchase_orders WHERE round_id = $1 AND facility_id = $2";
        return on_tx!(tx, |conn| sqlx::query(sql)
            .bind(round_id)
            .bind(facility_id)
            .execute(&mut *conn)
            .await
            .map(|_| ()));
    }
    let sql =
        "INSERT INTO purchase_orders (round_id, facility_id, quantity, updated_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (round_id, facility_id) DO UPDATE SET quantity = excluded.quantity,
                   updated_at = excluded.updated_at";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(round_id)
        .bind(facility_id)
        .bind(quantity)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// A bill about to be written.
pub struct NewBill<'a> {
    pub round_id: i64,
    pub facility_id: i64,
    pub number: &'a str,
    pub quantity: i64,
    pub unit_price: Yen,
    pub tax_rate: TaxRate,
    pub amount: Yen,
    pub tax: Yen,
    pub issued_on: NaiveDate,
}

pub async fn insert_bill(tx: &mut Tx, b: &NewBill<'_>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO purchase_bills (round_id, facility_id, number, quantity, unit_price, tax_rate, amount, tax,
                   issued_on, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(b.round_id)
        .bind(b.facility_id)
        .bind(b.number)
        .bind(b.quantity)
        .bind(b.unit_price.0)
        .bind(b.tax_rate.code())
        .bind(b.amount.0)
        .bind(b.tax.0)
        .bind(b.issued_on)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

#[derive(sqlx::FromRow)]
struct BillRow {
    id: i64,
    number: String,
    round_id: i64,
    round_title: String,
    item_name: String,
    unit: String,
    facility_id: i64,
    facility_number: i64,
    facility_name: String,
    quantity: i64,
    unit_price: i64,
    tax_rate: String,
    amount: i64,
    tax: i64,
    issued_on: NaiveDate,
}

#[derive(sqlx::FromRow)]
struct PaymentRow {
    id: String,
    bill_id: i64,
    received_on: NaiveDate,
    amount: i64,
    note: String,
    created_at: DateTime<Utc>,
    login: String,
}

/// Which bills to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct BillFilter {
    pub round: Option<i64>,
    pub facility: Option<i64>,
    pub bill: Option<i64>,
    /// Issued from … until … (both included).
    pub issued: Option<(NaiveDate, NaiveDate)>,
}

/// The bills with their payments, by issue day, round and facility number.
pub async fn bills(tx: &mut Tx, f: BillFilter) -> Result<Vec<Bill>, sqlx::Error> {
    let (from, until) = f.issued.unzip();
    let where_ =
        "($1 IS NULL OR b.round_id = $1) AND ($2 IS NULL OR b.facility_id = $2) AND ($3 IS NULL OR b.id = $3)
                  AND ($4 IS NULL OR b.issued_on >= $4) AND ($5 IS NULL OR b.issued_on <= $5)";
    let sql = format!(
        "SELECT b.id, b.number, b.round_id, r.title AS round_title, r.item_name, r.unit, b.facility_id,
                f.number AS facility_number, f.name AS facility_name, b.quantity, b.unit_price, b.tax_rate,
                b.amount, b.tax, b.issued_on
         FROM purchase_bills b JOIN purchase_rounds r ON r.id = b.round_id JOIN facilities f ON f.id = b.facility_id
         WHERE {where_} ORDER BY b.issued_on, b.round_id, f.number, b.id"
    );
    let rows: Vec<BillRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(f.round)
        .bind(f.facility)
        .bind(f.bill)
        .bind(from)
        .bind(until)
        .fetch_all(&mut *conn)
        .await)?;
    let payments_sql = format!(
        "SELECT p.id, p.bill_id, p.received_on, p.amount, p.note, p.created_at, u.login
         FROM purchase_payments p JOIN purchase_bills b ON b.id = p.bill_id JOIN users u ON u.id = p.created_by
         WHERE {where_} ORDER BY p.received_on, p.created_at, p.id"
    );
    let payments: Vec<PaymentRow> = on_tx!(tx, |conn| sqlx::query_as(&payments_sql)
        .bind(f.round)
        .bind(f.facility)
        .bind(f.bill)
        .bind(from)
        .bind(until)
        .fetch_all(&mut *conn)
        .await)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut bill = Bill {
            id: r.id,
            number: r.number,
            round_id: r.round_id,
            round_title: r.round_title,
            facility_id: r.facility_id,
            facility_number: r.facility_number,
            facility_name: r.facility_name,
            item_name: r.item_name,
            unit: r.unit,
            quantity: r.quantity,
            unit_price: Yen(r.unit_price),
            tax_rate: rate_of(&r.tax_rate)?,
            amount: Yen(r.amount),
            tax: Yen(r.tax),
            issued_on: r.issued_on,
            payments: payments
                .iter()
                .filter(|p| p.bill_id == r.id)
                .map(|p| Payment {
                    id: p.id.clone(),
                    received_on: p.received_on,
                    amount: Yen(p.amount),
                    note: p.note.clone(),
                    at: p.created_at,
                    by: p.login.clone(),
                })
                .collect(),
            paid: Yen(0),
            balance: Yen(0),
        };
        settle(&mut bill);
        out.push(bill);
    }
    Ok(out)
}

/// The round of a bill.
pub async fn round_of_bill(tx: &mut Tx, bill_id: i64) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT round_id FROM purchase_bills WHERE id = $1"
    )
    .bind(bill_id)
    .fetch_optional(&mut *conn)
    .await)
}

/// A stored payment by its client id: (bill, day, amount).
pub async fn payment(tx: &mut Tx, id: &str) -> Result<Option<(i64, NaiveDate, i64)>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_as(
        "SELECT bill_id, received_on, amount FROM purchase_payments WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)
}

/// Records a payment; `false` when its id is taken already (by a payment of another bill
/// recorded meanwhile: the bill's round was held, not the other's).
#[allow(clippy::too_many_arguments)]
pub async fn insert_payment(
    tx: &mut Tx,
    id: &str,
    bill_id: i64,
    received_on: NaiveDate,
    amount: Yen,
    note: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO purchase_payments (id, bill_id, received_on, amount, note, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING"
    )
    .bind(id)
    .bind(bill_id)
    .bind(received_on)
    .bind(amount.0)
    .bind(note)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected() == 1))
}
