//! The dashboard of a running or finished event: sales by hour, facility and tender, and the
//! best sellers.

use crate::events::EventState;
use crate::money::Yen;
use crate::register_sessions::TenderTotal;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Sales in one hour (Asia/Tokyo) of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourSales {
    /// Local date and hour: `2026-11-28 10時`.
    pub label: String,
    pub starts_at: DateTime<Utc>,
    /// Net of voids and refunds.
    pub amount: Yen,
    /// Sales (not voids or refunds) rung up in the hour.
    pub sales: i64,
}

/// Sales on one day (Asia/Tokyo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DaySales {
    pub day: NaiveDate,
    /// Net of voids and refunds.
    pub amount: Yen,
    /// Sales (not voids or refunds).
    pub sales: i64,
}

/// Sales in one month (Asia/Tokyo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthSales {
    pub year: i32,
    pub month: u32,
    pub amount: Yen,
    pub sales: i64,
}

/// Records (when sold, whether a sale rather than a void or refund, signed total) summed by
/// day and by month in Japan.
pub fn days_and_months(records: &[(DateTime<Utc>, bool, Yen)]) -> (Vec<DaySales>, Vec<MonthSales>) {
    let mut days: BTreeMap<NaiveDate, DaySales> = BTreeMap::new();
    for &(at, is_sale, total) in records {
        let day = crate::events::tokyo_date(at);
        let d = days.entry(day).or_insert(DaySales {
            day,
            amount: Yen::ZERO,
            sales: 0,
        });
        d.amount.0 = d.amount.0.saturating_add(total.0);
        d.sales += i64::from(is_sale);
    }
    let mut months: Vec<MonthSales> = Vec::new();
    for d in days.values() {
        let (year, month) = (d.day.year(), d.day.month());
        match months.last_mut() {
            Some(m) if (m.year, m.month) == (year, month) => {
                m.amount.0 = m.amount.0.saturating_add(d.amount.0);
                m.sales += d.sales;
            }
            _ => months.push(MonthSales {
                year,
                month,
                amount: d.amount,
                sales: d.sales,
            }),
        }
    }
    (days.into_values().collect(), months)
}

/// A product among the best sellers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BestSeller {
    pub product_id: i64,
    pub name: String,
    pub facility_name: String,
    pub quantity: i64,
    pub amount: Yen,
}

/// A facility's net sales, for the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityAmount {
    pub facility_id: i64,
    pub facility_name: String,
    pub amount: Yen,
}

/// The figures of a running or finished event, for charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventDashboard {
    pub event_id: i64,
    pub event_name: String,
    pub state: EventState,
    /// A standing shop, settled by period.
    #[serde(default)]
    pub standing: bool,
    pub net: Yen,
    pub sales: i64,
    /// By hour; a standing shop's of its latest day only (its days and months are below).
    pub hours: Vec<HourSales>,
    /// By day (Asia/Tokyo), oldest first.
    #[serde(default)]
    pub days: Vec<DaySales>,
    /// By month (Asia/Tokyo), oldest first.
    #[serde(default)]
    pub months: Vec<MonthSales>,
    pub facilities: Vec<FacilityAmount>,
    pub tenders: Vec<TenderTotal>,
    pub best_sellers: Vec<BestSeller>,
    pub generated_at: DateTime<Utc>,
}

/// Percent (0–100) of `part` in `whole`, for bar lengths; 0 when the whole is not positive.
pub fn share_percent(part: Yen, whole: Yen) -> i64 {
    if whole.0 <= 0 || part.0 <= 0 {
        return 0;
    }
    i64::try_from(i128::from(part.0) * 100 / i128::from(whole.0))
        .unwrap_or(100)
        .min(100)
}

/// A bar's length in tenths of a percent (0–1000) of the longest bar, for `value` when the
/// chart's largest value is `max`: rounded to the nearest, so bars are as long as the numbers
/// shown beside them say (a bar for ¥50,000 is half the one for ¥100,000). Nothing below zero.
pub fn bar_permille(value: Yen, max: Yen) -> i64 {
    if max.0 <= 0 || value.0 <= 0 {
        return 0;
    }
    let scaled = (i128::from(value.0) * 2000 + i128::from(max.0)) / (2 * i128::from(max.0));
    i64::try_from(scaled).unwrap_or(1000).min(1000)
}

/// [`bar_permille`] as a CSS length: `"50.0%"`.
pub fn bar_css(value: Yen, max: Yen) -> String {
    let permille = bar_permille(value, max);
    format!("{}.{}%", permille / 10, permille % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_proportional_to_their_numbers() {
        let max = Yen(120_000);
        assert_eq!(bar_permille(Yen(120_000), max), 1000);
        assert_eq!(bar_permille(Yen(60_000), max), 500);
        assert_eq!(bar_permille(Yen(40_000), max), 333);
        assert_eq!(bar_permille(Yen(80_000), max), 667, "rounded to the nearest");
        assert_eq!(bar_css(Yen(30_000), max), "25.0%");
        assert_eq!(bar_css(Yen(40_000), max), "33.3%");
        // Twice the number, twice the bar (to the rounding).
        for (small, large) in [(1_234, 2_468), (17_500, 35_000), (1, 2)] {
            let (a, b) = (
                bar_permille(Yen(small), Yen(40_000)),
                bar_permille(Yen(large), Yen(40_000)),
            );
            assert!((b - 2 * a).abs() <= 1, "{small} → {a}, {large} → {b}");
        }
    }

    #[test]
    fn nothing_below_zero_or_over_the_top() {
        assert_eq!(bar_permille(Yen(-5), Yen(100)), 0);
        assert_eq!(bar_permille(Yen(5), Yen(0)), 0);
        assert_eq!(bar_permille(Yen(500), Yen(100)), 1000);
        assert_eq!(bar_permille(Yen(i64::MAX), Yen(i64::MAX)), 1000);
    }
    #[test]
    fn records_add_up_by_day_and_month_in_japan() {
        let at = |y, m, d, h| {
            NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .expect("time")
                .and_utc()
        };
        let (days, months) = days_and_months(&[
            // 16:00 UTC on 31 October is 1 November in Japan.
            (at(2026, 10, 31, 16), true, Yen(500)),
            (at(2026, 10, 31, 2), true, Yen(300)),
            (at(2026, 11, 1, 3), false, Yen(-100)),
            (at(2026, 11, 2, 3), true, Yen(200)),
        ]);
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("date");
        assert_eq!(
            days.iter()
                .map(|d| (d.day, d.amount.0, d.sales))
                .collect::<Vec<_>>(),
            vec![(day(10, 31), 300, 1), (day(11, 1), 400, 1), (day(11, 2), 200, 1)]
        );
        assert_eq!(
            months
                .iter()
                .map(|m| (m.month, m.amount.0, m.sales))
                .collect::<Vec<_>>(),
            vec![(10, 300, 1), (11, 600, 2)]
        );
    }
}
