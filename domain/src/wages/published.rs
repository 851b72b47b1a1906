//! The prefecture's published table (工賃実績一覧): its columns, a row read from it, the check
//! of each published average against its own totals, and the prefecture's totals per year.

use crate::money::Yen;
use crate::validation::FieldErrors;
use crate::wages::FiscalYear;
use crate::wages::Tenths;
use crate::wages::WageParseError;
use crate::wages::group_digits;
use crate::wages::parse_grouped_number;
use crate::wages::parse_tenths;
use serde::{Deserialize, Serialize};

/// The columns of the table's CSV, in order: a row is read from exactly these 11 cells.
pub const PUBLISHED_COLUMNS: [&str; 11] = [
    "no",
    "facility",
    "corp_type",
    "fiscal_year",
    "capacity",
    "user_months",
    "monthly_wage_total",
    "monthly_wage_avg",
    "work_hours",
    "hourly_wage_total",
    "hourly_wage_avg",
];

/// The Japanese names of [`PUBLISHED_COLUMNS`], as the printed table heads them.
pub const PUBLISHED_COLUMN_NAMES: [&str; 11] = [
    "番号",
    "事業所名",
    "法人種別",
    "年度",
    "定員",
    "対象者延人数",
    "月額の工賃支払総額",
    "月額の工賃平均額",
    "延べ時間数",
    "時間額の工賃支払総額",
    "時間額の工賃平均額",
];

fn column_name(field: &str) -> &'static str {
    PUBLISHED_COLUMNS
        .iter()
        .position(|c| *c == field)
        .map_or("", |i| PUBLISHED_COLUMN_NAMES[i])
}

/// One facility's figures for one fiscal year, as the prefecture published them. A blank cell
/// is `None`: not an error, but the checks that need it are skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedWageRow {
    /// Where the row is in its file: the 1-based line number counting the header as line 1,
    /// so the first facility is row 2 — the number a spreadsheet shows beside it.
    pub row: usize,
    /// The facility's number in the table.
    pub number: i64,
    pub facility: String,
    /// 法人種別 1–6 ([`crate::facilities::CORPORATION_TYPES`]).
    pub corporation_type: i64,
    pub fiscal_year: FiscalYear,
    pub capacity: Option<i64>,
    pub user_months: Option<i64>,
    pub monthly_wage_total: Option<Yen>,
    pub monthly_wage_avg: Option<Tenths>,
    pub work_hours: Option<i64>,
    pub hourly_wage_total: Option<Yen>,
    pub hourly_wage_avg: Option<Tenths>,
}

/// Reads one cell, reporting a problem against its column; blank is `Ok(None)`.
fn cell<T>(
    e: &mut FieldErrors,
    row: usize,
    field: &str,
    text: &str,
    parse: impl Fn(&str) -> Result<T, WageParseError>,
) -> Option<T> {
    if text.trim().is_empty() {
        return None;
    }
    match parse(text) {
        Ok(value) => Some(value),
        Err(err) => {
            e.add(
                field,
                err.code(),
                format!("{row}行目の{}: {err}", column_name(field)),
            );
            None
        }
    }
}

/// A blank required cell.
fn required<T>(e: &mut FieldErrors, row: usize, field: &str, value: Option<T>, text: &str) -> Option<T> {
    if value.is_none() && text.trim().is_empty() {
        e.add(
            field,
            "required",
            format!("{row}行目の{}がありません", column_name(field)),
        );
    }
    value
}

/// A published count or amount cannot be negative.
fn non_negative(e: &mut FieldErrors, row: usize, field: &str, value: Option<i64>) -> Option<i64> {
    if value.is_some_and(|v| v < 0) {
        e.add(
            field,
            "out_of_range",
            format!("{row}行目の{}が負の値です", column_name(field)),
        );
    }
    value
}

impl PublishedWageRow {
    /// Reads the 11 cells of one line in the order of [`PUBLISHED_COLUMNS`] (already split and
    /// unquoted by the caller's CSV reader). `row` is the line number, header = line 1. Every
    /// problem is reported per column, in Japanese, naming the line and the column.
    pub fn from_fields(row: usize, cells: &[&str]) -> Result<PublishedWageRow, FieldErrors> {
        let mut e = FieldErrors::default();
        if cells.len() != PUBLISHED_COLUMNS.len() {
            e.add(
                "columns",
                "format",
                format!(
                    "{row}行目の列の数が{}ではありません({}列)",
                    PUBLISHED_COLUMNS.len(),
                    cells.len()
                ),
            );
            return Err(e);
        }
        let e = &mut e;
        let number = cell(e, row, "no", cells[0], parse_grouped_number);
        let number = required(e, row, "no", number, cells[0]);
        let facility = cells[1].trim().to_string();
        if facility.is_empty() {
            e.add("facility", "required", format!("{row}行目の事業所名がありません"));
        }
        let corporation_type = cell(e, row, "corp_type", cells[2], parse_grouped_number);
        let corporation_type = required(e, row, "corp_type", corporation_type, cells[2]);
        if corporation_type.is_some_and(|t| !(1..=6).contains(&t)) {
            e.add(
                "corp_type",
                "out_of_range",
                format!("{row}行目の法人種別は1から6の範囲です"),
            );
        }
        let fiscal_year = cell(e, row, "fiscal_year", cells[3], FiscalYear::parse_label);
        let fiscal_year = required(e, row, "fiscal_year", fiscal_year, cells[3]);
        let count = |e: &mut FieldErrors, i: usize| {
            let value = cell(e, row, PUBLISHED_COLUMNS[i], cells[i], parse_grouped_number);
            non_negative(e, row, PUBLISHED_COLUMNS[i], value)
        };
        let capacity = count(e, 4);
        let user_months = count(e, 5);
        let monthly_wage_total = count(e, 6).map(Yen);
        let work_hours = count(e, 8);
        let hourly_wage_total = count(e, 9).map(Yen);
        let average = |e: &mut FieldErrors, i: usize| {
            let value = cell(e, row, PUBLISHED_COLUMNS[i], cells[i], parse_tenths);
            non_negative(e, row, PUBLISHED_COLUMNS[i], value.map(|t| t.0)).map(Tenths)
        };
        let monthly_wage_avg = average(e, 7);
        let hourly_wage_avg = average(e, 10);
        match (number, corporation_type, fiscal_year) {
            (Some(number), Some(corporation_type), Some(fiscal_year)) if e.is_empty() => {
                Ok(PublishedWageRow {
                    row,
                    number,
                    facility,
                    corporation_type,
                    fiscal_year,
                    capacity,
                    user_months,
                    monthly_wage_total,
                    monthly_wage_avg,
                    work_hours,
                    hourly_wage_total,
                    hourly_wage_avg,
                })
            }
            _ => Err(std::mem::take(e)),
        }
    }

    /// Whether the facility reported wages that year (a positive total).
    pub fn has_wages(&self) -> bool {
        self.monthly_wage_total
            .or(self.hourly_wage_total)
            .is_some_and(|w| w.0 > 0)
    }
}

/// A published figure that disagrees with the row's own totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Discrepancy {
    /// [`PublishedWageRow::row`]: the line in the file, header = 1.
    pub row: usize,
    pub number: i64,
    pub facility: String,
    pub fiscal_year: FiscalYear,
    /// The column whose published value disagrees with the others (`monthly_wage_avg`,
    /// `hourly_wage_avg`, `hourly_wage_total`). Which figure is actually misread is the
    /// business of [`crate::wages::propose_corrections`]: a misread total shows here as its
    /// averages disagreeing.
    pub field: String,
    /// The published value, as [`Tenths`] or grouped yen prints it (`19,710.0`, `4,914,523`).
    pub published: String,
    /// What the row's other columns give (`197.0`); `None` when nothing can be computed
    /// (no users or no hours).
    pub recomputed: Option<String>,
    /// For staff, in Japanese.
    pub message: String,
}

/// Compares a published one-decimal average with `total ÷ divisor`; the rule is at [`check_row`].
fn check_average(
    out: &mut Vec<Discrepancy>,
    row: &PublishedWageRow,
    field: &str,
    (total, total_name): (Option<Yen>, &str),
    (divisor, divisor_name, unit): (Option<i64>, &str, &str),
    published: Option<Tenths>,
) {
    let (Some(total), Some(divisor), Some(published)) = (total, divisor, published) else {
        return;
    };
    let name = column_name(field);
    let (recomputed, message) = match Tenths::ratio(total.0, divisor) {
        Some(recomputed) if recomputed == published => return,
        Some(recomputed) => (
            Some(recomputed.to_string()),
            format!(
                "{name} {published}(公表)と、{total_name} {}円 ÷ {divisor_name} {}{unit} = {recomputed} が合いません",
                total.grouped(),
                group_digits(divisor.unsigned_abs()),
            ),
        ),
        None if total.0 == 0 && published == Tenths::ZERO => return,
        None if total.0 == 0 => (
            None,
            format!("{divisor_name}が0なのに{name}が {published} と公表されています"),
        ),
        None => (
            None,
            format!(
                "{total_name}が {}円 あるのに{divisor_name}が0です",
                total.grouped()
            ),
        ),
    };
    out.push(Discrepancy {
        row: row.row,
        number: row.number,
        facility: row.facility.clone(),
        fiscal_year: row.fiscal_year,
        field: field.to_string(),
        published: published.to_string(),
        recomputed,
        message,
    });
}

/// Every figure of a published row that disagrees with the row's own totals:
///
/// - `monthly_wage_avg` must be `monthly_wage_total ÷ user_months`, one decimal half up;
/// - `hourly_wage_avg` must be `hourly_wage_total ÷ work_hours`, one decimal half up;
/// - `hourly_wage_total` must equal `monthly_wage_total`: both are the wages paid that year.
///
/// A blank cell is not a discrepancy; it only skips the checks that need it.
///
/// Tolerance: the rounding and nothing else. The recomputed average, rounded half up to one
/// decimal, must equal the published one exactly. The table rounds half up (68 rows of the
/// H27/H28 table differ between rounding and truncating, and every one of them publishes the
/// rounded figure) and no faulty row would pass if truncation were accepted, so it is not.
/// With no divisor (0 users or 0 hours) the table writes 0.0, which is consistent only when
/// nothing was paid.
pub fn check_row(row: &PublishedWageRow) -> Vec<Discrepancy> {
    let mut out = Vec::new();
    check_average(
        &mut out,
        row,
        "monthly_wage_avg",
        (row.monthly_wage_total, "月額の工賃支払総額"),
        (row.user_months, "対象者延人数", "人"),
        row.monthly_wage_avg,
    );
    check_average(
        &mut out,
        row,
        "hourly_wage_avg",
        (row.hourly_wage_total, "時間額の工賃支払総額"),
        (row.work_hours, "延べ時間数", "時間"),
        row.hourly_wage_avg,
    );
    if let (Some(monthly), Some(hourly)) = (row.monthly_wage_total, row.hourly_wage_total)
        && monthly != hourly
    {
        out.push(Discrepancy {
            row: row.row,
            number: row.number,
            facility: row.facility.clone(),
            fiscal_year: row.fiscal_year,
            field: "hourly_wage_total".into(),
            published: hourly.grouped(),
            recomputed: Some(monthly.grouped()),
            message: format!(
                "時間額の工賃支払総額 {}円 と月額の工賃支払総額 {}円 が合いません(同じ年度の支払総額です)",
                hourly.grouped(),
                monthly.grouped()
            ),
        });
    }
    out
}

/// A prefecture's summary of one fiscal year, as its summary table has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrefectureTotals {
    pub fiscal_year: FiscalYear,
    /// Rows of the year (one per facility), reporting or not.
    pub facilities: i64,
    /// Rows with wages paid ([`PublishedWageRow::has_wages`]).
    pub reporting_facilities: i64,
    /// Σ user-months.
    pub user_months: i64,
    /// Σ work hours.
    pub work_hours: i64,
    /// Σ wages paid (the monthly columns' totals).
    pub wages_paid: Yen,
    /// Σ monthly totals ÷ Σ user-months, over the rows that have both; one decimal half up.
    pub average_monthly_wage: Option<Tenths>,
    /// Σ hourly totals ÷ Σ work hours, over the rows that have both; one decimal half up.
    pub average_hourly_wage: Option<Tenths>,
}

/// The summary of the rows of `fiscal_year`. Averages are ratios of sums (never averages of
/// the facilities' averages, which would weigh a small workshop like a large one), each over
/// the rows that have both of its figures so that a blank cell does not dilute them.
pub fn prefecture_totals(fiscal_year: FiscalYear, rows: &[PublishedWageRow]) -> PrefectureTotals {
    let mut t = PrefectureTotals {
        fiscal_year,
        facilities: 0,
        reporting_facilities: 0,
        user_months: 0,
        work_hours: 0,
        wages_paid: Yen::ZERO,
        average_monthly_wage: None,
        average_hourly_wage: None,
    };
    let (mut monthly_wages, mut monthly_users) = (0i64, 0i64);
    let (mut hourly_wages, mut hourly_hours) = (0i64, 0i64);
    for r in rows.iter().filter(|r| r.fiscal_year == fiscal_year) {
        t.facilities += 1;
        if r.has_wages() {
            t.reporting_facilities += 1;
        }
        t.user_months = t.user_months.saturating_add(r.user_months.unwrap_or(0));
        t.work_hours = t.work_hours.saturating_add(r.work_hours.unwrap_or(0));
        t.wages_paid = Yen(t
            .wages_paid
            .0
            .saturating_add(r.monthly_wage_total.map_or(0, |w| w.0)));
        if let (Some(w), Some(u)) = (r.monthly_wage_total, r.user_months) {
            monthly_wages = monthly_wages.saturating_add(w.0);
            monthly_users = monthly_users.saturating_add(u);
        }
        if let (Some(w), Some(h)) = (r.hourly_wage_total, r.work_hours) {
            hourly_wages = hourly_wages.saturating_add(w.0);
            hourly_hours = hourly_hours.saturating_add(h);
        }
    }
    t.average_monthly_wage = Tenths::ratio(monthly_wages, monthly_users);
    t.average_hourly_wage = Tenths::ratio(hourly_wages, hourly_hours);
    t
}

/// [`prefecture_totals`] for every fiscal year present in `rows`, oldest first.
pub fn prefecture_totals_by_year(rows: &[PublishedWageRow]) -> Vec<PrefectureTotals> {
    let years: std::collections::BTreeSet<FiscalYear> = rows.iter().map(|r| r.fiscal_year).collect();
    years.into_iter().map(|fy| prefecture_totals(fy, rows)).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::validation::field_codes as error_fields;

    // --- the published table --------------------------------------------------------------

    /// A line of the table's CSV split on commas outside double quotes, quotes removed: the
    /// server reads the file with the `csv` crate; the domain's tests need no more than this.
    fn split_csv_line(line: &str) -> Vec<String> {
        let mut cells = vec![String::new()];
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => cells.push(String::new()),
                _ => cells.last_mut().expect("a cell").push(c),
            }
        }
        cells
    }

    pub(crate) fn parse_line(row: usize, line: &str) -> Result<PublishedWageRow, FieldErrors> {
        let cells = split_csv_line(line);
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        PublishedWageRow::from_fields(row, &cells)
    }

    const TABLE: &str = include_str!("../../../server/data/gunma-wage-h27-h28.csv");

    pub(crate) fn table() -> Vec<PublishedWageRow> {
        let mut lines = TABLE.lines();
        let header = lines.next().expect("header");
        assert_eq!(split_csv_line(header), PUBLISHED_COLUMNS.map(String::from));
        lines
            .enumerate()
            .map(|(i, line)| parse_line(i + 2, line).unwrap_or_else(|e| panic!("line {}: {e:?}", i + 2)))
            .collect()
    }

    #[test]
    fn a_row_reads_quoted_thousands() {
        let row = parse_line(
            2,
            r#"1,わーくはうすてっぶ,2,H27,20,492,"12,496,530","25,399.5","49,006","12,496,530","25,399.5""#,
        )
        .expect("valid");
        assert_eq!(
            row,
            PublishedWageRow {
                row: 2,
                number: 1,
                facility: "わーくはうすてっぶ".into(),
                corporation_type: 2,
                fiscal_year: FiscalYear(2015),
                capacity: Some(20),
                user_months: Some(492),
                monthly_wage_total: Some(Yen(12_496_530)),
                monthly_wage_avg: Some(Tenths(253_995)),
                work_hours: Some(49_006),
                hourly_wage_total: Some(Yen(12_496_530)),
                hourly_wage_avg: Some(Tenths(253_995)),
            }
        );
        assert!(row.has_wages());
    }

    #[test]
    fn a_row_with_blank_cells() {
        let row = parse_line(152, "95,トモロースタジオ倉賀野,4,H27,,,,0.0,0,0,0.0").expect("valid");
        assert_eq!(row.capacity, None);
        assert_eq!(row.user_months, None);
        assert_eq!(row.monthly_wage_total, None);
        assert_eq!(row.monthly_wage_avg, Some(Tenths::ZERO));
        assert_eq!(row.work_hours, Some(0));
        assert_eq!(row.hourly_wage_total, Some(Yen(0)));
        assert!(!row.has_wages());
        assert_eq!(check_row(&row), []); // blank cells skip checks; 0 hours and 0.0 agree
    }

    #[test]
    fn row_errors_name_the_line_and_the_column() {
        let errors = parse_line(5, r#"x,,9,H99,20,-3,"1,2x","25,399.55",,"1,23,4","#).expect_err("bad");
        assert_eq!(
            error_fields(errors.clone()),
            [
                ("no", "format"),
                ("facility", "required"),
                ("corp_type", "out_of_range"),
                ("fiscal_year", "format"),
                ("user_months", "out_of_range"),
                ("monthly_wage_total", "format"),
                ("hourly_wage_total", "format"),
                ("monthly_wage_avg", "format"),
            ]
            .map(|(f, c)| (f.to_string(), c.to_string()))
        );
        let messages: Vec<&str> = errors.0.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages[0], "5行目の番号: 数値ではありません:「x」");
        assert_eq!(messages[4], "5行目の対象者延人数が負の値です");
        assert_eq!(
            messages[5],
            "5行目の月額の工賃支払総額: 数値ではありません:「1,2x」"
        );
        assert_eq!(
            messages[6],
            "5行目の時間額の工賃支払総額: 桁区切りのカンマの位置が正しくありません:「1,23,4」"
        );
        assert_eq!(
            messages[7],
            "5行目の月額の工賃平均額: 小数点以下は1桁までです:「25,399.55」"
        );

        let short = parse_line(7, "1,a,2,H27").expect_err("4 cells");
        assert_eq!(short.0[0].field, "columns");
        assert_eq!(short.0[0].message, "7行目の列の数が11ではありません(4列)");
        let missing = parse_line(8, ",a,,,,,,,,,").expect_err("blank keys");
        assert_eq!(
            error_fields(missing),
            [
                ("no", "required"),
                ("corp_type", "required"),
                ("fiscal_year", "required")
            ]
            .map(|(f, c)| (f.to_string(), c.to_string()))
        );
    }

    #[test]
    fn check_row_finds_a_wrong_hourly_average() {
        let row = parse_line(
            3,
            r#"1,わーくはうすてっぶ,2,H28,20,281,"5,530,860","19,682.8","28,075","5,530,860","19,710""#,
        )
        .expect("valid");
        assert_eq!(
            check_row(&row),
            [Discrepancy {
                row: 3,
                number: 1,
                facility: "わーくはうすてっぶ".into(),
                fiscal_year: FiscalYear(2016),
                field: "hourly_wage_avg".into(),
                published: "19,710.0".into(),
                recomputed: Some("197.0".into()),
                message: "時間額の工賃平均額 19,710.0(公表)と、時間額の工賃支払総額 5,530,860円 ÷ 延べ時間数 28,075時間 = 197.0 が合いません".into(),
            }]
        );
    }

    #[test]
    fn check_row_compares_the_two_totals() {
        // Row 26, H28: the monthly average fits the hourly column's total (4,914,523 ÷ 361 =
        // 13,613.6), not its own (4,914,553 ÷ 361 = 13,613.7): one of the totals is misprinted.
        let row = parse_line(
            53,
            r#"26,あいほーとあすなろ,5,H28,20,361,"4,914,553","13,613.6","23,742","4,914,523","20,710""#,
        )
        .expect("valid");
        let found = check_row(&row);
        let summary: Vec<(&str, &str, Option<&str>)> = found
            .iter()
            .map(|d| (d.field.as_str(), d.published.as_str(), d.recomputed.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("monthly_wage_avg", "13,613.6", Some("13,613.7")),
                ("hourly_wage_avg", "20,710.0", Some("207.0")),
                ("hourly_wage_total", "4,914,523", Some("4,914,553")),
            ]
        );
        assert!(found[2].message.contains("が合いません"));
    }

    #[test]
    fn check_row_without_divisors() {
        let base = parse_line(2, "1,a,2,H28,20,0,0,0.0,0,0,0.0").expect("valid");
        assert_eq!(check_row(&base), []);
        let avg_without_users = PublishedWageRow {
            monthly_wage_avg: Some(Tenths(50)),
            ..base.clone()
        };
        let found = check_row(&avg_without_users);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].recomputed, None);
        assert_eq!(
            found[0].message,
            "対象者延人数が0なのに月額の工賃平均額が 5.0 と公表されています"
        );
        let wages_without_hours = PublishedWageRow {
            hourly_wage_total: Some(Yen(1_000)),
            monthly_wage_total: Some(Yen(1_000)),
            user_months: Some(1),
            monthly_wage_avg: Some(Tenths(10_000)),
            ..base
        };
        let found = check_row(&wages_without_hours);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, "hourly_wage_avg");
        assert_eq!(
            found[0].message,
            "時間額の工賃支払総額が 1,000円 あるのに延べ時間数が0です"
        );
    }

    /// Every faulty figure of the real table, found independently (exact rational arithmetic in
    /// a throwaway script) and looked at by hand: (line in the file, column).
    ///
    /// - Lines 2–77 (facilities 1–38, the first page of the PDF): every published hourly average
    ///   is garbled in extraction (`19,710` for 197.0, `25,399.5` copied from the monthly one).
    /// - Monthly averages off by a misprinted digit or a wrong total: lines 11, 14, 32, 34, 38,
    ///   45, 53, 65, 72, 79, 88, 110, 119, 127, 168, 177, 189.
    /// - Hourly averages on later pages: lines 86, 88, 90, 99, 110, 111, 138, 154, 165, 167, 177,
    ///   189.
    /// - Line 53 (facility 26, H28): the two wage totals differ by ¥30.
    const INCONSISTENT: [(usize, &str); 106] = [
        (2, "hourly_wage_avg"),
        (3, "hourly_wage_avg"),
        (4, "hourly_wage_avg"),
        (5, "hourly_wage_avg"),
        (6, "hourly_wage_avg"),
        (7, "hourly_wage_avg"),
        (8, "hourly_wage_avg"),
        (9, "hourly_wage_avg"),
        (10, "hourly_wage_avg"),
        (11, "monthly_wage_avg"),
        (11, "hourly_wage_avg"),
        (12, "hourly_wage_avg"),
        (13, "hourly_wage_avg"),
        (14, "monthly_wage_avg"),
        (14, "hourly_wage_avg"),
        (15, "hourly_wage_avg"),
        (16, "hourly_wage_avg"),
        (17, "hourly_wage_avg"),
        (18, "hourly_wage_avg"),
        (19, "hourly_wage_avg"),
        (20, "hourly_wage_avg"),
        (21, "hourly_wage_avg"),
        (22, "hourly_wage_avg"),
        (23, "hourly_wage_avg"),
        (24, "hourly_wage_avg"),
        (25, "hourly_wage_avg"),
        (26, "hourly_wage_avg"),
        (27, "hourly_wage_avg"),
        (28, "hourly_wage_avg"),
        (29, "hourly_wage_avg"),
        (30, "hourly_wage_avg"),
        (31, "hourly_wage_avg"),
        (32, "monthly_wage_avg"),
        (32, "hourly_wage_avg"),
        (33, "hourly_wage_avg"),
        (34, "monthly_wage_avg"),
        (34, "hourly_wage_avg"),
        (35, "hourly_wage_avg"),
        (36, "hourly_wage_avg"),
        (37, "hourly_wage_avg"),
        (38, "monthly_wage_avg"),
        (38, "hourly_wage_avg"),
        (39, "hourly_wage_avg"),
        (40, "hourly_wage_avg"),
        (41, "hourly_wage_avg"),
        (42, "hourly_wage_avg"),
        (43, "hourly_wage_avg"),
        (44, "hourly_wage_avg"),
        (45, "monthly_wage_avg"),
        (45, "hourly_wage_avg"),
        (46, "hourly_wage_avg"),
        (47, "hourly_wage_avg"),
        (48, "hourly_wage_avg"),
        (49, "hourly_wage_avg"),
        (50, "hourly_wage_avg"),
        (51, "hourly_wage_avg"),
        (52, "hourly_wage_avg"),
        (53, "monthly_wage_avg"),
        (53, "hourly_wage_avg"),
        (53, "hourly_wage_total"),
        (54, "hourly_wage_avg"),
        (55, "hourly_wage_avg"),
        (56, "hourly_wage_avg"),
        (57, "hourly_wage_avg"),
        (58, "hourly_wage_avg"),
        (59, "hourly_wage_avg"),
        (60, "hourly_wage_avg"),
        (61, "hourly_wage_avg"),
        (62, "hourly_wage_avg"),
        (63, "hourly_wage_avg"),
        (64, "hourly_wage_avg"),
        (65, "monthly_wage_avg"),
        (65, "hourly_wage_avg"),
        (66, "hourly_wage_avg"),
        (67, "hourly_wage_avg"),
        (68, "hourly_wage_avg"),
        (69, "hourly_wage_avg"),
        (70, "hourly_wage_avg"),
        (71, "hourly_wage_avg"),
        (72, "monthly_wage_avg"),
        (72, "hourly_wage_avg"),
        (73, "hourly_wage_avg"),
        (74, "hourly_wage_avg"),
        (75, "hourly_wage_avg"),
        (76, "hourly_wage_avg"),
        (77, "hourly_wage_avg"),
        (79, "monthly_wage_avg"),
        (86, "hourly_wage_avg"),
        (88, "monthly_wage_avg"),
        (88, "hourly_wage_avg"),
        (90, "hourly_wage_avg"),
        (99, "hourly_wage_avg"),
        (110, "monthly_wage_avg"),
        (110, "hourly_wage_avg"),
        (111, "hourly_wage_avg"),
        (119, "monthly_wage_avg"),
        (127, "monthly_wage_avg"),
        (138, "hourly_wage_avg"),
        (154, "hourly_wage_avg"),
        (165, "hourly_wage_avg"),
        (167, "hourly_wage_avg"),
        (168, "monthly_wage_avg"),
        (177, "monthly_wage_avg"),
        (177, "hourly_wage_avg"),
        (189, "monthly_wage_avg"),
        (189, "hourly_wage_avg"),
    ];

    #[test]
    fn the_real_table_parses_and_its_faults_are_found() {
        let rows = table();
        assert_eq!(rows.len(), 190);
        assert_eq!(
            rows.iter().filter(|r| r.fiscal_year == FiscalYear(2015)).count(),
            114
        );
        assert_eq!(
            rows.iter().filter(|r| r.fiscal_year == FiscalYear(2016)).count(),
            76
        );
        let found: Vec<Discrepancy> = rows.iter().flat_map(check_row).collect();
        for d in &found {
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                d.row,
                d.facility,
                d.fiscal_year.short_label(),
                d.field,
                d.published,
                d.recomputed.as_deref().unwrap_or("—"),
                d.message
            );
        }
        let found_keys: Vec<(usize, &str)> = found.iter().map(|d| (d.row, d.field.as_str())).collect();
        assert_eq!(found_keys, INCONSISTENT);
        // All but line 152 (blank user-months) had their monthly average checked.
        let checked = rows
            .iter()
            .filter(|r| r.monthly_wage_avg.is_some() && r.user_months.is_some())
            .count();
        assert_eq!(checked, 189);
    }

    #[test]
    fn prefecture_totals_of_the_real_table() {
        let rows = table();
        let totals = prefecture_totals_by_year(&rows);
        assert_eq!(
            totals,
            [
                PrefectureTotals {
                    fiscal_year: FiscalYear(2015),
                    facilities: 114,
                    reporting_facilities: 103,
                    user_months: 27_225,
                    work_hours: 2_255_179,
                    wages_paid: Yen(464_445_380),
                    average_monthly_wage: Some(Tenths(170_595)), // 17,059.5
                    average_hourly_wage: Some(Tenths(2_059)),    // 205.9
                },
                PrefectureTotals {
                    fiscal_year: FiscalYear(2016),
                    facilities: 76,
                    reporting_facilities: 71,
                    user_months: 19_144,
                    work_hours: 1_482_545,
                    wages_paid: Yen(305_583_994),
                    average_monthly_wage: Some(Tenths(159_624)), // 15,962.4
                    average_hourly_wage: Some(Tenths(2_061)),    // 206.1
                },
            ]
        );
        assert_eq!(prefecture_totals(FiscalYear(2025), &rows).facilities, 0);
        assert_eq!(
            prefecture_totals(FiscalYear(2025), &rows).average_monthly_wage,
            None
        );
    }
}
