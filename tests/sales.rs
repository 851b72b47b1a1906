//! The till over real HTTP: sales recorded exactly once, gapless receipt numbers, tax per rate,
//! stock movements, voids and refunds with approval, and the live view.

use reqwest::{Method, StatusCode};
use selpos_tests::{HeartBazaar, TestServer, World, assert_error, db_test, error_fields};
use serde_json::{Value, json};

async fn open_till(server: &TestServer) -> HeartBazaar {
    HeartBazaar::open(World::on(server)).await
}

async fn stock(server: &TestServer, product: i64, event: i64) -> i64 {
    let mut tx = server.db().read().await.expect("tx");
    selpos_server::db::sales::stock_at_event(&mut tx, product, event)
        .await
        .expect("stock")
}

db_test!(
    a_sale_sent_five_times_at_once_is_recorded_once,
    demo = false,
    |server| {
        let till = open_till(&server).await;
        let mut body = till.sale(
            json!([{"product_id": till.cookie, "quantity": 2, "unit_price": 120},
                   {"product_id": till.soap, "quantity": 1, "unit_price": 780},
                   {"product_id": till.jam, "quantity": 1, "unit_price": 500}]),
            json!([{"kind": "qr_payment", "amount": 1000}, {"kind": "cash", "amount": 1000}]),
        );
        // Finer than either database keeps: the first answer must still equal every replay.
        body["sold_at"] = json!("2026-11-28T02:00:00.123456789Z");
        let answers =
            futures::future::join_all((0..5).map(|_| till.cashier.post("/api/v1/sales", &body))).await;
        let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let replayed = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        assert_eq!((created, replayed), (1, 4), "{answers:?}");
        assert!(
            answers.iter().all(|(_, b)| b == &answers[0].1),
            "every answer is the same sale"
        );

        let journal = server
            .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
            .await;
        assert_eq!(journal.as_array().map(Vec::len), Some(1), "{journal}");
        assert_eq!(journal[0]["receipt_number"], "HB26-R1-0001");
        assert_eq!(journal[0], answers[0].1, "the answer is the sale as stored");
        assert_eq!(answers[0].1["sold_at"], "2026-11-28T02:00:00.123456Z");
        assert_eq!(
            stock(&server, till.cookie, till.event).await,
            -2,
            "one movement per line"
        );
        assert_eq!(stock(&server, till.jam, till.event).await, -1);

        // And again later, after everything settled: still the same answer.
        let (status, again) = till.cashier.post("/api/v1/sales", &body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again, answers[0].1);
    }
);

db_test!(
    totals_are_taxed_once_per_rate_and_exempt_goods_stay_off_the_invoice,
    demo = false,
    |server| {
        let till = open_till(&server).await;
        let body = till.sale(json!([{"product_id": till.cookie, "quantity": 2, "unit_price": 120},
                                  {"product_id": till.soap, "quantity": 1, "unit_price": 780},
                                  {"product_id": till.jam, "quantity": 1, "unit_price": 500, "discount": {"yen": 50}}]),
            json!([{"kind": "credit_card", "amount": 1000}, {"kind": "cash", "amount": 1000}]),
        );
        // The jam's ¥50 off is a cashier's price override: a manager approves it.
        let mut body = body;
        body["approval_id"] = json!(till.cashier.approve("price_override", &body["id"]).await);
        let (status, recorded) = till.cashier.post("/api/v1/sales", &body).await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
        assert_eq!(recorded["total"], 240 + 780 + 450);
        // 240 × 8/108 = 17.7 → 17 (per line it would be 8 + 8 = 16); 780 × 10/110 = 70.9 → 70.
        let rates: Vec<(String, i64, i64)> = recorded["by_rate"]
            .as_array()
            .expect("rates")
            .iter()
            .map(|r| {
                (
                    r["rate"].as_str().unwrap_or("").to_string(),
                    r["total"].as_i64().unwrap_or(0),
                    r["tax"].as_i64().unwrap_or(0),
                )
            })
            .collect();
        assert!(rates.contains(&("reduced".into(), 240, 17)), "{rates:?}");
        assert!(rates.contains(&("standard".into(), 780, 70)), "{rates:?}");
        assert_eq!(
            recorded["non_invoice_total"], 450,
            "the exempt facility's jam is outside the invoice"
        );
        assert_eq!(recorded["change"], 530);
        assert_eq!(recorded["lines"][2]["discount"], 50);
        assert_eq!(recorded["lines"][2]["facility_id"], till.facility_b);

        // A later price change never alters the past sale.
        server
            .put(
                &format!("/api/v1/products/{}", till.cookie),
                &json!({"facility_id": till.facility_a, "name": "クッキー",
        "price": 150, "tax_rate": "reduced"}),
            )
            .await;
        let stored = server
            .get_ok(&format!("/api/v1/sales/{}", recorded["id"].as_str().expect("id")))
            .await;
        assert_eq!(stored["lines"][0]["unit_price"], 120);
        assert_eq!(stored, recorded);
    }
);

db_test!(
    a_cashier_needs_a_managers_approval_to_sell_off_the_list_price,
    demo = false,
    |server| {
        let till = open_till(&server).await;
        let cookie = |unit_price: i64, discount: Value| {
            let mut line = json!({"product_id": till.cookie, "quantity": 1, "unit_price": unit_price});
            if !discount.is_null() {
                line["discount"] = discount;
            }
            till.sale(json!([line]), json!([{"kind": "cash", "amount": 1000}]))
        };
        // Below the list price, or a discount: refused without approval, and nothing written.
        for body in [
            cookie(100, Value::Null),
            cookie(120, json!({"yen": 20})),
            cookie(120, json!({"percent": 10})),
        ] {
            let (status, refused) = till.cashier.post("/api/v1/sales", &body).await;
            assert_eq!(status, StatusCode::CONFLICT, "{refused}");
            assert!(
                assert_error(&refused, "approval_required").contains("売価変更"),
                "{refused}"
            );
        }
        let (_, journal) = server
            .get(&format!("/api/v1/sales?register_id={}", till.register))
            .await;
        assert_eq!(journal.as_array().map(Vec::len), Some(0), "{journal}");

        // With a manager's PIN on the spot it goes through, once: the approval is used up.
        let mut body = cookie(100, Value::Null);
        let approval = till.cashier.approve("price_override", &body["id"]).await;
        body["approval_id"] = json!(approval);
        let (status, recorded) = till.cashier.post("/api/v1/sales", &body).await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
        assert_eq!(recorded["lines"][0]["unit_price"], 100);
        let audit = server.get_ok("/api/v1/audit?action=sale.price_override").await;
        let entry = &audit[0];
        assert_eq!(entry["entity_id"], recorded["id"], "{audit}");
        assert_eq!(entry["actor_login"], "vol", "{entry}");
        assert_eq!(entry["register_id"], till.register, "{entry}");
        assert_eq!(entry["after"]["approval_id"], approval.as_str(), "{entry}");
        assert_eq!(entry["after"]["lines"][0]["list_price"], 120, "{entry}");
        assert_eq!(entry["after"]["lines"][0]["unit_price"], 100, "{entry}");
        let (status, replay) = till.cashier.post("/api/v1/sales", &body).await;
        assert_eq!(status, StatusCode::OK, "a retry is a replay: {replay}");
        let mut again = cookie(100, Value::Null);
        again["approval_id"] = json!(approval);
        let (status, refused) = till.cashier.post("/api/v1/sales", &again).await;
        assert_eq!(status, StatusCode::CONFLICT, "used up: {refused}");

        // A tablet that sold at the old price before the price went up is no override.
        server
            .put(
                &format!("/api/v1/products/{}", till.cookie),
                &json!({"facility_id": till.facility_a, "name": "クッキー", "price": 150, "tax_rate": "reduced"}),
            )
            .await;
        let (status, old_price) = till
            .cashier
            .post("/api/v1/sales", &cookie(120, Value::Null))
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "sold (2026-11-28) before the change: {old_price}"
        );
        let mut after = cookie(120, Value::Null);
        after["sold_at"] = json!(chrono::Utc::now() + chrono::Duration::seconds(5));
        let (status, refused) = till.cashier.post("/api/v1/sales", &after).await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "sold after the change at the old price: {refused}"
        );
    }
);

db_test!(
    a_voucher_gives_change_only_when_the_council_says_so,
    demo = false,
    |server| {
        let till = open_till(&server).await;
        // A ¥1,000 voucher for ¥780 of soap.
        let voucher = || {
            till.sale(
                json!([{"product_id": till.soap, "quantity": 1, "unit_price": 780}]),
                json!([{"kind": "gift_voucher", "amount": 1000}]),
            )
        };
        let catalog = format!("/api/v1/registers/{}/catalog", till.register);
        assert_eq!(till.cashier.get_ok(&catalog).await["voucher_gives_change"], false);
        // By default the voucher's surplus is kept: no change.
        let (status, kept) = till.cashier.post("/api/v1/sales", &voucher()).await;
        assert_eq!(status, StatusCode::CREATED, "{kept}");
        assert_eq!(kept["change"], 0);

        let mut council = server.get_ok("/api/v1/council").await;
        let council = council.as_object_mut().expect("council");
        council.remove("updated_at");
        council.insert("voucher_gives_change".into(), json!(true));
        let (status, saved) = server.put("/api/v1/council", &json!(council)).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(till.cashier.get_ok(&catalog).await["voucher_gives_change"], true);
        let (status, recorded) = till.cashier.post("/api/v1/sales", &voucher()).await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
        assert_eq!(recorded["change"], 220);
    }
);

db_test!(
    an_unchanged_catalogue_costs_a_304_and_a_changed_one_comes_whole,
    demo = false,
    |server| {
        let till = open_till(&server).await;
        let path = format!("/api/v1/registers/{}/catalog", till.register);
        let fetch = |if_none_match: Option<String>| {
            let mut request = till
                .cashier
                .client
                .get(format!("{}{path}", till.cashier.base))
                .header(reqwest::header::ACCEPT_ENCODING, "gzip");
            if let Some(tag) = if_none_match {
                request = request.header(reqwest::header::IF_NONE_MATCH, tag);
            }
            request.send()
        };
        let first = fetch(None).await.expect("catalogue");
        assert_eq!(first.status(), StatusCode::OK);
        // Sent compressed: a large event's catalogue is mostly repeated names.
        assert_eq!(first.headers()["content-encoding"], "gzip");
        let etag = first.headers()["etag"].to_str().expect("etag").to_string();
        let catalog = till.cashier.get_ok(&path).await;
        let version = catalog["version"].as_str().expect("version");
        assert_eq!(version.len(), 16, "{catalog}");
        // The same content has the same version, whenever it is loaded.
        assert_eq!(etag, format!("\"{version}\""));

        let unchanged = fetch(Some(etag.clone())).await.expect("catalogue again");
        assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(unchanged.headers()["etag"].to_str().expect("etag"), etag);
        assert!(unchanged.bytes().await.expect("body").is_empty());
        let other = fetch(Some("\"0000000000000000\"".into()))
            .await
            .expect("catalogue");
        assert_eq!(other.status(), StatusCode::OK);

        // The council changes a rule the till follows: the next load is the whole new catalogue.
        let mut council = server.get_ok("/api/v1/council").await;
        let council = council.as_object_mut().expect("council");
        council.remove("updated_at");
        council.insert("voucher_gives_change".into(), json!(true));
        let (status, saved) = server.put("/api/v1/council", &json!(council)).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let changed = fetch(Some(etag.clone())).await.expect("changed catalogue");
        assert_eq!(changed.status(), StatusCode::OK);
        assert_ne!(changed.headers()["etag"].to_str().expect("etag"), etag);
        // A register of another event is still refused, If-None-Match or not.
        let stranger = till
            .cashier
            .client
            .get(format!("{}/api/v1/registers/999999/catalog", till.cashier.base))
            .header(reqwest::header::IF_NONE_MATCH, "*")
            .send()
            .await
            .expect("answer");
        assert!(stranger.status().is_client_error(), "{}", stranger.status());
    }
);

db_test!(
    rejected_sales_write_nothing_and_receipt_numbers_stay_gapless,
    demo = false,
    |server| {
        let till = open_till(&server).await;
        let line = json!([{"product_id": till.cookie, "quantity": 1, "unit_price": 120}]);
        let (status, body) = till
            .cashier
            .post(
                "/api/v1/sales",
                &till.sale(line.clone(), json!([{"kind": "cash", "amount": 100}])),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), ["tenders"]);
        assert!(assert_error(&body, "validation").contains("入力"));
        let (status, body) = till
            .cashier
            .post(
                "/api/v1/sales",
                &till.sale(line.clone(), json!([{"kind": "credit_card", "amount": 500}])),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no change from a card: {body}"
        );
        let (status, _) = till
            .cashier
            .post(
                "/api/v1/sales",
                &till.sale(
                    json!([{"product_id": till.cookie, "quantity": 0, "unit_price": 120}]),
                    json!([{"kind": "cash", "amount": 120}]),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            stock(&server, till.cookie, till.event).await,
            0,
            "nothing half-written"
        );

        for expected in ["HB26-R1-0001", "HB26-R1-0002", "HB26-R1-0003"] {
            let (status, recorded) = till
                .cashier
                .post(
                    "/api/v1/sales",
                    &till.sale(line.clone(), json!([{"kind": "cash", "amount": 120}])),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED);
            assert_eq!(recorded["receipt_number"], expected);
        }
    }
);

db_test!(
    voids_and_refunds_need_approval_and_reverse_stock_and_money,
    demo = false,
    |server| {
        let till = open_till(&server).await;
        let body = till.sale(
            json!([{"product_id": till.cookie, "quantity": 3, "unit_price": 120, "discount": {"percent": 10}},
                                  {"product_id": till.soap, "quantity": 1, "unit_price": 780}]),
            json!([{"kind": "cash", "amount": 2000}]),
        );
        let mut body = body;
        body["approval_id"] = json!(till.cashier.approve("price_override", &body["id"]).await);
        let (_, original) = till.cashier.post("/api/v1/sales", &body).await;
        let id = original["id"].as_str().expect("id").to_string();
        assert_eq!(original["lines"][0]["net"], 324); // 360 − 36

        let refund = |approval: Option<&str>, qty: i64| {
            json!({"id": uuid::Uuid::now_v7(), "reason": "破損", "approval_id": approval,
        "lines": [{"line_no": 1, "quantity": qty}]})
        };
        let (status, body) = till
            .cashier
            .post(&format!("/api/v1/sales/{id}/refund"), &refund(None, 1))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "a cashier needs approval: {body}");

        let approval = till.cashier.approve_because("refund", &json!(id), "返品").await;
        let (status, refunded) = till
            .cashier
            .post(&format!("/api/v1/sales/{id}/refund"), &refund(Some(&approval), 2))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{refunded}");
        assert_eq!(refunded["kind"], "refund");
        assert_eq!(refunded["total"], -216, "2 of 3 units of a ¥324 line");
        assert_eq!(refunded["tenders"], json!([{"kind": "cash", "amount": -216}]));
        assert_eq!(stock(&server, till.cookie, till.event).await, -1);
        let (status, _) = till
            .cashier
            .post(&format!("/api/v1/sales/{id}/refund"), &refund(Some(&approval), 1))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "an approval is used once");

        // The last unit gets the rest of the line: refunds add up to what was paid.
        let (status, last) = server
            .post(&format!("/api/v1/sales/{id}/refund"), &refund(None, 1))
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "council users approve their own: {last}"
        );
        assert_eq!(last["total"], -108);
        let (status, over) = server
            .post(&format!("/api/v1/sales/{id}/refund"), &refund(None, 1))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{over}");

        // A second sale, voided whole.
        let (_, second) = till
            .cashier
            .post(
                "/api/v1/sales",
                &till.sale(
                    json!([{"product_id": till.jam, "quantity": 2, "unit_price": 500}]),
                    json!([{"kind": "cash", "amount": 1000}]),
                ),
            )
            .await;
        let second_id = second["id"].as_str().expect("id").to_string();
        let approval = till
            .cashier
            .approve_because("void", &json!(second_id), "返品")
            .await;
        let void = json!({"id": uuid::Uuid::now_v7(), "reason": "打ち間違い", "approval_id": approval});
        let (status, voided) = till
            .cashier
            .post(&format!("/api/v1/sales/{second_id}/void"), &void)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{voided}");
        assert_eq!(voided["total"], -1000);
        assert_eq!(voided["original_sale_id"], second["id"]);
        let (status, replay) = till
            .cashier
            .post(&format!("/api/v1/sales/{second_id}/void"), &void)
            .await;
        assert_eq!(
            (status, &replay),
            (StatusCode::CREATED, &voided),
            "a retried void is the same void"
        );
        assert_eq!(stock(&server, till.jam, till.event).await, 0);
        assert_eq!(
            server.get_ok(&format!("/api/v1/sales/{second_id}")).await["voided"],
            true
        );

        // Refunds are records, not deletions: the journal has 2 sales, 3 refunds, 1 void.
        let journal = server
            .get_ok(&format!("/api/v1/sales?event_id={}", till.event))
            .await;
        let kinds: Vec<&str> = journal
            .as_array()
            .expect("journal")
            .iter()
            .filter_map(|s| s["kind"].as_str())
            .collect();
        assert_eq!(kinds.iter().filter(|k| **k == "refund").count(), 2);
        assert_eq!(kinds.len(), 5);
        let audit = server.get_ok("/api/v1/audit?entity=sale").await;
        let mut actions: Vec<&str> = audit
            .as_array()
            .expect("audit")
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        actions.sort_unstable();
        // The discounted sale's override, the void and the two refunds.
        assert_eq!(
            actions,
            ["sale.price_override", "sale.refund", "sale.refund", "sale.void"]
        );
    }
);

db_test!(the_live_view_shows_sales_per_facility, demo = false, |server| {
    let till = open_till(&server).await;
    till.cashier
        .post(
            "/api/v1/sales",
            &till.sale(
                json!([{"product_id": till.cookie, "quantity": 2, "unit_price": 120},
        {"product_id": till.jam, "quantity": 1, "unit_price": 500}]),
                json!([{"kind": "cash", "amount": 740}]),
            ),
        )
        .await;
    let live = server
        .get_ok(&format!("/api/v1/events/{}/sales", till.event))
        .await;
    assert_eq!(live["net_sales"], 740);
    assert_eq!(live["sale_count"], 1);
    let facilities = live["facilities"].as_array().expect("facilities");
    assert_eq!(facilities.len(), 2);
    assert_eq!(
        (
            facilities[0]["facility_id"].as_i64(),
            facilities[0]["net_sales"].as_i64()
        ),
        (Some(till.facility_a), Some(240))
    );
    assert_eq!(facilities[0]["products"][0]["quantity"], 2);
    assert_eq!(
        (
            facilities[1]["facility_id"].as_i64(),
            facilities[1]["net_sales"].as_i64()
        ),
        (Some(till.facility_b), Some(500))
    );

    let b = server
        .new_user(
            &json!({"login": "b-staff", "display_name": "B", "role": "facility_staff",
        "facility_id": till.facility_b, "password": "b-staff-password"}),
        )
        .await;
    let own = b.get_ok(&format!("/api/v1/events/{}/sales", till.event)).await;
    assert_eq!(
        own["facilities"].as_array().map(Vec::len),
        Some(1),
        "only their own facility: {own}"
    );
    assert_eq!(own["facilities"][0]["facility_id"], till.facility_b);
    let (status, _) = till
        .cashier
        .get(&format!("/api/v1/events/{}/sales", till.event))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
});

db_test!(
    closed_registers_take_late_sales_and_settled_events_none,
    demo = false,
    |server| {
        let till = open_till(&server).await;
        let line = json!([{"product_id": till.cookie, "quantity": 1, "unit_price": 120}]);
        let cash = json!([{"kind": "cash", "amount": 120}]);
        let (status, first) = till
            .cashier
            .post("/api/v1/sales", &till.sale(line.clone(), cash.clone()))
            .await;
        assert_eq!((status, &first["late"]), (StatusCode::CREATED, &json!(false)));
        let (status, body) = till
            .cashier
            .post(
                &format!("/api/v1/registers/{}/close", till.register),
                &json!({"id": uuid::Uuid::now_v7(), "counts": [{"denomination": 100, "count": 1}, {"denomination": 10, "count": 2}]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut before_close = till.sale(line.clone(), cash.clone());
        before_close["sold_at"] = json!("2026-11-28T00:00:00Z");
        let (status, late) = till.cashier.post("/api/v1/sales", &before_close).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(late["late"], true, "sold offline before the close, arrived after");

        let (status, _) = till.set_state(&server, "closed").await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = server
            .post(&format!("/api/v1/events/{}/settle", till.event), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = till.cashier.post("/api/v1/sales", &till.sale(line, cash)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
    }
);

db_test!(
    a_refund_body_with_a_line_twice_or_a_number_past_i64_moves_no_money,
    demo = false,
    |server| {
        let till = open_till(&server).await;
        let sale = till
            .record(&till.sale(
                json!([{"product_id": till.cookie, "quantity": 1, "unit_price": 120}]),
                json!([{"kind": "cash", "amount": 120}]),
            ))
            .await;
        let id = sale["id"].as_str().expect("id").to_string();
        let path = format!("/api/v1/sales/{id}/refund");
        // The same line three times: checked once against "already refunded", it would pay
        // back three times what was sold.
        let (status, body) = server
            .post(&path, &json!({"id": uuid::Uuid::now_v7(), "reason": "重複",
                "lines": [{"line_no": 1, "quantity": 1}, {"line_no": 1, "quantity": 1}, {"line_no": 1, "quantity": 1}]}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), ["lines[1].line_no", "lines[2].line_no"]);
        // A quantity past i64 is not a number the API reads.
        let (status, body) = server
            .raw(
                Method::POST,
                &path,
                "application/json",
                format!(
                    r#"{{"id":"{}","reason":"x","lines":[{{"line_no":1,"quantity":9223372036854775808}}]}}"#,
                    uuid::Uuid::now_v7()
                )
                .into_bytes(),
            )
            .await;
        assert!(status.is_client_error(), "{status} {body}");
        assert_error(&body, "invalid_body");
        // Nothing was refunded: the journal holds the sale alone.
        let journal = server
            .get_ok(&format!("/api/v1/sales?event_id={}", till.event))
            .await;
        assert_eq!(journal.as_array().expect("journal").len(), 1, "{journal}");
        // The one refund the sale allows still goes through, for what was paid.
        let (status, refund) = server
            .post(&path, &json!({"id": uuid::Uuid::now_v7(), "reason": "破損", "lines": [{"line_no": 1, "quantity": 1}]}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{refund}");
        assert_eq!(refund["total"], -120);
    }
);

db_test!(
    an_approval_or_an_id_answers_only_for_its_own_sale_and_register,
    demo = false,
    |server| {
        let till = HeartBazaar::open(
            World::on(&server).event(selpos_tests::world::NewEvent::bazaar("HB26").registers(2)),
        )
        .await;
        let cookie_sale = || till.cash_sale(&till.products[0], 1);
        let a = till.record(&cookie_sale()).await;
        let b = till.record(&cookie_sale()).await;
        let (a_id, b_id) = (a["id"].clone(), b["id"].clone());

        // A PIN given to void sale A does not void sale B.
        let approval = till.cashier.approve("void", &a_id).await;
        let void = |approval: &str| json!({"id": uuid::Uuid::now_v7(), "reason": "打ち間違い", "approval_id": approval});
        let (status, refused) = till
            .cashier
            .post(
                &format!("/api/v1/sales/{}/void", b_id.as_str().expect("id")),
                &void(&approval),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert!(assert_error(&refused, "approval_other_sale").contains("別の売上"));
        assert_eq!(
            server
                .get_ok(&format!("/api/v1/sales/{}", b_id.as_str().expect("id")))
                .await["voided"],
            false
        );
        let (status, voided) = till
            .cashier
            .post(
                &format!("/api/v1/sales/{}/void", a_id.as_str().expect("id")),
                &void(&approval),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "and voids A: {voided}");

        // Granted on register 2's tablet, it is no approval on register 1's, even for its sale.
        let second = selpos_tests::world::pin_tablet(
            &server,
            till.registers[1],
            "レジ2端末",
            &selpos_tests::world::Cashier::volunteer(),
        )
        .await;
        let elsewhere = second.approve("refund", &b_id).await;
        let refund = json!({"id": uuid::Uuid::now_v7(), "reason": "返品", "approval_id": elsewhere,
            "lines": [{"line_no": 1, "quantity": 1}]});
        let (status, refused) = till
            .cashier
            .post(
                &format!("/api/v1/sales/{}/refund", b_id.as_str().expect("id")),
                &refund,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert_error(&refused, "approval_other_register");

        // Sale B's id (printed in its QR code) sent as a new sale from register 2: refused, and
        // B is not shown. Sent as the id of a void of B: refused too.
        let mut copy = cookie_sale();
        copy["id"] = b_id.clone();
        copy["register_id"] = json!(till.registers[1]);
        let (status, refused) = second.post("/api/v1/sales", &copy).await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert_error(&refused, "id_in_use");
        assert!(
            !refused
                .to_string()
                .contains(b["receipt_number"].as_str().expect("number")),
            "{refused}"
        );
        let reused = json!({"id": b_id, "reason": "x"});
        let (status, refused) = server
            .post(
                &format!("/api/v1/sales/{}/void", b_id.as_str().expect("id")),
                &reused,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert_error(&refused, "id_in_use");
        // The same sale sent again from its own register is a replay, as ever.
        let mut again = cookie_sale();
        again["id"] = b_id.clone();
        let (status, replay) = till.cashier.post("/api/v1/sales", &again).await;
        assert_eq!(
            (status, &replay["receipt_number"]),
            (StatusCode::OK, &b["receipt_number"])
        );

        // A sale dated ahead of the server's clock, or before its event began, is refused.
        for (sold_at, code) in [
            (
                (chrono::Utc::now() + chrono::Duration::minutes(30)).to_rfc3339(),
                "in_the_future",
            ),
            ("2026-11-27T14:59:59Z".to_string(), "before_event"),
        ] {
            let mut body = cookie_sale();
            body["sold_at"] = json!(sold_at);
            let (status, refused) = till.cashier.post("/api/v1/sales", &body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{sold_at}: {refused}");
            assert_eq!(refused["error"]["fields"][0]["field"], "sold_at", "{refused}");
            assert_eq!(refused["error"]["fields"][0]["code"], code, "{refused}");
        }
        let mut first_minute = cookie_sale();
        first_minute["sold_at"] = json!("2026-11-27T15:00:00Z");
        till.record(&first_minute).await;
    }
);

/// Ten POSTs of `path` at once by the council administrator, each with a body of its own.
async fn ten_at_once(server: &TestServer, path: &str, body: impl Fn() -> Value) -> Vec<(StatusCode, Value)> {
    let bodies: Vec<Value> = (0..10).map(|_| body()).collect();
    futures::future::join_all(bodies.iter().map(|b| server.post(path, b))).await
}

db_test!(
    ten_voids_or_refunds_of_one_sale_at_once_commit_only_what_the_sale_allows,
    demo = false,
    |server| {
        let till = open_till(&server).await;
        // Ten voids of one sale, each with its own id: one voids it, nine are refused.
        let sale = till.record(&till.cash_sale(&till.products[2], 2)).await;
        let id = sale["id"].as_str().expect("id");
        let answers = ten_at_once(
            &server,
            &format!("/api/v1/sales/{id}/void"),
            || json!({"id": uuid::Uuid::now_v7(), "reason": "二重操作"}),
        )
        .await;
        let voided: Vec<_> = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::CREATED)
            .collect();
        assert_eq!(voided.len(), 1, "{answers:?}");
        assert!(
            answers
                .iter()
                .all(|(s, _)| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
            "{answers:?}"
        );
        let journal = server
            .get_ok(&format!("/api/v1/sales?event_id={}", till.event))
            .await;
        let reversals: Vec<&Value> = journal
            .as_array()
            .expect("journal")
            .iter()
            .filter(|s| s["original_sale_id"] == sale["id"])
            .collect();
        assert_eq!(reversals.len(), 1, "{journal}");
        assert_eq!(
            stock(&server, till.jam, till.event).await,
            0,
            "two jars back, once"
        );

        // Ten refunds of one unit of a three-unit line: three go through, and together they
        // pay back exactly the line's net.
        let sale = till.record(&till.cash_sale(&till.products[0], 3)).await;
        let id = sale["id"].as_str().expect("id");
        let answers = ten_at_once(&server, &format!("/api/v1/sales/{id}/refund"), || {
            json!({"id": uuid::Uuid::now_v7(), "reason": "返品", "lines": [{"line_no": 1, "quantity": 1}]})
        })
        .await;
        let refunds: Vec<&Value> = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::CREATED)
            .map(|(_, b)| b)
            .collect();
        assert_eq!(refunds.len(), 3, "{answers:?}");
        let paid_back: i64 = refunds.iter().map(|r| r["total"].as_i64().expect("total")).sum();
        assert_eq!(paid_back, -sale["total"].as_i64().expect("total"));
        assert!(
            answers
                .iter()
                .filter(|(s, _)| *s != StatusCode::CREATED)
                .all(|(s, b)| *s == StatusCode::UNPROCESSABLE_ENTITY
                    && error_fields(b) == ["lines[0].quantity"]),
            "the rest find nothing left: {answers:?}"
        );
    }
);

db_test!(
    a_sale_kept_offline_stays_with_the_cashier_who_rang_it,
    demo = false,
    |server| {
        let till = open_till(&server).await;
        let next = selpos_tests::world::Cashier::new("vol2", "交代の担当", "1357");
        server.created("/api/v1/users", &next.body()).await;
        // The next shift signs in on another tablet of the register and sends what was kept.
        let second = selpos_tests::world::pin_tablet(&server, till.register, "交代端末", &next).await;
        let mut kept = till.cash_sale(&till.products[0], 1);
        kept["cashier_login"] = json!("vol");
        let (status, sale) = second.post("/api/v1/sales", &kept).await;
        assert_eq!(status, StatusCode::CREATED, "{sale}");
        assert_eq!(sale["cashier_login"], "vol", "the sale stays with who rang it");
        let audit = server.get_ok("/api/v1/audit?action=sale.sent_for").await;
        assert_eq!(audit[0]["actor_login"], "vol2", "{audit}");
        assert_eq!(audit[0]["entity_id"], sale["id"], "{audit}");
        // A name no one has is refused, and nothing is recorded.
        let mut stranger = till.cash_sale(&till.products[0], 1);
        stranger["cashier_login"] = json!("nobody");
        let (status, refused) = second.post("/api/v1/sales", &stranger).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(error_fields(&refused), ["cashier_login"]);
        // Without a name, the sale is the sender's.
        let own = till.record(&till.cash_sale(&till.products[0], 1)).await;
        assert_eq!(own["cashier_login"], "vol");
    }
);
