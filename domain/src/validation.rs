//! Validation: inputs arrive as plain strings and numbers so that every problem can be
//! reported per field, in Japanese, at once. This module holds the field-error collector, the
//! API's error shape and the small checks many inputs share; each topic's `…Input::validated`
//! lives beside its input (`facilities`, `products`, `events`, …).

use crate::codes::InvoiceRegistrationNumber;
use serde::{Deserialize, Serialize};

/// One problem with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The input field, as named in the API (`name`, `participants[2].facility_id`, …).
    pub field: String,
    /// Machine-readable reason: `required`, `too_long`, `out_of_range`, `format`, `check_digit`, …
    pub code: String,
    /// The message shown to staff (Japanese).
    pub message: String,
}

/// All the problems found in one input; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }

    /// A required text of at most `max` characters; returns it trimmed.
    pub(crate) fn required_text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.add(field, "required", "入力してください");
        } else {
            self.max_len(field, trimmed, max);
        }
        trimmed.to_string()
    }

    /// An optional text of at most `max` characters; returns it trimmed.
    pub(crate) fn optional_text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        self.max_len(field, trimmed, max);
        trimmed.to_string()
    }

    pub(crate) fn max_len(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(field, "too_long", format!("{max}文字以内で入力してください"));
        }
        if value.chars().any(|c| c.is_control() && c != '\n') {
            self.add(field, "format", "使用できない文字が含まれています");
        }
    }

    pub(crate) fn range(&mut self, field: &str, value: i64, min: i64, max: i64) {
        if value < min || value > max {
            self.add(
                field,
                "out_of_range",
                format!("{min}から{max}の範囲で入力してください"),
            );
        }
    }
}

/// The one shape of every error answer: `{"error":{"code":"...","message":"..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Machine-readable: `validation`, `not_found`, `conflict`, `bad_request`, `payload_too_large`, `internal`, …
    pub code: String,
    /// Human-readable, in Japanese.
    pub message: String,
    /// Per-field problems, for `validation` errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// `#[serde(default = "yes")]`: inputs that are active unless they say otherwise.
pub(crate) fn yes() -> bool {
    true
}

/// Kana readings are for sorting and search: hiragana, katakana, the long vowel mark, spaces.
pub(crate) fn is_kana_reading(text: &str) -> bool {
    text.chars().all(|c| {
        matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | ' ' | '　' | '゛' | '゜' | 'ヽ' | 'ヾ' | 'ゝ' | 'ゞ')
            || c.is_ascii_alphanumeric()
    })
}

pub(crate) fn kana(errors: &mut FieldErrors, value: &str) -> String {
    let kana = errors.optional_text("kana", value, 100);
    if !is_kana_reading(&kana) {
        errors.add("kana", "format", "ふりがなはひらがな・カタカナで入力してください");
    }
    kana
}

pub(crate) fn invoice_number(errors: &mut FieldErrors, field: &str, value: &str) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return None;
    }
    match InvoiceRegistrationNumber::parse(trimmed) {
        Ok(n) => Some(n.into()),
        Err(e) => {
            errors.add(field, e.code(), e.to_string());
            None
        }
    }
}

/// The (field, code) pairs of an error list, for tests that check every reported problem.
#[cfg(test)]
pub(crate) fn field_codes(errors: FieldErrors) -> Vec<(String, String)> {
    errors.0.into_iter().map(|f| (f.field, f.code)).collect()
}
