//! Tablets registered as the till of a register.

use crate::events::RegisterRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/devices`: registers this browser (a tablet) as a till of a register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceInput {
    pub register_id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: i64,
    pub name: String,
    pub register: RegisterRef,
    pub registered_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

/// `GET /api/v1/device`: what a registered tablet shows before anyone signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceStatus {
    pub device_id: i64,
    pub name: String,
    pub register: RegisterRef,
    /// Cashiers who may sign in here with their PIN: (login, display name).
    pub cashiers: Vec<CashierRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CashierRef {
    pub login: String,
    pub display_name: String,
}
