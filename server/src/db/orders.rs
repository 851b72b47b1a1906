//! SQL for joint orders (共同受注): orders with their items and shares, payments, adjustments
//! after the payout, declared capacities, and the reads of the payout statement, the yearly
//! report and the wage feed.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, NaiveDate, Utc};
use selpos_domain::Yen;
use selpos_domain::events::CommissionRule;
use selpos_domain::orders::{
    BuyerKind, Capacity, CapacityInput, Delivery, FeeOverride, ItemInput, OrderInput, OrderStatus,
    ShareStatus, work_key,
};
use selpos_domain::settlement::Adjustment;

fn decode_error(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value:?}").into())
}

fn fee_from_columns(kind: &str, value: i64) -> Result<CommissionRule, sqlx::Error> {
    match kind {
        "percent" => Ok(CommissionRule::Percent { basis_points: value }),
        "fixed" => Ok(CommissionRule::Fixed { yen: Yen(value) }),
        other => Err(decode_error("fee kind", other)),
    }
}

fn fee_columns(rule: CommissionRule) -> (&'static str, i64) {
    match rule {
        CommissionRule::Percent { basis_points } => ("percent", basis_points),
        CommissionRule::Fixed { yen } => ("fixed", yen.0),
    }
}

fn json_error(e: serde_json::Error) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// An order's own row, decoded.
#[derive(Debug, Clone)]
pub struct OrderRecord {
    pub id: i64,
    pub subject: String,
    pub buyer_name: String,
    pub buyer_department: String,
    pub buyer_contact: String,
    pub buyer_kind: BuyerKind,
    pub invoice_recipient: String,
    pub payment_terms: String,
    pub deliveries: Vec<Delivery>,
    pub fee: CommissionRule,
    pub fee_overrides: Vec<FeeOverride>,
    pub note: String,
    pub status: OrderStatus,
    pub status_reason: String,
    pub ordered_on: Option<NaiveDate>,
    pub delivered_on: Option<NaiveDate>,
    pub invoiced_on: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
    pub paid_out_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: i64,
    subject: String,
    buyer_name: String,
    buyer_department: String,
    buyer_contact: String,
    buyer_kind: String,
    invoice_recipient: String,
    payment_terms: String,
    deliveries: String,
    fee_kind: String,
    fee_value: i64,
    fee_overrides: String,
    note: String,
    status: String,
    status_reason: String,
    ordered_on: Option<NaiveDate>,
    delivered_on: Option<NaiveDate>,
    invoiced_on: Option<NaiveDate>,
    paid_on: Option<NaiveDate>,
    paid_out_on: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl OrderRow {
    fn decode(self) -> Result<OrderRecord, sqlx::Error> {
        Ok(OrderRecord {
            id: self.id,
            buyer_kind: BuyerKind::from_code(&self.buyer_kind)
                .ok_or_else(|| decode_error("buyer kind", &self.buyer_kind))?,
            status: OrderStatus::from_code(&self.status)
                .ok_or_else(|| decode_error("order status", &self.status))?,
            deliveries: serde_json::from_str(&self.deliveries).map_err(json_error)?,
            fee: fee_from_columns(&self.fee_kind, self.fee_value)?,
            fee_overrides: serde_json::from_str(&self.fee_overrides).map_err(json_error)?,
            subject: self.subject,
            buyer_name: self.buyer_name,
            buyer_department: self.buyer_department,
            buyer_contact: self.buyer_contact,
            invoice_recipient: self.invoice_recipient,
            payment_terms: self.payment_terms,
            note: self.note,
            status_reason: self.status_reason,
            ordered_on: self.ordered_on,
            delivered_on: self.delivered_on,
            invoiced_on: self.invoiced_on,
            paid_on: self.paid_on,
            paid_out_on: self.paid_out_on,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub product_id: Option<i64>,
    pub description: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub tax_rate: String,
    pub work_key: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShareRow {
    pub id: i64,
    pub item_id: i64,
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub invoice_issuer: bool,
    pub quantity: i64,
    pub status: String,
    pub reason: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: String,
    pub received_on: NaiveDate,
    pub amount: i64,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub login: String,
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

/// Everything stored about one order.
#[derive(Debug, Clone)]
pub struct Stored {
    pub order: OrderRecord,
    pub items: Vec<ItemRow>,
    pub shares: Vec<ShareRow>,
    pub payments: Vec<PaymentRow>,
    pub adjustments: Vec<Adjustment>,
}

const COLUMNS: &str =
    "id, subject, buyer_name, buyer_department, buyer_contact, buyer_kind, invoice_recipient,
    payment_terms, deliveries, fee_kind, fee_value, fee_overrides, note, status, status_reason, ordered_on,
    delivered_on, invoiced_on, paid_on, paid_out_on, created_at, updated_at";

/// The rows of one order, as read.
type Loaded = (
    Option<OrderRow>,
    Vec<ItemRow>,
    Vec<ShareRow>,
    Vec<PaymentRow>,
    Vec<AdjustmentRow>,
);

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Stored>, sqlx::Error> {
    let order_sql = format!("SELECT {COLUMNS} FROM orders WHERE id = $1");
    let items_sql = "SELECT id, product_id, description, unit, quantity, unit_price, tax_rate, work_key
                     FROM order_items WHERE order_id = $1 ORDER BY line_no, id";
    let shares_sql =
        "SELECT s.id, s.item_id, s.facility_id, f.number AS facility_number, f.name AS facility_name,
                             f.invoice_issuer, s.quantity, s.status, s.reason
                      FROM order_shares s JOIN facilities f ON f.id = s.facility_id
                      WHERE s.order_id = $1 ORDER BY s.item_id, f.number, s.id";
    let payments_sql = "SELECT p.id, p.received_on, p.amount, p.note, p.created_at, u.login
                        FROM order_payments p JOIN users u ON u.id = p.created_by
                        WHERE p.order_id = $1 ORDER BY p.received_on, p.created_at, p.id";
    let adjustments_sql = "SELECT a.id, a.facility_id, a.amount, a.reason, a.created_at, u.login
                           FROM order_adjustments a JOIN users u ON u.id = a.created_by
                           WHERE a.order_id = $1 ORDER BY a.created_at, a.id";
    let (order, items, shares, payments, adjustments): Loaded = on_tx!(tx, |conn| {
        let order = sqlx::query_as(&order_sql)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        let items = sqlx::query_as(items_sql).bind(id).fetch_all(&mut *conn).await?;
        let shares = sqlx::query_as(shares_sql).bind(id).fetch_all(&mut *conn).await?;
        let payments = sqlx::query_as(payments_sql)
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
        let adjustments = sqlx::query_as(adjustments_sql)
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
        (order, items, shares, payments, adjustments)
    });
    let Some(order) = order else {
        return Ok(None);
    };
    Ok(Some(Stored {
        order: order.decode()?,
        items,
        shares,
        payments,
        adjustments: adjustments
            .into_iter()
            .map(|a| Adjustment {
                id: a.id,
                facility_id: a.facility_id,
                amount: Yen(a.amount),
                reason: a.reason,
                at: a.created_at,
                by: a.login,
            })
            .collect(),
    }))
}

/// The ids of the orders, newest first; `facility` narrows them to those with a share of it.
pub async fn ids(tx: &mut Tx, facility: Option<i64>) -> Result<Vec<i64>, sqlx::Error> {
    let sql = "SELECT o.id FROM orders o
               WHERE $1 IS NULL OR EXISTS (SELECT 1 FROM order_shares s WHERE s.order_id = o.id AND s.facility_id = $1)
               ORDER BY o.created_at DESC, o.id DESC";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(facility)
        .fetch_all(&mut *conn)
        .await)
}

/// The order's status with its row held until the transaction ends (PostgreSQL: FOR UPDATE;
/// SQLite: a write transaction has the file to itself), so two changes never interleave.
pub async fn hold(tx: &mut Tx, id: i64) -> Result<Option<OrderStatus>, sqlx::Error> {
    let sql = match &*tx {
        Tx::Sqlite(..) => "SELECT status FROM orders WHERE id = $1",
        Tx::Postgres(_) => "SELECT status FROM orders WHERE id = $1 FOR UPDATE",
    };
    let status: Option<String> = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)?;
    status
        .map(|s| OrderStatus::from_code(&s).ok_or_else(|| decode_error("order status", &s)))
        .transpose()
}

/// Inserts (`id` none) or updates an order's own row.
pub async fn save(
    tx: &mut Tx,
    id: Option<i64>,
    input: &OrderInput,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let (fee_kind, fee_value) = fee_columns(input.fee);
    let deliveries = serde_json::to_string(&input.deliveries).map_err(json_error)?;
    let overrides = serde_json::to_string(&input.fee_overrides).map_err(json_error)?;
    let sql = match id {
        None => {
            "INSERT INTO orders (subject, buyer_name, buyer_department, buyer_contact, buyer_kind, invoice_recipient,
                payment_terms, deliveries, fee_kind, fee_value, fee_overrides, note, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'enquiry', $13, $13) RETURNING id"
        }
        Some(_) => {
            "UPDATE orders SET subject = $1, buyer_name = $2, buyer_department = $3, buyer_contact = $4,
                buyer_kind = $5, invoice_recipient = $6, payment_terms = $7, deliveries = $8, fee_kind = $9,
                fee_value = $10, fee_overrides = $11, note = $12, updated_at = $13
             WHERE id = $14 RETURNING id"
        }
    };
    on_tx!(tx, |conn| {
        let query = sqlx::query_scalar(sql)
            .bind(&input.subject)
            .bind(&input.buyer.name)
            .bind(&input.buyer.department)
            .bind(&input.buyer.contact)
            .bind(input.buyer.kind.code())
            .bind(&input.buyer.invoice_recipient)
            .bind(&input.payment_terms)
            .bind(&deliveries)
            .bind(fee_kind)
            .bind(fee_value)
            .bind(&overrides)
            .bind(&input.note)
            .bind(now);
        // The update names the row ($14); the insert has no such parameter.
        let query = match id {
            Some(id) => query.bind(id),
            None => query,
        };
        query.fetch_one(&mut *conn).await
    })
}

/// Changes the council's fee on an order.
pub async fn set_fee(
    tx: &mut Tx,
    id: i64,
    fee: CommissionRule,
    overrides: &[FeeOverride],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let (fee_kind, fee_value) = fee_columns(fee);
    let overrides = serde_json::to_string(overrides).map_err(json_error)?;
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE orders SET fee_kind = $1, fee_value = $2, fee_overrides = $3, updated_at = $4 WHERE id = $5"
    )
    .bind(fee_kind)
    .bind(fee_value)
    .bind(&overrides)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map(|_| ()))
}

/// Replaces the order's items: those with an id are updated in place (the caller checked they
/// are this order's), new ones inserted, the rest deleted with their shares.
pub async fn replace_items(tx: &mut Tx, order_id: i64, items: &[ItemInput]) -> Result<(), sqlx::Error> {
    let keep: Vec<i64> = items.iter().filter_map(|i| i.id).collect();
    let existing: Vec<i64> = on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT id FROM order_items WHERE order_id = $1"
    )
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await)?;
    for gone in existing.iter().filter(|id| !keep.contains(id)) {
        on_tx!(tx, |conn| {
            sqlx::query("DELETE FROM order_shares WHERE item_id = $1")
                .bind(gone)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM order_items WHERE id = $1")
                .bind(gone)
                .execute(&mut *conn)
                .await?;
        });
    }
    for (position, item) in items.iter().enumerate() {
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        let key = work_key(item.product_id, &item.description);
        match item.id {
            Some(id) => {
                on_tx!(tx, |conn| {
                    sqlx::query(
                    "UPDATE order_items SET line_no = $1, product_id = $2, description = $3, unit = $4,
                        quantity = $5, unit_price = $6, tax_rate = $7, work_key = $8 WHERE id = $9 AND order_id = $10"
                )
                .bind(position)
                .bind(item.product_id)
                .bind(&item.description)
                .bind(&item.unit)
                .bind(item.quantity)
                .bind(item.unit_price.0)
                .bind(item.tax_rate.code())
                .bind(&key)
                .bind(id)
                .bind(order_id)
                .execute(&mut *conn)
                .await
                .map(|_| ())
                })?;
            }
            None => {
                on_tx!(tx, |conn| {
                    sqlx::query(
                    "INSERT INTO order_items (order_id, line_no, product_id, description, unit, quantity, unit_price,
                        tax_rate, work_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                )
                .bind(order_id)
                .bind(position)
                .bind(item.product_id)
                .bind(&item.description)
                .bind(&item.unit)
                .bind(item.quantity)
                .bind(item.unit_price.0)
                .bind(item.tax_rate.code())
                .bind(&key)
                .execute(&mut *conn)
                .await
                .map(|_| ())
                })?;
            }
        }
    }
    Ok(())
}

/// Moves the order to `status`; `day` is stored in the column of that status (受注日, …).
pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    status: OrderStatus,
    reason: &str,
    day: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let column = match status {
        OrderStatus::Ordered => Some("ordered_on"),
        OrderStatus::Delivered => Some("delivered_on"),
        OrderStatus::Invoiced => Some("invoiced_on"),
        OrderStatus::Paid => Some("paid_on"),
        OrderStatus::PaidOut => Some("paid_out_on"),
        _ => None,
    };
    let sql = match column {
        Some(c) => format!(
            "UPDATE orders SET status = $1, status_reason = $2, updated_at = $3, {c} = $4 WHERE id = $5"
        ),
        None => {
            "UPDATE orders SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $5 AND $4 IS NULL"
                .to_string()
        }
    };
    on_tx!(tx, |conn| sqlx::query(&sql)
        .bind(status.code())
        .bind(reason)
        .bind(now)
        .bind(if column.is_some() { day } else { None })
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// One share as the allocation stores it.
pub struct NewShare {
    pub item_id: i64,
    pub facility_id: i64,
    pub quantity: i64,
}

/// Replaces the allocation: a share whose facility and quantity are unchanged keeps its row and
/// answer; a changed quantity asks the facility again (確認待ち); the rest are removed.
pub async fn replace_shares(tx: &mut Tx, order_id: i64, shares: &[NewShare]) -> Result<(), sqlx::Error> {
    let existing: Vec<(i64, i64, i64, i64)> = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT id, item_id, facility_id, quantity FROM order_shares WHERE order_id = $1"
    )
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await)?;
    for (id, item_id, facility_id, _) in &existing {
        if !shares
            .iter()
            .any(|s| s.item_id == *item_id && s.facility_id == *facility_id)
        {
            on_tx!(tx, |conn| sqlx::query("DELETE FROM order_shares WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await
                .map(|_| ()))?;
        }
    }
    for s in shares {
        let found = existing
            .iter()
            .find(|(_, item_id, facility_id, _)| *item_id == s.item_id && *facility_id == s.facility_id);
        match found {
            Some((_, _, _, quantity)) if *quantity == s.quantity => {}
            Some((id, ..)) => {
                on_tx!(tx, |conn| sqlx::query(
                    "UPDATE order_shares SET quantity = $1, status = 'proposed', reason = '' WHERE id = $2"
                )
                .bind(s.quantity)
                .bind(id)
                .execute(&mut *conn)
                .await
                .map(|_| ()))?;
            }
            None => {
                on_tx!(tx, |conn| sqlx::query(
                    "INSERT INTO order_shares (order_id, item_id, facility_id, quantity, status)
                     VALUES ($1, $2, $3, $4, 'proposed')"
                )
                .bind(order_id)
                .bind(s.item_id)
                .bind(s.facility_id)
                .bind(s.quantity)
                .execute(&mut *conn)
                .await
                .map(|_| ()))?;
            }
        }
    }
    Ok(())
}

/// The share's order and facility: (order_id, facility_id, status).
pub async fn share(tx: &mut Tx, share_id: i64) -> Result<Option<(i64, i64, String)>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_as(
        "SELECT order_id, facility_id, status FROM order_shares WHERE id = $1"
    )
    .bind(share_id)
    .fetch_optional(&mut *conn)
    .await)
}

pub async fn answer_share(
    tx: &mut Tx,
    share_id: i64,
    status: ShareStatus,
    reason: &str,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE order_shares SET status = $1, reason = $2 WHERE id = $3"
    )
    .bind(status.code())
    .bind(reason)
    .bind(share_id)
    .execute(&mut *conn)
    .await
    .map(|_| ()))
}

/// A stored payment by its key: (order_id, received_on, amount).
pub async fn payment(tx: &mut Tx, id: &str) -> Result<Option<(i64, NaiveDate, i64)>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_as(
        "SELECT order_id, received_on, amount FROM order_payments WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_payment(
    tx: &mut Tx,
    id: &str,
    order_id: i64,
    received_on: NaiveDate,
    amount: Yen,
    note: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO order_payments (id, order_id, received_on, amount, note, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(id)
    .bind(order_id)
    .bind(received_on)
    .bind(amount.0)
    .bind(note)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|_| ()))
}

/// Inserts an adjustment; false when one with this id exists (a retried request).
#[allow(clippy::too_many_arguments)]
pub async fn insert_adjustment(
    tx: &mut Tx,
    id: &str,
    order_id: i64,
    facility_id: i64,
    amount: Yen,
    reason: &str,
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO order_adjustments (id, order_id, facility_id, amount, reason, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING"
    )
    .bind(id)
    .bind(order_id)
    .bind(facility_id)
    .bind(amount.0)
    .bind(reason)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected() == 1))
}

#[derive(sqlx::FromRow)]
struct CapacityRow {
    id: i64,
    facility_id: i64,
    facility_name: String,
    product_id: Option<i64>,
    work: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    quantity: i64,
}

pub async fn insert_capacity(
    tx: &mut Tx,
    input: &CapacityInput,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let key = work_key(input.product_id, &input.work);
    on_tx!(tx, |conn| {
        sqlx::query_scalar(
        "INSERT INTO order_capacities (facility_id, product_id, work, work_key, starts_on, ends_on, quantity, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(input.facility_id)
    .bind(input.product_id)
    .bind(&input.work)
    .bind(&key)
    .bind(input.starts_on)
    .bind(input.ends_on)
    .bind(input.quantity)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    })
}

/// Declared capacities; `facility` narrows to one facility, `work_key`/`on` to one item's.
pub async fn capacities(
    tx: &mut Tx,
    facility: Option<i64>,
    work_key: Option<&str>,
    on: Option<NaiveDate>,
) -> Result<Vec<Capacity>, sqlx::Error> {
    let sql = "SELECT c.id, c.facility_id, f.name AS facility_name, c.product_id, c.work, c.starts_on, c.ends_on, c.quantity
               FROM order_capacities c JOIN facilities f ON f.id = c.facility_id
               WHERE ($1 IS NULL OR c.facility_id = $1) AND ($2 IS NULL OR c.work_key = $2)
                 AND ($3 IS NULL OR (c.starts_on <= $3 AND c.ends_on >= $3))
               ORDER BY f.number, c.starts_on, c.id";
    let rows: Vec<CapacityRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(facility)
        .bind(work_key)
        .bind(on)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| Capacity {
            id: r.id,
            facility_id: r.facility_id,
            facility_name: r.facility_name,
            product_id: r.product_id,
            work: r.work,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            quantity: r.quantity,
        })
        .collect())
}

/// Past shares of an item (by its key) in other orders received: (facility, name, quantity).
pub async fn past_quantities(
    tx: &mut Tx,
    work_key: &str,
    except_order: i64,
) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    let sql = "SELECT s.facility_id, f.name, CAST(SUM(s.quantity) AS BIGINT)
               FROM order_shares s JOIN order_items i ON i.id = s.item_id JOIN orders o ON o.id = s.order_id
               JOIN facilities f ON f.id = s.facility_id
               WHERE i.work_key = $1 AND o.id <> $2 AND s.status <> 'declined'
                 AND o.status IN ('ordered', 'delivered', 'invoiced', 'paid', 'paid_out')
               GROUP BY s.facility_id, f.name";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(work_key)
        .bind(except_order)
        .fetch_all(&mut *conn)
        .await)
}

/// Orders paid out to `facility_id` between two days (inclusive), oldest first.
pub async fn paid_out_orders(
    tx: &mut Tx,
    facility_id: i64,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = "SELECT o.id FROM orders o
               WHERE o.status = 'paid_out' AND o.paid_out_on BETWEEN $2 AND $3
                 AND EXISTS (SELECT 1 FROM order_shares s WHERE s.order_id = o.id AND s.facility_id = $1)
               ORDER BY o.paid_out_on, o.id";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(facility_id)
        .bind(from)
        .bind(until)
        .fetch_all(&mut *conn)
        .await)
}

/// What facilities received through the desk by day of order: (facility id, number, name,
/// buyer kind, order id, amount), for orders marked 受注 between two days.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReceivedRow {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub buyer_kind: String,
    pub order_id: i64,
    pub amount: i64,
}

pub async fn received(
    tx: &mut Tx,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<ReceivedRow>, sqlx::Error> {
    let sql = "SELECT s.facility_id, f.number AS facility_number, f.name AS facility_name, o.buyer_kind,
                      o.id AS order_id, CAST(SUM(s.quantity * i.unit_price) AS BIGINT) AS amount
               FROM order_shares s JOIN order_items i ON i.id = s.item_id JOIN orders o ON o.id = s.order_id
               JOIN facilities f ON f.id = s.facility_id
               WHERE o.ordered_on BETWEEN $1 AND $2 AND s.status <> 'declined'
                 AND o.status IN ('ordered', 'delivered', 'invoiced', 'paid', 'paid_out')
               GROUP BY s.facility_id, f.number, f.name, o.buyer_kind, o.id
               ORDER BY f.number, o.id";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(from)
        .bind(until)
        .fetch_all(&mut *conn)
        .await)
}

/// Joint-order income by facility and day of payout between two days, of one facility or all:
/// (facility, paid_out_on, amount of its shares, tax included, before the council's fee — the
/// same basis as event sales).
pub async fn income(
    tx: &mut Tx,
    facility: Option<i64>,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<(i64, NaiveDate, i64)>, sqlx::Error> {
    let sql = "SELECT s.facility_id, o.paid_out_on, CAST(SUM(s.quantity * i.unit_price) AS BIGINT)
               FROM order_shares s JOIN order_items i ON i.id = s.item_id JOIN orders o ON o.id = s.order_id
               WHERE ($1 IS NULL OR s.facility_id = $1) AND o.status = 'paid_out' AND o.paid_out_on BETWEEN $2 AND $3
                 AND s.status <> 'declined'
               GROUP BY s.facility_id, o.paid_out_on";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(facility)
        .bind(from)
        .bind(until)
        .fetch_all(&mut *conn)
        .await)
}
