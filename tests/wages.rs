//! 工賃 over real HTTP on SQLite and PostgreSQL: the prefecture's table imported (checked row by
//! row, all rows or none), its published values kept and its misread figures proposed for
//! correction and decided by the council, its facilities matched by number and name, its totals
//! against the published figures; a facility's months, formulas and target, seen only by the
//! council and the facility's own staff, and a year in progress marked 見込み.
//!
//! Past 600 lines on purpose: each test walks the real table through the API (import, decide,
//! read back as JSON and CSV) and they share the helpers at the top.

use selpos_tests::{ApiClient, NewEvent, NewFacility, NewProduct, TestServer, World, db_test, error_fields};
use serde_json::{Value, json};

/// The prefecture's published table (平成27・28年度), as the prefecture's PDF gives it.
const TABLE: &[u8] = include_bytes!("../server/data/gunma-wage-h27-h28.csv");

async fn import(client: &ApiClient, body: &[u8], dry_run: bool) -> (reqwest::StatusCode, Value) {
    import_with(client, body, &format!("dry_run={dry_run}&create_facilities=true")).await
}

/// The import with its query spelled out (`dry_run=false&confirm_names=71`).
async fn import_with(client: &ApiClient, body: &[u8], query: &str) -> (reqwest::StatusCode, Value) {
    client
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/wages/import?{query}"),
            "text/csv",
            body.to_vec(),
        )
        .await
}

/// The table's text with one line replaced.
fn with_line(line: usize, text: &str) -> Vec<u8> {
    let table = String::from_utf8(TABLE.to_vec()).expect("utf-8");
    let mut lines: Vec<&str> = table.lines().collect();
    lines[line - 1] = text;
    (lines.join("\n") + "\n").into_bytes()
}

/// The table row of a facility number, from `GET /api/v1/wages/table`.
fn row_of(table: &Value, number: i64) -> Value {
    table["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["number"] == number)
        .cloned()
        .unwrap_or_else(|| panic!("no facility {number} in {table}"))
}

/// The correction of one cell of a year's figures.
fn correction_of(figures: &Value, field: &str) -> Value {
    figures["corrections"]
        .as_array()
        .expect("corrections")
        .iter()
        .find(|c| c["field"] == field)
        .cloned()
        .unwrap_or_else(|| panic!("no correction of {field} in {figures}"))
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
        let new = dry["facilities"].as_array().expect("facilities");
        assert_eq!(new.len(), 114);
        assert!(new.iter().all(|f| f["status"] == "new"), "{dry}");
        let found = dry["discrepancies"].as_array().expect("discrepancies");
        assert_eq!(found.len(), 106, "the published faults of the table");
        assert_eq!(dry["proposals"].as_array().map(Vec::len), Some(102));
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

        // New facilities are created only when the import says so.
        let (status, body) = import_with(admin, TABLE, "dry_run=false").await;
        assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let first = &body["error"]["fields"][0];
        assert_eq!(
            (first["field"].as_str(), first["code"].as_str()),
            (Some("row[2].facility"), Some("facility_unconfirmed"))
        );
        assert_eq!(body["error"]["fields"].as_array().map(Vec::len), Some(114));
        assert_eq!(
            server.get_ok("/api/v1/facilities").await.as_array().map(Vec::len),
            Some(0)
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
        // The garbled hourly average stays as published until the council decides.
        assert_eq!(
            first["current"]["average_hourly_wage"], 197100,
            "19,710 as published"
        );
        let garbled = correction_of(&first["current"], "hourly_wage_avg");
        assert_eq!(
            (
                garbled["code"].as_str(),
                garbled["published_text"].as_str(),
                garbled["proposed_text"].as_str(),
                garbled["status"].as_str(),
                garbled["used"].as_str()
            ),
            (
                Some("hourly_average_garbled"),
                Some("19,710.0"),
                Some("197.0"),
                Some("pending"),
                Some("published")
            )
        );
        assert_eq!(first["previous"]["average_monthly_wage"], 253995);
        assert_eq!(first["current"]["band"], Value::Null, "no FY2024 figure, no band");

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
            (&rows[0][1], &rows[0][7], &rows[0][8], &rows[0][9]),
            ("わーくはうすてっぶ", "5530860", "公表", "19682.8")
        );
        assert_eq!(
            (&rows[0][13], &rows[0][14]),
            ("19710.0", "公表(訂正案 197.0 確認待ち)")
        );
        assert_eq!(
            (&rows[114][1], &rows[114][7], &rows[114][9]),
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

/// The ten rows of the real table whose total both averages say is misread: (line, facility
/// number, fiscal year, published total, the total both averages agree on).
const TOTALS_MISREAD: [(i64, i64, i64, i64, i64); 10] = [
    (14, 7, 2015, 3_445_024, 3_448_024),
    (34, 17, 2015, 6_775_519, 6_778_519),
    (38, 19, 2015, 7_625_660, 7_628_660),
    (45, 22, 2016, 2_813_400, 2_913_400),
    (53, 26, 2016, 4_914_553, 4_914_523),
    (65, 32, 2016, 9_469_748, 9_489_748),
    (72, 36, 2015, 7_832_200, 7_835_200),
    (110, 71, 2015, 3_043_354, 3_643_354),
    (177, 107, 2016, 1_989_352, 1_969_352),
    (189, 113, 2016, 483_350, 493_350),
];

db_test!(
    misread_figures_get_proposals_the_council_decides,
    demo = false,
    |server| {
        let admin = server.admin_client();
        let (status, dry) = import(admin, TABLE, true).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{dry}");
        let proposals = dry["proposals"].as_array().expect("proposals").clone();
        let totals: Vec<(i64, i64, i64, i64, i64)> = proposals
            .iter()
            .filter(|p| p["code"] == "total_misread")
            .map(|p| {
                let n = |k: &str| p[k].as_i64().unwrap_or(-1);
                (
                    n("row"),
                    n("number"),
                    n("fiscal_year"),
                    n("published"),
                    n("proposed"),
                )
            })
            .collect();
        assert_eq!(totals, TOTALS_MISREAD);
        let line_110 = proposals.iter().find(|p| p["row"] == 110).expect("line 110");
        assert_eq!(line_110["field"], "monthly_wage_total");
        assert_eq!(
            line_110["explains"],
            json!(["monthly_wage_avg", "hourly_wage_avg"])
        );
        let reason = line_110["reason"].as_str().unwrap_or("");
        assert!(
            reason.contains("どちらも総額 3,643,354円 と合います") && reason.contains("1桁だけ違います"),
            "{reason}"
        );
        // Clean rows get no proposal: only the 92 rows with a discrepancy have any.
        let flagged: std::collections::BTreeSet<i64> = dry["discrepancies"]
            .as_array()
            .expect("discrepancies")
            .iter()
            .filter_map(|d| d["row"].as_i64())
            .collect();
        let proposed: std::collections::BTreeSet<i64> =
            proposals.iter().filter_map(|p| p["row"].as_i64()).collect();
        assert_eq!(proposed, flagged);
        assert_eq!(flagged.len(), 92);
        assert!(!proposed.contains(&112), "line 112 (No. 73, H27) is clean");

        let (status, body) = import(admin, TABLE, false).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");

        // Published values are kept: No. 71 (H27) shows the published total and average.
        let table = admin.get_ok("/api/v1/wages/table?fiscal_year=2016").await;
        let row = row_of(&table, 71);
        let h27 = &row["previous"];
        assert_eq!(
            (h27["wages_paid"].clone(), h27["average_monthly_wage"].clone()),
            (json!(3_043_354), json!(181_261)),
            "as published, not the recomputed 15,141.1"
        );
        let c = correction_of(h27, "monthly_wage_total");
        assert_eq!(
            (
                c["published"].clone(),
                c["proposed"].clone(),
                c["status"].clone(),
                c["used"].clone()
            ),
            (
                json!(3_043_354),
                json!(3_643_354),
                json!("pending"),
                json!("published")
            )
        );

        // The council's list; facility staff may not see or decide it.
        let pending = admin
            .get_ok("/api/v1/wages/corrections?fiscal_year=2015&status=pending")
            .await;
        let listed = pending.as_array().expect("list");
        assert!(
            listed
                .iter()
                .all(|c| c["fiscal_year"] == 2015 && c["status"] == "pending")
        );
        let id = listed
            .iter()
            .find(|c| c["facility_number"] == 71 && c["field"] == "monthly_wage_total")
            .and_then(|c| c["id"].as_i64())
            .expect("No. 71's correction");
        let facility_71 = row["facility_id"].as_i64().expect("id");
        let staff = server
            .new_user(
                &json!({"login": "staff-71", "display_name": "職員", "role": "facility_staff",
                "facility_id": facility_71, "password": "facility-71-password"}),
            )
            .await;
        let (status, _) = staff.get("/api/v1/wages/corrections").await;
        assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
        let (status, _) = staff
            .put(
                &format!("/api/v1/wages/corrections/{id}"),
                &json!({"status": "accepted"}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::FORBIDDEN);

        // Accepted: the table uses the corrected total; the published one is still shown.
        let (status, accepted) = admin
            .put(
                &format!("/api/v1/wages/corrections/{id}"),
                &json!({"status": "accepted"}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{accepted}");
        assert_eq!(
            (accepted["status"].clone(), accepted["used"].clone()),
            (json!("accepted"), json!("corrected"))
        );
        let table = admin.get_ok("/api/v1/wages/table?fiscal_year=2016").await;
        let h27 = row_of(&table, 71)["previous"].clone();
        assert_eq!(
            (h27["wages_paid"].clone(), h27["average_monthly_wage"].clone()),
            (json!(3_643_354), json!(181_261))
        );
        let c = correction_of(&h27, "monthly_wage_total");
        assert_eq!(
            (c["published"].clone(), c["used"].clone()),
            (json!(3_043_354), json!("corrected"))
        );
        assert_eq!(
            table["previous_totals"]["wages_paid"],
            464_445_380 + 600_000,
            "the totals use the corrected figure"
        );
        // The staff member sees the decision on their own row.
        let own = staff.get_ok("/api/v1/wages/table?fiscal_year=2016").await;
        assert_eq!(own["rows"][0]["previous"]["wages_paid"], 3_643_354);

        // Rejected: the published value stands.
        let h28 = admin.get_ok("/api/v1/wages/corrections?fiscal_year=2016").await;
        let other = h28
            .as_array()
            .expect("list")
            .iter()
            .find(|c| c["facility_number"] == 107 && c["field"] == "monthly_wage_total")
            .and_then(|c| c["id"].as_i64())
            .expect("No. 107's correction");
        let (status, rejected) = admin
            .put(
                &format!("/api/v1/wages/corrections/{other}"),
                &json!({"status": "rejected"}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{rejected}");
        assert_eq!(rejected["used"], "published");
        let table = admin.get_ok("/api/v1/wages/table?fiscal_year=2016").await;
        assert_eq!(row_of(&table, 107)["current"]["wages_paid"], 1_989_352);

        // Hostile or impossible decisions.
        let (status, body) = admin
            .put("/api/v1/wages/corrections/999999", &json!({"status": "accepted"}))
            .await;
        assert_eq!(status, reqwest::StatusCode::NOT_FOUND, "{body}");
        let (status, _) = admin
            .put(
                &format!("/api/v1/wages/corrections/{id}"),
                &json!({"status": "maybe"}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);

        // Both decisions are audited, with the correction before and after.
        let audit = admin.get_ok("/api/v1/audit?action=wages.correction").await;
        let entries = audit.as_array().expect("entries");
        assert_eq!(entries.len(), 2, "{audit}");
        let entry = entries
            .iter()
            .find(|e| e["entity_id"].as_str() == Some(id.to_string().as_str()))
            .expect("the acceptance");
        assert_eq!(
            (
                entry["before"]["status"].clone(),
                entry["after"]["status"].clone()
            ),
            (json!("pending"), json!("accepted"))
        );

        // The CSV says per cell which value it is.
        let (status, bytes) = admin
            .get_bytes("/api/v1/wages/table?fiscal_year=2015&format=csv")
            .await;
        assert_eq!(status, reqwest::StatusCode::OK);
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let header = reader.headers().expect("header").clone();
        assert_eq!((&header[7], &header[8]), ("工賃支払総額", "工賃支払総額の値"));
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        let line = rows.iter().find(|r| &r[0] == "71").expect("No. 71");
        assert_eq!(
            (&line[7], &line[8], &line[9], &line[10]),
            ("3643354", "訂正(公表 3,043,354)", "18126.1", "公表")
        );

        // Importing the same file again keeps the council's decisions.
        let (status, _) = import(admin, TABLE, false).await;
        assert_eq!(status, reqwest::StatusCode::OK);
        let again = admin.get_ok("/api/v1/wages/corrections?status=accepted").await;
        assert_eq!(again.as_array().map(Vec::len), Some(1), "{again}");
        assert_eq!(again[0]["id"], id);
    }
);

db_test!(
    facilities_are_matched_by_number_and_name,
    demo = false,
    |server| {
        let admin = server.admin_client();
        let (status, body) = import(admin, TABLE, false).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{body}");

        // Full-width spaces and the corporation's legal form do not make another facility.
        let spelled = with_line(
            2,
            r#"1,社会福祉法人　わーくはうす てっぶ,2,H27,20,492,"12,496,530","25,399.5","49,006","12,496,530","25,399.5""#,
        );
        let (status, dry) = import_with(admin, &spelled, "dry_run=true").await;
        assert_eq!(status, reqwest::StatusCode::OK, "{dry}");
        assert_eq!(dry["facilities"], json!([]), "every facility matched");

        // One number, two names in the file: reported.
        let two_names = with_line(
            3,
            r#"1,ひだまり工房,2,H28,20,281,"5,530,860","19,682.8","28,075","5,530,860","19,710""#,
        );
        let (status, dry) = import_with(admin, &two_names, "dry_run=true").await;
        assert_eq!(status, reqwest::StatusCode::OK, "{dry}");
        assert_eq!(
            (
                dry["facilities"][0]["status"].clone(),
                dry["facilities"][0]["rows"].clone()
            ),
            (json!("conflicting_names"), json!([2, 3]))
        );

        // A renamed facility: reported, never matched silently.
        let table_text = with_line(
            110,
            r#"71,ひだまり工房,2,H27,20,201,"3,043,354","18,126.1","20,018","3,043,354",182.0"#,
        );
        let (status, dry) = import_with(admin, &table_text, "dry_run=true").await;
        assert_eq!(status, reqwest::StatusCode::OK, "{dry}");
        let problems = dry["facilities"].as_array().expect("facilities");
        assert_eq!(problems.len(), 1, "{dry}");
        let problem = &problems[0];
        assert_eq!(
            (
                problem["number"].clone(),
                problem["status"].clone(),
                problem["rows"].clone(),
                problem["facility_id"].clone(),
                problem["selpos_name"].clone()
            ),
            (
                json!(71),
                json!("name_differs"),
                json!([110]),
                Value::Null,
                json!("さぐらの家")
            )
        );
        assert!(
            problem["message"]
                .as_str()
                .is_some_and(|m| m.contains("selpos では「さぐらの家」、表では「ひだまり工房」")),
            "{problem}"
        );
        assert_eq!(dry["facilities_matched"], 113);
        let (status, body) = import_with(admin, &table_text, "dry_run=false&create_facilities=true").await;
        assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let first = &body["error"]["fields"][0];
        assert_eq!(
            (first["field"].as_str(), first["code"].as_str()),
            (Some("row[110].facility"), Some("facility_name_differs"))
        );
        // Confirmed by the council: the rows go to No. 71, whose name in selpos stays.
        let (status, done) = import_with(admin, &table_text, "dry_run=false&confirm_names=71").await;
        assert_eq!(status, reqwest::StatusCode::OK, "{done}");
        assert_eq!(done["facilities_matched"], 114);
        let table = admin.get_ok("/api/v1/wages/table?fiscal_year=2016").await;
        assert_eq!(row_of(&table, 71)["name"], "さぐらの家");
        // A confirmation that confirms nothing, or is not a list of numbers, is refused.
        for bad in ["confirm_names=5", "confirm_names=7x", "confirm_names=-1"] {
            let (status, body) = import_with(admin, TABLE, &format!("dry_run=true&{bad}")).await;
            assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
            assert_eq!(error_fields(&body), ["confirm_names"], "{bad}");
        }

        // A renumbered facility: its name belongs to another number. Refused even with
        // create_facilities: it would make a second みさと.
        let renumbered = String::from_utf8(TABLE.to_vec())
            .expect("utf-8")
            .replace("72,みさと,", "200,みさと,");
        let (status, dry) = import_with(admin, renumbered.as_bytes(), "dry_run=true").await;
        assert_eq!(status, reqwest::StatusCode::OK, "{dry}");
        let problems = dry["facilities"].as_array().expect("facilities");
        assert_eq!(problems.len(), 1, "{dry}");
        assert_eq!(
            (
                problems[0]["number"].clone(),
                problems[0]["status"].clone(),
                problems[0]["selpos_number"].clone()
            ),
            (json!(200), json!("renumbered"), json!(72))
        );
        let before = server.get_ok("/api/v1/facilities").await.as_array().map(Vec::len);
        let (status, body) = import_with(
            admin,
            renumbered.as_bytes(),
            "dry_run=false&create_facilities=true",
        )
        .await;
        assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["fields"][0]["code"], "facility_renumbered");
        assert_eq!(
            server.get_ok("/api/v1/facilities").await.as_array().map(Vec::len),
            before,
            "nothing created"
        );
    }
);

db_test!(
    a_year_in_progress_is_provisional_with_its_projection,
    demo = false,
    |server| {
        let admin = server.admin_client();
        let id = NewFacility::new(1, "工房1").create(admin).await;
        // April–September 2025: ¥300,000 a month, 15.0 users a day (300 user-days, 20 days).
        for month in 4..=9 {
            let (status, body) = admin
                .put(
                    &format!("/api/v1/facilities/{id}/wages"),
                    &json!({"year": 2025, "month": month, "wages_paid": 300000, "user_months": 15,
                        "user_days": 300, "opening_days": 20, "work_hours": 1800}),
                )
                .await;
            assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        }
        let year = admin
            .get_ok(&format!("/api/v1/facilities/{id}/wages?fiscal_year=2025"))
            .await;
        assert_eq!(
            (year["provisional"].clone(), year["months_covered"].clone()),
            (json!(true), json!(6))
        );
        assert_eq!(
            year["fy2024_average_monthly_wage"], 10000,
            "the year to date: 1,800,000 ÷ 15.0 ÷ 12"
        );
        assert_eq!(
            year["projected_fy2024_average_monthly_wage"], 20000,
            "the full year at this pace: 1,800,000 ÷ 15.0 ÷ 6"
        );
        assert_eq!(
            (
                year["band"]["band"]["index"].clone(),
                year["band"]["label"].clone()
            ),
            (json!(3), json!("2万円以上2万5千円未満")),
            "the band of the projection, not of ¥10,000"
        );
        assert_eq!(year["average_monthly_wage"], 200000, "classic: 1,800,000 ÷ 90");

        let table = admin.get_ok("/api/v1/wages/table?fiscal_year=2025").await;
        let row = &table["rows"][0]["current"];
        assert_eq!(
            (
                row["provisional"].clone(),
                row["months_covered"].clone(),
                row["fy2024_average_monthly_wage"].clone(),
                row["projected_fy2024_average_monthly_wage"].clone(),
                row["band"]["band"]["index"].clone()
            ),
            (json!(true), json!(6), json!(10000), json!(20000), json!(3))
        );
        assert_eq!(table["totals"]["provisional"], 1);
        let (status, bytes) = admin
            .get_bytes("/api/v1/wages/table?fiscal_year=2025&format=csv")
            .await;
        assert_eq!(status, reqwest::StatusCode::OK);
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let header = reader.headers().expect("header").clone();
        assert_eq!(
            (&header[15], &header[16], &header[17]),
            ("平均工賃月額(令和6年度の算式)", "報酬区分", "見込み")
        );
        let first = reader.records().next().expect("a row").expect("row");
        assert_eq!(
            (&first[7], &first[8], &first[15], &first[16], &first[17]),
            (
                "1800000",
                "入力",
                "20000",
                "2万円以上2万5千円未満",
                "見込み(6か月分)"
            )
        );

        // The other six months: the year is complete and over, final.
        for (y, month) in (10..=12).map(|m| (2025, m)).chain((1..=3).map(|m| (2026, m))) {
            let (status, body) = admin
                .put(
                    &format!("/api/v1/facilities/{id}/wages"),
                    &json!({"year": y, "month": month, "wages_paid": 300000, "user_months": 15,
                        "user_days": 300, "opening_days": 20, "work_hours": 1800}),
                )
                .await;
            assert_eq!(status, reqwest::StatusCode::OK, "{body}");
        }
        let year = admin
            .get_ok(&format!("/api/v1/facilities/{id}/wages?fiscal_year=2025"))
            .await;
        assert_eq!(
            (
                year["provisional"].clone(),
                year["fy2024_average_monthly_wage"].clone(),
                year["projected_fy2024_average_monthly_wage"].clone(),
                year["band"]["band"]["index"].clone()
            ),
            (json!(false), json!(20000), Value::Null, json!(3))
        );
    }
);

/// The council's sales of a facility's month in the wage report: `(year, month)` of the
/// facility's fiscal year `fiscal_year`.
async fn council_sales(server: &TestServer, facility: i64, fiscal_year: i32, month: (i32, u32)) -> i64 {
    let year = server
        .get_ok(&format!(
            "/api/v1/facilities/{facility}/wages?fiscal_year={fiscal_year}"
        ))
        .await;
    year["months"]
        .as_array()
        .expect("months")
        .iter()
        .find(|m| m["year"] == month.0 && m["month"] == month.1)
        .and_then(|m| m["council_sales"].as_i64())
        .expect("the month's council sales")
}

/// Moves a record's `sold_at` to `at` (the API takes only sales of now, within its offline
/// window): a month's last second in Japan, as a till's clock can make it.
async fn sold_at(server: &TestServer, sale: &Value, at: &str) {
    let at: chrono::DateTime<chrono::Utc> = at.parse().expect("an instant");
    let id = sale["id"].as_str().expect("sale id").to_string();
    selpos_server::on_db!(server.db(), |pool| sqlx::query(
        "UPDATE sales SET sold_at = $1 WHERE id = $2"
    )
    .bind(at)
    .bind(id)
    .execute(pool)
    .await
    .map(|done| assert_eq!(done.rows_affected(), 1, "one record moved"))
    .expect("moved"));
}

db_test!(
    settled_sales_feed_the_wage_report_by_the_month_in_japan,
    demo = false,
    |server| {
        let w = World::on(&server)
            .facilities([NewFacility::new(21, "工房21"), NewFacility::new(22, "農園22")])
            .products([
                NewProduct::reduced(0, "クッキー", 120),
                NewProduct::reduced(1, "ジャム", 500),
            ])
            .event(NewEvent::bazaar("WG26"))
            .open_till()
            .await;
        let (a, b) = (w.facilities[0], w.facilities[1]);
        let (cookie, jam) = (&w.products[0], &w.products[1]);
        // Two cookies in the last instant of March in Japan; a cookie and a jam at the first
        // of April (FY2026); one of the first sale's cookies refunded in March.
        let march = w.record(&w.cash_sale(cookie, 2)).await;
        let april = w
            .record(&w.sale(
                json!([{"product_id": cookie.id, "quantity": 1, "unit_price": 120},
                       {"product_id": jam.id, "quantity": 1, "unit_price": 500}]),
                json!([{"kind": "cash", "amount": 620}]),
            ))
            .await;
        let refund = server
            .created(
                &format!("/api/v1/sales/{}/refund", march["id"].as_str().expect("id")),
                &json!({"id": uuid::Uuid::now_v7(), "reason": "破損", "lines": [{"line_no": 1, "quantity": 1}]}),
            )
            .await;
        sold_at(&server, &march, "2026-03-31T14:59:59.999999Z").await;
        sold_at(&server, &april, "2026-03-31T15:00:00Z").await;
        sold_at(&server, &refund, "2026-03-31T14:00:00Z").await;
        assert_eq!(
            council_sales(&server, a, 2025, (2026, 3)).await,
            0,
            "an event not yet settled does not count"
        );

        w.close_and_settle(&server).await;

        assert_eq!(council_sales(&server, a, 2025, (2026, 3)).await, 240 - 120);
        assert_eq!(council_sales(&server, a, 2026, (2026, 4)).await, 120);
        assert_eq!(council_sales(&server, b, 2026, (2026, 4)).await, 500);
        assert_eq!(council_sales(&server, b, 2025, (2026, 3)).await, 0);
        let year = server
            .get_ok(&format!("/api/v1/facilities/{a}/wages?fiscal_year=2026"))
            .await;
        assert_eq!(year["council_sales"], 120, "{year}");

        // The migration's backfill, for events settled before it, gives what settling wrote.
        let written = settled_months(&server).await;
        assert_eq!(written.len(), 3, "{written:?}");
        let migration = match server.kind {
            "sqlite" => include_str!("../migrations/sqlite/0017_settled_facility_months.sql"),
            _ => include_str!("../migrations/postgres/0017_settled_facility_months.sql"),
        };
        let backfill = &migration[migration.find("INSERT INTO").expect("the backfill")..];
        selpos_server::on_db!(server.db(), |pool| {
            sqlx::query("DELETE FROM settled_facility_months")
                .execute(pool)
                .await
                .expect("emptied");
            sqlx::query(backfill).execute(pool).await.expect("backfilled");
        });
        assert_eq!(settled_months(&server).await, written);
    }
);

/// Every row of `settled_facility_months`: (event, facility, year, month, net).
async fn settled_months(server: &TestServer) -> Vec<(i64, i64, i64, i64, i64)> {
    let sql = "SELECT event_id, facility_id, year, month, net FROM settled_facility_months
               ORDER BY event_id, facility_id, year, month";
    selpos_server::on_db!(server.db(), |pool| sqlx::query_as(sql)
        .fetch_all(pool)
        .await
        .expect("settled months"))
}
