//! 協議会からの収入: each facility's income through the council per month and channel, read
//! from every channel's own records (settled events and the SELP SHOP, joint orders paid out,
//! gift seasons closed, vending months). The wage page and the prefecture's table take their figures from here.

use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::spreadsheet::ExcelCsv;
use crate::usecases::allow;
use chrono::Datelike;
use selpos_domain::Yen;
use selpos_domain::access::Principal;
use selpos_domain::events::EventKind;
use selpos_domain::income::{self, Channel, Entry, IncomeReport, Ledger};
use selpos_domain::wages::FiscalYear;

/// Every channel's amounts of the fiscal year, of one facility or of all.
pub async fn ledger(tx: &mut Tx, facility: Option<i64>, fy: FiscalYear) -> Result<Ledger> {
    let mut entries = Vec::new();
    let (Some(first), Some(last)) = (fy.first_day(), fy.last_day()) else {
        return Ok(Ledger::new());
    };
    let span = (
        i64::from(first.year()) * 100 + 4,
        i64::from(last.year()) * 100 + 3,
    );
    for (facility_id, year, month, kind, net) in db::income::event_sales(tx, facility, span.0, span.1).await?
    {
        let (Ok(year), Ok(month)) = (i32::try_from(year), u32::try_from(month)) else {
            continue;
        };
        let channel = if EventKind::from_code(&kind) == Some(EventKind::SelpShop) {
            Channel::SelpShop
        } else {
            Channel::Events
        };
        entries.push(Entry {
            facility_id,
            year,
            month,
            channel,
            amount: Yen(net),
        });
    }
    for (facility_id, day, amount) in db::orders::income(tx, facility, first, last).await? {
        entries.push(Entry {
            facility_id,
            year: day.year(),
            month: day.month(),
            channel: Channel::JointOrders,
            amount: Yen(amount),
        });
    }
    // A gift season's commission is earned when the season closes (the supplier's statement
    // covers the season as a whole): each facility that took orders, in the month of the close.
    for season in db::gifts::seasons(tx).await? {
        let Some(closed) = season.closed_at.map(selpos_domain::events::tokyo_date) else {
            continue;
        };
        if closed < first || closed > last {
            continue;
        }
        let orders = db::gifts::orders(tx, db::gifts::OrderScope::Season(season.id, None)).await?;
        for taker in selpos_domain::gifts::commission_by_taker(season.commission, &orders) {
            let Some(facility_id) = taker.facility_id.filter(|&id| facility.is_none_or(|f| f == id)) else {
                continue;
            };
            entries.push(Entry {
                facility_id,
                year: closed.year(),
                month: closed.month(),
                channel: Channel::Gifts,
                amount: taker.commission,
            });
        }
    }
    for m in db::vending::months(tx, facility, span.0, span.1).await? {
        entries.push(Entry {
            facility_id: m.facility_id,
            year: m.year,
            month: m.month,
            channel: Channel::Vending,
            amount: m.income,
        });
    }
    Ok(income::ledger(entries))
}

/// The year of every facility (the council) or of one: facility staff see only their own, and
/// asking for another facility is refused.
pub async fn report(
    db: &Db,
    actor: &Principal,
    fiscal_year: i64,
    facility_id: Option<i64>,
) -> Result<IncomeReport> {
    allow(actor.may_see_channels())?;
    let facility = match (actor.facility_scope(), facility_id) {
        (Some(own), Some(asked)) if own != asked => return Err(Error::Forbidden),
        (Some(own), _) => Some(own),
        (None, asked) => asked,
    };
    let fy = FiscalYear::validated("fiscal_year", fiscal_year)?;
    let mut tx = db.report().await?;
    let ledger = ledger(&mut tx, facility, fy).await?;
    let facilities = match facility {
        Some(id) => {
            let f = db::facilities::get(&mut tx, id)
                .await?
                .ok_or(Error::NotFound("事業所"))?;
            vec![(f.id, f.number, f.name)]
        }
        // Every active facility, and an inactive one that still had income in the year.
        None => db::facilities::list(&mut tx, &Default::default())
            .await?
            .into_iter()
            .filter(|f| f.active || ledger.contains_key(&f.id))
            .map(|f| (f.id, f.number, f.name))
            .collect(),
    };
    Ok(income::report(fy, facilities, &ledger))
}

/// The report as CSV for Excel (UTF-8 with BOM).
pub fn report_csv(r: &IncomeReport) -> Result<Vec<u8>> {
    let mut out = ExcelCsv::new();
    for row in income::csv_rows(r) {
        out.row(row)?;
    }
    out.finish()
}
