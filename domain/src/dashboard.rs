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
