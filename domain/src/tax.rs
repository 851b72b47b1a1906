//! Consumption tax (消費税): the two rates and the tax contained in a tax-included amount.

use crate::money::Yen;
use serde::{Deserialize, Serialize};

/// The consumption tax rate of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TaxRate {
    /// 標準税率 10%: crafts, textiles, soap, flowers, food eaten on the spot.
    Standard,
    /// 軽減税率 8%: food and non-alcoholic drinks for take-away.
    Reduced,
}

impl TaxRate {
    pub const ALL: [TaxRate; 2] = [TaxRate::Standard, TaxRate::Reduced];

    pub fn percent(self) -> i64 {
        match self {
            TaxRate::Standard => 10,
            TaxRate::Reduced => 8,
        }
    }

    /// The code stored in the database and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            TaxRate::Standard => "standard",
            TaxRate::Reduced => "reduced",
        }
    }

    pub fn from_code(code: &str) -> Option<TaxRate> {
        TaxRate::ALL.into_iter().find(|r| r.code() == code)
    }

    /// How the rate is named on screen and on receipts.
    pub fn label_ja(self) -> &'static str {
        match self {
            TaxRate::Standard => "10%(標準)",
            TaxRate::Reduced => "8%(軽減)",
        }
    }

    /// The tax contained in a tax-included amount: `amount × rate / (100 + rate)`, rounded as
    /// `mode` says. Apply it once per rate per invoice, never per line.
    pub fn included_tax(self, tax_included: Yen, mode: RoundingMode) -> Yen {
        let numerator = i128::from(tax_included.0) * i128::from(self.percent());
        let denominator = i128::from(100 + self.percent());
        let tax = mode.divide(numerator, denominator);
        // |tax| < |amount|, so it always fits back into i64.
        Yen(i64::try_from(tax).unwrap_or(if tax < 0 { i64::MIN } else { i64::MAX }))
    }
}

/// How a fraction of a yen is rounded (端数処理). Round down is the common choice at the till.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RoundingMode {
    /// 切り捨て
    #[default]
    Down,
    /// 四捨五入
    HalfUp,
    /// 切り上げ
    Up,
}

impl RoundingMode {
    pub const ALL: [RoundingMode; 3] = [RoundingMode::Down, RoundingMode::HalfUp, RoundingMode::Up];

    pub fn code(self) -> &'static str {
        match self {
            RoundingMode::Down => "down",
            RoundingMode::HalfUp => "half_up",
            RoundingMode::Up => "up",
        }
    }

    pub fn from_code(code: &str) -> Option<RoundingMode> {
        RoundingMode::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            RoundingMode::Down => "切り捨て",
            RoundingMode::HalfUp => "四捨五入",
            RoundingMode::Up => "切り上げ",
        }
    }

    /// `numerator / denominator` rounded by this mode, towards the sign of the quotient for
    /// negative amounts (a refund's tax mirrors the sale's). `denominator` must be positive.
    pub fn divide(self, numerator: i128, denominator: i128) -> i128 {
        let magnitude = numerator.unsigned_abs();
        let d = denominator.unsigned_abs();
        let (q, r) = (magnitude / d, magnitude % d);
        let rounded = match self {
            RoundingMode::Down => q,
            RoundingMode::Up => q + u128::from(r > 0),
            RoundingMode::HalfUp => q + u128::from(r * 2 >= d),
        };
        let rounded = i128::try_from(rounded).unwrap_or(i128::MAX);
        if numerator < 0 { -rounded } else { rounded }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_is_rounded_once_per_rate_not_per_line() {
        // Two ¥120 items at 8%, rounding down: per line 8 + 8 = 16, per receipt 240×8/108 = 17.
        let per_line = TaxRate::Reduced.included_tax(Yen(120), RoundingMode::Down).0 * 2;
        let per_receipt = TaxRate::Reduced.included_tax(Yen(240), RoundingMode::Down);
        assert_eq!(per_line, 16);
        assert_eq!(per_receipt, Yen(17));
    }

    #[test]
    fn standard_rate_and_rounding_modes() {
        // 1,650 × 10/110 = 150 exactly.
        assert_eq!(
            TaxRate::Standard.included_tax(Yen(1650), RoundingMode::Down),
            Yen(150)
        );
        // 1,000 × 10/110 = 90.909…
        assert_eq!(
            TaxRate::Standard.included_tax(Yen(1000), RoundingMode::Down),
            Yen(90)
        );
        assert_eq!(
            TaxRate::Standard.included_tax(Yen(1000), RoundingMode::HalfUp),
            Yen(91)
        );
        assert_eq!(
            TaxRate::Standard.included_tax(Yen(1000), RoundingMode::Up),
            Yen(91)
        );
        // 1,012 × 8/108 = 74.96… ; 162 × 8/108 = 12 exactly.
        assert_eq!(
            TaxRate::Reduced.included_tax(Yen(1012), RoundingMode::HalfUp),
            Yen(75)
        );
        assert_eq!(TaxRate::Reduced.included_tax(Yen(162), RoundingMode::Up), Yen(12));
    }

    #[test]
    fn half_up_at_exactly_half() {
        assert_eq!(RoundingMode::HalfUp.divide(5, 10), 1);
        assert_eq!(RoundingMode::HalfUp.divide(4, 10), 0);
        assert_eq!(RoundingMode::HalfUp.divide(-5, 10), -1);
        assert_eq!(RoundingMode::Down.divide(-19, 10), -1);
    }

    #[test]
    fn refunds_mirror_sales() {
        for mode in RoundingMode::ALL {
            for amount in [1, 99, 108, 240, 1000, 123_457] {
                for rate in TaxRate::ALL {
                    let sale = rate.included_tax(Yen(amount), mode);
                    let refund = rate.included_tax(Yen(-amount), mode);
                    assert_eq!(refund.0, -sale.0, "{rate:?} {mode:?} {amount}");
                }
            }
        }
    }

    #[test]
    fn huge_amounts_do_not_overflow() {
        let tax = TaxRate::Standard.included_tax(Yen(i64::MAX), RoundingMode::Up);
        assert!(tax.0 > 0 && tax.0 < i64::MAX);
    }

    #[test]
    fn codes_round_trip() {
        for rate in TaxRate::ALL {
            assert_eq!(TaxRate::from_code(rate.code()), Some(rate));
        }
        for mode in RoundingMode::ALL {
            assert_eq!(RoundingMode::from_code(mode.code()), Some(mode));
        }
        assert_eq!(TaxRate::from_code("zero"), None);
    }
}
