//! SQL for the council's own record (a single row).

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};
use selpos_domain::council::{Council, CouncilInput};
use selpos_domain::{RoundingMode, Yen};

#[derive(sqlx::FromRow)]
struct CouncilRow {
    name: String,
    invoice_number: Option<String>,
    address: String,
    phone: String,
    receipt_footer: String,
    tax_rounding: String,
    voucher_gives_change: bool,
    payout_approval_limit: i64,
    printer_ports: String,
    allow_link_local_printers: bool,
    bank_account: String,
    updated_at: DateTime<Utc>,
}

/// `9100,9101` ↔ `[9100, 9101]`.
fn ports_to_text(ports: &[u16]) -> String {
    ports.iter().map(u16::to_string).collect::<Vec<_>>().join(",")
}

fn ports_from_text(text: &str) -> Result<Vec<u16>, sqlx::Error> {
    text.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            p.trim()
                .parse()
                .map_err(|_| sqlx::Error::Decode(format!("printer port {p:?}").into()))
        })
        .collect()
}

pub async fn get(tx: &mut Tx) -> Result<Option<Council>, sqlx::Error> {
    let sql =
        "SELECT name, invoice_number, address, phone, receipt_footer, tax_rounding, voucher_gives_change,
                      payout_approval_limit, printer_ports, allow_link_local_printers, bank_account,
                      updated_at
               FROM council WHERE id = 1";
    let row: Option<CouncilRow> = on_tx!(tx, |conn| sqlx::query_as(sql).fetch_optional(&mut *conn).await)?;
    row.map(|r| {
        Ok(Council {
            tax_rounding: RoundingMode::from_code(&r.tax_rounding).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown rounding {:?}", r.tax_rounding).into())
            })?,
            name: r.name,
            invoice_number: r.invoice_number,
            address: r.address,
            phone: r.phone,
            receipt_footer: r.receipt_footer,
            voucher_gives_change: r.voucher_gives_change,
            payout_approval_limit: Yen(r.payout_approval_limit),
            printer_ports: ports_from_text(&r.printer_ports)?,
            allow_link_local_printers: r.allow_link_local_printers,
            bank_account: r.bank_account,
            updated_at: r.updated_at,
        })
    })
    .transpose()
}

pub async fn put(tx: &mut Tx, input: &CouncilInput, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO council (id, name, invoice_number, address, phone, receipt_footer, tax_rounding,
                                    voucher_gives_change, payout_approval_limit, printer_ports,
                                    allow_link_local_printers, bank_account, updated_at)
               VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
               ON CONFLICT (id) DO UPDATE SET name = excluded.name, invoice_number = excluded.invoice_number,
                   address = excluded.address, phone = excluded.phone, receipt_footer = excluded.receipt_footer,
                   tax_rounding = excluded.tax_rounding, voucher_gives_change = excluded.voucher_gives_change,
                   payout_approval_limit = excluded.payout_approval_limit, printer_ports = excluded.printer_ports,
                   allow_link_local_printers = excluded.allow_link_local_printers,
                   bank_account = excluded.bank_account, updated_at = excluded.updated_at";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(&input.name)
        .bind(&input.invoice_number)
        .bind(&input.address)
        .bind(&input.phone)
        .bind(&input.receipt_footer)
        .bind(input.tax_rounding.code())
        .bind(input.voucher_gives_change)
        .bind(input.payout_approval_limit.0)
        .bind(ports_to_text(&input.printer_ports))
        .bind(input.allow_link_local_printers)
        .bind(&input.bank_account)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}
