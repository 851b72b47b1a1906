//! 共同購入 over real HTTP, on SQLite and PostgreSQL: a round with five facilities ordering
//! (facility staff their own quantity only), a late order refused after the close and after the
//! deadline, the total to order from the supplier, one bill per facility with its tax rounded
//! once (where per-unit rounding would differ), the monthly statement's per-rate tax, partial
//! payments, the unpaid list (JSON and CSV), payments racing and retried, an order racing the
//! close, cancellation, and hostile bodies.

use reqwest::{Method, StatusCode};
use selpos_tests::{ApiClient, NewFacility, TestServer, World, assert_error, db_test, error_fields};
use serde_json::{Value, json};

struct Council {
    facilities: Vec<i64>,
    staff: Vec<ApiClient>,
}

/// Five facilities (A–E) with a staff user each; the council with its T-number, rounding down.
async fn council(server: &TestServer) -> Council {
    let world = World::on(server)
        .council(
            json!({"name": "群馬県社会就労センター協議会", "invoice_number": "T3700000000001",
            "address": "前橋市新前橋町13-12", "tax_rounding": "down"}),
        )
        .facilities([
            NewFacility::new(10, "A工房"),
            NewFacility::new(11, "B農園"),
            NewFacility::new(12, "Cベーカリー"),
            NewFacility::new(13, "Dワークス"),
            NewFacility::new(14, "Eハウス"),
        ])
        .build()
        .await;
    let mut staff = Vec::new();
    for (n, facility) in world.facilities.iter().enumerate() {
        staff.push(
            server
                .new_user(&json!({"login": format!("facility-{n}"), "display_name": format!("職員{n}"),
                    "role": "facility_staff", "facility_id": facility, "password": format!("facility-pass-{n}")}))
                .await,
        );
    }
    Council {
        facilities: world.facilities,
        staff,
    }
}

fn in_seconds(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::TimeDelta::seconds(seconds)).to_rfc3339()
}

fn round(title: &str, item: &str, unit_price: i64, tax_rate: &str, deadline: &str) -> Value {
    json!({"title": title, "item_name": item, "unit": "本", "unit_price": unit_price, "tax_rate": tax_rate,
           "deadline": deadline, "supplier": "ぐんま薬品"})
}

fn orders(list: &[(i64, i64)]) -> Value {
    json!({"orders": list.iter().map(|(f, q)| json!({"facility_id": f, "quantity": q})).collect::<Vec<_>>()})
}

fn quantities(round: &Value) -> Vec<(i64, i64)> {
    round["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| {
            (
                o["facility_id"].as_i64().unwrap_or(0),
                o["quantity"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

fn bill_of(round: &Value, facility: i64) -> Value {
    round["bills"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["facility_id"] == facility))
        .cloned()
        .unwrap_or_else(|| panic!("no bill for {facility} in {round}"))
}

fn today_month() -> String {
    (chrono::Utc::now() + chrono::TimeDelta::hours(9))
        .format("%Y-%m")
        .to_string()
}

fn today() -> String {
    (chrono::Utc::now() + chrono::TimeDelta::hours(9))
        .format("%Y-%m-%d")
        .to_string()
}

db_test!(a_round_from_orders_to_the_unpaid_list, demo = false, |server| {
    let c = council(&server).await;
    let f = &c.facilities;
    let (a, b, cc, d, e) = (f[0], f[1], f[2], f[3], f[4]);

    // 消毒用アルコール 5L at 3,296 yen (10%), and a reduced-rate round closing in 3 seconds.
    let alcohol = server
        .created(
            "/api/v1/purchases",
            &round(
                " 消毒用アルコール共同購入 ",
                "消毒用アルコール 5L",
                3296,
                "standard",
                &in_seconds(3600),
            ),
        )
        .await;
    assert_eq!(
        (&alcohol["title"], &alcohol["status"]),
        (&json!("消毒用アルコール共同購入"), &json!("open"))
    );
    let rice = server
        .created(
            "/api/v1/purchases",
            &round(
                "備蓄用アルファ米",
                "アルファ米 50食",
                1390,
                "reduced",
                &in_seconds(5),
            ),
        )
        .await;
    let path = |r: &Value, tail: &str| format!("/api/v1/purchases/{}{tail}", r["id"]);
    // The council enters A's and B's rice at once (it closes soon).
    let (status, body) = server
        .put(&path(&rice, "/orders"), &orders(&[(a, 2), (b, 1)]))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Each facility orders its own quantity; B changes its mind; E withdraws with 0.
    for (n, q) in [(0usize, 3i64), (1, 4), (2, 5), (3, 1), (4, 2)] {
        let (status, body) = c.staff[n]
            .put(&path(&alcohol, "/orders"), &orders(&[(f[n], q)]))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Staff see their own order only.
        assert_eq!(quantities(&body), [(f[n], q)], "{body}");
    }
    let (status, body) = c.staff[1]
        .put(&path(&alcohol, "/orders"), &orders(&[(b, 6)]))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = c.staff[4]
        .put(&path(&alcohol, "/orders"), &orders(&[(e, 0)]))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(quantities(&body), [], "{body}");
    // … and never another facility's.
    let (status, body) = c.staff[0]
        .put(&path(&alcohol, "/orders"), &orders(&[(a, 1), (b, 1)]))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // The council enters E's order taken by phone.
    let (status, body) = server.put(&path(&alcohol, "/orders"), &orders(&[(e, 2)])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        quantities(&body),
        [(a, 3), (b, 6), (cc, 5), (d, 1), (e, 2)],
        "{body}"
    );
    // The total to order from the supplier: 17 × 3,296.
    assert_eq!(
        (&body["total_quantity"], &body["total_amount"]),
        (&json!(17), &json!(56032)),
        "{body}"
    );

    // Hostile quantities: negative, duplicates, unknown facility, past i64, wrong shapes.
    let (status, body) = server
        .put(&path(&alcohol, "/orders"), &orders(&[(a, -1), (b, 1), (b, 2)]))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        error_fields(&body),
        ["orders[0].quantity", "orders[2].facility_id"]
    );
    let (status, body) = server
        .put(&path(&alcohol, "/orders"), &orders(&[(999_999, 1)]))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["orders[0].facility_id"]);
    let (status, _) = server
        .raw(
            Method::PUT,
            &path(&alcohol, "/orders"),
            "application/json",
            format!(r#"{{"orders":[{{"facility_id":{a},"quantity":99999999999999999999}}]}}"#).into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = server
        .put(
            &path(&alcohol, "/orders"),
            &json!({"orders": [{"facility_id": a, "quantity": 1, "price": 1}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = server
        .post(
            "/api/v1/purchases",
            &round("", "x", 0, "standard", &in_seconds(-60)),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["title", "unit_price", "deadline"]);
    let after = server.get_ok(&path(&alcohol, "")).await;
    assert_eq!(after["total_quantity"], 17, "hostile input changed {after}");

    // Closed by hand: a late order is refused with round_closed, the quantities stay.
    let closed = server.post(&path(&alcohol, "/close"), &json!({})).await;
    assert_eq!(closed.0, StatusCode::OK, "{}", closed.1);
    assert_eq!(closed.1["status"], "closed");
    let (status, body) = c.staff[2]
        .put(&path(&alcohol, "/orders"), &orders(&[(cc, 9)]))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "round_closed");
    // Past its deadline the rice round is closed without anyone closing it.
    let deadline = chrono::DateTime::parse_from_rfc3339(rice["deadline"].as_str().expect("deadline"))
        .expect("an instant")
        .with_timezone(&chrono::Utc);
    if let Ok(wait) = (deadline - chrono::Utc::now()).to_std() {
        tokio::time::sleep(wait + std::time::Duration::from_millis(500)).await;
    }
    let (status, body) = c.staff[0].put(&path(&rice, "/orders"), &orders(&[(a, 5)])).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "round_closed");
    assert_eq!(server.get_ok(&path(&rice, "")).await["status"], "closed");
    // A closed round no longer changes.
    let (status, body) = server
        .put(
            &path(&alcohol, ""),
            &round("x", "x", 100, "standard", &in_seconds(3600)),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "round_status");

    // 請求: one bill per facility; the tax rounded once over the bill: 3 × 3,296 = 9,888 →
    // 898 (per unit it would be 299 × 3 = 897).
    let (status, billed) = server.post(&path(&alcohol, "/bill"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{billed}");
    assert_eq!(billed["status"], "billed");
    assert_eq!(billed["bills"].as_array().map(Vec::len), Some(5));
    let bill_a = bill_of(&billed, a);
    assert_eq!(
        (&bill_a["number"], &bill_a["amount"], &bill_a["tax"]),
        (
            &json!(format!("GP-{}-10", alcohol["id"])),
            &json!(9888),
            &json!(898)
        ),
        "{bill_a}"
    );
    // Billing again answers the same bills.
    let (status, again) = server.post(&path(&alcohol, "/bill"), &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["bills"], billed["bills"]);
    let (status, rice_billed) = server.post(&path(&rice, "/bill"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rice_billed}");
    assert_eq!(bill_of(&rice_billed, a)["tax"], 205); // 2,780 × 8/108 = 205.9 (per unit 102 × 2)

    // The invoice to A: a qualified invoice from the council.
    let invoice = c.staff[0]
        .get_ok(&format!("{}?facility_id={a}", path(&alcohol, "/invoice")))
        .await;
    assert_eq!(
        (
            &invoice["qualified"],
            &invoice["registration_number"],
            &invoice["facility_name"]
        ),
        (&json!(true), &json!("T3700000000001"), &json!("A工房")),
        "{invoice}"
    );
    assert_eq!(invoice["figures"]["by_rate"][0]["tax"], 898, "{invoice}");
    // A's month: both rounds on one statement, tax once per rate.
    let statement = c.staff[0]
        .get_ok(&format!(
            "/api/v1/purchases/statement?facility_id={a}&month={}",
            today_month()
        ))
        .await;
    let rates: Vec<(String, i64, i64)> = statement["figures"]["by_rate"]
        .as_array()
        .expect("by_rate")
        .iter()
        .map(|r| {
            (
                r["rate"].as_str().unwrap_or("").to_string(),
                r["total"].as_i64().unwrap_or(0),
                r["tax"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        rates,
        [("standard".into(), 9888, 898), ("reduced".into(), 2780, 205)],
        "{statement}"
    );
    assert_eq!(statement["figures"]["total"], 12668);
    // Not another facility's.
    let (status, _) = c.staff[1]
        .get(&format!("{}?facility_id={a}", path(&alcohol, "/invoice")))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = c.staff[1]
        .get(&format!("/api/v1/purchases/bills?facility_id={a}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let own = c.staff[1].get_ok("/api/v1/purchases/bills").await;
    assert!(
        own.as_array()
            .expect("bills")
            .iter()
            .all(|bill| bill["facility_id"] == b),
        "{own}"
    );

    // Payments: partial, retried, refused above the balance or with a reused id.
    let payments = format!("/api/v1/purchases/bills/{}/payments", bill_a["id"]);
    let first = json!({"id": uuid::Uuid::now_v7(), "received_on": today(), "amount": 5000});
    for _ in 0..2 {
        let (status, body) = server.post(&payments, &first).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!((&body["paid"], &body["balance"]), (&json!(5000), &json!(4888)));
    }
    let reused = json!({"id": first["id"], "received_on": today(), "amount": 4000});
    let (status, body) = server.post(&payments, &reused).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "payment_id_reused");
    let (status, body) = server
        .post(
            &payments,
            &json!({"id": uuid::Uuid::now_v7(), "received_on": today(), "amount": 4889}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["amount"]);
    let (status, _) = c.staff[0]
        .post(
            &payments,
            &json!({"id": uuid::Uuid::now_v7(), "received_on": today(), "amount": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // C pays in full.
    let bill_c = bill_of(&billed, cc);
    let (status, body) = server
        .post(
            &format!("/api/v1/purchases/bills/{}/payments", bill_c["id"]),
            &json!({"id": uuid::Uuid::now_v7(), "received_on": today(), "amount": 16480}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // 未収一覧: A (4,888), B, D, E of the alcohol; A and B of the rice. C owes nothing.
    let unpaid = server.get_ok("/api/v1/purchases/unpaid").await;
    let owing: Vec<(i64, i64)> = unpaid["facilities"]
        .as_array()
        .expect("facilities")
        .iter()
        .map(|f| {
            (
                f["facility_id"].as_i64().unwrap_or(0),
                f["balance"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        owing,
        [(a, 4888 + 2780), (b, 6 * 3296 + 1390), (d, 3296), (e, 2 * 3296)],
        "{unpaid}"
    );
    let (status, csv) = server
        .admin_client()
        .get_bytes("/api/v1/purchases/unpaid?format=csv")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let text = String::from_utf8_lossy(&csv);
    assert!(
        text.contains("未収") && text.contains("A工房") && !text.contains("Cベーカリー"),
        "{text}"
    );
    // Facility staff see their own balance only.
    let mine = c.staff[3].get_ok("/api/v1/purchases/unpaid").await;
    assert_eq!(mine["facilities"].as_array().map(Vec::len), Some(1), "{mine}");
    assert_eq!(mine["balance"], 3296, "{mine}");

    // Two payments of D's whole balance at once: one taken, the other refused; never overpaid.
    let bill_d = bill_of(&billed, d);
    let d_payments = format!("/api/v1/purchases/bills/{}/payments", bill_d["id"]);
    let whole = || json!({"id": uuid::Uuid::now_v7(), "received_on": today(), "amount": 3296});
    let (first_whole, second_whole) = (whole(), whole());
    let (one, two) = tokio::join!(
        server.post(&d_payments, &first_whole),
        server.post(&d_payments, &second_whole)
    );
    let mut statuses = [one.0, two.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} / {}",
        one.1,
        two.1
    );
    // The same payment of E's sent five times at once: recorded once.
    let bill_e = bill_of(&billed, e);
    let e_payments = format!("/api/v1/purchases/bills/{}/payments", bill_e["id"]);
    let same = json!({"id": uuid::Uuid::now_v7(), "received_on": today(), "amount": 1000});
    let answers = futures::future::join_all((0..5).map(|_| server.post(&e_payments, &same))).await;
    for (status, answer) in &answers {
        assert_eq!(*status, StatusCode::CREATED, "{answer}");
    }
    // One payment id sent for bills of two rounds at once: recorded once, the other refused.
    let shared = uuid::Uuid::now_v7();
    let rice_now = server.get_ok(&path(&rice, "")).await;
    let b_rice = format!("/api/v1/purchases/bills/{}/payments", bill_of(&rice_now, b)["id"]);
    let b_alcohol = format!("/api/v1/purchases/bills/{}/payments", bill_of(&billed, b)["id"]);
    let one_yen = json!({"id": shared, "received_on": today(), "amount": 1});
    let (x, y) = tokio::join!(server.post(&b_rice, &one_yen), server.post(&b_alcohol, &one_yen));
    let mut statuses = [x.0, y.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} / {}",
        x.1,
        y.1
    );
    assert_error(
        if x.0 == StatusCode::CONFLICT { &x.1 } else { &y.1 },
        "payment_id_reused",
    );
    let round_now = server.get_ok(&path(&alcohol, "")).await;
    let (bd, be) = (bill_of(&round_now, d), bill_of(&round_now, e));
    assert_eq!(
        (&bd["paid"], bd["payments"].as_array().map(Vec::len)),
        (&json!(3296), Some(1))
    );
    assert_eq!(
        (&be["paid"], be["payments"].as_array().map(Vec::len)),
        (&json!(1000), Some(1))
    );

    // Every bill paid: the round is done.
    assert_eq!(be["balance"], 5592);
    for bill in [bill_of(&round_now, a), bill_of(&round_now, b), be] {
        let rest = bill["balance"].clone();
        let (status, body) = server
            .post(
                &format!("/api/v1/purchases/bills/{}/payments", bill["id"]),
                &json!({"id": uuid::Uuid::now_v7(), "received_on": today(), "amount": rest}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let done = server.get_ok(&path(&alcohol, "")).await;
    assert_eq!(
        (&done["status"], &done["balance"]),
        (&json!("done"), &json!(0)),
        "{done}"
    );

    // Every change is in the audit log.
    let audit = server.get_ok("/api/v1/audit?entity=purchase_round").await;
    let mut actions: Vec<String> = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter_map(|e| e["action"].as_str().map(String::from))
        .collect();
    let bills_audit = server.get_ok("/api/v1/audit?entity=purchase_bill").await;
    actions.extend(
        bills_audit
            .as_array()
            .expect("audit")
            .iter()
            .filter_map(|e| e["action"].as_str().map(String::from)),
    );
    for kind in [
        "purchase.round_create",
        "purchase.order",
        "purchase.close",
        "purchase.bill",
        "purchase.payment",
    ] {
        assert!(
            actions.iter().any(|a| a == kind),
            "{kind} not audited: {actions:?}"
        );
    }
});

db_test!(an_order_racing_the_close_and_cancelling, demo = false, |server| {
    let c = council(&server).await;
    let (a, b) = (c.facilities[0], c.facilities[1]);
    let r = server
        .created(
            "/api/v1/purchases",
            &round(
                "マスク共同購入",
                "不織布マスク 50枚",
                550,
                "standard",
                &in_seconds(3600),
            ),
        )
        .await;
    let path = |tail: &str| format!("/api/v1/purchases/{}{tail}", r["id"]);
    let (status, _) = c.staff[0].put(&path("/orders"), &orders(&[(a, 2)])).await;
    assert_eq!(status, StatusCode::OK);
    // B's order and the close at once: the order lands before the close, or is refused.
    let (close_path, orders_path) = (path("/close"), path("/orders"));
    let (nothing, b_order) = (json!({}), orders(&[(b, 4)]));
    let (close, order) = tokio::join!(
        server.post(&close_path, &nothing),
        c.staff[1].put(&orders_path, &b_order)
    );
    assert_eq!(close.0, StatusCode::OK, "{}", close.1);
    let after = server.get_ok(&path("")).await;
    match order.0 {
        StatusCode::OK => assert_eq!(quantities(&after), [(a, 2), (b, 4)], "{after}"),
        StatusCode::CONFLICT => {
            assert_error(&order.1, "round_closed");
            assert_eq!(quantities(&after), [(a, 2)], "{after}");
        }
        other => panic!("order: {other} {}", order.1),
    }
    // Facility staff no longer see a closed round they did not order in, in the list or alone.
    let seen_by_c = c.staff[2].get(&path("")).await;
    assert_eq!(seen_by_c.0, StatusCode::NOT_FOUND, "{}", seen_by_c.1);
    assert_eq!(c.staff[2].get_ok("/api/v1/purchases").await, json!([]));
    let seen_by_a = c.staff[0].get_ok("/api/v1/purchases").await;
    assert_eq!(seen_by_a.as_array().map(Vec::len), Some(1), "{seen_by_a}");
    assert_eq!(quantities(&seen_by_a[0]), [(a, 2)], "{seen_by_a}");
    // Cancelling needs a reason; a cancelled round is final.
    let (status, body) = server.post(&path("/cancel"), &json!({"reason": " "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["reason"]);
    let (status, body) = server
        .post(&path("/cancel"), &json!({"reason": "仕入先の欠品"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["status"], &body["status_reason"]),
        (&json!("cancelled"), &json!("仕入先の欠品"))
    );
    let (status, body) = server.post(&path("/bill"), &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "round_status");
    let (status, body) = c.staff[0].put(&path("/orders"), &orders(&[(a, 1)])).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "round_closed");
    // Facility staff create nothing, and a round that does not exist is not found.
    let (status, _) = c.staff[0]
        .post(
            "/api/v1/purchases",
            &round("x", "x", 100, "standard", &in_seconds(3600)),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server.get("/api/v1/purchases/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});
