//! Money: integer yen. The yen has no minor unit, so every amount is a whole `i64`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in yen (tax included unless the name says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Yen(pub i64);

impl Yen {
    pub const ZERO: Yen = Yen(0);

    pub fn checked_add(self, other: Yen) -> Option<Yen> {
        self.0.checked_add(other.0).map(Yen)
    }

    pub fn checked_sub(self, other: Yen) -> Option<Yen> {
        self.0.checked_sub(other.0).map(Yen)
    }

    pub fn checked_mul(self, quantity: i64) -> Option<Yen> {
        self.0.checked_mul(quantity).map(Yen)
    }

    /// `1234567` → `"1,234,567"` (negative amounts keep their sign).
    pub fn grouped(self) -> String {
        let digits = self.0.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if self.0 < 0 {
            out.push('-');
        }
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        out
    }
}

impl Yen {
    /// `basis_points` ten-thousandths of this amount, rounded down to the yen: a commission
    /// or fee that is a share (1000 = 10%). Saturates rather than wraps on absurd inputs.
    pub fn share_rounded_down(self, basis_points: i64) -> Yen {
        let share =
            crate::tax::RoundingMode::Down.divide(i128::from(self.0) * i128::from(basis_points), 10_000);
        Yen(i64::try_from(share).unwrap_or(if share < 0 { i64::MIN } else { i64::MAX }))
    }
}

/// A share in basis points as people write it: `1000` → `10%`, `1050` → `10.50%`.
pub fn percent_label(basis_points: i64) -> String {
    let (whole, frac) = (basis_points / 100, basis_points % 100);
    if frac == 0 {
        format!("{whole}%")
    } else {
        format!("{whole}.{frac:02}%")
    }
}

impl Yen {
    /// `¥1,234`, and `▲¥1,234` for an amount below zero: the form of 精算書 and other
    /// accounting sheets, where a minus sign is easily missed.
    pub fn on_statement(self) -> String {
        if self.0 < 0 {
            format!("▲¥{}", Yen(self.0).grouped().trim_start_matches('-'))
        } else {
            self.to_string()
        }
    }
}

/// `¥1,234`, and `-¥1,234` below zero (the sign before the yen mark, as Japanese invoices and
/// receipts write it): the form used on screen and on receipts. Every amount the UI shows goes
/// through here.
impl fmt::Display for Yen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < 0 {
            write!(f, "-¥{}", self.grouped().trim_start_matches('-'))
        } else {
            write!(f, "¥{}", self.grouped())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(Yen(0).to_string(), "¥0");
        assert_eq!(Yen(999).to_string(), "¥999");
        assert_eq!(Yen(1000).to_string(), "¥1,000");
        assert_eq!(Yen(12_496_530).to_string(), "¥12,496,530");
        assert_eq!(Yen(i64::MIN).grouped(), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn the_minus_sign_comes_before_the_yen_mark() {
        assert_eq!(Yen(-3000).to_string(), "-¥3,000");
        assert_eq!(Yen(-1).to_string(), "-¥1");
        assert_eq!(Yen(-999_999).to_string(), "-¥999,999");
        assert_eq!(Yen(i64::MIN).to_string(), "-¥9,223,372,036,854,775,808");
        assert!(!Yen(-1234).to_string().contains("¥-"));
    }

    #[test]
    fn statements_mark_amounts_below_zero_with_a_triangle() {
        assert_eq!(Yen(-3000).on_statement(), "▲¥3,000");
        assert_eq!(Yen(i64::MIN).on_statement(), "▲¥9,223,372,036,854,775,808");
        assert_eq!(Yen(3000).on_statement(), "¥3,000");
        assert_eq!(Yen(0).on_statement(), "¥0");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Yen(i64::MAX).checked_add(Yen(1)), None);
        assert_eq!(Yen(500).checked_mul(3), Some(Yen(1500)));
        assert_eq!(Yen(i64::MAX / 2 + 1).checked_mul(2), None);
    }
}
