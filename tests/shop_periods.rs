//! 期間精算 over real HTTP, on SQLite and PostgreSQL: the SELP SHOP as a standing shop. Three
//! days of sales; a period settled while the next day's sales arrive; statements per period;
//! stock carried over with a 棚卸; a late offline sale from a settled period booked into the
//! open period and shown as late; the wage feed; the dashboard's days and months.

use chrono::{NaiveDate, TimeDelta, Utc};
use reqwest::StatusCode;
use selpos_tests::{NewEvent, NewFacility, NewProduct, TestServer, World, assert_error, db_test};
use serde_json::{Value, json};

/// 11:00 in Tokyo on `day`, as the API writes it.
fn eleven_on(day: NaiveDate) -> String {
    format!("{day}T02:00:00Z")
}

/// A facility's line in a settlement.
fn facility(settlement: &Value, id: i64) -> &Value {
    settlement["facilities"]
        .as_array()
        .and_then(|l| l.iter().find(|f| f["facility_id"] == id))
        .unwrap_or_else(|| panic!("facility {id} in {settlement}"))
}

/// A product's stock line.
fn stock(lines: &Value, product: i64) -> &Value {
    lines
        .as_array()
        .and_then(|l| l.iter().find(|s| s["product_id"] == product))
        .unwrap_or_else(|| panic!("product {product} in {lines}"))
}

/// Runs `sql` with the time `at` as $1: moves a record back in time, as the days the test
/// cannot wait for would have.
async fn backdate(server: &TestServer, sql: &str, at: &str) {
    let at: chrono::DateTime<Utc> = at.parse().expect("time");
    let mut tx = server.db().write().await.expect("tx");
    selpos_server::on_tx!(&mut tx, |conn| sqlx::query(sql)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
    .expect("backdate");
    tx.commit().await.expect("commit");
}

/// Moves every intake recorded so far back to `at`: the goods came in before the shop opened.
async fn backdate_intake(server: &TestServer, at: &str) {
    backdate(
        server,
        "UPDATE stock_movements SET created_at = $1 WHERE kind = 'intake'",
        at,
    )
    .await;
}

db_test!(
    a_standing_shop_is_settled_period_by_period_while_it_keeps_selling,
    demo = false,
    |server| {
        let today = selpos_domain::events::tokyo_date(Utc::now());
        let [d1, d2, d3] = [3, 2, 1].map(|n| today - TimeDelta::days(n));
        let w = World::on(&server)
            .facilities([
                NewFacility::new(31, "工房31"),
                NewFacility::new(32, "農園32"),
                NewFacility::new(34, "工房34"),
            ])
            .products([
                NewProduct::reduced(0, "クッキー", 120),
                NewProduct::reduced(1, "ジャム", 500),
                NewProduct::reduced(2, "ジュース", 150),
            ])
            .event(NewEvent::standing_shop("SHOP26", d1))
            .open_till()
            .await;
        let (a, b, c) = (w.facilities[0], w.facilities[1], w.facilities[2]);
        let (cookie, jam, juice) = (&w.products[0], &w.products[1], &w.products[2]);
        let event = server.get_ok(&format!("/api/v1/events/{}", w.event)).await;
        assert_eq!(event["standing"], true, "{event}");
        assert_eq!(event["ends_on"], "9999-12-31", "a standing shop has no last day");

        // Ten cookies brought in before the first day's opening.
        let (status, body) = server
            .post(
                &format!("/api/v1/events/{}/stock", w.event),
                &json!({"id": uuid::Uuid::now_v7(), "kind": "intake", "facility_id": a,
                    "lines": [{"product_id": cookie.id, "quantity": 10}]}),
            )
            .await;
        assert!(status.is_success(), "intake: {body}");
        backdate_intake(&server, &format!("{d1}T00:00:00Z")).await;

        // Days 1 and 2.
        let sale = |day: NaiveDate, product: &selpos_tests::Product, quantity: i64| {
            w.sale_at(
                &eleven_on(day),
                json!([{"product_id": product.id, "quantity": quantity, "unit_price": product.price}]),
                json!([{"kind": "cash", "amount": product.price * quantity}]),
            )
        };
        w.record(&sale(d1, cookie, 3)).await;
        w.record(&sale(d1, jam, 1)).await;
        w.record(&sale(d2, cookie, 2)).await;

        // A standing shop is never settled as a whole.
        let (status, body) = server
            .post(&format!("/api/v1/events/{}/settle", w.event), &json!({}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("期間")),
            "{body}"
        );
        // Only days that are over, and none before the shop.
        let periods = format!("/api/v1/events/{}/periods", w.event);
        for through in [today, d1 - TimeDelta::days(1)] {
            let (status, body) = server.post(&periods, &json!({"through": through})).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{through}: {body}");
            assert_eq!(selpos_tests::error_fields(&body), vec!["through"]);
        }
        let preview = server.get_ok(&format!("{periods}/preview?through={d2}")).await;
        assert_eq!(facility(&preview["settlement"], a)["net"], 600, "{preview}");
        assert_eq!(preview["period"], Value::Null, "a preview is no period yet");

        // Days 1–2 settled while day 3's sales arrive, and an offline sale of day 2 with them:
        // each lands in exactly one period.
        let (settle_body, jam3, cookie3, juice2) = (
            json!({"through": d2}),
            sale(d3, jam, 2),
            sale(d3, cookie, 1),
            sale(d2, juice, 1),
        );
        let (settled, day3_jam, day3_cookie, day2_juice) = tokio::join!(
            server.post(&periods, &settle_body),
            w.cashier.post("/api/v1/sales", &jam3),
            w.cashier.post("/api/v1/sales", &cookie3),
            w.cashier.post("/api/v1/sales", &juice2),
        );
        assert_eq!(day2_juice.0, StatusCode::CREATED, "{}", day2_juice.1);
        assert_eq!(settled.0, StatusCode::OK, "{}", settled.1);
        assert_eq!(day3_jam.0, StatusCode::CREATED, "{}", day3_jam.1);
        assert_eq!(day3_cookie.0, StatusCode::CREATED, "{}", day3_cookie.1);
        let first = settled.1;
        let first_id = first["period"]["id"].as_i64().expect("the period's id");
        assert_eq!(
            (first["starts_on"].as_str(), first["ends_on"].as_str()),
            (Some(&*d1.to_string()), Some(&*d2.to_string()))
        );
        assert_eq!(facility(&first["settlement"], a)["net"], 600, "{first}");
        assert_eq!(facility(&first["settlement"], b)["net"], 500);
        // The racing juice of day 2: in the period if it came first, else late in the next.
        let juice_first = first["settlement"]["facilities"]
            .as_array()
            .and_then(|l| l.iter().find(|f| f["facility_id"] == c))
            .map_or(0, |f| f["net"].as_i64().unwrap_or_default());
        assert!(juice_first == 0 || juice_first == 150, "{first}");
        assert_eq!(
            first["settlement"]["totals"]["net"],
            1_100 + juice_first,
            "no day-3 sale in it"
        );
        assert_eq!(first["settlement"]["state"], "settled");
        // Asked again (a retry): the same period.
        let (status, again) = server.post(&periods, &json!({"through": d2})).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["period"]["id"], first_id);

        // A late offline sale of day 1, synced after its days were settled.
        let late = w.record(&sale(d1, cookie, 1)).await;
        let list = server.get_ok(&periods).await;
        assert_eq!(list["open_from"], d3.to_string(), "{list}");
        assert_eq!(list["periods"].as_array().map(Vec::len), Some(1));
        let open = server.get_ok(&format!("{periods}/preview?through={d3}")).await;
        assert_eq!(
            facility(&open["settlement"], a)["net"],
            240,
            "day 3 and the late sale: {open}"
        );
        assert_eq!(facility(&open["settlement"], b)["net"], 1_000);
        let late_records: Vec<&Value> = open["late"]
            .as_array()
            .expect("late")
            .iter()
            .filter(|r| r["facility_ids"] != json!([c]))
            .collect();
        assert_eq!(late_records.len(), 1, "{open}");
        assert_eq!(late_records[0]["sale_id"], late["id"]);
        assert_eq!(late_records[0]["facility_ids"], json!([a]));
        let juice_late = open["late"].as_array().map_or(0, |l| {
            l.iter().filter(|r| r["facility_ids"] == json!([c])).count()
        });
        assert_eq!(
            juice_late,
            usize::from(juice_first == 0),
            "the juice once, late if not in the period: {open}"
        );
        // The settled period did not move.
        let settled_again = server.get_ok(&format!("{periods}/{first_id}")).await;
        assert_eq!(
            settled_again["settlement"]["totals"],
            first["settlement"]["totals"]
        );
        assert_eq!(settled_again["late"], json!([]));

        // Stock: the first period closes with what came in less what sold; the open period
        // opens with it.
        let statement = server
            .get_ok(&format!("{periods}/{first_id}/facilities/{a}"))
            .await;
        assert_eq!(statement["statement"]["facility"]["net"], 600, "{statement}");
        let c = stock(&statement["stock"], cookie.id);
        assert_eq!(
            (
                c["opening"].as_i64(),
                c["intake"].as_i64(),
                c["sold"].as_i64(),
                c["closing"].as_i64()
            ),
            (Some(0), Some(10), Some(5), Some(5)),
            "{c}"
        );
        let c = stock(&open["stock"], cookie.id);
        assert_eq!(
            (c["opening"].as_i64(), c["sold"].as_i64(), c["closing"].as_i64()),
            (Some(5), Some(2), Some(3)),
            "carried over, less day 3 and the late sale: {c}"
        );

        // Day 3 settled: the late sale is in it, shown as late on A's statement.
        let (status, second) = server.post(&periods, &json!({"through": d3})).await;
        assert_eq!(status, StatusCode::OK, "{second}");
        let second_id = second["period"]["id"].as_i64().expect("id");
        let statement = server
            .get_ok(&format!("{periods}/{second_id}/facilities/{a}"))
            .await;
        assert_eq!(statement["statement"]["facility"]["net"], 240, "{statement}");
        assert_eq!(statement["late"].as_array().map(Vec::len), Some(1));
        assert_eq!(stock(&statement["stock"], cookie.id)["closing"], 3);
        assert_eq!(statement["counted_at"], Value::Null, "no 棚卸 in it");
        let b_statement = server
            .get_ok(&format!("{periods}/{second_id}/facilities/{b}"))
            .await;
        assert_eq!(
            b_statement["late"],
            json!([]),
            "the late sale holds none of B's goods"
        );

        // 精算後の調整 on the first period: on A's statement of it; a retry changes nothing,
        // the same id for another correction is refused.
        let adjustment =
            json!({"id": uuid::Uuid::now_v7(), "facility_id": a, "amount": 100, "reason": "値札の誤り"});
        let adjustments = format!("{periods}/{first_id}/adjustments");
        let payable = |s: &Value| s["statement"]["facility"]["payable"].as_i64().expect("payable");
        let before = server
            .get_ok(&format!("{periods}/{first_id}/facilities/{a}"))
            .await;
        let adjusted = server.created(&adjustments, &adjustment).await;
        assert_eq!(payable(&adjusted), payable(&before) + 100, "{adjusted}");
        let again = server.created(&adjustments, &adjustment).await;
        assert_eq!(
            payable(&again),
            payable(&adjusted),
            "a retry is the same adjustment"
        );
        let mut other = adjustment.clone();
        other["amount"] = json!(5_000);
        let (status, body) = server.post(&adjustments, &other).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_error(&body, "adjustment_id_reused");
        let (status, body) = server
            .post(&format!("{periods}/{second_id}/adjustments"), &adjustment)
            .await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "another period, the same id: {body}"
        );
        let second_a = server
            .get_ok(&format!("{periods}/{second_id}/facilities/{a}"))
            .await;
        assert_eq!(second_a["statement"]["facility"]["adjustments_total"], 0);

        // Today's 棚卸 finds one cookie short: it belongs to the open period (today's).
        let (status, body) = server
            .post(
                &format!("/api/v1/events/{}/stock/count", w.event),
                &json!({"id": uuid::Uuid::now_v7(), "facility_id": a,
                    "lines": [{"product_id": cookie.id, "counted": 2}]}),
            )
            .await;
        assert!(status.is_success(), "count: {body}");
        let open = server.get_ok(&format!("{periods}/preview?through={today}")).await;
        let c = stock(&open["stock"], cookie.id);
        assert_eq!(
            (
                c["opening"].as_i64(),
                c["count_difference"].as_i64(),
                c["closing"].as_i64()
            ),
            (Some(3), Some(-1), Some(2)),
            "{c}"
        );
        assert!(
            open["counts"]
                .as_array()
                .is_some_and(|l| l.iter().any(|c| c["facility_id"] == a)),
            "{open}"
        );
        assert_eq!(open["settlement"]["totals"]["net"], 0, "nothing sold today");
        // A cookie taken home (持ち帰り) when the facility wants it back.
        let (status, body) = server
            .post(
                &format!("/api/v1/events/{}/stock", w.event),
                &json!({"id": uuid::Uuid::now_v7(), "kind": "return", "facility_id": a,
                    "lines": [{"product_id": cookie.id, "quantity": 1}]}),
            )
            .await;
        assert!(status.is_success(), "taken home: {body}");
        let open = server.get_ok(&format!("{periods}/preview?through={today}")).await;
        let c = stock(&open["stock"], cookie.id);
        assert_eq!(
            (c["taken_home"].as_i64(), c["closing"].as_i64()),
            (Some(1), Some(1)),
            "{c}"
        );

        // Once a period is settled the shop stays standing: settled whole, it would count twice.
        let mut input = w.event_input.clone();
        input["standing"] = json!(false);
        input["ends_on"] = json!(today.to_string());
        let (status, body) = server.put(&format!("/api/v1/events/{}", w.event), &input).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");

        // Facility staff see their own statements only.
        let staff = server
            .new_user(
                &json!({"login": "shop-staff-b", "display_name": "農園職員", "role": "facility_staff",
                "facility_id": b, "password": "shop-staff-pass-b"}),
            )
            .await;
        let own = staff
            .get_ok(&format!("{periods}/{first_id}/facilities/{b}"))
            .await;
        assert_eq!(own["statement"]["facility"]["net"], 500);
        let (status, body) = staff.get(&format!("{periods}/{first_id}/facilities/{a}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, body) = staff.post(&periods, &json!({"through": d3})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_error(&body, "forbidden");

        // The wage feed: each settled period's sales, the late one in the month it was sold.
        let fiscal = |d: NaiveDate| {
            let (y, m) = (chrono::Datelike::year(&d), chrono::Datelike::month(&d));
            if m >= 4 { y } else { y - 1 }
        };
        if fiscal(d1) == fiscal(d3) {
            let wages = server
                .get_ok(&format!(
                    "/api/v1/facilities/{a}/wages?fiscal_year={}",
                    fiscal(d1)
                ))
                .await;
            assert_eq!(wages["council_sales"], 840, "600 + 240: {wages}");
        }

        // The dashboard shows the shop's days and months.
        let dashboard = server
            .get_ok(&format!("/api/v1/events/{}/dashboard", w.event))
            .await;
        let days: Vec<(String, i64)> = dashboard["days"]
            .as_array()
            .expect("days")
            .iter()
            .map(|d| {
                (
                    d["day"].as_str().unwrap_or_default().to_string(),
                    d["amount"].as_i64().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            days,
            vec![
                (d1.to_string(), 980),
                (d2.to_string(), 390),
                (d3.to_string(), 1_120)
            ],
            "{dashboard}"
        );
        // Every record in exactly one period: the two periods hold everything sold.
        let second_net = second["settlement"]["totals"]["net"].as_i64().expect("net");
        assert_eq!(1_100 + juice_first + second_net, 2_490, "{second}");
        assert_eq!(dashboard["standing"], true);
        let month_total: i64 = dashboard["months"]
            .as_array()
            .expect("months")
            .iter()
            .filter_map(|m| m["amount"].as_i64())
            .sum();
        assert_eq!(month_total, 2_490);
    }
);

db_test!(an_event_is_not_settled_by_period, demo = false, |server| {
    let w = World::on(&server)
        .facilities([NewFacility::new(33, "工房33")])
        .products([NewProduct::reduced(0, "クッキー", 120)])
        .build()
        .await;
    let (status, body) = server
        .post(
            &format!("/api/v1/events/{}/periods", w.event),
            &json!({"through": "2026-11-28"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = server
        .post(
            &format!("/api/v1/events/{}/periods", w.event),
            &json!({"through": "2026-11-28", "extra": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
});

db_test!(
    periods_settled_at_once_never_overlap_and_wait_for_their_registers,
    demo = false,
    |server| {
        let today = selpos_domain::events::tokyo_date(Utc::now());
        let [d1, d2, d3] = [3, 2, 1].map(|n| today - TimeDelta::days(n));
        let w = World::on(&server)
            .facilities([NewFacility::new(35, "工房35")])
            .products([NewProduct::reduced(0, "クッキー", 120)])
            .event(NewEvent::standing_shop("SHOP28", d1))
            .open_till()
            .await;
        let cookie = &w.products[0];
        for day in [d1, d2, d3] {
            w.record(&w.sale_at(
                &eleven_on(day),
                json!([{"product_id": cookie.id, "quantity": 1, "unit_price": 120}]),
                json!([{"kind": "cash", "amount": 120}]),
            ))
            .await;
        }
        let periods = format!("/api/v1/events/{}/periods", w.event);

        // Two settlements at once, through day 1 and through day 2: whichever comes second
        // starts where the first ended, or is refused; no day is in two periods.
        let (one, two) = (json!({"through": d1}), json!({"through": d2}));
        let (first, second) = tokio::join!(server.post(&periods, &one), server.post(&periods, &two));
        for (status, body) in [&first, &second] {
            assert!(
                *status == StatusCode::OK || *status == StatusCode::UNPROCESSABLE_ENTITY,
                "{status} {body}"
            );
        }
        let list = server.get_ok(&periods).await;
        let settled = list["periods"].as_array().expect("periods");
        assert!(!settled.is_empty(), "{list}");
        let mut days: Vec<(String, String)> = settled
            .iter()
            .map(|p| {
                (
                    p["starts_on"].as_str().unwrap_or_default().into(),
                    p["ends_on"].as_str().unwrap_or_default().into(),
                )
            })
            .collect();
        days.sort();
        assert_eq!(days.first().map(|d| d.0.clone()), Some(d1.to_string()));
        assert_eq!(days.last().map(|d| d.1.clone()), Some(d2.to_string()), "{list}");
        for pair in days.windows(2) {
            let end: NaiveDate = pair[0].1.parse().expect("date");
            assert_eq!(
                pair[1].0,
                (end + TimeDelta::days(1)).to_string(),
                "back to back: {days:?}"
            );
        }
        let mut net = 0;
        for p in settled {
            net += server.get_ok(&format!("{periods}/{}", p["id"])).await["settlement"]["totals"]["net"]
                .as_i64()
                .expect("net");
        }
        assert_eq!(net, 240, "days 1 and 2, once each");

        // A register opened on day 3 and not closed holds day 3's settlement back.
        backdate(
            &server,
            "UPDATE register_sessions SET opened_at = $1",
            &format!("{d3}T00:00:00Z"),
        )
        .await;
        let (status, body) = server.post(&periods, &json!({"through": d3})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("レジ1")),
            "{body}"
        );
        w.close_register(&server).await;
        let (status, body) = server.post(&periods, &json!({"through": d3})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["settlement"]["totals"]["net"], 120);
        assert_eq!(
            body["settlement"]["registers"].as_array().map(Vec::len),
            Some(1),
            "its register's cash: {body}"
        );
    }
);
