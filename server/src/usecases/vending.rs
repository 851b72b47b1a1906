//! セルプ自販機: the council registers machines and records each machine's month from the
//! operator's statement (entered, or a CSV of them all at once); the commission is the
//! supported facility's income, fed into its wage figures. Facility staff see their own
//! machines and months.

use crate::db::constraints::Unique;
use crate::db::{self, Db, Tx};
use crate::error::{Error, OnUnique, Result};
use crate::usecases::imports::{decode, rows};
use crate::usecases::{allow, audit};
use chrono::Utc;
use selpos_domain::access::Principal;
use selpos_domain::vending::{
    VendingMachine, VendingMachineInput, VendingMonth, VendingMonthInput, import, income,
};
use selpos_domain::wages::FiscalYear;
use serde::{Deserialize, Serialize};

const DUPLICATE_CODE: &str = "この自販機コードはすでに使われています";

pub async fn list_machines(db: &Db, actor: &Principal) -> Result<Vec<VendingMachine>> {
    allow(actor.may_see_channels())?;
    Ok(db::vending::list(&mut db.read().await?, actor.facility_scope()).await?)
}

pub async fn create_machine(
    db: &Db,
    actor: &Principal,
    input: &VendingMachineInput,
) -> Result<VendingMachine> {
    allow(actor.may_manage_council_data())?;
    let input = input.validated().map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    facility_must_exist(&mut tx, input.facility_id).await?;
    let id = db::vending::insert(&mut tx, &input)
        .await
        .on_unique(Unique::VendingMachineCode, DUPLICATE_CODE)?;
    let created = machine(&mut tx, id).await?;
    audit::commit(
        tx,
        actor,
        "vending.machine_create",
        "vending_machine",
        id,
        None::<&VendingMachine>,
        created,
    )
    .await
}

pub async fn update_machine(
    db: &Db,
    actor: &Principal,
    id: i64,
    input: &VendingMachineInput,
) -> Result<VendingMachine> {
    allow(actor.may_manage_council_data())?;
    let input = input.validated().map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    let before = machine(&mut tx, id).await?;
    facility_must_exist(&mut tx, input.facility_id).await?;
    db::vending::update(&mut tx, id, &input)
        .await
        .on_unique(Unique::VendingMachineCode, DUPLICATE_CODE)?;
    let after = machine(&mut tx, id).await?;
    audit::commit(
        tx,
        actor,
        "vending.machine_update",
        "vending_machine",
        id,
        Some(&before),
        after,
    )
    .await
}

async fn machine(tx: &mut Tx, id: i64) -> Result<VendingMachine> {
    db::vending::get(tx, id).await?.ok_or(Error::NotFound("自販機"))
}

async fn facility_must_exist(tx: &mut Tx, facility_id: i64) -> Result<()> {
    match db::facilities::get(tx, facility_id).await? {
        Some(_) => Ok(()),
        None => Err(Error::field("facility_id", "unknown", "事業所が見つかりません")),
    }
}

/// The month as it will be kept: under the machine's facility and rule as they are now.
fn month_of(machine: &VendingMachine, input: &VendingMonthInput) -> VendingMonth {
    VendingMonth {
        machine_id: machine.id,
        machine_code: machine.code.clone(),
        facility_id: machine.facility_id,
        year: input.year,
        month: input.month,
        cans: input.cans,
        sales: input.sales,
        commission: machine.commission,
        income: income(machine.commission, input.cans, input.sales),
    }
}

/// Records one machine's month (a corrected statement replaces the month's figures).
pub async fn record_month(db: &Db, actor: &Principal, input: &VendingMonthInput) -> Result<VendingMonth> {
    allow(actor.may_manage_council_data())?;
    let input = input.validated().map_err(Error::Validation)?;
    let mut tx = db.write().await?;
    let machine = machine(&mut tx, input.machine_id).await?;
    if !machine.active {
        return Err(Error::field("machine_id", "inactive", "撤去済みの自販機です"));
    }
    let month = month_of(&machine, &input);
    let before = db::vending::put_month(&mut tx, &month, Utc::now()).await?;
    let key = format!("{}:{}-{:02}", machine.id, month.year, month.month);
    audit::commit(
        tx,
        actor,
        "vending.month",
        "vending_month",
        key,
        before.as_ref(),
        month,
    )
    .await
}

/// What an import did.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VendingImport {
    /// Months recorded for the first time.
    pub added: usize,
    /// Months whose earlier figures were replaced.
    pub replaced: usize,
    pub months: Vec<VendingMonth>,
}

/// Records the months of an operator's CSV (UTF-8 or Shift_JIS): every row checked first,
/// nothing recorded if any row is wrong, all rows in one transaction.
pub async fn import_months(db: &Db, actor: &Principal, bytes: &[u8]) -> Result<VendingImport> {
    allow(actor.may_manage_council_data())?;
    let table = rows(&decode(bytes)?, import::COLUMNS)?;
    let mut tx = db.write().await?;
    let machines = db::vending::list(&mut tx, None).await?;
    let known: Vec<(String, i64, bool)> = machines
        .iter()
        .map(|m| (m.code.clone(), m.id, m.active))
        .collect();
    let planned = import::plan(&table.rows, &known).map_err(Error::Validation)?;
    let now = Utc::now();
    let (mut added, mut replaced, mut months) = (0, 0, Vec::with_capacity(planned.len()));
    for input in &planned {
        let Some(machine) = machines.iter().find(|m| m.id == input.machine_id) else {
            return Err(Error::NotFound("自販機"));
        };
        let month = month_of(machine, input);
        match db::vending::put_month(&mut tx, &month, now).await? {
            Some(_) => replaced += 1,
            None => added += 1,
        }
        months.push(month);
    }
    let answer = VendingImport {
        added,
        replaced,
        months,
    };
    audit::commit(
        tx,
        actor,
        "vending.import",
        "vending_month",
        "import",
        None::<&()>,
        answer,
    )
    .await
}

/// The months of a fiscal year (facility staff: their own), by month then machine.
pub async fn months(
    db: &Db,
    actor: &Principal,
    facility: Option<i64>,
    fiscal_year: i32,
) -> Result<Vec<VendingMonth>> {
    allow(actor.may_see_channels())?;
    let fiscal_year = FiscalYear::validated("fiscal_year", i64::from(fiscal_year))?;
    let facility = match (actor.facility_scope(), facility) {
        (Some(own), Some(asked)) if own != asked => return Err(Error::Forbidden),
        (Some(own), _) => Some(own),
        (None, asked) => asked,
    };
    let (from, until) = span(fiscal_year);
    Ok(db::vending::months(&mut db.read().await?, facility, from, until).await?)
}

/// A fiscal year as year × 100 + month bounds (April to March).
fn span(fiscal_year: FiscalYear) -> (i64, i64) {
    let year = i64::from(fiscal_year.0);
    (year * 100 + 4, (year + 1) * 100 + 3)
}
