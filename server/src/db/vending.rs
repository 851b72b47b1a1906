//! SQL for セルプ自販機: the machines and their months.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};
use selpos_domain::Yen;
use selpos_domain::vending::{VendingCommission, VendingMachine, VendingMachineInput, VendingMonth};

/// A commission rule as its two columns.
fn rule_columns(rule: VendingCommission) -> (&'static str, i64) {
    match rule {
        VendingCommission::Percent { basis_points } => ("percent", basis_points),
        VendingCommission::PerCan { yen } => ("per_can", yen.0),
    }
}

fn rule_of(kind: &str, value: i64) -> VendingCommission {
    match kind {
        "per_can" => VendingCommission::PerCan { yen: Yen(value) },
        _ => VendingCommission::Percent { basis_points: value },
    }
}

#[derive(sqlx::FromRow)]
struct MachineRow {
    id: i64,
    code: String,
    location: String,
    operator: String,
    facility_id: i64,
    facility_number: i64,
    facility_name: String,
    commission_kind: String,
    commission_value: i64,
    active: bool,
}

impl From<MachineRow> for VendingMachine {
    fn from(r: MachineRow) -> Self {
        VendingMachine {
            id: r.id,
            code: r.code,
            location: r.location,
            operator: r.operator,
            facility_id: r.facility_id,
            facility_number: r.facility_number,
            facility_name: r.facility_name,
            commission: rule_of(&r.commission_kind, r.commission_value),
            active: r.active,
        }
    }
}

const MACHINE_SELECT: &str =
    "SELECT m.id, m.code, m.location, m.operator, m.facility_id, f.number AS facility_number,
        f.name AS facility_name, m.commission_kind, m.commission_value, m.active
    FROM vending_machines m JOIN facilities f ON f.id = m.facility_id";

/// Every machine (`facility`: only those supporting it), by code.
pub async fn list(tx: &mut Tx, facility: Option<i64>) -> Result<Vec<VendingMachine>, sqlx::Error> {
    let sql = format!("{MACHINE_SELECT} WHERE ($1 IS NULL OR m.facility_id = $1) ORDER BY m.code");
    let rows: Vec<MachineRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(facility)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows.into_iter().map(VendingMachine::from).collect())
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<VendingMachine>, sqlx::Error> {
    let sql = format!("{MACHINE_SELECT} WHERE m.id = $1");
    let row: Option<MachineRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)?;
    Ok(row.map(VendingMachine::from))
}

pub async fn insert(tx: &mut Tx, input: &VendingMachineInput) -> Result<i64, sqlx::Error> {
    let (kind, value) = rule_columns(input.commission);
    let sql = "INSERT INTO vending_machines (code, location, operator, facility_id, commission_kind, commission_value, active)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(&input.code)
        .bind(&input.location)
        .bind(&input.operator)
        .bind(input.facility_id)
        .bind(kind)
        .bind(value)
        .bind(input.active)
        .fetch_one(&mut *conn)
        .await)
}

/// Answers whether the machine exists.
pub async fn update(tx: &mut Tx, id: i64, input: &VendingMachineInput) -> Result<bool, sqlx::Error> {
    let (kind, value) = rule_columns(input.commission);
    let sql = "UPDATE vending_machines SET code = $2, location = $3, operator = $4, facility_id = $5,
               commission_kind = $6, commission_value = $7, active = $8 WHERE id = $1";
    let affected = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(id)
        .bind(&input.code)
        .bind(&input.location)
        .bind(&input.operator)
        .bind(input.facility_id)
        .bind(kind)
        .bind(value)
        .bind(input.active)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(affected == 1)
}

#[derive(sqlx::FromRow)]
struct MonthRow {
    machine_id: i64,
    machine_code: String,
    facility_id: i64,
    year: i64,
    month: i64,
    cans: i64,
    sales: i64,
    commission_kind: String,
    commission_value: i64,
    income: i64,
}

impl From<MonthRow> for VendingMonth {
    fn from(r: MonthRow) -> Self {
        VendingMonth {
            machine_id: r.machine_id,
            machine_code: r.machine_code,
            facility_id: r.facility_id,
            year: i32::try_from(r.year).unwrap_or_default(),
            month: u32::try_from(r.month).unwrap_or_default(),
            cans: r.cans,
            sales: Yen(r.sales),
            commission: rule_of(&r.commission_kind, r.commission_value),
            income: Yen(r.income),
        }
    }
}

/// Records a machine's month (replacing what was recorded for it: a corrected statement),
/// under the machine's facility and rule as they are now. Answers what it replaced.
pub async fn put_month(
    tx: &mut Tx,
    month: &VendingMonth,
    now: DateTime<Utc>,
) -> Result<Option<VendingMonth>, sqlx::Error> {
    let before = get_month(tx, month.machine_id, month.year, month.month).await?;
    let (kind, value) = rule_columns(month.commission);
    let sql =
        "INSERT INTO vending_months (machine_id, year, month, facility_id, cans, sales, commission_kind,
                   commission_value, income, recorded_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
               ON CONFLICT (machine_id, year, month) DO UPDATE SET facility_id = excluded.facility_id,
                   cans = excluded.cans, sales = excluded.sales, commission_kind = excluded.commission_kind,
                   commission_value = excluded.commission_value, income = excluded.income,
                   recorded_at = excluded.recorded_at";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(month.machine_id)
        .bind(i64::from(month.year))
        .bind(i64::from(month.month))
        .bind(month.facility_id)
        .bind(month.cans)
        .bind(month.sales.0)
        .bind(kind)
        .bind(value)
        .bind(month.income.0)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))?;
    Ok(before)
}

const MONTH_SELECT: &str =
    "SELECT v.machine_id, m.code AS machine_code, v.facility_id, v.year, v.month, v.cans, v.sales,
        v.commission_kind, v.commission_value, v.income
    FROM vending_months v JOIN vending_machines m ON m.id = v.machine_id";

pub async fn get_month(
    tx: &mut Tx,
    machine_id: i64,
    year: i32,
    month: u32,
) -> Result<Option<VendingMonth>, sqlx::Error> {
    let sql = format!("{MONTH_SELECT} WHERE v.machine_id = $1 AND v.year = $2 AND v.month = $3");
    let row: Option<MonthRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(machine_id)
        .bind(i64::from(year))
        .bind(i64::from(month))
        .fetch_optional(&mut *conn)
        .await)?;
    Ok(row.map(VendingMonth::from))
}

/// The months recorded from `from` to `until` (year × 100 + month, both included), of one
/// facility or all, by month then machine.
pub async fn months(
    tx: &mut Tx,
    facility: Option<i64>,
    from: i64,
    until: i64,
) -> Result<Vec<VendingMonth>, sqlx::Error> {
    let sql = format!(
        "{MONTH_SELECT} WHERE ($1 IS NULL OR v.facility_id = $1) AND v.year * 100 + v.month BETWEEN $2 AND $3
         ORDER BY v.year, v.month, m.code"
    );
    let rows: Vec<MonthRow> = on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(facility)
        .bind(from)
        .bind(until)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows.into_iter().map(VendingMonth::from).collect())
}
