//! 共同受注窓口 over real HTTP, on SQLite and PostgreSQL: an order from enquiry to payout with
//! three facilities (one not a registered invoice issuer), a declined share re-allocated,
//! partial payments, the invoice's per-rate tax, the fee's rounding, the lock after payout and
//! the adjustment it allows, facility staff isolation, hostile allocations, the payout
//! statement, the prefecture's yearly report and the wage feed.

use reqwest::StatusCode;
use selpos_tests::{
    ApiClient, NewFacility, NewProduct, TestServer, World, assert_error, db_test, error_fields,
};
use serde_json::{Value, json};

struct Desk {
    facilities: Vec<i64>,
    staff: Vec<ApiClient>,
}

/// Three facilities — A and B registered invoice issuers, C not — with a staff user each, and
/// the council with its T-number, rounding tax down.
async fn desk(server: &TestServer) -> Desk {
    let world = World::on(server)
        .council(json!({"name": "群馬県社会就労センター協議会", "invoice_number": "T3700000000001", "tax_rounding": "down"}))
        .facilities([
            NewFacility::new(10, "A工房").invoice_issuer(),
            NewFacility::new(11, "B農園").invoice_issuer(),
            NewFacility::new(12, "Cベーカリー"),
        ])
        .products([NewProduct::reduced(0, "クッキー", 120)])
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
    Desk {
        facilities: world.facilities,
        staff,
    }
}

fn order_body(c_facility: i64) -> Value {
    json!({
        "subject": "障害者週間イベント用 記念品・資料・弁当",
        "buyer": {"name": "群馬県", "department": "障害政策課", "contact": "027-000-0000", "kind": "government",
                  "invoice_recipient": "群馬県知事"},
        "payment_terms": "検収後30日以内",
        "deliveries": [{"on": "2026-11-20", "place": "県庁 1階ロビー"}],
        "items": [
            {"description": "焼き菓子ギフト", "unit": "箱", "quantity": 2, "unit_price": 120, "tax_rate": "reduced"},
            {"description": "会議資料の印刷", "unit": "件", "quantity": 3, "unit_price": 1000, "tax_rate": "standard"},
            {"description": "弁当", "unit": "個", "quantity": 10, "unit_price": 500, "tax_rate": "reduced"}
        ],
        "fee": {"kind": "percent", "basis_points": 1050},
        "fee_overrides": [{"facility_id": c_facility, "fee": {"kind": "fixed", "yen": 500}}]
    })
}

fn item_ids(order: &Value) -> Vec<i64> {
    order["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

/// The id of `facility`'s share of item `item`.
fn share_id(order: &Value, item: i64, facility: i64) -> i64 {
    order["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["id"] == item)
        .flat_map(|i| i["shares"].as_array().expect("shares"))
        .find(|s| s["facility_id"] == facility)
        .and_then(|s| s["id"].as_i64())
        .unwrap_or_else(|| panic!("no share of {facility} in item {item}: {order}"))
}

fn payable(order: &Value, facility: i64) -> Value {
    order["payables"]
        .as_array()
        .expect("payables")
        .iter()
        .find(|p| p["facility_id"] == facility)
        .cloned()
        .unwrap_or_else(|| panic!("no payable of {facility}: {order}"))
}

db_test!(an_order_goes_from_enquiry_to_payout, demo = false, |server| {
    let d = desk(&server).await;
    let (a, b, c) = (d.facilities[0], d.facilities[1], d.facilities[2]);
    let order = server.created("/api/v1/orders", &order_body(c)).await;
    let id = order["id"].as_i64().expect("id");
    assert_eq!(
        (&order["status"], &order["total"]),
        (&json!("enquiry"), &json!(8240)),
        "{order}"
    );
    let items = item_ids(&order);
    let path = |tail: &str| format!("/api/v1/orders/{id}{tail}");
    let other = server.created("/api/v1/orders", &order_body(c)).await;
    let other_items = item_ids(&other);

    // 見積.
    let (status, quoted) = server.post(&path("/status"), &json!({"status": "quoted"})).await;
    assert_eq!(
        (status, &quoted["status"]),
        (StatusCode::OK, &json!("quoted")),
        "{quoted}"
    );

    // Hostile allocations: duplicate rows, another order's item, numbers past i64, none written.
    let (status, body) = server
        .put(
            &path("/shares"),
            &json!({"shares": [
            {"item_id": items[0], "facility_id": a, "quantity": 1},
            {"item_id": items[0], "facility_id": a, "quantity": 1}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), vec!["shares[1].facility_id"]);
    let (status, body) = server
        .put(
            &path("/shares"),
            &json!({"shares": [{"item_id": other_items[0], "facility_id": a, "quantity": 1}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), vec!["shares[0].item_id"]);
    let huge = format!(
        r#"{{"shares": [{{"item_id": {}, "facility_id": {a}, "quantity": 99999999999999999999}}]}}"#,
        items[0]
    );
    let (status, body) = server
        .admin_client()
        .raw(
            reqwest::Method::PUT,
            &path("/shares"),
            "application/json",
            huge.into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = server
        .put(
            &path("/shares"),
            &json!({"shares": [{"item_id": items[1], "facility_id": a, "quantity": 4}]}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "over the item's quantity: {body}"
    );
    assert!(
        server.get_ok(&path("")).await["items"][0]["shares"]
            .as_array()
            .expect("shares")
            .is_empty()
    );

    // A partial allocation: 受注 refused.
    let partial = json!({"shares": [
        {"item_id": items[0], "facility_id": a, "quantity": 1}, {"item_id": items[0], "facility_id": b, "quantity": 1},
        {"item_id": items[1], "facility_id": a, "quantity": 1}, {"item_id": items[1], "facility_id": b, "quantity": 1},
        {"item_id": items[1], "facility_id": c, "quantity": 1}, {"item_id": items[2], "facility_id": c, "quantity": 5}]});
    let (status, allocated) = server.put(&path("/shares"), &partial).await;
    assert_eq!(status, StatusCode::OK, "{allocated}");
    assert_eq!(
        allocated["allocation_problems"][0]["code"], "short",
        "{allocated}"
    );
    let (status, body) = server
        .post(
            &path("/status"),
            &json!({"status": "ordered", "on": "2026-11-10"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "allocation_incomplete");
    let mut full = partial.clone();
    full["shares"][5]["quantity"] = json!(10);
    let (status, allocated) = server.put(&path("/shares"), &full).await;
    assert_eq!(status, StatusCode::OK, "{allocated}");
    assert_eq!(allocated["allocation_problems"], json!([]), "{allocated}");

    // Facility staff see only their own shares, and only orders they have a share in.
    let seen_by_b = d.staff[1].get_ok("/api/v1/orders").await;
    assert_eq!(seen_by_b.as_array().map(Vec::len), Some(1), "{seen_by_b}");
    let mine = &seen_by_b[0];
    for item in mine["items"].as_array().expect("items") {
        for s in item["shares"].as_array().expect("shares") {
            assert_eq!(s["facility_id"], b, "{mine}");
        }
    }
    assert_eq!(
        (&mine["total"], &mine["paid"]),
        (&json!(1120), &json!(0)),
        "{mine}"
    );
    assert_eq!(
        (&mine["items"][1]["quantity"], &mine["items"][1]["amount"]),
        (&json!(1), &json!(1000)),
        "its own part of the item, not the whole: {mine}"
    );
    assert_eq!(mine["payables"].as_array().map(Vec::len), Some(1), "{mine}");
    assert!(!mine.to_string().contains("Cベーカリー"), "{mine}");
    let (status, _) = d.staff[1].get(&format!("/api/v1/orders/{}", other["id"])).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an order without a share of theirs"
    );
    let (status, _) = d.staff[0].get(&path("/invoice")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // B cannot answer A's share, nor its own through another order's path.
    let a_print = share_id(&allocated, items[1], a);
    let b_print = share_id(&allocated, items[1], b);
    let (status, _) = d.staff[1]
        .post(
            &path(&format!("/shares/{a_print}/answer")),
            &json!({"answer": "decline", "reason": "乗っ取り"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = d.staff[1]
        .post(
            &format!("/api/v1/orders/{}/shares/{b_print}/answer", other["id"]),
            &json!({"answer": "confirm"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // B declines its printing share: back to the desk, 受注 refused until re-allocated.
    let (status, body) = d.staff[1]
        .post(
            &path(&format!("/shares/{b_print}/answer")),
            &json!({"answer": "decline"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a decline needs a reason: {body}"
    );
    let (status, declined) = d.staff[1]
        .post(
            &path(&format!("/shares/{b_print}/answer")),
            &json!({"answer": "decline", "reason": "印刷機の故障"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{declined}");
    let desk_view = server.get_ok(&path("")).await;
    assert_eq!(
        desk_view["allocation_problems"][0]["code"], "declined",
        "{desk_view}"
    );
    let (status, body) = server.post(&path("/status"), &json!({"status": "ordered"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "allocation_incomplete");
    let mut again = full.clone();
    again["shares"][2]["quantity"] = json!(2);
    again["shares"].as_array_mut().expect("shares").remove(3);
    let (status, reallocated) = server.put(&path("/shares"), &again).await;
    assert_eq!(status, StatusCode::OK, "{reallocated}");
    assert_eq!(reallocated["allocation_problems"], json!([]), "{reallocated}");
    let (status, ordered) = server
        .post(
            &path("/status"),
            &json!({"status": "ordered", "on": "2026-11-10"}),
        )
        .await;
    assert_eq!(
        (status, &ordered["ordered_on"]),
        (StatusCode::OK, &json!("2026-11-10")),
        "{ordered}"
    );
    // Once ordered, the allocation must stay complete.
    let (status, body) = server.put(&path("/shares"), &partial).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // The fee may change until the payout: 0% for a moment, then back as it was.
    let (status, body) = server
        .put(
            &path("/fee"),
            &json!({"fee": {"kind": "percent", "basis_points": 0}}),
        )
        .await;
    assert_eq!(
        (status, &payable(&body, a)["fee"]),
        (StatusCode::OK, &json!(0)),
        "{body}"
    );
    let fee_back = json!({"fee": {"kind": "percent", "basis_points": 1050},
        "fee_overrides": [{"facility_id": c, "fee": {"kind": "fixed", "yen": 500}}]});
    let (status, body) = server.put(&path("/fee"), &fee_back).await;
    assert_eq!(
        (status, &payable(&body, c)["fee"]),
        (StatusCode::OK, &json!(500)),
        "{body}"
    );
    let (status, body) = server
        .put(
            &path("/fee"),
            &json!({"fee": {"kind": "percent", "basis_points": 1050},
            "fee_overrides": [{"facility_id": c, "fee": {"kind": "fixed", "yen": 1}},
                              {"facility_id": c, "fee": {"kind": "fixed", "yen": 2}}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), vec!["fee_overrides[1].facility_id"]);

    // 納品済 needs every share confirmed.
    let (status, body) = server
        .post(&path("/status"), &json!({"status": "delivered"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "shares_unconfirmed");
    for (n, facility) in d.facilities.iter().enumerate() {
        let view = d.staff[n].get_ok(&path("")).await;
        for item in view["items"].as_array().expect("items") {
            for s in item["shares"].as_array().expect("shares") {
                assert_eq!(s["facility_id"], *facility);
                let (status, body) = d.staff[n]
                    .post(
                        &path(&format!("/shares/{}/answer", s["id"])),
                        &json!({"answer": "confirm"}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        }
    }
    let (status, body) = server
        .post(
            &path("/status"),
            &json!({"status": "delivered", "on": "2026-11-09"}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["on".to_string()]),
        "delivered before ordered"
    );
    let (status, body) = server
        .post(
            &path("/status"),
            &json!({"status": "delivered", "on": "2026-11-20"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = server
        .post(
            &path("/status"),
            &json!({"status": "invoiced", "on": "2026-11-21"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // 請求書: A and B as qualified lines with tax once per rate; C apart without tax.
    let invoice = server.get_ok(&path("/invoice")).await;
    assert_eq!(invoice["registration_number"], "T3700000000001");
    assert_eq!(invoice["recipient"], "群馬県知事");
    assert_eq!(invoice["issued_on"], "2026-11-21");
    let by_rate = &invoice["figures"]["by_rate"];
    // 10%: A's 2 × ¥1,000 → 2,000×10/110 = 181.8 → 181.
    assert_eq!(
        (&by_rate[0]["rate"], &by_rate[0]["total"], &by_rate[0]["tax"]),
        (&json!("standard"), &json!(2000), &json!(181))
    );
    // 8%: A's ¥120 and B's ¥120: per line 8 + 8 = 16; once per rate 240×8/108 = 17.7 → 17.
    assert_eq!(
        (&by_rate[1]["rate"], &by_rate[1]["total"], &by_rate[1]["tax"]),
        (&json!("reduced"), &json!(240), &json!(17))
    );
    let reduced_lines: Vec<&Value> = invoice["figures"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| l["tax_rate"] == "reduced" && l["qualified"] == true)
        .collect();
    assert_eq!(reduced_lines.len(), 2);
    assert!(reduced_lines.iter().all(|l| l["reduced_mark"] == true));
    let per_line: i64 = reduced_lines
        .iter()
        .map(|l| l["amount"].as_i64().unwrap_or(0) * 8 / 108)
        .sum();
    assert_eq!(per_line, 16, "per-line rounding would differ");
    let apart = &invoice["figures"]["non_qualified"];
    assert_eq!(apart.as_array().map(Vec::len), Some(1), "{invoice}");
    assert_eq!(
        (&apart[0]["facility_id"], &apart[0]["total"]),
        (&json!(c), &json!(6000))
    );
    assert_eq!(invoice["figures"]["total"], 8240);

    // 入金: partial, retried, reused key, over the balance, then the rest.
    let first = json!({"id": uuid::Uuid::now_v7(), "received_on": "2026-11-25", "amount": 3000});
    let (status, paid) = server.post(&path("/payments"), &first).await;
    assert_eq!(
        (status, &paid["status"], &paid["paid"]),
        (StatusCode::CREATED, &json!("invoiced"), &json!(3000)),
        "{paid}"
    );
    let (status, paid) = server.post(&path("/payments"), &first).await;
    assert_eq!(
        (status, &paid["paid"]),
        (StatusCode::CREATED, &json!(3000)),
        "a retry is the same payment"
    );
    let mut reused = first.clone();
    reused["amount"] = json!(100);
    let (status, body) = server.post(&path("/payments"), &reused).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "payment_id_reused");
    let (status, body) = server
        .post(
            &path("/payments"),
            &json!({"id": uuid::Uuid::now_v7(), "received_on": "2026-11-26", "amount": 5241}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), vec!["amount"]);
    let (status, body) = server
        .post(&format!("/api/v1/orders/{}/payments", other["id"]), &first)
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "this payment's id on another order: {body}"
    );
    assert_error(&body, "payment_id_reused");
    let (status, paid) = server
        .post(
            &path("/payments"),
            &json!({"id": uuid::Uuid::now_v7(), "received_on": "2026-11-27", "amount": 5240}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    assert_eq!(
        (&paid["status"], &paid["paid_on"]),
        (&json!("paid"), &json!("2026-11-27")),
        "{paid}"
    );

    // 支払: the fee per facility, rounded down; C's fixed fee.
    let (status, out) = server
        .post(&path("/payout"), &json!({"paid_out_on": "2026-11-30"}))
        .await;
    assert_eq!(
        (status, &out["status"]),
        (StatusCode::OK, &json!("paid_out")),
        "{out}"
    );
    // A: 120 + 2,000 = 2,120 × 10.5% = 222.6 → 222; tax 222×10/110 = 20.2 → 20.
    let pa = payable(&out, a);
    assert_eq!(
        (&pa["net"], &pa["fee"], &pa["fee_tax"], &pa["payable"]),
        (&json!(2120), &json!(222), &json!(20), &json!(1898))
    );
    let pb = payable(&out, b);
    assert_eq!(
        (&pb["net"], &pb["fee"], &pb["payable"]),
        (&json!(120), &json!(12), &json!(108))
    );
    let pc = payable(&out, c);
    assert_eq!(
        (&pc["net"], &pc["fee"], &pc["fee_tax"], &pc["payable"]),
        (&json!(6000), &json!(500), &json!(45), &json!(5500))
    );
    let (status, _) = server
        .post(&path("/payout"), &json!({"paid_out_on": "2026-11-30"}))
        .await;
    assert_eq!(status, StatusCode::OK, "the same payout again");

    // The lock: every change refused with one clear code, except the adjustment.
    let writes = [
        (reqwest::Method::PUT, path(""), order_body(c)),
        (reqwest::Method::PUT, path("/shares"), full.clone()),
        (
            reqwest::Method::POST,
            path("/status"),
            json!({"status": "cancelled", "reason": "取り消し"}),
        ),
        (
            reqwest::Method::POST,
            path("/payments"),
            json!({"id": uuid::Uuid::now_v7(), "received_on": "2026-12-01", "amount": 1}),
        ),
        (
            reqwest::Method::POST,
            path("/payout"),
            json!({"paid_out_on": "2026-12-01"}),
        ),
        (
            reqwest::Method::PUT,
            path("/fee"),
            json!({"fee": {"kind": "percent", "basis_points": 0}}),
        ),
        (
            reqwest::Method::POST,
            path(&format!("/shares/{a_print}/answer")),
            json!({"answer": "decline", "reason": "x"}),
        ),
    ];
    for (method, p, body) in &writes {
        let (status, answer) = server.admin_client().request(method.clone(), p, Some(body)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{method} {p}: {answer}");
        assert_error(&answer, "order_paid_out");
    }
    let adjustment =
        json!({"id": uuid::Uuid::now_v7(), "facility_id": b, "amount": 100, "reason": "送料の精算漏れ"});
    let (status, adjusted) = server.post(&path("/adjustments"), &adjustment).await;
    assert_eq!(status, StatusCode::CREATED, "{adjusted}");
    assert_eq!(payable(&adjusted, b)["payable"], 208);
    let (status, again) = server.post(&path("/adjustments"), &adjustment).await;
    assert_eq!(
        (status, &payable(&again, b)["payable"]),
        (StatusCode::CREATED, &json!(208)),
        "a retry"
    );
    let (status, body) = server
        .post(&path("/adjustments"), &json!({"id": uuid::Uuid::now_v7(), "facility_id": d.facilities[0] + 1000, "amount": 100, "reason": "x"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let audit = server.get_ok("/api/v1/audit?entity=order").await;
    let actions: Vec<&str> = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for kind in [
        "order.create",
        "order.status",
        "order.allocate",
        "order.share_decline",
        "order.share_confirm",
        "order.payment",
        "order.payout",
        "order.adjust",
    ] {
        assert!(actions.contains(&kind), "{kind} not audited: {actions:?}");
    }

    // 支払明細 of A for November, JSON and CSV; B may not read A's.
    let statement = d.staff[0]
        .get_ok(&format!("/api/v1/orders/payouts?facility_id={a}&month=2026-11"))
        .await;
    assert_eq!(
        statement["lines"].as_array().map(Vec::len),
        Some(1),
        "{statement}"
    );
    assert_eq!(
        (&statement["fee"], &statement["fee_tax"], &statement["payable"]),
        (&json!(222), &json!(20), &json!(1898))
    );
    assert_eq!(statement["fee_by_rate"][0]["rate"], "standard");
    let (status, csv) = d.staff[0]
        .get_bytes(&format!(
            "/api/v1/orders/payouts?facility_id={a}&month=2026-11&format=csv"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM");
    assert!(String::from_utf8_lossy(&csv).contains("1898"));
    let (status, _) = d.staff[1]
        .get(&format!("/api/v1/orders/payouts?facility_id={a}&month=2026-11"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let december = server
        .get_ok(&format!("/api/v1/orders/payouts?facility_id={a}&month=2026-12"))
        .await;
    assert_eq!(december["lines"], json!([]));

    // The prefecture's yearly report: FY2026 by 受注日, government apart.
    let report = server.get_ok("/api/v1/orders/report?fiscal_year=2026").await;
    assert_eq!(
        (
            &report["total"]["government"],
            &report["total"]["government_orders"]
        ),
        (&json!(8240), &json!(1)),
        "{report}"
    );
    assert_eq!(report["total"]["private"], 0);
    let row_a = report["facilities"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["facility_id"] == a)
        .expect("A");
    assert_eq!(row_a["figures"]["government"], 2120);
    let (status, csv) = server
        .admin_client()
        .get_bytes("/api/v1/orders/report?fiscal_year=2026&format=csv")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM");
    assert!(String::from_utf8_lossy(&csv).contains("官公需"));
    let empty = server.get_ok("/api/v1/orders/report?fiscal_year=2025").await;
    assert_eq!(empty["total"]["total"], 0);

    // The wage feed: A's November shows its joint-order income apart from event sales.
    let wages = d.staff[0]
        .get_ok(&format!("/api/v1/facilities/{a}/wages?fiscal_year=2026"))
        .await;
    let november = wages["months"]
        .as_array()
        .expect("months")
        .iter()
        .find(|m| m["month"] == 11)
        .expect("Nov");
    assert_eq!(
        (&november["joint_order_income"], &november["council_sales"]),
        (&json!(2120), &json!(0)),
        "{november}"
    );
    assert_eq!(wages["joint_order_income"], 2120);
});

db_test!(
    orders_refuse_bad_moves_and_suggest_from_capacity,
    demo = false,
    |server| {
        let d = desk(&server).await;
        let (a, b) = (d.facilities[0], d.facilities[1]);
        // Capacities: A by its own staff, B by the council; A may not declare for B.
        let cap = |facility: i64, quantity: i64| json!({"facility_id": facility, "work": "弁 当", "starts_on": "2026-11-01", "ends_on": "2026-11-30", "quantity": quantity});
        let (status, list) = d.staff[0].post("/api/v1/orders/capacities", &cap(a, 300)).await;
        assert_eq!(status, StatusCode::CREATED, "{list}");
        let (status, _) = d.staff[0].post("/api/v1/orders/capacities", &cap(b, 300)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        server.created("/api/v1/orders/capacities", &cap(b, 100)).await;
        let mine = d.staff[0].get_ok("/api/v1/orders/capacities").await;
        assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");

        let order = server
        .created("/api/v1/orders", &json!({
            "subject": "弁当", "buyer": {"name": "株式会社テスト", "kind": "company"},
            "deliveries": [{"on": "2026-11-20", "place": "本社"}],
            "items": [{"description": "弁当", "unit": "個", "quantity": 500, "unit_price": 540, "tax_rate": "reduced"}],
            "fee": {"kind": "percent", "basis_points": 1000}}))
        .await;
        let id = order["id"].as_i64().expect("id");
        let suggestion = server.get_ok(&format!("/api/v1/orders/{id}/suggestion")).await;
        let shares: Vec<(i64, i64)> = suggestion[0]["shares"]
            .as_array()
            .expect("shares")
            .iter()
            .map(|s| {
                (
                    s["facility_id"].as_i64().unwrap_or(0),
                    s["quantity"].as_i64().unwrap_or(0),
                )
            })
            .collect();
        assert_eq!(shares, vec![(a, 300), (b, 100)], "{suggestion}");
        assert_eq!(suggestion[0]["unallocated"], 100);
        let explanation = suggestion[0]["explanation"].as_str().expect("explanation");
        assert!(
            explanation.contains("申告能力") && explanation.contains("100個が未割り振り"),
            "{explanation}"
        );

        // Bad moves: 入金済 by hand, 失注 without a reason, payments before the invoice.
        let status_path = format!("/api/v1/orders/{id}/status");
        let (status, body) = server.post(&status_path, &json!({"status": "paid"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_error(&body, "order_status");
        let (status, body) = server.post(&status_path, &json!({"status": "lost"})).await;
        assert_eq!(
            (status, error_fields(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_string()])
        );
        let (status, body) = server
            .post(
                &format!("/api/v1/orders/{id}/payments"),
                &json!({"id": uuid::Uuid::now_v7(), "received_on": "2026-11-25", "amount": 1}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        // Catalogue goods keep their rate; unknown products are refused.
        let products = server.get_ok(&format!("/api/v1/products?facility_id={a}")).await;
        let cookie = products[0]["id"].as_i64().expect("product");
        let mut body = order_body(d.facilities[2]);
        body["items"][0]["product_id"] = json!(cookie);
        body["items"][0]["tax_rate"] = json!("standard");
        body["items"][1]["product_id"] = json!(cookie + 1000);
        let (status, answer) = server.post("/api/v1/orders", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(
            error_fields(&answer),
            vec!["items[0].tax_rate", "items[1].product_id"]
        );
        body["items"][0]["tax_rate"] = json!("reduced");
        body["items"][1]["product_id"] = json!(null);
        let (status, answer) = server.post("/api/v1/orders", &body).await;
        assert_eq!(
            (status, &answer["items"][0]["product_id"]),
            (StatusCode::CREATED, &json!(cookie)),
            "{answer}"
        );
        // Items of another order may not be named in an update.
        let other = server
            .created("/api/v1/orders", &order_body(d.facilities[2]))
            .await;
        let mut body = order_body(d.facilities[2]);
        body["items"][0]["id"] = other["items"][0]["id"].clone();
        let (status, answer) = server.put(&format!("/api/v1/orders/{id}"), &body).await;
        assert_eq!(
            (status, error_fields(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["items[0].id".to_string()])
        );
        let (status, lost) = server
            .post(
                &status_path,
                &json!({"status": "lost", "reason": "価格で他社に決定"}),
            )
            .await;
        assert_eq!(
            (status, &lost["status"], &lost["status_reason"]),
            (StatusCode::OK, &json!("lost"), &json!("価格で他社に決定"))
        );
        let (status, _) = server.post(&status_path, &json!({"status": "quoted"})).await;
        assert_eq!(status, StatusCode::CONFLICT, "lost is final");
        let report = server.get_ok("/api/v1/orders/report?fiscal_year=2026").await;
        assert_eq!(report["total"]["total"], 0, "lost orders are not received");
    }
);

db_test!(racing_payments_are_recorded_once, demo = false, |server| {
    let d = desk(&server).await;
    let (a, c) = (d.facilities[0], d.facilities[2]);
    let mut body = order_body(c);
    body["items"] = json!([{"description": "清掃作業", "unit": "時間", "quantity": 10, "unit_price": 2200, "tax_rate": "standard"}]);
    let order = server.created("/api/v1/orders", &body).await;
    let id = order["id"].as_i64().expect("id");
    let item = item_ids(&order)[0];
    let path = |tail: &str| format!("/api/v1/orders/{id}{tail}");
    let (status, body) = server
        .put(
            &path("/shares"),
            &json!({"shares": [{"item_id": item, "facility_id": a, "quantity": 10}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let share = share_id(&body, item, a);
    let (status, _) = d.staff[0]
        .post(
            &path(&format!("/shares/{share}/answer")),
            &json!({"answer": "confirm"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for (step, on) in [
        ("ordered", "2026-11-02"),
        ("delivered", "2026-11-05"),
        ("invoiced", "2026-11-06"),
    ] {
        let (status, body) = server
            .post(&path("/status"), &json!({"status": step, "on": on}))
            .await;
        assert_eq!(status, StatusCode::OK, "{step}: {body}");
    }
    // The same payment sent five times at once: recorded once.
    let same = json!({"id": uuid::Uuid::now_v7(), "received_on": "2026-11-20", "amount": 1000});
    let payments = path("/payments");
    let answers = futures::future::join_all((0..5).map(|_| server.post(&payments, &same))).await;
    for (status, answer) in &answers {
        assert_eq!(*status, StatusCode::CREATED, "{answer}");
    }
    let after = server.get_ok(&path("")).await;
    assert_eq!(
        (&after["paid"], after["payments"].as_array().map(Vec::len)),
        (&json!(1000), Some(1)),
        "{after}"
    );
    // Two payments of the whole balance at once: one is taken, the other refused; never overpaid.
    let rest = |day: &str| json!({"id": uuid::Uuid::now_v7(), "received_on": day, "amount": 21000});
    let (first, second) = (rest("2026-11-21"), rest("2026-11-22"));
    let (one, two) = tokio::join!(server.post(&payments, &first), server.post(&payments, &second));
    let mut statuses = [one.0, two.0];
    statuses.sort();
    // The second finds the order 入金済 (the first holds its row until it commits).
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} / {}",
        one.1,
        two.1
    );
    let refused = if one.0 == StatusCode::CONFLICT {
        &one.1
    } else {
        &two.1
    };
    assert_error(refused, "order_status");
    let after = server.get_ok(&path("")).await;
    assert_eq!(
        (&after["paid"], &after["status"]),
        (&json!(22000), &json!("paid")),
        "{after}"
    );
    // A payout and an adjustment racing: the adjustment is refused, or lands after the payout.
    let adjustment = json!({"id": uuid::Uuid::now_v7(), "facility_id": a, "amount": -100, "reason": "訂正"});
    let (payout_path, adjust_path) = (path("/payout"), path("/adjustments"));
    let payout_body = json!({"paid_out_on": "2026-11-30"});
    let (payout, adjust) = tokio::join!(
        server.post(&payout_path, &payout_body),
        server.post(&adjust_path, &adjustment)
    );
    assert_eq!(payout.0, StatusCode::OK, "{}", payout.1);
    let after = server.get_ok(&path("")).await;
    let adjustments = payable(&after, a)["adjustments_total"].as_i64().unwrap_or(0);
    match adjust.0 {
        StatusCode::CREATED => assert_eq!(adjustments, -100),
        StatusCode::CONFLICT => assert_eq!(adjustments, 0),
        other => panic!("adjustment: {other} {}", adjust.1),
    }
});
