//! The council itself: the issuer of receipts at joint events, and its settings.

use crate::money::Yen;
use crate::printers::{DEFAULT_PRINTER_PORTS, PrinterRules};
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
    /// 出金 above this amount needs a manager's PIN when a cashier takes it out.
    pub payout_approval_limit: Yen,
    /// The ports a register's printer may listen on (9100 unless set).
    #[serde(default = "default_printer_ports")]
    pub printer_ports: Vec<u16>,
    /// Printers may have link-local addresses (169.254.x.x, fe80::); off unless set.
    #[serde(default)]
    pub allow_link_local_printers: bool,
    /// 振込先 printed on the council's invoices (bank, branch, account kind and number, holder).
    #[serde(default)]
    pub bank_account: String,
    pub updated_at: DateTime<Utc>,
}

impl Council {
    /// Where the registers' printers may be under these settings; `allow_loopback` is the
    /// server's test switch (`--allow-loopback-printers`), never a council setting.
    pub fn printer_rules(&self, allow_loopback: bool) -> PrinterRules {
        PrinterRules {
            ports: self.printer_ports.clone(),
            allow_link_local: self.allow_link_local_printers,
            allow_loopback,
        }
    }
}

/// The printer ports of a council that has not set them: 9100.
pub fn default_printer_ports() -> Vec<u16> {
    DEFAULT_PRINTER_PORTS.to_vec()
}

/// At most this many printer ports.
pub const MAX_PRINTER_PORTS: usize = 16;

/// The payout limit of a council that has not set one: ¥5,000.
pub const DEFAULT_PAYOUT_APPROVAL_LIMIT: Yen = Yen(5_000);

/// The largest payout limit (a payout is at most ¥10,000,000).
pub const MAX_PAYOUT_APPROVAL_LIMIT: Yen = Yen(10_000_000);

fn default_payout_approval_limit() -> Yen {
    DEFAULT_PAYOUT_APPROVAL_LIMIT
}

/// Whether a payout of `amount` needs a manager's approval under `limit`: above it, not at it.
pub fn payout_needs_approval(amount: Yen, limit: Yen) -> bool {
    amount > limit
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
    /// 出金 above this needs a manager's PIN (¥0: every payout by a cashier does).
    #[serde(default = "default_payout_approval_limit")]
    pub payout_approval_limit: Yen,
    /// The ports a register's printer may listen on (9100 unless set; 1024–65535).
    #[serde(default = "default_printer_ports")]
    pub printer_ports: Vec<u16>,
    /// Allow printers at link-local addresses (169.254.x.x, fe80::).
    #[serde(default)]
    pub allow_link_local_printers: bool,
    /// 振込先 printed on the council's invoices.
    #[serde(default)]
    pub bank_account: String,
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
        let bank_account = e.optional_text("bank_account", &self.bank_account, 200);
        if !(0..=MAX_PAYOUT_APPROVAL_LIMIT.0).contains(&self.payout_approval_limit.0) {
            e.add(
                "payout_approval_limit",
                "out_of_range",
                "出金の承認が要る金額は0円〜1,000万円で入力してください",
            );
        }
        let mut printer_ports = self.printer_ports.clone();
        printer_ports.sort_unstable();
        printer_ports.dedup();
        if printer_ports.is_empty() || printer_ports.len() > MAX_PRINTER_PORTS {
            e.add(
                "printer_ports",
                "out_of_range",
                format!("プリンターのポートは1〜{MAX_PRINTER_PORTS}個指定してください"),
            );
        } else if let Some(port) = printer_ports.iter().find(|&&p| p < 1024) {
            e.add(
                "printer_ports",
                "out_of_range",
                format!("ポート{port}は使えません。プリンターのポートは1024〜65535です(通常は9100)"),
            );
        }
        e.into_result(CouncilInput {
            printer_ports,
            name,
            invoice_number,
            receipt_footer,
            address,
            phone,
            bank_account,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(limit: i64) -> CouncilInput {
        CouncilInput {
            name: "協議会".into(),
            invoice_number: None,
            address: String::new(),
            phone: String::new(),
            receipt_footer: String::new(),
            tax_rounding: RoundingMode::Down,
            voucher_gives_change: false,
            payout_approval_limit: Yen(limit),
            printer_ports: default_printer_ports(),
            allow_link_local_printers: false,
            bank_account: String::new(),
        }
    }

    #[test]
    fn printer_ports_default_to_9100_and_are_checked() {
        let parsed: CouncilInput =
            serde_json::from_value(serde_json::json!({"name": "協議会"})).expect("parses");
        assert_eq!(parsed.printer_ports, [9100]);
        assert!(!parsed.allow_link_local_printers);
        let with = |ports: Vec<u16>| CouncilInput {
            printer_ports: ports,
            ..input(0)
        };
        assert_eq!(
            with(vec![9101, 9100, 9101])
                .validated()
                .expect("valid")
                .printer_ports,
            [9100, 9101],
            "sorted, once each"
        );
        for bad in [vec![], vec![22], vec![9100, 0], (2000..2017).collect()] {
            let e = with(bad.clone()).validated().expect_err("refused");
            assert_eq!(e.0[0].field, "printer_ports", "{bad:?}");
        }
    }

    #[test]
    fn a_payout_above_the_limit_needs_approval() {
        assert!(!payout_needs_approval(Yen(4_999), Yen(5_000)));
        assert!(!payout_needs_approval(Yen(5_000), Yen(5_000)), "at the limit: no");
        assert!(payout_needs_approval(Yen(5_001), Yen(5_000)));
        assert!(payout_needs_approval(Yen(1), Yen(0)), "limit ¥0: every payout");
    }

    #[test]
    fn the_limit_defaults_to_5000_and_is_bounded() {
        let parsed: CouncilInput =
            serde_json::from_value(serde_json::json!({"name": "協議会"})).expect("parses");
        assert_eq!(parsed.payout_approval_limit, DEFAULT_PAYOUT_APPROVAL_LIMIT);
        assert!(input(0).validated().is_ok());
        assert!(input(10_000_000).validated().is_ok());
        for bad in [-1, 10_000_001, i64::MIN, i64::MAX] {
            let e = input(bad).validated().expect_err("out of range");
            assert_eq!(e.0[0].field, "payout_approval_limit");
        }
    }
}
