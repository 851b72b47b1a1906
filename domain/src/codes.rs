//! Codes printed on goods and invoices, validated by their check digits.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a code was refused. The `Display` text is the Japanese message shown to staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("「T」と13桁の数字で入力してください")]
    InvoiceNumberFormat,
    #[error("登録番号のチェックディジットが一致しません")]
    InvoiceNumberCheckDigit,
    #[error("JANコードは8桁または13桁の数字で入力してください")]
    GtinFormat,
    #[error("JANコードのチェックディジットが一致しません")]
    GtinCheckDigit,
}

impl CodeError {
    /// Machine-readable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            CodeError::InvoiceNumberFormat | CodeError::GtinFormat => "format",
            CodeError::InvoiceNumberCheckDigit | CodeError::GtinCheckDigit => "check_digit",
        }
    }
}

/// 適格請求書発行事業者の登録番号: `T` followed by 13 digits whose first digit is a check
/// digit over the other twelve (the corporate number's rule).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InvoiceRegistrationNumber(String);

impl InvoiceRegistrationNumber {
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        // Staff copy these from certificates: accept full-width digits, spaces and hyphens.
        let normalised: String = normalise_digits(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let digits = normalised
            .strip_prefix('T')
            .or_else(|| normalised.strip_prefix('t'))
            .ok_or(CodeError::InvoiceNumberFormat)?;
        if digits.len() != 13 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::InvoiceNumberFormat);
        }
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        if d[0] != corporate_number_check_digit(&d[1..]) {
            return Err(CodeError::InvoiceNumberCheckDigit);
        }
        Ok(Self(format!("T{digits}")))
    }

    /// Completes a 12-digit corporate number body with its check digit (demo data, tests).
    pub fn with_check_digit(twelve: &str) -> Result<Self, CodeError> {
        if twelve.len() != 12 || !twelve.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::InvoiceNumberFormat);
        }
        let d: Vec<u32> = twelve.bytes().map(|b| u32::from(b - b'0')).collect();
        Ok(Self(format!("T{}{twelve}", corporate_number_check_digit(&d))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// check = 9 − (Σ P(n)·Q(n) mod 9), P(n) the n-th digit from the right, Q(n) = 1 odd / 2 even.
fn corporate_number_check_digit(twelve: &[u32]) -> u32 {
    let sum: u32 = twelve
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &p)| if (i + 1) % 2 == 1 { p } else { p * 2 })
        .sum();
    9 - sum % 9
}

impl TryFrom<String> for InvoiceRegistrationNumber {
    type Error = CodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<InvoiceRegistrationNumber> for String {
    fn from(value: InvoiceRegistrationNumber) -> Self {
        value.0
    }
}

impl fmt::Display for InvoiceRegistrationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A JAN / EAN barcode number (GTIN-13, or the short GTIN-8), check digit verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Gtin(String);

impl Gtin {
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let digits = normalise_digits(input.trim());
        if !(digits.len() == 13 || digits.len() == 8) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::GtinFormat);
        }
        let (body, check) = digits.split_at(digits.len() - 1);
        if check != gtin_check_digit(body).to_string() {
            return Err(CodeError::GtinCheckDigit);
        }
        Ok(Self(digits))
    }

    /// Completes a 12- or 7-digit body with its check digit (used for demo data and labels).
    pub fn with_check_digit(body: &str) -> Result<Self, CodeError> {
        if !(body.len() == 12 || body.len() == 7) || !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::GtinFormat);
        }
        Ok(Self(format!("{body}{}", gtin_check_digit(body))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Weights 3, 1, 3, … from the rightmost digit of the body (= 1, 3, … from the left for JAN-13).
fn gtin_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

impl TryFrom<String> for Gtin {
    type Error = CodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Gtin> for String {
    fn from(value: Gtin) -> Self {
        value.0
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// インストアコード: JAN codes beginning with 02 or 20–29 are not registered with GS1 Japan;
/// each shop (here, each facility) numbers its own goods with them. A real JAN names one
/// product in the whole catalogue; an in-store code names one product of one facility, and
/// two facilities may well use the same one.
pub fn is_in_store_code(code: &str) -> bool {
    code.starts_with("02") || code.starts_with('2')
}

/// Where a product code must be unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeScope {
    /// A real JAN: one product in the whole catalogue.
    Catalogue,
    /// An in-store code: one product of its facility.
    Facility,
}

impl CodeScope {
    pub fn of(code: &str) -> CodeScope {
        if is_in_store_code(code) {
            CodeScope::Facility
        } else {
            CodeScope::Catalogue
        }
    }

    /// Whether a product of `product_facility` coded `product_code` has the code `code` as
    /// given for `facility`: the same code, and for an in-store code the same facility too.
    pub fn same_product_code(code: &str, facility: i64, product_code: &str, product_facility: i64) -> bool {
        code == product_code
            && match CodeScope::of(code) {
                CodeScope::Catalogue => true,
                CodeScope::Facility => facility == product_facility,
            }
    }
}

/// Full-width digits (０-９) and letters typed with a Japanese IME become ASCII.
pub fn normalise_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            'ー' | '－' | '―' => '-',
            '　' => ' ',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_national_tax_agencys_own_number() {
        // 国税庁's corporate number is 7000012050002.
        let n = InvoiceRegistrationNumber::parse("T7000012050002").expect("valid");
        assert_eq!(n.as_str(), "T7000012050002");
        assert_eq!(
            InvoiceRegistrationNumber::parse("Ｔ７０００ー０１２０５ー０００２").map(String::from),
            Ok("T7000012050002".into())
        );
    }

    #[test]
    fn rejects_wrong_check_digit_and_format() {
        assert_eq!(
            InvoiceRegistrationNumber::parse("T6000012050002"),
            Err(CodeError::InvoiceNumberCheckDigit)
        );
        assert_eq!(
            InvoiceRegistrationNumber::parse("7000012050002"),
            Err(CodeError::InvoiceNumberFormat)
        );
        assert_eq!(
            InvoiceRegistrationNumber::parse("T700001205000"),
            Err(CodeError::InvoiceNumberFormat)
        );
        assert_eq!(
            InvoiceRegistrationNumber::parse("T70000120500x2"),
            Err(CodeError::InvoiceNumberFormat)
        );
        assert_eq!(
            InvoiceRegistrationNumber::parse(""),
            Err(CodeError::InvoiceNumberFormat)
        );
    }

    #[test]
    fn every_check_digit_is_found_by_exactly_one_number() {
        let body = "000012050002";
        let valid: Vec<u32> = (1..=9)
            .filter(|c| InvoiceRegistrationNumber::parse(&format!("T{c}{body}")).is_ok())
            .collect();
        assert_eq!(valid, vec![7]);
        assert_eq!(
            InvoiceRegistrationNumber::with_check_digit(body).map(String::from),
            Ok("T7000012050002".into())
        );
    }

    #[test]
    fn gtin_check_digits() {
        assert!(Gtin::parse("4006381333931").is_ok());
        assert!(Gtin::parse("73513537").is_ok());
        assert!(Gtin::parse("4901234567894").is_ok());
        assert_eq!(Gtin::parse("4006381333932"), Err(CodeError::GtinCheckDigit));
        assert_eq!(Gtin::parse("400638133393"), Err(CodeError::GtinFormat));
        assert_eq!(Gtin::parse("abcdefghijklm"), Err(CodeError::GtinFormat));
        assert_eq!(
            Gtin::parse("４００６３８１３３３９３１").map(String::from),
            Ok("4006381333931".into())
        );
        assert_eq!(
            Gtin::with_check_digit("400638133393").map(String::from),
            Ok("4006381333931".into())
        );
    }

    #[test]
    fn in_store_codes_are_facility_wide_only() {
        for code in ["0212345678909", "2000000000015", "2912345678906", "20123451"] {
            assert!(is_in_store_code(code), "{code}");
            assert_eq!(CodeScope::of(code), CodeScope::Facility);
        }
        for code in ["4901234567894", "0123456789012", "3012345678902", "49123456"] {
            assert!(!is_in_store_code(code), "{code}");
            assert_eq!(CodeScope::of(code), CodeScope::Catalogue);
        }
        // The same in-store code in two facilities: two products.
        assert!(CodeScope::same_product_code(
            "2000000000015",
            1,
            "2000000000015",
            1
        ));
        assert!(!CodeScope::same_product_code(
            "2000000000015",
            1,
            "2000000000015",
            2
        ));
        // A real JAN is the same product whichever facility asks.
        assert!(CodeScope::same_product_code(
            "4901234567894",
            1,
            "4901234567894",
            2
        ));
        assert!(!CodeScope::same_product_code(
            "4901234567894",
            1,
            "4006381333931",
            1
        ));
    }

    #[test]
    fn serde_validates() {
        let ok: Result<Gtin, _> = serde_json_from_str("\"4006381333931\"");
        assert!(ok.is_ok());
        let bad: Result<Gtin, _> = serde_json_from_str("\"4006381333930\"");
        assert!(bad.is_err());
    }

    fn serde_json_from_str<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(s)
    }
}
