//! セルプ自販機 over real HTTP, on SQLite and PostgreSQL: machines registered by the council,
//! a month's statement imported from the operator's CSV (all rows or none; Shift_JIS as Excel
//! saves it), a corrected month replacing the first, the commission as the facility's income in
//! its wage figures, and facility staff seeing only their own.

use reqwest::{Method, StatusCode};
use selpos_tests::{NewFacility, TestServer, World, assert_error, db_test, error_fields};
use serde_json::{Value, json};

async fn import(server: &TestServer, csv: &[u8]) -> (StatusCode, Value) {
    server
        .raw(
            Method::POST,
            "/api/v1/vending/months/import",
            "text/csv",
            csv.to_vec(),
        )
        .await
}

fn machine(code: &str, facility: i64, commission: Value) -> Value {
    json!({"code": code, "location": "県庁本庁舎 1階", "operator": "ぐんま飲料", "facility_id": facility,
           "commission": commission})
}

db_test!(vending_income_reaches_the_wage_figures, demo = false, |server| {
    let world = World::on(&server)
        .facilities([NewFacility::new(10, "A工房"), NewFacility::new(11, "B農園")])
        .build()
        .await;
    let (a, b) = (world.facilities[0], world.facilities[1]);

    // Two machines for A (a share of sales; an amount per can), one for B.
    let percent = server
        .created(
            "/api/v1/vending/machines",
            &machine("V-001", a, json!({"kind": "percent", "basis_points": 2000})),
        )
        .await;
    assert_eq!(percent["facility_name"], "A工房");
    server
        .created(
            "/api/v1/vending/machines",
            &machine("V-002", a, json!({"kind": "per_can", "yen": 10})),
        )
        .await;
    server
        .created(
            "/api/v1/vending/machines",
            &machine("V-003", b, json!({"kind": "percent", "basis_points": 1500})),
        )
        .await;

    // A second machine with a code in use, a rule past 100 %, an unknown facility, a number
    // past i64: refused, nothing added.
    let (status, body) = server
        .post(
            "/api/v1/vending/machines",
            &machine(" V-001 ", b, json!({"kind": "per_can", "yen": 5})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = server
        .post(
            "/api/v1/vending/machines",
            &machine(
                "V-009",
                999_999,
                json!({"kind": "percent", "basis_points": 10_001}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["commission"]);
    let (status, body) = server
        .post(
            "/api/v1/vending/machines",
            &machine("V-009", 999_999, json!({"kind": "percent", "basis_points": 100})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["facility_id"]);
    let (status, _) = server
        .raw(
            Method::POST,
            "/api/v1/vending/machines",
            "application/json",
            br#"{"code":"V-010","location":"x","operator":"y","facility_id":1,"commission":{"kind":"per_can","yen":99999999999999999999}}"#.to_vec(),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(
        server
            .get_ok("/api/v1/vending/machines")
            .await
            .as_array()
            .map(Vec::len),
        Some(3)
    );

    // The operator's statement with a bad row: nothing is recorded, each wrong row is named.
    let bad = "自販機コード,年月,販売本数,売上\nV-001,2026-11,1200,180000\nV-004,2026-11,10,1500\nV-002,2026-11,-3,abc\n";
    let (status, body) = import(&server, bad.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        error_fields(&body),
        ["rows[3].code", "rows[4].cans", "rows[4].sales"]
    );
    assert!(body.to_string().contains("3行目"), "{body}");
    let months = server.get_ok("/api/v1/vending/months?fiscal_year=2026").await;
    assert_eq!(months, json!([]), "a bad file recorded {months}");

    // The same statement put right, saved by Excel as Shift_JIS.
    let good = "自販機コード,年月,販売本数,売上\nV-001,2026-11,\"1,200\",\"¥180,001\"\nV-002,2026年11月,845,126750\nV-003,2026-11,300,45000\n";
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(good);
    assert!(!unmappable);
    let (status, body) = import(&server, &sjis).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["added"].as_u64(), body["replaced"].as_u64()),
        (Some(3), Some(0))
    );
    // 20 % of ¥180,001 rounded down; ¥10 × 845 cans; 15 % of ¥45,000.
    let incomes: Vec<i64> = body["months"]
        .as_array()
        .expect("months")
        .iter()
        .filter_map(|m| m["income"].as_i64())
        .collect();
    assert_eq!(incomes, [36_000, 8_450, 6_750]);

    // A corrected figure for one machine replaces its month.
    let corrected = server
        .post(
            "/api/v1/vending/months",
            &json!({"machine_id": percent["id"], "year": 2026, "month": 11, "cans": 1200, "sales": 185_000}),
        )
        .await;
    assert_eq!(corrected.0, StatusCode::OK, "{}", corrected.1);
    assert_eq!(corrected.1["income"], 37_000);
    let (status, body) = server
        .post(
            "/api/v1/vending/months",
            &json!({"machine_id": percent["id"], "year": 2026, "month": 13, "cans": -1, "sales": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["month", "cans"]);

    // The wage figures: A's November has both machines' commission, apart from event sales.
    let wages = server
        .get_ok(&format!("/api/v1/facilities/{a}/wages?fiscal_year=2026"))
        .await;
    let november = wages["months"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["year"] == 2026 && m["month"] == 11))
        .expect("November")
        .clone();
    assert_eq!(november["vending_income"], 37_000 + 8_450);
    assert_eq!(november["council_sales"], 0);
    assert_eq!(wages["vending_income"], 37_000 + 8_450);
    let b_wages = server
        .get_ok(&format!("/api/v1/facilities/{b}/wages?fiscal_year=2026"))
        .await;
    assert_eq!(b_wages["vending_income"], 6_750);

    // B's staff see B's machine and months only, and may change nothing.
    let staff = server
        .new_user(
            &json!({"login": "b-staff", "display_name": "B職員", "role": "facility_staff",
                          "facility_id": b, "password": "b-staff-pass-1"}),
        )
        .await;
    let seen = staff.get_ok("/api/v1/vending/machines").await;
    let codes: Vec<&str> = seen
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|m| m["code"].as_str())
        .collect();
    assert_eq!(codes, ["V-003"]);
    let months = staff.get_ok("/api/v1/vending/months?fiscal_year=2026").await;
    assert_eq!(months.as_array().map(Vec::len), Some(1), "{months}");
    let (status, _) = staff
        .get(&format!(
            "/api/v1/vending/months?fiscal_year=2026&facility_id={a}"
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = staff
        .post(
            "/api/v1/vending/machines",
            &machine("V-100", b, json!({"kind": "per_can", "yen": 10})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&body, "forbidden");
    let (status, _) = staff
        .raw(
            Method::POST,
            "/api/v1/vending/months/import",
            "text/csv",
            good.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A machine taken away takes no new months; its past months stay.
    let mut away = machine("V-001", a, json!({"kind": "percent", "basis_points": 2000}));
    away["active"] = json!(false);
    let (status, body) = server
        .put(&format!("/api/v1/vending/machines/{}", percent["id"]), &away)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = import(
        &server,
        "自販機コード,年月,販売本数,売上\nV-001,2026-12,1,100\n".as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("撤去済み"), "{body}");
    let wages = server
        .get_ok(&format!("/api/v1/facilities/{a}/wages?fiscal_year=2026"))
        .await;
    assert_eq!(wages["vending_income"], 37_000 + 8_450);

    // Every change is in the audit log.
    let audit = server.get_ok("/api/v1/audit?action=vending").await;
    let actions: Vec<&str> = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "vending.machine_create",
        "vending.import",
        "vending.month",
        "vending.machine_update",
    ] {
        assert!(actions.contains(&action), "{action} missing from {actions:?}");
    }
});
