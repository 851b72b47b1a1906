//! The audit log's records, as the API shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One record of the audit log: who changed what, when, from which register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_login: String,
    pub register_id: Option<i64>,
    /// `product.update`, `user.create`, `session.login_failed`, …
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// Any JSON value, or null.
    pub before: Option<serde_json::Value>,
    /// Any JSON value, or null.
    pub after: Option<serde_json::Value>,
}
