//! SQL for the sales journal, receipt counters and stock movements written by the till.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};
use selpos_domain::events::EventState;
use selpos_domain::receipts::formal::{RefundRecord, RefundedLine};
use selpos_domain::sales::cart::RateTotal;
use selpos_domain::sales::payment::{Tender, TenderKind};
use selpos_domain::sales::{JournalLine, Sale, SaleKind, SaleLine};
use selpos_domain::{TaxRate, Yen};
use sqlx::QueryBuilder;
use std::collections::HashMap;

fn decode(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value:?}").into())
}

/// The register a sale is rung up on, with its event.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegisterRow {
    pub register_id: i64,
    pub register_code: String,
    pub register_name: String,
    pub event_id: i64,
    pub event_code: String,
    pub event_name: String,
    pub event_state: String,
    /// The event's first day (Asia/Tokyo).
    pub event_starts_on: chrono::NaiveDate,
}

impl RegisterRow {
    pub fn state(&self) -> Result<EventState, sqlx::Error> {
        EventState::from_code(&self.event_state).ok_or_else(|| decode("event state", &self.event_state))
    }
}

const REGISTER: &str = "SELECT r.id AS register_id, r.code AS register_code, r.name AS register_name,
        e.id AS event_id, e.code AS event_code, e.name AS event_name, e.state AS event_state,
        e.starts_on AS event_starts_on";
const REGISTER_FROM: &str = "FROM registers r JOIN events e ON e.id = r.event_id WHERE r.id = $1";

pub async fn register(tx: &mut Tx, register_id: i64) -> Result<Option<RegisterRow>, sqlx::Error> {
    let sql = format!("{REGISTER} {REGISTER_FROM}");
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(register_id)
        .fetch_optional(&mut *conn)
        .await)
}

/// A register as a new sale reads it, and whether that sale is already recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegisterForSale {
    #[sqlx(flatten)]
    pub register: RegisterRow,
    pub recorded: bool,
}

/// [`register`] and [`exists`] in one statement: both are asked in the sale's write turn.
pub async fn register_for_sale(
    tx: &mut Tx,
    register_id: i64,
    sale_id: &str,
) -> Result<Option<RegisterForSale>, sqlx::Error> {
    let sql = format!("{REGISTER}, EXISTS (SELECT 1 FROM sales WHERE id = $2) AS recorded {REGISTER_FROM}");
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(register_id)
        .bind(sale_id)
        .fetch_optional(&mut *conn)
        .await)
}

/// A product as a sale needs it: its facility's invoice status and whether the facility
/// takes part in the event.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductForSale {
    pub product_id: i64,
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub name: String,
    pub kana: String,
    pub price: i64,
    pub tax_rate: String,
    pub jan: Option<String>,
    pub category: String,
    pub active: bool,
    pub invoice_issuer: bool,
    pub participating: bool,
    /// The price before the last change, and when it changed.
    pub previous_price: Option<i64>,
    pub price_changed_at: Option<DateTime<Utc>>,
}

impl ProductForSale {
    pub fn rate(&self) -> Result<TaxRate, sqlx::Error> {
        TaxRate::from_code(&self.tax_rate).ok_or_else(|| decode("tax rate", &self.tax_rate))
    }
}

const PRODUCT_FOR_SALE: &str = "SELECT p.id AS product_id, p.facility_id, f.number AS facility_number,
           f.name AS facility_name, p.name, p.kana, p.price, p.tax_rate, COALESCE(p.jan, p.in_store_code) AS jan, p.category, p.active,
           f.invoice_issuer, ef.event_id IS NOT NULL AS participating,
           p.previous_price, p.price_changed_at
    FROM products p JOIN facilities f ON f.id = p.facility_id
    LEFT JOIN event_facilities ef ON ef.facility_id = p.facility_id AND ef.event_id = $1";

pub async fn product_for_sale(
    tx: &mut Tx,
    event_id: i64,
    product_id: i64,
) -> Result<Option<ProductForSale>, sqlx::Error> {
    let sql = format!("{PRODUCT_FOR_SALE} WHERE p.id = $2");
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(event_id)
        .bind(product_id)
        .fetch_optional(&mut *conn)
        .await)
}

/// Active products of the facilities taking part in the event: the till's catalogue.
pub async fn catalog(tx: &mut Tx, event_id: i64) -> Result<Vec<ProductForSale>, sqlx::Error> {
    let sql = format!(
        "{PRODUCT_FOR_SALE} WHERE ef.event_id IS NOT NULL AND p.active AND f.active
         ORDER BY f.number, p.category, p.kana, p.id"
    );
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await)
}

pub async fn exists(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<String> = on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT id FROM sales WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)?;
    Ok(found.is_some())
}

/// The next receipt number of a register. Inside the sale's transaction, so a rolled-back
/// sale gives its number back: the sequence has no gaps.
pub async fn next_receipt_no(tx: &mut Tx, register_id: i64) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO register_counters (register_id, last_receipt_no) VALUES ($1, 1)
               ON CONFLICT (register_id) DO UPDATE SET last_receipt_no = register_counters.last_receipt_no + 1
               RETURNING last_receipt_no";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(register_id)
        .fetch_one(&mut *conn)
        .await)
}

pub struct NewSale<'a> {
    pub id: &'a str,
    pub kind: SaleKind,
    pub event_id: i64,
    pub register_id: i64,
    pub receipt_no: i64,
    pub receipt_number: &'a str,
    pub local_number: &'a str,
    pub cashier_id: i64,
    pub sold_at: DateTime<Utc>,
    pub original_sale_id: Option<&'a str>,
    pub total: Yen,
    pub change: Yen,
    /// Vouchers above the total that gave no change (negative on a void of such a sale).
    pub voucher_surplus: Yen,
    pub non_invoice_total: Yen,
    pub late: bool,
    /// The register session it was rung up in (see `registers::session_for_record`).
    pub session_id: &'a str,
    pub reason: &'a str,
    pub approval_id: Option<String>,
}

/// Inserts the sale's header; `false` when a sale with this id is already there (a retry that
/// raced this one): the caller then rolls back and answers the stored sale. The council's name
/// and registration number are copied onto the record as they are now (in the record's
/// transaction), so that a reprint names the issuer as it was.
pub async fn insert(tx: &mut Tx, s: &NewSale<'_>, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let sql = "INSERT INTO sales (id, kind, event_id, register_id, receipt_no, receipt_number, local_number,
                                  cashier_id, sold_at, recorded_at, original_sale_id, total, change_due,
                                  non_invoice_total, late, reason, approval_id, session_id, voucher_surplus,
                                  issuer_name, issuer_invoice_number)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
                       (SELECT name FROM council WHERE id = 1), (SELECT invoice_number FROM council WHERE id = 1))
               ON CONFLICT (id) DO NOTHING";
    let affected = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(s.id)
        .bind(s.kind.code())
        .bind(s.event_id)
        .bind(s.register_id)
        .bind(s.receipt_no)
        .bind(s.receipt_number)
        .bind(s.local_number)
        .bind(s.cashier_id)
        .bind(s.sold_at)
        .bind(now)
        .bind(s.original_sale_id)
        .bind(s.total.0)
        .bind(s.change.0)
        .bind(s.non_invoice_total.0)
        .bind(s.late)
        .bind(s.reason)
        .bind(&s.approval_id)
        .bind(s.session_id)
        .bind(s.voucher_surplus.0)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(affected == 1)
}

/// The body of a sale: lines (each with the line it reverses, for voids and refunds),
/// tenders and per-rate totals.
#[derive(Clone, Copy)]
pub struct SaleDetails<'a> {
    pub sale_id: &'a str,
    pub event_id: i64,
    pub kind: SaleKind,
    pub lines: &'a [JournalLine],
    pub tenders: &'a [Tender],
    pub by_rate: &'a [RateTotal],
    pub created_by: i64,
}

/// Writes the lines, tenders and per-rate totals of a sale, and one stock movement per line
/// at the event (a sale takes stock out; voids and refunds bring it back).
pub async fn insert_details(tx: &mut Tx, d: &SaleDetails<'_>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let SaleDetails {
        sale_id,
        event_id,
        kind,
        lines,
        tenders,
        by_rate,
        created_by,
    } = *d;
    // One multi-row INSERT per table: a sale's write transaction is what every register
    // queues for, so it sends as few statements as it can.
    on_tx!(tx, |conn| {
        if !lines.is_empty() {
            QueryBuilder::new(
                "INSERT INTO sale_lines (sale_id, line_no, product_id, facility_id, name, quantity, unit_price,
                                         tax_rate, discount, net, invoice_eligible, original_line_no) ",
            )
            .push_values(lines.iter(), |mut row, JournalLine { line, reverses }| {
                row.push_bind(sale_id)
                    .push_bind(line.line_no)
                    .push_bind(line.product_id)
                    .push_bind(line.facility_id)
                    .push_bind(&line.name)
                    .push_bind(line.quantity)
                    .push_bind(line.unit_price.0)
                    .push_bind(line.tax_rate.code())
                    .push_bind(line.discount.0)
                    .push_bind(line.net.0)
                    .push_bind(line.invoice_eligible)
                    .push_bind(*reverses);
            })
            .build()
            .execute(&mut *conn)
            .await?;
            QueryBuilder::new(
                "INSERT INTO stock_movements (product_id, facility_id, event_id, kind, quantity, sale_id, created_by,
                                              created_at) ",
            )
            .push_values(lines.iter(), |mut row, JournalLine { line, .. }| {
                row.push_bind(line.product_id)
                    .push_bind(line.facility_id)
                    .push_bind(event_id)
                    .push_bind(kind.code())
                    .push_bind(-line.quantity)
                    .push_bind(sale_id)
                    .push_bind(created_by)
                    .push_bind(now);
            })
            .build()
            .execute(&mut *conn)
            .await?;
        }
        if !tenders.is_empty() {
            QueryBuilder::new("INSERT INTO sale_tenders (sale_id, seq, kind, amount) ")
                .push_values(tenders.iter().enumerate(), |mut row, (seq, tender)| {
                    row.push_bind(sale_id)
                        .push_bind(seq as i64)
                        .push_bind(tender_code(tender.kind))
                        .push_bind(tender.amount.0);
                })
                .build()
                .execute(&mut *conn)
                .await?;
        }
        if !by_rate.is_empty() {
            QueryBuilder::new("INSERT INTO sale_rate_totals (sale_id, tax_rate, total, tax) ")
                .push_values(by_rate, |mut row, rate| {
                    row.push_bind(sale_id)
                        .push_bind(rate.rate.code())
                        .push_bind(rate.total.0)
                        .push_bind(rate.tax.0);
                })
                .build()
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    })
}

pub fn tender_code(kind: TenderKind) -> &'static str {
    match kind {
        TenderKind::Cash => "cash",
        TenderKind::CreditCard => "credit_card",
        TenderKind::QrPayment => "qr_payment",
        TenderKind::EMoney => "e_money",
        TenderKind::GiftVoucher => "gift_voucher",
    }
}

pub fn tender_kind(code: &str) -> Result<TenderKind, sqlx::Error> {
    TenderKind::ALL
        .into_iter()
        .find(|k| tender_code(*k) == code)
        .ok_or_else(|| decode("tender", code))
}

pub async fn mark_voided(tx: &mut Tx, id: &str, by: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE sales SET voided_by = $1 WHERE id = $2"
    )
    .bind(by)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map(|_| ()))
}

#[derive(sqlx::FromRow)]
struct SaleRow {
    id: String,
    kind: String,
    event_id: i64,
    register_id: i64,
    receipt_number: String,
    local_number: String,
    cashier_login: String,
    sold_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    original_sale_id: Option<String>,
    total: i64,
    change_due: i64,
    voucher_surplus: i64,
    non_invoice_total: i64,
    late: bool,
    voided_by: Option<String>,
    reason: String,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    line_no: i64,
    product_id: i64,
    facility_id: i64,
    name: String,
    quantity: i64,
    unit_price: i64,
    tax_rate: String,
    discount: i64,
    net: i64,
    invoice_eligible: bool,
}

fn uuid(text: &str) -> Result<uuid::Uuid, sqlx::Error> {
    text.parse().map_err(|_| decode("sale id", text))
}

/// A sale's header, lines, tenders (kind, amount) and per-rate totals (rate, total, tax).
type SaleRows = (
    Option<SaleRow>,
    Vec<LineRow>,
    Vec<(String, i64)>,
    Vec<(String, i64, i64)>,
);

/// One sale with its lines, tenders and per-rate totals.
pub async fn load(tx: &mut Tx, id: &str) -> Result<Option<Sale>, sqlx::Error> {
    let header_sql = "SELECT s.id, s.kind, s.event_id, s.register_id, s.receipt_number, s.local_number,
                             u.login AS cashier_login, s.sold_at, s.recorded_at, s.original_sale_id, s.total,
                             s.change_due, s.voucher_surplus, s.non_invoice_total, s.late, s.voided_by, s.reason
                      FROM sales s JOIN users u ON u.id = s.cashier_id WHERE s.id = $1";
    let lines_sql =
        "SELECT line_no, product_id, facility_id, name, quantity, unit_price, tax_rate, discount, net,
                            invoice_eligible FROM sale_lines WHERE sale_id = $1 ORDER BY line_no";
    let tenders_sql = "SELECT kind, amount FROM sale_tenders WHERE sale_id = $1 ORDER BY seq";
    let rates_sql =
        "SELECT tax_rate, total, tax FROM sale_rate_totals WHERE sale_id = $1 ORDER BY tax_rate DESC";
    let (header, lines, tenders, rates): SaleRows = on_tx!(tx, |conn| {
        let header = sqlx::query_as(header_sql)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        let lines = sqlx::query_as(lines_sql).bind(id).fetch_all(&mut *conn).await?;
        let tenders = sqlx::query_as(tenders_sql).bind(id).fetch_all(&mut *conn).await?;
        let rates = sqlx::query_as(rates_sql).bind(id).fetch_all(&mut *conn).await?;
        (header, lines, tenders, rates)
    });
    let Some(h) = header else { return Ok(None) };
    let rate = |code: &str| TaxRate::from_code(code).ok_or_else(|| decode("tax rate", code));
    Ok(Some(Sale {
        id: uuid(&h.id)?,
        kind: SaleKind::from_code(&h.kind).ok_or_else(|| decode("sale kind", &h.kind))?,
        event_id: h.event_id,
        register_id: h.register_id,
        receipt_number: h.receipt_number,
        local_number: h.local_number,
        cashier_login: h.cashier_login,
        sold_at: h.sold_at,
        recorded_at: h.recorded_at,
        original_sale_id: h.original_sale_id.as_deref().map(uuid).transpose()?,
        lines: lines
            .into_iter()
            .map(|l| {
                Ok(SaleLine {
                    line_no: l.line_no,
                    product_id: l.product_id,
                    facility_id: l.facility_id,
                    name: l.name,
                    quantity: l.quantity,
                    unit_price: Yen(l.unit_price),
                    tax_rate: rate(&l.tax_rate)?,
                    discount: Yen(l.discount),
                    net: Yen(l.net),
                    invoice_eligible: l.invoice_eligible,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?,
        tenders: tenders
            .into_iter()
            .map(|(kind, amount)| {
                Ok(Tender {
                    kind: tender_kind(&kind)?,
                    amount: Yen(amount),
                })
            })
            .collect::<Result<_, sqlx::Error>>()?,
        by_rate: rates
            .into_iter()
            .map(|(r, total, tax)| {
                Ok(RateTotal {
                    rate: rate(&r)?,
                    total: Yen(total),
                    tax: Yen(tax),
                })
            })
            .collect::<Result<_, sqlx::Error>>()?,
        non_invoice_total: Yen(h.non_invoice_total),
        total: Yen(h.total),
        change: Yen(h.change_due),
        voucher_surplus: Yen(h.voucher_surplus),
        late: h.late,
        voided: h.voided_by.is_some(),
        reason: h.reason,
    }))
}

/// The issuer copied onto a record when it was made: `None` for a record made before selpos
/// kept it (then the council as it is now is the issuer); otherwise the name and number then.
pub async fn issuer(tx: &mut Tx, id: &str) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    let row: Option<(Option<String>, Option<String>)> = on_tx!(tx, |conn| sqlx::query_as(
        "SELECT issuer_name, issuer_invoice_number FROM sales WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)?;
    Ok(row.and_then(|(name, number)| name.map(|name| (name, number))))
}

/// The refunds (返品) of a sale as recorded, oldest first: their lines (with the line of the
/// sale each returns) and their stored totals per rate.
pub async fn refund_records(tx: &mut Tx, sale_id: &str) -> Result<Vec<RefundRecord>, sqlx::Error> {
    let headers_sql = "SELECT id, receipt_number, total, non_invoice_total FROM sales
                       WHERE original_sale_id = $1 AND kind = 'refund' ORDER BY recorded_at, receipt_no";
    let lines_sql = "SELECT l.sale_id, l.original_line_no, l.quantity, l.net FROM sale_lines l
                     JOIN sales s ON s.id = l.sale_id
                     WHERE s.original_sale_id = $1 AND s.kind = 'refund' AND l.original_line_no IS NOT NULL
                     ORDER BY l.sale_id, l.line_no";
    let rates_sql = "SELECT r.sale_id, r.tax_rate, r.total, r.tax FROM sale_rate_totals r
                     JOIN sales s ON s.id = r.sale_id WHERE s.original_sale_id = $1 AND s.kind = 'refund'";
    type Rows = (
        Vec<(String, String, i64, i64)>,
        Vec<(String, i64, i64, i64)>,
        Vec<(String, String, i64, i64)>,
    );
    let (headers, lines, rates): Rows = on_tx!(tx, |conn| {
        let headers = sqlx::query_as(headers_sql)
            .bind(sale_id)
            .fetch_all(&mut *conn)
            .await?;
        let lines = sqlx::query_as(lines_sql)
            .bind(sale_id)
            .fetch_all(&mut *conn)
            .await?;
        let rates = sqlx::query_as(rates_sql)
            .bind(sale_id)
            .fetch_all(&mut *conn)
            .await?;
        (headers, lines, rates)
    });
    headers
        .into_iter()
        .map(|(id, receipt_number, total, non_invoice_total)| {
            Ok(RefundRecord {
                receipt_number,
                lines: (lines.iter())
                    .filter(|l| l.0 == id)
                    .map(|&(_, reverses, quantity, net)| RefundedLine {
                        reverses,
                        quantity,
                        net: Yen(net),
                    })
                    .collect(),
                by_rate: (rates.iter())
                    .filter(|r| r.0 == id)
                    .map(|(_, rate, total, tax)| {
                        Ok(RateTotal {
                            rate: TaxRate::from_code(rate).ok_or_else(|| decode("tax rate", rate))?,
                            total: Yen(*total),
                            tax: Yen(*tax),
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()?,
                non_invoice_total: Yen(non_invoice_total),
                total: Yen(total),
            })
        })
        .collect()
}

/// Filters of the sales journal.
#[derive(Debug, Default, Clone)]
pub struct SaleFilter {
    pub event_id: Option<i64>,
    pub register_id: Option<i64>,
    /// A whole receipt number, matched whatever the case of its letters.
    pub receipt_number: Option<String>,
    /// Sold at or after (`from`), and before (`to`).
    pub sold_from: Option<DateTime<Utc>>,
    pub sold_to: Option<DateTime<Utc>>,
    /// The exact total.
    pub total: Option<i64>,
    pub kind: Option<SaleKind>,
    pub limit: i64,
    pub offset: i64,
}

pub async fn list(tx: &mut Tx, f: &SaleFilter) -> Result<Vec<Sale>, sqlx::Error> {
    let sql = "SELECT id FROM sales WHERE ($1 IS NULL OR event_id = $1) AND ($2 IS NULL OR register_id = $2)
                 AND ($3 IS NULL OR UPPER(receipt_number) = UPPER($3))
                 AND ($4 IS NULL OR sold_at >= $4) AND ($5 IS NULL OR sold_at < $5)
                 AND ($6 IS NULL OR total = $6) AND ($7 IS NULL OR kind = $7)
               ORDER BY recorded_at DESC, receipt_no DESC LIMIT $8 OFFSET $9";
    let ids: Vec<String> = on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(f.event_id)
        .bind(f.register_id)
        .bind(&f.receipt_number)
        .bind(f.sold_from)
        .bind(f.sold_to)
        .bind(f.total)
        .bind(f.kind.map(SaleKind::code))
        .bind(f.limit)
        .bind(f.offset)
        .fetch_all(&mut *conn)
        .await)?;
    let mut sales = Vec::with_capacity(ids.len());
    for id in ids {
        sales.extend(load(tx, &id).await?);
    }
    Ok(sales)
}

/// How many of each line of a sale have been refunded already (line_no → quantity).
pub async fn refunded(tx: &mut Tx, sale_id: &str) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let sql = "SELECT l.original_line_no, CAST(-SUM(l.quantity) AS BIGINT) FROM sale_lines l JOIN sales s ON s.id = l.sale_id
               WHERE s.original_sale_id = $1 AND s.kind = 'refund' AND l.original_line_no IS NOT NULL
               GROUP BY l.original_line_no";
    let rows: Vec<(i64, i64)> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(sale_id)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows.into_iter().collect())
}

/// Net sales and quantities per facility and product at an event (sales less voids and refunds).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductTotalRow {
    pub facility_id: i64,
    pub facility_name: String,
    pub product_id: i64,
    pub name: String,
    pub quantity: i64,
    pub net: i64,
}

pub async fn event_totals(
    tx: &mut Tx,
    event_id: i64,
    facility_id: Option<i64>,
) -> Result<Vec<ProductTotalRow>, sqlx::Error> {
    let sql = "SELECT l.facility_id, f.name AS facility_name, l.product_id, p.name,
                      CAST(SUM(l.quantity) AS BIGINT) AS quantity, CAST(SUM(l.net) AS BIGINT) AS net
               FROM sale_lines l JOIN sales s ON s.id = l.sale_id
               JOIN facilities f ON f.id = l.facility_id JOIN products p ON p.id = l.product_id
               WHERE s.event_id = $1 AND ($2 IS NULL OR l.facility_id = $2)
               GROUP BY l.facility_id, f.name, f.number, l.product_id, p.name
               ORDER BY f.number, l.product_id";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(event_id)
        .bind(facility_id)
        .fetch_all(&mut *conn)
        .await)
}

pub async fn sale_count(tx: &mut Tx, event_id: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT COUNT(*) FROM sales WHERE event_id = $1 AND kind = 'sale'"
    )
    .bind(event_id)
    .fetch_one(&mut *conn)
    .await)
}

/// The stock of a product at an event: the sum of its movements.
pub async fn stock_at_event(tx: &mut Tx, product_id: i64, event_id: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM stock_movements WHERE product_id = $1 AND event_id = $2"
    )
    .bind(product_id)
    .bind(event_id)
    .fetch_one(&mut *conn)
    .await
    })
}

/// Takes sale `id`'s row lock for the rest of the transaction (PostgreSQL; on SQLite the
/// write transaction already holds the whole file), so that reversals of one sale run one
/// after the other, each seeing what the previous committed.
pub async fn hold(tx: &mut Tx, id: &str) -> Result<(), sqlx::Error> {
    if let Tx::Postgres(_) = tx {
        on_tx!(tx, |conn| sqlx::query(
            "SELECT id FROM sales WHERE id = $1 FOR UPDATE"
        )
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
    } else {
        Ok(())
    }
}
