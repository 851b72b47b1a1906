//! The council itself: the issuer of receipts at joint events, and its settings.

use crate::tax::RoundingMode;
use crate::validation::{FieldErrors, invoice_number};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The council itself: the issuer of receipts at joint events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Council {
    pub name: String,
    pub invoice_number: Option<String>,
    pub address: String,
    pub phone: String,
    pub receipt_footer: String,
    /// How the tax per rate on a receipt is rounded.
    pub tax_rounding: RoundingMode,
    /// A gift voucher paid over the total gives change in cash (off: the surplus is kept).
    pub voucher_gives_change: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CouncilInput {
    pub name: String,
    #[serde(default)]
    pub invoice_number: Option<String>,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub receipt_footer: String,
    #[serde(default)]
    pub tax_rounding: RoundingMode,
    #[serde(default)]
    pub voucher_gives_change: bool,
}

impl CouncilInput {
    pub fn validated(&self) -> Result<CouncilInput, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = e.required_text("name", &self.name, 100);
        let invoice_number = invoice_number(
            &mut e,
            "invoice_number",
            self.invoice_number.as_deref().unwrap_or(""),
        );
        let receipt_footer = e.optional_text("receipt_footer", &self.receipt_footer, 400);
        let address = e.optional_text("address", &self.address, 200);
        let phone = e.optional_text("phone", &self.phone, 40);
        e.into_result(CouncilInput {
            name,
            invoice_number,
            receipt_footer,
            address,
            phone,
            ..self.clone()
        })
    }
}
