//! The API's shapes for wages: a facility's year, the prefecture's table, an import's report.

use crate::money::Yen;
use crate::validation::FieldErrors;
use crate::wages::BandPosition;
use crate::wages::CorrectionProposal;
use crate::wages::Discrepancy;
use crate::wages::FacilityMatch;
use crate::wages::FiscalYear;
use crate::wages::MAX_MONTHLY_WAGES;
use crate::wages::ProposalCode;
use crate::wages::Tenths;
use crate::wages::WageMonthInput;
use crate::wages::WageTotals;
use crate::wages::YearProgress;
use crate::wages::average_hourly_wage;
use crate::wages::classic_average_monthly_wage;
use serde::{Deserialize, Serialize};

/// A facility's month as stored, with its figures and its sales through the council.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageMonth {
    pub year: i32,
    pub month: u32,
    /// None when the facility has not entered the month.
    pub figures: Option<WageMonthInput>,
    pub average_monthly_wage: Option<Tenths>,
    pub average_hourly_wage: Option<Tenths>,
    /// Net sales of the facility's goods at settled council events in the month.
    pub council_sales: Yen,
    /// 共同受注: the facility's part of joint orders paid out to it in the month (tax included,
    /// before the council's fee — the basis of `council_sales`), apart from event sales.
    #[serde(default)]
    pub joint_order_income: Yen,
    /// セルプ自販機: the commission of the machines supporting the facility, for the month's sales.
    #[serde(default)]
    pub vending_income: Yen,
    /// Everything through the council in the month: events, SELP SHOP, joint orders, gift
    /// commission, vending (`selpos_domain::income`).
    #[serde(default)]
    pub council_income: Yen,
}

/// A facility's fiscal year: months, yearly figures by both formulas, target and achievement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityWageYear {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub fiscal_year: FiscalYear,
    /// 令和7年度 (FY2025).
    pub label: String,
    pub months: Vec<WageMonth>,
    pub totals: WageTotals,
    /// Classic: wages ÷ user-months, one decimal.
    pub average_monthly_wage: Option<Tenths>,
    pub average_hourly_wage: Option<Tenths>,
    /// Since the FY2024 fee revision: wages ÷ (user-days ÷ opening days) ÷ 12, to the yen. While
    /// the year is `provisional` this is the year-to-date figure (the months so far ÷ 12).
    pub fy2024_average_monthly_wage: Option<Yen>,
    /// Months of the year with figures (0–12).
    pub months_covered: i64,
    /// 見込み: the year is not over or not every month is entered. The figures are the year
    /// so far; the projection and the band say where the full year is heading.
    pub provisional: bool,
    /// While provisional: the FY2024 figure of the full year at the pace of the months covered.
    pub projected_fy2024_average_monthly_wage: Option<Yen>,
    /// The fee band, always from the FY2024 formula's figure: the final one, or the projected one
    /// while provisional (見込み).
    pub band: Option<BandPosition>,
    /// 目標工賃 (monthly) of the facility's wage plan for the year.
    pub target: Option<Yen>,
    /// Classic average ÷ target, in tenths of a percent.
    pub achievement: Option<Tenths>,
    pub council_sales: Yen,
    /// 共同受注 of the year (Σ of the months'), apart from event sales.
    #[serde(default)]
    pub joint_order_income: Yen,
    /// セルプ自販機 of the year (Σ of the months').
    #[serde(default)]
    pub vending_income: Yen,
    /// Everything through the council in the year (Σ of the months').
    #[serde(default)]
    pub council_income: Yen,
    /// Council sales ÷ wages paid, in tenths of a percent.
    pub council_share: Option<Tenths>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageTargetInput {
    pub monthly_target: Yen,
}

impl WageTargetInput {
    pub fn validated(&self) -> Result<WageTargetInput, FieldErrors> {
        let mut e = FieldErrors::default();
        if !(0..=MAX_MONTHLY_WAGES.0).contains(&self.monthly_target.0) {
            e.add(
                "monthly_target",
                "out_of_range",
                "目標工賃は0円以上で入力してください",
            );
        }
        e.into_result(self.clone())
    }
}

/// Whether a correction has been decided, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CorrectionStatus {
    /// Proposed by the import; the published value is used until the council decides.
    Pending,
    /// The council accepted it: the corrected value is used.
    Accepted,
    /// The council rejected it: the published value stands.
    Rejected,
}

impl CorrectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CorrectionStatus::Pending => "pending",
            CorrectionStatus::Accepted => "accepted",
            CorrectionStatus::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<CorrectionStatus> {
        [
            CorrectionStatus::Pending,
            CorrectionStatus::Accepted,
            CorrectionStatus::Rejected,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// 確認待ち, 採用, 不採用.
    pub fn label_ja(self) -> &'static str {
        match self {
            CorrectionStatus::Pending => "確認待ち",
            CorrectionStatus::Accepted => "訂正を採用",
            CorrectionStatus::Rejected => "公表値のまま",
        }
    }
}

/// Which of a cell's values the table uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UsedValue {
    /// The value as the prefecture published it.
    Published,
    /// The corrected value (an accepted correction).
    Corrected,
}

/// A correction of one published cell, as stored: the proposal, and the council's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageCorrection {
    pub id: i64,
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub fiscal_year: FiscalYear,
    /// The published column ([`crate::wages::PUBLISHED_COLUMNS`]).
    pub field: String,
    /// Its Japanese name (月額の工賃支払総額).
    pub field_name: String,
    /// As published, in the column's unit (yen, a count, tenths for the averages).
    pub published: Option<i64>,
    /// The likely value; `None` when no single value can be told (it cannot be accepted).
    pub proposed: Option<i64>,
    /// [`WageCorrection::published`] as the table writes it (`3,043,354`, `18,126.1`).
    pub published_text: String,
    pub proposed_text: Option<String>,
    pub code: ProposalCode,
    /// The reasoning, in Japanese.
    pub reason: String,
    /// The discrepancies of the row it explains (columns).
    pub explains: Vec<String>,
    pub status: CorrectionStatus,
    /// Which value the table uses: the corrected one once accepted, else the published one.
    pub used: UsedValue,
    pub decided_by: Option<i64>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl WageCorrection {
    /// The value the table uses for the cell.
    pub fn used_value(&self) -> Option<i64> {
        match self.used {
            UsedValue::Corrected => self.proposed,
            UsedValue::Published => self.published,
        }
    }
}

/// The council's decision on a correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CorrectionDecisionInput {
    /// `accepted` (use the corrected value), `rejected` (keep the published one) or `pending`
    /// (undecided again).
    pub status: CorrectionStatus,
}

/// A year of the prefecture's table as published (the cells selpos keeps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PublishedYear {
    pub user_months: Option<i64>,
    pub monthly_wage_total: Option<Yen>,
    pub monthly_wage_avg: Option<Tenths>,
    pub work_hours: Option<i64>,
    pub hourly_wage_avg: Option<Tenths>,
}

/// One facility's totals for a year, and the averages recomputed from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearFigures {
    pub user_months: Option<i64>,
    pub wages_paid: Option<Yen>,
    pub work_hours: Option<i64>,
    /// Classic (wages ÷ user-months). For an imported year: the published average, or the
    /// corrected one once its correction is accepted (recomputed only where none was published).
    pub average_monthly_wage: Option<Tenths>,
    pub average_hourly_wage: Option<Tenths>,
    /// `months` (entered in selpos) or `import` (the prefecture's published table).
    pub source: String,
    /// Imported years: the corrections proposed for its published cells, with the value each
    /// cell uses ([`WageCorrection::used`]). A cell without one uses its published value.
    #[serde(default)]
    pub corrections: Vec<WageCorrection>,
    /// Entered years: months with figures (0–12); `None` for an imported year.
    pub months_covered: Option<i64>,
    /// 見込み: an entered year not over or not complete (see [`YearProgress`]).
    #[serde(default)]
    pub provisional: bool,
    /// The FY2024 formula's figure (year to date while provisional); `None` for an imported
    /// year (the table has no user-days or opening days).
    pub fy2024_average_monthly_wage: Option<Yen>,
    pub projected_fy2024_average_monthly_wage: Option<Yen>,
    /// The fee band, from the FY2024 figure (projected while provisional); never from the
    /// classic average, so none for an imported year.
    pub band: Option<BandPosition>,
}

impl YearFigures {
    /// Figures with averages recomputed from the totals and nothing else known.
    pub fn new(
        user_months: Option<i64>,
        wages_paid: Option<Yen>,
        work_hours: Option<i64>,
        source: &str,
    ) -> YearFigures {
        YearFigures {
            user_months,
            wages_paid,
            work_hours,
            average_monthly_wage: wages_paid
                .zip(user_months)
                .and_then(|(w, m)| classic_average_monthly_wage(w, m)),
            average_hourly_wage: wages_paid
                .zip(work_hours)
                .and_then(|(w, h)| average_hourly_wage(w, h)),
            source: source.to_string(),
            corrections: Vec::new(),
            months_covered: None,
            provisional: false,
            fy2024_average_monthly_wage: None,
            projected_fy2024_average_monthly_wage: None,
            band: None,
        }
    }

    /// A year from the months a facility entered: its sums and its progress.
    pub fn entered(totals: &WageTotals, progress: YearProgress) -> YearFigures {
        YearFigures {
            months_covered: Some(progress.months_covered),
            provisional: progress.provisional,
            fy2024_average_monthly_wage: progress.fy2024_average_monthly_wage,
            projected_fy2024_average_monthly_wage: progress.projected_fy2024_average_monthly_wage,
            band: progress.band,
            ..YearFigures::new(
                Some(totals.user_months),
                Some(totals.wages_paid),
                Some(totals.work_hours),
                "months",
            )
        }
    }

    /// A year of the prefecture's table: each cell its published value, or the corrected one
    /// where the council accepted a correction. An average stays as published (the published
    /// figures belong together) unless its own correction is accepted, and is recomputed from
    /// the totals only where none was published.
    pub fn imported(published: PublishedYear, corrections: Vec<WageCorrection>) -> YearFigures {
        let used = |field: &str, value: Option<i64>| {
            corrections
                .iter()
                .find(|c| c.field == field && c.used == UsedValue::Corrected)
                .and_then(|c| c.proposed)
                .or(value)
        };
        let user_months = used("user_months", published.user_months);
        let wages_paid = used("monthly_wage_total", published.monthly_wage_total.map(|w| w.0)).map(Yen);
        let work_hours = used("work_hours", published.work_hours);
        let computed = YearFigures::new(user_months, wages_paid, work_hours, "import");
        YearFigures {
            average_monthly_wage: used("monthly_wage_avg", published.monthly_wage_avg.map(|t| t.0))
                .map(Tenths)
                .or(computed.average_monthly_wage),
            average_hourly_wage: used("hourly_wage_avg", published.hourly_wage_avg.map(|t| t.0))
                .map(Tenths)
                .or(computed.average_hourly_wage),
            corrections,
            ..computed
        }
    }
}

/// A facility's row of the prefecture's table: this year and the year before, side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageTableRow {
    pub facility_id: i64,
    pub number: i64,
    pub name: String,
    pub corporation_type: i64,
    pub capacity: Option<i64>,
    pub current: Option<YearFigures>,
    pub previous: Option<YearFigures>,
    /// 協議会経由の収入: the facility's income through the council in the table's year (events,
    /// SELP SHOP, joint orders, gift commission, vending; `selpos_domain::income`).
    #[serde(default)]
    pub council_income: Yen,
}

/// Column sums of the table for one year, with averages of the sums.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageTableTotals {
    pub facilities: i64,
    /// Facilities whose year is provisional (見込み): the totals are then provisional too.
    #[serde(default)]
    pub provisional: i64,
    /// Facilities that paid wages in the year.
    pub reporting: i64,
    pub user_months: i64,
    pub wages_paid: Yen,
    pub work_hours: i64,
    pub average_monthly_wage: Option<Tenths>,
    pub average_hourly_wage: Option<Tenths>,
}

impl WageTableTotals {
    /// Σ over the facilities with figures; each average is the ratio of its two sums (taken
    /// over the facilities that have both numbers), as the prefecture computes it.
    pub fn of<'a>(figures: impl Iterator<Item = &'a YearFigures>) -> WageTableTotals {
        let mut t = WageTableTotals::default();
        let (mut month_wages, mut hour_wages) = (0i64, 0i64);
        for f in figures {
            t.facilities += 1;
            t.provisional += i64::from(f.provisional);
            let wages = f.wages_paid.map_or(0, |w| w.0);
            t.reporting += i64::from(wages > 0);
            t.wages_paid.0 += wages;
            if let (Some(w), Some(m)) = (f.wages_paid, f.user_months) {
                t.user_months += m;
                month_wages += w.0;
            }
            if let (Some(w), Some(h)) = (f.wages_paid, f.work_hours) {
                t.work_hours += h;
                hour_wages += w.0;
            }
        }
        t.average_monthly_wage = classic_average_monthly_wage(Yen(month_wages), t.user_months);
        t.average_hourly_wage = average_hourly_wage(Yen(hour_wages), t.work_hours);
        t
    }
}

/// 工賃実績一覧: every facility for a fiscal year and the year before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageTable {
    pub fiscal_year: FiscalYear,
    pub label: String,
    pub previous_label: String,
    pub rows: Vec<WageTableRow>,
    pub totals: WageTableTotals,
    pub previous_totals: WageTableTotals,
}

/// What an import of the prefecture's table found, and whether it wrote anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageImportReport {
    pub dry_run: bool,
    pub written: bool,
    pub rows: usize,
    pub fiscal_years: Vec<FiscalYear>,
    /// Facilities of the file matched by number and name (or confirmed despite another name).
    pub facilities_matched: usize,
    /// Facilities in the file that selpos did not know: created from the file's row once the
    /// import confirms it (`create_facilities`), else reported.
    pub facilities_created: usize,
    /// Every facility of the file that is not plainly matched by number and name: renamed,
    /// renumbered, new, or two names for one number. Each is a problem to settle, never a
    /// silent match.
    pub facilities: Vec<FacilityMatch>,
    /// Published figures that disagree with the row's other figures.
    pub discrepancies: Vec<Discrepancy>,
    /// For each discrepancy, the correction proposed: which figure is likely misread, its likely
    /// value, and why. Stored as pending beside the published values by a real import.
    pub proposals: Vec<CorrectionProposal>,
}
