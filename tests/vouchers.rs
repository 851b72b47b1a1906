//! Gift vouchers (商品券) over real HTTP, on SQLite and PostgreSQL: a void of a voucher sale
//! that gave change pays back what the customer paid net of the change, and the surplus of a
//! voucher that gave none is recorded per sale and shows on the register close and the event
//! settlement as its own line, so that the tenders tie out with sales + surplus to the yen.

use reqwest::StatusCode;
use selpos_tests::{Cashier, NewEvent, NewFacility, NewProduct, TestServer, Till, World, db_test};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A facility selling a ¥800 gift box, the council giving change for vouchers or not, and the
/// register opened with a ¥10,000 float.
async fn till(server: &TestServer, voucher_gives_change: bool) -> Till {
    let council = json!({"name": "群馬県社会就労センター協議会", "invoice_number": "T3700000000001",
        "tax_rounding": "down", "voucher_gives_change": voucher_gives_change});
    let till = World::on(server)
        .council(council)
        .facility(NewFacility::new(1, "A工房").invoice_issuer())
        .product(NewProduct::reduced(0, "焼き菓子ギフト", 800))
        .event(NewEvent::bazaar("HB26"))
        .cashier(Cashier::volunteer())
        .open_till()
        .await;
    let (status, opened) = till
        .cashier
        .post(
            &format!("/api/v1/registers/{}/open", till.register),
            &json!({"id": uuid::Uuid::now_v7(), "counts": [{"denomination": 1000, "count": 10}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    till
}

fn gift_box(till: &Till, tenders: Value) -> Value {
    till.sale(
        json!([{"product_id": till.products[0].id, "quantity": 1, "unit_price": 800}]),
        tenders,
    )
}

fn yen(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an amount: {v}"))
}

/// Tender kind → amount, of a sale's tenders or a report's tender totals.
fn tenders(list: &Value) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for t in list.as_array().expect("tenders") {
        *out.entry(t["kind"].as_str().expect("kind").to_string())
            .or_default() += yen(&t["amount"]);
    }
    out
}

async fn void(server: &TestServer, sale: &Value) -> Value {
    let (status, void) = server
        .post(
            &format!("/api/v1/sales/{}/void", sale["id"].as_str().expect("id")),
            &json!({"id": uuid::Uuid::now_v7(), "reason": "お客様都合"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{void}");
    void
}

/// The register's running report.
async fn report(till: &Till) -> Value {
    till.cashier
        .get_ok(&format!("/api/v1/registers/{}/session", till.register))
        .await["report"]
        .clone()
}

/// Σ tenders of a report − (sales − returns + voucher surplus): zero when they tie out.
fn unexplained(report: &Value) -> i64 {
    let taken: i64 = tenders(&report["tenders"]).values().sum();
    taken - (yen(&report["sales_total"]) - yen(&report["returns_total"]) + yen(&report["voucher_surplus"]))
}

db_test!(
    a_voucher_sale_that_gave_change_is_voided_net_of_the_change,
    demo = false,
    |server| {
        let till = till(&server, true).await;
        // ¥800 paid with a ¥1,000 voucher: ¥200 change out of the drawer.
        let sale = till
            .record(&gift_box(
                &till,
                json!([{"kind": "gift_voucher", "amount": 1000}]),
            ))
            .await;
        assert_eq!((yen(&sale["change"]), yen(&sale["voucher_surplus"])), (200, 0));
        assert_eq!(report(&till).await["cash"]["expected"], 10_000 - 200);

        // The void hands the voucher back and takes the ¥200 change back: ¥800 net, not ¥1,000.
        let void = void(&server, &sale).await;
        let paid_back = tenders(&void["tenders"]);
        assert_eq!(
            paid_back,
            BTreeMap::from([("cash".into(), 200), ("gift_voucher".into(), -1000)]),
            "{void}"
        );
        assert_eq!(paid_back.values().sum::<i64>(), -800);
        assert_eq!((yen(&void["total"]), yen(&void["voucher_surplus"])), (-800, 0));

        // The drawer is as before the sale: the float, and nothing owed in any tender.
        let running = report(&till).await;
        assert_eq!(running["cash"]["expected"], 10_000, "{running}");
        assert!(
            tenders(&running["tenders"]).values().all(|amount| *amount == 0),
            "{running}"
        );
        assert_eq!(unexplained(&running), 0, "{running}");
        // Counted at the float, the close balances without a note.
        let (status, closed) = till
            .cashier
            .post(
                &format!("/api/v1/registers/{}/close", till.register),
                &json!({"id": uuid::Uuid::now_v7(), "counts": [{"denomination": 1000, "count": 10}]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{closed}");
        assert_eq!(closed["cash"]["difference"], 0);
    }
);

db_test!(
    a_voucher_surplus_is_recorded_and_ties_out_on_the_close_and_the_settlement,
    demo = false,
    |server| {
        let till = till(&server, false).await;
        let voucher = json!([{"kind": "gift_voucher", "amount": 1000}]);
        // Two ¥800 boxes for a ¥1,000 voucher each, no change (釣銭なし): ¥200 surplus each.
        let kept = till.record(&gift_box(&till, voucher.clone())).await;
        assert_eq!((yen(&kept["change"]), yen(&kept["voucher_surplus"])), (0, 200));
        let voided = till.record(&gift_box(&till, voucher)).await;
        let stored = server
            .get_ok(&format!("/api/v1/sales/{}", voided["id"].as_str().expect("id")))
            .await;
        assert_eq!(stored["voucher_surplus"], 200, "recorded with the sale");
        // One box paid in cash, ¥1,000 for ¥800.
        let cash = till
            .record(&gift_box(&till, json!([{"kind": "cash", "amount": 1000}])))
            .await;
        assert_eq!(yen(&cash["change"]), 200);
        let running = report(&till).await;
        assert_eq!(running["voucher_surplus"], 400, "{running}");
        assert_eq!(unexplained(&running), 0, "{running}");

        // A void of a sale with surplus takes the surplus back too.
        let void = void(&server, &voided).await;
        assert_eq!((yen(&void["total"]), yen(&void["voucher_surplus"])), (-800, -200));
        assert_eq!(
            tenders(&void["tenders"]),
            BTreeMap::from([("gift_voucher".into(), -1000)])
        );

        // The close: tenders ¥1,000 voucher + ¥800 cash = sales ¥1,600 + surplus ¥200.
        let (status, closed) = till
            .cashier
            .post(
                &format!("/api/v1/registers/{}/close", till.register),
                &json!({"id": uuid::Uuid::now_v7(), "counts": [{"denomination": 1000, "count": 10},
                    {"denomination": 500, "count": 1}, {"denomination": 100, "count": 3}]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{closed}");
        assert_eq!(closed["cash"]["expected"], 10_800);
        assert_eq!(closed["cash"]["difference"], 0);
        assert_eq!(
            tenders(&closed["tenders"]),
            BTreeMap::from([("cash".into(), 800), ("gift_voucher".into(), 1000)])
        );
        assert_eq!(
            (yen(&closed["sales_total"]) - yen(&closed["returns_total"])),
            1_600
        );
        assert_eq!(closed["voucher_surplus"], 200, "{closed}");
        assert_eq!(unexplained(&closed), 0, "{closed}");

        // The event's settlement shows the surplus as its own line, apart from the sales.
        let settlement = server
            .get_ok(&format!("/api/v1/events/{}/settlement", till.event))
            .await;
        assert_eq!(settlement["voucher_surplus"], 200, "{settlement}");
        assert_eq!(settlement["journal_total"], 1_600);
        assert_eq!(
            settlement["totals"]["net"], 1_600,
            "the surplus is no facility's sales"
        );
        assert_eq!(settlement["registers"][0]["voucher_surplus"], 200);
        let taken: i64 = tenders(&settlement["tenders"]).values().sum();
        assert_eq!(taken, 1_600 + 200, "tenders = sales + surplus");

        // It settles: the tenders tie out.
        let (status, closed_event) = till.set_state(&server, "closed").await;
        assert_eq!(status, StatusCode::OK, "{closed_event}");
        let (status, settled) = server
            .post(&format!("/api/v1/events/{}/settle", till.event), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{settled}");
        assert_eq!(settled["voucher_surplus"], 200);
    }
);
