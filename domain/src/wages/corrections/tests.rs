//! The proposals on rows built by hand and on the real H27/H28 table.

use super::digits::DigitSlip;
use super::*;
use crate::wages::published::tests::{parse_line, table};

fn summary(p: &CorrectionProposal) -> (usize, &str, Option<i64>, Option<i64>, ProposalCode) {
    (p.row, p.field.as_str(), p.published, p.proposed, p.code)
}

#[test]
fn digits_one_slip_apart() {
    assert_eq!(digit_slip(3_043_354, 3_643_354), Some(DigitSlip::Changed));
    assert_eq!(digit_slip(1_989_352, 1_969_352), Some(DigitSlip::Changed));
    assert_eq!(digit_slip(1_234, 1_324), Some(DigitSlip::Swapped));
    assert_eq!(digit_slip(1_234, 1_243), Some(DigitSlip::Swapped));
    assert_eq!(digit_slip(1_234, 1_234), None);
    assert_eq!(digit_slip(1_234, 1_299), None);
    assert_eq!(digit_slip(1_234, 12_340), None);
    let near = one_slip_away(120);
    assert!(near.contains(&920) && near.contains(&121) && near.contains(&102));
    assert!(!near.contains(&20) && !near.contains(&120), "{near:?}");
    assert_eq!(one_slip_away(7).len(), 9);
    assert_eq!(one_slip_away(-5), Vec::<i64>::new());
}

#[test]
fn line_110_the_total_is_misread() {
    let row = parse_line(
        110,
        r#"71,さぐらの家,2,H27,20,201,"3,043,354","18,126.1","20,018","3,043,354",182.0"#,
    )
    .expect("valid");
    let found = propose_corrections(&row);
    assert_eq!(found.len(), 1, "{found:#?}");
    let p = &found[0];
    assert_eq!(
        summary(p),
        (
            110,
            "monthly_wage_total",
            Some(3_043_354),
            Some(3_643_354),
            ProposalCode::TotalMisread
        )
    );
    assert_eq!(p.explains, ["monthly_wage_avg", "hourly_wage_avg"]);
    assert_eq!(
        p.reason,
        "月額の平均額 18,126.1(201人)と時間額の平均額 182.0(20,018時間)はどちらも総額 3,643,354円 と合います。公表の総額 3,043,354円 とは1桁だけ違います。総額の読み誤りと考えられます"
    );
}

#[test]
fn line_53_the_other_total_column_is_right() {
    let row = parse_line(
        53,
        r#"26,あいほーとあすなろ,5,H28,20,361,"4,914,553","13,613.6","23,742","4,914,523","20,710""#,
    )
    .expect("valid");
    let found = propose_corrections(&row);
    let got: Vec<_> = found.iter().map(summary).collect();
    assert_eq!(
        got,
        [
            (
                53,
                "monthly_wage_total",
                Some(4_914_553),
                Some(4_914_523),
                ProposalCode::TotalMisread
            ),
            (
                53,
                "hourly_wage_avg",
                Some(207_100),
                Some(2_070),
                ProposalCode::HourlyAverageGarbled
            ),
        ]
    );
    assert_eq!(found[0].explains, ["monthly_wage_avg", "hourly_wage_total"]);
    assert!(
        found[0]
            .reason
            .contains("時間額の支払総額 4,914,523円 と合います")
            && found[0].reason.contains("1桁だけ違います"),
        "{}",
        found[0].reason
    );
    assert_eq!(
        found[1].reason,
        "公表の時間額の工賃平均額 20,710 は小数点が抜け、数字が1つ混じった値と見られます。1桁を除くと 207.0 となり、総額 4,914,523円 ÷ 延べ時間数 23,742時間 = 207.0 と一致します"
    );
}

#[test]
fn averages_and_counts_misread() {
    // Line 79: 10,599,700 ÷ 560 = 18,928.0, published 19,928.0 (the hourly average agrees
    // with the total).
    let row = parse_line(
        79,
        r#"40,県立障害者リハビリテーションセンター就労支援部,2,H27,68,560,"10,599,700","19,928.0","47,110","10,599,700",225.0"#,
    )
    .expect("valid");
    let found = propose_corrections(&row);
    assert_eq!(
        found.iter().map(summary).collect::<Vec<_>>(),
        [(
            79,
            "monthly_wage_avg",
            Some(199_280),
            Some(189_280),
            ProposalCode::MonthlyAverageMisread
        )]
    );
    assert!(
        found[0]
            .reason
            .contains("1桁だけ違います(もう一方の平均額は公表の総額と合います)")
    );
    // Line 90: 4,883,755 ÷ 18,801 h = 259.8, published 262.6; 18,601 h gives 262.6.
    let row = parse_line(
        90,
        r#"51,ガーデンタイム,2,H27,30,461,"4,883,755","10,593.8","18,801","4,883,755",262.6"#,
    )
    .expect("valid");
    assert_eq!(
        propose_corrections(&row).iter().map(summary).collect::<Vec<_>>(),
        [(
            90,
            "work_hours",
            Some(18_801),
            Some(18_601),
            ProposalCode::WorkHoursMisread
        )]
    );
    // Line 2: the hourly column holds the monthly average.
    let row = parse_line(
        2,
        r#"1,わーくはうすてっぶ,2,H27,20,492,"12,496,530","25,399.5","49,006","12,496,530","25,399.5""#,
    )
    .expect("valid");
    assert_eq!(
        propose_corrections(&row).iter().map(summary).collect::<Vec<_>>(),
        [(
            2,
            "hourly_wage_avg",
            Some(253_995),
            Some(2_550),
            ProposalCode::HourlyAverageCopied
        )]
    );
}

#[test]
fn rows_without_a_single_explanation() {
    let base = parse_line(2, "1,a,2,H28,20,0,0,0.0,0,0,0.0").expect("valid");
    assert_eq!(propose_corrections(&base), []);
    // Wages paid, no user-months: the count is missing, its value unknown.
    let no_users = PublishedWageRow {
        monthly_wage_total: Some(crate::Yen(1_000)),
        hourly_wage_total: Some(crate::Yen(1_000)),
        work_hours: Some(10),
        hourly_wage_avg: Some(Tenths(1_000)),
        ..base.clone()
    };
    let found = propose_corrections(&no_users);
    assert_eq!(
        found.iter().map(summary).collect::<Vec<_>>(),
        [(2, "monthly_wage_avg", Some(0), None, ProposalCode::Unresolved)]
    );
    // Nothing paid but an average published: the average is 0.0.
    let avg_only = PublishedWageRow {
        monthly_wage_avg: Some(Tenths(50)),
        ..base.clone()
    };
    assert_eq!(
        propose_corrections(&avg_only)
            .iter()
            .map(summary)
            .collect::<Vec<_>>(),
        [(
            2,
            "monthly_wage_avg",
            Some(50),
            Some(0),
            ProposalCode::MonthlyAverageMisread
        )]
    );
    // Two totals, neither fitting both averages.
    let totals = PublishedWageRow {
        user_months: Some(10),
        monthly_wage_total: Some(crate::Yen(100_000)),
        monthly_wage_avg: Some(Tenths(200_000)),
        work_hours: Some(100),
        hourly_wage_total: Some(crate::Yen(300_000)),
        hourly_wage_avg: Some(Tenths(50_000)),
        ..base
    };
    let found = propose_corrections(&totals);
    assert!(
        found.iter().any(|p| p.field == "hourly_wage_total"
            && p.code == ProposalCode::Unresolved
            && p.proposed.is_none()),
        "{found:#?}"
    );
}

/// The ten rows of the real table in which both published averages agree that the total is
/// the misread figure, with the total they agree on.
const TOTALS_MISREAD: [(usize, i64, i64, i64); 10] = [
    (14, 7, 3_445_024, 3_448_024),
    (34, 17, 6_775_519, 6_778_519),
    (38, 19, 7_625_660, 7_628_660),
    (45, 22, 2_813_400, 2_913_400),
    (53, 26, 4_914_553, 4_914_523),
    (65, 32, 9_469_748, 9_489_748),
    (72, 36, 7_832_200, 7_835_200),
    (110, 71, 3_043_354, 3_643_354),
    (177, 107, 1_989_352, 1_969_352),
    (189, 113, 483_350, 493_350),
];

#[test]
fn the_real_table_gets_the_right_proposals() {
    let rows = table();
    let mut totals = Vec::new();
    let mut codes: std::collections::BTreeMap<&str, usize> = Default::default();
    for row in &rows {
        let found = check_row(row);
        let proposals = propose_corrections(row);
        if found.is_empty() {
            assert_eq!(proposals, [], "a clean row gets no proposal: line {}", row.row);
            continue;
        }
        // Each discrepancy is explained by exactly one proposal.
        let mut explained: Vec<&str> = proposals
            .iter()
            .flat_map(|p| p.explains.iter().map(String::as_str))
            .collect();
        explained.sort_unstable();
        let mut flagged: Vec<&str> = found.iter().map(|d| d.field.as_str()).collect();
        flagged.sort_unstable();
        assert_eq!(explained, flagged, "line {}: {proposals:#?}", row.row);
        for p in &proposals {
            *codes.entry(p.code.as_str()).or_default() += 1;
            assert!(
                p.proposed.is_some(),
                "line {}: every fault of the table has a value",
                row.row
            );
            assert!(!p.reason.is_empty());
            if p.code == ProposalCode::TotalMisread {
                totals.push((p.row, p.number, p.published.unwrap_or(0), p.proposed.unwrap_or(0)));
            }
        }
    }
    assert_eq!(totals, TOTALS_MISREAD);
    assert_eq!(
        codes.into_iter().collect::<Vec<_>>(),
        [
            ("hourly_average_copied", 1),
            ("hourly_average_garbled", 70),
            ("hourly_average_misread", 8),
            ("monthly_average_misread", 7),
            ("total_misread", 10),
            ("work_hours_misread", 6),
        ]
    );
    // 190 rows, 106 discrepancies in 92 rows; the 98 clean rows got none.
    let clean = rows.iter().filter(|r| check_row(r).is_empty()).count();
    assert_eq!(clean, 98);
}

#[test]
fn proposals_of_the_first_page_read_the_garbled_hourly_averages() {
    let rows = table();
    // Line 14 (No. 7, H27): the monthly average and the hourly one read as 148.2 agree on
    // 3,448,024; the published hourly 14,822 is then proposed as 148.2.
    let found = propose_corrections(&rows[12]);
    assert_eq!(rows[12].row, 14);
    assert_eq!(
        found.iter().map(summary).collect::<Vec<_>>(),
        [
            (
                14,
                "monthly_wage_total",
                Some(3_445_024),
                Some(3_448_024),
                ProposalCode::TotalMisread
            ),
            (
                14,
                "hourly_wage_avg",
                Some(148_220),
                Some(1_482),
                ProposalCode::HourlyAverageGarbled
            ),
        ]
    );
    assert!(
        found[0]
            .reason
            .contains("時間額の平均額(公表 14,822 を 148.2 と読んだ値、23,269時間)"),
        "{}",
        found[0].reason
    );
}

#[test]
fn codes_round_trip() {
    for code in [
        ProposalCode::TotalMisread,
        ProposalCode::MonthlyAverageMisread,
        ProposalCode::UserMonthsMisread,
        ProposalCode::HourlyAverageMisread,
        ProposalCode::HourlyAverageGarbled,
        ProposalCode::HourlyAverageCopied,
        ProposalCode::WorkHoursMisread,
        ProposalCode::Unresolved,
    ] {
        assert_eq!(ProposalCode::parse(code.as_str()), Some(code));
        assert_eq!(
            serde_json::to_value(code).expect("json"),
            serde_json::json!(code.as_str())
        );
    }
    assert_eq!(ProposalCode::parse("nope"), None);
    assert_eq!(format_figure("monthly_wage_avg", 181_261), "18,126.1");
    assert_eq!(format_figure("monthly_wage_total", 3_643_354), "3,643,354");
    assert_eq!(format_figure("work_hours", 20_018), "20,018");
}
