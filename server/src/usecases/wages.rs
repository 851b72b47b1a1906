//! 工賃: facilities' monthly wage figures and targets, the prefecture's yearly table, and the
//! import of the table as the prefecture publishes it (checked row by row, all rows or none).

use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::spreadsheet::ExcelCsv;
use crate::usecases::{allow, audit};
use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use selpos_domain::access::Principal;
use selpos_domain::facilities::FacilityInput;
use selpos_domain::validation::FieldErrors;
use selpos_domain::wages;
use selpos_domain::wages::{
    FacilityWageYear, FiscalYear, PUBLISHED_COLUMNS, PublishedWageRow, Tenths, WageImportReport, WageMonth,
    WageMonthInput, WageTable, WageTableRow, WageTableTotals, WageTargetInput, WageTotals, YearFigures,
};
use selpos_domain::{Yen, validation::FieldError};
use std::collections::BTreeMap;

/// The council, or the facility's own staff.
fn may_see(actor: &Principal, facility_id: i64) -> Result<()> {
    allow(actor.may_see_facility_accounts(facility_id))
}

fn month_start(year: i32, month: u32) -> Option<chrono::DateTime<Utc>> {
    let date = NaiveDate::from_ymd_opt(year, month, 1)?;
    Tokyo
        .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.with_timezone(&Utc))
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
    let mut tx = db.read().await?;
    let facility = db::facilities::get(&mut tx, facility_id)
        .await?
        .ok_or(Error::NotFound("事業所"))?;
    let entered = db::wages::months(&mut tx, facility_id, fiscal_year).await?;
    let target = db::wages::target(&mut tx, facility_id, fiscal_year).await?;
    // From 1 April to 1 April of the next year (the fiscal year is within FIRST..=LAST).
    let from = month_start(fy.0, 4).ok_or(Error::NotFound("年度"))?;
    let next = fy.0.checked_add(1).ok_or(Error::NotFound("年度"))?;
    let until = month_start(next, 4).ok_or(Error::NotFound("年度"))?;
    let mut sales_by_month: BTreeMap<(i32, u32), i64> = BTreeMap::new();
    for (sold_at, net) in db::wages::council_sales(&mut tx, facility_id, from, until).await? {
        let local = sold_at.with_timezone(&Tokyo);
        *sales_by_month
            .entry((chrono::Datelike::year(&local), chrono::Datelike::month(&local)))
            .or_default() += net;
    }
    let months: Vec<WageMonth> = months
        .iter()
        .map(|&(year, month)| {
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
                council_sales: Yen(sales_by_month.get(&(year, month)).copied().unwrap_or(0)),
            }
        })
        .collect();
    let totals = WageTotals::of_fiscal_year(fy, &entered);
    let average = totals.average_monthly_wage();
    let fy2024 = totals.fy2024_average_monthly_wage();
    let council_sales = Yen(months.iter().map(|m| m.council_sales.0).sum());
    Ok(FacilityWageYear {
        facility_id,
        facility_number: facility.number,
        facility_name: facility.name,
        fiscal_year: fy,
        label: fy.label_ja(),
        months,
        average_monthly_wage: average,
        average_hourly_wage: totals.average_hourly_wage(),
        fy2024_average_monthly_wage: fy2024,
        band: fy2024.map(wages::band_for),
        target,
        achievement: average
            .zip(target)
            .and_then(|(a, t)| Tenths::from_yen(t).and_then(|t| wages::achievement_rate(a, t))),
        council_sales,
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

/// The prefecture's table for a fiscal year and the one before. Facility staff see their own
/// row and the totals of the published figures only.
pub async fn table(db: &Db, actor: &Principal, fiscal_year: i32) -> Result<WageTable> {
    allow(actor.may_see_wage_table())?;
    let fy = FiscalYear::validated("fiscal_year", i64::from(fiscal_year))?;
    let previous = fy.previous().ok_or(Error::NotFound("年度"))?;
    let mut tx = db.read().await?;
    let facilities = db::facilities::list(&mut tx, &Default::default()).await?;
    let figures = |rows: Vec<db::wages::YearRow>| -> BTreeMap<i64, (Option<i64>, YearFigures)> {
        rows.into_iter()
            .map(|r| {
                let f = YearFigures::new(r.user_months, r.wages_paid.map(Yen), r.work_hours, &r.source);
                (r.facility_id, (r.capacity, f))
            })
            .collect()
    };
    let mut current = figures(db::wages::years(&mut tx, fy.0).await?);
    let mut before = figures(db::wages::years(&mut tx, previous.0).await?);
    // The council sees the totals of every row; facility staff the published figures' only,
    // so that polling the totals never reveals another facility's unpublished months.
    let (totals, previous_totals) = if actor.facility_scope().is_none() {
        (
            WageTableTotals::of(current.values().map(|(_, f)| f)),
            WageTableTotals::of(before.values().map(|(_, f)| f)),
        )
    } else {
        let published = figures(db::wages::published_years(&mut tx, fy.0).await?);
        let published_before = figures(db::wages::published_years(&mut tx, previous.0).await?);
        (
            WageTableTotals::of(published.values().map(|(_, f)| f)),
            WageTableTotals::of(published_before.values().map(|(_, f)| f)),
        )
    };
    let rows = facilities
        .into_iter()
        .filter(|f| actor.facility_scope().is_none_or(|own| own == f.id))
        .filter_map(|f| {
            let now = current.remove(&f.id);
            let then = before.remove(&f.id);
            if now.is_none() && then.is_none() {
                return None;
            }
            let capacity = now
                .as_ref()
                .and_then(|(c, _)| *c)
                .or(then.as_ref().and_then(|(c, _)| *c))
                .or(Some(f.capacity));
            Some(WageTableRow {
                facility_id: f.id,
                number: f.number,
                name: f.name,
                corporation_type: f.corporation_type,
                capacity,
                current: now.map(|(_, y)| y),
                previous: then.map(|(_, y)| y),
            })
        })
        .collect();
    Ok(WageTable {
        fiscal_year: fy,
        label: fy.label_ja(),
        previous_label: previous.label_ja(),
        rows,
        totals,
        previous_totals,
    })
}

const TABLE_HEADER: [&str; 15] = [
    "番号",
    "事業所名",
    "法人種別",
    "定員",
    "年度",
    "対象者延人数",
    "工賃支払総額",
    "平均工賃月額",
    "延べ時間数",
    "平均工賃時間額",
    "前年度 対象者延人数",
    "前年度 工賃支払総額",
    "前年度 平均工賃月額",
    "前年度 延べ時間数",
    "前年度 平均工賃時間額",
];

/// The table as CSV for Excel (UTF-8 with BOM), with a 合計 row.
pub fn table_csv(t: &WageTable) -> Result<Vec<u8>> {
    let mut out = ExcelCsv::new();
    out.row(TABLE_HEADER)?;
    let cells = |f: Option<&YearFigures>| -> Vec<String> {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let avg = |v: Option<Tenths>| v.map(Tenths::plain).unwrap_or_default();
        match f {
            Some(f) => vec![
                opt(f.user_months),
                opt(f.wages_paid.map(|w| w.0)),
                avg(f.average_monthly_wage),
                opt(f.work_hours),
                avg(f.average_hourly_wage),
            ],
            None => vec![String::new(); 5],
        }
    };
    for r in &t.rows {
        let mut record = vec![
            r.number.to_string(),
            r.name.clone(),
            r.corporation_type.to_string(),
            r.capacity.map(|c| c.to_string()).unwrap_or_default(),
            t.fiscal_year.short_label(),
        ];
        record.extend(cells(r.current.as_ref()));
        record.extend(cells(r.previous.as_ref()));
        out.row(&record)?;
    }
    let total = |s: &WageTableTotals| YearFigures {
        user_months: Some(s.user_months),
        wages_paid: Some(s.wages_paid),
        work_hours: Some(s.work_hours),
        average_monthly_wage: s.average_monthly_wage,
        average_hourly_wage: s.average_hourly_wage,
        source: String::new(),
    };
    let mut record = vec![
        String::new(),
        "合計".into(),
        String::new(),
        String::new(),
        t.fiscal_year.short_label(),
    ];
    record.extend(cells(Some(&total(&t.totals))));
    record.extend(cells(Some(&total(&t.previous_totals))));
    out.row(&record)?;
    out.finish()
}

/// Parses the prefecture's CSV: every row checked, every problem listed (422 if any).
fn parse_table(bytes: &[u8]) -> Result<Vec<PublishedWageRow>> {
    let text = crate::usecases::imports::decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::field("file", "format", format!("見出し行を読めません: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header
        .iter()
        .map(String::as_str)
        .ne(PUBLISHED_COLUMNS.iter().copied())
    {
        return Err(Error::field(
            "file",
            "format",
            format!(
                "見出し行が違います。次の列が必要です: {}",
                PUBLISHED_COLUMNS.join(",")
            ),
        ));
    }
    let mut rows = Vec::new();
    let mut problems = FieldErrors::default();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if rows.len() + problems.0.len() >= crate::usecases::imports::MAX_ROWS {
            return Err(Error::field("file", "too_long", "行が多すぎます(2,000行まで)"));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.add(
                    format!("row[{line}]"),
                    "format",
                    format!("{line}行目を読めません: {e}"),
                );
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells: Vec<&str> = record.iter().collect();
        match PublishedWageRow::from_fields(line, &cells) {
            Ok(row) => rows.push(row),
            Err(errors) => problems
                .0
                .extend(errors.0.into_iter().map(|e: FieldError| FieldError {
                    field: format!("row[{line}].{}", e.field),
                    ..e
                })),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    if rows.is_empty() {
        return Err(Error::field("file", "required", "データ行がありません"));
    }
    Ok(rows)
}

/// Imports the prefecture's table: checks every row and reports the rows whose published
/// figures disagree with their own totals; a dry run writes nothing, a real import writes every
/// row (creating unknown facilities from it) or, on any error, none.
pub async fn import(db: &Db, actor: &Principal, bytes: &[u8], dry_run: bool) -> Result<WageImportReport> {
    allow(actor.may_manage_council_data())?;
    let rows = parse_table(bytes)?;
    let discrepancies: Vec<_> = rows.iter().flat_map(wages::check_row).collect();
    let mut fiscal_years: Vec<FiscalYear> = rows.iter().map(|r| r.fiscal_year).collect();
    fiscal_years.sort();
    fiscal_years.dedup();
    let mut tx = db.write().await?;
    let known: BTreeMap<i64, i64> = db::facilities::list(&mut tx, &Default::default())
        .await?
        .into_iter()
        .map(|f| (f.number, f.id))
        .collect();
    let numbers: std::collections::BTreeSet<i64> = rows.iter().map(|r| r.number).collect();
    let facilities_matched = numbers.iter().filter(|n| known.contains_key(n)).count();
    let mut report = WageImportReport {
        dry_run,
        written: false,
        rows: rows.len(),
        fiscal_years,
        facilities_matched,
        facilities_created: numbers.len() - facilities_matched,
        discrepancies,
    };
    if dry_run {
        return Ok(report);
    }
    let now = Utc::now();
    let mut ids = known;
    for row in &rows {
        let facility_id = match ids.get(&row.number) {
            Some(id) => *id,
            None => {
                let input = FacilityInput {
                    number: row.number,
                    name: row.facility.clone(),
                    kana: String::new(),
                    corporation_type: row.corporation_type,
                    capacity: row.capacity.unwrap_or(0),
                    invoice_number: None,
                    invoice_issuer: false,
                    contact: String::new(),
                    active: true,
                };
                let input = input.validated().map_err(|e| {
                    Error::Validation(FieldErrors(
                        e.0.into_iter()
                            .map(|f| FieldError {
                                field: format!("row[{}].{}", row.row, f.field),
                                ..f
                            })
                            .collect(),
                    ))
                })?;
                let created = db::facilities::insert(&mut tx, &input, now).await?;
                ids.insert(row.number, created.id);
                created.id
            }
        };
        let year = db::wages::ImportedYear {
            facility_id,
            fiscal_year: row.fiscal_year.0,
            capacity: row.capacity,
            user_months: row.user_months,
            wages_paid: row.monthly_wage_total,
            work_hours: row.work_hours,
        };
        db::wages::put_year(&mut tx, &year, now).await?;
    }
    report.written = true;
    let summary = serde_json::json!({"rows": report.rows, "fiscal_years": report.fiscal_years,
        "facilities_created": report.facilities_created, "discrepancies": report.discrepancies.len()});
    audit::commit(
        tx,
        actor,
        "wages.import",
        "wage_table",
        "prefecture",
        None::<&()>,
        &summary,
    )
    .await?;
    Ok(report)
}
