//! Fiscal years (年度): April to March, with the labels the prefecture's documents use.

use crate::validation::FieldErrors;
use crate::wages::WageParseError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

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
    /// The first fiscal year selpos takes from a request, a form or a file.
    pub const FIRST: FiscalYear = FiscalYear(2000);
    /// The last fiscal year selpos takes from a request, a form or a file.
    pub const LAST: FiscalYear = FiscalYear(2100);

    /// `year` as a fiscal year when it lies in [`FiscalYear::FIRST`]`..=`[`FiscalYear::LAST`]:
    /// every fiscal year from outside (query, body, CSV) passes here before any arithmetic.
    pub fn checked(year: i64) -> Option<FiscalYear> {
        let year = i32::try_from(year).ok()?;
        (FiscalYear::FIRST.0..=FiscalYear::LAST.0)
            .contains(&year)
            .then_some(FiscalYear(year))
    }

    /// Like [`FiscalYear::checked`], as the field error `field`: `out_of_range` (422).
    pub fn validated(field: &str, year: i64) -> Result<FiscalYear, FieldErrors> {
        FiscalYear::checked(year).ok_or_else(|| {
            let mut e = FieldErrors::default();
            e.add(field, "out_of_range", FiscalYear::range_message());
            e
        })
    }

    /// `年度は2000から2100の範囲で指定してください`.
    pub fn range_message() -> String {
        format!(
            "年度は{}から{}の範囲で指定してください",
            FiscalYear::FIRST.0,
            FiscalYear::LAST.0
        )
    }

    /// The fiscal year before (`None` below `i32::MIN + 1`).
    pub fn previous(self) -> Option<FiscalYear> {
        self.0.checked_sub(1).map(FiscalYear)
    }

    /// The fiscal year a day belongs to: January–March belong to the year before.
    pub fn from_date(date: NaiveDate) -> FiscalYear {
        // chrono's years lie well inside i32 (±262,143): the year before always exists.
        let year = date.year();
        FiscalYear(if date.month() >= 4 {
            year
        } else {
            year.saturating_sub(1)
        })
    }

    /// The fiscal year of a calendar month (`month` 1–12); `None` for January–March of
    /// `i32::MIN`, whose fiscal year cannot be written.
    pub fn of_month(year: i32, month: u32) -> Option<FiscalYear> {
        if month >= 4 {
            Some(FiscalYear(year))
        } else {
            year.checked_sub(1).map(FiscalYear)
        }
    }

    /// Whether a calendar month falls in this fiscal year.
    pub fn contains(self, year: i32, month: u32) -> bool {
        (1..=12).contains(&month) && FiscalYear::of_month(year, month) == Some(self)
    }

    /// 1 April of the year (`None` only beyond chrono's range).
    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0, 4, 1)
    }

    /// 31 March of the next year (`None` only beyond chrono's range).
    pub fn last_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0.checked_add(1)?, 3, 31)
    }

    /// The twelve (year, month) pairs of the fiscal year, April first, March last (`None` for
    /// `i32::MAX`, whose January–March cannot be written).
    pub fn months(self) -> Option<[(i32, u32); 12]> {
        let next = self.0.checked_add(1)?;
        Some(std::array::from_fn(|i| {
            let month = (i as u32 + 3) % 12 + 1;
            (if month >= 4 { self.0 } else { next }, month)
        }))
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
            return FiscalYear::checked(i64::from(base) + i64::from(year)).ok_or_else(bad);
        }
        let western = text.strip_prefix("FY").unwrap_or(text).trim();
        if western.len() == 4 && western.bytes().all(|b| b.is_ascii_digit()) {
            let year: i64 = western.parse().map_err(|_| bad())?;
            return FiscalYear::checked(year).ok_or_else(bad);
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
        let months = FiscalYear(2016).months().expect("months");
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
    fn fiscal_years_from_outside_are_bounded_and_their_arithmetic_checked() {
        assert_eq!(FiscalYear::checked(2000), Some(FiscalYear::FIRST));
        assert_eq!(FiscalYear::checked(2100), Some(FiscalYear::LAST));
        for bad in [
            1999,
            2101,
            0,
            -1,
            i64::from(i32::MIN),
            i64::from(i32::MAX),
            i64::MIN,
            i64::MAX,
        ] {
            assert_eq!(FiscalYear::checked(bad), None, "{bad}");
            let e = FiscalYear::validated("fiscal_year", bad).expect_err("refused");
            assert_eq!(e.0[0].field, "fiscal_year");
            assert_eq!(e.0[0].code, "out_of_range");
            assert!(e.0[0].message.contains("2000から2100"), "{}", e.0[0].message);
        }
        assert_eq!(FiscalYear::validated("fiscal_year", 2025), Ok(FiscalYear(2025)));
        // The arithmetic at the ends of i32 answers None instead of overflowing.
        assert_eq!(FiscalYear(i32::MAX).months(), None);
        assert_eq!(FiscalYear(i32::MAX).last_day(), None);
        assert_eq!(FiscalYear(i32::MIN).previous(), None);
        assert_eq!(FiscalYear::FIRST.previous(), Some(FiscalYear(1999)));
        assert_eq!(FiscalYear::of_month(i32::MIN, 3), None);
        assert_eq!(FiscalYear::of_month(i32::MIN, 4), Some(FiscalYear(i32::MIN)));
        assert_eq!(FiscalYear::of_month(i32::MAX, 3), Some(FiscalYear(i32::MAX - 1)));
        assert!(!FiscalYear(i32::MAX).contains(i32::MIN, 1));
        assert_eq!(FiscalYear::LAST.months().map(|m| m[11]), Some((2101, 3)));
        assert_eq!(FiscalYear::from_date(NaiveDate::MIN).0, NaiveDate::MIN.year() - 1);
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
            if FiscalYear::checked(i64::from(year)).is_some() {
                assert_eq!(FiscalYear::parse_label(ja), Ok(FiscalYear(year)), "{ja}");
                assert_eq!(FiscalYear::parse_label(short), Ok(FiscalYear(year)), "{short}");
            } else {
                // Labelled, but outside the years selpos takes in.
                assert!(FiscalYear::parse_label(ja).is_err(), "{ja}");
                assert!(FiscalYear::parse_label(short).is_err(), "{short}");
            }
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
            "1999",
            "2101",
            "H11",
            "R999",
            "FY9999",
        ] {
            let err = FiscalYear::parse_label(bad).expect_err(bad);
            assert_eq!(err.code(), "format");
            assert!(err.to_string().contains("年度は"), "{err}");
        }
    }
}
