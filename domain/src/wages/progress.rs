//! A fiscal year still in progress (or not yet fully entered): its figures are provisional
//! (見込み). The year-to-date figure of the FY2024 formula divides by 12 as the ministry says, so
//! half a year at ¥20,000 a month shows ¥10,000; the projection at the pace of the months
//! covered, and the fee band taken from it, say where the year is heading.

use crate::money::Yen;
use crate::wages::{BandPosition, FiscalYear, WageMonthInput, WageTotals, band_for};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How much of a fiscal year a facility's records cover, and its FY2024 figures and band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearProgress {
    /// Months of the fiscal year with a record (0–12).
    pub months_covered: i64,
    /// 見込み: the year has not ended yet, or not every month is recorded.
    pub provisional: bool,
    /// The FY2024 formula over the records so far, divided by 12 as for a whole year: the final
    /// figure once the year is complete, the year-to-date figure while it is provisional.
    pub fy2024_average_monthly_wage: Option<Yen>,
    /// While provisional: the full-year figure at the pace of the months covered, i.e. wages ÷
    /// average daily users ÷ months covered (the months still to come assumed like those so far).
    pub projected_fy2024_average_monthly_wage: Option<Yen>,
    /// The fee band of the FY2024 figure the year is judged by: the final one, or the projected
    /// one while provisional (見込み). Never from the classic average.
    pub band: Option<BandPosition>,
}

impl YearProgress {
    /// The progress of `fiscal_year` on `today` (in Japan) from a facility's monthly records
    /// (records of other years are ignored; one record per month).
    pub fn of(fiscal_year: FiscalYear, months: &[WageMonthInput], today: NaiveDate) -> YearProgress {
        let mut covered: Vec<(i32, u32)> = months
            .iter()
            .filter(|m| fiscal_year.contains(m.year, m.month))
            .map(|m| (m.year, m.month))
            .collect();
        covered.sort_unstable();
        covered.dedup();
        let months_covered = covered.len() as i64;
        let ended = fiscal_year.last_day().is_some_and(|last| today > last);
        let totals = WageTotals::of_fiscal_year(fiscal_year, months);
        YearProgress::from_totals(&totals, months_covered, ended)
    }

    /// The same from a year's sums: `months_covered` months recorded, `ended` whether the
    /// fiscal year is over.
    pub fn from_totals(totals: &WageTotals, months_covered: i64, ended: bool) -> YearProgress {
        let provisional = !(ended && months_covered >= 12);
        let year = WageTotals {
            months: 12,
            ..*totals
        };
        let fy2024 = year.fy2024_average_monthly_wage();
        let projected = if provisional && months_covered > 0 {
            crate::wages::fy2024_average_monthly_wage(
                totals.wages_paid,
                totals.user_days,
                totals.opening_days,
                months_covered,
            )
        } else {
            None
        };
        let judged = if provisional { projected } else { fy2024 };
        YearProgress {
            months_covered,
            provisional,
            fy2024_average_monthly_wage: fy2024,
            projected_fy2024_average_monthly_wage: projected,
            band: judged.map(band_for),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wages::months::tests::month;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn half_a_year_is_provisional_and_projected() {
        // April–September 2025 at ¥300,000 a month, 300 user-days over 20 opening days (15.0
        // users a day).
        let half: Vec<WageMonthInput> = (4..=9).map(|m| month(2025, m)).collect();
        let p = YearProgress::of(FiscalYear(2025), &half, date(2025, 10, 15));
        assert_eq!(p.months_covered, 6);
        assert!(p.provisional);
        // 1,800,000 ÷ 15.0 ÷ 12: what the formula gives to date.
        assert_eq!(p.fy2024_average_monthly_wage, Some(Yen(10_000)));
        // 1,800,000 ÷ 15.0 ÷ 6: the full year at this pace.
        assert_eq!(p.projected_fy2024_average_monthly_wage, Some(Yen(20_000)));
        let band = p.band.expect("band");
        assert_eq!(band.band.index, 3);
        assert_eq!(band.label, "2万円以上2万5千円未満");
        // The same half year, looked at after the year ended: still incomplete, still 見込み.
        let later = YearProgress::of(FiscalYear(2025), &half, date(2026, 6, 1));
        assert!(later.provisional);
        assert_eq!(later.projected_fy2024_average_monthly_wage, Some(Yen(20_000)));
    }

    #[test]
    fn a_complete_year_is_final() {
        let year: Vec<WageMonthInput> = FiscalYear(2025)
            .months()
            .expect("months")
            .iter()
            .map(|&(y, m)| month(y, m))
            .collect();
        let p = YearProgress::of(FiscalYear(2025), &year, date(2026, 4, 1));
        assert_eq!(p.months_covered, 12);
        assert!(!p.provisional);
        assert_eq!(p.fy2024_average_monthly_wage, Some(Yen(20_000)));
        assert_eq!(p.projected_fy2024_average_monthly_wage, None);
        assert_eq!(p.band.map(|b| b.band.index), Some(3));
        // Twelve months entered before the year is over (on 31 March): still 見込み.
        let early = YearProgress::of(FiscalYear(2025), &year, date(2026, 3, 31));
        assert!(early.provisional);
        assert_eq!(early.projected_fy2024_average_monthly_wage, Some(Yen(20_000)));
        // Records of other years do not count; a year with none has no figure and no band.
        let none = YearProgress::of(FiscalYear(2024), &year, date(2026, 4, 1));
        assert_eq!(none.months_covered, 0);
        assert!(none.provisional);
        assert_eq!((none.fy2024_average_monthly_wage, none.band), (None, None));
    }
}
