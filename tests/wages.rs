//! 工賃 over real HTTP on SQLite and PostgreSQL: the prefecture's table imported (checked row by
//! row, all rows or none), its totals against the published figures, and a facility's months,
//! formulas and target, seen only by the council and the facility's own staff.

use selpos_tests::{ApiClient, NewFacility, db_test, error_fields};
use serde_json::{Value, json};

/// The prefecture's published table (平成27・28年度), as the prefecture's PDF gives it.
const TABLE: &[u8] = include_bytes!("../server/data/gunma-wage-h27-h28.csv");

async fn import(client: &ApiClient, body: &[u8], dry_run: bool) -> (reqwest::StatusCode, Value) {
    client
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/wages/import?dry_run={dry_run}"),
            "text/csv",
            body.to_vec(),
        )
        .await
}

db_test!(
    the_prefecture_table_is_checked_and_imported_all_or_nothing,
    demo = false,
    |server| {
        let admin = server.admin_client();
        let (status, dry) = import(admin, TABLE, true).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{dry}");
        assert_eq!(
            (dry["rows"].clone(), dry["written"].clone()),
            (json!(190), json!(false))
        );
        assert_eq!(dry["fiscal_years"], json!([2015, 2016]));
        assert_eq!(dry["facilities_created"], 114);
        let found = dry["discrepancies"].as_array().expect("discrepancies");
        assert_eq!(found.len(), 106, "the published faults of the table");
        let fault = found
            .iter()
            .find(|d| d["row"] == 3 && d["field"] == "hourly_wage_avg")
            .expect("row 3");
        let (published, recomputed) = (
            fault["published"].as_str().unwrap_or(""),
            fault["recomputed"].as_str().unwrap_or(""),
        );
        assert!(
            published.contains("19,710") && recomputed.contains("197.0"),
            "{fault}"
        );
        let empty = server.get_ok("/api/v1/wages/table?fiscal_year=2016").await;
        assert_eq!(empty["rows"], json!([]), "a dry run writes nothing");

        // One unreadable cell: the whole file is refused, with the line and column.
        let text = String::from_utf8(TABLE.to_vec()).expect("utf-8");
        let broken = text.replacen("\"5,530,860\"", "\"5,53x,860\"", 1);
        let (status, body) = import(admin, broken.as_bytes(), false).await;
        assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            error_fields(&body).iter().any(|f| f.starts_with("row[3].")),
            "{body}"
        );
        assert_eq!(
            server.get_ok("/api/v1/wages/table?fiscal_year=2016").await["rows"],
            json!([]),
            "nothing written"
        );
        let facilities = server.get_ok("/api/v1/facilities").await;
        assert_eq!(
            facilities.as_array().map(Vec::len),
            Some(0),
            "no facility created either"
        );

        let (status, done) = import(admin, TABLE, false).await;
        assert_eq!(
            (status, done["written"].clone()),
            (reqwest::StatusCode::OK, json!(true)),
            "{done}"
        );
        let (_, again) = import(admin, TABLE, false).await;
        assert_eq!(
            (
                again["facilities_created"].clone(),
                again["facilities_matched"].clone()
            ),
            (json!(0), json!(114)),
            "a second import updates"
        );

        // 平成28年度 beside 平成27年度, with the prefecture-wide totals the file's rows add up to.
        let table = server.get_ok("/api/v1/wages/table?fiscal_year=2016").await;
        assert_eq!(
            (table["label"].as_str(), table["previous_label"].as_str()),
            (Some("平成28年度"), Some("平成27年度"))
        );
        assert_eq!(table["rows"].as_array().map(Vec::len), Some(114));
        let t = &table["totals"];
        assert_eq!(
            (t["facilities"].clone(), t["reporting"].clone()),
            (json!(76), json!(71))
        );
        assert_eq!(
            (
                t["user_months"].clone(),
                t["wages_paid"].clone(),
                t["work_hours"].clone()
            ),
            (json!(19144), json!(305583994), json!(1482545))
        );
        assert_eq!(
            (
                t["average_monthly_wage"].clone(),
                t["average_hourly_wage"].clone()
            ),
            (json!(159624), json!(2061)),
            "15,962.4 and 206.1"
        );
        let p = &table["previous_totals"];
        assert_eq!(
            (
                p["user_months"].clone(),
                p["wages_paid"].clone(),
                p["average_monthly_wage"].clone()
            ),
            (json!(27225), json!(464445380), json!(170595))
        );
        let first = &table["rows"][0];
        assert_eq!(
            (first["number"].clone(), first["name"].as_str()),
            (json!(1), Some("わーくはうすてっぶ"))
        );
        assert_eq!(
            first["current"]["average_monthly_wage"], 196828,
            "19,682.8 = 5,530,860 ÷ 281"
        );
        assert_eq!(
            first["current"]["average_hourly_wage"], 1970,
            "recomputed 197.0, not the published 19,710"
        );
        assert_eq!(first["previous"]["average_monthly_wage"], 253995);

        // The CSV for Excel parses back to the same figures.
        let (status, bytes) = admin
            .get_bytes("/api/v1/wages/table?fiscal_year=2016&format=csv")
            .await;
        assert_eq!(status, reqwest::StatusCode::OK);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        assert_eq!(rows.len(), 115, "114 facilities and the total");
        assert_eq!(
            (&rows[0][1], &rows[0][6], &rows[0][7]),
            ("わーくはうすてっぶ", "5530860", "19682.8")
        );
        assert_eq!(
            (&rows[114][1], &rows[114][6], &rows[114][7]),
            ("合計", "305583994", "15962.4")
        );
    }
);

db_test!(
    a_facility_enters_its_months_and_sees_its_own_figures_only,
    demo = false,
    |server| {
        let admin = server.admin_client();
        let mut ids = Vec::new();
        for n in [1, 2] {
            ids.push(NewFacility::new(n, format!("工房{n}")).create(admin).await);
        }
        let staff = server
            .new_user(
                &json!({"login": "staff-one", "display_name": "職員", "role": "facility_staff",
        "facility_id": ids[0], "password": "facility-one-password"}),
            )
            .await;

        // 令和7年度: twelve months of ¥100,000 to 5 users (100 user-days, 20 opening days, 400 hours).
        for (year, month) in (4..=12).map(|m| (2025, m)).chain((1..=3).map(|m| (2026, m))) {
            let (status, body) = staff
                .put(
                    &format!("/api/v1/facilities/{}/wages", ids[0]),
                    &json!({"year": year, "month": month,
            "wages_paid": 100000, "user_months": 5, "user_days": 100, "opening_days": 20, "work_hours": 400}),
                )
                .await;
            assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        }
        let (status, body) = staff
            .put(
                &format!("/api/v1/facilities/{}/wages", ids[0]),
                &json!({"year": 2025, "month": 13,
        "wages_paid": -1, "user_months": 5, "user_days": 100, "opening_days": 20, "work_hours": 400}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error_fields(&body).contains(&"month".to_string()), "{body}");
        let (status, year) = staff
            .put(
                &format!("/api/v1/facilities/{}/wage-target?fiscal_year=2025", ids[0]),
                &json!({"monthly_target": 25000}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{year}");
        assert_eq!(year["label"], "令和7年度");
        assert_eq!(
            year["average_monthly_wage"], 200000,
            "1,200,000 ÷ 60 user-months = 20,000.0"
        );
        assert_eq!(
            year["average_hourly_wage"], 2500,
            "1,200,000 ÷ 4,800 hours = 250.0"
        );
        assert_eq!(
            year["fy2024_average_monthly_wage"], 20000,
            "1,200,000 ÷ (1,200 ÷ 240 = 5.0) ÷ 12"
        );
        assert_eq!(year["achievement"], 800, "20,000 of 25,000 = 80.0%");
        assert_eq!(year["months"].as_array().map(Vec::len), Some(12));
        assert_eq!(year["months"][0]["average_monthly_wage"], 200000);

        // The table shows the year from the months; the staff member sees only their own row.
        let table = admin.get_ok("/api/v1/wages/table?fiscal_year=2025").await;
        assert_eq!(table["rows"][0]["current"]["source"], "months");
        let own = staff.get_ok("/api/v1/wages/table?fiscal_year=2025").await;
        assert!(
            own["rows"]
                .as_array()
                .expect("rows")
                .iter()
                .all(|r| r["facility_id"] == ids[0])
        );
        let (status, _) = staff
            .get(&format!("/api/v1/facilities/{}/wages?fiscal_year=2025", ids[1]))
            .await;
        assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
        let (status, _) = staff
            .put(
                &format!("/api/v1/facilities/{}/wages", ids[1]),
                &json!({"year": 2025, "month": 4,
        "wages_paid": 1, "user_months": 1, "user_days": 1, "opening_days": 1, "work_hours": 1}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
        let (status, _) = import(&staff, TABLE, true).await;
        assert_eq!(status, reqwest::StatusCode::FORBIDDEN);

        // Another facility's unpublished month moves the council's totals, not what staff see.
        let before = staff.get_ok("/api/v1/wages/table?fiscal_year=2025").await["totals"].clone();
        let (status, body) = admin
            .put(
                &format!("/api/v1/facilities/{}/wages", ids[1]),
                &json!({"year": 2025, "month": 4,
        "wages_paid": 777777, "user_months": 7, "user_days": 70, "opening_days": 20, "work_hours": 300}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        let council = admin.get_ok("/api/v1/wages/table?fiscal_year=2025").await;
        assert_eq!(council["totals"]["wages_paid"], 1_200_000 + 777_777, "{council}");
        let after = staff.get_ok("/api/v1/wages/table?fiscal_year=2025").await["totals"].clone();
        assert_eq!(after, before, "staff see no unpublished figure in the totals");
    }
);
