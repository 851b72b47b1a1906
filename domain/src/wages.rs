//! Wages (工賃) paid to the users of the workshops: fiscal years, the monthly records a facility
//! keeps, the formulas of the prefecture's table and of the FY2024 fee revision, the fee bands,
//! and a check of the prefecture's published table against its own totals.
//!
//! Money stays in integer yen ([`Yen`]); figures the table publishes with one decimal are
//! integer tenths ([`Tenths`]). Every division is done on 128-bit integers and rounded half up
//! exactly once, so the server, the tablet and the prefecture's spreadsheet agree to the digit.

use crate::money::Yen;
use crate::validation::FieldErrors;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `numerator ÷ denominator` rounded half up (half away from zero for negatives), or `None` when
/// the denominator is not positive. One rounding of the exact quotient: never round twice.
fn div_round_half_up(numerator: i128, denominator: i128) -> Option<i128> {
    if denominator <= 0 {
        return None;
    }
    let magnitude = (numerator.checked_abs()?.checked_mul(2)? + denominator) / (denominator * 2);
    Some(if numerator < 0 { -magnitude } else { magnitude })
}

fn narrow(value: i128) -> Option<i64> {
    i64::try_from(value).ok()
}

/// `1234567` → `"1,234,567"`, the digits only (the sign is the caller's).
fn group_digits(value: u64) -> String {
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

// ---------------------------------------------------------------------------------------------
// Tenths
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Parsing the published figures
// ---------------------------------------------------------------------------------------------

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
    #[error("年度は「令和7年度」「R7」「平成28年度」「H28」「2016」のように書いてください:「{0}」")]
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

// ---------------------------------------------------------------------------------------------
// Fiscal years
// ---------------------------------------------------------------------------------------------

/// A Japanese fiscal year, April to March, named by the calendar year it starts in:
/// `FiscalYear(2016)` is 平成28年度, April 2016 – March 2017; `FiscalYear(2025)` is 令和7年度.
///
/// Wage plans, targets and the prefecture's survey all count by fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FiscalYear(pub i32);

/// The eras of fiscal-year labels, newest first: (kanji, letter, the calendar year before era
/// year 1, the highest era year the parser accepts).
///
/// A fiscal year takes the era current on 1 April, except that FY2019 (begun under 平成) is
/// conventionally 令和元年度, as FY1989 is 平成元年度. The parser also accepts the transitional
/// 平成31年度 and 昭和64年度 that some documents print (= FY2019 and FY1989).
const ERAS: [(&str, char, i32, i32); 3] = [
    ("令和", 'R', 2018, 999),
    ("平成", 'H', 1988, 31),
    ("昭和", 'S', 1925, 64),
];

impl FiscalYear {
    /// The fiscal year a day belongs to: January–March belong to the year before.
    pub fn from_date(date: NaiveDate) -> FiscalYear {
        FiscalYear::of_month(date.year(), date.month())
    }

    /// The fiscal year of a calendar month (`month` 1–12).
    pub fn of_month(year: i32, month: u32) -> FiscalYear {
        if month >= 4 {
            FiscalYear(year)
        } else {
            FiscalYear(year - 1)
        }
    }

    /// Whether a calendar month falls in this fiscal year.
    pub fn contains(self, year: i32, month: u32) -> bool {
        (1..=12).contains(&month) && FiscalYear::of_month(year, month) == self
    }

    /// 1 April of the year (`None` only beyond chrono's range).
    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0, 4, 1)
    }

    /// 31 March of the next year (`None` only beyond chrono's range).
    pub fn last_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0.checked_add(1)?, 3, 31)
    }

    /// The twelve (year, month) pairs of the fiscal year, April first, March last.
    pub fn months(self) -> [(i32, u32); 12] {
        std::array::from_fn(|i| {
            let month = (i as u32 + 3) % 12 + 1;
            (if month >= 4 { self.0 } else { self.0 + 1 }, month)
        })
    }

    /// The era of the fiscal year: (kanji, letter, era year), or `None` before 昭和.
    fn era(self) -> Option<(&'static str, char, i32)> {
        let (kanji, letter, base, _) = ERAS.iter().find(|(_, _, base, _)| self.0 > *base)?;
        Some((kanji, *letter, self.0 - base))
    }

    /// `平成28年度`, `令和元年度`, `令和7年度` — the label of documents and of the prefecture's
    /// table. Year 1 of an era is written 元. Years before 昭和 fall back to `1925年度`.
    pub fn label_ja(self) -> String {
        match self.era() {
            Some((kanji, _, 1)) => format!("{kanji}元年度"),
            Some((kanji, _, n)) => format!("{kanji}{n}年度"),
            None => format!("{}年度", self.0),
        }
    }

    /// `H28`, `R7` — the short form used in the columns of the table's CSV.
    pub fn short_label(self) -> String {
        match self.era() {
            Some((_, letter, n)) => format!("{letter}{n}"),
            None => self.0.to_string(),
        }
    }

    /// Reads `H28`, `平成28年度`, `R7`, `令和7年度`, `令和元年度`, `R1`, `2016`, `2016年度` or
    /// `FY2016` (full-width digits too). The western form is the year the fiscal year starts.
    pub fn parse_label(label: &str) -> Result<FiscalYear, WageParseError> {
        let bad = || WageParseError::FiscalYear(label.trim().to_string());
        let normalised = crate::codes::normalise_digits(label.trim()).to_ascii_uppercase();
        let text = normalised.trim();
        let text = text
            .strip_suffix("年度")
            .or_else(|| text.strip_suffix('年'))
            .unwrap_or(text)
            .trim();
        for (kanji, letter, base, last) in ERAS {
            let Some(rest) = text.strip_prefix(kanji).or_else(|| text.strip_prefix(letter)) else {
                continue;
            };
            let rest = rest.trim();
            let year: i32 = if rest == "元" {
                1
            } else if (1..=3).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit()) {
                rest.parse().map_err(|_| bad())?
            } else {
                return Err(bad());
            };
            if year < 1 || year > last {
                return Err(bad());
            }
            return Ok(FiscalYear(base + year));
        }
        let western = text.strip_prefix("FY").unwrap_or(text).trim();
        if western.len() == 4 && western.bytes().all(|b| b.is_ascii_digit()) {
            let year: i32 = western.parse().map_err(|_| bad())?;
            if (1900..=2200).contains(&year) {
                return Ok(FiscalYear(year));
            }
        }
        Err(bad())
    }
}

/// `令和7年度`.
impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label_ja())
    }
}

// ---------------------------------------------------------------------------------------------
// A facility's monthly wage record
// ---------------------------------------------------------------------------------------------

/// A sanity limit on a month's wages: far above any workshop, low enough that a year's sum
/// cannot overflow.
pub const MAX_MONTHLY_WAGES: Yen = Yen(1_000_000_000);

/// A sanity limit on a month's counts (users, user-days, hours).
pub const MAX_MONTHLY_COUNT: i64 = 1_000_000;

/// What a facility records for one calendar month: the figures the prefecture's survey asks for
/// and those the FY2024 fee formula needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageMonthInput {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    /// 工賃支払総額: wages paid for the month's work.
    pub wages_paid: Yen,
    /// 対象者延人数 for the month: the users who were paid wages in the month.
    pub user_months: i64,
    /// 延べ利用者数: user attendances in the month (one per user per day).
    pub user_days: i64,
    /// 開所日数: days the facility was open, bazaar days at which users sold included.
    pub opening_days: i64,
    /// 延べ時間数: the users' work hours in whole hours, as the prefecture's survey and table
    /// count them (the facility rounds the month's total, not each day's).
    pub work_hours: i64,
}

/// The number of days of a calendar month, or `None` for an impossible month.
fn days_in_month(year: i32, month: u32) -> Option<i64> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((next - first).num_days())
}

fn range(e: &mut FieldErrors, field: &str, value: i64, min: i64, max: i64) {
    if value < min || value > max {
        e.add(
            field,
            "out_of_range",
            format!("{min}から{max}の範囲で入力してください"),
        );
    }
}

impl WageMonthInput {
    /// Checks every field at once (Japanese messages, as [`crate::validation`] does): counts are
    /// non-negative and below sanity limits, the month exists, opening days fit in the month,
    /// and the figures agree with one another where they must (wages need paid users,
    /// attendances need opening days).
    pub fn validated(&self) -> Result<WageMonthInput, FieldErrors> {
        let mut e = FieldErrors::default();
        range(&mut e, "year", i64::from(self.year), 2000, 2100);
        range(&mut e, "month", i64::from(self.month), 1, 12);
        range(&mut e, "wages_paid", self.wages_paid.0, 0, MAX_MONTHLY_WAGES.0);
        range(&mut e, "user_months", self.user_months, 0, MAX_MONTHLY_COUNT);
        range(&mut e, "user_days", self.user_days, 0, MAX_MONTHLY_COUNT);
        range(&mut e, "work_hours", self.work_hours, 0, MAX_MONTHLY_COUNT);
        let days = days_in_month(self.year, self.month).unwrap_or(31);
        range(&mut e, "opening_days", self.opening_days, 0, days);
        if self.wages_paid.0 > 0 && self.user_months == 0 {
            e.add(
                "user_months",
                "required",
                "工賃を支払った利用者の人数を入力してください",
            );
        }
        if self.user_days > 0 && self.opening_days == 0 {
            e.add(
                "opening_days",
                "required",
                "利用者が通所した月は開所日数を入力してください",
            );
        }
        if e.is_empty() { Ok(self.clone()) } else { Err(e) }
    }

    /// The fiscal year the month belongs to.
    pub fn fiscal_year(&self) -> FiscalYear {
        FiscalYear::of_month(self.year, self.month)
    }

    /// The month's figures as totals over one month.
    pub fn totals(&self) -> WageTotals {
        WageTotals {
            months: 1,
            wages_paid: self.wages_paid,
            user_months: self.user_months,
            user_days: self.user_days,
            opening_days: self.opening_days,
            work_hours: self.work_hours,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The formulas
// ---------------------------------------------------------------------------------------------

/// Classic average monthly wage (the prefecture's table): wages ÷ user-months, one decimal,
/// half up. `None` when nobody was paid.
pub fn classic_average_monthly_wage(wages_paid: Yen, user_months: i64) -> Option<Tenths> {
    Tenths::ratio(wages_paid.0, user_months)
}

/// Average hourly wage: wages ÷ work hours, one decimal, half up. `None` without hours.
pub fn average_hourly_wage(wages_paid: Yen, work_hours: i64) -> Option<Tenths> {
    Tenths::ratio(wages_paid.0, work_hours)
}

/// Average daily users for the FY2024 formula: user-days ÷ opening days taken to one decimal,
/// the second decimal rounded half up (14.679 → 14.7). `None` without opening days.
pub fn average_daily_users(user_days: i64, opening_days: i64) -> Option<Tenths> {
    Tenths::ratio(user_days, opening_days)
}

/// Average monthly wage by the FY2024 fee revision: wages ÷ average daily users (one decimal,
/// see [`average_daily_users`]) ÷ `months`, rounded to the yen half up.
///
/// For a fiscal year `months` is 12, as the ministry's formula says, whatever months were
/// recorded; for one month it is 1. `None` when the average daily users round to 0.0 or
/// `months` is not positive. Integer arithmetic throughout: wages × 10 ÷ (tenths × months).
pub fn fy2024_average_monthly_wage(
    wages_paid: Yen,
    user_days: i64,
    opening_days: i64,
    months: i64,
) -> Option<Yen> {
    let users = average_daily_users(user_days, opening_days)?;
    let denominator = i128::from(users.0).checked_mul(i128::from(months))?;
    narrow(div_round_half_up(i128::from(wages_paid.0) * 10, denominator)?).map(Yen)
}

/// Achievement of a target (目標工賃) in tenths of a percent: `actual ÷ target`, half up, so
/// `Tenths(1025)` is 102.5 %. Both figures in the same unit (a yen target via
/// [`Tenths::from_yen`]); `None` for a target of 0 or less.
pub fn achievement_rate(actual: Tenths, target: Tenths) -> Option<Tenths> {
    narrow(div_round_half_up(
        i128::from(actual.0) * 1000,
        i128::from(target.0),
    )?)
    .map(Tenths)
}

/// [`achievement_rate`] for figures in whole yen (targets by the FY2024 formula).
pub fn achievement_rate_yen(actual: Yen, target: Yen) -> Option<Tenths> {
    narrow(div_round_half_up(
        i128::from(actual.0) * 1000,
        i128::from(target.0),
    )?)
    .map(Tenths)
}

/// A facility's figures summed over some months, from which every average is computed: the
/// averages of a year are never averages of monthly averages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageTotals {
    /// The divisor of the FY2024 formula: 1 for a month, 12 for a fiscal year.
    pub months: i64,
    pub wages_paid: Yen,
    pub user_months: i64,
    pub user_days: i64,
    pub opening_days: i64,
    pub work_hours: i64,
}

impl WageTotals {
    /// The sums over the records of `fiscal_year` (records of other months are ignored; a
    /// missing month counts as nothing paid). Callers keep one record per month.
    pub fn of_fiscal_year(fiscal_year: FiscalYear, months: &[WageMonthInput]) -> WageTotals {
        let mut t = WageTotals {
            months: 12,
            ..WageTotals::default()
        };
        for m in months.iter().filter(|m| fiscal_year.contains(m.year, m.month)) {
            t.wages_paid = Yen(t.wages_paid.0.saturating_add(m.wages_paid.0));
            t.user_months = t.user_months.saturating_add(m.user_months);
            t.user_days = t.user_days.saturating_add(m.user_days);
            t.opening_days = t.opening_days.saturating_add(m.opening_days);
            t.work_hours = t.work_hours.saturating_add(m.work_hours);
        }
        t
    }

    /// Classic average monthly wage; see [`classic_average_monthly_wage`].
    pub fn average_monthly_wage(&self) -> Option<Tenths> {
        classic_average_monthly_wage(self.wages_paid, self.user_months)
    }

    /// Average hourly wage; see [`average_hourly_wage`].
    pub fn average_hourly_wage(&self) -> Option<Tenths> {
        average_hourly_wage(self.wages_paid, self.work_hours)
    }

    /// Average daily users; see [`average_daily_users`].
    pub fn average_daily_users(&self) -> Option<Tenths> {
        average_daily_users(self.user_days, self.opening_days)
    }

    /// Average monthly wage by the FY2024 formula; see [`fy2024_average_monthly_wage`].
    pub fn fy2024_average_monthly_wage(&self) -> Option<Yen> {
        fy2024_average_monthly_wage(self.wages_paid, self.user_days, self.opening_days, self.months)
    }
}

// ---------------------------------------------------------------------------------------------
// FY2024 fee bands
// ---------------------------------------------------------------------------------------------

/// One band of average monthly wage on which a B-type facility's basic fee depends (FY2024
/// revision): `lower` inclusive, `upper` exclusive (`None` for the top band).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeeBand {
    /// 0 for the lowest band (under ¥10,000) to 7 for the highest (¥45,000 and over).
    pub index: u8,
    pub lower: Yen,
    pub upper: Option<Yen>,
}

/// The eight bands, lowest first.
pub const FY2024_FEE_BANDS: [FeeBand; 8] = {
    const BOUNDS: [i64; 8] = [0, 10_000, 15_000, 20_000, 25_000, 30_000, 35_000, 45_000];
    let mut bands = [FeeBand {
        index: 0,
        lower: Yen(0),
        upper: None,
    }; 8];
    let mut i = 0;
    while i < 8 {
        bands[i] = FeeBand {
            index: i as u8,
            lower: Yen(BOUNDS[i]),
            upper: if i + 1 < 8 { Some(Yen(BOUNDS[i + 1])) } else { None },
        };
        i += 1;
    }
    bands
};

/// `15000` → `1万5千円`: amounts as the fee schedule writes them.
fn man_yen(amount: Yen) -> String {
    let man = amount.0 / 10_000;
    let sen = amount.0 % 10_000 / 1_000;
    if sen == 0 {
        format!("{man}万円")
    } else {
        format!("{man}万{sen}千円")
    }
}

impl FeeBand {
    /// `1万円未満`, `1万5千円以上2万円未満`, `4万5千円以上` — as the fee schedule words them.
    pub fn label_ja(&self) -> String {
        match (self.index, self.upper) {
            (0, Some(upper)) => format!("{}未満", man_yen(upper)),
            (_, Some(upper)) => format!("{}以上{}未満", man_yen(self.lower), man_yen(upper)),
            (_, None) => format!("{}以上", man_yen(self.lower)),
        }
    }
}

/// Where an average monthly wage stands among the fee bands, and how far the next band is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BandPosition {
    pub band: FeeBand,
    /// [`FeeBand::label_ja`], for screens.
    pub label: String,
    /// How much more average monthly wage reaches the next band's lower bound; `None` in the
    /// top band.
    pub to_next_band: Option<Yen>,
}

/// The band of an average monthly wage (by the FY2024 formula). Amounts below zero cannot
/// occur; they fall in the lowest band.
pub fn band_for(average_monthly_wage: Yen) -> BandPosition {
    let band = FY2024_FEE_BANDS
        .iter()
        .rev()
        .find(|b| average_monthly_wage >= b.lower)
        .copied()
        .unwrap_or(FY2024_FEE_BANDS[0]);
    BandPosition {
        band,
        label: band.label_ja(),
        to_next_band: band
            .upper
            .map(|upper| Yen(upper.0.saturating_sub(average_monthly_wage.0))),
    }
}

// ---------------------------------------------------------------------------------------------
// The prefecture's published table
// ---------------------------------------------------------------------------------------------

/// The columns of the table's CSV, in order: a row is read from exactly these 11 cells.
pub const PUBLISHED_COLUMNS: [&str; 11] = [
    "no",
    "facility",
    "corp_type",
    "fiscal_year",
    "capacity",
    "user_months",
    "monthly_wage_total",
    "monthly_wage_avg",
    "work_hours",
    "hourly_wage_total",
    "hourly_wage_avg",
];

/// The Japanese names of [`PUBLISHED_COLUMNS`], as the printed table heads them.
pub const PUBLISHED_COLUMN_NAMES: [&str; 11] = [
    "番号",
    "事業所名",
    "法人種別",
    "年度",
    "定員",
    "対象者延人数",
    "月額の工賃支払総額",
    "月額の工賃平均額",
    "延べ時間数",
    "時間額の工賃支払総額",
    "時間額の工賃平均額",
];

fn column_name(field: &str) -> &'static str {
    PUBLISHED_COLUMNS
        .iter()
        .position(|c| *c == field)
        .map_or("", |i| PUBLISHED_COLUMN_NAMES[i])
}

/// One facility's figures for one fiscal year, as the prefecture published them. A blank cell
/// is `None`: not an error, but the checks that need it are skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedWageRow {
    /// Where the row is in its file: the 1-based line number counting the header as line 1,
    /// so the first facility is row 2 — the number a spreadsheet shows beside it.
    pub row: usize,
    /// The facility's number in the table.
    pub number: i64,
    pub facility: String,
    /// 法人種別 1–6 ([`crate::api::CORPORATION_TYPES`]).
    pub corporation_type: i64,
    pub fiscal_year: FiscalYear,
    pub capacity: Option<i64>,
    pub user_months: Option<i64>,
    pub monthly_wage_total: Option<Yen>,
    pub monthly_wage_avg: Option<Tenths>,
    pub work_hours: Option<i64>,
    pub hourly_wage_total: Option<Yen>,
    pub hourly_wage_avg: Option<Tenths>,
}

/// Reads one cell, reporting a problem against its column; blank is `Ok(None)`.
fn cell<T>(
    e: &mut FieldErrors,
    row: usize,
    field: &str,
    text: &str,
    parse: impl Fn(&str) -> Result<T, WageParseError>,
) -> Option<T> {
    if text.trim().is_empty() {
        return None;
    }
    match parse(text) {
        Ok(value) => Some(value),
        Err(err) => {
            e.add(
                field,
                err.code(),
                format!("{row}行目の{}: {err}", column_name(field)),
            );
            None
        }
    }
}

/// A blank required cell.
fn required<T>(e: &mut FieldErrors, row: usize, field: &str, value: Option<T>, text: &str) -> Option<T> {
    if value.is_none() && text.trim().is_empty() {
        e.add(
            field,
            "required",
            format!("{row}行目の{}がありません", column_name(field)),
        );
    }
    value
}

/// A published count or amount cannot be negative.
fn non_negative(e: &mut FieldErrors, row: usize, field: &str, value: Option<i64>) -> Option<i64> {
    if value.is_some_and(|v| v < 0) {
        e.add(
            field,
            "out_of_range",
            format!("{row}行目の{}が負の値です", column_name(field)),
        );
    }
    value
}

impl PublishedWageRow {
    /// Reads the 11 cells of one line in the order of [`PUBLISHED_COLUMNS`] (already split and
    /// unquoted by the caller's CSV reader). `row` is the line number, header = line 1. Every
    /// problem is reported per column, in Japanese, naming the line and the column.
    pub fn from_fields(row: usize, cells: &[&str]) -> Result<PublishedWageRow, FieldErrors> {
        let mut e = FieldErrors::default();
        if cells.len() != PUBLISHED_COLUMNS.len() {
            e.add(
                "columns",
                "format",
                format!(
                    "{row}行目の列の数が{}ではありません({}列)",
                    PUBLISHED_COLUMNS.len(),
                    cells.len()
                ),
            );
            return Err(e);
        }
        let e = &mut e;
        let number = cell(e, row, "no", cells[0], parse_grouped_number);
        let number = required(e, row, "no", number, cells[0]);
        let facility = cells[1].trim().to_string();
        if facility.is_empty() {
            e.add("facility", "required", format!("{row}行目の事業所名がありません"));
        }
        let corporation_type = cell(e, row, "corp_type", cells[2], parse_grouped_number);
        let corporation_type = required(e, row, "corp_type", corporation_type, cells[2]);
        if corporation_type.is_some_and(|t| !(1..=6).contains(&t)) {
            e.add(
                "corp_type",
                "out_of_range",
                format!("{row}行目の法人種別は1から6の範囲です"),
            );
        }
        let fiscal_year = cell(e, row, "fiscal_year", cells[3], FiscalYear::parse_label);
        let fiscal_year = required(e, row, "fiscal_year", fiscal_year, cells[3]);
        let count = |e: &mut FieldErrors, i: usize| {
            let value = cell(e, row, PUBLISHED_COLUMNS[i], cells[i], parse_grouped_number);
            non_negative(e, row, PUBLISHED_COLUMNS[i], value)
        };
        let capacity = count(e, 4);
        let user_months = count(e, 5);
        let monthly_wage_total = count(e, 6).map(Yen);
        let work_hours = count(e, 8);
        let hourly_wage_total = count(e, 9).map(Yen);
        let average = |e: &mut FieldErrors, i: usize| {
            let value = cell(e, row, PUBLISHED_COLUMNS[i], cells[i], parse_tenths);
            non_negative(e, row, PUBLISHED_COLUMNS[i], value.map(|t| t.0)).map(Tenths)
        };
        let monthly_wage_avg = average(e, 7);
        let hourly_wage_avg = average(e, 10);
        match (number, corporation_type, fiscal_year) {
            (Some(number), Some(corporation_type), Some(fiscal_year)) if e.is_empty() => {
                Ok(PublishedWageRow {
                    row,
                    number,
                    facility,
                    corporation_type,
                    fiscal_year,
                    capacity,
                    user_months,
                    monthly_wage_total,
                    monthly_wage_avg,
                    work_hours,
                    hourly_wage_total,
                    hourly_wage_avg,
                })
            }
            _ => Err(std::mem::take(e)),
        }
    }

    /// Whether the facility reported wages that year (a positive total).
    pub fn has_wages(&self) -> bool {
        self.monthly_wage_total
            .or(self.hourly_wage_total)
            .is_some_and(|w| w.0 > 0)
    }
}

/// A published figure that disagrees with the row's own totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Discrepancy {
    /// [`PublishedWageRow::row`]: the line in the file, header = 1.
    pub row: usize,
    pub number: i64,
    pub facility: String,
    pub fiscal_year: FiscalYear,
    /// The column whose published value is wrong (`monthly_wage_avg`, `hourly_wage_avg`,
    /// `hourly_wage_total`).
    pub field: String,
    /// The published value, as [`Tenths`] or grouped yen prints it (`19,710.0`, `4,914,523`).
    pub published: String,
    /// What the row's other columns give (`197.0`); `None` when nothing can be computed
    /// (no users or no hours).
    pub recomputed: Option<String>,
    /// For staff, in Japanese.
    pub message: String,
}

/// Compares a published one-decimal average with `total ÷ divisor`; the rule is at [`check_row`].
fn check_average(
    out: &mut Vec<Discrepancy>,
    row: &PublishedWageRow,
    field: &str,
    (total, total_name): (Option<Yen>, &str),
    (divisor, divisor_name, unit): (Option<i64>, &str, &str),
    published: Option<Tenths>,
) {
    let (Some(total), Some(divisor), Some(published)) = (total, divisor, published) else {
        return;
    };
    let name = column_name(field);
    let (recomputed, message) = match Tenths::ratio(total.0, divisor) {
        Some(recomputed) if recomputed == published => return,
        Some(recomputed) => (
            Some(recomputed.to_string()),
            format!(
                "{name}の公表値 {published} が、{total_name} {}円 ÷ {divisor_name} {}{unit} = {recomputed} と一致しません",
                total.grouped(),
                group_digits(divisor.unsigned_abs()),
            ),
        ),
        None if total.0 == 0 && published == Tenths::ZERO => return,
        None if total.0 == 0 => (
            None,
            format!("{divisor_name}が0なのに{name}が {published} と公表されています"),
        ),
        None => (
            None,
            format!(
                "{total_name}が {}円 あるのに{divisor_name}が0です",
                total.grouped()
            ),
        ),
    };
    out.push(Discrepancy {
        row: row.row,
        number: row.number,
        facility: row.facility.clone(),
        fiscal_year: row.fiscal_year,
        field: field.to_string(),
        published: published.to_string(),
        recomputed,
        message,
    });
}

/// Every figure of a published row that disagrees with the row's own totals:
///
/// - `monthly_wage_avg` must be `monthly_wage_total ÷ user_months`, one decimal half up;
/// - `hourly_wage_avg` must be `hourly_wage_total ÷ work_hours`, one decimal half up;
/// - `hourly_wage_total` must equal `monthly_wage_total`: both are the wages paid that year.
///
/// A blank cell is not a discrepancy; it only skips the checks that need it.
///
/// Tolerance: the rounding and nothing else. The recomputed average, rounded half up to one
/// decimal, must equal the published one exactly. The table rounds half up (68 rows of the
/// H27/H28 table differ between rounding and truncating, and every one of them publishes the
/// rounded figure) and no faulty row would pass if truncation were accepted, so it is not.
/// With no divisor (0 users or 0 hours) the table writes 0.0, which is consistent only when
/// nothing was paid.
pub fn check_row(row: &PublishedWageRow) -> Vec<Discrepancy> {
    let mut out = Vec::new();
    check_average(
        &mut out,
        row,
        "monthly_wage_avg",
        (row.monthly_wage_total, "月額の工賃支払総額"),
        (row.user_months, "対象者延人数", "人"),
        row.monthly_wage_avg,
    );
    check_average(
        &mut out,
        row,
        "hourly_wage_avg",
        (row.hourly_wage_total, "時間額の工賃支払総額"),
        (row.work_hours, "延べ時間数", "時間"),
        row.hourly_wage_avg,
    );
    if let (Some(monthly), Some(hourly)) = (row.monthly_wage_total, row.hourly_wage_total)
        && monthly != hourly
    {
        out.push(Discrepancy {
            row: row.row,
            number: row.number,
            facility: row.facility.clone(),
            fiscal_year: row.fiscal_year,
            field: "hourly_wage_total".into(),
            published: hourly.grouped(),
            recomputed: Some(monthly.grouped()),
            message: format!(
                "時間額の工賃支払総額 {}円 が月額の工賃支払総額 {}円 と一致しません(同じ年度の支払総額です)",
                hourly.grouped(),
                monthly.grouped()
            ),
        });
    }
    out
}

/// A prefecture's summary of one fiscal year, as its summary table has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrefectureTotals {
    pub fiscal_year: FiscalYear,
    /// Rows of the year (one per facility), reporting or not.
    pub facilities: i64,
    /// Rows with wages paid ([`PublishedWageRow::has_wages`]).
    pub reporting_facilities: i64,
    /// Σ user-months.
    pub user_months: i64,
    /// Σ work hours.
    pub work_hours: i64,
    /// Σ wages paid (the monthly columns' totals).
    pub wages_paid: Yen,
    /// Σ monthly totals ÷ Σ user-months, over the rows that have both; one decimal half up.
    pub average_monthly_wage: Option<Tenths>,
    /// Σ hourly totals ÷ Σ work hours, over the rows that have both; one decimal half up.
    pub average_hourly_wage: Option<Tenths>,
}

/// The summary of the rows of `fiscal_year`. Averages are ratios of sums (never averages of
/// the facilities' averages, which would weigh a small workshop like a large one), each over
/// the rows that have both of its figures so that a blank cell does not dilute them.
pub fn prefecture_totals(fiscal_year: FiscalYear, rows: &[PublishedWageRow]) -> PrefectureTotals {
    let mut t = PrefectureTotals {
        fiscal_year,
        facilities: 0,
        reporting_facilities: 0,
        user_months: 0,
        work_hours: 0,
        wages_paid: Yen::ZERO,
        average_monthly_wage: None,
        average_hourly_wage: None,
    };
    let (mut monthly_wages, mut monthly_users) = (0i64, 0i64);
    let (mut hourly_wages, mut hourly_hours) = (0i64, 0i64);
    for r in rows.iter().filter(|r| r.fiscal_year == fiscal_year) {
        t.facilities += 1;
        if r.has_wages() {
            t.reporting_facilities += 1;
        }
        t.user_months = t.user_months.saturating_add(r.user_months.unwrap_or(0));
        t.work_hours = t.work_hours.saturating_add(r.work_hours.unwrap_or(0));
        t.wages_paid = Yen(t
            .wages_paid
            .0
            .saturating_add(r.monthly_wage_total.map_or(0, |w| w.0)));
        if let (Some(w), Some(u)) = (r.monthly_wage_total, r.user_months) {
            monthly_wages = monthly_wages.saturating_add(w.0);
            monthly_users = monthly_users.saturating_add(u);
        }
        if let (Some(w), Some(h)) = (r.hourly_wage_total, r.work_hours) {
            hourly_wages = hourly_wages.saturating_add(w.0);
            hourly_hours = hourly_hours.saturating_add(h);
        }
    }
    t.average_monthly_wage = Tenths::ratio(monthly_wages, monthly_users);
    t.average_hourly_wage = Tenths::ratio(hourly_wages, hourly_hours);
    t
}

/// [`prefecture_totals`] for every fiscal year present in `rows`, oldest first.
pub fn prefecture_totals_by_year(rows: &[PublishedWageRow]) -> Vec<PrefectureTotals> {
    let years: std::collections::BTreeSet<FiscalYear> = rows.iter().map(|r| r.fiscal_year).collect();
    years.into_iter().map(|fy| prefecture_totals(fy, rows)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    // --- fiscal years ---------------------------------------------------------------------

    #[test]
    fn fiscal_year_runs_april_to_march() {
        assert_eq!(FiscalYear::from_date(date(2016, 4, 1)), FiscalYear(2016));
        assert_eq!(FiscalYear::from_date(date(2017, 3, 31)), FiscalYear(2016));
        assert_eq!(FiscalYear::from_date(date(2016, 3, 31)), FiscalYear(2015));
        assert_eq!(FiscalYear::from_date(date(2025, 12, 31)), FiscalYear(2025));
        assert_eq!(FiscalYear(2016).first_day(), Some(date(2016, 4, 1)));
        assert_eq!(FiscalYear(2016).last_day(), Some(date(2017, 3, 31)));
        let months = FiscalYear(2016).months();
        assert_eq!(months[0], (2016, 4));
        assert_eq!(months[8], (2016, 12));
        assert_eq!(months[9], (2017, 1));
        assert_eq!(months[11], (2017, 3));
        assert!(months.iter().all(|&(y, m)| FiscalYear(2016).contains(y, m)));
        assert!(!FiscalYear(2016).contains(2016, 3));
        assert!(!FiscalYear(2016).contains(2017, 4));
        assert!(!FiscalYear(2016).contains(2016, 13));
    }

    #[test]
    fn fiscal_year_labels() {
        let cases = [
            (1988, "昭和63年度", "S63"),
            (1989, "平成元年度", "H1"),
            (2015, "平成27年度", "H27"),
            (2016, "平成28年度", "H28"),
            (2018, "平成30年度", "H30"),
            (2019, "令和元年度", "R1"),
            (2020, "令和2年度", "R2"),
            (2025, "令和7年度", "R7"),
        ];
        for (year, ja, short) in cases {
            assert_eq!(FiscalYear(year).label_ja(), ja);
            assert_eq!(FiscalYear(year).to_string(), ja);
            assert_eq!(FiscalYear(year).short_label(), short);
            assert_eq!(FiscalYear::parse_label(ja), Ok(FiscalYear(year)), "{ja}");
            assert_eq!(FiscalYear::parse_label(short), Ok(FiscalYear(year)), "{short}");
        }
    }

    #[test]
    fn fiscal_year_labels_parse_in_every_usual_form() {
        let ok = [
            ("H27", 2015),
            ("h28", 2016),
            ("平成28年度", 2016),
            ("平成28年", 2016),
            ("H30", 2018),
            ("平成31年度", 2019),
            ("R1", 2019),
            ("令和元年度", 2019),
            ("R7", 2025),
            ("令和7年度", 2025),
            ("Ｒ７", 2025),
            ("令和７年度", 2025),
            (" 2016 ", 2016),
            ("2016年度", 2016),
            ("FY2016", 2016),
        ];
        for (label, year) in ok {
            assert_eq!(FiscalYear::parse_label(label), Ok(FiscalYear(year)), "{label}");
        }
        for bad in [
            "",
            "H0",
            "H32",
            "平成",
            "R",
            "X7",
            "16",
            "R1.5",
            "令和七年度",
            "20166",
            "1800",
        ] {
            let err = FiscalYear::parse_label(bad).expect_err(bad);
            assert_eq!(err.code(), "format");
            assert!(err.to_string().contains("年度は"), "{err}");
        }
    }

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

    // --- formulas -------------------------------------------------------------------------

    #[test]
    fn one_decimal_rounding_is_half_up_on_the_exact_quotient() {
        assert_eq!(Tenths::ratio(1, 20), Some(Tenths(1))); // 0.05 → 0.1
        assert_eq!(Tenths::ratio(3, 20), Some(Tenths(2))); // 0.15 → 0.2
        assert_eq!(Tenths::ratio(1, 40), Some(Tenths(0))); // 0.025 → 0.0
        assert_eq!(Tenths::ratio(1_465, 100), Some(Tenths(147))); // 14.65 → 14.7
        assert_eq!(Tenths::ratio(14_649, 1_000), Some(Tenths(146))); // 14.649 → 14.6
        assert_eq!(Tenths::ratio(-1, 20), Some(Tenths(-1))); // half away from zero
        assert_eq!(Tenths::ratio(5, 0), None);
        assert_eq!(Tenths::ratio(5, -1), None);
        assert_eq!(Tenths::ratio(i64::MAX, 1), None); // does not fit: no wrap-around
    }

    #[test]
    fn classic_averages_of_real_rows() {
        // Row 1, H27: 12,496,530 ÷ 492 = 25,399.451… → published 25,399.5 (truncating gives .4).
        assert_eq!(
            classic_average_monthly_wage(Yen(12_496_530), 492),
            Some(Tenths(253_995))
        );
        // Row 10, H28: 3,644,700 ÷ 479 = 7,608.977… → 7,609.0.
        assert_eq!(
            classic_average_monthly_wage(Yen(3_644_700), 479),
            Some(Tenths(76_090))
        );
        // Row 39, H27: 13,271,105 ÷ 42,792 h = 310.13… → 310.1.
        assert_eq!(average_hourly_wage(Yen(13_271_105), 42_792), Some(Tenths(3_101)));
        // Row 1, H28: 5,530,860 ÷ 28,075 h = 197.003… → 197.0 (published: 19,710).
        assert_eq!(average_hourly_wage(Yen(5_530_860), 28_075), Some(Tenths(1_970)));
        assert_eq!(classic_average_monthly_wage(Yen(0), 0), None);
        assert_eq!(average_hourly_wage(Yen(1_000), 0), None);
    }

    #[test]
    fn fy2024_daily_users_round_the_second_decimal_half_up() {
        assert_eq!(Tenths::ratio(14_679, 1_000), Some(Tenths(147))); // 14.679 → 14.7
        assert_eq!(average_daily_users(3_567, 243), Some(Tenths(147))); // 14.6790… → 14.7
        assert_eq!(average_daily_users(3_554, 243), Some(Tenths(146))); // 14.6255… → 14.6
        assert_eq!(average_daily_users(100, 0), None);
    }

    #[test]
    fn fy2024_average_monthly_wage_by_hand() {
        // ¥4,000,000 paid; 3,567 user-days over 243 opening days = 14.679… → 14.7 users a day;
        // 4,000,000 ÷ 14.7 ÷ 12 = 22,675.736… → ¥22,676.
        assert_eq!(
            fy2024_average_monthly_wage(Yen(4_000_000), 3_567, 243, 12),
            Some(Yen(22_676))
        );
        // Not the unrounded 14.679…: 4,000,000 ÷ 14.6790… ÷ 12 = 22,708.2…
        // Exactly half a yen rounds up: ¥18 ÷ 1.0 ÷ 12 = 1.5 → ¥2; ¥30 ÷ 1.0 ÷ 12 = 2.5 → ¥3.
        assert_eq!(fy2024_average_monthly_wage(Yen(18), 10, 10, 12), Some(Yen(2)));
        assert_eq!(fy2024_average_monthly_wage(Yen(30), 10, 10, 12), Some(Yen(3)));
        assert_eq!(fy2024_average_monthly_wage(Yen(29), 10, 10, 12), Some(Yen(2))); // 2.41…
        // A month: wages ÷ daily users.
        assert_eq!(
            fy2024_average_monthly_wage(Yen(300_000), 300, 20, 1),
            Some(Yen(20_000))
        );
        // No opening days, or fewer than 0.05 users a day: no figure.
        assert_eq!(fy2024_average_monthly_wage(Yen(1_000), 5, 0, 12), None);
        assert_eq!(fy2024_average_monthly_wage(Yen(1_000), 1, 21, 12), None);
        assert_eq!(fy2024_average_monthly_wage(Yen(1_000), 10, 10, 0), None);
    }

    fn month(year: i32, month: u32) -> WageMonthInput {
        WageMonthInput {
            year,
            month,
            wages_paid: Yen(300_000),
            user_months: 15,
            user_days: 300,
            opening_days: 20,
            work_hours: 1_800,
        }
    }

    #[test]
    fn a_fiscal_year_sums_its_twelve_months() {
        let mut records: Vec<WageMonthInput> = FiscalYear(2025)
            .months()
            .iter()
            .map(|&(y, m)| month(y, m))
            .collect();
        records.push(month(2025, 3)); // FY2024: not counted
        records.push(month(2026, 4)); // FY2026: not counted
        let year = WageTotals::of_fiscal_year(FiscalYear(2025), &records);
        assert_eq!(
            year,
            WageTotals {
                months: 12,
                wages_paid: Yen(3_600_000),
                user_months: 180,
                user_days: 3_600,
                opening_days: 240,
                work_hours: 21_600,
            }
        );
        assert_eq!(year.average_monthly_wage(), Some(Tenths(200_000))); // 20,000.0
        assert_eq!(year.average_hourly_wage(), Some(Tenths(1_667))); // 166.66… → 166.7
        assert_eq!(year.average_daily_users(), Some(Tenths(150))); // 15.0
        assert_eq!(year.fy2024_average_monthly_wage(), Some(Yen(20_000)));
        let one = records[0].totals();
        assert_eq!(one.months, 1);
        assert_eq!(one.fy2024_average_monthly_wage(), Some(Yen(20_000)));
        assert_eq!(records[9].fiscal_year(), FiscalYear(2025)); // January 2026

        // A year with only two months recorded still divides by 12, as the ministry does.
        let sparse = WageTotals::of_fiscal_year(FiscalYear(2025), &records[..2]);
        assert_eq!(sparse.fy2024_average_monthly_wage(), Some(Yen(3_333))); // 600,000 ÷ 15 ÷ 12
    }

    #[test]
    fn fee_bands() {
        let cases = [
            (0, 0, "1万円未満", Some(10_000)),
            (9_999, 0, "1万円未満", Some(1)),
            (10_000, 1, "1万円以上1万5千円未満", Some(5_000)),
            (17_031, 2, "1万5千円以上2万円未満", Some(2_969)),
            (23_053, 3, "2万円以上2万5千円未満", Some(1_947)),
            (25_000, 4, "2万5千円以上3万円未満", Some(5_000)),
            (34_999, 5, "3万円以上3万5千円未満", Some(1)),
            (35_000, 6, "3万5千円以上4万5千円未満", Some(10_000)),
            (44_999, 6, "3万5千円以上4万5千円未満", Some(1)),
            (45_000, 7, "4万5千円以上", None),
            (120_000, 7, "4万5千円以上", None),
            (-1, 0, "1万円未満", Some(10_001)),
        ];
        for (amount, index, label, to_next) in cases {
            let p = band_for(Yen(amount));
            assert_eq!(p.band.index, index, "{amount}");
            assert_eq!(p.label, label, "{amount}");
            assert_eq!(p.to_next_band, to_next.map(Yen), "{amount}");
        }
        assert_eq!(FY2024_FEE_BANDS[6].upper, Some(Yen(45_000)));
        assert!(
            FY2024_FEE_BANDS
                .windows(2)
                .all(|w| w[0].upper == Some(w[1].lower))
        );
    }

    #[test]
    fn achievement_rates_in_tenths_of_a_percent() {
        assert_eq!(
            achievement_rate(Tenths(253_995), Tenths(250_000)),
            Some(Tenths(1_016))
        ); // 101.598 %
        assert_eq!(
            achievement_rate_yen(Yen(20_500), Yen(20_000)),
            Some(Tenths(1_025))
        );
        assert_eq!(achievement_rate_yen(Yen(1), Yen(16)), Some(Tenths(63))); // 6.25 % → 6.3 %
        assert_eq!(achievement_rate_yen(Yen(0), Yen(16)), Some(Tenths(0)));
        assert_eq!(achievement_rate_yen(Yen(1), Yen(0)), None);
        let target = Tenths::from_yen(Yen(25_000)).expect("fits");
        assert_eq!(achievement_rate(Tenths(253_995), target), Some(Tenths(1_016)));
    }

    // --- monthly records ------------------------------------------------------------------

    fn error_fields(errors: FieldErrors) -> Vec<(String, String)> {
        errors.0.into_iter().map(|f| (f.field, f.code)).collect()
    }

    #[test]
    fn a_monthly_record_is_validated_field_by_field() {
        assert_eq!(month(2025, 4).validated(), Ok(month(2025, 4)));
        let feb_leap = WageMonthInput {
            opening_days: 29,
            ..month(2024, 2)
        };
        assert!(feb_leap.validated().is_ok());
        let feb = WageMonthInput {
            opening_days: 29,
            ..month(2025, 2)
        };
        let errors = feb.validated().expect_err("29 days in February 2025");
        assert_eq!(errors.0[0].message, "0から28の範囲で入力してください");

        let bad = WageMonthInput {
            year: 1999,
            month: 13,
            wages_paid: Yen(-1),
            user_months: -1,
            user_days: -1,
            opening_days: 32,
            work_hours: MAX_MONTHLY_COUNT + 1,
        };
        assert_eq!(
            error_fields(bad.validated().expect_err("invalid")),
            [
                ("year", "out_of_range"),
                ("month", "out_of_range"),
                ("wages_paid", "out_of_range"),
                ("user_months", "out_of_range"),
                ("user_days", "out_of_range"),
                ("work_hours", "out_of_range"),
                ("opening_days", "out_of_range"),
            ]
            .map(|(f, c)| (f.to_string(), c.to_string()))
        );

        let inconsistent = WageMonthInput {
            user_months: 0,
            opening_days: 0,
            ..month(2025, 5)
        };
        let errors = inconsistent.validated().expect_err("inconsistent");
        assert_eq!(
            error_fields(errors.clone()),
            [("user_months", "required"), ("opening_days", "required")]
                .map(|(f, c)| (f.to_string(), c.to_string()))
        );
        assert_eq!(
            errors.0[0].message,
            "工賃を支払った利用者の人数を入力してください"
        );
        // A month with nothing at all is a closed month, and valid.
        let closed = WageMonthInput {
            wages_paid: Yen(0),
            user_months: 0,
            user_days: 0,
            opening_days: 0,
            work_hours: 0,
            ..month(2025, 8)
        };
        assert!(closed.validated().is_ok());
    }

    // --- the published table --------------------------------------------------------------

    /// A line of the table's CSV split on commas outside double quotes, quotes removed: the
    /// server reads the file with the `csv` crate; the domain's tests need no more than this.
    fn split_csv_line(line: &str) -> Vec<String> {
        let mut cells = vec![String::new()];
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => cells.push(String::new()),
                _ => cells.last_mut().expect("a cell").push(c),
            }
        }
        cells
    }

    fn parse_line(row: usize, line: &str) -> Result<PublishedWageRow, FieldErrors> {
        let cells = split_csv_line(line);
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        PublishedWageRow::from_fields(row, &cells)
    }

    const TABLE: &str = include_str!("../../server/data/gunma-wage-h27-h28.csv");

    fn table() -> Vec<PublishedWageRow> {
        let mut lines = TABLE.lines();
        let header = lines.next().expect("header");
        assert_eq!(split_csv_line(header), PUBLISHED_COLUMNS.map(String::from));
        lines
            .enumerate()
            .map(|(i, line)| parse_line(i + 2, line).unwrap_or_else(|e| panic!("line {}: {e:?}", i + 2)))
            .collect()
    }

    #[test]
    fn a_row_reads_quoted_thousands() {
        let row = parse_line(
            2,
            r#"1,わーくはうすてっぶ,2,H27,20,492,"12,496,530","25,399.5","49,006","12,496,530","25,399.5""#,
        )
        .expect("valid");
        assert_eq!(
            row,
            PublishedWageRow {
                row: 2,
                number: 1,
                facility: "わーくはうすてっぶ".into(),
                corporation_type: 2,
                fiscal_year: FiscalYear(2015),
                capacity: Some(20),
                user_months: Some(492),
                monthly_wage_total: Some(Yen(12_496_530)),
                monthly_wage_avg: Some(Tenths(253_995)),
                work_hours: Some(49_006),
                hourly_wage_total: Some(Yen(12_496_530)),
                hourly_wage_avg: Some(Tenths(253_995)),
            }
        );
        assert!(row.has_wages());
    }

    #[test]
    fn a_row_with_blank_cells() {
        let row = parse_line(152, "95,トモロースタジオ倉賀野,4,H27,,,,0.0,0,0,0.0").expect("valid");
        assert_eq!(row.capacity, None);
        assert_eq!(row.user_months, None);
        assert_eq!(row.monthly_wage_total, None);
        assert_eq!(row.monthly_wage_avg, Some(Tenths::ZERO));
        assert_eq!(row.work_hours, Some(0));
        assert_eq!(row.hourly_wage_total, Some(Yen(0)));
        assert!(!row.has_wages());
        assert_eq!(check_row(&row), []); // blank cells skip checks; 0 hours and 0.0 agree
    }

    #[test]
    fn row_errors_name_the_line_and_the_column() {
        let errors = parse_line(5, r#"x,,9,H99,20,-3,"1,2x","25,399.55",,"1,23,4","#).expect_err("bad");
        assert_eq!(
            error_fields(errors.clone()),
            [
                ("no", "format"),
                ("facility", "required"),
                ("corp_type", "out_of_range"),
                ("fiscal_year", "format"),
                ("user_months", "out_of_range"),
                ("monthly_wage_total", "format"),
                ("hourly_wage_total", "format"),
                ("monthly_wage_avg", "format"),
            ]
            .map(|(f, c)| (f.to_string(), c.to_string()))
        );
        let messages: Vec<&str> = errors.0.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages[0], "5行目の番号: 数値ではありません:「x」");
        assert_eq!(messages[4], "5行目の対象者延人数が負の値です");
        assert_eq!(
            messages[5],
            "5行目の月額の工賃支払総額: 数値ではありません:「1,2x」"
        );
        assert_eq!(
            messages[6],
            "5行目の時間額の工賃支払総額: 桁区切りのカンマの位置が正しくありません:「1,23,4」"
        );
        assert_eq!(
            messages[7],
            "5行目の月額の工賃平均額: 小数点以下は1桁までです:「25,399.55」"
        );

        let short = parse_line(7, "1,a,2,H27").expect_err("4 cells");
        assert_eq!(short.0[0].field, "columns");
        assert_eq!(short.0[0].message, "7行目の列の数が11ではありません(4列)");
        let missing = parse_line(8, ",a,,,,,,,,,").expect_err("blank keys");
        assert_eq!(
            error_fields(missing),
            [
                ("no", "required"),
                ("corp_type", "required"),
                ("fiscal_year", "required")
            ]
            .map(|(f, c)| (f.to_string(), c.to_string()))
        );
    }

    #[test]
    fn check_row_finds_a_wrong_hourly_average() {
        let row = parse_line(
            3,
            r#"1,わーくはうすてっぶ,2,H28,20,281,"5,530,860","19,682.8","28,075","5,530,860","19,710""#,
        )
        .expect("valid");
        assert_eq!(
            check_row(&row),
            [Discrepancy {
                row: 3,
                number: 1,
                facility: "わーくはうすてっぶ".into(),
                fiscal_year: FiscalYear(2016),
                field: "hourly_wage_avg".into(),
                published: "19,710.0".into(),
                recomputed: Some("197.0".into()),
                message: "時間額の工賃平均額の公表値 19,710.0 が、時間額の工賃支払総額 5,530,860円 ÷ 延べ時間数 28,075時間 = 197.0 と一致しません".into(),
            }]
        );
    }

    #[test]
    fn check_row_compares_the_two_totals() {
        // Row 26, H28: the monthly average fits the hourly column's total (4,914,523 ÷ 361 =
        // 13,613.6), not its own (4,914,553 ÷ 361 = 13,613.7): one of the totals is misprinted.
        let row = parse_line(
            53,
            r#"26,あいほーとあすなろ,5,H28,20,361,"4,914,553","13,613.6","23,742","4,914,523","20,710""#,
        )
        .expect("valid");
        let found = check_row(&row);
        let summary: Vec<(&str, &str, Option<&str>)> = found
            .iter()
            .map(|d| (d.field.as_str(), d.published.as_str(), d.recomputed.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("monthly_wage_avg", "13,613.6", Some("13,613.7")),
                ("hourly_wage_avg", "20,710.0", Some("207.0")),
                ("hourly_wage_total", "4,914,523", Some("4,914,553")),
            ]
        );
        assert!(found[2].message.contains("一致しません"));
    }

    #[test]
    fn check_row_without_divisors() {
        let base = parse_line(2, "1,a,2,H28,20,0,0,0.0,0,0,0.0").expect("valid");
        assert_eq!(check_row(&base), []);
        let avg_without_users = PublishedWageRow {
            monthly_wage_avg: Some(Tenths(50)),
            ..base.clone()
        };
        let found = check_row(&avg_without_users);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].recomputed, None);
        assert_eq!(
            found[0].message,
            "対象者延人数が0なのに月額の工賃平均額が 5.0 と公表されています"
        );
        let wages_without_hours = PublishedWageRow {
            hourly_wage_total: Some(Yen(1_000)),
            monthly_wage_total: Some(Yen(1_000)),
            user_months: Some(1),
            monthly_wage_avg: Some(Tenths(10_000)),
            ..base
        };
        let found = check_row(&wages_without_hours);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, "hourly_wage_avg");
        assert_eq!(
            found[0].message,
            "時間額の工賃支払総額が 1,000円 あるのに延べ時間数が0です"
        );
    }

    /// Every faulty figure of the real table, found independently (exact rational arithmetic in
    /// a throwaway script) and looked at by hand: (line in the file, column).
    ///
    /// - Lines 2–77 (facilities 1–38, the first page of the PDF): every published hourly average
    ///   is garbled in extraction (`19,710` for 197.0, `25,399.5` copied from the monthly one).
    /// - Monthly averages off by a misprinted digit or a wrong total: lines 11, 14, 32, 34, 38,
    ///   45, 53, 65, 72, 79, 88, 110, 119, 127, 168, 177, 189.
    /// - Hourly averages on later pages: lines 86, 88, 90, 99, 110, 111, 138, 154, 165, 167, 177,
    ///   189.
    /// - Line 53 (facility 26, H28): the two wage totals differ by ¥30.
    const INCONSISTENT: [(usize, &str); 106] = [
        (2, "hourly_wage_avg"),
        (3, "hourly_wage_avg"),
        (4, "hourly_wage_avg"),
        (5, "hourly_wage_avg"),
        (6, "hourly_wage_avg"),
        (7, "hourly_wage_avg"),
        (8, "hourly_wage_avg"),
        (9, "hourly_wage_avg"),
        (10, "hourly_wage_avg"),
        (11, "monthly_wage_avg"),
        (11, "hourly_wage_avg"),
        (12, "hourly_wage_avg"),
        (13, "hourly_wage_avg"),
        (14, "monthly_wage_avg"),
        (14, "hourly_wage_avg"),
        (15, "hourly_wage_avg"),
        (16, "hourly_wage_avg"),
        (17, "hourly_wage_avg"),
        (18, "hourly_wage_avg"),
        (19, "hourly_wage_avg"),
        (20, "hourly_wage_avg"),
        (21, "hourly_wage_avg"),
        (22, "hourly_wage_avg"),
        (23, "hourly_wage_avg"),
        (24, "hourly_wage_avg"),
        (25, "hourly_wage_avg"),
        (26, "hourly_wage_avg"),
        (27, "hourly_wage_avg"),
        (28, "hourly_wage_avg"),
        (29, "hourly_wage_avg"),
        (30, "hourly_wage_avg"),
        (31, "hourly_wage_avg"),
        (32, "monthly_wage_avg"),
        (32, "hourly_wage_avg"),
        (33, "hourly_wage_avg"),
        (34, "monthly_wage_avg"),
        (34, "hourly_wage_avg"),
        (35, "hourly_wage_avg"),
        (36, "hourly_wage_avg"),
        (37, "hourly_wage_avg"),
        (38, "monthly_wage_avg"),
        (38, "hourly_wage_avg"),
        (39, "hourly_wage_avg"),
        (40, "hourly_wage_avg"),
        (41, "hourly_wage_avg"),
        (42, "hourly_wage_avg"),
        (43, "hourly_wage_avg"),
        (44, "hourly_wage_avg"),
        (45, "monthly_wage_avg"),
        (45, "hourly_wage_avg"),
        (46, "hourly_wage_avg"),
        (47, "hourly_wage_avg"),
        (48, "hourly_wage_avg"),
        (49, "hourly_wage_avg"),
        (50, "hourly_wage_avg"),
        (51, "hourly_wage_avg"),
        (52, "hourly_wage_avg"),
        (53, "monthly_wage_avg"),
        (53, "hourly_wage_avg"),
        (53, "hourly_wage_total"),
        (54, "hourly_wage_avg"),
        (55, "hourly_wage_avg"),
        (56, "hourly_wage_avg"),
        (57, "hourly_wage_avg"),
        (58, "hourly_wage_avg"),
        (59, "hourly_wage_avg"),
        (60, "hourly_wage_avg"),
        (61, "hourly_wage_avg"),
        (62, "hourly_wage_avg"),
        (63, "hourly_wage_avg"),
        (64, "hourly_wage_avg"),
        (65, "monthly_wage_avg"),
        (65, "hourly_wage_avg"),
        (66, "hourly_wage_avg"),
        (67, "hourly_wage_avg"),
        (68, "hourly_wage_avg"),
        (69, "hourly_wage_avg"),
        (70, "hourly_wage_avg"),
        (71, "hourly_wage_avg"),
        (72, "monthly_wage_avg"),
        (72, "hourly_wage_avg"),
        (73, "hourly_wage_avg"),
        (74, "hourly_wage_avg"),
        (75, "hourly_wage_avg"),
        (76, "hourly_wage_avg"),
        (77, "hourly_wage_avg"),
        (79, "monthly_wage_avg"),
        (86, "hourly_wage_avg"),
        (88, "monthly_wage_avg"),
        (88, "hourly_wage_avg"),
        (90, "hourly_wage_avg"),
        (99, "hourly_wage_avg"),
        (110, "monthly_wage_avg"),
        (110, "hourly_wage_avg"),
        (111, "hourly_wage_avg"),
        (119, "monthly_wage_avg"),
        (127, "monthly_wage_avg"),
        (138, "hourly_wage_avg"),
        (154, "hourly_wage_avg"),
        (165, "hourly_wage_avg"),
        (167, "hourly_wage_avg"),
        (168, "monthly_wage_avg"),
        (177, "monthly_wage_avg"),
        (177, "hourly_wage_avg"),
        (189, "monthly_wage_avg"),
        (189, "hourly_wage_avg"),
    ];

    #[test]
    fn the_real_table_parses_and_its_faults_are_found() {
        let rows = table();
        assert_eq!(rows.len(), 190);
        assert_eq!(
            rows.iter().filter(|r| r.fiscal_year == FiscalYear(2015)).count(),
            114
        );
        assert_eq!(
            rows.iter().filter(|r| r.fiscal_year == FiscalYear(2016)).count(),
            76
        );
        let found: Vec<Discrepancy> = rows.iter().flat_map(check_row).collect();
        for d in &found {
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                d.row,
                d.facility,
                d.fiscal_year.short_label(),
                d.field,
                d.published,
                d.recomputed.as_deref().unwrap_or("—"),
                d.message
            );
        }
        let found_keys: Vec<(usize, &str)> = found.iter().map(|d| (d.row, d.field.as_str())).collect();
        assert_eq!(found_keys, INCONSISTENT);
        // All but line 152 (blank user-months) had their monthly average checked.
        let checked = rows
            .iter()
            .filter(|r| r.monthly_wage_avg.is_some() && r.user_months.is_some())
            .count();
        assert_eq!(checked, 189);
    }

    #[test]
    fn prefecture_totals_of_the_real_table() {
        let rows = table();
        let totals = prefecture_totals_by_year(&rows);
        assert_eq!(
            totals,
            [
                PrefectureTotals {
                    fiscal_year: FiscalYear(2015),
                    facilities: 114,
                    reporting_facilities: 103,
                    user_months: 27_225,
                    work_hours: 2_255_179,
                    wages_paid: Yen(464_445_380),
                    average_monthly_wage: Some(Tenths(170_595)), // 17,059.5
                    average_hourly_wage: Some(Tenths(2_059)),    // 205.9
                },
                PrefectureTotals {
                    fiscal_year: FiscalYear(2016),
                    facilities: 76,
                    reporting_facilities: 71,
                    user_months: 19_144,
                    work_hours: 1_482_545,
                    wages_paid: Yen(305_583_994),
                    average_monthly_wage: Some(Tenths(159_624)), // 15,962.4
                    average_hourly_wage: Some(Tenths(2_061)),    // 206.1
                },
            ]
        );
        assert_eq!(prefecture_totals(FiscalYear(2025), &rows).facilities, 0);
        assert_eq!(
            prefecture_totals(FiscalYear(2025), &rows).average_monthly_wage,
            None
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The API's shapes for wages: a facility's year, the prefecture's table, an import's report.

/// A facility's month as stored, with its figures and its sales through the council.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageMonth {
    pub year: i32,
    pub month: u32,
    /// None when the facility has not entered the month.
    pub figures: Option<WageMonthInput>,
    pub average_monthly_wage: Option<Tenths>,
    pub average_hourly_wage: Option<Tenths>,
    /// Net sales of the facility's goods at settled council events in the month.
    pub council_sales: Yen,
}

/// A facility's fiscal year: months, yearly figures by both formulas, target and achievement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityWageYear {
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub fiscal_year: FiscalYear,
    /// 令和7年度 (FY2025).
    pub label: String,
    pub months: Vec<WageMonth>,
    pub totals: WageTotals,
    /// Classic: wages ÷ user-months, one decimal.
    pub average_monthly_wage: Option<Tenths>,
    pub average_hourly_wage: Option<Tenths>,
    /// Since the FY2024 fee revision: wages ÷ (user-days ÷ opening days) ÷ 12, to the yen.
    pub fy2024_average_monthly_wage: Option<Yen>,
    pub band: Option<BandPosition>,
    /// 目標工賃 (monthly) of the facility's wage plan for the year.
    pub target: Option<Yen>,
    /// Classic average ÷ target, in tenths of a percent.
    pub achievement: Option<Tenths>,
    pub council_sales: Yen,
    /// Council sales ÷ wages paid, in tenths of a percent.
    pub council_share: Option<Tenths>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageTargetInput {
    pub monthly_target: Yen,
}

impl WageTargetInput {
    pub fn validated(&self) -> Result<WageTargetInput, FieldErrors> {
        let mut e = FieldErrors::default();
        if !(0..=MAX_MONTHLY_WAGES.0).contains(&self.monthly_target.0) {
            e.add(
                "monthly_target",
                "out_of_range",
                "目標工賃は0円以上で入力してください",
            );
        }
        e.into_result(self.clone())
    }
}

/// One facility's totals for a year, and the averages recomputed from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearFigures {
    pub user_months: Option<i64>,
    pub wages_paid: Option<Yen>,
    pub work_hours: Option<i64>,
    pub average_monthly_wage: Option<Tenths>,
    pub average_hourly_wage: Option<Tenths>,
    /// `months` (entered in selpos) or `import` (the prefecture's published table).
    pub source: String,
}

impl YearFigures {
    pub fn new(
        user_months: Option<i64>,
        wages_paid: Option<Yen>,
        work_hours: Option<i64>,
        source: &str,
    ) -> YearFigures {
        YearFigures {
            user_months,
            wages_paid,
            work_hours,
            average_monthly_wage: wages_paid
                .zip(user_months)
                .and_then(|(w, m)| classic_average_monthly_wage(w, m)),
            average_hourly_wage: wages_paid
                .zip(work_hours)
                .and_then(|(w, h)| average_hourly_wage(w, h)),
            source: source.to_string(),
        }
    }
}

/// A facility's row of the prefecture's table: this year and the year before, side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageTableRow {
    pub facility_id: i64,
    pub number: i64,
    pub name: String,
    pub corporation_type: i64,
    pub capacity: Option<i64>,
    pub current: Option<YearFigures>,
    pub previous: Option<YearFigures>,
}

/// Column sums of the table for one year, with averages of the sums.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageTableTotals {
    pub facilities: i64,
    /// Facilities that paid wages in the year.
    pub reporting: i64,
    pub user_months: i64,
    pub wages_paid: Yen,
    pub work_hours: i64,
    pub average_monthly_wage: Option<Tenths>,
    pub average_hourly_wage: Option<Tenths>,
}

impl WageTableTotals {
    /// Σ over the facilities with figures; each average is the ratio of its two sums (taken
    /// over the facilities that have both numbers), as the prefecture computes it.
    pub fn of<'a>(figures: impl Iterator<Item = &'a YearFigures>) -> WageTableTotals {
        let mut t = WageTableTotals::default();
        let (mut month_wages, mut hour_wages) = (0i64, 0i64);
        for f in figures {
            t.facilities += 1;
            let wages = f.wages_paid.map_or(0, |w| w.0);
            t.reporting += i64::from(wages > 0);
            t.wages_paid.0 += wages;
            if let (Some(w), Some(m)) = (f.wages_paid, f.user_months) {
                t.user_months += m;
                month_wages += w.0;
            }
            if let (Some(w), Some(h)) = (f.wages_paid, f.work_hours) {
                t.work_hours += h;
                hour_wages += w.0;
            }
        }
        t.average_monthly_wage = classic_average_monthly_wage(Yen(month_wages), t.user_months);
        t.average_hourly_wage = average_hourly_wage(Yen(hour_wages), t.work_hours);
        t
    }
}

/// 工賃実績一覧: every facility for a fiscal year and the year before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageTable {
    pub fiscal_year: FiscalYear,
    pub label: String,
    pub previous_label: String,
    pub rows: Vec<WageTableRow>,
    pub totals: WageTableTotals,
    pub previous_totals: WageTableTotals,
}

/// What an import of the prefecture's table found, and whether it wrote anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WageImportReport {
    pub dry_run: bool,
    pub written: bool,
    pub rows: usize,
    pub fiscal_years: Vec<FiscalYear>,
    pub facilities_matched: usize,
    /// Facilities in the file that selpos did not know: created from the file's row.
    pub facilities_created: usize,
    /// Published figures that disagree with their own totals (the rows are imported; the
    /// averages selpos shows are recomputed from the totals).
    pub discrepancies: Vec<Discrepancy>,
}
