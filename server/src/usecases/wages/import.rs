//! The import of the prefecture's table (checked row by row, all rows or none; facilities
//! matched by number and name; a correction proposed for every figure that disagrees) and the
//! council's decisions on the corrections.

use super::table::correction_of;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::usecases::{allow, audit};
use chrono::Utc;
use selpos_domain::access::Principal;
use selpos_domain::facilities::FacilityInput;
use selpos_domain::validation::{FieldError, FieldErrors};
use selpos_domain::wages;
use selpos_domain::wages::{
    CorrectionDecisionInput, CorrectionStatus, FacilityMatchStatus, FiscalYear, KnownFacility,
    PUBLISHED_COLUMNS, PublishedWageRow, WageCorrection, WageImportReport,
};
use std::collections::BTreeMap;

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
