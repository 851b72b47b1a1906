//! The bad-input sweep: every route of the OpenAPI document gets malformed and hostile input.
//! Every answer must be a 4xx in the error shape, the server must stay up, and the database
//! must be exactly as it was.

use reqwest::{Method, StatusCode};
use selpos_tests::{
    ApiClient, NewEvent, NewFacility, NewProduct, TestServer, World, assert_error, db_test, error_fields,
};
use serde_json::json;

const TABLES: &[&str] = &[
    "council",
    "facilities",
    "products",
    "product_photos",
    "events",
    "event_facilities",
    "registers",
    "users",
    "devices",
    "approvals",
    "audit_log",
    "sales",
    "sale_lines",
    "sale_tenders",
    "stock_movements",
    "stock_operations",
    "register_sessions",
    "register_payouts",
    "register_float_entries",
    "register_displays",
    "settlement_adjustments",
    "shop_periods",
    "wage_months",
    "wage_targets",
    "wage_years",
    "wage_corrections",
    "orders",
    "order_items",
    "order_shares",
    "order_payments",
    "order_adjustments",
    "order_capacities",
    "vending_machines",
    "vending_months",
    // 共同購入
    "purchase_rounds",
    "purchase_orders",
    "purchase_bills",
    "purchase_payments",
    // Gift pre-orders (issue 24).
    "gift_seasons",
    "gift_items",
    "gift_orders",
    "gift_recipients",
];

/// Row counts of every table that holds what staff entered or sold.
async fn fingerprint(server: &TestServer) -> Vec<(String, i64)> {
    let mut tx = server.db().read().await.expect("tx");
    let mut out = Vec::new();
    for table in TABLES {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: i64 = match &mut tx {
            selpos_server::db::Tx::Sqlite(c) => sqlx::query_scalar(&sql).fetch_one(&mut **c).await,
            selpos_server::db::Tx::Postgres(c) => sqlx::query_scalar(&sql).fetch_one(&mut **c).await,
        }
        .expect("count");
        out.push((table.to_string(), n));
    }
    out
}

/// Bodies no route may accept.
fn hostile_bodies() -> Vec<(&'static str, Vec<u8>)> {
    let hostile = "'; DROP TABLE sales; -- <script>alert(1)</script> \" OR 1=1 --";
    vec![
        ("malformed JSON", br#"{"name": "#.to_vec()),
        ("invalid UTF-8", b"{\"name\": \"\xff\xfe\xfd\"}".to_vec()),
        ("an array", b"[1, 2, 3]".to_vec()),
        ("a string", b"\"text\"".to_vec()),
        ("null", b"null".to_vec()),
        (
            "unknown fields only",
            br#"{"__unknown": 1, "$where": "1"}"#.to_vec(),
        ),
        (
            "wrong types",
            br#"{"id": true, "name": 12, "price": "free", "lines": "x", "counts": {}, "amount": []}"#
                .to_vec(),
        ),
        (
            "numbers past i64",
            br#"{"id": 99999999999999999999999, "amount": 1e400, "price": -99999999999999999999}"#.to_vec(),
        ),
        (
            "negative numbers",
            br#"{"amount": -1, "quantity": -5, "price": -100, "count": -1}"#.to_vec(),
        ),
        (
            "SQL and HTML",
            format!(
                r#"{{"name": "{}", "login": "{}", "reason": "{}"}}"#,
                hostile.replace('"', "\\\""),
                hostile.replace('"', "\\\""),
                hostile.replace('"', "\\\"")
            )
            .into_bytes(),
        ),
        (
            "oversized",
            format!(r#"{{"name": "{}"}}"#, "x".repeat(300 * 1024)).into_bytes(),
        ),
    ]
}

/// Path ids no route may take.
const BAD_IDS: &[&str] = &[
    "abc",
    "-1",
    "99999999999999999999999",
    "%27%20OR%201%3D1",
    "%3Cscript%3E",
    "1.5",
];

async fn check(client: &ApiClient, method: &Method, path: &str, what: &str, body: Option<Vec<u8>>) {
    let (status, answer) = match body {
        Some(bytes) => client.raw(method.clone(), path, "application/json", bytes).await,
        None => client.request(method.clone(), path, None).await,
    };
    assert!(
        status.is_client_error(),
        "[{}] {method} {path} with {what}: {status} {answer}",
        client.kind
    );
    assert!(
        answer["error"]["code"].is_string() && answer["error"]["message"].is_string(),
        "[{}] {method} {path} with {what}: not the error shape: {answer}",
        client.kind
    );
}

db_test!(
    every_route_refuses_bad_input_and_changes_nothing,
    demo = true,
    |server| {
        let world = World::on(&server).demo_bazaar().build().await;
        let before = fingerprint(&server).await;
        let admin = server.admin_client();
        let doc = server.get_ok("/api/openapi.json").await;
        let mut sent = 0;
        for (template, item) in doc["paths"].as_object().expect("paths") {
            for method_name in item.as_object().expect("methods").keys() {
                let method = match method_name.as_str() {
                    "post" => Method::POST,
                    "put" => Method::PUT,
                    "get" => Method::GET,
                    // Signing out would end the sweep's own session.
                    _ => continue,
                };
                let has_params = template.contains('{');
                // A real id in every place, so that the body is what the route refuses.
                let real = template
                    .replace("/events/{id}", &format!("/events/{}", world.event))
                    .replace("/registers/{id}", &format!("/registers/{}", world.register))
                    .replace("{facility_id}", "1")
                    .replace("/sales/{id}", &format!("/sales/{}", uuid::Uuid::now_v7()))
                    .replace("/register-sessions/{id}", "/register-sessions/none")
                    .replace("{id}", "1");
                if method != Method::GET {
                    for (what, body) in hostile_bodies() {
                        check(admin, &method, &real, what, Some(body)).await;
                        sent += 1;
                    }
                }
                if has_params {
                    for bad in BAD_IDS {
                        let path = template.replace("{facility_id}", bad).replace("{id}", bad);
                        check(
                            admin,
                            &method,
                            &path,
                            "a bad id",
                            (method != Method::GET).then(|| b"{}".to_vec()),
                        )
                        .await;
                        sent += 1;
                    }
                }
            }
        }
        assert!(sent > 300, "only {sent} requests");
        let (status, _) = server.admin_client().get("/healthz").await;
        assert_eq!(status, StatusCode::OK, "the server is still up");
        assert_eq!(fingerprint(&server).await, before, "the database is unchanged");
    }
);

db_test!(
    a_batch_of_hostile_sales_refuses_each_and_changes_nothing,
    demo = false,
    |server| {
        let till = selpos_tests::HeartBazaar::open(World::on(&server)).await;
        let before = fingerprint(&server).await;
        // Every hostile body that is JSON, as a sale of one batch from the register's tablet.
        let sales: Vec<Vec<u8>> = hostile_bodies()
            .into_iter()
            .map(|(_, body)| body)
            .filter(|body| serde_json::from_slice::<serde_json::Value>(body).is_ok())
            .collect();
        assert!(sales.len() >= 8, "{} hostile sales", sales.len());
        let mut batch = b"{\"sales\": [".to_vec();
        batch.extend(sales.join(&b","[..]));
        batch.extend(b"]}");
        let (status, answer) = till
            .cashier
            .raw(Method::POST, "/api/v1/sales/batch", "application/json", batch)
            .await;
        assert_eq!(status, StatusCode::OK, "[{}] {answer}", server.kind);
        let results = answer["results"].as_array().expect("results");
        assert_eq!(results.len(), sales.len(), "{answer}");
        for result in results {
            assert_eq!(result["status"], "refused", "{result}");
            assert!(
                (400..500).contains(&result["http_status"].as_i64().unwrap_or_default()),
                "{result}"
            );
            assert_error(result, "invalid_body");
        }
        // Sales that read but name what is not there, or another register.
        let sale = |lines: serde_json::Value, register: i64| {
            let mut sale = till.sale(lines, json!([{"kind": "cash", "amount": 1000}]));
            sale["register_id"] = json!(register);
            sale
        };
        let batch = json!({"sales": [
            sale(json!([{"product_id": i64::MAX, "quantity": 1, "unit_price": 120}]), till.register),
            sale(json!([{"product_id": till.cookie, "quantity": i64::MAX, "unit_price": 120}]), till.register),
            sale(json!([{"product_id": till.cookie, "quantity": 1, "unit_price": -120}]), till.register),
            sale(json!([]), till.register),
            sale(json!([{"product_id": till.cookie, "quantity": 1, "unit_price": 120}]), i64::MAX),
        ]});
        let (status, answer) = till.cashier.post("/api/v1/sales/batch", &batch).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        for result in answer["results"].as_array().expect("results") {
            assert_eq!(result["status"], "refused", "{result}");
        }
        let (status, _) = server.admin_client().get("/healthz").await;
        assert_eq!(status, StatusCode::OK, "the server is still up");
        assert_eq!(fingerprint(&server).await, before, "the database is unchanged");
    }
);

db_test!(
    hostile_printer_settings_are_refused_and_change_nothing,
    demo = true,
    |server| {
        let world = World::on(&server).demo_bazaar().build().await;
        let before = fingerprint(&server).await;
        let council_before = server.get_ok("/api/v1/council").await;
        let event_before = server.get_ok(&format!("/api/v1/events/{}", world.event)).await;
        let admin = server.admin_client();
        let event_path = format!("/api/v1/events/{}", world.event);
        // The test servers allow loopback printers (their fake printer); everything else is
        // refused as in production.
        for printer in [
            json!("8.8.8.8:9100"),
            json!("192.168.1.10:22"),
            json!("metadata.google.internal"),
            json!("169.254.169.254:80"),
            json!("[fe80::1%eth0]:9100"),
            json!("0.0.0.0:9100"),
            json!("255.255.255.255"),
            json!("192.168.1.10:99999"),
            json!("192.168.1.10:9100/x"),
            json!("gopher://192.168.1.10:9100"),
            json!("192.168.1.10:9100\r\nX: y"),
            json!("x".repeat(10_000)),
            json!(42),
            json!(["192.168.1.10"]),
        ] {
            let mut body = world.event_input.clone();
            body["registers"][0]["printer_addr"] = printer.clone();
            let (status, answer) = admin.put(&event_path, &body).await;
            assert!(status.is_client_error(), "{printer}: {status} {answer}");
            assert!(answer["error"]["code"].is_string(), "{printer}: {answer}");
        }
        let mut council = json!({"name": council_before["name"], "tax_rounding": "down"});
        for ports in [
            json!([0]),
            json!([22]),
            json!([-1]),
            json!([70000]),
            json!(["9100"]),
            json!(9100),
            json!([]),
            json!((1024..1124).collect::<Vec<_>>()),
            json!([9100.5]),
        ] {
            council["printer_ports"] = ports.clone();
            let (status, answer) = admin.put("/api/v1/council", &council).await;
            assert!(status.is_client_error(), "{ports}: {status} {answer}");
            assert!(answer["error"]["code"].is_string(), "{ports}: {answer}");
        }
        council["printer_ports"] = json!([9100]);
        council["allow_link_local_printers"] = json!("yes");
        let (status, _) = admin.put("/api/v1/council", &council).await;
        assert!(status.is_client_error());
        assert_eq!(fingerprint(&server).await, before, "the database is unchanged");
        assert_eq!(server.get_ok("/api/v1/council").await, council_before);
        assert_eq!(server.get_ok(&event_path).await, event_before);
    }
);

db_test!(
    sign_in_and_pin_inputs_are_bounded_and_leave_no_trace,
    demo = false,
    |server| {
        let before = fingerprint(&server).await;
        let anonymous = server.anonymous();
        let huge = "a".repeat(200 * 1024);
        let long_login = "a".repeat(selpos_domain::users::MAX_LOGIN_CHARS + 1);
        let long_password = "x".repeat(selpos_domain::users::MAX_PASSWORD_CHARS + 1);
        let long_pin = "1".repeat(selpos_domain::users::MAX_PIN_CHARS + 1);
        let cases = [
            (
                "/api/v1/session",
                json!({"login": long_login, "password": "password-123"}),
                "login",
            ),
            (
                "/api/v1/session",
                json!({"login": huge, "password": "password-123"}),
                "login",
            ),
            (
                "/api/v1/session",
                json!({"login": "admin", "password": long_password}),
                "password",
            ),
            (
                "/api/v1/session",
                json!({"login": "", "password": "password-123"}),
                "login",
            ),
            (
                "/api/v1/session/pin",
                json!({"login": "vol", "pin": long_pin}),
                "pin",
            ),
            (
                "/api/v1/session/pin",
                json!({"login": huge, "pin": "1234"}),
                "login",
            ),
        ];
        for (path, body, field) in &cases {
            let (status, answer) = anonymous.post(path, body).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "[{}] {path} {field}: {answer}",
                server.kind
            );
            assert_eq!(error_fields(&answer), [field.to_string()], "{answer}");
        }
        let approvals = [
            (
                json!({"action": "stock_adjustment", "approver_login": long_login, "pin": "1234"}),
                "approver_login",
            ),
            (
                json!({"action": "stock_adjustment", "approver_login": "admin", "pin": long_pin}),
                "pin",
            ),
            (
                json!({"action": "stock_adjustment", "approver_login": huge, "pin": "1234"}),
                "approver_login",
            ),
        ];
        for (body, field) in &approvals {
            let (status, answer) = server.post("/api/v1/approvals", body).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "[{}] {field}: {answer}",
                server.kind
            );
            assert_eq!(error_fields(&answer), [field.to_string()], "{answer}");
        }
        assert_eq!(
            fingerprint(&server).await,
            before,
            "nothing written, not even to the audit log"
        );
    }
);

/// A 422 naming exactly `field`, with `code` on it.
fn assert_field(what: &str, status: StatusCode, answer: &serde_json::Value, field: &str, code: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {answer}");
    assert_eq!(error_fields(answer), [field.to_string()], "{what}: {answer}");
    assert_eq!(answer["error"]["fields"][0]["code"], code, "{what}: {answer}");
    assert!(
        answer["error"]["fields"][0]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty() && !m.is_ascii()),
        "{what}: a Japanese message: {answer}"
    );
}

db_test!(
    numbers_at_the_ends_of_their_types_are_refused_and_change_nothing,
    demo = true,
    |server| {
        let world = World::on(&server).demo_bazaar().build().await;
        let before = fingerprint(&server).await;
        let target_before = server.get_ok("/api/v1/facilities/1/wages?fiscal_year=2025").await;
        let admin = server.admin_client();

        // Fiscal years: 2000..=2100, from the query and from the body.
        for year in ["-2147483648", "2147483647", "1999", "2101", "0"] {
            for path in [
                format!("/api/v1/wages/table?fiscal_year={year}"),
                format!("/api/v1/wages/table?fiscal_year={year}&format=csv"),
                format!("/api/v1/facilities/1/wages?fiscal_year={year}"),
            ] {
                let (status, answer) = admin.get(&path).await;
                assert_field(&path, status, &answer, "fiscal_year", "out_of_range");
            }
            let path = format!("/api/v1/facilities/1/wage-target?fiscal_year={year}");
            let (status, answer) = admin.put(&path, &json!({"monthly_target": 20000})).await;
            assert_field(&path, status, &answer, "fiscal_year", "out_of_range");
        }
        // A list's limit: 1..=1000, refused outside (never quietly clamped).
        for limit in ["0", "-1", "1001", "9223372036854775807"] {
            for path in [
                format!("/api/v1/sales?limit={limit}"),
                format!("/api/v1/audit?limit={limit}"),
            ] {
                let (status, answer) = admin.get(&path).await;
                assert_field(&path, status, &answer, "limit", "out_of_range");
            }
        }
        for (year, month) in [(i32::MIN, 1), (i32::MIN, 4), (i32::MAX, 3), (i32::MAX, 12)] {
            let body = json!({"year": year, "month": month, "wages_paid": 0, "user_months": 0,
                "user_days": 0, "opening_days": 0, "work_hours": 0});
            let (status, answer) = admin.put("/api/v1/facilities/1/wages", &body).await;
            assert_field(
                &format!("{year}-{month}"),
                status,
                &answer,
                "year",
                "out_of_range",
            );
        }

        // A settlement adjustment: ±1億円, i64::MIN included (its `abs` overflowed).
        let adjustments = format!("/api/v1/events/{}/adjustments", world.event);
        for amount in [i64::MIN, i64::MIN + 1, i64::MAX, -100_000_001] {
            let body = json!({"id": uuid::Uuid::now_v7(), "facility_id": world.facilities[0],
                "amount": amount, "reason": "訂正"});
            let (status, answer) = admin.post(&adjustments, &body).await;
            assert_field(
                &format!("amount {amount}"),
                status,
                &answer,
                "amount",
                "out_of_range",
            );
        }

        // Stock: an adjustment of i64::MIN (its `abs` overflowed), counts at the ends of i64.
        let stock = format!("/api/v1/events/{}/stock", world.event);
        for (kind, quantity) in [
            ("adjustment", i64::MIN),
            ("adjustment", i64::MAX),
            ("intake", i64::MIN),
            ("loss", i64::MAX),
        ] {
            let body = json!({"id": uuid::Uuid::now_v7(), "kind": kind, "facility_id": 1,
                "note": "棚卸の訂正", "lines": [{"product_id": world.products[0].id, "quantity": quantity}]});
            let (status, answer) = admin.post(&stock, &body).await;
            assert_field(
                &format!("{kind} {quantity}"),
                status,
                &answer,
                "lines[0].quantity",
                "out_of_range",
            );
        }
        for counted in [i64::MIN, i64::MAX, -1] {
            let body = json!({"id": uuid::Uuid::now_v7(), "facility_id": 1,
                "lines": [{"product_id": world.products[0].id, "counted": counted}]});
            let (status, answer) = admin.post(&format!("{stock}/count"), &body).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "counted {counted}: {answer}"
            );
            assert_error(&answer, "validation");
        }

        // Integer-valued numbers with a fraction (`30871.0`) are refused where an integer is
        // due, with the field named; so are integers past 64 bits.
        for (path, body, field, code) in [
            (
                adjustments.clone(),
                json!({"id": uuid::Uuid::now_v7(), "facility_id": world.facilities[0],
                    "amount": 30871.0, "reason": "訂正"}),
                "amount",
                "integer",
            ),
            (
                stock.clone(),
                json!({"id": uuid::Uuid::now_v7(), "kind": "intake", "facility_id": 1,
                    "lines": [{"product_id": world.products[0].id, "quantity": 3.0}]}),
                "lines[0].quantity",
                "integer",
            ),
            (
                stock.clone(),
                json!({"id": uuid::Uuid::now_v7(), "kind": "intake", "facility_id": 1,
                    "lines": [{"product_id": world.products[0].id, "quantity": 1e20}]}),
                "lines[0].quantity",
                "out_of_range",
            ),
        ] {
            let (status, answer) = admin.post(&path, &body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
            assert_error(&answer, "invalid_body");
            assert_eq!(error_fields(&answer), [field.to_string()], "{answer}");
            assert_eq!(answer["error"]["fields"][0]["code"], code, "{answer}");
        }

        let (status, _) = admin.get("/healthz").await;
        assert_eq!(status, StatusCode::OK, "the server is still up");
        assert_eq!(fingerprint(&server).await, before, "the database is unchanged");
        assert_eq!(
            server.get_ok("/api/v1/facilities/1/wages?fiscal_year=2025").await,
            target_before
        );
    }
);

db_test!(
    a_register_with_history_stays_on_its_event,
    demo = false,
    |server| {
        let world = World::on(&server)
            .facility(NewFacility::new(10, "A工房"))
            .product(NewProduct::reduced(0, "クッキー", 120))
            .event(NewEvent::bazaar("HB26").registers(3))
            .build()
            .await;
        let admin = server.admin_client();
        let event_path = format!("/api/v1/events/{}", world.event);
        // R1 opens (レジ開け): it has history from now on.
        let open = json!({"id": uuid::Uuid::now_v7(), "counts": [{"denomination": 1000, "count": 5}]});
        admin
            .created(&format!("/api/v1/registers/{}/open", world.register), &open)
            .await;
        let before = fingerprint(&server).await;
        let event_before = server.get_ok(&event_path).await;

        let mut without_registers = world.event_input.clone();
        without_registers
            .as_object_mut()
            .expect("an object")
            .remove("registers");
        let mut empty = world.event_input.clone();
        empty["registers"] = json!([]);
        let mut renamed = world.event_input.clone();
        renamed["registers"][0]["code"] = json!("X1");
        for body in [without_registers, empty, renamed] {
            let (status, answer) = admin.put(&event_path, &body).await;
            assert_eq!(status, StatusCode::CONFLICT, "[{}] {answer}", server.kind);
            let message = assert_error(&answer, "register_has_history");
            assert!(message.contains("R1"), "{message}");
        }
        assert_eq!(fingerprint(&server).await, before, "nothing changed");
        assert_eq!(server.get_ok(&event_path).await, event_before);

        // A register without history still leaves: R3 goes, R1 and R2 stay.
        let mut fewer = world.event_input.clone();
        fewer["registers"] = json!([
            world.event_input["registers"][0],
            world.event_input["registers"][1]
        ]);
        let (status, answer) = admin.put(&event_path, &fewer).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let codes: Vec<&str> = answer["registers"]
            .as_array()
            .expect("registers")
            .iter()
            .filter_map(|r| r["code"].as_str())
            .collect();
        assert_eq!(codes, ["R1", "R2"]);
    }
);

db_test!(
    wrong_methods_and_unknown_routes_answer_in_the_error_shape,
    demo = false,
    |server| {
        let admin = server.admin_client();
        for (method, path, allowed) in [
            (Method::DELETE, "/api/v1/facilities", "GET,POST"),
            (Method::PATCH, "/api/v1/facilities/1", "GET,PUT"),
            (Method::POST, "/api/v1/wages/table", "GET"),
            (Method::PUT, "/api/v1/sales", "GET,POST"),
            (Method::DELETE, "/api/v1/council", "GET,PUT"),
            (Method::POST, "/api/openapi.json", "GET"),
        ] {
            let response = admin
                .builder(method.clone(), path)
                .send()
                .await
                .expect("an answer");
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            let allow = response
                .headers()
                .get(reqwest::header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .map(|v| {
                    let mut methods: Vec<String> = v
                        .split(',')
                        .map(|m| m.trim().to_string())
                        .filter(|m| m != "HEAD")
                        .collect();
                    methods.sort();
                    methods.join(",")
                });
            assert_eq!(allow.as_deref(), Some(allowed), "{method} {path}: Allow");
            let body: serde_json::Value = response.json().await.expect("a JSON body");
            let message = assert_error(&body, "method_not_allowed");
            assert!(!message.is_ascii(), "a Japanese message: {message}");
        }
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ] {
            let (status, body) = admin.request(method.clone(), "/api/v1/no-such-thing", None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method}");
            assert_error(&body, "not_found");
        }
    }
);
