//! The cash drawer under control, over real HTTP on SQLite and PostgreSQL: a cashier's payout
//! (出金) above the council's limit needs a manager's PIN, used once; every receipt print and
//! reprint and every opening of the drawer is in the audit log; a reprint is marked 再発行 and
//! never kicks the drawer (a fake printer on TCP gets the bytes).

use reqwest::{Method, StatusCode};
use selpos_server::printing::decode::decode;
use selpos_tests::printer::{DRAWER_KICK, FakePrinter};
use selpos_tests::{
    Cashier, HeartBazaar, NewEvent, NewFacility, NewProduct, TestServer, Till, World, assert_error, db_test,
    error_fields,
};
use serde_json::{Value, json};

/// One facility, one product, the event HB26 with register R1 and the volunteer signed in on its
/// tablet, the register opened with a ¥30,000 float.
async fn open_register(server: &TestServer) -> Till {
    let till = World::on(server)
        .facility(NewFacility::new(1, "A工房"))
        .product(NewProduct::reduced(0, "クッキー", 120))
        .cashier(Cashier::volunteer())
        .open_till()
        .await;
    let (status, body) = till
        .cashier
        .post(
            &format!("/api/v1/registers/{}/open", till.register),
            &json!({"id": uuid::Uuid::now_v7(), "counts": [{"denomination": 10000, "count": 3}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    till
}

fn payout(amount: i64, approval: Option<&str>) -> Value {
    json!({"id": uuid::Uuid::now_v7(), "amount": amount, "reason": "氷代", "approval_id": approval})
}

/// The payouts the register's open session has recorded, in yen.
async fn payouts(till: &Till) -> Vec<i64> {
    let status = till
        .cashier
        .get_ok(&format!("/api/v1/registers/{}/session", till.register))
        .await;
    status["report"]["payouts"]
        .as_array()
        .expect("payouts")
        .iter()
        .map(|p| p["amount"].as_i64().expect("amount"))
        .collect()
}

/// The audit entries whose action starts with `action`, newest first.
async fn audit(server: &TestServer, action: &str) -> Vec<Value> {
    let entries = server.get_ok(&format!("/api/v1/audit?action={action}")).await;
    entries.as_array().expect("entries").clone()
}

db_test!(
    a_payout_above_the_councils_limit_needs_a_managers_pin_once,
    demo = false,
    |server| {
        // The limit is ¥5,000 until the council sets another.
        assert_eq!(
            server.get_ok("/api/v1/council").await["payout_approval_limit"],
            5000
        );
        let till = open_register(&server).await;
        let path = format!("/api/v1/registers/{}/payouts", till.register);

        // Up to the limit: no approval.
        let (status, body) = till.cashier.post(&path, &payout(5000, None)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        // Above it: refused without a manager's approval, and nothing is taken out.
        let (status, body) = till.cashier.post(&path, &payout(5001, None)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let message = assert_error(&body, "conflict");
        assert!(message.contains("承認"), "{message}");
        assert_eq!(payouts(&till).await, [5000]);

        // An approval for another action does not do.
        let void_approval = till.cashier.approve("void", &json!(uuid::Uuid::now_v7())).await;
        let (status, body) = till
            .cashier
            .post(&path, &payout(6000, Some(&void_approval)))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");

        // With a manager's PIN on the spot: taken out, once.
        let grant = |amount: i64| {
            json!({"action": "payout", "approver_login": selpos_tests::ADMIN_LOGIN, "pin": selpos_tests::ADMIN_PIN,
                "reason": "出金", "amount": amount})
        };
        let approval = till.cashier.created("/api/v1/approvals", &grant(6000)).await["id"]
            .as_str()
            .expect("id")
            .to_string();
        // It covers up to ¥6,000: not ¥60,000.
        let (status, body) = till.cashier.post(&path, &payout(60000, Some(&approval))).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        selpos_tests::assert_error(&body, "approval_over_amount");
        let (status, body) = till.cashier.post(&path, &payout(6000, Some(&approval))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["report"]["cash"]["payouts"], 11000);
        let (status, body) = till.cashier.post(&path, &payout(6000, Some(&approval))).await;
        assert_eq!(status, StatusCode::CONFLICT, "an approval is used once: {body}");
        assert_eq!(payouts(&till).await, [5000, 6000]);

        // A council user approves their own payout.
        let (status, body) = server.post(&path, &payout(8000, None)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let expected = 30000 - 5000 - 6000 - 8000;
        assert_eq!(body["report"]["cash"]["expected"], expected);

        // The audit log has each payout, the approved one with its approval.
        let entries = audit(&server, "register.payout").await;
        assert_eq!(entries.len(), 3, "{entries:?}");
        assert_eq!(entries[1]["after"]["amount"], 6000);
        assert_eq!(entries[1]["after"]["approval_id"], approval.as_str());

        // The council sets the limit: at ¥0 every payout of a cashier needs a PIN.
        let mut council = server.get_ok("/api/v1/council").await;
        let object = council.as_object_mut().expect("council");
        object.remove("updated_at");
        object.insert("payout_approval_limit".into(), json!(-1));
        let (status, body) = server.put("/api/v1/council", &council).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), ["payout_approval_limit"]);
        council["payout_approval_limit"] = json!(0);
        let (status, body) = server.put("/api/v1/council", &council).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["payout_approval_limit"], 0);
        let (status, body) = till.cashier.post(&path, &payout(100, None)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(payouts(&till).await, [5000, 6000, 8000]);
    }
);

/// Cookie ×2 (¥240), soap (¥780), jam (¥500): ¥1,520.
fn heart_bazaar_sale(till: &HeartBazaar, tenders: Value) -> Value {
    let lines = json!([{"product_id": till.cookie, "quantity": 2, "unit_price": 120},
                       {"product_id": till.soap, "quantity": 1, "unit_price": 780},
                       {"product_id": till.jam, "quantity": 1, "unit_price": 500}]);
    till.sale(lines, tenders)
}

db_test!(
    every_print_and_drawer_opening_is_audited_and_a_reprint_keeps_the_drawer_shut,
    demo = false,
    |server| {
        let mut printer = FakePrinter::start().await;
        let till = HeartBazaar::open(
            World::on(&server).event(NewEvent::bazaar("HB26").printer(Some(&printer.addr))),
        )
        .await;
        let print = |sale: &Value, reprint: bool| {
            let id = sale["id"].as_str().expect("id").to_string();
            let cashier = &till.cashier;
            async move {
                let query = if reprint { "?reprint=true" } else { "" };
                let (status, outcome) = cashier
                    .request(Method::POST, &format!("/api/v1/sales/{id}/print{query}"), None)
                    .await;
                assert_eq!(status, StatusCode::OK, "{outcome}");
                outcome
            }
        };

        // A cash sale: printed, the drawer kicked, both in the audit log.
        let cash = till
            .record(&heart_bazaar_sale(
                &till,
                json!([{"kind": "cash", "amount": 2000}]),
            ))
            .await;
        assert_eq!(print(&cash, false).await["drawer_opened"], true);
        let job = decode(&printer.next_job().await.bytes).expect("decodes");
        assert_eq!(job.count(DRAWER_KICK), 1);
        assert!(!job.texts().iter().any(|t| t.contains("再発行")));
        let prints = audit(&server, "receipt.").await;
        assert_eq!(prints.len(), 1, "{prints:?}");
        assert_eq!(prints[0]["action"], "receipt.print");
        assert_eq!(prints[0]["entity"], "sale");
        assert_eq!(prints[0]["entity_id"], cash["id"]);
        assert_eq!(prints[0]["actor_login"], "vol");
        assert_eq!(prints[0]["after"]["receipt_number"], cash["receipt_number"]);
        assert_eq!(prints[0]["after"]["drawer_opened"], true);
        let drawer = audit(&server, "drawer.open").await;
        assert_eq!(drawer.len(), 1, "{drawer:?}");
        assert_eq!(drawer[0]["entity"], "register");
        assert_eq!(drawer[0]["entity_id"], till.register.to_string());
        assert_eq!(drawer[0]["register_id"], till.register);
        assert_eq!(drawer[0]["after"]["sale_id"], cash["id"]);
        assert_eq!(drawer[0]["after"]["reason"], "sale");

        // Its reprint: marked 再発行, no drawer kick in the bytes, audited as a reprint only.
        assert_eq!(print(&cash, true).await["drawer_opened"], false);
        let job = printer.next_job().await;
        assert!(
            !job.bytes.windows(2).any(|w| w == [0x1B, b'p']),
            "no ESC p at all in a reprint"
        );
        let reprint = decode(&job.bytes).expect("decodes");
        assert_eq!(reprint.count(DRAWER_KICK), 0);
        assert!(reprint.texts().contains(&"【再発行】"), "{:?}", reprint.texts());
        let prints = audit(&server, "receipt.").await;
        assert_eq!(prints.len(), 2);
        assert_eq!(prints[0]["action"], "receipt.reprint");
        assert_eq!(prints[0]["entity_id"], cash["id"]);
        assert_eq!(prints[0]["after"]["drawer_opened"], false);
        assert_eq!(
            audit(&server, "drawer.open").await.len(),
            1,
            "the drawer stayed shut"
        );

        // A card sale prints without the drawer: a print, no opening.
        let card = till
            .record(&heart_bazaar_sale(
                &till,
                json!([{"kind": "credit_card", "amount": 1520}]),
            ))
            .await;
        assert_eq!(print(&card, false).await["drawer_opened"], false);
        assert_eq!(
            decode(&printer.next_job().await.bytes)
                .expect("decodes")
                .count(DRAWER_KICK),
            0
        );
        let prints = audit(&server, "receipt.").await;
        assert_eq!(
            (prints.len(), &prints[0]["action"], &prints[0]["entity_id"]),
            (3, &json!("receipt.print"), &card["id"])
        );
        assert_eq!(audit(&server, "drawer.open").await.len(), 1);

        // A printer that is off prints nothing, so nothing is recorded as printed.
        drop(printer);
        let (status, _) = till
            .cashier
            .request(
                Method::POST,
                &format!("/api/v1/sales/{}/print", card["id"].as_str().expect("id")),
                None,
            )
            .await;
        assert!(status.is_server_error(), "{status}");
        assert_eq!(audit(&server, "receipt.").await.len(), 3);
    }
);

/// The register's session as the tablet sees it.
async fn session_status(till: &Till) -> Value {
    till.cashier
        .get_ok(&format!("/api/v1/registers/{}/session", till.register))
        .await
}

fn float_entry(id: uuid::Uuid, ten_thousands: i64, reason: &str) -> Value {
    json!({"id": id, "counts": [{"denomination": 10000, "count": ten_thousands}], "reason": reason})
}

db_test!(
    a_float_entered_late_by_the_council_is_audited_and_used_by_the_close,
    demo = false,
    |server| {
        let till = World::on(&server)
            .facility(NewFacility::new(1, "A工房"))
            .product(NewProduct::reduced(0, "クッキー", 120))
            .cashier(Cashier::volunteer())
            .open_till()
            .await;
        // A sale before レジ開け opens the register with a ¥0 float, flagged.
        let lines = json!([{"product_id": till.products[0].id, "quantity": 1, "unit_price": 120}]);
        till.record(&till.sale(lines, json!([{"kind": "cash", "amount": 1000}])))
            .await;
        let status = session_status(&till).await;
        assert_eq!(status["state"], "open", "{status}");
        let session = &status["report"]["session"];
        assert_eq!(session["auto_opened"], true);
        assert_eq!(status["report"]["cash"]["float"], 0);
        assert!(session.get("float_entered").is_none(), "{session}");
        let path = format!(
            "/api/v1/register-sessions/{}/float",
            session["id"].as_str().expect("session id")
        );

        // The cashier may not enter it afterwards: only the council.
        let (status, body) = till
            .cashier
            .put(&path, &float_entry(uuid::Uuid::now_v7(), 3, ""))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(session_status(&till).await["report"]["cash"]["float"], 0);

        // A count that is not one is refused with its field.
        let (status, body) = server
            .put(
                &path,
                &json!({"id": uuid::Uuid::now_v7(), "counts": [{"denomination": 3000, "count": 1}]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), ["counts[0].denomination"]);

        // The council enters ¥30,000; a retry of the same entry is applied once.
        let first = uuid::Uuid::now_v7();
        for _ in 0..2 {
            let (status, body) = server
                .put(&path, &float_entry(first, 3, "レジ開け前に販売"))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["cash"]["float"], 30000);
            assert_eq!(body["cash"]["expected"], 30120);
            assert_eq!(body["session"]["auto_opened"], true, "the flag stays");
            assert_eq!(body["session"]["float_entered"]["by"], selpos_tests::ADMIN_LOGIN);
            assert_eq!(body["session"]["float_entered"]["previous"], 0);
        }
        // Corrected to ¥20,000.
        let (status, body) = server
            .put(&path, &float_entry(uuid::Uuid::now_v7(), 2, "数え間違い"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["cash"]["float"], 20000);
        assert_eq!(body["session"]["float_entered"]["previous"], 30000);
        assert_eq!(body["session"]["float_entered"]["reason"], "数え間違い");

        // Audited: each entry once, the float before and after.
        let entries = audit(&server, "register.float").await;
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert_eq!(entries[1]["before"]["float"], 0);
        assert_eq!(entries[1]["after"]["float"], 30000);
        assert_eq!(entries[1]["after"]["reason"], "レジ開け前に販売");
        assert_eq!(entries[0]["before"]["float"], 30000);
        assert_eq!(entries[0]["after"]["float"], 20000);
        assert_eq!(entries[0]["entity_id"], till.register.to_string());

        // The close counts against it: ¥20,120 in the drawer is exact, no note needed.
        let close = json!({"id": uuid::Uuid::now_v7(),
            "counts": [{"denomination": 10000, "count": 2}, {"denomination": 100, "count": 1}, {"denomination": 10, "count": 2}]});
        let (status, report) = till
            .cashier
            .post(&format!("/api/v1/registers/{}/close", till.register), &close)
            .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["cash"]["float"], 20000);
        assert_eq!(report["cash"]["expected"], 20120);
        assert_eq!(report["cash"]["difference"], 0);
        assert_eq!(report["session"]["auto_opened"], true);

        // A closed session's float is not changed any more.
        let (status, body) = server
            .put(&path, &float_entry(uuid::Uuid::now_v7(), 5, "締め後"))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let message = assert_error(&body, "conflict");
        assert!(message.contains("締め済み"), "{message}");
        let status = session_status(&till).await;
        assert_eq!(status["report"]["cash"]["float"], 20000);
        assert_eq!(audit(&server, "register.float").await.len(), 2);

        // An unknown session: 404.
        let (status, body) = server
            .put(
                "/api/v1/register-sessions/nothing/float",
                &float_entry(uuid::Uuid::now_v7(), 1, ""),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
);
