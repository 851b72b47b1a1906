//! SQL for ギフト (中元・歳暮): seasons, their catalogues, orders and recipients.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, NaiveDate, Utc};
use selpos_domain::Yen;
use selpos_domain::events::CommissionRule;
use selpos_domain::gifts::{
    COUNCIL_TAKER_JA, GiftItem, GiftOrder, GiftParty, GiftPayment, GiftRecipient, GiftSeason,
    GiftSeasonInput, Noshi, SeasonState, ValidGiftOrder,
};
use selpos_domain::tax::TaxRate;
use sqlx::QueryBuilder;

fn decode_error(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value:?}").into())
}

fn rule_columns(rule: CommissionRule) -> (&'static str, i64) {
    match rule {
        CommissionRule::Percent { basis_points } => ("percent", basis_points),
        CommissionRule::Fixed { yen } => ("fixed", yen.0),
    }
}

fn rule_of(kind: &str, value: i64) -> CommissionRule {
    match kind {
        "fixed" => CommissionRule::Fixed { yen: Yen(value) },
        _ => CommissionRule::Percent { basis_points: value },
    }
}

fn rate_of(code: &str) -> Result<TaxRate, sqlx::Error> {
    TaxRate::from_code(code).ok_or_else(|| decode_error("tax rate", code))
}

#[derive(sqlx::FromRow)]
struct SeasonRow {
    id: i64,
    name: String,
    supplier: String,
    commission_kind: String,
    commission_value: i64,
    account_facility_id: Option<i64>,
    state: String,
    closed_at: Option<DateTime<Utc>>,
    item_count: i64,
    created_at: DateTime<Utc>,
}

impl TryFrom<SeasonRow> for GiftSeason {
    type Error = sqlx::Error;

    fn try_from(r: SeasonRow) -> Result<Self, sqlx::Error> {
        Ok(GiftSeason {
            id: r.id,
            name: r.name,
            supplier: r.supplier,
            commission: rule_of(&r.commission_kind, r.commission_value),
            account_facility_id: r.account_facility_id,
            state: SeasonState::from_code(&r.state).ok_or_else(|| decode_error("season state", &r.state))?,
            closed_at: r.closed_at,
            item_count: r.item_count,
            created_at: r.created_at,
        })
    }
}

const SEASON_SELECT: &str = "SELECT s.id, s.name, s.supplier, s.commission_kind, s.commission_value,
        s.account_facility_id, s.state, s.closed_at, s.created_at,
        (SELECT COUNT(*) FROM gift_items i WHERE i.season_id = s.id) AS item_count
    FROM gift_seasons s";

/// Every season, the newest first.
/// SQL for the facilities that are a gift season's account (the council's own rows): their
/// till sales are the supplier's money, not a facility's takings.
pub(crate) const ACCOUNT_FACILITIES: &str =
    "SELECT account_facility_id FROM gift_seasons WHERE account_facility_id IS NOT NULL";

/// The facilities named as a gift season's account.
pub async fn account_facilities(tx: &mut Tx) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_scalar(ACCOUNT_FACILITIES)
        .fetch_all(&mut *conn)
        .await)
}

pub async fn seasons(tx: &mut Tx) -> Result<Vec<GiftSeason>, sqlx::Error> {
    let sql = format!("{SEASON_SELECT} ORDER BY s.id DESC");
    let rows: Vec<SeasonRow> = on_tx!(tx, |conn| sqlx::query_as(&sql).fetch_all(&mut *conn).await)?;
    rows.into_iter().map(GiftSeason::try_from).collect()
}

pub async fn season(tx: &mut Tx, id: i64) -> Result<Option<GiftSeason>, sqlx::Error> {
    let sql = format!("{SEASON_SELECT} WHERE s.id = $1");
    let row: Option<SeasonRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)?;
    row.map(GiftSeason::try_from).transpose()
}

/// A season's state and the product its till sales name, its row held until the transaction
/// ends (PostgreSQL: FOR UPDATE; SQLite: a write transaction has the file to itself): an order,
/// a cancellation, an import and the close never interleave.
pub struct HeldSeason {
    pub state: SeasonState,
    pub product_id: Option<i64>,
    pub account_facility_id: Option<i64>,
}

pub async fn hold(tx: &mut Tx, id: i64) -> Result<Option<HeldSeason>, sqlx::Error> {
    let sql = match &*tx {
        Tx::Sqlite(..) => "SELECT state, product_id, account_facility_id FROM gift_seasons WHERE id = $1",
        Tx::Postgres(_) => {
            "SELECT state, product_id, account_facility_id FROM gift_seasons WHERE id = $1 FOR UPDATE"
        }
    };
    let row: Option<(String, Option<i64>, Option<i64>)> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)?;
    row.map(|(state, product_id, account_facility_id)| {
        Ok(HeldSeason {
            state: SeasonState::from_code(&state).ok_or_else(|| decode_error("season state", &state))?,
            product_id,
            account_facility_id,
        })
    })
    .transpose()
}

pub async fn insert_season(
    tx: &mut Tx,
    input: &GiftSeasonInput,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let (kind, value) = rule_columns(input.commission);
    let sql =
        "INSERT INTO gift_seasons (name, supplier, commission_kind, commission_value, account_facility_id,
                   state, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, 'open', $6, $6) RETURNING id";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(&input.name)
        .bind(&input.supplier)
        .bind(kind)
        .bind(value)
        .bind(input.account_facility_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await)
}

/// Changes a season; a new account facility forgets the product made for the old one.
pub async fn update_season(
    tx: &mut Tx,
    id: i64,
    input: &GiftSeasonInput,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let (kind, value) = rule_columns(input.commission);
    let sql = "UPDATE gift_seasons SET name = $2, supplier = $3, commission_kind = $4, commission_value = $5,
                   product_id = CASE WHEN account_facility_id = $6 THEN product_id ELSE NULL END,
                   account_facility_id = $6, updated_at = $7
               WHERE id = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(id)
        .bind(&input.name)
        .bind(&input.supplier)
        .bind(kind)
        .bind(value)
        .bind(input.account_facility_id)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

pub async fn close_season(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = "UPDATE gift_seasons SET state = 'closed', closed_at = $2, updated_at = $2 WHERE id = $1";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(id)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// The product a season's till sales name: one per season, of the account facility, inactive
/// (never in a till's catalogue), its price a placeholder (each line carries its own).
pub async fn make_product(
    tx: &mut Tx,
    season_id: i64,
    facility_id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO products (facility_id, name, kana, price, tax_rate, category, active, created_at, updated_at)
               VALUES ($1, $2, '', 1, 'reduced', 'ギフト', FALSE, $3, $3) RETURNING id";
    let id: i64 = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(facility_id)
        .bind(name)
        .bind(now)
        .fetch_one(&mut *conn)
        .await)?;
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE gift_seasons SET product_id = $2 WHERE id = $1"
    )
    .bind(season_id)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map(|_| ()))?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    code: String,
    name: String,
    price: i64,
    tax_rate: String,
    deliver_from: NaiveDate,
    deliver_until: NaiveDate,
}

/// A season's catalogue by item code.
pub async fn items(tx: &mut Tx, season_id: i64) -> Result<Vec<GiftItem>, sqlx::Error> {
    let sql = "SELECT code, name, price, tax_rate, deliver_from, deliver_until FROM gift_items
               WHERE season_id = $1 ORDER BY code";
    let rows: Vec<ItemRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(season_id)
        .fetch_all(&mut *conn)
        .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(GiftItem {
                tax_rate: rate_of(&r.tax_rate)?,
                code: r.code,
                name: r.name,
                price: Yen(r.price),
                deliver_from: r.deliver_from,
                deliver_until: r.deliver_until,
            })
        })
        .collect()
}

/// Adds the items to the season's catalogue, replacing those of the same code.
pub async fn put_items(tx: &mut Tx, season_id: i64, items: &[GiftItem]) -> Result<(), sqlx::Error> {
    for chunk in items.chunks(500) {
        on_tx!(tx, |conn| {
            let mut q = QueryBuilder::new(
                "INSERT INTO gift_items (season_id, code, name, price, tax_rate, deliver_from, deliver_until) ",
            );
            q.push_values(chunk, |mut row, item| {
                row.push_bind(season_id)
                    .push_bind(&item.code)
                    .push_bind(&item.name)
                    .push_bind(item.price.0)
                    .push_bind(item.tax_rate.code())
                    .push_bind(item.deliver_from)
                    .push_bind(item.deliver_until);
            });
            q.push(
                " ON CONFLICT (season_id, code) DO UPDATE SET name = excluded.name, price = excluded.price,
                  tax_rate = excluded.tax_rate, deliver_from = excluded.deliver_from,
                  deliver_until = excluded.deliver_until",
            );
            q.build().execute(&mut *conn).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// The next 受付番号 of a season (its row held by the caller).
pub async fn next_number(tx: &mut Tx, season_id: i64) -> Result<i64, sqlx::Error> {
    let sql = "SELECT CAST(COALESCE(MAX(number), 0) + 1 AS BIGINT) FROM gift_orders WHERE season_id = $1";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(season_id)
        .fetch_one(&mut *conn)
        .await)
}

/// Whether an order is stored under `id` (the client's idempotency key).
pub async fn order_exists(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT CAST(1 AS BIGINT) FROM gift_orders WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)?;
    Ok(found.is_some())
}

/// Writes an order and its recipients. Answers false, writing nothing, when an order with its
/// id is already stored (a retry that raced this one).
pub async fn insert_order(
    tx: &mut Tx,
    order: &ValidGiftOrder,
    number: i64,
    sale_id: Option<&str>,
    created_by: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let payment = match order.payment {
        selpos_domain::gifts::GiftPaymentInput::Till { .. } => GiftPayment::Till,
        selpos_domain::gifts::GiftPaymentInput::Invoice => GiftPayment::Invoice,
    };
    let id = order.id.to_string();
    let sql = "INSERT INTO gift_orders (id, season_id, number, taker_facility_id, customer_name, customer_postal_code,
                   customer_address, customer_phone, payment, sale_id, created_by, ordered_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING";
    let inserted = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(&id)
        .bind(order.season_id)
        .bind(number)
        .bind(order.taker_facility_id)
        .bind(&order.customer.name)
        .bind(&order.customer.postal_code)
        .bind(&order.customer.address)
        .bind(&order.customer.phone)
        .bind(payment.code())
        .bind(sale_id)
        .bind(created_by)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    if inserted == 0 {
        return Ok(false);
    }
    on_tx!(tx, |conn| {
        let mut q = QueryBuilder::new(
            "INSERT INTO gift_recipients (order_id, no, name, postal_code, address, phone, item_code, item_name,
                 unit_price, tax_rate, quantity, amount, noshi_omotegaki, noshi_name, delivery_date) ",
        );
        q.push_values(order.recipients.iter().enumerate(), |mut row, (i, r)| {
            row.push_bind(&id)
                .push_bind(i as i64 + 1)
                .push_bind(&r.party.name)
                .push_bind(&r.party.postal_code)
                .push_bind(&r.party.address)
                .push_bind(&r.party.phone)
                .push_bind(&r.item.code)
                .push_bind(&r.item.name)
                .push_bind(r.item.price.0)
                .push_bind(r.item.tax_rate.code())
                .push_bind(r.quantity)
                .push_bind(r.amount.0)
                .push_bind(&r.noshi.omotegaki)
                .push_bind(&r.noshi.name)
                .push_bind(r.delivery_date);
        });
        q.build().execute(&mut *conn).await.map(|_| ())
    })?;
    Ok(true)
}

/// Marks a recipient cancelled.
pub async fn cancel_recipient(
    tx: &mut Tx,
    order_id: &str,
    no: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE gift_recipients SET cancelled_at = $3, cancel_reason = $4
               WHERE order_id = $1 AND no = $2 AND cancelled_at IS NULL";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(order_id)
        .bind(no)
        .bind(now)
        .bind(reason)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: String,
    season_id: i64,
    number: i64,
    taker_facility_id: Option<i64>,
    taker_name: Option<String>,
    customer_name: String,
    customer_postal_code: String,
    customer_address: String,
    customer_phone: String,
    payment: String,
    sale_id: Option<String>,
    receipt_number: Option<String>,
    register_id: Option<i64>,
    ordered_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct RecipientRow {
    order_id: String,
    no: i64,
    name: String,
    postal_code: String,
    address: String,
    phone: String,
    item_code: String,
    item_name: String,
    unit_price: i64,
    tax_rate: String,
    quantity: i64,
    amount: i64,
    noshi_omotegaki: String,
    noshi_name: String,
    delivery_date: Option<NaiveDate>,
    cancelled_at: Option<DateTime<Utc>>,
    cancel_reason: String,
}

fn uuid_of(text: &str) -> Result<uuid::Uuid, sqlx::Error> {
    uuid::Uuid::parse_str(text).map_err(|_| decode_error("id", text))
}

/// Which orders a query reads.
pub enum OrderScope<'a> {
    One(&'a str),
    /// A season's, of one taker (`Some(None)`: the council's) or all (`None`).
    Season(i64, Option<Option<i64>>),
}

/// Orders with their recipients, by 受付番号.
pub async fn orders(tx: &mut Tx, scope: OrderScope<'_>) -> Result<Vec<GiftOrder>, sqlx::Error> {
    let (id, season, taker_given, taker) = match scope {
        OrderScope::One(id) => (Some(id), None, false, None),
        OrderScope::Season(season, taker) => (None, Some(season), taker.is_some(), taker.flatten()),
    };
    let filter = "($1 IS NULL OR o.id = $1) AND ($2 IS NULL OR o.season_id = $2)
        AND ($3 = FALSE OR o.taker_facility_id = $4 OR ($4 IS NULL AND o.taker_facility_id IS NULL))";
    let sql = format!(
        "SELECT o.id, o.season_id, o.number, o.taker_facility_id, f.name AS taker_name, o.customer_name,
                o.customer_postal_code, o.customer_address, o.customer_phone, o.payment, o.sale_id,
                s.receipt_number, s.register_id, o.ordered_at
         FROM gift_orders o LEFT JOIN facilities f ON f.id = o.taker_facility_id
         LEFT JOIN sales s ON s.id = o.sale_id
         WHERE {filter} ORDER BY o.number"
    );
    let rows: Vec<OrderRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .bind(season)
        .bind(taker_given)
        .bind(taker)
        .fetch_all(&mut *conn)
        .await)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let recipient_sql = format!(
        "SELECT r.order_id, r.no, r.name, r.postal_code, r.address, r.phone, r.item_code, r.item_name,
                r.unit_price, r.tax_rate, r.quantity, r.amount, r.noshi_omotegaki, r.noshi_name,
                r.delivery_date, r.cancelled_at, r.cancel_reason
         FROM gift_recipients r JOIN gift_orders o ON o.id = r.order_id
         WHERE {filter} ORDER BY o.number, r.no"
    );
    let recipients: Vec<RecipientRow> = on_tx!(tx, |conn| sqlx::query_as(&recipient_sql)
        .bind(id)
        .bind(season)
        .bind(taker_given)
        .bind(taker)
        .fetch_all(&mut *conn)
        .await)?;
    let mut by_order: std::collections::HashMap<String, Vec<GiftRecipient>> =
        std::collections::HashMap::new();
    for r in recipients {
        let recipient = GiftRecipient {
            no: r.no,
            party: GiftParty {
                name: r.name,
                postal_code: r.postal_code,
                address: r.address,
                phone: r.phone,
            },
            item_code: r.item_code,
            item_name: r.item_name,
            unit_price: Yen(r.unit_price),
            tax_rate: rate_of(&r.tax_rate)?,
            quantity: r.quantity,
            amount: Yen(r.amount),
            noshi: Noshi {
                omotegaki: r.noshi_omotegaki,
                name: r.noshi_name,
            },
            delivery_date: r.delivery_date,
            cancelled_at: r.cancelled_at,
            cancel_reason: r.cancel_reason,
        };
        by_order.entry(r.order_id).or_default().push(recipient);
    }
    rows.into_iter()
        .map(|o| {
            let recipients = by_order.remove(&o.id).unwrap_or_default();
            let total = recipients
                .iter()
                .filter(|r| r.cancelled_at.is_none())
                .fold(Yen::ZERO, |t, r| Yen(t.0.saturating_add(r.amount.0)));
            Ok(GiftOrder {
                id: uuid_of(&o.id)?,
                season_id: o.season_id,
                number: o.number,
                taker_facility_id: o.taker_facility_id,
                taker_name: o.taker_name.unwrap_or_else(|| COUNCIL_TAKER_JA.to_string()),
                customer: GiftParty {
                    name: o.customer_name,
                    postal_code: o.customer_postal_code,
                    address: o.customer_address,
                    phone: o.customer_phone,
                },
                payment: GiftPayment::from_code(&o.payment)
                    .ok_or_else(|| decode_error("payment", &o.payment))?,
                sale_id: o.sale_id.as_deref().map(uuid_of).transpose()?,
                receipt_number: o.receipt_number,
                register_id: o.register_id,
                total,
                recipients,
                ordered_at: o.ordered_at,
            })
        })
        .collect()
}
