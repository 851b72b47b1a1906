//! ギフト (中元・歳暮) over real HTTP, on SQLite and PostgreSQL: a season's catalogue imported
//! from the supplier's Shift_JIS CSV (a bad row: nothing written), an order with three
//! recipients paid at the till (a sale with its tender and receipt number), retried, orders on
//! invoice by facility staff and by the council, a recipient cancelled before the export, the
//! export's content, the commission split between the takers, each facility's statement,
//! facility staff seeing only their own, and hostile bodies refused with nothing written.

use reqwest::{Method, StatusCode};
use selpos_tests::{
    HeartBazaar, NewEvent, NewFacility, TestServer, World, assert_error, db_test, error_fields,
};
use serde_json::{Value, json};

async fn import(server: &TestServer, season: i64, csv: &[u8]) -> (StatusCode, Value) {
    server
        .raw(
            Method::POST,
            &format!("/api/v1/gifts/seasons/{season}/catalogue"),
            "text/csv",
            csv.to_vec(),
        )
        .await
}

fn sjis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable, "{text}");
    bytes.into_owned()
}

fn party(name: &str, postal_code: &str) -> Value {
    json!({"name": name, "postal_code": postal_code, "address": "群馬県前橋市大手町1-1-1", "phone": "027-123-4567"})
}

fn recipient(name: &str, item: &str, quantity: i64) -> Value {
    let mut r = party(name, "370-0801");
    r["item_code"] = json!(item);
    r["quantity"] = json!(quantity);
    r["noshi"] = json!({"omotegaki": "御歳暮", "name": "山田"});
    r["delivery_date"] = json!("2026-12-20");
    r
}

async fn count(server: &TestServer, table: &str) -> i64 {
    let mut tx = server.db().read().await.expect("tx");
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match &mut tx {
        selpos_server::db::Tx::Sqlite(c) => sqlx::query_scalar(&sql).fetch_one(&mut **c).await,
        selpos_server::db::Tx::Postgres(c) => sqlx::query_scalar(&sql).fetch_one(&mut **c).await,
    }
    .expect("count")
}

const CATALOGUE: &str = "商品コード,商品名,価格,税率,お届け開始日,お届け終了日\n\
    NH-50,本格派ハム詰合せ,\"¥5,400\",8%,2026/12/01,2026/12/25\n\
    NH-30,ハム・ソーセージ詰合せ,3240円,8,2026/12/01,2026/12/25\n\
    TW-10,タオルセット,3300,10%,2026/12/01,2026/12/25\n";

db_test!(gift_orders_from_till_to_supplier, demo = false, |server| {
    let till = HeartBazaar::open(World::on(&server)).await;
    let (a, b) = (till.facility_a, till.facility_b);
    // The council's own account, under which the till's gift sales are recorded.
    let account = server
        .created(
            "/api/v1/facilities",
            NewFacility::new(90, "協議会(ギフト取次)").body(),
        )
        .await["id"]
        .as_i64()
        .expect("id");

    // A season without an account yet; a wrong one is refused.
    let (status, body) = server
        .post(
            "/api/v1/gifts/seasons",
            &json!({"name": "", "supplier": "ニッポンハム", "commission": {"kind": "percent", "basis_points": 10_001}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["name", "commission"]);
    let season_body = json!({"name": "2026 お歳暮", "supplier": "ニッポンハム",
        "commission": {"kind": "percent", "basis_points": 1000}});
    let season = server.created("/api/v1/gifts/seasons", &season_body).await;
    let id = season["id"].as_i64().expect("season id");
    assert_eq!(season["state"], "open");

    // The supplier's catalogue, saved as Shift_JIS, with bad rows: nothing is written.
    let bad = format!(
        "{CATALOGUE}NH-99,高すぎる,9999999999,8,2026/12/01,2026/12/25\nNH-50,重複,100,5,2026/12/31,2026/12/01\n"
    );
    let (status, body) = import(&server, id, &sjis(&bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        error_fields(&body),
        [
            "rows[5].price",
            "rows[6].code",
            "rows[6].tax_rate",
            "rows[6].deliver_until"
        ]
    );
    assert!(body.to_string().contains("5行目"), "{body}");
    let read = server.get_ok(&format!("/api/v1/gifts/seasons/{id}")).await;
    assert_eq!(read["items"], json!([]), "a bad file wrote {read}");
    let (status, body) = import(&server, id, &sjis(CATALOGUE)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"], 3);
    assert_eq!(body["season"]["item_count"], 3);
    let read = server.get_ok(&format!("/api/v1/gifts/seasons/{id}")).await;
    assert_eq!(read["items"][0]["code"], "NH-30");
    assert_eq!(read["items"][1]["price"], 5_400);
    assert_eq!(read["items"][2]["tax_rate"], "standard");

    // An order with three recipients, paid at the till: 5,400 + 3,240 × 2 + 3,300.
    let sold_at = till.sale(json!([]), json!([]))["sold_at"].clone();
    let order_id = uuid::Uuid::now_v7();
    let mut order = json!({
        "id": order_id, "season_id": id, "taker_facility_id": a,
        "customer": party("山田太郎", "３７１－００２６"),
        "recipients": [recipient("佐藤花子", "NH-50", 1), recipient("鈴木一郎", "NH-30", 2), recipient("高橋次郎", "TW-10", 1)],
        "payment": {"kind": "till", "register_id": till.register, "sold_at": sold_at,
                    "tenders": [{"kind": "cash", "amount": 20_000}]}
    });
    // Not until the season names the account its till sales go under.
    let (status, body) = till.cashier.post("/api/v1/gifts/orders", &order).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "no_account_facility");
    assert_eq!(count(&server, "sales").await, 0);
    let mut with_account = season_body.clone();
    with_account["account_facility_id"] = json!(account);
    let (status, body) = server
        .put(&format!("/api/v1/gifts/seasons/{id}"), &with_account)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Short of the total: refused as the payment's, nothing written.
    order["payment"]["tenders"] = json!([{"kind": "cash", "amount": 15_000}]);
    let (status, body) = till.cashier.post("/api/v1/gifts/orders", &order).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["payment.tenders"]);
    assert_eq!(
        (count(&server, "sales").await, count(&server, "gift_orders").await),
        (0, 0)
    );

    order["payment"]["tenders"] = json!([{"kind": "cash", "amount": 20_000}]);
    let (status, taken) = till.cashier.post("/api/v1/gifts/orders", &order).await;
    assert_eq!(status, StatusCode::CREATED, "{taken}");
    assert_eq!(taken["number"], 1);
    assert_eq!(taken["total"], 15_180);
    assert_eq!(taken["payment"], "till");
    assert_eq!(taken["taker_name"], "A工房");
    assert_eq!(taken["customer"]["postal_code"], "371-0026");
    assert_eq!(taken["sale_id"], json!(order_id));
    assert_eq!(taken["recipients"].as_array().map(Vec::len), Some(3));
    assert_eq!(taken["recipients"][1]["amount"], 6_480);
    assert_eq!(taken["recipients"][1]["noshi"]["omotegaki"], "御歳暮");
    let receipt = taken["receipt_number"]
        .as_str()
        .expect("a receipt number")
        .to_string();
    // The sale, as any sale of the register: its lines under the council's account, its tender.
    let sale = till.cashier.get_ok(&format!("/api/v1/sales/{order_id}")).await;
    assert_eq!(sale["receipt_number"], receipt);
    assert_eq!(sale["total"], 15_180);
    assert_eq!(sale["change"], 4_820);
    assert_eq!(sale["tenders"], json!([{"kind": "cash", "amount": 20_000}]));
    let lines = sale["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|l| l["facility_id"] == json!(account)), "{sale}");
    assert_eq!(lines[2]["tax_rate"], "standard");
    // A retry (the tablet lost the answer) gets the same order; nothing more is written.
    let (status, again) = till.cashier.post("/api/v1/gifts/orders", &order).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again, taken);
    assert_eq!(
        (count(&server, "sales").await, count(&server, "gift_orders").await),
        (1, 1)
    );
    // Three copies of another order at once (a double tap and a retry): one order, one sale.
    let mut twice = order.clone();
    twice["id"] = json!(uuid::Uuid::now_v7());
    twice["taker_facility_id"] = Value::Null;
    twice["recipients"] = json!([recipient("中村", "NH-30", 1)]);
    twice["payment"]["tenders"] = json!([{"kind": "cash", "amount": 3_240}]);
    let answers =
        futures::future::join_all((0..3).map(|_| till.cashier.post("/api/v1/gifts/orders", &twice))).await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| s.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{answers:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 200), "{answers:?}");
    assert!(answers.iter().all(|(_, a)| a["number"] == 2), "{answers:?}");
    assert_eq!(
        (count(&server, "sales").await, count(&server, "gift_orders").await),
        (2, 2)
    );
    // Cancelled at once (the customer changed their mind): it stays out of the list.
    let cancelled_whole = server
        .post(
            &format!(
                "/api/v1/gifts/orders/{}/recipients/1/cancel",
                twice["id"].as_str().expect("id")
            ),
            &json!({"reason": "その場で取消"}),
        )
        .await;
    assert_eq!(cancelled_whole.0, StatusCode::OK, "{}", cancelled_whole.1);
    assert_eq!(cancelled_whole.1["total"], 0);
    // The order's id under another season is another record's.
    let mut elsewhere = order.clone();
    elsewhere["season_id"] = json!(id + 1);
    let (status, body) = till.cashier.post("/api/v1/gifts/orders", &elsewhere).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "id_in_use");

    // B's staff take an order on invoice (theirs whatever they leave out); the council one.
    let b_staff = server
        .new_user(
            &json!({"login": "b-staff", "display_name": "B職員", "role": "facility_staff",
                          "facility_id": b, "password": "b-staff-pass-1"}),
        )
        .await;
    let invoice = |recipients: Value| {
        json!({"id": uuid::Uuid::now_v7(), "season_id": id, "customer": party("株式会社ぐんま", "371-0801"),
               "recipients": recipients, "payment": {"kind": "invoice"}})
    };
    let b_order = b_staff
        .created(
            "/api/v1/gifts/orders",
            &invoice(json!([recipient("伊藤", "NH-50", 2)])),
        )
        .await;
    assert_eq!(
        (b_order["taker_facility_id"].clone(), b_order["number"].clone()),
        (json!(b), json!(3))
    );
    assert_eq!(b_order["receipt_number"], Value::Null);
    let council_order = server
        .created(
            "/api/v1/gifts/orders",
            &invoice(json!([recipient("渡辺", "TW-10", 1)])),
        )
        .await;
    assert_eq!(council_order["taker_name"], "協議会");

    // Hostile and wrong orders: every wrong field named, nothing written.
    let mut wrong = invoice(json!([
        recipient("小林", "NH-50", 0),
        recipient("加藤", "XX-1", 1),
        {"name": "", "postal_code": "1234", "address": "前橋市", "phone": "abc", "item_code": "NH-30", "quantity": 1,
         "delivery_date": "2027-01-10", "noshi": {"omotegaki": "", "name": "<b>x</b>"}}
    ]));
    wrong["customer"]["phone"] = json!("");
    let (status, body) = server.post("/api/v1/gifts/orders", &wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        error_fields(&body),
        [
            "customer.phone",
            "recipients[0].quantity",
            "recipients[1].item_code",
            "recipients[2].name",
            "recipients[2].postal_code",
            "recipients[2].phone",
            "recipients[2].noshi.omotegaki",
            "recipients[2].delivery_date",
        ]
    );
    for hostile in [
        br#"{"id": "not-a-uuid", "season_id": 1}"#.to_vec(),
        format!(
            r#"{{"id": "{}", "season_id": 99999999999999999999999}}"#,
            uuid::Uuid::now_v7()
        )
        .into_bytes(),
        br#"[1, 2]"#.to_vec(),
    ] {
        let (status, body) = server
            .raw(Method::POST, "/api/v1/gifts/orders", "application/json", hostile)
            .await;
        assert!(status.is_client_error(), "{status} {body}");
    }
    let mut hundred_and_one = invoice(json!([]));
    hundred_and_one["recipients"] = json!(vec![recipient("多数", "NH-30", 1); 101]);
    let (status, body) = server.post("/api/v1/gifts/orders", &hundred_and_one).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(count(&server, "gift_orders").await, 4);
    assert_eq!(count(&server, "gift_recipients").await, 6);

    // B's staff see their own order only, and touch nothing of A's.
    let seen = b_staff
        .get_ok(&format!("/api/v1/gifts/seasons/{id}/orders"))
        .await;
    assert_eq!(seen.as_array().map(Vec::len), Some(1), "{seen}");
    assert_eq!(seen[0]["id"], b_order["id"]);
    let (status, _) = b_staff.get(&format!("/api/v1/gifts/orders/{order_id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = b_staff
        .post(
            &format!("/api/v1/gifts/orders/{order_id}/recipients/1/cancel"),
            &json!({"reason": "取消"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = b_staff
        .get(&format!("/api/v1/gifts/seasons/{id}/statements/{a}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut for_a = invoice(json!([recipient("木村", "NH-50", 1)]));
    for_a["taker_facility_id"] = json!(a);
    let (status, _) = b_staff.post("/api/v1/gifts/orders", &for_a).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = b_staff.get(&format!("/api/v1/gifts/seasons/{id}/export")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let b_commission = b_staff
        .get_ok(&format!("/api/v1/gifts/seasons/{id}/commission"))
        .await;
    assert_eq!(
        b_commission["takers"].as_array().map(Vec::len),
        Some(1),
        "{b_commission}"
    );

    // A recipient cancelled before the export (the customer changed their mind).
    let cancel = format!("/api/v1/gifts/orders/{order_id}/recipients/2/cancel");
    let (status, body) = server.post(&cancel, &json!({"reason": " "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, cancelled) = server.post(&cancel, &json!({"reason": "お客様のご都合"})).await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["total"], 8_700);
    assert_eq!(cancelled["recipients"][1]["cancel_reason"], "お客様のご都合");
    let (status, body) = server.post(&cancel, &json!({"reason": "二度目"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "already_cancelled");

    // The export waits for the close; after it, no orders and no cancellations.
    let (status, body) = server.get(&format!("/api/v1/gifts/seasons/{id}/export")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "season_open");
    let closed = server
        .post(&format!("/api/v1/gifts/seasons/{id}/close"), &json!({}))
        .await;
    assert_eq!(closed.0, StatusCode::OK, "{}", closed.1);
    assert_eq!(closed.1["state"], "closed");
    let (status, body) = server
        .post(
            "/api/v1/gifts/orders",
            &invoice(json!([recipient("遅い", "NH-50", 1)])),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "season_closed");
    let (status, body) = server
        .post(
            &format!("/api/v1/gifts/orders/{order_id}/recipients/1/cancel"),
            &json!({"reason": "遅い"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "season_closed");

    // The supplier's order list: one row per recipient not cancelled, by 受付番号.
    let (status, bytes) = server
        .admin_client()
        .get_bytes(&format!("/api/v1/gifts/seasons/{id}/export"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes).expect("UTF-8");
    let text = text.strip_prefix('\u{feff}').expect("a BOM for Excel");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header, selpos_domain::gifts::EXPORT_COLUMNS);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let cells = |name: &str| -> Vec<&str> { rows.iter().map(|r| r[column(name)].as_str()).collect() };
    assert_eq!(cells("受付番号"), ["1-1", "1-3", "3-1", "4-1"]);
    assert_eq!(cells("取扱者"), ["A工房", "A工房", "B農園", "協議会"]);
    assert_eq!(cells("お届け先氏名"), ["佐藤花子", "高橋次郎", "伊藤", "渡辺"]);
    assert_eq!(cells("商品コード"), ["NH-50", "TW-10", "NH-50", "TW-10"]);
    assert_eq!(cells("数量"), ["1", "1", "2", "1"]);
    assert_eq!(cells("金額"), ["5400", "3300", "10800", "3300"]);
    assert_eq!(cells("依頼主郵便番号")[0], "371-0026");
    assert_eq!(cells("のし表書き")[0], "御歳暮");
    assert_eq!(cells("名入れ")[0], "山田");
    assert_eq!(cells("お届け希望日")[0], "2026/12/20");
    assert_eq!(
        cells("支払方法"),
        ["店頭支払済", "店頭支払済", "請求書", "請求書"]
    );
    // The same list in Shift_JIS, as the supplier's system reads it.
    let (status, sjis_bytes) = server
        .admin_client()
        .get_bytes(&format!("/api/v1/gifts/seasons/{id}/export?encoding=sjis"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (decoded, _, had_errors) = encoding_rs::SHIFT_JIS.decode(&sjis_bytes);
    assert!(!had_errors);
    assert_eq!(decoded, text);
    let (status, _) = server
        .get(&format!("/api/v1/gifts/seasons/{id}/export?encoding=latin1"))
        .await;
    assert!(status.is_client_error(), "{status}");

    // The commission split: 10 % of each taker's orders not cancelled, rounded down.
    let c = server
        .get_ok(&format!("/api/v1/gifts/seasons/{id}/commission"))
        .await;
    let takers: Vec<(Value, i64, i64, i64)> = c["takers"]
        .as_array()
        .expect("takers")
        .iter()
        .map(|t| {
            (
                t["facility_id"].clone(),
                t["deliveries"].as_i64().unwrap_or_default(),
                t["sales"].as_i64().unwrap_or_default(),
                t["commission"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        takers,
        [
            (Value::Null, 1, 3_300, 330),
            (json!(a), 2, 8_700, 870),
            (json!(b), 1, 10_800, 1_080)
        ]
    );
    assert_eq!(
        (c["total_sales"].clone(), c["total_commission"].clone()),
        (json!(22_800), json!(2_280))
    );
    let (status, csv_bytes) = server
        .admin_client()
        .get_bytes(&format!("/api/v1/gifts/seasons/{id}/commission?format=csv"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv_text = String::from_utf8(csv_bytes).expect("UTF-8");
    assert!(
        csv_text.contains("A工房,") && csv_text.contains(",870"),
        "{csv_text}"
    );

    // The commission is each taking facility's income in the month the season closed (not
    // the council's own part), in the one place that adds up the council's channels.
    let closed_on = selpos_domain::events::tokyo_date(
        closed.1["closed_at"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .expect("closed_at"),
    );
    let (year, month) = (
        chrono::Datelike::year(&closed_on),
        chrono::Datelike::month(&closed_on),
    );
    let fiscal_year = if month >= 4 { year } else { year - 1 };
    let income = server
        .get_ok(&format!("/api/v1/income?fiscal_year={fiscal_year}"))
        .await;
    let gifts_of = |facility: i64| {
        income["facilities"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["facility_id"] == facility))
            .and_then(|f| f["months"].as_array())
            .and_then(|m| m.iter().find(|m| m["year"] == year && m["month"] == month))
            .map(|m| m["amounts"]["gifts"].clone())
    };
    assert_eq!(gifts_of(a), Some(json!(870)), "{income}");
    assert_eq!(gifts_of(b), Some(json!(1_080)), "{income}");
    assert_eq!(income["totals"]["gifts"], 1_950, "{income}");

    // A's statement: its order, the recipient cancelled shown as such, its commission.
    let statement = server
        .get_ok(&format!("/api/v1/gifts/seasons/{id}/statements/{a}"))
        .await;
    assert_eq!(
        (
            statement["deliveries"].clone(),
            statement["sales"].clone(),
            statement["commission"].clone()
        ),
        (json!(2), json!(8_700), json!(870))
    );
    assert_eq!(statement["orders"].as_array().map(Vec::len), Some(1));
    assert!(
        statement["orders"][0]["recipients"][1]["cancelled_at"].is_string(),
        "{statement}"
    );

    // The pages render (the server renders their frame; the data comes in the browser).
    for page in [
        "/gifts".to_string(),
        "/gifts/new".to_string(),
        format!("/gifts/{id}"),
        format!("/gifts/{id}/statement/{a}"),
    ] {
        let (status, html) = server.admin_client().get_bytes(&page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(String::from_utf8_lossy(&html).contains("<html"), "{page}");
    }

    // A name Shift_JIS cannot write is refused by name in that encoding, never sent wrong;
    // the UTF-8 list carries it.
    let other = server
        .created(
            "/api/v1/gifts/seasons",
            &json!({"name": "2027 お中元", "supplier": "ニッポンハム", "commission": {"kind": "fixed", "yen": 300}}),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    let (status, body) = import(&server, other, CATALOGUE.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut emoji = invoice(json!([recipient("🎁 佐藤", "NH-50", 1)]));
    emoji["season_id"] = json!(other);
    server.created("/api/v1/gifts/orders", &emoji).await;
    server
        .post(&format!("/api/v1/gifts/seasons/{other}/close"), &json!({}))
        .await;
    let (status, body) = server
        .get(&format!("/api/v1/gifts/seasons/{other}/export?encoding=sjis"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(assert_error(&body, "not_shift_jis").contains("1-1"), "{body}");
    let (status, bytes) = server
        .admin_client()
        .get_bytes(&format!("/api/v1/gifts/seasons/{other}/export"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&bytes).contains("🎁 佐藤"));
    // ¥300 per delivery.
    let fixed = server
        .get_ok(&format!("/api/v1/gifts/seasons/{other}/commission"))
        .await;
    assert_eq!(fixed["total_commission"], 300, "{fixed}");

    // Every change is in the audit log.
    let audit = server.get_ok("/api/v1/audit?action=gift").await;
    let actions: Vec<&str> = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "gift.season_create",
        "gift.season_update",
        "gift.import",
        "gift.order",
        "gift.cancel",
        "gift.season_close",
    ] {
        assert!(actions.contains(&action), "{action} missing from {actions:?}");
    }
});

db_test!(
    a_gift_order_names_only_its_own_till_and_a_fresh_id,
    demo = false,
    |server| {
        let till = HeartBazaar::open(World::on(&server).event(NewEvent::bazaar("HB26").registers(2))).await;
        let account = server
            .created(
                "/api/v1/facilities",
                NewFacility::new(91, "協議会(ギフト)").body(),
            )
            .await["id"]
            .as_i64()
            .expect("id");
        let season = server
            .created(
                "/api/v1/gifts/seasons",
                &json!({"name": "2026 お歳暮", "supplier": "ニッポンハム", "account_facility_id": account,
                    "commission": {"kind": "percent", "basis_points": 1000}}),
            )
            .await["id"]
            .as_i64()
            .expect("season id");
        let (status, body) = import(&server, season, CATALOGUE.as_bytes()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let sold_at = till.sale(json!([]), json!([]))["sold_at"].clone();
        let order = |id: Value, register: i64| {
            json!({"id": id, "season_id": season, "taker_facility_id": till.facility_a,
                "customer": party("山田太郎", "371-0026"), "recipients": [recipient("佐藤花子", "NH-30", 1)],
                "payment": {"kind": "till", "register_id": register, "sold_at": sold_at,
                            "tenders": [{"kind": "cash", "amount": 3_240}]}})
        };

        // Register 2's id from register 1's tablet: refused, nothing written.
        let (status, body) = till
            .cashier
            .post(
                "/api/v1/gifts/orders",
                &order(json!(uuid::Uuid::now_v7()), till.registers[1]),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "another register's till: {body}");
        assert_eq!(
            (count(&server, "sales").await, count(&server, "gift_orders").await),
            (0, 0)
        );

        // An ordinary sale's id sent as a gift order's: refused, the sale left as it was.
        let sale = till
            .record(&till.sale(
                json!([{"product_id": till.cookie, "quantity": 1, "unit_price": 120}]),
                json!([{"kind": "cash", "amount": 120}]),
            ))
            .await;
        let (status, body) = till
            .cashier
            .post("/api/v1/gifts/orders", &order(sale["id"].clone(), till.register))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_error(&body, "id_in_use");
        assert_eq!(
            (count(&server, "sales").await, count(&server, "gift_orders").await),
            (1, 0)
        );

        // Its own register: taken.
        let (status, body) = till
            .cashier
            .post(
                "/api/v1/gifts/orders",
                &order(json!(uuid::Uuid::now_v7()), till.register),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        // The event's settlement lists the gift money apart, with no commission on it: it is the
        // supplier's, and the council's income is the supplier's commission at the season's close.
        let settlement = server
            .get_ok(&format!("/api/v1/events/{}/settlement", till.event))
            .await;
        let facilities = settlement["facilities"].as_array().expect("facilities");
        let last = facilities.last().expect("a line");
        assert_eq!(
            last["facility_id"], account,
            "listed after the facilities: {settlement}"
        );
        assert_eq!(
            (
                &last["gift_account"],
                &last["net"],
                &last["commission"],
                &last["payable"]
            ),
            (&json!(true), &json!(3_240), &json!(0), &json!(3_240))
        );
        assert!(
            facilities[..facilities.len() - 1]
                .iter()
                .all(|f| f["gift_account"] == false)
        );
        assert_eq!(
            settlement["totals"]["net"], 3_360,
            "in the totals, which meet the journal"
        );

        // Settled, the event feeds wages: the facility's cookie, not the supplier's money.
        till.close_and_settle(&server).await;
        // The sales are dated 28 November 2026: fiscal year 2026.
        for (facility, sold) in [(till.facility_a, 120), (account, 0)] {
            let wages = server
                .get_ok(&format!("/api/v1/facilities/{facility}/wages?fiscal_year=2026"))
                .await;
            assert_eq!(
                wages["council_sales"], sold,
                "the gift money is nobody's wage income: {wages}"
            );
        }
    }
);
