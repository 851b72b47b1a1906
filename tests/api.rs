//! The JSON API over real HTTP, on SQLite and on PostgreSQL.

use reqwest::{Method, StatusCode};
use selpos_tests::{NewFacility, TestServer, assert_error, db_test, error_fields};
use serde_json::{Value, json};

/// Facility `number`, with every field filled in.
fn facility(number: i64, name: &str) -> NewFacility {
    NewFacility::new(number, name)
        .invoice_issuer()
        .with("kana", json!("てすと"))
        .with("contact", json!("027-000-0000"))
}

fn product(facility_id: i64, name: &str, jan: Option<&str>) -> Value {
    json!({
        "facility_id": facility_id,
        "name": name,
        "kana": "くっきー",
        "price": 300,
        "tax_rate": "reduced",
        "jan": jan,
        "category": "焼き菓子"
    })
}

fn event(code: &str, facility_ids: &[i64]) -> Value {
    json!({
        "code": code,
        "kind": "bazaar",
        "name": "ハートバザール",
        "venue": "けやきウォーク前橋",
        "starts_on": "2026-11-28",
        "ends_on": "2026-11-29",
        "commission": {"kind": "percent", "basis_points": 1000},
        "participants": facility_ids.iter().map(|id| json!({"facility_id": id})).collect::<Vec<_>>(),
        "registers": [{"code": "R1", "name": "レジ1"}, {"code": "R2", "name": "レジ2"}]
    })
}

/// Facilities 1 (A) and 2 (B).
async fn facilities_a_and_b(server: &TestServer) -> (i64, i64) {
    let admin = server.admin_client();
    (
        facility(1, "A").create(admin).await,
        facility(2, "B").create(admin).await,
    )
}

db_test!(health_names_the_database_and_schema, demo = false, |server| {
    let health = server.get_ok("/healthz").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], server.kind);
    assert!(health["schema_version"].as_i64().unwrap_or(0) >= 1, "{health}");
});

db_test!(
    facilities_are_created_listed_edited_and_deactivated,
    demo = false,
    |server| {
        let created = server
            .created("/api/v1/facilities", facility(7, " ぶどうの木 ").body())
            .await;
        let id = created["id"].as_i64().expect("id");
        assert_eq!(created["name"], "ぶどうの木", "names are trimmed");
        assert_eq!(server.get_ok(&format!("/api/v1/facilities/{id}")).await, created);

        let mut edited = facility(7, "ぶどうの木工房").body().clone();
        edited["capacity"] = json!(25);
        let (status, updated) = server.put(&format!("/api/v1/facilities/{id}"), &edited).await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(updated["capacity"], 25);
        assert_eq!(updated["created_at"], created["created_at"]);

        let found = server.get_ok("/api/v1/facilities?q=%E5%B7%A5%E6%88%BF").await; // 工房
        assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");

        edited["active"] = json!(false);
        let (status, _) = server.put(&format!("/api/v1/facilities/{id}"), &edited).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(server.get_ok("/api/v1/facilities?active=true").await, json!([]));
        let all = server.get_ok("/api/v1/facilities").await;
        assert_eq!(all[0]["active"], false);
    }
);

db_test!(
    invalid_master_data_is_refused_field_by_field_in_japanese,
    demo = false,
    |server| {
        let bad = json!({
            "number": 0, "name": " ", "corporation_type": 9, "capacity": -3,
            "invoice_number": "T1234567890123", "invoice_issuer": true
        });
        let (status, body) = server.post("/api/v1/facilities", &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_error(&body, "validation");
        assert_eq!(
            error_fields(&body),
            ["number", "name", "corporation_type", "capacity", "invoice_number"]
        );
        assert!(
            body["error"]["fields"][4]["message"]
                .as_str()
                .unwrap_or("")
                .contains("チェックディジット"),
            "{body}"
        );

        let facility_id = facility(1, "てっぷ").create(server.admin_client()).await;
        let mut bad_product = product(facility_id, "クッキー", Some("4006381333932"));
        bad_product["price"] = json!(0);
        let (status, body) = server.post("/api/v1/products", &bad_product).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), ["price", "jan"]);

        let (status, body) = server
            .post("/api/v1/products", &product(999_999, "クッキー", None))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), ["facility_id"]);

        let (status, body) = server
            .put(
                "/api/v1/council",
                &json!({"name": "協議会", "invoice_number": "T123"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), ["invoice_number"]);
        assert_eq!(
            server.get_ok("/api/v1/facilities").await.as_array().map(Vec::len),
            Some(1),
            "nothing half-written"
        );
    }
);

db_test!(malformed_requests_get_the_error_shape, demo = false, |server| {
    let (status, body) = server
        .raw(
            Method::POST,
            "/api/v1/facilities",
            "application/json",
            b"{\"number\":".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "invalid_json");

    let mut unknown = facility(1, "a").body().clone();
    unknown["is_admin"] = json!(true);
    let (status, body) = server.post("/api/v1/facilities", &unknown).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(assert_error(&body, "invalid_body").contains("is_admin"));

    let (status, body) = server.post("/api/v1/facilities", &json!({"number": "one"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&body, "invalid_body");

    let (status, body) = server
        .raw(
            Method::POST,
            "/api/v1/facilities",
            "application/json",
            vec![0xff, 0xfe, b'{'],
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    assert!(body.get("error").is_some(), "{body}");

    let (status, body) = server
        .raw(Method::POST, "/api/v1/facilities", "text/plain", b"{}".to_vec())
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_error(&body, "unsupported_media_type");

    let huge = format!("{{\"name\":\"{}\"}}", "あ".repeat(200_000));
    let (status, body) = server
        .raw(
            Method::POST,
            "/api/v1/facilities",
            "application/json",
            huge.into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&body, "payload_too_large");

    let (status, body) = server.get("/api/v1/facilities/12345").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(assert_error(&body, "not_found"), "事業所が見つかりません");

    let (status, body) = server.get("/api/v1/facilities/abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "invalid_path");

    let (status, body) = server.get("/api/v1/facilities?active=maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "invalid_query");

    let (status, body) = server.get("/api/v1/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");

    let past_i64 =
        br#"{"facility_id": 1, "name": "x", "price": 99999999999999999999, "tax_rate": "reduced"}"#;
    let (status, body) = server
        .raw(
            Method::POST,
            "/api/v1/products",
            "application/json",
            past_i64.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "invalid_body");

    assert_eq!(server.get_ok("/healthz").await["status"], "ok", "still up");
    assert_eq!(
        server.get_ok("/api/v1/facilities").await,
        json!([]),
        "nothing written"
    );
});

db_test!(duplicates_are_conflicts, demo = false, |server| {
    let a = facility(1, "A").create(server.admin_client()).await;
    let (status, body) = server.post("/api/v1/facilities", facility(1, "B").body()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(assert_error(&body, "conflict").contains("事業所番号"));

    server
        .created("/api/v1/products", &product(a, "クッキー", Some("4006381333931")))
        .await;
    let (status, body) = server
        .post(
            "/api/v1/products",
            &product(a, "別のクッキー", Some("4006381333931")),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(assert_error(&body, "conflict").contains("JAN"));

    server.created("/api/v1/events", &event("HB2026A", &[a])).await;
    let (status, body) = server.post("/api/v1/events", &event("hb2026a", &[a])).await;
    assert_eq!(status, StatusCode::CONFLICT, "codes are case-folded: {body}");

    // A facility renumbered onto a taken number, a taken login, and a JAN code already stored
    // met again in a CSV import: the same conflicts, from the update and import paths.
    let b = facility(2, "B").create(server.admin_client()).await;
    let (status, body) = server
        .put(&format!("/api/v1/facilities/{b}"), facility(1, "B").body())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(assert_error(&body, "conflict").contains("事業所番号"));

    let cashier = json!({"login": selpos_tests::ADMIN_LOGIN, "display_name": "二人目", "role": "cashier", "pin": "9753"});
    let (status, body) = server.post("/api/v1/users", &cashier).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(assert_error(&body, "conflict").contains("ログインID"));

    // A's JAN in B's CSV (in A's it would update A's product): refused, naming the row.
    let csv = "\u{feff}商品名,価格,税率,JAN\nクッキー,300,8,4006381333931\n";
    let (status, body) = server
        .raw(
            Method::POST,
            &format!("/api/v1/facilities/{b}/products/import"),
            "text/csv",
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["rows[2].jan"]);
    let message = body["error"]["fields"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.starts_with("2行目") && message.contains("4006381333931"),
        "{body}"
    );
});

db_test!(
    products_keep_prices_in_integer_yen_and_filter_by_facility,
    demo = false,
    |server| {
        let (a, b) = facilities_a_and_b(&server).await;
        let cookie = server
            .created("/api/v1/products", &product(a, "クッキー", Some("4901234567894")))
            .await;
        let mut soap = product(b, "石けん", None);
        soap["price"] = json!(9_999_999);
        soap["tax_rate"] = json!("standard");
        server.created("/api/v1/products", &soap).await;

        let only_a = server.get_ok(&format!("/api/v1/products?facility_id={a}")).await;
        assert_eq!(only_a, json!([cookie]));
        let by_jan = server.get_ok("/api/v1/products?q=4901234567894").await;
        assert_eq!(by_jan[0]["name"], "クッキー");
        let by_kana = server.get_ok("/api/v1/products?q=%E3%81%8F%E3%81%A3").await; // くっ
        assert_eq!(by_kana.as_array().map(Vec::len), Some(2));
        let standard = server.get_ok(&format!("/api/v1/products?facility_id={b}")).await;
        assert_eq!(standard[0]["price"], 9_999_999);
        assert_eq!(standard[0]["tax_rate"], "standard");
        assert_eq!(standard[0]["jan"], Value::Null);
    }
);

db_test!(
    events_keep_participants_registers_and_move_forward_only,
    demo = false,
    |server| {
        let (a, b) = facilities_a_and_b(&server).await;
        let created = server.created("/api/v1/events", &event("HB2026A", &[a])).await;
        let id = created["id"].as_i64().expect("id");
        assert_eq!(created["state"], "planned");
        assert_eq!(created["registers"].as_array().map(Vec::len), Some(2));
        let r1 = created["registers"][0]["id"].clone();

        let mut edited = event("HB2026A", &[a, b]);
        edited["participants"][1]["commission_override"] = json!({"kind": "fixed", "yen": 3000});
        edited["registers"] = json!([{"code": "R1", "name": "入口レジ"}, {"code": "R3", "name": "レジ3"}]);
        edited["state"] = json!("open");
        let (status, updated) = server.put(&format!("/api/v1/events/{id}"), &edited).await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(
            updated["participants"][1],
            json!({"facility_id": b, "commission_override": {"kind": "fixed", "yen": 3000}})
        );
        assert_eq!(updated["registers"][0]["id"], r1, "a register keeps its id");
        assert_eq!(updated["registers"][0]["name"], "入口レジ");
        assert_eq!(updated["registers"][1]["code"], "R3");
        assert_eq!(updated["state"], "open");

        edited["state"] = json!("planned");
        let (status, body) = server.put(&format!("/api/v1/events/{id}"), &edited).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(assert_error(&body, "conflict").contains("開催中"), "{body}");

        let (status, body) = server
            .post("/api/v1/events", &event("HB2026B", &[a, 424242]))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), ["participants[1].facility_id"]);
        assert_eq!(
            server.get_ok("/api/v1/events").await.as_array().map(Vec::len),
            Some(1)
        );
    }
);

db_test!(the_council_record_is_kept, demo = false, |server| {
    let placeholder = server.get_ok("/api/v1/council").await;
    assert_eq!(placeholder["tax_rounding"], "down");
    let input = json!({"name": "群馬県社会就労センター協議会", "invoice_number": "T7000012050002",
                       "receipt_footer": "ありがとうございました", "tax_rounding": "half_up"});
    let (status, saved) = server.put("/api/v1/council", &input).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let read = server.get_ok("/api/v1/council").await;
    assert_eq!(read["invoice_number"], "T7000012050002");
    assert_eq!(read["tax_rounding"], "half_up");
});

db_test!(
    demo_data_has_the_prefectures_facilities_and_an_open_bazaar,
    demo = true,
    |server| {
        let facilities = server.get_ok("/api/v1/facilities").await;
        assert_eq!(facilities.as_array().map(Vec::len), Some(114));
        assert_eq!(facilities[0]["name"], "わーくはうすてっぶ");
        let events = server.get_ok("/api/v1/events").await;
        let events = events.as_array().expect("events");
        let bazaar = events.iter().find(|e| e["kind"] == "bazaar").expect("a bazaar");
        assert_eq!(bazaar["state"], "open");
        assert_eq!(bazaar["participants"].as_array().map(Vec::len), Some(12));
        assert!(events.iter().any(|e| e["kind"] == "selp_shop"));
        let products = server.get_ok("/api/v1/products").await;
        let products = products.as_array().expect("products");
        let with_products: std::collections::BTreeSet<_> =
            products.iter().map(|p| p["facility_id"].as_i64()).collect();
        assert!(with_products.len() >= 10);
        assert!(
            products.iter().any(|p| p["tax_rate"] == "reduced")
                && products.iter().any(|p| p["tax_rate"] == "standard")
        );
        assert!(
            products
                .iter()
                .all(|p| p["jan"].as_str().is_some_and(|j| j.len() == 13))
        );
        let council = server.get_ok("/api/v1/council").await;
        assert!(
            council["invoice_number"]
                .as_str()
                .is_some_and(|n| n.starts_with('T'))
        );
    }
);

db_test!(the_openapi_document_lists_every_route, demo = false, |server| {
    let doc = server.get_ok("/api/openapi.json").await;
    let paths = doc["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/api/v1/facilities", &["get", "post"][..]),
        ("/api/v1/facilities/{id}", &["get", "put"]),
        ("/api/v1/products", &["get", "post"]),
        ("/api/v1/products/{id}", &["get", "put"]),
        ("/api/v1/events", &["get", "post"]),
        ("/api/v1/events/{id}", &["get", "put"]),
        ("/api/v1/council", &["get", "put"]),
    ] {
        for method in methods {
            assert!(
                paths.get(path).and_then(|p| p.get(*method)).is_some(),
                "{method} {path} missing"
            );
        }
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
});

db_test!(
    pages_render_in_japanese_with_security_headers,
    demo = false,
    |server| {
        let response = reqwest::get(format!("{}/products", server.base))
            .await
            .expect("page");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.headers()["x-frame-options"], "DENY");
        let html = response.text().await.expect("html");
        assert!(html.contains("<html lang=\"ja\""), "{html}");
        assert!(html.contains("商品"));
        let script = selpos_tests::script_of(&html).expect("a bundle");
        assert_eq!(selpos_tests::bundle_named(script), "selpos", "{html}");
        // The till's pages come with the till's own, smaller bundle; what a till does only
        // online comes with the whole app.
        for (page, bundle) in [
            ("/register", "till"),
            ("/login?next=%2Fregister", "till"),
            ("/register/session", "selpos"),
            ("/receipts/0190-abc", "selpos"),
        ] {
            let html = reqwest::get(format!("{}{page}", server.base))
                .await
                .expect("page")
                .text()
                .await
                .expect("html");
            let script = selpos_tests::script_of(&html).expect("a bundle");
            assert_eq!(selpos_tests::bundle_named(script), bundle, "{page}: {html}");
            // One bundle per page: the other one's script is never named.
            assert_eq!(html.matches(".js\"").count(), 1, "{page}: {html}");
        }
    }
);

#[tokio::test]
async fn demo_data_loads_once() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("d.db").display());
    let db = selpos_server::db::Db::connect(&url).await.expect("db");
    let first = selpos_server::demo::load(&db).await.expect("demo");
    assert_eq!((first.facilities_added, first.events_added), (114, 2));
    let second = selpos_server::demo::load(&db).await.expect("demo again");
    assert_eq!(
        (
            second.facilities_added,
            second.products_added,
            second.events_added
        ),
        (0, 0, 0)
    );
}

#[tokio::test]
async fn demo_data_never_joins_a_real_database() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("real.db").display());
    let db = selpos_server::db::Db::connect(&url).await.expect("db");
    let admin = selpos_domain::users::UserInput {
        login: "jimukyoku".into(),
        display_name: "事務局".into(),
        role: selpos_domain::access::Role::CouncilAdmin,
        facility_id: None,
        password: Some("a-real-password".into()),
        pin: None,
        active: true,
        easy_till: false,
    };
    let operator = selpos_server::usecases::users::cli_operator();
    selpos_server::usecases::users::create(&db, &operator, &admin)
        .await
        .expect("a real administrator");
    let refused = selpos_server::demo::load(&db).await;
    assert!(
        matches!(&refused, Err(selpos_server::demo::DemoError::NotDemo(what)) if what.contains("jimukyoku")),
        "{refused:?}"
    );
    let users = selpos_server::db::users::list(&mut db.read().await.expect("tx"))
        .await
        .expect("users");
    assert_eq!(users.len(), 1, "no demo user was added");
}
