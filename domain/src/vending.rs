//! セルプ自販機: vending machines placed to support the workshops. Each machine supports one
//! facility; its operator pays a commission on each month's sales — a share of the sales or
//! an amount per can — and that commission is the facility's income from the council's
//! channels, beside its event sales and joint orders in its wage figures.

use crate::Yen;
use crate::validation::FieldErrors;
use crate::wages::fiscal_year::FiscalYear;
use serde::{Deserialize, Serialize};

/// The most a machine sells in a month (a busy machine sells a few thousand cans).
pub const MAX_MONTHLY_SALES: Yen = Yen(100_000_000);
pub const MAX_MONTHLY_CANS: i64 = 1_000_000;
/// The most one commission per can may be.
pub const MAX_PER_CAN: Yen = Yen(1_000);

/// What the operator pays per month for a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum VendingCommission {
    /// A share of the month's sales, in basis points (2000 = 20%).
    Percent { basis_points: i64 },
    /// An amount per can sold.
    PerCan { yen: Yen },
}

impl VendingCommission {
    pub fn label_ja(self) -> String {
        match self {
            VendingCommission::Percent { basis_points } => {
                format!("売上の{}", crate::money::percent_label(basis_points))
            }
            VendingCommission::PerCan { yen } => format!("1本{yen}"),
        }
    }

    fn check(self, e: &mut FieldErrors) {
        match self {
            VendingCommission::Percent { basis_points } if !(0..=10_000).contains(&basis_points) => e.add(
                "commission",
                "out_of_range",
                "手数料率は0%から100%の範囲で入力してください",
            ),
            VendingCommission::PerCan { yen } if !(0..=MAX_PER_CAN.0).contains(&yen.0) => e.add(
                "commission",
                "out_of_range",
                format!(
                    "1本あたりの手数料は0円から{}円の範囲で入力してください",
                    MAX_PER_CAN.0
                ),
            ),
            _ => {}
        }
    }
}

/// The facility's income from a machine's month: a share of the sales rounded down to the yen
/// (the operator's statements do), or the cans times the amount per can.
pub fn income(rule: VendingCommission, cans: i64, sales: Yen) -> Yen {
    match rule {
        VendingCommission::Percent { basis_points } => Yen(sales.0.max(0)).share_rounded_down(basis_points),
        VendingCommission::PerCan { yen } => Yen(cans.max(0).saturating_mul(yen.0)),
    }
}

/// A machine as the council registers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VendingMachineInput {
    /// The council's own code for the machine (the operator's statements name it), e.g. `V-012`.
    pub code: String,
    /// 設置場所, e.g. 県庁本庁舎 1階.
    pub location: String,
    /// The operator (飲料メーカー・ベンダー).
    pub operator: String,
    /// The facility the machine supports.
    pub facility_id: i64,
    pub commission: VendingCommission,
    /// A machine taken away keeps its months but takes no new ones.
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

impl VendingMachineInput {
    /// Trimmed, every field checked at once.
    pub fn validated(&self) -> Result<VendingMachineInput, FieldErrors> {
        let mut e = FieldErrors::default();
        let code = self.code.trim().to_string();
        if code.is_empty() || code.chars().count() > 20 || code.chars().any(char::is_control) {
            e.add("code", "invalid", "自販機コードは1〜20文字で入力してください");
        }
        let location = self.location.trim().to_string();
        if location.is_empty() || location.chars().count() > 100 {
            e.add("location", "invalid", "設置場所は1〜100文字で入力してください");
        }
        let operator = self.operator.trim().to_string();
        if operator.is_empty() || operator.chars().count() > 100 {
            e.add("operator", "invalid", "運営業者は1〜100文字で入力してください");
        }
        if self.facility_id <= 0 {
            e.add("facility_id", "required", "支援する事業所を選んでください");
        }
        self.commission.check(&mut e);
        e.into_result(VendingMachineInput {
            code,
            location,
            operator,
            ..self.clone()
        })
    }
}

/// A registered machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VendingMachine {
    pub id: i64,
    pub code: String,
    pub location: String,
    pub operator: String,
    pub facility_id: i64,
    pub facility_number: i64,
    pub facility_name: String,
    pub commission: VendingCommission,
    pub active: bool,
}

/// One machine's month, as the operator's statement gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VendingMonthInput {
    pub machine_id: i64,
    pub year: i32,
    /// 1–12.
    pub month: u32,
    /// 販売本数.
    pub cans: i64,
    /// 売上 (tax included, as the operator reports it).
    pub sales: Yen,
}

impl VendingMonthInput {
    pub fn validated(&self) -> Result<VendingMonthInput, FieldErrors> {
        let mut e = FieldErrors::default();
        check_month(&mut e, self.year, self.month);
        if !(0..=MAX_MONTHLY_CANS).contains(&self.cans) {
            e.add(
                "cans",
                "out_of_range",
                format!("販売本数は0から{MAX_MONTHLY_CANS}の範囲で入力してください"),
            );
        }
        if !(0..=MAX_MONTHLY_SALES.0).contains(&self.sales.0) {
            e.add(
                "sales",
                "out_of_range",
                format!("売上は0円から{}円の範囲で入力してください", MAX_MONTHLY_SALES.0),
            );
        }
        e.into_result(self.clone())
    }
}

fn check_month(e: &mut FieldErrors, year: i32, month: u32) {
    if !(1..=12).contains(&month) {
        e.add("month", "out_of_range", "月は1から12で入力してください");
    } else if FiscalYear::of_month(year, month)
        .and_then(|y| FiscalYear::checked(i64::from(y.0)))
        .is_none()
    {
        e.add("year", "out_of_range", FiscalYear::range_message());
    }
}

/// A machine's recorded month with the income it gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VendingMonth {
    pub machine_id: i64,
    pub machine_code: String,
    pub facility_id: i64,
    pub year: i32,
    pub month: u32,
    pub cans: i64,
    pub sales: Yen,
    /// The commission rule of the machine when the month was recorded.
    pub commission: VendingCommission,
    /// The facility's income ([`income`]).
    pub income: Yen,
}

/// A month's statement from an operator as a CSV: one row per machine.
pub mod import {
    use super::*;

    /// The columns of the file, by their header (Japanese or English).
    pub const COLUMNS: &[(&str, &[&str])] = &[
        ("code", &["自販機コード", "コード", "code"]),
        ("month", &["年月", "month"]),
        ("cans", &["販売本数", "本数", "cans"]),
        ("sales", &["売上", "売上金額", "sales"]),
    ];

    /// Reads the rows (their line in the file, cells in [`COLUMNS`] order) against the
    /// registered machines (code, id, active). All rows or none: any wrong row gives every
    /// wrong row's errors, each named `rows[<line>].<column>` with the line in its message.
    pub fn plan(
        rows: &[(usize, Vec<String>)],
        machines: &[(String, i64, bool)],
    ) -> Result<Vec<VendingMonthInput>, FieldErrors> {
        let mut planned = Vec::with_capacity(rows.len());
        let mut errors = FieldErrors::default();
        let mut seen = std::collections::HashMap::new();
        for (line, cells) in rows {
            let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
            let mut wrong = |column: &str, code: &str, message: String| {
                errors.add(
                    format!("rows[{line}].{column}"),
                    code,
                    format!("{line}行目: {message}"),
                );
            };
            let machine = machines.iter().find(|(code, _, _)| code == cell(0));
            match machine {
                None => wrong(
                    "code",
                    "unknown",
                    format!("自販機コード「{}」は登録されていません", cell(0)),
                ),
                Some((_, _, false)) => {
                    wrong("code", "inactive", format!("自販機「{}」は撤去済みです", cell(0)))
                }
                Some(_) => {}
            }
            let month = parse_month(cell(1));
            if month.is_none() {
                wrong(
                    "month",
                    "format",
                    format!("年月「{}」を読み取れません（例: 2026-11）", cell(1)),
                );
            }
            let cans = parse_count(cell(2));
            if cans.is_none() {
                wrong(
                    "cans",
                    "format",
                    format!("販売本数「{}」は0以上の整数で入力してください", cell(2)),
                );
            }
            let sales = parse_count(cell(3));
            if sales.is_none() {
                wrong(
                    "sales",
                    "format",
                    format!("売上「{}」は0以上の整数（円）で入力してください", cell(3)),
                );
            }
            let (Some((code, id, true)), Some((year, month)), Some(cans), Some(sales)) =
                (machine, month, cans, sales)
            else {
                continue;
            };
            let input = VendingMonthInput {
                machine_id: *id,
                year,
                month,
                cans,
                sales: Yen(sales),
            };
            match input.validated() {
                Ok(input) => match seen.insert((*id, year, month), *line) {
                    Some(first) => wrong(
                        "code",
                        "duplicate",
                        format!("{code} の {year}年{month}月は{first}行目にもあります"),
                    ),
                    None => planned.push(input),
                },
                Err(e) => e.0.into_iter().for_each(|f| wrong(&f.field, &f.code, f.message)),
            }
        }
        errors.into_result(planned)
    }

    /// `2026-11`, `2026/11`, `2026年11月`.
    fn parse_month(text: &str) -> Option<(i32, u32)> {
        let text = crate::codes::normalise_digits(text);
        let (year, month) = text.trim().trim_end_matches('月').split_once(['-', '/', '年'])?;
        Some((year.trim().parse().ok()?, month.trim().parse().ok()?))
    }

    /// A whole number as a spreadsheet writes it (`1,234`, `¥1,234`, full-width digits; a
    /// Shift_JIS file's ¥ reads as `\`).
    fn parse_count(text: &str) -> Option<i64> {
        let digits: String = crate::codes::normalise_digits(text)
            .trim()
            .trim_start_matches(['¥', '￥', '\\'])
            .trim_end_matches('円')
            .chars()
            .filter(|c| *c != ',')
            .collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::import::plan;
    use super::*;

    #[test]
    fn income_is_a_share_rounded_down_or_per_can() {
        let twenty = VendingCommission::Percent { basis_points: 2000 };
        assert_eq!(income(twenty, 0, Yen(123_459)), Yen(24_691));
        assert_eq!(
            income(VendingCommission::Percent { basis_points: 1550 }, 0, Yen(999)),
            Yen(154)
        );
        assert_eq!(
            income(VendingCommission::PerCan { yen: Yen(10) }, 1_234, Yen(150_000)),
            Yen(12_340)
        );
        assert_eq!(income(twenty, 0, Yen(i64::MAX)), Yen(i64::MAX / 5));
        assert_eq!(
            income(VendingCommission::PerCan { yen: Yen(1000) }, i64::MAX, Yen(0)),
            Yen(i64::MAX)
        );
    }

    #[test]
    fn a_machine_needs_a_code_place_operator_facility_and_a_sane_rule() {
        let machine = VendingMachineInput {
            code: " V-001 ".into(),
            location: "県庁本庁舎 1階".into(),
            operator: "ぐんま飲料".into(),
            facility_id: 3,
            commission: VendingCommission::PerCan { yen: Yen(10) },
            active: true,
        };
        assert_eq!(machine.validated().map(|m| m.code), Ok("V-001".to_string()));
        let wrong = VendingMachineInput {
            code: "".into(),
            facility_id: 0,
            commission: VendingCommission::Percent { basis_points: 10_001 },
            ..machine.clone()
        };
        let fields: Vec<String> = wrong
            .validated()
            .expect_err("wrong fields")
            .0
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["code", "facility_id", "commission"]);
        let per_can = VendingMachineInput {
            commission: VendingCommission::PerCan { yen: Yen(-1) },
            ..machine
        };
        assert!(per_can.validated().is_err());
    }

    #[test]
    fn a_month_is_checked() {
        let month = VendingMonthInput {
            machine_id: 1,
            year: 2026,
            month: 11,
            cans: 1_000,
            sales: Yen(150_000),
        };
        assert!(month.validated().is_ok());
        for wrong in [
            VendingMonthInput {
                month: 13,
                ..month.clone()
            },
            VendingMonthInput {
                cans: -1,
                ..month.clone()
            },
            VendingMonthInput {
                sales: Yen(i64::MAX),
                ..month.clone()
            },
            VendingMonthInput {
                year: 1900,
                ..month.clone()
            },
        ] {
            assert!(wrong.validated().is_err(), "{wrong:?}");
        }
    }

    fn row(line: usize, cells: [&str; 4]) -> (usize, Vec<String>) {
        (line, cells.iter().map(|c| c.to_string()).collect())
    }

    #[test]
    fn an_import_is_all_rows_or_none() {
        let machines = vec![
            ("V-001".to_string(), 1, true),
            ("V-002".to_string(), 2, true),
            ("V-009".to_string(), 9, false),
        ];
        let good = [
            row(2, ["V-001", "2026-11", "1,234", "¥185,100"]),
            row(3, ["V-002", "2026年11月", "80", "12000"]),
        ];
        let planned = plan(&good, &machines).expect("good rows");
        assert_eq!(planned.len(), 2);
        assert_eq!((planned[0].cans, planned[0].sales), (1_234, Yen(185_100)));
        assert_eq!((planned[1].year, planned[1].month), (2026, 11));

        let mut bad = good.to_vec();
        bad.push(row(4, ["V-003", "2026-11", "1", "100"]));
        bad.push(row(5, ["V-001", "2026/11", "1", "100"]));
        bad.push(row(6, ["V-002", "11月", "-3", "1.5"]));
        bad.push(row(7, ["V-009", "2026-11", "1", "100"]));
        let errors = plan(&bad, &machines).expect_err("wrong rows").0;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "rows[4].code",
                "rows[5].code",
                "rows[6].month",
                "rows[6].cans",
                "rows[6].sales",
                "rows[7].code"
            ]
        );
        assert!(
            errors[0].message.starts_with("4行目: ") && errors[0].message.contains("登録されていません"),
            "{errors:?}"
        );
        assert!(errors[1].message.contains("2行目にもあります"), "{errors:?}");
        assert!(errors[5].message.contains("撤去済み"), "{errors:?}");
    }
}
