//! The service's own state, for monitoring.

use serde::{Deserialize, Serialize};

/// `GET /healthz`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    /// `sqlite` or `postgres`
    pub database: String,
    /// The newest migration applied.
    pub schema_version: i64,
    pub version: String,
}
