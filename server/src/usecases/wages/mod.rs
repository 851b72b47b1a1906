//! 工賃: facilities' monthly wage figures and targets ([`facility_year`], 見込み while the year
//! runs), the prefecture's yearly table ([`table`]) and the import of the table as the
//! prefecture publishes it, with the corrections the council decides ([`import`]).

mod import;
mod table;

pub use import::{ImportOptions, corrections, decide, import};
pub use table::{table, table_csv};

use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::usecases::{allow, audit};
use chrono::{NaiveDate, Utc};
use chrono_tz::Asia::Tokyo;
use selpos_domain::Yen;
use selpos_domain::access::Principal;
use selpos_domain::wages;
use selpos_domain::wages::{
    FacilityWageYear, FiscalYear, Tenths, WageMonth, WageMonthInput, WageTargetInput, WageTotals,
    YearProgress,
};

/// The council, or the facility's own staff.
fn may_see(actor: &Principal, facility_id: i64) -> Result<()> {
    allow(actor.may_see_facility_accounts(facility_id))
}

/// A facility's fiscal year with every figure the wage plan asks for.
pub async fn facility_year(
    db: &Db,
    actor: &Principal,
    facility_id: i64,
    fiscal_year: i32,
) -> Result<FacilityWageYear> {
    may_see(actor, facility_id)?;
    let fy = FiscalYear::validated("fiscal_year", i64::from(fiscal_year))?;
    let months = fy.months().ok_or(Error::NotFound("年度"))?;
    let mut tx = db.report().await?;
    let facility = db::facilities::get(&mut tx, facility_id)
        .await?
        .ok_or(Error::NotFound("事業所"))?;
    let entered = db::wages::months(&mut tx, facility_id, fiscal_year).await?;
    let target = db::wages::target(&mut tx, facility_id, fiscal_year).await?;
    let ledger = crate::usecases::income::ledger(&mut tx, Some(facility_id), fy).await?;
    let by_month = ledger.get(&facility_id);
    let months: Vec<WageMonth> = months
        .iter()
        .map(|&(year, month)| {
            let income = by_month
                .and_then(|m| m.get(&(year, month)))
                .copied()
                .unwrap_or_default();
            let figures = entered
                .iter()
                .find(|m| m.year == year && m.month == month)
                .cloned();
            WageMonth {
                year,
                month,
                average_monthly_wage: figures
                    .as_ref()
                    .and_then(|f| wages::classic_average_monthly_wage(f.wages_paid, f.user_months)),
                average_hourly_wage: figures
                    .as_ref()
                    .and_then(|f| wages::average_hourly_wage(f.wages_paid, f.work_hours)),
                figures,
                council_sales: income.sales(),
                joint_order_income: income.joint_orders,
                vending_income: income.vending,
                council_income: income.total(),
            }
        })
        .collect();
    let totals = WageTotals::of_fiscal_year(fy, &entered);
    let average = totals.average_monthly_wage();
    let progress = YearProgress::of(fy, &entered, tokyo_today());
    let council_sales = Yen(months.iter().map(|m| m.council_sales.0).sum());
    let joint_order_income = Yen(months.iter().map(|m| m.joint_order_income.0).sum());
    let vending_income = Yen(months.iter().map(|m| m.vending_income.0).sum());
    let council_income = Yen(months.iter().map(|m| m.council_income.0).sum());
    Ok(FacilityWageYear {
        facility_id,
        facility_number: facility.number,
        facility_name: facility.name,
        fiscal_year: fy,
        label: fy.label_ja(),
        months,
        average_monthly_wage: average,
        average_hourly_wage: totals.average_hourly_wage(),
        fy2024_average_monthly_wage: progress.fy2024_average_monthly_wage,
        months_covered: progress.months_covered,
        provisional: progress.provisional,
        projected_fy2024_average_monthly_wage: progress.projected_fy2024_average_monthly_wage,
        band: progress.band,
        target,
        achievement: average
            .zip(target)
            .and_then(|(a, t)| Tenths::from_yen(t).and_then(|t| wages::achievement_rate(a, t))),
        council_sales,
        joint_order_income,
        vending_income,
        council_income,
        council_share: (totals.wages_paid.0 > 0)
            .then(|| Tenths::ratio(council_sales.0 * 100, totals.wages_paid.0))
            .flatten(),
        totals,
    })
}

/// Enters (or corrects) one month of a facility's wage figures.
pub async fn put_month(
    db: &Db,
    actor: &Principal,
    facility_id: i64,
    input: &WageMonthInput,
) -> Result<FacilityWageYear> {
    may_see(actor, facility_id)?;
    let input = input.validated().map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    db::facilities::get(&mut tx, facility_id)
        .await?
        .ok_or(Error::NotFound("事業所"))?;
    db::wages::put_month(&mut tx, facility_id, &input, actor.user_id, Utc::now()).await?;
    audit::commit(
        tx,
        actor,
        "wages.month",
        "facility",
        facility_id,
        None::<&()>,
        &input,
    )
    .await?;
    let fiscal_year = input.fiscal_year().ok_or(Error::NotFound("年度"))?;
    facility_year(db, actor, facility_id, fiscal_year.0).await
}

/// Sets the facility's target wage (目標工賃, monthly) for a fiscal year.
pub async fn put_target(
    db: &Db,
    actor: &Principal,
    facility_id: i64,
    fiscal_year: i32,
    input: &WageTargetInput,
) -> Result<FacilityWageYear> {
    may_see(actor, facility_id)?;
    FiscalYear::validated("fiscal_year", i64::from(fiscal_year))?;
    let input = input.validated().map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    db::facilities::get(&mut tx, facility_id)
        .await?
        .ok_or(Error::NotFound("事業所"))?;
    db::wages::put_target(
        &mut tx,
        facility_id,
        fiscal_year,
        input.monthly_target,
        actor.user_id,
        Utc::now(),
    )
    .await?;
    audit::commit(
        tx,
        actor,
        "wages.target",
        "facility",
        facility_id,
        None::<&()>,
        &input,
    )
    .await?;
    facility_year(db, actor, facility_id, fiscal_year).await
}

/// Today in Japan: which fiscal years are over.
fn tokyo_today() -> NaiveDate {
    Utc::now().with_timezone(&Tokyo).date_naive()
}
