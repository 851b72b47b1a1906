//! The prefecture's table of a fiscal year beside the year before: each facility's figures from
//! its entered months (見込み while the year runs) or from the published table (each cell as
//! published, or corrected once the council accepted the correction), and its CSV for Excel.

use super::tokyo_today;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::spreadsheet::ExcelCsv;
use crate::usecases::allow;
use chrono::NaiveDate;
use selpos_domain::Yen;
use selpos_domain::access::Principal;
use selpos_domain::income::ChannelAmounts;
use selpos_domain::wages;
use selpos_domain::wages::{
    CorrectionStatus, FiscalYear, ProposalCode, PublishedYear, Tenths, UsedValue, WageCorrection, WageTable,
    WageTableRow, WageTableTotals, WageTotals, YearFigures, YearProgress,
};
use std::collections::BTreeMap;

/// A stored correction as the API shows it.
pub(super) fn correction_of(row: db::wages::CorrectionRow) -> WageCorrection {
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
    let mut tx = db.report().await?;
    let facilities = db::facilities::list(&mut tx, &Default::default()).await?;
    let mut current = year_figures(&mut tx, fy, today).await?;
    let mut before = year_figures(&mut tx, previous, today).await?;
    let income = crate::usecases::income::ledger(&mut tx, actor.facility_scope(), fy).await?;
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
                council_income: income.get(&f.id).map_or(Yen(0), |months| {
                    let mut year = ChannelAmounts::default();
                    months.values().for_each(|m| year.add_all(m));
                    year.total()
                }),
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
    header.push("協議会経由の収入".into());
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
        record.push(r.council_income.0.to_string());
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
    record.push(
        t.rows
            .iter()
            .fold(0i64, |sum, r| sum.saturating_add(r.council_income.0))
            .to_string(),
    );
    out.row(&record)?;
    out.finish()
}
