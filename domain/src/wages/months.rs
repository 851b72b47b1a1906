//! A facility's monthly wage record (工賃支払総額, 対象者延人数, …) and its checks.

use crate::money::Yen;
use crate::validation::FieldErrors;
use crate::wages::FiscalYear;
use crate::wages::WageTotals;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A sanity limit on a month's wages: far above any workshop, low enough that a year's sum
/// cannot overflow.
pub const MAX_MONTHLY_WAGES: Yen = Yen(1_000_000_000);

/// A sanity limit on a month's counts (users, user-days, hours).
pub const MAX_MONTHLY_COUNT: i64 = 1_000_000;

/// What a facility records for one calendar month: the figures the prefecture's survey asks for
/// and those the FY2024 fee formula needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageMonthInput {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    /// 工賃支払総額: wages paid for the month's work.
    pub wages_paid: Yen,
    /// 対象者延人数 for the month: the users who were paid wages in the month.
    pub user_months: i64,
    /// 延べ利用者数: user attendances in the month (one per user per day).
    pub user_days: i64,
    /// 開所日数: days the facility was open, bazaar days at which users sold included.
    pub opening_days: i64,
    /// 延べ時間数: the users' work hours in whole hours, as the prefecture's survey and table
    /// count them (the facility rounds the month's total, not each day's).
    pub work_hours: i64,
}

/// The number of days of a calendar month, or `None` for an impossible month.
fn days_in_month(year: i32, month: u32) -> Option<i64> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((next - first).num_days())
}

fn range(e: &mut FieldErrors, field: &str, value: i64, min: i64, max: i64) {
    if value < min || value > max {
        e.add(
            field,
            "out_of_range",
            format!("{min}から{max}の範囲で入力してください"),
        );
    }
}

impl WageMonthInput {
    /// Checks every field at once (Japanese messages, as [`crate::validation`] does): counts are
    /// non-negative and below sanity limits, the month exists, opening days fit in the month,
    /// and the figures agree with one another where they must (wages need paid users,
    /// attendances need opening days).
    pub fn validated(&self) -> Result<WageMonthInput, FieldErrors> {
        let mut e = FieldErrors::default();
        // The month's fiscal year must be one selpos takes ([`FiscalYear::FIRST`]..=LAST).
        let fiscal_year = FiscalYear::of_month(self.year, self.month.clamp(1, 12));
        if fiscal_year
            .and_then(|y| FiscalYear::checked(i64::from(y.0)))
            .is_none()
        {
            e.add("year", "out_of_range", FiscalYear::range_message());
        }
        range(&mut e, "month", i64::from(self.month), 1, 12);
        range(&mut e, "wages_paid", self.wages_paid.0, 0, MAX_MONTHLY_WAGES.0);
        range(&mut e, "user_months", self.user_months, 0, MAX_MONTHLY_COUNT);
        range(&mut e, "user_days", self.user_days, 0, MAX_MONTHLY_COUNT);
        range(&mut e, "work_hours", self.work_hours, 0, MAX_MONTHLY_COUNT);
        let days = days_in_month(self.year, self.month).unwrap_or(31);
        range(&mut e, "opening_days", self.opening_days, 0, days);
        if self.wages_paid.0 > 0 && self.user_months == 0 {
            e.add(
                "user_months",
                "required",
                "工賃を支払った利用者の人数を入力してください",
            );
        }
        if self.user_days > 0 && self.opening_days == 0 {
            e.add(
                "opening_days",
                "required",
                "利用者が通所した月は開所日数を入力してください",
            );
        }
        if e.is_empty() { Ok(self.clone()) } else { Err(e) }
    }

    /// The fiscal year the month belongs to (`None` only for January–March of `i32::MIN`;
    /// never for a [validated](WageMonthInput::validated) month).
    pub fn fiscal_year(&self) -> Option<FiscalYear> {
        FiscalYear::of_month(self.year, self.month)
    }

    /// The month's figures as totals over one month.
    pub fn totals(&self) -> WageTotals {
        WageTotals {
            months: 1,
            wages_paid: self.wages_paid,
            user_months: self.user_months,
            user_days: self.user_days,
            opening_days: self.opening_days,
            work_hours: self.work_hours,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::validation::field_codes as error_fields;

    /// A plausible month of a facility of 15 users, for tests.
    pub(crate) fn month(year: i32, month: u32) -> WageMonthInput {
        WageMonthInput {
            year,
            month,
            wages_paid: Yen(300_000),
            user_months: 15,
            user_days: 300,
            opening_days: 20,
            work_hours: 1_800,
        }
    }

    // --- monthly records ------------------------------------------------------------------

    #[test]
    fn a_monthly_record_is_validated_field_by_field() {
        assert_eq!(month(2025, 4).validated(), Ok(month(2025, 4)));
        let feb_leap = WageMonthInput {
            opening_days: 29,
            ..month(2024, 2)
        };
        assert!(feb_leap.validated().is_ok());
        let feb = WageMonthInput {
            opening_days: 29,
            ..month(2025, 2)
        };
        let errors = feb.validated().expect_err("29 days in February 2025");
        assert_eq!(errors.0[0].message, "0から28の範囲で入力してください");

        let bad = WageMonthInput {
            year: 1999,
            month: 13,
            wages_paid: Yen(-1),
            user_months: -1,
            user_days: -1,
            opening_days: 32,
            work_hours: MAX_MONTHLY_COUNT + 1,
        };
        for (year, month) in [(i32::MIN, 1), (i32::MAX, 12), (2000, 3), (2101, 4)] {
            let outside = WageMonthInput {
                year,
                month,
                ..bad.clone()
            };
            let errors = outside.validated().expect_err("outside the fiscal years");
            assert_eq!(errors.0[0].field, "year", "{year}-{month}");
        }
        for (year, month) in [(2000, 4), (2101, 3)] {
            assert!(
                super::tests::month(year, month).validated().is_ok(),
                "{year}-{month}"
            );
        }
        assert_eq!(month(i32::MIN, 1).fiscal_year(), None);
        assert_eq!(
            error_fields(bad.validated().expect_err("invalid")),
            [
                ("year", "out_of_range"),
                ("month", "out_of_range"),
                ("wages_paid", "out_of_range"),
                ("user_months", "out_of_range"),
                ("user_days", "out_of_range"),
                ("work_hours", "out_of_range"),
                ("opening_days", "out_of_range"),
            ]
            .map(|(f, c)| (f.to_string(), c.to_string()))
        );

        let inconsistent = WageMonthInput {
            user_months: 0,
            opening_days: 0,
            ..month(2025, 5)
        };
        let errors = inconsistent.validated().expect_err("inconsistent");
        assert_eq!(
            error_fields(errors.clone()),
            [("user_months", "required"), ("opening_days", "required")]
                .map(|(f, c)| (f.to_string(), c.to_string()))
        );
        assert_eq!(
            errors.0[0].message,
            "工賃を支払った利用者の人数を入力してください"
        );
        // A month with nothing at all is a closed month, and valid.
        let closed = WageMonthInput {
            wages_paid: Yen(0),
            user_months: 0,
            user_days: 0,
            opening_days: 0,
            work_hours: 0,
            ..month(2025, 8)
        };
        assert!(closed.validated().is_ok());
    }
}
