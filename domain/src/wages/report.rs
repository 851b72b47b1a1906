//! The API's shapes for wages: a facility's year, the prefecture's table, an import's report.

use crate::money::Yen;
use crate::validation::FieldErrors;
use crate::wages::BandPosition;
use crate::wages::Discrepancy;
use crate::wages::FiscalYear;
use crate::wages::MAX_MONTHLY_WAGES;
use crate::wages::Tenths;
use crate::wages::WageMonthInput;
use crate::wages::WageTotals;
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
    /// Since the FY2024 fee revision: wages ÷ (user-days ÷ opening days) ÷ 12, to the yen.
    pub fy2024_average_monthly_wage: Option<Yen>,
    pub band: Option<BandPosition>,
    /// 目標工賃 (monthly) of the facility's wage plan for the year.
    pub target: Option<Yen>,
    /// Classic average ÷ target, in tenths of a percent.
    pub achievement: Option<Tenths>,
    pub council_sales: Yen,
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

/// One facility's totals for a year, and the averages recomputed from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearFigures {
    pub user_months: Option<i64>,
    pub wages_paid: Option<Yen>,
    pub work_hours: Option<i64>,
    pub average_monthly_wage: Option<Tenths>,
    pub average_hourly_wage: Option<Tenths>,
    /// `months` (entered in selpos) or `import` (the prefecture's published table).
    pub source: String,
}

impl YearFigures {
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
}

/// Column sums of the table for one year, with averages of the sums.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageTableTotals {
    pub facilities: i64,
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
    pub facilities_matched: usize,
    /// Facilities in the file that selpos did not know: created from the file's row.
    pub facilities_created: usize,
    /// Published figures that disagree with their own totals (the rows are imported; the
    /// averages selpos shows are recomputed from the totals).
    pub discrepancies: Vec<Discrepancy>,
}
