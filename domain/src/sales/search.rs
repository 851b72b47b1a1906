//! Finding a past sale (売上の検索): a customer comes back for a 領収書 with the receipt, or
//! only remembers when they paid and how much. Staff search the journal by receipt number, by
//! the time of the sale and by its exact total.

use super::SaleKind;
use crate::codes::normalise_digits;
use crate::validation::FieldErrors;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// The largest total searched for, either way: far above any sale.
pub const MAX_TOTAL: i64 = 1_000_000_000;
/// Sales per page: by default, and at most.
pub const DEFAULT_PAGE: i64 = 100;
pub const MAX_PAGE: i64 = 1000;
/// The most sales a search may skip.
pub const MAX_OFFSET: i64 = 1_000_000;

/// Japan's time (Asia/Tokyo keeps UTC+9 all year).
fn japan() -> Option<FixedOffset> {
    FixedOffset::east_opt(9 * 3600)
}

/// The search as typed (query parameters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaleSearchInput {
    pub receipt_number: Option<String>,
    /// From this time (inclusive): RFC 3339, or a time in Japan `2026-11-28T11:00`, or a day
    /// `2026-11-28` (from its start).
    pub from: Option<String>,
    /// Until this time (exclusive): as `from`; a day counts whole (until the next day begins).
    pub to: Option<String>,
    pub total: Option<i64>,
    /// `sale`, `void` or `refund`.
    pub kind: Option<String>,
    /// At most this many (default [`DEFAULT_PAGE`], at most [`MAX_PAGE`]).
    pub limit: Option<i64>,
    /// Skip this many: the next page is at `offset + limit`.
    pub offset: Option<i64>,
}

/// A checked search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleSearch {
    /// Trimmed, full-width letters and digits made ASCII (as typed from a receipt).
    pub receipt_number: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub total: Option<i64>,
    pub kind: Option<SaleKind>,
    pub limit: i64,
    pub offset: i64,
}

impl Default for SaleSearch {
    fn default() -> Self {
        SaleSearch {
            receipt_number: None,
            from: None,
            to: None,
            total: None,
            kind: None,
            limit: DEFAULT_PAGE,
            offset: 0,
        }
    }
}

/// Which end of a range a typed time is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    From,
    To,
}

fn parse_time(text: &str, end: End) -> Option<DateTime<Utc>> {
    let text = normalise_digits(text.trim());
    if let Ok(at) = DateTime::parse_from_rfc3339(&text) {
        return Some(at.with_timezone(&Utc));
    }
    let local = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
        .or_else(|| {
            let day = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()?;
            let day = match end {
                End::From => day,
                End::To => day.succ_opt()?,
            };
            day.and_hms_opt(0, 0, 0)
        })?;
    japan()?
        .from_local_datetime(&local)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

impl SaleSearchInput {
    pub fn validated(&self) -> Result<SaleSearch, FieldErrors> {
        let mut e = FieldErrors::default();
        let given = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        let receipt_number = given(&self.receipt_number).map(|n| normalise_digits(&n));
        if receipt_number.as_ref().is_some_and(|n| n.chars().count() > 40) {
            e.add(
                "receipt_number",
                "too_long",
                "レシート番号は40文字以内で入力してください",
            );
        }
        let mut time = |field: &str, text: Option<String>, end: End| {
            let text = text?;
            let parsed = parse_time(&text, end);
            if parsed.is_none() {
                e.add(
                    field,
                    "format",
                    "日時は 2026-11-28T11:00 (日本時間) のように入力してください",
                );
            }
            parsed
        };
        let from = time("from", given(&self.from), End::From);
        let to = time("to", given(&self.to), End::To);
        if let (Some(from), Some(to)) = (from, to)
            && to <= from
        {
            e.add("to", "before_from", "終わりの日時は始まりより後にしてください");
        }
        if let Some(total) = self.total
            && !(-MAX_TOTAL..=MAX_TOTAL).contains(&total)
        {
            e.add(
                "total",
                "out_of_range",
                "合計金額を数字(±10億円以内)で入力してください",
            );
        }
        let kind = match given(&self.kind) {
            None => None,
            Some(code) => {
                let kind = SaleKind::from_code(&code);
                if kind.is_none() {
                    e.add("kind", "unknown", "種別は sale・void・refund のいずれかです");
                }
                kind
            }
        };
        let limit = self.limit.unwrap_or(DEFAULT_PAGE);
        e.range("limit", limit, 1, MAX_PAGE);
        let offset = self.offset.unwrap_or(0);
        e.range("offset", offset, 0, MAX_OFFSET);
        e.into_result(SaleSearch {
            receipt_number,
            from,
            to,
            total: self.total,
            kind,
            limit,
            offset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::field_codes as fields;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn times_in_japan_days_and_rfc_3339() {
        let search = SaleSearchInput {
            from: Some("2026-11-28T11:00".into()),
            to: Some("2026-11-28".into()),
            ..Default::default()
        }
        .validated()
        .expect("valid");
        assert_eq!(search.from, Some(utc("2026-11-28T02:00:00Z")));
        // A day as the end counts whole: until midnight after it, in Japan.
        assert_eq!(search.to, Some(utc("2026-11-28T15:00:00Z")));
        let search = SaleSearchInput {
            from: Some("2026-11-28".into()),
            to: Some("2026-11-28T03:00:00Z".into()),
            ..Default::default()
        }
        .validated()
        .expect("valid");
        assert_eq!(search.from, Some(utc("2026-11-27T15:00:00Z")));
        assert_eq!(search.to, Some(utc("2026-11-28T03:00:00Z")));
    }

    #[test]
    fn numbers_as_typed_from_a_receipt() {
        let search = SaleSearchInput {
            receipt_number: Some(" ＨＢ２６－Ｒ１－０００１ ".into()),
            total: Some(1520),
            kind: Some("sale".into()),
            ..Default::default()
        }
        .validated()
        .expect("valid");
        assert_eq!(search.receipt_number.as_deref(), Some("HB26-R1-0001"));
        assert_eq!(search.total, Some(1520));
        assert_eq!(search.kind, Some(SaleKind::Sale));
        let blank = SaleSearchInput {
            receipt_number: Some("  ".into()),
            from: Some(String::new()),
            ..Default::default()
        }
        .validated()
        .expect("valid");
        assert_eq!(blank, SaleSearch::default());
    }

    #[test]
    fn wrong_searches_name_their_fields() {
        let bad = SaleSearchInput {
            receipt_number: Some("x".repeat(41)),
            from: Some("2026-11-28T12:00".into()),
            to: Some("2026-11-28T11:00".into()),
            total: Some(MAX_TOTAL + 1),
            kind: Some("gift".into()),
            limit: Some(0),
            offset: Some(-1),
        };
        assert_eq!(
            fields(bad.validated().expect_err("invalid")),
            vec![
                ("receipt_number".into(), "too_long".into()),
                ("to".into(), "before_from".into()),
                ("total".into(), "out_of_range".into()),
                ("kind".into(), "unknown".into()),
                ("limit".into(), "out_of_range".into()),
                ("offset".into(), "out_of_range".into()),
            ]
        );
        let bad = SaleSearchInput {
            from: Some("11/28".into()),
            ..Default::default()
        };
        assert_eq!(
            fields(bad.validated().expect_err("invalid")),
            vec![("from".into(), "format".into())]
        );
    }
}
