//! Receipts of recorded sales: built from the sales journal, laid out for the register's paper,
//! printed on the register's printer, and shown as text for previews.
//!
//! Printing never changes the sale: it is recorded before anything is printed, and a printer
//! that is off, unplugged or at another address only means "print again". A receipt is built
//! from what was recorded (the per-rate totals and their tax as stored), so a reprint shows the
//! very figures of the first print.

use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::printing::{self, EscPosOptions, PrinterQueues};
use crate::usecases::sales;
use crate::usecases::{allow, audit};
use chrono::Utc;
use chrono_tz::Asia::Tokyo;
use selpos_domain::access::Principal;
use selpos_domain::printers::COLUMNS_80MM;
use selpos_domain::printers::PAPER_COLUMNS;
use selpos_domain::printers::{PrintOutcome, PrinterRules, PrinterStatus};
use selpos_domain::receipts::SaleReceipt;
use selpos_domain::receipts::formal::{FormalError, FormalReceipt};
use selpos_domain::receipts::{Receipt, ReceiptHeader, paper};
use selpos_domain::sales::Sale;
use std::collections::BTreeMap;
use std::time::Duration;

/// Connecting, sending and shutting down a receipt job must finish within this.
pub const PRINT_TIMEOUT: Duration = Duration::from_secs(5);
/// A printer on the venue's network answers a connection at once; one that does not within
/// this is off or elsewhere (every failed probe answers after this long, whatever failed).
pub const PROBE_TIMEOUT: Duration = printing::printer::CONNECT_TIMEOUT;

/// A recorded sale's receipt and the printer of its register.
struct Prepared {
    sale: Sale,
    receipt: Receipt,
    printer: db::events::RegisterPrinter,
}

/// The receipt's header of `sale`: the issuer as it was when the record was made (the council
/// as it is now for records made before selpos kept it), the event and register, the local
/// time, and for a void or refund the original sale's number and time.
async fn header(
    tx: &mut Tx,
    sale: &Sale,
    register: db::sales::RegisterRow,
    reprint: bool,
) -> Result<ReceiptHeader> {
    let council = db::council::get(tx).await?;
    let (issuer_name, issuer_invoice_number) = match db::sales::issuer(tx, &sale.id.to_string()).await? {
        Some(then) => then,
        None => (
            council.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            council.as_ref().and_then(|c| c.invoice_number.clone()),
        ),
    };
    let original = match sale.original_sale_id {
        Some(original) => db::sales::load(tx, &original.to_string()).await?,
        None => None,
    };
    Ok(ReceiptHeader {
        issuer_name,
        issuer_invoice_number,
        event_name: register.event_name,
        register_name: register.register_name,
        issued_at_local: local(sale.sold_at),
        footer: council.map(|c| c.receipt_footer).unwrap_or_default(),
        original_receipt_number: original.as_ref().map(|s| s.receipt_number.clone()),
        original_sold_at_local: original.map(|s| local(s.sold_at)),
        reprint,
    })
}

fn local(at: chrono::DateTime<Utc>) -> chrono::NaiveDateTime {
    at.with_timezone(&Tokyo).naive_local()
}

/// The names of the facilities of the sale's lines.
async fn facility_names(tx: &mut Tx, sale: &Sale) -> Result<BTreeMap<i64, String>> {
    let mut names = BTreeMap::new();
    for line in &sale.lines {
        if !names.contains_key(&line.facility_id)
            && let Some(facility) = db::facilities::get(tx, line.facility_id).await?
        {
            names.insert(line.facility_id, facility.name);
        }
    }
    Ok(names)
}

/// Loads the sale (if the caller may see it: council users, or the cashier of its register),
/// the issuer, the event, register and facility names, and builds the receipt.
async fn prepare(db: &Db, actor: &Principal, sale_id: uuid::Uuid, reprint: bool) -> Result<Prepared> {
    let sale = sales::get(db, actor, sale_id).await?;
    let mut tx = db.read().await?;
    let register = db::sales::register(&mut tx, sale.register_id)
        .await?
        .ok_or(Error::NotFound("レジ"))?;
    let printer = db::events::register_printer(&mut tx, sale.register_id)
        .await?
        .ok_or(Error::NotFound("レジ"))?;
    let facility_names = facility_names(&mut tx, &sale).await?;
    let header = header(&mut tx, &sale, register, reprint).await?;
    let receipt = Receipt::of_sale(&sale, header, &facility_names);
    Ok(Prepared {
        sale,
        receipt,
        printer,
    })
}

/// `GET /sales/{id}/formal-receipt`: what a 領収書 of the sale states: the sale less its
/// refunds, with the issuer as it was. A void or refund record, a voided sale or one refunded
/// in full gets none (409).
pub async fn formal(db: &Db, actor: &Principal, sale_id: uuid::Uuid) -> Result<FormalReceipt> {
    let sale = sales::get(db, actor, sale_id).await?;
    let mut tx = db.read().await?;
    let register = db::sales::register(&mut tx, sale.register_id)
        .await?
        .ok_or(Error::NotFound("レジ"))?;
    let facility_names = facility_names(&mut tx, &sale).await?;
    let header = header(&mut tx, &sale, register, false).await?;
    let refunds = db::sales::refund_records(&mut tx, &sale.id.to_string()).await?;
    FormalReceipt::of_sale(&sale, &refunds, &header, &facility_names).map_err(|e| match e {
        FormalError::Overflow => Error::Internal(e.to_string()),
        refused => Error::Conflict(refused.to_string()),
    })
}

fn paper_columns(columns: i64) -> Result<usize> {
    if PAPER_COLUMNS.contains(&columns) {
        Ok(usize::try_from(columns).unwrap_or(COLUMNS_80MM))
    } else {
        Err(Error::field(
            "columns",
            "out_of_range",
            "用紙の桁数は48(80mm)か32(58mm)にしてください",
        ))
    }
}

/// `GET /sales/{id}/receipt`: the receipt as data and as the lines of the paper, for
/// `columns` (the register's paper when not given).
pub async fn text(
    db: &Db,
    actor: &Principal,
    sale_id: uuid::Uuid,
    columns: Option<i64>,
) -> Result<SaleReceipt> {
    if let Some(columns) = columns {
        paper_columns(columns)?;
    }
    let Prepared {
        sale,
        receipt,
        printer,
    } = prepare(db, actor, sale_id, false).await?;
    let columns = columns.unwrap_or(printer.paper_columns);
    let width = paper_columns(columns)?;
    let lines = paper::render_text(&paper::layout(&receipt, width), width)
        .lines()
        .map(String::from)
        .collect();
    Ok(SaleReceipt {
        sale_id: sale.id,
        kind: sale.kind,
        voided: sale.voided,
        register_id: sale.register_id,
        columns,
        receipt,
        lines,
    })
}

/// `POST /sales/{id}/print`: prints the receipt on the printer of the sale's register, one job
/// at a time per printer, within [`PRINT_TIMEOUT`]. The cash drawer opens for a sale, void or
/// refund paid in cash, never on a `reprint` (which the receipt says it is).
pub async fn print(
    db: &Db,
    queues: &PrinterQueues,
    actor: &Principal,
    sale_id: uuid::Uuid,
    reprint: bool,
) -> Result<PrintOutcome> {
    let Prepared {
        sale,
        receipt,
        printer,
    } = prepare(db, actor, sale_id, reprint).await?;
    let address = printer.printer_addr.ok_or(Error::NoPrinter)?;
    let rules = printer_rules(db, queues).await?;
    let columns = paper_columns(printer.paper_columns)?;
    let open_drawer = receipt.moves_cash();
    let job = printing::encode(
        &paper::layout(&receipt, columns),
        EscPosOptions { columns, open_drawer },
    )
    .map_err(|e| Error::Internal(e.to_string()))?;
    queues.print(&address, &rules, job.bytes, PRINT_TIMEOUT).await?;
    tracing::info!(sale = %sale.id, receipt = %sale.receipt_number, printer = %address, reprint, "receipt printed");
    let outcome = PrintOutcome {
        printed: true,
        printer: address,
        drawer_opened: open_drawer,
        warnings: job.warnings,
    };
    record_print(db, actor, &sale, reprint, &outcome).await?;
    Ok(outcome)
}

/// Writes what reached the printer to the audit log: every print (`receipt.print`, or
/// `receipt.reprint` for a copy) and, when the job kicked the cash drawer, `drawer.open` on the
/// register. After the job, so a printer that is off leaves no record of a print.
async fn record_print(
    db: &Db,
    actor: &Principal,
    sale: &Sale,
    reprint: bool,
    outcome: &PrintOutcome,
) -> Result<()> {
    let mut tx = db.write().await?;
    let after = serde_json::json!({
        "receipt_number": sale.receipt_number,
        "kind": sale.kind,
        "register_id": sale.register_id,
        "printer": outcome.printer,
        "drawer_opened": outcome.drawer_opened,
    });
    let action = if reprint {
        "receipt.reprint"
    } else {
        "receipt.print"
    };
    audit::record(&mut tx, actor, action, "sale", sale.id, None::<&()>, Some(&after)).await?;
    if outcome.drawer_opened {
        let drawer = serde_json::json!({
            "reason": sale.kind,
            "sale_id": sale.id,
            "receipt_number": sale.receipt_number,
        });
        audit::record(
            &mut tx,
            actor,
            "drawer.open",
            "register",
            sale.register_id,
            None::<&()>,
            Some(&drawer),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Where the registers' printers may be: the council's settings (ports, link-local), loopback
/// only on a server started for tests (`--allow-loopback-printers`). Read at each print and
/// probe, so an address saved under looser settings is refused once they are tightened.
pub async fn printer_rules(db: &Db, queues: &PrinterQueues) -> Result<PrinterRules> {
    Ok(crate::usecases::council::get(db)
        .await?
        .printer_rules(queues.allow_loopback()))
}

/// `GET /registers/{id}/printer`: whether the register's printer accepts a connection now.
/// Council users, or the cashier of that register.
pub async fn printer_status(
    db: &Db,
    queues: &PrinterQueues,
    actor: &Principal,
    register_id: i64,
) -> Result<PrinterStatus> {
    allow(actor.may_operate_register(register_id))?;
    let printer = db::events::register_printer(&mut db.read().await?, register_id)
        .await?
        .ok_or(Error::NotFound("レジ"))?;
    let (reachable, message) = match &printer.printer_addr {
        None => (false, Some(Error::NoPrinter.to_string())),
        Some(address) => match queues
            .probe(address, &printer_rules(db, queues).await?, PROBE_TIMEOUT)
            .await
        {
            Ok(()) => (true, None),
            Err(failure) => (false, Some(failure.to_string())),
        },
    };
    Ok(PrinterStatus {
        register_id,
        address: printer.printer_addr,
        paper_columns: printer.paper_columns,
        reachable,
        message,
        checked_at: Utc::now(),
    })
}

/// `selpos printer test ADDRESS[:PORT]`: prints [`printing::test_page`]; answers the warnings.
///
/// The console's operator may test a printer on any port (they could reach any port from that
/// console anyway), but the address must still be a printer's: on the LAN, not this machine's
/// own, link-local allowed; loopback only with `allow_loopback` (development).
pub async fn print_test_page(
    address: &str,
    columns: i64,
    allow_loopback: bool,
) -> anyhow::Result<Vec<String>> {
    let columns =
        paper_columns(columns).map_err(|_| anyhow::anyhow!("--columns must be 48 (80 mm) or 32 (58 mm)"))?;
    let job = printing::encode(
        &printing::test_page(columns),
        EscPosOptions {
            columns,
            open_drawer: false,
        },
    )?;
    let port = selpos_domain::printers::parse_printer_address(address)
        .map_or(printing::DEFAULT_PORT, |(_, port)| port);
    let rules = PrinterRules {
        ports: vec![port],
        allow_link_local: true,
        allow_loopback,
    };
    printing::send(address, &rules, job.bytes, PRINT_TIMEOUT).await?;
    Ok(job.warnings)
}
