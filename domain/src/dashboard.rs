//! The dashboard of a running or finished event: sales by hour, facility and tender, and the
//! best sellers.

use crate::events::EventState;
use crate::money::Yen;
use crate::register_sessions::TenderTotal;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    pub net: Yen,
    pub sales: i64,
    pub hours: Vec<HourSales>,
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
}
