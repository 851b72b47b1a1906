//! Integer tenths (figures the table publishes with one decimal) and the number formats of
//! the published table: `1,234`, `△12`, `25,399.5`, full-width digits.

use crate::Yen;
use serde::{Deserialize, Serialize};
use std::fmt;

/// `numerator ÷ denominator` rounded half up (half away from zero for negatives), or `None` when
/// the denominator is not positive. One rounding of the exact quotient: never round twice.
pub(crate) fn div_round_half_up(numerator: i128, denominator: i128) -> Option<i128> {
    if denominator <= 0 {
        return None;
    }
    let magnitude = (numerator.checked_abs()?.checked_mul(2)? + denominator) / (denominator * 2);
    Some(if numerator < 0 { -magnitude } else { magnitude })
}

pub(crate) fn narrow(value: i128) -> Option<i64> {
    i64::try_from(value).ok()
}

/// `1234567` → `"1,234,567"`, the digits only (the sign is the caller's).
pub(crate) fn group_digits(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A figure with one decimal, held as an integer count of tenths: `Tenths(253995)` is 25,399.5.
///
/// The prefecture publishes average wages (yen) with one decimal, and achievement rates and
/// daily users are shown the same way; floats would make "25,399.5" depend on the machine.
/// In JSON it is the integer count of tenths. [`fmt::Display`] groups thousands like the
/// published table (`25,399.5`); [`Tenths::plain`] gives `25399.5` for files and inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tenths(pub i64);

impl Tenths {
    pub const ZERO: Tenths = Tenths(0);

    /// `numerator ÷ denominator` to one decimal, half up; `None` when the denominator is 0 or
    /// negative (no users, no hours: there is no average, which is not the same as 0.0).
    pub fn ratio(numerator: i64, denominator: i64) -> Option<Tenths> {
        let tenths = div_round_half_up(i128::from(numerator) * 10, i128::from(denominator))?;
        narrow(tenths).map(Tenths)
    }

    /// A whole number of yen (or of anything) as tenths; `None` on overflow.
    pub fn from_whole(value: i64) -> Option<Tenths> {
        value.checked_mul(10).map(Tenths)
    }

    /// A yen amount as tenths of a yen, to compare it with a published one-decimal average.
    pub fn from_yen(amount: Yen) -> Option<Tenths> {
        Tenths::from_whole(amount.0)
    }

    /// `25399.5`, without thousands separators (for CSV files and form inputs).
    pub fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{}", abs / 10, abs % 10)
    }

    /// `25,399.5`, grouped as in the prefecture's table.
    pub fn grouped(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{}", group_digits(abs / 10), abs % 10)
    }
}

/// `25,399.5` — the form of the published table.
impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

/// Why a label or a figure of the table could not be read. Messages are shown to staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WageParseError {
    #[error("値がありません")]
    Empty,
    #[error("数値ではありません:「{0}」")]
    NotANumber(String),
    #[error("桁区切りのカンマの位置が正しくありません:「{0}」")]
    Grouping(String),
    #[error("小数点以下は1桁までです:「{0}」")]
    TooManyDecimals(String),
    #[error("数値が大きすぎます:「{0}」")]
    TooLarge(String),
    #[error(
        "年度は{first}〜{last}年度を「令和7年度」「R7」「平成28年度」「H28」「2016」のように書いてください:「{0}」",
        first = crate::wages::FiscalYear::FIRST.0,
        last = crate::wages::FiscalYear::LAST.0
    )]
    FiscalYear(String),
}

impl WageParseError {
    /// The machine-readable reason, as in [`crate::validation::FieldError::code`].
    pub fn code(&self) -> &'static str {
        match self {
            WageParseError::Empty => "required",
            WageParseError::TooLarge(_) => "out_of_range",
            _ => "format",
        }
    }
}

/// Full-width digits, commas and points (typed with a Japanese IME, or in a PDF's text) become
/// ASCII, so `１２，４９６` reads like `12,496`.
fn normalise_number(text: &str) -> String {
    crate::codes::normalise_digits(text.trim())
        .chars()
        .map(|c| match c {
            '，' | '、' => ',',
            '．' => '.',
            '－' | '−' => '-',
            _ => c,
        })
        .collect()
}

/// Digits, optionally grouped by commas in threes (`12,496,530`), without a sign.
fn parse_unsigned_grouped(digits: &str, original: &str) -> Result<i64, WageParseError> {
    if digits.is_empty() {
        return Err(WageParseError::NotANumber(original.to_string()));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return Err(WageParseError::NotANumber(original.to_string()));
    }
    // A misplaced comma is how a misread PDF shows itself: refuse rather than guess the number.
    let groups: Vec<&str> = digits.split(',').collect();
    let well_grouped = groups.len() == 1
        || groups.iter().enumerate().all(|(i, g)| {
            if i == 0 {
                (1..=3).contains(&g.len())
            } else {
                g.len() == 3
            }
        });
    if !well_grouped {
        return Err(WageParseError::Grouping(original.to_string()));
    }
    let mut value: i64 = 0;
    for b in digits.bytes().filter(u8::is_ascii_digit) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or_else(|| WageParseError::TooLarge(original.to_string()))?;
    }
    Ok(value)
}

/// Splits an optional leading minus sign off a normalised number.
fn split_sign(text: &str) -> (bool, &str) {
    match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}

/// Reads a whole number as the table prints it: `12,496,530`, `492`, `1,308`. Commas must group
/// in threes; a blank cell is [`WageParseError::Empty`] (the caller decides whether that is fine).
pub fn parse_grouped_number(text: &str) -> Result<i64, WageParseError> {
    let normalised = normalise_number(text);
    if normalised.is_empty() {
        return Err(WageParseError::Empty);
    }
    let (negative, digits) = split_sign(&normalised);
    let value = parse_unsigned_grouped(digits, text.trim())?;
    Ok(if negative { -value } else { value })
}

/// Reads a figure with at most one decimal as tenths: `25,399.5` → `Tenths(253995)`; a whole
/// number counts as `.0` (`19,710` → 19,710.0). More decimals are refused, not rounded: the
/// table publishes one, so a second one means the cell is not what it claims to be.
pub fn parse_tenths(text: &str) -> Result<Tenths, WageParseError> {
    let normalised = normalise_number(text);
    if normalised.is_empty() {
        return Err(WageParseError::Empty);
    }
    let original = text.trim();
    let (negative, unsigned) = split_sign(&normalised);
    let (whole_text, decimal) = match unsigned.split_once('.') {
        None => (unsigned, 0),
        Some((whole, fraction)) => {
            let digits = fraction.as_bytes();
            match digits {
                [d] if d.is_ascii_digit() => (whole, i64::from(d - b'0')),
                [] => return Err(WageParseError::NotANumber(original.to_string())),
                _ if digits.iter().all(u8::is_ascii_digit) => {
                    return Err(WageParseError::TooManyDecimals(original.to_string()));
                }
                _ => return Err(WageParseError::NotANumber(original.to_string())),
            }
        }
    };
    let whole = parse_unsigned_grouped(whole_text, original)?;
    let tenths = whole
        .checked_mul(10)
        .and_then(|t| t.checked_add(decimal))
        .ok_or_else(|| WageParseError::TooLarge(original.to_string()))?;
    Ok(Tenths(if negative { -tenths } else { tenths }))
}

#[cfg(test)]
mod tests {
    use super::*;

    // --- numbers --------------------------------------------------------------------------

    #[test]
    fn tenths_print_with_one_decimal() {
        assert_eq!(Tenths(253_995).to_string(), "25,399.5");
        assert_eq!(Tenths(253_995).plain(), "25399.5");
        assert_eq!(Tenths(1_970).to_string(), "197.0");
        assert_eq!(Tenths(0).to_string(), "0.0");
        assert_eq!(Tenths(-5).to_string(), "-0.5");
        assert_eq!(Tenths(-12_345_678).to_string(), "-1,234,567.8");
        assert_eq!(Tenths::from_yen(Yen(45_000)), Some(Tenths(450_000)));
        assert_eq!(Tenths::from_whole(i64::MAX), None);
    }

    #[test]
    fn grouped_numbers_parse_strictly() {
        assert_eq!(parse_grouped_number("12,496,530"), Ok(12_496_530));
        assert_eq!(parse_grouped_number("492"), Ok(492));
        assert_eq!(parse_grouped_number(" 1,308 "), Ok(1_308));
        assert_eq!(parse_grouped_number("１２，４９６"), Ok(12_496));
        assert_eq!(parse_grouped_number("0"), Ok(0));
        assert_eq!(parse_grouped_number("-1,234"), Ok(-1_234));
        assert_eq!(parse_grouped_number(""), Err(WageParseError::Empty));
        assert_eq!(parse_grouped_number("  "), Err(WageParseError::Empty));
        for misplaced in ["1,23,456", "12,34", ",123", "1,234,", "1234,567", "1,,234"] {
            assert_eq!(
                parse_grouped_number(misplaced),
                Err(WageParseError::Grouping(misplaced.into())),
                "{misplaced}"
            );
        }
        for junk in ["abc", "12.5", "1,2x", "-", "+5"] {
            assert_eq!(
                parse_grouped_number(junk),
                Err(WageParseError::NotANumber(junk.into())),
                "{junk}"
            );
        }
        assert_eq!(
            parse_grouped_number("99,999,999,999,999,999,999"),
            Err(WageParseError::TooLarge("99,999,999,999,999,999,999".into()))
        );
    }

    #[test]
    fn one_decimal_figures_parse_as_tenths() {
        assert_eq!(parse_tenths("25,399.5"), Ok(Tenths(253_995)));
        assert_eq!(parse_tenths("19,710"), Ok(Tenths(197_100)));
        assert_eq!(parse_tenths("7,609.0"), Ok(Tenths(76_090)));
        assert_eq!(parse_tenths("310.1"), Ok(Tenths(3_101)));
        assert_eq!(parse_tenths("0.0"), Ok(Tenths(0)));
        assert_eq!(parse_tenths("２５，３９９．５"), Ok(Tenths(253_995)));
        assert_eq!(parse_tenths("-0.5"), Ok(Tenths(-5)));
        assert_eq!(parse_tenths(""), Err(WageParseError::Empty));
        assert_eq!(
            parse_tenths("1.23"),
            Err(WageParseError::TooManyDecimals("1.23".into()))
        );
        assert_eq!(parse_tenths("1."), Err(WageParseError::NotANumber("1.".into())));
        assert_eq!(parse_tenths(".5"), Err(WageParseError::NotANumber(".5".into())));
        assert_eq!(parse_tenths("1.x"), Err(WageParseError::NotANumber("1.x".into())));
        assert_eq!(
            parse_tenths("25,39.5"),
            Err(WageParseError::Grouping("25,39.5".into()))
        );
    }
}
