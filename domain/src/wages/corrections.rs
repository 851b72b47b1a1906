//! What the import proposes for a published row whose figures disagree with one another: which
//! figure is most likely misread, its likely value, and the reasoning, in Japanese for staff and
//! as a code for programs. The published values themselves are never changed here: a proposal is
//! kept beside them until the council accepts or rejects it.
//!
//! The evidence is the row itself. Its wage total, user-months and work hours are the survey's
//! figures; the two averages are derived from them, so each average says where the total must
//! lie (`average × divisor`, give or take the rounding). The reasoning, in order:
//!
//! 1. **The total.** When the two total columns differ, the one both averages agree with is
//!    right and the other is misread. When they are equal but *both* averages disagree with
//!    them, and one total a single digit away (one digit changed, or two neighbouring digits
//!    swapped) fits both averages, the total is misread and that is its likely value
//!    ([`ProposalCode::TotalMisread`]).
//! 2. **The monthly average**, against the (possibly corrected) total: a recomputed average one
//!    digit from the published one means the average is misread; otherwise a user-month count
//!    one digit from the published one that gives the published average exactly means the
//!    count is; otherwise the average is taken as wrong (it is the derived figure).
//! 3. **The hourly average**, likewise with work hours, after two faults of the table's first
//!    page: an hourly average that is a copy of the monthly one, and one that lost its decimal
//!    point and gained a stray digit (`19,710` for 197.0: dropping one digit gives the figure).
//!
//! A discrepancy no single figure explains gets a proposal without a value
//! ([`ProposalCode::Unresolved`]): staff must look at the source.

use crate::wages::{Discrepancy, FiscalYear, PublishedWageRow, Tenths, check_row, group_digits};
use digits::{digit_slip, one_slip_away, slip_words};
use serde::{Deserialize, Serialize};

mod digits;

/// Why a figure is believed misread; the machine-readable side of
/// [`CorrectionProposal::reason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ProposalCode {
    /// Both averages agree on a wage total other than the published one: a total one digit away
    /// from it, or the other total column.
    TotalMisread,
    /// The monthly average disagrees with the total (which the hourly average, where there is
    /// one, confirms): the recomputed average is proposed.
    MonthlyAverageMisread,
    /// A user-month count one digit from the published one gives the published average.
    UserMonthsMisread,
    /// The hourly average disagrees with the total: the recomputed average is proposed.
    HourlyAverageMisread,
    /// The hourly average lost its decimal point and gained a stray digit; without that digit
    /// it is the recomputed average.
    HourlyAverageGarbled,
    /// The hourly average column holds the monthly average.
    HourlyAverageCopied,
    /// A work-hour count one digit from the published one gives the published hourly average.
    WorkHoursMisread,
    /// No single figure explains the discrepancy; no value is proposed.
    Unresolved,
}

impl ProposalCode {
    /// The code as stored and sent (`total_misread`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalCode::TotalMisread => "total_misread",
            ProposalCode::MonthlyAverageMisread => "monthly_average_misread",
            ProposalCode::UserMonthsMisread => "user_months_misread",
            ProposalCode::HourlyAverageMisread => "hourly_average_misread",
            ProposalCode::HourlyAverageGarbled => "hourly_average_garbled",
            ProposalCode::HourlyAverageCopied => "hourly_average_copied",
            ProposalCode::WorkHoursMisread => "work_hours_misread",
            ProposalCode::Unresolved => "unresolved",
        }
    }

    /// The code read back from storage.
    pub fn parse(code: &str) -> Option<ProposalCode> {
        [
            ProposalCode::TotalMisread,
            ProposalCode::MonthlyAverageMisread,
            ProposalCode::UserMonthsMisread,
            ProposalCode::HourlyAverageMisread,
            ProposalCode::HourlyAverageGarbled,
            ProposalCode::HourlyAverageCopied,
            ProposalCode::WorkHoursMisread,
            ProposalCode::Unresolved,
        ]
        .into_iter()
        .find(|c| c.as_str() == code)
    }
}

/// A correction the import proposes for one published figure.
///
/// Values are integers in the unit of their column: yen for the totals, a count for user-months
/// and work hours, tenths ([`Tenths`]) for the averages (see [`format_figure`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CorrectionProposal {
    /// [`PublishedWageRow::row`]: the line in the file, header = 1.
    pub row: usize,
    pub number: i64,
    pub facility: String,
    pub fiscal_year: FiscalYear,
    /// The column believed misread ([`crate::wages::PUBLISHED_COLUMNS`]).
    pub field: String,
    /// The value as published.
    pub published: Option<i64>,
    /// Its likely value; `None` for [`ProposalCode::Unresolved`].
    pub proposed: Option<i64>,
    pub code: ProposalCode,
    /// The reasoning, in Japanese.
    pub reason: String,
    /// The [`Discrepancy::field`]s of the row this proposal explains.
    pub explains: Vec<String>,
}

/// How a column's integer values are written: `3,643,354` (yen), `201` (counts), `18,126.1`
/// (averages, in tenths).
pub fn format_figure(field: &str, value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    match field {
        "monthly_wage_avg" | "hourly_wage_avg" => Tenths(value).grouped(),
        _ => format!("{sign}{}", group_digits(value.unsigned_abs())),
    }
}

/// The Japanese name of a column that a proposal may name.
pub fn figure_name(field: &str) -> &'static str {
    match field {
        "capacity" => "定員",
        "user_months" => "対象者延人数",
        "monthly_wage_total" => "月額の工賃支払総額",
        "monthly_wage_avg" => "月額の工賃平均額",
        "work_hours" => "延べ時間数",
        "hourly_wage_total" => "時間額の工賃支払総額",
        "hourly_wage_avg" => "時間額の工賃平均額",
        _ => "",
    }
}

// --- the evidence of a row --------------------------------------------------------------------

/// How the published hourly average is to be read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HourlyReading {
    /// As published.
    AsPublished,
    /// A copy of the monthly average: it says nothing about the hourly figures.
    Copied,
    /// Lost its decimal point and gained a stray digit: any of these values (tenths).
    Garbled(Vec<i64>),
}

/// Whether `total ÷ divisor`, one decimal half up, is `average`.
fn fits(total: i64, divisor: Option<i64>, average: Option<Tenths>) -> bool {
    matches!((divisor, average), (Some(d), Some(a)) if d > 0 && Tenths::ratio(total, d) == Some(a))
}

struct Evidence<'a> {
    row: &'a PublishedWageRow,
    hourly: HourlyReading,
}

impl Evidence<'_> {
    fn of(row: &PublishedWageRow) -> Evidence<'_> {
        let hourly = match (row.hourly_wage_total, row.work_hours, row.hourly_wage_avg) {
            (Some(total), Some(hours), Some(published)) if hours > 0 => {
                let recomputed = Tenths::ratio(total.0, hours);
                if recomputed == Some(published) {
                    HourlyReading::AsPublished
                } else if row.monthly_wage_avg == Some(published) && row.user_months != Some(hours) {
                    HourlyReading::Copied
                } else if published.0 % 10 == 0
                    && published.0 >= 100
                    && recomputed
                        .and_then(|r| r.0.checked_mul(10))
                        .is_some_and(|ten_times| published.0 >= ten_times)
                {
                    // Ten times what the row gives and printed without a decimal: read it as its
                    // digits less one, with the decimal point back before the last digit.
                    let digits = (published.0 / 10).to_string();
                    let mut readings: Vec<i64> = (0..digits.len())
                        .filter_map(|i| format!("{}{}", &digits[..i], &digits[i + 1..]).parse().ok())
                        .collect();
                    readings.sort_unstable();
                    readings.dedup();
                    HourlyReading::Garbled(readings)
                } else {
                    HourlyReading::AsPublished
                }
            }
            _ => HourlyReading::AsPublished,
        };
        Evidence { row, hourly }
    }

    /// Whether the monthly average agrees with a wage total.
    fn monthly_fits(&self, total: i64) -> bool {
        fits(total, self.row.user_months, self.row.monthly_wage_avg)
    }

    /// Whether the monthly average can say anything about the total.
    fn monthly_speaks(&self) -> bool {
        self.row.user_months.is_some_and(|u| u > 0) && self.row.monthly_wage_avg.is_some()
    }

    /// Whether the hourly average (read as [`HourlyReading`] says) agrees with a wage total.
    fn hourly_fits(&self, total: i64) -> bool {
        match &self.hourly {
            HourlyReading::AsPublished => fits(total, self.row.work_hours, self.row.hourly_wage_avg),
            HourlyReading::Copied => false,
            HourlyReading::Garbled(readings) => readings
                .iter()
                .any(|&r| fits(total, self.row.work_hours, Some(Tenths(r)))),
        }
    }

    fn hourly_speaks(&self) -> bool {
        self.row.work_hours.is_some_and(|h| h > 0)
            && self.row.hourly_wage_avg.is_some()
            && self.hourly != HourlyReading::Copied
    }

    /// `時間額の平均額 182.0(20,018時間)`, or for a garbled one `時間額の平均額(公表 14,822 を
    /// 148.2 と読んだ値、23,269時間)`.
    fn hourly_words(&self, total: i64) -> String {
        let hours = group_digits(self.row.work_hours.unwrap_or(0).unsigned_abs());
        let published = self.row.hourly_wage_avg.unwrap_or_default();
        match &self.hourly {
            HourlyReading::Garbled(_) => {
                let read = self
                    .row
                    .work_hours
                    .and_then(|h| Tenths::ratio(total, h))
                    .unwrap_or_default();
                format!(
                    "時間額の平均額(公表 {} を {read} と読んだ値、{hours}時間)",
                    group_digits(published.0.unsigned_abs() / 10)
                )
            }
            _ => format!("時間額の平均額 {published}({hours}時間)"),
        }
    }

    fn monthly_words(&self) -> String {
        format!(
            "月額の平均額 {}({}人)",
            self.row.monthly_wage_avg.unwrap_or_default(),
            group_digits(self.row.user_months.unwrap_or(0).unsigned_abs())
        )
    }
}

fn fields(found: &[Discrepancy]) -> Vec<String> {
    found.iter().map(|d| d.field.clone()).collect()
}

impl CorrectionProposal {
    fn new(
        row: &PublishedWageRow,
        field: &str,
        published: Option<i64>,
        proposed: Option<i64>,
        code: ProposalCode,
        reason: String,
        explains: Vec<String>,
    ) -> CorrectionProposal {
        CorrectionProposal {
            row: row.row,
            number: row.number,
            facility: row.facility.clone(),
            fiscal_year: row.fiscal_year,
            field: field.to_string(),
            published,
            proposed,
            code,
            reason,
            explains,
        }
    }
}

/// Step 1: the wage total. Returns the proposal, if the total is in question, and the total the
/// averages are then checked against.
fn total_proposal(e: &Evidence, found: &[Discrepancy]) -> (Option<CorrectionProposal>, Option<i64>) {
    let row = e.row;
    let both = |total: i64| {
        (!e.monthly_speaks() || e.monthly_fits(total))
            && (!e.hourly_speaks() || e.hourly_fits(total))
            && (e.monthly_speaks() || e.hourly_speaks())
    };
    match (row.monthly_wage_total, row.hourly_wage_total) {
        (Some(monthly), Some(hourly)) if monthly != hourly => {
            let (wrong_field, wrong, right, right_name) = match (both(monthly.0), both(hourly.0)) {
                (false, true) => ("monthly_wage_total", monthly.0, hourly.0, "時間額の支払総額"),
                (true, false) => ("hourly_wage_total", hourly.0, monthly.0, "月額の支払総額"),
                _ => {
                    let reason = format!(
                        "月額の支払総額 {}円 と時間額の支払総額 {}円 が違い、平均額からはどちらが正しいか決められません",
                        monthly.grouped(),
                        hourly.grouped()
                    );
                    let proposal = CorrectionProposal::new(
                        row,
                        "hourly_wage_total",
                        Some(hourly.0),
                        None,
                        ProposalCode::Unresolved,
                        reason,
                        vec!["hourly_wage_total".into()],
                    );
                    return (Some(proposal), Some(monthly.0));
                }
            };
            let mut agree = Vec::new();
            if e.monthly_speaks() {
                agree.push(e.monthly_words());
            }
            if e.hourly_speaks() {
                agree.push(e.hourly_words(right));
            }
            let slip = digit_slip(wrong, right).map(slip_words).unwrap_or("合いません");
            let reason = format!(
                "{}は{right_name} {}円 と合います。公表の{} {}円 はこれと{slip}",
                agree.join("と"),
                group_digits(right.unsigned_abs()),
                figure_name(wrong_field).replace("の工賃", "の"),
                group_digits(wrong.unsigned_abs()),
            );
            let proposal = CorrectionProposal::new(
                row,
                wrong_field,
                Some(wrong),
                Some(right),
                ProposalCode::TotalMisread,
                reason,
                Vec::new(),
            );
            (Some(proposal), Some(right))
        }
        (monthly, hourly) => {
            let Some(total) = monthly.or(hourly).map(|t| t.0) else {
                return (None, None);
            };
            let flagged = |f: &str| found.iter().any(|d| d.field == f);
            if !(e.monthly_speaks()
                && e.hourly_speaks()
                && flagged("monthly_wage_avg")
                && flagged("hourly_wage_avg")
                && !e.monthly_fits(total)
                && !e.hourly_fits(total))
            {
                return (None, Some(total));
            }
            let candidates: Vec<i64> = one_slip_away(total)
                .into_iter()
                .filter(|&t| e.monthly_fits(t) && e.hourly_fits(t))
                .collect();
            let [likely] = candidates.as_slice() else {
                return (None, Some(total));
            };
            let slip = digit_slip(total, *likely).map(slip_words).unwrap_or("違います");
            let field = if monthly.is_some() {
                "monthly_wage_total"
            } else {
                "hourly_wage_total"
            };
            let reason = format!(
                "{}はどちらも総額 {}円 と合います。公表の総額 {}円 とは{slip}。総額の読み誤りと考えられます",
                [e.monthly_words(), e.hourly_words(*likely)].join("と"),
                group_digits(likely.unsigned_abs()),
                group_digits(total.unsigned_abs()),
            );
            let proposal = CorrectionProposal::new(
                row,
                field,
                Some(total),
                Some(*likely),
                ProposalCode::TotalMisread,
                reason,
                Vec::new(),
            );
            (Some(proposal), Some(*likely))
        }
    }
}

/// Steps 2 and 3: one average against the total. `divisor_field` is the count it divides by.
fn average_proposal(
    row: &PublishedWageRow,
    field: &str,
    published: Option<Tenths>,
    total: Option<i64>,
    (divisor_field, divisor, unit): (&str, Option<i64>, &str),
    reading: &HourlyReading,
    confirmed_by_other: bool,
) -> CorrectionProposal {
    let name = figure_name(field);
    let divisor_name = figure_name(divisor_field);
    let published_value = published.map(|p| p.0);
    let explains = vec![field.to_string()];
    let unresolved = |reason: String| {
        CorrectionProposal::new(
            row,
            field,
            published_value,
            None,
            ProposalCode::Unresolved,
            reason,
            explains.clone(),
        )
    };
    let (Some(total), Some(published)) = (total, published) else {
        return unresolved(format!("{name}を確かめる数値が足りません"));
    };
    let total_words = format!("総額 {}円", group_digits(total.unsigned_abs()));
    let Some(divisor) = divisor.filter(|d| *d > 0) else {
        if total == 0 {
            return CorrectionProposal::new(
                row,
                field,
                Some(published.0),
                Some(0),
                if field == "monthly_wage_avg" {
                    ProposalCode::MonthlyAverageMisread
                } else {
                    ProposalCode::HourlyAverageMisread
                },
                format!("支払総額が0円で{divisor_name}も0なので、{name}は 0.0 です(公表 {published})"),
                explains,
            );
        }
        return unresolved(format!(
            "{total_words} が支払われているのに{divisor_name}が0です。{divisor_name}が抜けていると考えられますが、値は決められません"
        ));
    };
    let Some(recomputed) = Tenths::ratio(total, divisor) else {
        return unresolved(format!("{name}を計算できません"));
    };
    let division = format!(
        "{total_words} ÷ {divisor_name} {}{unit} = {recomputed}",
        group_digits(divisor.unsigned_abs())
    );
    let (avg_misread, count_misread) = if field == "monthly_wage_avg" {
        (
            ProposalCode::MonthlyAverageMisread,
            ProposalCode::UserMonthsMisread,
        )
    } else {
        (ProposalCode::HourlyAverageMisread, ProposalCode::WorkHoursMisread)
    };
    let average = |code: ProposalCode, reason: String| {
        CorrectionProposal::new(
            row,
            field,
            Some(published.0),
            Some(recomputed.0),
            code,
            reason,
            explains.clone(),
        )
    };
    match reading {
        HourlyReading::Copied => {
            return average(
                ProposalCode::HourlyAverageCopied,
                format!("{name}の欄に月額の平均額 {published} がそのまま入っています。{division} です"),
            );
        }
        HourlyReading::Garbled(readings) if readings.contains(&recomputed.0) => {
            return average(
                ProposalCode::HourlyAverageGarbled,
                format!(
                    "公表の{name} {} は小数点が抜け、数字が1つ混じった値と見られます。1桁を除くと {recomputed} となり、{division} と一致します",
                    group_digits(published.0.unsigned_abs() / 10)
                ),
            );
        }
        _ => {}
    }
    let other = if confirmed_by_other {
        "(もう一方の平均額は公表の総額と合います)"
    } else {
        ""
    };
    if let Some(slip) = digit_slip(published.0, recomputed.0) {
        return average(
            avg_misread,
            format!(
                "{division} で、公表の{name} {published} とは{}{other}。平均額の読み誤りと考えられます",
                slip_words(slip)
            ),
        );
    }
    let counts: Vec<i64> = one_slip_away(divisor)
        .into_iter()
        .filter(|&d| Tenths::ratio(total, d) == Some(published))
        .collect();
    if let [count] = counts.as_slice() {
        let slip = digit_slip(divisor, *count).map(slip_words).unwrap_or("違います");
        return CorrectionProposal::new(
            row,
            divisor_field,
            Some(divisor),
            Some(*count),
            count_misread,
            format!(
                "{divisor_name}を {}{unit} とすると {total_words} ÷ {}{unit} = {published} で公表の{name}と一致します。公表の {}{unit} とは{slip}。{divisor_name}の読み誤りと考えられます",
                group_digits(count.unsigned_abs()),
                group_digits(count.unsigned_abs()),
                group_digits(divisor.unsigned_abs()),
            ),
            explains,
        );
    }
    average(
        avg_misread,
        format!(
            "{division} で、公表の{name} {published} と合いません{other}。総額と{divisor_name}から計算した値を提案します"
        ),
    )
}

/// The corrections proposed for a row: none for a row whose figures agree; otherwise each of
/// [`check_row`]'s discrepancies is explained by exactly one proposal (a misread total may
/// explain several). The reasoning is at the top of this module.
pub fn propose_corrections(row: &PublishedWageRow) -> Vec<CorrectionProposal> {
    let found = check_row(row);
    if found.is_empty() {
        return Vec::new();
    }
    let e = Evidence::of(row);
    let mut out = Vec::new();
    let (total_fix, total) = total_proposal(&e, &found);
    // What is still in question once the total is corrected.
    let mut fixed = row.clone();
    if let Some(mut p) = total_fix {
        if p.code == ProposalCode::TotalMisread
            && let Some(value) = p.proposed
        {
            let corrected = Some(crate::Yen(value));
            fixed.monthly_wage_total = fixed.monthly_wage_total.map(|_| corrected).unwrap_or(None);
            fixed.hourly_wage_total = fixed.hourly_wage_total.map(|_| corrected).unwrap_or(None);
        }
        let remaining = fields(&check_row(&fixed));
        if p.explains.is_empty() {
            p.explains = fields(&found)
                .into_iter()
                .filter(|f| !remaining.contains(f))
                .collect();
        }
        out.push(p);
    }
    let remaining = check_row(&fixed);
    let flagged = |f: &str| remaining.iter().any(|d| d.field == f);
    if flagged("monthly_wage_avg") {
        out.push(average_proposal(
            row,
            "monthly_wage_avg",
            row.monthly_wage_avg,
            total,
            ("user_months", row.user_months, "人"),
            &HourlyReading::AsPublished,
            total.is_some_and(|t| e.hourly_speaks() && e.hourly_fits(t)),
        ));
    }
    if flagged("hourly_wage_avg") {
        out.push(average_proposal(
            row,
            "hourly_wage_avg",
            row.hourly_wage_avg,
            total,
            ("work_hours", row.work_hours, "時間"),
            &e.hourly,
            total.is_some_and(|t| e.monthly_speaks() && e.monthly_fits(t)),
        ));
    }
    if flagged("hourly_wage_total")
        && !out
            .iter()
            .any(|p| p.explains.iter().any(|f| f == "hourly_wage_total"))
    {
        // Both totals were left as they are (no total fitted both averages).
        out.push(CorrectionProposal::new(
            row,
            "hourly_wage_total",
            row.hourly_wage_total.map(|t| t.0),
            None,
            ProposalCode::Unresolved,
            "月額と時間額の支払総額が違い、どちらが正しいか決められません".into(),
            vec!["hourly_wage_total".into()],
        ));
    }
    out
}

#[cfg(test)]
mod tests;
