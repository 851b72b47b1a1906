//! The formulas: average monthly wage (classic and FY2024), hourly wage, daily users,
//! achievement rates, and the totals of a fiscal year.

use super::numbers::{Tenths, div_round_half_up, narrow};
use crate::money::Yen;
use crate::wages::FiscalYear;
use crate::wages::WageMonthInput;
use serde::{Deserialize, Serialize};

/// Classic average monthly wage (the prefecture's table): wages ÷ user-months, one decimal,
/// half up. `None` when nobody was paid.
pub fn classic_average_monthly_wage(wages_paid: Yen, user_months: i64) -> Option<Tenths> {
    Tenths::ratio(wages_paid.0, user_months)
}

/// Average hourly wage: wages ÷ work hours, one decimal, half up. `None` without hours.
pub fn average_hourly_wage(wages_paid: Yen, work_hours: i64) -> Option<Tenths> {
    Tenths::ratio(wages_paid.0, work_hours)
}

/// Average daily users for the FY2024 formula: user-days ÷ opening days taken to one decimal,
/// the second decimal rounded half up (14.679 → 14.7). `None` without opening days.
pub fn average_daily_users(user_days: i64, opening_days: i64) -> Option<Tenths> {
    Tenths::ratio(user_days, opening_days)
}

/// Average monthly wage by the FY2024 fee revision: wages ÷ average daily users (one decimal,
/// see [`average_daily_users`]) ÷ `months`, rounded to the yen half up.
///
/// For a fiscal year `months` is 12, as the ministry's formula says, whatever months were
/// recorded; for one month it is 1. `None` when the average daily users round to 0.0 or
/// `months` is not positive. Integer arithmetic throughout: wages × 10 ÷ (tenths × months).
pub fn fy2024_average_monthly_wage(
    wages_paid: Yen,
    user_days: i64,
    opening_days: i64,
    months: i64,
) -> Option<Yen> {
    let users = average_daily_users(user_days, opening_days)?;
    let denominator = i128::from(users.0).checked_mul(i128::from(months))?;
    narrow(div_round_half_up(i128::from(wages_paid.0) * 10, denominator)?).map(Yen)
}

/// Achievement of a target (目標工賃) in tenths of a percent: `actual ÷ target`, half up, so
/// `Tenths(1025)` is 102.5 %. Both figures in the same unit (a yen target via
/// [`Tenths::from_yen`]); `None` for a target of 0 or less.
pub fn achievement_rate(actual: Tenths, target: Tenths) -> Option<Tenths> {
    narrow(div_round_half_up(
        i128::from(actual.0) * 1000,
        i128::from(target.0),
    )?)
    .map(Tenths)
}

/// [`achievement_rate`] for figures in whole yen (targets by the FY2024 formula).
pub fn achievement_rate_yen(actual: Yen, target: Yen) -> Option<Tenths> {
    narrow(div_round_half_up(
        i128::from(actual.0) * 1000,
        i128::from(target.0),
    )?)
    .map(Tenths)
}

/// A facility's figures summed over some months, from which every average is computed: the
/// averages of a year are never averages of monthly averages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageTotals {
    /// The divisor of the FY2024 formula: 1 for a month, 12 for a fiscal year.
    pub months: i64,
    pub wages_paid: Yen,
    pub user_months: i64,
    pub user_days: i64,
    pub opening_days: i64,
    pub work_hours: i64,
}

impl WageTotals {
    /// The sums over the records of `fiscal_year` (records of other months are ignored; a
    /// missing month counts as nothing paid). Callers keep one record per month.
    pub fn of_fiscal_year(fiscal_year: FiscalYear, months: &[WageMonthInput]) -> WageTotals {
        let mut t = WageTotals {
            months: 12,
            ..WageTotals::default()
        };
        for m in months.iter().filter(|m| fiscal_year.contains(m.year, m.month)) {
            t.wages_paid = Yen(t.wages_paid.0.saturating_add(m.wages_paid.0));
            t.user_months = t.user_months.saturating_add(m.user_months);
            t.user_days = t.user_days.saturating_add(m.user_days);
            t.opening_days = t.opening_days.saturating_add(m.opening_days);
            t.work_hours = t.work_hours.saturating_add(m.work_hours);
        }
        t
    }

    /// Classic average monthly wage; see [`classic_average_monthly_wage`].
    pub fn average_monthly_wage(&self) -> Option<Tenths> {
        classic_average_monthly_wage(self.wages_paid, self.user_months)
    }

    /// Average hourly wage; see [`average_hourly_wage`].
    pub fn average_hourly_wage(&self) -> Option<Tenths> {
        average_hourly_wage(self.wages_paid, self.work_hours)
    }

    /// Average daily users; see [`average_daily_users`].
    pub fn average_daily_users(&self) -> Option<Tenths> {
        average_daily_users(self.user_days, self.opening_days)
    }

    /// Average monthly wage by the FY2024 formula; see [`fy2024_average_monthly_wage`].
    pub fn fy2024_average_monthly_wage(&self) -> Option<Yen> {
        fy2024_average_monthly_wage(self.wages_paid, self.user_days, self.opening_days, self.months)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wages::months::tests::month;

    // --- formulas -------------------------------------------------------------------------

    #[test]
    fn one_decimal_rounding_is_half_up_on_the_exact_quotient() {
        assert_eq!(Tenths::ratio(1, 20), Some(Tenths(1))); // 0.05 → 0.1
        assert_eq!(Tenths::ratio(3, 20), Some(Tenths(2))); // 0.15 → 0.2
        assert_eq!(Tenths::ratio(1, 40), Some(Tenths(0))); // 0.025 → 0.0
        assert_eq!(Tenths::ratio(1_465, 100), Some(Tenths(147))); // 14.65 → 14.7
        assert_eq!(Tenths::ratio(14_649, 1_000), Some(Tenths(146))); // 14.649 → 14.6
        assert_eq!(Tenths::ratio(-1, 20), Some(Tenths(-1))); // half away from zero
        assert_eq!(Tenths::ratio(5, 0), None);
        assert_eq!(Tenths::ratio(5, -1), None);
        assert_eq!(Tenths::ratio(i64::MAX, 1), None); // does not fit: no wrap-around
    }

    #[test]
    fn classic_averages_of_real_rows() {
        // Row 1, H27: 12,496,530 ÷ 492 = 25,399.451… → published 25,399.5 (truncating gives .4).
        assert_eq!(
            classic_average_monthly_wage(Yen(12_496_530), 492),
            Some(Tenths(253_995))
        );
        // Row 10, H28: 3,644,700 ÷ 479 = 7,608.977… → 7,609.0.
        assert_eq!(
            classic_average_monthly_wage(Yen(3_644_700), 479),
            Some(Tenths(76_090))
        );
        // Row 39, H27: 13,271,105 ÷ 42,792 h = 310.13… → 310.1.
        assert_eq!(average_hourly_wage(Yen(13_271_105), 42_792), Some(Tenths(3_101)));
        // Row 1, H28: 5,530,860 ÷ 28,075 h = 197.003… → 197.0 (published: 19,710).
        assert_eq!(average_hourly_wage(Yen(5_530_860), 28_075), Some(Tenths(1_970)));
        assert_eq!(classic_average_monthly_wage(Yen(0), 0), None);
        assert_eq!(average_hourly_wage(Yen(1_000), 0), None);
    }

    #[test]
    fn fy2024_daily_users_round_the_second_decimal_half_up() {
        assert_eq!(Tenths::ratio(14_679, 1_000), Some(Tenths(147))); // 14.679 → 14.7
        assert_eq!(average_daily_users(3_567, 243), Some(Tenths(147))); // 14.6790… → 14.7
        assert_eq!(average_daily_users(3_554, 243), Some(Tenths(146))); // 14.6255… → 14.6
        assert_eq!(average_daily_users(100, 0), None);
    }

    #[test]
    fn fy2024_average_monthly_wage_by_hand() {
        // ¥4,000,000 paid; 3,567 user-days over 243 opening days = 14.679… → 14.7 users a day;
        // 4,000,000 ÷ 14.7 ÷ 12 = 22,675.736… → ¥22,676.
        assert_eq!(
            fy2024_average_monthly_wage(Yen(4_000_000), 3_567, 243, 12),
            Some(Yen(22_676))
        );
        // Not the unrounded 14.679…: 4,000,000 ÷ 14.6790… ÷ 12 = 22,708.2…
        // Exactly half a yen rounds up: ¥18 ÷ 1.0 ÷ 12 = 1.5 → ¥2; ¥30 ÷ 1.0 ÷ 12 = 2.5 → ¥3.
        assert_eq!(fy2024_average_monthly_wage(Yen(18), 10, 10, 12), Some(Yen(2)));
        assert_eq!(fy2024_average_monthly_wage(Yen(30), 10, 10, 12), Some(Yen(3)));
        assert_eq!(fy2024_average_monthly_wage(Yen(29), 10, 10, 12), Some(Yen(2))); // 2.41…
        // A month: wages ÷ daily users.
        assert_eq!(
            fy2024_average_monthly_wage(Yen(300_000), 300, 20, 1),
            Some(Yen(20_000))
        );
        // No opening days, or fewer than 0.05 users a day: no figure.
        assert_eq!(fy2024_average_monthly_wage(Yen(1_000), 5, 0, 12), None);
        assert_eq!(fy2024_average_monthly_wage(Yen(1_000), 1, 21, 12), None);
        assert_eq!(fy2024_average_monthly_wage(Yen(1_000), 10, 10, 0), None);
    }

    #[test]
    fn a_fiscal_year_sums_its_twelve_months() {
        let mut records: Vec<WageMonthInput> = FiscalYear(2025)
            .months()
            .expect("months")
            .iter()
            .map(|&(y, m)| month(y, m))
            .collect();
        records.push(month(2025, 3)); // FY2024: not counted
        records.push(month(2026, 4)); // FY2026: not counted
        let year = WageTotals::of_fiscal_year(FiscalYear(2025), &records);
        assert_eq!(
            year,
            WageTotals {
                months: 12,
                wages_paid: Yen(3_600_000),
                user_months: 180,
                user_days: 3_600,
                opening_days: 240,
                work_hours: 21_600,
            }
        );
        assert_eq!(year.average_monthly_wage(), Some(Tenths(200_000))); // 20,000.0
        assert_eq!(year.average_hourly_wage(), Some(Tenths(1_667))); // 166.66… → 166.7
        assert_eq!(year.average_daily_users(), Some(Tenths(150))); // 15.0
        assert_eq!(year.fy2024_average_monthly_wage(), Some(Yen(20_000)));
        let one = records[0].totals();
        assert_eq!(one.months, 1);
        assert_eq!(one.fy2024_average_monthly_wage(), Some(Yen(20_000)));
        assert_eq!(records[9].fiscal_year(), Some(FiscalYear(2025))); // January 2026

        // A year with only two months recorded still divides by 12, as the ministry does.
        let sparse = WageTotals::of_fiscal_year(FiscalYear(2025), &records[..2]);
        assert_eq!(sparse.fy2024_average_monthly_wage(), Some(Yen(3_333))); // 600,000 ÷ 15 ÷ 12
    }

    #[test]
    fn achievement_rates_in_tenths_of_a_percent() {
        assert_eq!(
            achievement_rate(Tenths(253_995), Tenths(250_000)),
            Some(Tenths(1_016))
        ); // 101.598 %
        assert_eq!(
            achievement_rate_yen(Yen(20_500), Yen(20_000)),
            Some(Tenths(1_025))
        );
        assert_eq!(achievement_rate_yen(Yen(1), Yen(16)), Some(Tenths(63))); // 6.25 % → 6.3 %
        assert_eq!(achievement_rate_yen(Yen(0), Yen(16)), Some(Tenths(0)));
        assert_eq!(achievement_rate_yen(Yen(1), Yen(0)), None);
        let target = Tenths::from_yen(Yen(25_000)).expect("fits");
        assert_eq!(achievement_rate(Tenths(253_995), target), Some(Tenths(1_016)));
    }
}
