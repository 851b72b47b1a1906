//! A till's catch-up in one request (`POST /api/v1/sales/batch`): every sale answered on its
//! own and in order, recorded once however often and however concurrently it is sent, a bad
//! one refused alone, receipt numbers gap-free in the batch's order.

use reqwest::StatusCode;
use selpos_tests::world::{Cashier, NewEvent, pin_tablet};
use selpos_tests::{HeartBazaar, TestServer, World, assert_error, db_test, error_fields};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const BATCH: &str = "/api/v1/sales/batch";

async fn stock(server: &TestServer, product: i64, event: i64) -> i64 {
    let mut tx = server.db().read().await.expect("tx");
    selpos_server::db::sales::stock_at_event(&mut tx, product, event)
        .await
        .expect("stock")
}

/// The journal of `register`: receipt number → sale, oldest first.
async fn journal(server: &TestServer, register: i64) -> BTreeMap<String, Value> {
    let list = server
        .get_ok(&format!("/api/v1/sales?register_id={register}&limit=1000"))
        .await;
    list.as_array()
        .expect("journal")
        .iter()
        .map(|s| {
            (
                s["receipt_number"].as_str().expect("number").to_string(),
                s.clone(),
            )
        })
        .collect()
}

/// The result's status and the status the sale would have had alone.
fn status_of(result: &Value) -> (&str, i64) {
    (
        result["status"].as_str().unwrap_or_default(),
        result["http_status"].as_i64().unwrap_or_default(),
    )
}

/// [`status_of`] each result of a batch's answer.
fn statuses(answer: &Value) -> Vec<(&str, i64)> {
    answer["results"]
        .as_array()
        .map(|results| results.iter().map(status_of).collect())
        .unwrap_or_default()
}

db_test!(
    a_batch_answers_each_sale_on_its_own_and_in_order,
    demo = false,
    |server| {
        let till = HeartBazaar::open(World::on(&server).event(NewEvent::bazaar("HB26").registers(2))).await;
        let cookie = |n: i64| {
            till.sale(
                json!([{"product_id": till.cookie, "quantity": n, "unit_price": 120}]),
                json!([{"kind": "cash", "amount": 120 * n}]),
            )
        };
        // Sold before the batch: E on this register, Z on register 2.
        let earlier = till.record(&cookie(1)).await;
        let second = pin_tablet(&server, till.registers[1], "レジ2端末", &Cashier::volunteer()).await;
        let mut on_r2 = cookie(1);
        on_r2["register_id"] = json!(till.registers[1]);
        let elsewhere = second.created("/api/v1/sales", &on_r2).await;
        let r2_before = journal(&server, till.registers[1]).await;

        let good = cookie(2);
        let mut poison = cookie(1);
        poison["lines"][0]["product_id"] = json!(999_999);
        let mut copy_of_good = cookie(5);
        copy_of_good["id"] = good["id"].clone();
        let mut replay = cookie(1);
        replay["id"] = earlier["id"].clone();
        let mut borrowed = cookie(1);
        borrowed["id"] = elsewhere["id"].clone();
        // A discount without a manager's approval: refused only once its number was taken and
        // its header written, which go back with the rest of it.
        let unapproved = till.sale(
            json!([{"product_id": till.cookie, "quantity": 1, "unit_price": 120, "discount": {"yen": 20}}]),
            json!([{"kind": "cash", "amount": 100}]),
        );
        let jam = till.sale(
            json!([{"product_id": till.jam, "quantity": 1, "unit_price": 500}]),
            json!([{"kind": "cash", "amount": 1000}]),
        );
        let unreadable = json!({"id": uuid::Uuid::now_v7(), "register_id": till.register, "lines": "x"});
        let batch =
            json!({"sales": [good, poison, copy_of_good, replay, borrowed, unapproved, jam, unreadable]});
        let (status, answer) = till.cashier.post(BATCH, &batch).await;
        assert_eq!(status, StatusCode::OK, "[{}] {answer}", server.kind);
        let results = answer["results"].as_array().expect("results");
        assert_eq!(results.len(), 8, "{answer}");
        for (result, sale) in results.iter().zip(batch["sales"].as_array().expect("sales")) {
            assert_eq!(
                result["id"], sale["id"],
                "answered in the request's order: {result}"
            );
        }

        // Each as it would be answered alone, in order: the good sale recorded; the poison (an
        // unknown product) refused, naming the field; a copy of the good sale's id its replay,
        // never a second sale (nor its other lines); E again the stored sale; register 2's id
        // refused; the unapproved discount refused; the sale after them all recorded, next in
        // line (no number lost); an entry that is no sale refused alone, named by its id.
        assert_eq!(
            statuses(&answer),
            [
                ("recorded", 201),
                ("refused", 422),
                ("replay", 200),
                ("replay", 200),
                ("refused", 409),
                ("refused", 409),
                ("recorded", 201),
                ("refused", 422)
            ],
            "{answer}"
        );
        assert_eq!(results[0]["sale"]["receipt_number"], "HB26-R1-0002");
        assert_eq!(results[0]["sale"]["total"], 240);
        assert_error(&results[1], "validation");
        assert_eq!(error_fields(&results[1]), ["lines[0].product_id"]);
        assert_eq!(results[2]["sale"], results[0]["sale"]);
        assert_eq!(results[3]["sale"], earlier);
        assert_error(&results[4], "id_in_use");
        let number = elsewhere["receipt_number"].as_str().expect("number");
        assert!(!results[4].to_string().contains(number), "{}", results[4]);
        assert_error(&results[5], "approval_required");
        assert_eq!(results[6]["sale"]["receipt_number"], "HB26-R1-0003");
        assert_eq!(results[6]["sale"]["change"], 500);
        assert_error(&results[7], "invalid_body");
        assert_eq!(error_fields(&results[7]), ["lines"]);

        // Nothing else changed: this register holds E and the two new sales, gap-free; register
        // 2 is as it was; stock moved for those sales alone.
        let r1 = journal(&server, till.register).await;
        assert_eq!(
            r1.keys().collect::<Vec<_>>(),
            ["HB26-R1-0001", "HB26-R1-0002", "HB26-R1-0003"],
            "{r1:?}"
        );
        assert_eq!(
            r1["HB26-R1-0002"], results[0]["sale"],
            "the answer is the sale as stored"
        );
        assert_eq!(r1["HB26-R1-0003"], results[6]["sale"]);
        assert_eq!(journal(&server, till.registers[1]).await, r2_before);
        assert_eq!(stock(&server, till.cookie, till.event).await, -(1 + 1 + 2));
        assert_eq!(stock(&server, till.jam, till.event).await, -1);

        // The same batch again (its answer was lost): every sale it recorded is a replay now.
        let (status, again) = till.cashier.post(BATCH, &batch).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(
            statuses(&again),
            [
                ("replay", 200),
                ("refused", 422),
                ("replay", 200),
                ("replay", 200),
                ("refused", 409),
                ("refused", 409),
                ("replay", 200),
                ("refused", 422)
            ]
        );
        assert_eq!(again["results"][0]["sale"], results[0]["sale"]);
        assert_eq!(again["results"][6]["sale"], results[6]["sale"]);
        assert_eq!(journal(&server, till.register).await, r1);
    }
);

db_test!(
    a_batch_of_none_or_more_than_500_or_from_no_till_is_refused_whole,
    demo = false,
    |server| {
        let till = HeartBazaar::open(World::on(&server)).await;
        let sale = || till.cash_sale(&till.products[0], 1);
        let too_many: Vec<Value> = (0..=selpos_domain::sales::batch::MAX_BATCH_SALES)
            .map(|_| sale())
            .collect();
        for sales in [too_many, Vec::new()] {
            let (status, refused) = till.cashier.post(BATCH, &json!({"sales": sales})).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "[{}] {} sales: {refused}",
                server.kind,
                sales.len()
            );
            assert_error(&refused, "validation");
            assert_eq!(error_fields(&refused), ["sales"]);
            assert_eq!(refused["error"]["fields"][0]["code"], "out_of_range");
        }
        // Two megabytes of entries: refused as too many, not read one by one.
        let mut crowd = b"{\"sales\": [1".to_vec();
        crowd.extend(b",1".repeat(1_000_000 - 1));
        crowd.extend(b"]}");
        let (status, refused) = till
            .cashier
            .raw(reqwest::Method::POST, BATCH, "application/json", crowd)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(error_fields(&refused), ["sales"]);
        // Signed in, but on no register's tablet: no sale of it is anyone's to record.
        let (status, refused) = server.post(BATCH, &json!({"sales": [sale()]})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_error(&refused, "forbidden");
        assert!(journal(&server, till.register).await.is_empty());
    }
);

db_test!(
    the_same_batch_sent_twice_at_once_records_each_sale_once,
    demo = false,
    |server| {
        let till = HeartBazaar::open(World::on(&server)).await;
        // More sales than one transaction writes, so that the two requests' chunks interleave.
        let sales: Vec<Value> = (0..120)
            .map(|n| {
                let product = &till.products[n % till.products.len()];
                till.cash_sale(product, 1 + (n % 3) as i64)
            })
            .collect();
        let batch = json!({"sales": sales});
        let (a, b) = tokio::join!(till.cashier.post(BATCH, &batch), till.cashier.post(BATCH, &batch));
        assert_eq!((a.0, b.0), (StatusCode::OK, StatusCode::OK), "{} / {}", a.1, b.1);
        let (a, b) = (
            a.1["results"].as_array().expect("results").clone(),
            b.1["results"].as_array().expect("results").clone(),
        );
        assert_eq!((a.len(), b.len()), (sales.len(), sales.len()));
        for (n, (first, second)) in a.iter().zip(&b).enumerate() {
            let mut statuses = [status_of(first).0, status_of(second).0];
            statuses.sort_unstable();
            assert_eq!(statuses, ["recorded", "replay"], "sale {n}: {first} / {second}");
            assert_eq!(first["sale"], second["sale"], "sale {n}: one sale, one answer");
        }
        let recorded = journal(&server, till.register).await;
        let expected: Vec<String> = (1..=sales.len()).map(|n| format!("HB26-R1-{n:04}")).collect();
        assert_eq!(recorded.keys().cloned().collect::<Vec<_>>(), expected);
        // Numbered in the batch's order, whichever request wrote each sale.
        for (n, result) in a.iter().enumerate() {
            assert_eq!(result["sale"]["receipt_number"], expected[n].as_str(), "sale {n}");
            assert_eq!(recorded[&expected[n]], result["sale"], "sale {n} as stored");
            assert_eq!(recorded[&expected[n]]["id"], sales[n]["id"]);
        }
        for product in &till.products {
            let sold: i64 = sales
                .iter()
                .filter(|s| s["lines"][0]["product_id"] == product.id)
                .map(|s| s["lines"][0]["quantity"].as_i64().expect("quantity"))
                .sum();
            assert_eq!(
                stock(&server, product.id, till.event).await,
                -sold,
                "product {}",
                product.id
            );
        }
    }
);
