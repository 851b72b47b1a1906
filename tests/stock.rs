//! Consignment stock over real HTTP: operations, counts, oversell, and the invariant that the
//! stock of every product at every location is the sum of its movements.

use reqwest::{Method, StatusCode};
use selpos_tests::{
    ApiClient, Cashier, NewEvent, NewFacility, NewProduct, TestServer, Till, World, db_test, error_fields,
};
use serde_json::{Value, json};

/// List prices of the setup's three products.
const PRICES: [i64; 3] = [120, 300, 450];

/// Facility A with three products at [`PRICES`] and facility B with none, both at the bazaar
/// BZ (with the cashier on a tablet of its register R1); A also at the shop SHOP.
async fn set_up(server: &TestServer) -> Till {
    let event = |code: &str| NewEvent::bazaar(code).name(code);
    World::on(server)
        .facilities([
            NewFacility::new(1, "A").capacity(9),
            NewFacility::new(2, "B").capacity(9),
        ])
        .products(
            PRICES
                .iter()
                .enumerate()
                .map(|(i, price)| NewProduct::reduced(0, format!("商品{i}"), *price)),
        )
        .event(event("BZ"))
        .other_event(event("SHOP").participants([0]))
        .cashier(Cashier::new("vol", "V", "2468"))
        .device("T")
        .open_till()
        .await
}

/// Records a stock operation at `event` as the test administrator.
async fn operate(server: &TestServer, event: i64, body: Value) -> Value {
    server
        .created(&format!("/api/v1/events/{event}/stock"), &body)
        .await
}

fn operation(kind: &str, facility: i64, lines: &[(i64, i64)]) -> Value {
    json!({"id": uuid::Uuid::now_v7(), "kind": kind, "facility_id": facility, "note": "テスト",
        "lines": lines.iter().map(|(p, q)| json!({"product_id": p, "quantity": q})).collect::<Vec<_>>()})
}

async fn sell(s: &Till, product: i64, quantity: i64) -> Value {
    let product = s
        .products
        .iter()
        .find(|p| p.id == product)
        .expect("a product of the setup");
    s.record(&s.cash_sale(product, quantity)).await
}

fn product(stock: &Value, id: i64) -> &Value {
    stock["products"]
        .as_array()
        .expect("products")
        .iter()
        .find(|p| p["product_id"] == id)
        .expect("product")
}

/// Every product at every location: the stock the API shows equals the sum of its movements.
async fn assert_stock_is_sum_of_movements(server: &TestServer, s: &Till) {
    let mut tx = server.db().read().await.expect("tx");
    for event in [s.event, s.other_events[0]] {
        let stock = server.get_ok(&format!("/api/v1/events/{event}/stock")).await;
        for p in stock["products"].as_array().expect("products") {
            let id = p["product_id"].as_i64().expect("id");
            let sum = selpos_server::db::sales::stock_at_event(&mut tx, id, event)
                .await
                .expect("sum");
            assert_eq!(
                p["on_hand"].as_i64(),
                Some(sum),
                "[{}] product {id} at event {event}: {p}",
                server.kind
            );
            let f = |k: &str| p[k].as_i64().unwrap_or(0);
            assert_eq!(
                f("brought") - f("sold") + f("refunded") - f("taken_out") + f("adjusted"),
                f("on_hand"),
                "{p}"
            );
        }
    }
}

db_test!(intake_sales_returns_and_counts_add_up, demo = false, |server| {
    let s = set_up(&server).await;
    let [a, b, c] = [s.products[0].id, s.products[1].id, s.products[2].id];
    let stock = operate(
        &server,
        s.event,
        operation("intake", s.facilities[0], &[(a, 10), (b, 4), (c, 2)]),
    )
    .await;
    assert_eq!(product(&stock, a)["brought"], 10);
    sell(&s, a, 3).await;
    sell(&s, b, 2).await;
    let stock = server.get_ok(&format!("/api/v1/events/{}/stock", s.event)).await;
    assert_eq!(
        (
            product(&stock, a)["sold"].as_i64(),
            product(&stock, a)["on_hand"].as_i64()
        ),
        (Some(3), Some(7))
    );
    assert_eq!(product(&stock, a)["sales"], 3 * PRICES[0]);
    assert_eq!(product(&stock, b)["status"], "low", "2 left, threshold 3");

    operate(&server, s.event, operation("loss", s.facilities[0], &[(a, 1)])).await;
    let mut transfer = operation("transfer", s.facilities[0], &[(a, 2)]);
    transfer["to_event_id"] = json!(s.other_events[0]);
    operate(&server, s.event, transfer).await;
    let shop = server
        .get_ok(&format!("/api/v1/events/{}/stock", s.other_events[0]))
        .await;
    assert_eq!(product(&shop, a)["on_hand"], 2);

    // 棚卸: 3 counted where 4 were expected; the variance is recorded.
    let count = json!({"id": uuid::Uuid::now_v7(), "facility_id": s.facilities[0], "lines": [{"product_id": a, "counted": 3}, {"product_id": c, "counted": 2}]});
    let lines = server
        .created(&format!("/api/v1/events/{}/stock/count", s.event), &count)
        .await;
    assert_eq!(
        lines[0],
        json!({"product_id": a, "name": "商品0", "expected": 4, "counted": 3, "variance": -1})
    );
    assert_eq!(lines[1]["variance"], 0);
    let stock = server.get_ok(&format!("/api/v1/events/{}/stock", s.event)).await;
    assert_eq!(product(&stock, a)["on_hand"], 3);

    // 搬出: everything left goes home.
    operate(
        &server,
        s.event,
        operation("return", s.facilities[0], &[(a, 3), (b, 2), (c, 2)]),
    )
    .await;
    let stock = server.get_ok(&format!("/api/v1/events/{}/stock", s.event)).await;
    assert!(
        stock["products"]
            .as_array()
            .expect("p")
            .iter()
            .all(|p| p["on_hand"] == 0),
        "{stock}"
    );
    assert_stock_is_sum_of_movements(&server, &s).await;
});

db_test!(
    a_random_mix_of_operations_keeps_stock_equal_to_movements,
    demo = false,
    |server| {
        let s = set_up(&server).await;
        let mut seed: u64 = 0x005e_1b05;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        // Sales that still have units to refund: (sale id, units left).
        let mut refundable: Vec<(String, i64)> = Vec::new();
        for _ in 0..60 {
            let p = s.products[next(3) as usize].id;
            let q = next(4) as i64 + 1;
            match next(8) {
                0 | 1 => {
                    operate(&server, s.event, operation("intake", s.facilities[0], &[(p, q)])).await;
                }
                2 | 3 => {
                    let sale = sell(&s, p, q).await;
                    refundable.push((sale["id"].as_str().expect("id").to_string(), q));
                }
                4 if !refundable.is_empty() => {
                    let i = next(refundable.len() as u64) as usize;
                    let (id, left) = refundable[i].clone();
                    let approval = s.cashier.approve_because("refund", &json!(id), "返品").await;
                    let refund = json!({"id": uuid::Uuid::now_v7(), "reason": "返品", "approval_id": approval,
                        "lines": [{"line_no": 1, "quantity": 1}]});
                    s.cashier
                        .created(&format!("/api/v1/sales/{id}/refund"), &refund)
                        .await;
                    if left > 1 {
                        refundable[i].1 -= 1;
                    } else {
                        refundable.swap_remove(i);
                    }
                }
                4 | 5 => {
                    operate(&server, s.event, operation("return", s.facilities[0], &[(p, 1)])).await;
                }
                6 => {
                    let mut transfer = operation("transfer", s.facilities[0], &[(p, 1)]);
                    transfer["to_event_id"] = json!(s.other_events[0]);
                    operate(&server, s.event, transfer).await;
                }
                _ => {
                    let kind = if next(2) == 0 { "adjustment" } else { "loss" };
                    let quantity = if kind == "loss" { 1 } else { -1 };
                    operate(
                        &server,
                        s.event,
                        operation(kind, s.facilities[0], &[(p, quantity)]),
                    )
                    .await;
                }
            }
        }
        assert_stock_is_sum_of_movements(&server, &s).await;
    }
);

db_test!(
    the_last_item_sold_twice_at_once_leaves_minus_one_flagged,
    demo = false,
    |server| {
        let s = set_up(&server).await;
        let a = s.products[0].id;
        operate(&server, s.event, operation("intake", s.facilities[0], &[(a, 1)])).await;
        let (first, second) = tokio::join!(sell(&s, a, 1), sell(&s, a, 1));
        assert_ne!(
            first["receipt_number"], second["receipt_number"],
            "both sales succeed"
        );
        let stock = server.get_ok(&format!("/api/v1/events/{}/stock", s.event)).await;
        assert_eq!(product(&stock, a)["on_hand"], -1);
        assert_eq!(product(&stock, a)["status"], "negative");
        assert_eq!(stock["negative"], 1);
    }
);

db_test!(stock_is_each_facilitys_own_and_checked, demo = false, |server| {
    let s = set_up(&server).await;
    let b = server
        .new_user(
            &json!({"login": "b-staff", "display_name": "B", "role": "facility_staff",
        "facility_id": s.facilities[1], "password": "b-staff-password"}),
        )
        .await;
    let (status, _) = b
        .post(
            &format!("/api/v1/events/{}/stock", s.event),
            &operation("intake", s.facilities[0], &[(s.products[0].id, 5)]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "B may not move A's goods");
    let (status, _) = b
        .get(&format!(
            "/api/v1/events/{}/stock?facility_id={}",
            s.event, s.facilities[0]
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let own = b.get_ok(&format!("/api/v1/events/{}/stock", s.event)).await;
    assert_eq!(own["products"], json!([]), "B has no products");
    let (status, _) = s
        .cashier
        .post(
            &format!("/api/v1/events/{}/stock", s.event),
            &operation("intake", s.facilities[0], &[(s.products[0].id, 5)]),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "cashiers only record losses, with approval"
    );
    let (status, body) = s
        .cashier
        .post(
            &format!("/api/v1/events/{}/stock", s.event),
            &operation("loss", s.facilities[0], &[(s.products[0].id, 1)]),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "needs approval: {body}");

    let (status, body) = server
        .post(
            &format!("/api/v1/events/{}/stock", s.event),
            &operation("intake", s.facilities[0], &[(s.products[0].id, 0)]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["lines[0].quantity"]);
    let mut no_reason = operation("loss", s.facilities[0], &[(s.products[0].id, 1)]);
    no_reason["note"] = json!("");
    let (status, body) = server
        .post(&format!("/api/v1/events/{}/stock", s.event), &no_reason)
        .await;
    assert_eq!(
        (status, error_fields(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["note".to_string()])
    );

    // A retried operation is applied once.
    let intake = operation("intake", s.facilities[0], &[(s.products[0].id, 5)]);
    server
        .post(&format!("/api/v1/events/{}/stock", s.event), &intake)
        .await;
    let (_, again) = server
        .post(&format!("/api/v1/events/{}/stock", s.event), &intake)
        .await;
    assert_eq!(product(&again, s.products[0].id)["brought"], 5);
});

async fn upload(client: &ApiClient, path: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    client.raw(Method::POST, path, "text/csv", bytes).await
}

db_test!(
    products_and_intake_import_from_excel_csv_all_or_nothing,
    demo = false,
    |server| {
        let s = set_up(&server).await;
        let admin = server.admin_client();
        // Shift_JIS as Excel saves it, with a bad second row: nothing is imported.
        let bad = "商品名,ふりがな,価格,税率,JAN,分類\r\nマドレーヌ,まどれーぬ,\"1,200\",8,4901234567894,焼き菓子\r\n布ぞうり,,abc,10,,手芸\r\nしおり,,150,5,4006381333932,\r\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(bad);
        let (status, body) = upload(
            admin,
            &format!("/api/v1/facilities/{}/products/import", s.facilities[0]),
            sjis.into_owned(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let messages: Vec<&str> = body["error"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|f| f["message"].as_str())
            .collect();
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("3行目") && m.contains("価格")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("4行目") && m.contains("税率")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("4行目") && m.contains("JAN")),
            "{messages:?}"
        );
        let listed = server
            .get_ok(&format!("/api/v1/products?facility_id={}", s.facilities[0]))
            .await;
        assert_eq!(listed.as_array().map(Vec::len), Some(3), "nothing imported");

        let good = "\u{feff}商品名,価格,税率,JAN\nマドレーヌ,\"1,200\",8,4901234567894\n布ぞうり,900,10,\n";
        let (status, created) = upload(
            admin,
            &format!("/api/v1/facilities/{}/products/import", s.facilities[0]),
            good.as_bytes().to_vec(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["added"], 2, "{created}");
        let created = &created["rows"];
        assert_eq!(created[0]["outcome"], "added");
        let created = [created[0]["product"].clone(), created[1]["product"].clone()];
        assert_eq!(created[0]["price"], 1200);
        assert_eq!(created[1]["tax_rate"], "standard");

        let intake = "JAN,数量\n4901234567894,12\n";
        let path = format!(
            "/api/v1/events/{}/stock/import?facility_id={}&id={}",
            s.event,
            s.facilities[0],
            uuid::Uuid::now_v7()
        );
        let (status, stock) = upload(admin, &path, intake.as_bytes().to_vec()).await;
        assert_eq!(status, StatusCode::CREATED, "{stock}");
        let madeleine = created[0]["id"].as_i64().expect("id");
        assert_eq!(product(&stock, madeleine)["brought"], 12);
        let unknown = format!(
            "/api/v1/events/{}/stock/import?facility_id={}&id={}",
            s.event,
            s.facilities[0],
            uuid::Uuid::now_v7()
        );
        let (status, body) = upload(admin, &unknown, "JAN,数量\n4006381333931,1\n".as_bytes().to_vec()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["error"]["fields"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains("2行目"),
            "{body}"
        );
    }
);
