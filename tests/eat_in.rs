//! イートイン over real HTTP on SQLite and PostgreSQL: where an event offers tables, a food
//! line rung as eaten on the spot is taxed at 10 %, and the receipt, a refund of it and the
//! settlement follow the line's stored rate; without tables, or on what is not food, it is
//! refused with a 422 naming the line's field.

use reqwest::StatusCode;
use selpos_tests::{
    Cashier, NewEvent, NewFacility, NewProduct, TestServer, Till, World, assert_error, db_test, error_fields,
};
use serde_json::{Value, json};

/// The council, a registered issuer rounding the tax down, and a registered facility selling
/// rice balls (¥216, 8 %) and soap (¥780, 10 %) at HB26, which offers tables when `eat_in`;
/// the volunteer signed in on its register's tablet.
async fn world(server: &TestServer, eat_in: bool) -> Till {
    World::on(server)
        .council(json!({"name": "群馬県社会就労センター協議会", "invoice_number": "T3700000000001", "tax_rounding": "down"}))
        .facility(NewFacility::new(1, "A工房").invoice_issuer())
        .products([
            NewProduct::reduced(0, "おにぎり", 216),
            NewProduct::standard(0, "石けん", 780),
        ])
        .event(NewEvent::bazaar("HB26").with("eat_in", json!(eat_in)))
        .cashier(Cashier::volunteer())
        .open_till()
        .await
}

/// One of `product` (with its list price), eaten here or not, paid in cash to the yen.
fn sale(till: &Till, product: usize, eat_in: bool) -> Value {
    let p = till.products[product];
    till.sale(
        json!([{"product_id": p.id, "quantity": 1, "unit_price": p.price, "eat_in": eat_in}]),
        json!([{"kind": "cash", "amount": p.price}]),
    )
}

fn rates(sale: &Value) -> Vec<(String, i64, i64)> {
    sale["by_rate"]
        .as_array()
        .expect("by_rate")
        .iter()
        .map(|r| {
            (
                r["rate"].as_str().expect("rate").to_string(),
                r["total"].as_i64().expect("total"),
                r["tax"].as_i64().expect("tax"),
            )
        })
        .collect()
}

fn receipt_line<'a>(lines: &'a [Value], start: &str) -> &'a str {
    lines
        .iter()
        .filter_map(Value::as_str)
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting with {start:?} in {lines:#?}"))
}

db_test!(
    an_eat_in_food_line_is_taxed_at_ten_percent_and_everything_follows,
    demo = false,
    |server| {
        let till = world(&server, true).await;
        let event = server.get_ok(&format!("/api/v1/events/{}", till.event)).await;
        assert_eq!(event["eat_in"], true);
        // The offline till knows from its catalogue.
        let catalog = till
            .cashier
            .get_ok(&format!("/api/v1/registers/{}/catalog", till.register))
            .await;
        assert_eq!(catalog["eat_in"], true);

        // Taken away: 8 %, ¥216 × 8/108 = ¥16.
        let take_away = till.record(&sale(&till, 0, false)).await;
        assert_eq!(rates(&take_away), [("reduced".into(), 216, 16)]);

        // Eaten here: 10 %, ¥216 × 10/110 = ¥19.6 → ¥19 (the council rounds down).
        let eaten = till.record(&sale(&till, 0, true)).await;
        assert_eq!(rates(&eaten), [("standard".into(), 216, 19)]);
        assert_eq!(eaten["lines"][0]["tax_rate"], "standard");
        assert_eq!(eaten["total"], 216);

        // The receipt states it at 10 %, without the ※ of reduced-rate goods.
        let id = eaten["id"].as_str().expect("id");
        let receipt = till.cashier.get_ok(&format!("/api/v1/sales/{id}/receipt")).await;
        let lines = receipt["lines"].as_array().expect("lines");
        assert!(
            receipt_line(lines, "10%対象").ends_with(" ¥216 (内消費税 ¥19)"),
            "{lines:#?}"
        );
        assert!(
            !lines
                .iter()
                .filter_map(Value::as_str)
                .any(|l| l.starts_with("8%対象") || l.contains('※')),
            "{lines:#?}"
        );
        receipt_line(lines, "おにぎり");
        let take_away_receipt = till
            .cashier
            .get_ok(&format!(
                "/api/v1/sales/{}/receipt",
                take_away["id"].as_str().expect("id")
            ))
            .await;
        let lines = take_away_receipt["lines"].as_array().expect("lines");
        assert!(
            receipt_line(lines, "8%対象").ends_with(" ¥216 (内消費税 ¥16)"),
            "{lines:#?}"
        );
        receipt_line(lines, "※おにぎり");

        // A refund of it pays back at the rate it was sold at.
        let (status, refund) = server
            .post(
                &format!("/api/v1/sales/{id}/refund"),
                &json!({"id": uuid::Uuid::now_v7(), "reason": "返品", "lines": [{"line_no": 1, "quantity": 1}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{refund}");
        assert_eq!(rates(&refund), [("standard".into(), -216, -19)]);

        // The settlement follows the stored rate: one take-away sold at 8 %; the eat-in sale
        // and its refund at 10 %.
        let eaten_again = till.record(&sale(&till, 0, true)).await;
        assert_eq!(rates(&eaten_again), [("standard".into(), 216, 19)]);
        let settlement = server
            .get_ok(&format!("/api/v1/events/{}/settlement", till.event))
            .await;
        let by_rate: Vec<(String, i64)> = settlement["totals"]["by_rate"]
            .as_array()
            .expect("by_rate")
            .iter()
            .map(|r| {
                (
                    r["rate"].as_str().expect("rate").to_string(),
                    r["net"].as_i64().expect("net"),
                )
            })
            .collect();
        assert_eq!(
            by_rate,
            [("standard".into(), 216), ("reduced".into(), 216)],
            "{settlement}"
        );

        // Soap is no food: eat-in refused, naming the line's field.
        let (status, body) = till.cashier.post("/api/v1/sales", &sale(&till, 1, true)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), ["lines[0].eat_in"]);
        assert_eq!(body["error"]["fields"][0]["code"], "not_reduced_rate");
    }
);

db_test!(
    eat_in_is_refused_where_the_event_has_no_tables,
    demo = false,
    |server| {
        let till = world(&server, false).await;
        let event = server.get_ok(&format!("/api/v1/events/{}", till.event)).await;
        assert_eq!(event["eat_in"], false);
        let catalog = till
            .cashier
            .get_ok(&format!("/api/v1/registers/{}/catalog", till.register))
            .await;
        assert_eq!(catalog["eat_in"], false);

        let (status, body) = till.cashier.post("/api/v1/sales", &sale(&till, 0, true)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), ["lines[0].eat_in"]);
        assert_eq!(body["error"]["fields"][0]["code"], "eat_in_not_offered");
        assert_error(&body, "validation");
        // Nothing was recorded: the next sale is the register's first receipt.
        let first = till.record(&sale(&till, 0, false)).await;
        assert_eq!(first["receipt_number"], "HB26-R1-0001");
        assert_eq!(rates(&first), [("reduced".into(), 216, 16)]);

        // The council gives the event tables: the same line is now eaten in at 10 %.
        let mut input = till.event_input.clone();
        input["eat_in"] = json!(true);
        let (status, body) = server
            .put(&format!("/api/v1/events/{}", till.event), &input)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["eat_in"], true);
        let eaten = till.record(&sale(&till, 0, true)).await;
        assert_eq!(rates(&eaten), [("standard".into(), 216, 19)]);
    }
);
