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
    CorrectionDecisionInput, CorrectionStatus, FacilityMatchStatus, FacilityWageYear, FiscalYear,
    KnownFacility, PUBLISHED_COLUMNS, ProposalCode, PublishedWageRow, PublishedYear, Tenths, UsedValue,
    WageCorrection, WageImportReport, WageMonth, WageMonthInput, WageTable, WageTableRow, WageTableTotals,
    WageTargetInput, WageTotals, YearFigures, YearProgress,
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
    let progress = YearProgress::of(fy, &entered, tokyo_today());
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

/// A stored correction as the API shows it.
fn correction_of(row: db::wages::CorrectionRow) -> WageCorrection {
    let status = CorrectionStatus::parse(&row.status).unwrap_or(CorrectionStatus::Pending);
    let used = if status == CorrectionStatus::Accepted && row.proposed.is_some() {
        UsedValue::Corrected
    } else {
        UsedValue::Published
    };
    WageCorrection {
        id: row.id,
        facility_id: row.facility_id,
        facility_number: row.facility_number,
        facility_name: row.facility_name,
        fiscal_year: FiscalYear(i32::try_from(row.fiscal_year).unwrap_or_default()),
        field_name: wages::figure_name(&row.field).to_string(),
        published_text: row
            .published
            .map(|v| wages::format_figure(&row.field, v))
            .unwrap_or_default(),
        proposed_text: row.proposed.map(|v| wages::format_figure(&row.field, v)),
        field: row.field,
        published: row.published,
        proposed: row.proposed,
        code: ProposalCode::parse(&row.code).unwrap_or(ProposalCode::Unresolved),
        reason: row.reason,
        explains: row
            .explains
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect(),
        status,
        used,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
    }
}

/// Figures of a fiscal year per facility, with the capacity the table gives.
type YearsByFacility = BTreeMap<i64, (Option<i64>, YearFigures)>;

/// The prefecture's published figures of a fiscal year, each cell as published or as corrected
/// where the council accepted the correction.
async fn published_figures(tx: &mut db::Tx, fy: FiscalYear) -> Result<YearsByFacility> {
    let mut corrections: BTreeMap<i64, Vec<WageCorrection>> = BTreeMap::new();
    let filter = db::wages::CorrectionFilter {
        fiscal_year: Some(fy.0),
        ..Default::default()
    };
    for row in db::wages::corrections(tx, &filter).await? {
        corrections
            .entry(row.facility_id)
            .or_default()
            .push(correction_of(row));
    }
    Ok(db::wages::published_years(tx, fy.0)
        .await?
        .into_iter()
        .map(|p| {
            let published = PublishedYear {
                user_months: p.user_months,
                monthly_wage_total: p.wages_paid.map(Yen),
                monthly_wage_avg: p.monthly_wage_avg.map(Tenths),
                work_hours: p.work_hours,
                hourly_wage_avg: p.hourly_wage_avg.map(Tenths),
            };
            let mine = corrections.remove(&p.facility_id).unwrap_or_default();
            (
                p.facility_id,
                (p.capacity, YearFigures::imported(published, mine)),
            )
        })
        .collect())
}

/// Every facility's figures of a fiscal year: from the months entered in selpos where there are
/// any (provisional while the year runs or months are missing), else from the published table.
async fn year_figures(tx: &mut db::Tx, fy: FiscalYear, today: NaiveDate) -> Result<YearsByFacility> {
    let mut out = published_figures(tx, fy).await?;
    let ended = fy.last_day().is_some_and(|last| today > last);
    for e in db::wages::entered_years(tx, fy.0).await? {
        let totals = WageTotals {
            months: 12,
            wages_paid: Yen(e.wages_paid),
            user_months: e.user_months,
            user_days: e.user_days,
            opening_days: e.opening_days,
            work_hours: e.work_hours,
        };
        let progress = YearProgress::from_totals(&totals, e.months, ended);
        let capacity = out.get(&e.facility_id).and_then(|(c, _)| *c);
        out.insert(e.facility_id, (capacity, YearFigures::entered(&totals, progress)));
    }
    Ok(out)
}

/// The prefecture's table for a fiscal year and the one before. Facility staff see their own
/// row and the totals of the published figures only.
pub async fn table(db: &Db, actor: &Principal, fiscal_year: i32) -> Result<WageTable> {
    allow(actor.may_see_wage_table())?;
    let fy = FiscalYear::validated("fiscal_year", i64::from(fiscal_year))?;
    let previous = fy.previous().ok_or(Error::NotFound("年度"))?;
    let today = tokyo_today();
    let mut tx = db.read().await?;
    let facilities = db::facilities::list(&mut tx, &Default::default()).await?;
    let mut current = year_figures(&mut tx, fy, today).await?;
    let mut before = year_figures(&mut tx, previous, today).await?;
    // The council sees the totals of every row; facility staff the published figures' only,
    // so that polling the totals never reveals another facility's unpublished months.
    let (totals, previous_totals) = if actor.facility_scope().is_none() {
        (
            WageTableTotals::of(current.values().map(|(_, f)| f)),
            WageTableTotals::of(before.values().map(|(_, f)| f)),
        )
    } else {
        let published = published_figures(&mut tx, fy).await?;
        let published_before = published_figures(&mut tx, previous).await?;
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

/// The columns of one year in the CSV: each figure, then which value it is.
const YEAR_COLUMNS: [&str; 13] = [
    "対象者延人数",
    "対象者延人数の値",
    "工賃支払総額",
    "工賃支払総額の値",
    "平均工賃月額",
    "平均工賃月額の値",
    "延べ時間数",
    "延べ時間数の値",
    "平均工賃時間額",
    "平均工賃時間額の値",
    "平均工賃月額(令和6年度の算式)",
    "報酬区分",
    "見込み",
];

/// What a CSV cell's value is: `公表` (as published), `訂正(公表 3,043,354)` (an accepted
/// correction), `公表(訂正案 3,643,354 確認待ち)`, `公表(訂正案 3,643,354 不採用)`, `入力`
/// (months entered in selpos), `計算` (an average computed from the totals).
fn cell_note(figures: &YearFigures, field: &str) -> String {
    if figures.source == "months" {
        return if field.ends_with("_avg") {
            "計算"
        } else {
            "入力"
        }
        .to_string();
    }
    let Some(c) = figures.corrections.iter().find(|c| c.field == field) else {
        return "公表".to_string();
    };
    let proposed = c.proposed_text.clone().unwrap_or_else(|| "値なし".into());
    match (c.used, c.status) {
        (UsedValue::Corrected, _) => format!("訂正(公表 {})", c.published_text),
        (_, CorrectionStatus::Rejected) => format!("公表(訂正案 {proposed} 不採用)"),
        _ => format!("公表(訂正案 {proposed} 確認待ち)"),
    }
}

/// The table as CSV for Excel (UTF-8 with BOM), with a 合計 row. Beside each figure a cell says
/// which value it is (published, corrected, entered); a provisional year is marked 見込み.
pub fn table_csv(t: &WageTable) -> Result<Vec<u8>> {
    let mut out = ExcelCsv::new();
    let mut header: Vec<String> = ["番号", "事業所名", "法人種別", "定員", "年度"]
        .map(String::from)
        .to_vec();
    header.extend(YEAR_COLUMNS.iter().map(|c| c.to_string()));
    header.extend(YEAR_COLUMNS.iter().map(|c| format!("前年度 {c}")));
    out.row(&header)?;
    let cells = |f: Option<&YearFigures>| -> Vec<String> {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let avg = |v: Option<Tenths>| v.map(Tenths::plain).unwrap_or_default();
        match f {
            Some(f) => vec![
                opt(f.user_months),
                cell_note(f, "user_months"),
                opt(f.wages_paid.map(|w| w.0)),
                cell_note(f, "monthly_wage_total"),
                avg(f.average_monthly_wage),
                cell_note(f, "monthly_wage_avg"),
                opt(f.work_hours),
                cell_note(f, "work_hours"),
                avg(f.average_hourly_wage),
                cell_note(f, "hourly_wage_avg"),
                opt(f
                    .projected_fy2024_average_monthly_wage
                    .or(f.fy2024_average_monthly_wage)
                    .map(|w| w.0)),
                f.band.as_ref().map(|b| b.label.clone()).unwrap_or_default(),
                if f.provisional {
                    format!("見込み({}か月分)", f.months_covered.unwrap_or(0))
                } else {
                    String::new()
                },
            ],
            None => vec![String::new(); YEAR_COLUMNS.len()],
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
    let total = |s: &WageTableTotals| -> Vec<String> {
        let avg = |v: Option<Tenths>| v.map(Tenths::plain).unwrap_or_default();
        vec![
            s.user_months.to_string(),
            String::new(),
            s.wages_paid.0.to_string(),
            String::new(),
            avg(s.average_monthly_wage),
            "計算".into(),
            s.work_hours.to_string(),
            String::new(),
            avg(s.average_hourly_wage),
            "計算".into(),
            String::new(),
            String::new(),
            if s.provisional > 0 {
                format!("見込みを含む({}事業所)", s.provisional)
            } else {
                String::new()
            },
        ]
    };
    let mut record = vec![
        String::new(),
        "合計".into(),
        String::new(),
        String::new(),
        t.fiscal_year.short_label(),
    ];
    record.extend(total(&t.totals));
    record.extend(total(&t.previous_totals));
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

/// What a real import is told to do beyond writing the rows.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Check and report only; write nothing.
    pub dry_run: bool,
    /// Create the facilities of the file that selpos does not know (the dry run lists them).
    pub create_facilities: bool,
    /// Facility numbers whose rows go to selpos's facility of that number although the names
    /// differ (each must be a `name_differs` facility of the file).
    pub confirm_names: Vec<i64>,
}

/// Imports the prefecture's table: checks every row, proposes a correction for each figure that
/// disagrees with the others, and matches the facilities by number and name. A dry run writes
/// nothing. A real import writes every row with its published cells as published and its
/// proposals as pending corrections, or — on any unreadable row, unsettled facility match or
/// new facility not confirmed — nothing at all.
pub async fn import(
    db: &Db,
    actor: &Principal,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<WageImportReport> {
    allow(actor.may_manage_council_data())?;
    let rows = parse_table(bytes)?;
    let discrepancies: Vec<_> = rows.iter().flat_map(wages::check_row).collect();
    let proposals: Vec<_> = rows.iter().flat_map(wages::propose_corrections).collect();
    let mut fiscal_years: Vec<FiscalYear> = rows.iter().map(|r| r.fiscal_year).collect();
    fiscal_years.sort();
    fiscal_years.dedup();
    let mut tx = db.write().await?;
    let known: Vec<KnownFacility> = db::facilities::list(&mut tx, &Default::default())
        .await?
        .into_iter()
        .map(|f| KnownFacility {
            id: f.id,
            number: f.number,
            name: f.name,
        })
        .collect();
    let mut matches = wages::match_facilities(&rows, &known);
    let mut confirmations = FieldErrors::default();
    for number in &options.confirm_names {
        match matches.iter_mut().find(|m| m.number == *number) {
            Some(m) if m.status == FacilityMatchStatus::NameDiffers => {
                m.facility_id = known.iter().find(|k| k.number == *number).map(|k| k.id);
            }
            _ => confirmations.add(
                "confirm_names",
                "not_found",
                format!("番号 {number} は、この表で名前の違う事業所ではありません"),
            ),
        }
    }
    if !confirmations.is_empty() {
        return Err(Error::Validation(confirmations));
    }
    let mut problems = FieldErrors::default();
    for m in &matches {
        let settled =
            m.facility_id.is_some() || (m.status == FacilityMatchStatus::New && options.create_facilities);
        if !settled {
            let first = m.rows.first().copied().unwrap_or(0);
            let lines: Vec<String> = m.rows.iter().map(ToString::to_string).collect();
            problems.add(
                format!("row[{first}].facility"),
                m.status.code(),
                format!("{}行目: {}", lines.join("・"), m.message),
            );
        }
    }
    let mut report = WageImportReport {
        dry_run: options.dry_run,
        written: false,
        rows: rows.len(),
        fiscal_years,
        facilities_matched: matches.iter().filter(|m| m.facility_id.is_some()).count(),
        facilities_created: matches
            .iter()
            .filter(|m| m.status == FacilityMatchStatus::New)
            .count(),
        facilities: matches
            .iter()
            .filter(|m| m.status != FacilityMatchStatus::Matched)
            .cloned()
            .collect(),
        discrepancies,
        proposals,
    };
    if options.dry_run {
        return Ok(report);
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let now = Utc::now();
    let mut ids: BTreeMap<i64, i64> = matches
        .iter()
        .filter_map(|m| m.facility_id.map(|id| (m.number, id)))
        .collect();
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
                audit::record(
                    &mut tx,
                    actor,
                    "facility.create",
                    "facility",
                    created.id,
                    None::<&()>,
                    Some(&created),
                )
                .await?;
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
            source_row: i64::try_from(row.row).unwrap_or(i64::MAX),
            published_name: row.facility.clone(),
            monthly_wage_avg: row.monthly_wage_avg.map(|t| t.0),
            hourly_wage_total: row.hourly_wage_total.map(|t| t.0),
            hourly_wage_avg: row.hourly_wage_avg.map(|t| t.0),
        };
        db::wages::put_year(&mut tx, &year, now).await?;
        let mine: Vec<db::wages::NewCorrection> = report
            .proposals
            .iter()
            .filter(|p| p.row == row.row)
            .map(|p| db::wages::NewCorrection {
                field: &p.field,
                published: p.published,
                proposed: p.proposed,
                code: p.code.as_str(),
                reason: &p.reason,
                explains: p.explains.join(","),
            })
            .collect();
        db::wages::replace_corrections(&mut tx, facility_id, row.fiscal_year.0, &mine, now).await?;
    }
    report.written = true;
    let summary = serde_json::json!({"rows": report.rows, "fiscal_years": report.fiscal_years,
        "facilities_created": report.facilities_created, "confirmed_names": options.confirm_names,
        "discrepancies": report.discrepancies.len(), "proposals": report.proposals.len()});
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

/// The corrections of the prefecture's table: the council's list to decide.
pub async fn corrections(
    db: &Db,
    actor: &Principal,
    fiscal_year: Option<i32>,
    status: Option<CorrectionStatus>,
) -> Result<Vec<WageCorrection>> {
    allow(actor.may_manage_council_data())?;
    if let Some(year) = fiscal_year {
        FiscalYear::validated("fiscal_year", i64::from(year))?;
    }
    let mut tx = db.read().await?;
    let filter = db::wages::CorrectionFilter {
        fiscal_year,
        facility_id: None,
        status: status.map(CorrectionStatus::as_str),
    };
    Ok(db::wages::corrections(&mut tx, &filter)
        .await?
        .into_iter()
        .map(correction_of)
        .collect())
}

/// The council accepts a correction (the table then uses the corrected value), rejects it (the
/// published value stands) or sets it back to pending. Audited with the correction before and
/// after.
pub async fn decide(
    db: &Db,
    actor: &Principal,
    id: i64,
    input: &CorrectionDecisionInput,
) -> Result<WageCorrection> {
    allow(actor.may_manage_council_data())?;
    let mut tx = db.write().await?;
    let before = db::wages::correction(&mut tx, id)
        .await?
        .map(correction_of)
        .ok_or(Error::NotFound("訂正案"))?;
    if input.status == CorrectionStatus::Accepted && before.proposed.is_none() {
        return Err(Error::Refused {
            code: "no_proposed_value",
            message: "この訂正案には値がないため採用できません。公表元の資料を確かめてください".into(),
        });
    }
    let decided = (input.status != CorrectionStatus::Pending)
        .then(|| ((actor.user_id > 0).then_some(actor.user_id), Utc::now()));
    db::wages::decide_correction(
        &mut tx,
        id,
        input.status.as_str(),
        decided.and_then(|(by, _)| by),
        decided.map(|(_, at)| at),
    )
    .await?;
    let after = db::wages::correction(&mut tx, id)
        .await?
        .map(correction_of)
        .ok_or(Error::NotFound("訂正案"))?;
    audit::commit(
        tx,
        actor,
        "wages.correction",
        "wage_correction",
        id,
        Some(&before),
        after,
    )
    .await
}
