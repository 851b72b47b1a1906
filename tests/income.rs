//! 協議会からの収入 over real HTTP, on SQLite and PostgreSQL: one facility's income through the
//! council per month and channel — SELP SHOP sales once settled, vending commission — the same
//! sums on its wage page and in the prefecture's table, a CSV, and facility staff seeing only
//! their own facility.

use reqwest::StatusCode;
use selpos_tests::{NewEvent, NewFacility, NewProduct, TestServer, World, assert_error, db_test};
use serde_json::{Value, json};

/// A CSV as text (its BOM checked and taken off).
async fn csv(server: &TestServer, path: &str) -> String {
    let (status, bytes) = server.admin_client().get_bytes(path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    let text = String::from_utf8(bytes).expect("UTF-8");
    text.strip_prefix('\u{feff}')
        .expect("a BOM for Excel")
        .to_string()
}

/// The month `(year, month)` of a facility's part of an income report.
fn month(facility: &Value, year: i32, month: u32) -> &Value {
    facility["months"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["year"] == year && m["month"] == month))
        .expect("the month")
}

db_test!(
    every_channel_adds_up_in_one_place_per_facility_and_month,
    demo = false,
    |server| {
        let w = World::on(&server)
            .facilities([NewFacility::new(31, "工房31"), NewFacility::new(32, "農園32")])
            .products([
                NewProduct::reduced(0, "クッキー", 120),
                NewProduct::reduced(1, "ジャム", 500),
            ])
            .event(NewEvent::bazaar("SS26").kind("selp_shop").name("ぐんまSELP SHOP"))
            .open_till()
            .await;
        let (a, b) = (w.facilities[0], w.facilities[1]);
        let (cookie, jam) = (&w.products[0], &w.products[1]);
        let sale = w.record(&w.cash_sale(cookie, 3)).await;
        w.record(&w.cash_sale(jam, 1)).await;
        // The month the sales were made in, in Japan: where the income falls.
        let sold_at: chrono::DateTime<chrono::Utc> = sale["sold_at"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .expect("sold_at");
        let sold_on = selpos_domain::events::tokyo_date(sold_at);
        let (year, mon) = (
            chrono::Datelike::year(&sold_on),
            chrono::Datelike::month(&sold_on),
        );
        let fiscal_year = if mon >= 4 { year } else { year - 1 };

        // Before the shop's sales are settled they are nobody's income yet.
        let before = server
            .get_ok(&format!("/api/v1/income?fiscal_year={fiscal_year}"))
            .await;
        assert_eq!(before["total"], 0, "{before}");
        w.close_and_settle(&server).await;

        // A vending machine supporting A: 10 % of ¥50,000 in the shop's month.
        let machine = server
            .created(
                "/api/v1/vending/machines",
                &json!({"code": "V-31", "location": "県庁", "operator": "ぐんま飲料", "facility_id": a,
                    "commission": {"kind": "percent", "basis_points": 1000}}),
            )
            .await;
        let (status, body) = server
        .post(
            "/api/v1/vending/months",
            &json!({"machine_id": machine["id"], "year": year, "month": mon, "cans": 400, "sales": 50_000}),
        )
        .await;
        assert!(status.is_success(), "{body}");

        let report = server
            .get_ok(&format!("/api/v1/income?fiscal_year={fiscal_year}"))
            .await;
        let facilities = report["facilities"].as_array().expect("facilities");
        assert_eq!(facilities.len(), 2, "{report}");
        let fa = facilities.iter().find(|f| f["facility_id"] == a).expect("A");
        let fb = facilities.iter().find(|f| f["facility_id"] == b).expect("B");
        assert_eq!(fa["months"].as_array().map(Vec::len), Some(12));
        let m = month(fa, year, mon);
        assert_eq!(
            m["amounts"]["selp_shop"], 360,
            "the shop apart from other events: {m}"
        );
        assert_eq!(m["amounts"]["events"], 0);
        assert_eq!(m["amounts"]["vending"], 5_000);
        assert_eq!(m["total"], 5_360);
        assert_eq!(fa["total"], 5_360);
        assert_eq!(month(fb, year, mon)["amounts"]["selp_shop"], 500);
        assert_eq!(report["totals"]["selp_shop"], 860);
        assert_eq!(report["total"], 5_860);

        // The wage page reads the same sums: shop sales as council sales, everything together.
        let wages = server
            .get_ok(&format!("/api/v1/facilities/{a}/wages?fiscal_year={fiscal_year}"))
            .await;
        assert_eq!(wages["council_sales"], 360, "{wages}");
        assert_eq!(wages["vending_income"], 5_000);
        assert_eq!(wages["council_income"], 5_360);
        // The prefecture's table: A has entered a month, so it has a row with its council income.
        let (status, body) = server
            .put(
                &format!("/api/v1/facilities/{a}/wages"),
                &json!({"year": year, "month": mon, "wages_paid": 300_000, "user_months": 20,
                    "user_days": 400, "opening_days": 20, "work_hours": 1_600}),
            )
            .await;
        assert!(status.is_success(), "{body}");
        let table = server
            .get_ok(&format!("/api/v1/wages/table?fiscal_year={fiscal_year}"))
            .await;
        let row = table["rows"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["facility_id"] == a))
            .expect("A's row");
        assert_eq!(row["council_income"], 5_360, "{row}");
        let table_csv = csv(
            &server,
            &format!("/api/v1/wages/table?fiscal_year={fiscal_year}&format=csv"),
        )
        .await;
        let header = table_csv.lines().next().expect("header");
        assert!(header.ends_with("協議会経由の収入"), "{header}");
        assert!(
            table_csv
                .lines()
                .any(|l| l.contains("工房31") && l.ends_with(",5360")),
            "{table_csv}"
        );

        // The CSV: a row per facility and month, each facility's year, then the total.
        let income_csv = csv(
            &server,
            &format!("/api/v1/income?fiscal_year={fiscal_year}&format=csv"),
        )
        .await;
        let rows: Vec<&str> = income_csv.lines().collect();
        assert_eq!(
            rows[0],
            "事業所番号,事業所名,年,月,販売会,SELP SHOP,共同受注,ギフト手数料,自販機,合計"
        );
        assert_eq!(rows.len(), 1 + 2 * 13 + 1, "{income_csv}");
        assert!(
            rows.contains(&format!("31,工房31,{year},{mon},0,360,0,0,5000,5360").as_str()),
            "{income_csv}"
        );
        assert!(
            rows[rows.len() - 1].ends_with(",860,0,0,5000,5860"),
            "{income_csv}"
        );

        // B's staff see B only; asking for A is refused; a year out of range is named.
        let staff = server
            .new_user(
                &json!({"login": "b32", "display_name": "B職員", "role": "facility_staff",
                          "facility_id": b, "password": "b32-staff-pass"}),
            )
            .await;
        let own = staff
            .get_ok(&format!("/api/v1/income?fiscal_year={fiscal_year}"))
            .await;
        let seen: Vec<i64> = own["facilities"]
            .as_array()
            .expect("facilities")
            .iter()
            .filter_map(|f| f["facility_id"].as_i64())
            .collect();
        assert_eq!(seen, [b]);
        assert_eq!(own["total"], 500);
        let (status, body) = staff
            .get(&format!(
                "/api/v1/income?fiscal_year={fiscal_year}&facility_id={a}"
            ))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_error(&body, "forbidden");
        let (status, body) = server.get("/api/v1/income?fiscal_year=1999").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, _) = server
            .get("/api/v1/income?fiscal_year=99999999999999999999")
            .await;
        assert!(status.is_client_error(), "{status}");
        let (status, _) = server
            .get(&format!(
                "/api/v1/income?fiscal_year={fiscal_year}&facility_id=999999"
            ))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);
