//! Closing an event over real HTTP, on SQLite and PostgreSQL: レジ開け/締め with the cash
//! count, late sales, settlement per facility with commission, statements (JSON and CSV), the
//! lock a settlement puts on the event, corrections after it, the tax on statements tying out
//! to the receipts' and the council's invoice for its fee.
//!
//! Past 600 lines on purpose: each test walks a whole close (open, sell, count, settle, check
//! every figure), and they share the world and helpers at the top.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use selpos_tests::{
    ApiClient, Cashier, NewEvent, NewFacility, NewProduct, Product, TestServer, Till, World, assert_error,
    db_test, error_fields,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// An event with three facilities (the third pays a fixed fee), four products, one register
/// and a cashier signed in on its tablet.
async fn world(server: &TestServer) -> Till {
    World::on(server)
        .facilities([
            NewFacility::new(10, "A工房").invoice_issuer(),
            NewFacility::new(11, "B農園"),
            NewFacility::new(12, "Cベーカリー").invoice_issuer(),
        ])
        .products([
            NewProduct::reduced(0, "クッキー", 120),
            NewProduct::standard(0, "石けん", 780),
            NewProduct::reduced(1, "ジャム", 500),
            NewProduct::reduced(2, "食パン", 333),
        ])
        .event(
            NewEvent::bazaar("HB26")
                .commission_percent(1250)
                .fixed_fee(2, 3000),
        )
        .cashier(Cashier::volunteer())
        .open_till()
        .await
}

fn counts(pairs: &[(i64, i64)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(d, n)| json!({"denomination": d, "count": n}))
            .collect(),
    )
}

/// Posts a sale from the cashier's tablet, with a manager's approval when it has discounts.
async fn post_sale(w: &Till, body: &Value) -> Value {
    let mut body = body.clone();
    let discounted = body["lines"]
        .as_array()
        .is_some_and(|lines| lines.iter().any(|l| l.get("discount").is_some()));
    if discounted {
        body["approval_id"] = json!(w.cashier.approve("price_override", &body["id"]).await);
    }
    w.record(&body).await
}

/// A CSV export as Excel reads it (after the BOM): its header and rows.
struct CsvTable {
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl CsvTable {
    fn read(bytes: &[u8]) -> CsvTable {
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM");
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let header = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        let rows = reader.records().map(|r| r.expect("row")).collect();
        CsvTable { header, rows }
    }

    /// The index of column `name`.
    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    }
}

fn yen(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an amount: {v}"))
}

db_test!(
    a_register_opens_with_a_float_and_closes_against_the_count,
    demo = false,
    |server| {
        let w = world(&server).await;
        let status = w
            .cashier
            .get_ok(&format!("/api/v1/registers/{}/session", w.register))
            .await;
        assert_eq!(status["state"], "never_opened");

        // レジ開け: ¥30,000 float (2×10,000 + 9×1,000 + 10×100).
        let open_id = uuid::Uuid::now_v7();
        let open_body = json!({"id": open_id, "counts": counts(&[(10000, 2), (1000, 9), (100, 10)])});
        let path = format!("/api/v1/registers/{}/open", w.register);
        let (status, opened) = w.cashier.post(&path, &open_body).await;
        assert_eq!(status, StatusCode::CREATED, "{opened}");
        assert_eq!(opened["state"], "open");
        assert_eq!(opened["report"]["cash"]["float"], 30000);
        let (status, again) = w.cashier.post(&path, &open_body).await;
        assert_eq!(
            (status, &again["report"]["session"]["id"]),
            (StatusCode::CREATED, &json!(open_id.to_string())),
            "a retried open is the same open"
        );
        let (status, body) = w
            .cashier
            .post(&path, &json!({"id": uuid::Uuid::now_v7(), "counts": []}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "a second open while open: {body}");

        let (cookie, soap) = (w.products[0].id, w.products[1].id);
        // Cash 2 cookies (240) paid 1,000 → 760 change: drawer +240.
        let cash = post_sale(
            &w,
            &w.sale_at(
                "2026-11-28T01:00:00Z",
                json!([{"product_id": cookie, "quantity": 2, "unit_price": 120}]),
                json!([{"kind": "cash", "amount": 1000}]),
            ),
        )
        .await;
        // Card soap 780, cash soap+cookie 900 exact.
        post_sale(
            &w,
            &w.sale_at(
                "2026-11-28T01:05:00Z",
                json!([{"product_id": soap, "quantity": 1, "unit_price": 780}]),
                json!([{"kind": "credit_card", "amount": 780}]),
            ),
        )
        .await;
        post_sale(
            &w,
            &w.sale_at(
                "2026-11-28T01:10:00Z",
                json!([{"product_id": soap, "quantity": 1, "unit_price": 780},
        {"product_id": cookie, "quantity": 1, "unit_price": 120}]),
                json!([{"kind": "cash", "amount": 900}]),
            ),
        )
        .await;
        // A refund of one cookie of the first sale: 120 cash back (by the council, no approval).
        let (status, _) = server.post(&format!("/api/v1/sales/{}/refund", cash["id"].as_str().expect("id")),
        &json!({"id": uuid::Uuid::now_v7(), "reason": "破損", "lines": [{"line_no": 1, "quantity": 1}]})).await;
        assert_eq!(status, StatusCode::CREATED);
        // 出金 ¥500 for ice.
        let (status, after_payout) = w
            .cashier
            .post(
                &format!("/api/v1/registers/{}/payouts", w.register),
                &json!({"id": uuid::Uuid::now_v7(), "amount": 500, "reason": "氷代"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{after_payout}");
        let cash_figures = &after_payout["report"]["cash"];
        assert_eq!(cash_figures["cash_sales"], 240 + 900);
        assert_eq!(cash_figures["cash_refunds"], 120);
        assert_eq!(cash_figures["payouts"], 500);
        let expected = 30000 + 240 + 900 - 120 - 500;
        assert_eq!(cash_figures["expected"], expected);

        // レジ締め short by ¥10 without a note: refused, and the register stays open.
        let close_path = format!("/api/v1/registers/{}/close", w.register);
        let short = counts(&[(10000, 3), (500, 1), (10, 1)]); // 30,510 vs 30,520
        let (status, body) = w
            .cashier
            .post(&close_path, &json!({"id": uuid::Uuid::now_v7(), "counts": short}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), ["note"]);
        let still = w
            .cashier
            .get_ok(&format!("/api/v1/registers/{}/session", w.register))
            .await;
        assert_eq!(still["state"], "open");
        let (status, body) = w
            .cashier
            .post(
                &close_path,
                &json!({"id": uuid::Uuid::now_v7(), "counts": [{"denomination": 3000, "count": 1}]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

        let close_id = uuid::Uuid::now_v7();
        let close_body = json!({"id": close_id, "counts": short, "note": "釣銭の渡し間違い"});
        let (status, report) = w.cashier.post(&close_path, &close_body).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["cash"]["expected"], expected);
        assert_eq!(report["cash"]["counted"], 30510);
        assert_eq!(report["cash"]["difference"], -10);
        let tenders: BTreeMap<String, i64> = report["tenders"]
            .as_array()
            .expect("tenders")
            .iter()
            .map(|t| (t["kind"].as_str().expect("kind").to_string(), yen(&t["amount"])))
            .collect();
        assert_eq!(
            tenders,
            BTreeMap::from([("cash".into(), 240 + 900 - 120), ("credit_card".into(), 780)])
        );
        assert_eq!(
            (report["sales_count"].clone(), report["returns_count"].clone()),
            (json!(3), json!(1))
        );
        let (status, replay) = w.cashier.post(&close_path, &close_body).await;
        assert_eq!(
            (status, replay["session"]["id"].clone()),
            (StatusCode::OK, report["session"]["id"].clone()),
            "a retried close"
        );

        // A sale made offline before the close arrives after it: recorded, late, on the close report.
        let late = post_sale(
            &w,
            &w.sale_at(
                "2026-11-28T00:20:00Z",
                json!([{"product_id": cookie, "quantity": 1, "unit_price": 120}]),
                json!([{"kind": "cash", "amount": 120}]),
            ),
        )
        .await;
        assert_eq!(late["late"], true);
        // Sold after the close: a closed register takes no more sales (the tablet parks it).
        // (Dated past the close's grace, within the clock skew a tablet may have.)
        let after_close = w.sale_at(
            &(chrono::Utc::now() + chrono::Duration::minutes(8)).to_rfc3339(),
            json!([{"product_id": cookie, "quantity": 1, "unit_price": 120}]),
            json!([{"kind": "cash", "amount": 120}]),
        );
        let (status, body) = w.cashier.post("/api/v1/sales", &after_close).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let closed = w
            .cashier
            .get_ok(&format!("/api/v1/registers/{}/session", w.register))
            .await;
        assert_eq!(closed["state"], "closed");
        assert_eq!(closed["report"]["late"]["count"], 1);
        assert_eq!(closed["report"]["late"]["cash"], 120);
        assert_eq!(
            closed["report"]["late"]["receipt_numbers"][0],
            late["receipt_number"]
        );
        assert_eq!(
            closed["report"]["cash"]["expected"], expected,
            "a late sale does not change the count's check"
        );

        // The next day: open again; sales go to the new session.
        let (status, reopened) = w
            .cashier
            .post(
                &path,
                &json!({"id": uuid::Uuid::now_v7(), "counts": counts(&[(1000, 10)])}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let on_time = post_sale(
            &w,
            &w.sale_at(
                &chrono::Utc::now().to_rfc3339(),
                json!([{"product_id": cookie, "quantity": 1, "unit_price": 120}]),
                json!([{"kind": "cash", "amount": 120}]),
            ),
        )
        .await;
        assert_eq!(on_time["late"], false);
        let now = w
            .cashier
            .get_ok(&format!("/api/v1/registers/{}/session", w.register))
            .await;
        assert_eq!(
            now["report"]["session"]["id"],
            reopened["report"]["session"]["id"]
        );
        assert_eq!(now["report"]["cash"]["expected"], 10000 + 120);

        // The council sees every session of the event; the cashier may not.
        let sessions = server
            .get_ok(&format!("/api/v1/events/{}/register-sessions", w.event))
            .await;
        assert_eq!(sessions.as_array().map(Vec::len), Some(2));
        let (status, _) = w
            .cashier
            .get(&format!("/api/v1/events/{}/register-sessions", w.event))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

/// Independent figures for one facility, summed from the recorded sales' lines.
#[derive(Default, Debug, PartialEq)]
struct Expected {
    gross: i64,
    returns: i64,
}

db_test!(
    settlement_adds_up_to_the_yen_and_locks_the_event,
    demo = false,
    |server| {
        let w = world(&server).await;
        let mut rng = StdRng::seed_from_u64(0x5E1F);
        let mut expected: BTreeMap<i64, Expected> = BTreeMap::new();
        let mut journal = 0i64;
        let mut sales: Vec<Value> = Vec::new();
        for n in 0..40 {
            let mut lines = Vec::new();
            for _ in 0..rng.random_range(1..=3) {
                let Product {
                    id: product, price, ..
                } = w.products[rng.random_range(0..w.products.len())];
                let quantity = rng.random_range(1..=4);
                let mut line = json!({"product_id": product, "quantity": quantity, "unit_price": price});
                match rng.random_range(0..5) {
                    0 => line["discount"] = json!({"yen": rng.random_range(1..=price)}),
                    1 => line["discount"] = json!({"percent": rng.random_range(1..=50)}),
                    _ => {}
                }
                lines.push(line);
            }
            let mut body = w.sale_at(
                &format!("2026-11-28T{:02}:{:02}:00Z", 1 + n / 10, n % 60),
                Value::Array(lines),
                json!([]),
            );
            // Pay exactly by QR, or in cash rounded up to the next ¥1,000 (change given).
            let total = cart_total(&w, &body);
            body["tenders"] = if rng.random_bool(0.5) {
                json!([{"kind": "cash", "amount": (total + 999) / 1000 * 1000}])
            } else {
                json!([{"kind": "qr_payment", "amount": total}])
            };
            let recorded = post_sale(&w, &body).await;
            assert_eq!(yen(&recorded["total"]), total);
            sales.push(recorded);
        }
        // Void some sales and refund parts of others (by the council, which needs no approval).
        for (i, s) in sales.iter().enumerate() {
            let id = s["id"].as_str().expect("id");
            if i % 7 == 3 {
                let (status, _) = server
                    .post(
                        &format!("/api/v1/sales/{id}/void"),
                        &json!({"id": uuid::Uuid::now_v7(), "reason": "打ち間違い"}),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED);
            } else if i % 5 == 1 {
                let (status, body) = server.post(&format!("/api/v1/sales/{id}/refund"),
                &json!({"id": uuid::Uuid::now_v7(), "reason": "返品", "lines": [{"line_no": 1, "quantity": 1}]})).await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
            }
        }
        // Every record of the event, read back: the independent expectation.
        let records = server
            .get_ok(&format!("/api/v1/sales?event_id={}&limit=1000", w.event))
            .await;
        for r in records.as_array().expect("records") {
            journal += yen(&r["total"]);
            for line in r["lines"].as_array().expect("lines") {
                let e = expected
                    .entry(line["facility_id"].as_i64().expect("facility"))
                    .or_default();
                if r["kind"] == "sale" {
                    e.gross += yen(&line["net"])
                } else {
                    e.returns -= yen(&line["net"])
                }
            }
        }
        assert!(journal > 0);

        // Not yet: the event is open, then its register is.
        let (status, body) = server
            .post(&format!("/api/v1/events/{}/settle", w.event), &json!({}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let (status, body) = w.set_state(&server, "settled").await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "settling is not a state edit: {body}"
        );
        let (status, _) = w.set_state(&server, "closed").await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = server
            .post(&format!("/api/v1/events/{}/settle", w.event), &json!({}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(
            assert_error(&body, "conflict").contains("R1"),
            "names the open register: {body}"
        );
        let preview = server
            .get_ok(&format!("/api/v1/events/{}/settlement", w.event))
            .await;
        let expected_cash = yen(&preview["registers"][0]["cash"]["expected"]);
        let (status, body) = w.cashier.post(&format!("/api/v1/registers/{}/close", w.register),
        &json!({"id": uuid::Uuid::now_v7(), "counts": counts(&[(1000, (expected_cash + 30) / 1000), (1, (expected_cash + 30) % 1000)]), "note": "多い"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        let (status, settled) = server
            .post(&format!("/api/v1/events/{}/settle", w.event), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{settled}");
        assert_eq!(settled["state"], "settled");
        assert_eq!(settled["cash_over_short"], 30);
        assert_eq!(yen(&settled["journal_total"]), journal);
        let facilities = settled["facilities"].as_array().expect("facilities");
        assert_eq!(facilities.len(), 3, "every participant has a statement");
        let mut sum = BTreeMap::<&str, i64>::new();
        for f in facilities {
            let id = f["facility_id"].as_i64().expect("id");
            let e = expected.get(&id).map_or((0, 0), |e| (e.gross, e.returns));
            assert_eq!((yen(&f["gross"]), yen(&f["returns"])), e, "facility {id}");
            assert_eq!(yen(&f["net"]), e.0 - e.1);
            let rate_sum: i64 = f["by_rate"]
                .as_array()
                .expect("rates")
                .iter()
                .map(|l| yen(&l["net"]))
                .sum();
            assert_eq!(rate_sum, yen(&f["net"]));
            let commission = if id == w.facilities[2] {
                3000
            } else {
                (e.0 - e.1).max(0) * 1250 / 10000
            };
            assert_eq!(
                yen(&f["commission"]),
                commission,
                "facility {id}: 12.5% rounded down, or the fixed fee"
            );
            assert_eq!(yen(&f["payable"]) + yen(&f["commission"]), yen(&f["net"]));
            for key in ["gross", "returns", "net", "commission", "payable"] {
                *sum.entry(key).or_default() += yen(&f[key]);
            }
        }
        for key in ["gross", "returns", "net", "commission", "payable"] {
            assert_eq!(sum[key], yen(&settled["totals"][key]), "totals.{key}");
        }
        assert_eq!(
            yen(&settled["totals"]["net"]),
            journal,
            "the facilities add up to the journal"
        );

        // The CSV opens in Excel (UTF-8 with BOM) and parses back to the same figures.
        let (status, bytes) = server
            .admin_client()
            .get_bytes(&format!("/api/v1/events/{}/settlement?format=csv", w.event))
            .await;
        assert_eq!(status, StatusCode::OK);
        let table = CsvTable::read(&bytes);
        assert_eq!(table.header[0], "事業所番号");
        let col = |name: &str| table.col(name);
        let rows = table.rows.clone();
        let (rows, notes): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| &r[0] != "注記");
        assert_eq!(rows.len(), 4, "three facilities and the total");
        assert_eq!(notes.len(), 2, "how the tax is found, and the fee's tax");
        for (row, f) in rows.iter().zip(facilities) {
            assert_eq!(row[col("事業所名")], *f["facility_name"].as_str().expect("name"));
            for (column, key) in [
                ("総売上", "gross"),
                ("取消・返品", "returns"),
                ("純売上", "net"),
                ("手数料", "commission"),
                ("支払額", "payable"),
            ] {
                assert_eq!(
                    row[col(column)].parse::<i64>().expect("integer"),
                    yen(&f[key]),
                    "{column}"
                );
            }
        }
        assert_eq!(&rows[3][col("事業所名")], "合計");
        assert_eq!(rows[3][col("純売上")].parse::<i64>().expect("net"), journal);

        // Facility staff see their own statement only.
        let staff = server
            .new_user(
                &json!({"login": "staff-a", "display_name": "A職員", "role": "facility_staff",
        "facility_id": w.facilities[0], "password": "facility-a-password"}),
            )
            .await;
        let own = staff
            .get_ok(&format!(
                "/api/v1/events/{}/settlement/facilities/{}",
                w.event, w.facilities[0]
            ))
            .await;
        assert_eq!(
            own["facility"]["payable"],
            facilities
                .iter()
                .find(|f| f["facility_id"] == w.facilities[0])
                .expect("A")["payable"]
        );
        let (status, _) = staff
            .get(&format!(
                "/api/v1/events/{}/settlement/facilities/{}",
                w.event, w.facilities[1]
            ))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = staff.get(&format!("/api/v1/events/{}/settlement", w.event)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Settling again answers the same settlement.
        let (status, again) = server
            .post(&format!("/api/v1/events/{}/settle", w.event), &json!({}))
            .await;
        assert_eq!((status, &again["totals"]), (StatusCode::OK, &settled["totals"]));
    }
);

/// The total of a cart by the domain's own arithmetic (the code the tablet runs too).
fn cart_total(w: &Till, body: &Value) -> i64 {
    let lines: Vec<selpos_domain::sales::cart::CartLine> = body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            let product = l["product_id"].as_i64().expect("product");
            let facility = w
                .products
                .iter()
                .find(|p| p.id == product)
                .expect("known product")
                .facility;
            selpos_domain::sales::cart::CartLine {
                product_id: product,
                facility_id: facility,
                name: String::new(),
                tax_rate: selpos_domain::TaxRate::Reduced,
                unit_price: selpos_domain::Yen(yen(&l["unit_price"])),
                quantity: l["quantity"].as_i64().expect("quantity"),
                discount: serde_json::from_value(l.get("discount").cloned().unwrap_or(Value::Null))
                    .expect("discount"),
                invoice_eligible: true,
            }
        })
        .collect();
    selpos_domain::sales::cart::cart_totals(&lines, selpos_domain::RoundingMode::Down)
        .expect("totals")
        .total
        .0
}

db_test!(
    a_settled_event_takes_no_write_but_an_adjustment,
    demo = false,
    |server| {
        let w = world(&server).await;
        let cookie = w.products[0].id;
        let first = post_sale(
            &w,
            &w.sale_at(
                "2026-11-28T01:00:00Z",
                json!([{"product_id": cookie, "quantity": 5, "unit_price": 120}]),
                json!([{"kind": "cash", "amount": 600}]),
            ),
        )
        .await;
        let report = w
            .cashier
            .get_ok(&format!("/api/v1/registers/{}/session", w.register))
            .await;
        assert_eq!(
            report["report"]["session"]["auto_opened"], true,
            "a first sale opens an unopened register"
        );
        w.set_state(&server, "closed").await;
        let (status, body) = w
            .cashier
            .post(
                &format!("/api/v1/registers/{}/close", w.register),
                &json!({"id": uuid::Uuid::now_v7(), "counts": [{"denomination": 100, "count": 6}]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, settled) = server
            .post(&format!("/api/v1/events/{}/settle", w.event), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{settled}");
        let before = server
            .get_ok(&format!("/api/v1/events/{}/settlement", w.event))
            .await;

        // A council user at a tablet of another, open event: the lock is the sale's event's.
        let elsewhere = server
            .created(
                "/api/v1/events",
                &json!({"code": "MALL26", "kind": "joint_sale", "name": "共同販売会", "starts_on": "2026-12-05",
                    "ends_on": "2026-12-05", "state": "open", "commission": {"kind": "percent", "basis_points": 1000},
                    "registers": [{"code": "R1", "name": "レジ1"}]}),
            )
            .await;
        let mut other_tablet = server.anonymous();
        let other_register = elsewhere["registers"][0]["id"].as_i64().expect("register");
        selpos_tests::world::register_tablet(&mut other_tablet, other_register, "別会場").await;

        // Every write that could touch the event is refused with 409.
        let sale_id = first["id"].as_str().expect("id");
        let product_body = |facility: i64, price: i64| json!({"facility_id": facility, "name": "クッキー", "price": price, "tax_rate": "reduced"});
        let mut edited = w.event_input.clone();
        edited["state"] = json!("closed");
        edited["commission"] = json!({"kind": "percent", "basis_points": 0});
        // (route template, method, concrete path, body, client)
        let refused: Vec<(&str, Method, String, Value, &ApiClient)> = vec![
            (
                "/api/v1/sales",
                Method::POST,
                "/api/v1/sales".into(),
                w.sale_at(
                    "2026-11-28T01:30:00Z",
                    json!([{"product_id": cookie, "quantity": 1, "unit_price": 120}]),
                    json!([{"kind": "cash", "amount": 120}]),
                ),
                &w.cashier,
            ),
            (
                "/api/v1/sales/{id}/void",
                Method::POST,
                format!("/api/v1/sales/{sale_id}/void"),
                json!({"id": uuid::Uuid::now_v7(), "reason": "x"}),
                server.admin_client(),
            ),
            (
                "/api/v1/sales/{id}/refund",
                Method::POST,
                format!("/api/v1/sales/{sale_id}/refund"),
                json!({"id": uuid::Uuid::now_v7(), "reason": "x", "lines": [{"line_no": 1, "quantity": 1}]}),
                server.admin_client(),
            ),
            (
                "/api/v1/sales/{id}/void",
                Method::POST,
                format!("/api/v1/sales/{sale_id}/void"),
                json!({"id": uuid::Uuid::now_v7(), "reason": "x"}),
                &other_tablet,
            ),
            (
                "/api/v1/events/{id}/stock",
                Method::POST,
                format!("/api/v1/events/{}/stock", w.event),
                json!({"id": uuid::Uuid::now_v7(), "kind": "intake", "facility_id": w.facilities[0], "lines": [{"product_id": cookie, "quantity": 1}]}),
                server.admin_client(),
            ),
            (
                "/api/v1/events/{id}/stock/count",
                Method::POST,
                format!("/api/v1/events/{}/stock/count", w.event),
                json!({"id": uuid::Uuid::now_v7(), "facility_id": w.facilities[0], "lines": [{"product_id": cookie, "counted": 1}]}),
                server.admin_client(),
            ),
            (
                // Settled as a whole, it has no periods to settle.
                "/api/v1/events/{id}/periods",
                Method::POST,
                format!("/api/v1/events/{}/periods", w.event),
                json!({"through": "2026-11-28"}),
                server.admin_client(),
            ),
            (
                "/api/v1/events/{id}/periods/{period_id}/adjustments",
                Method::POST,
                format!("/api/v1/events/{}/periods/1/adjustments", w.event),
                json!({"id": uuid::Uuid::now_v7(), "facility_id": w.facilities[0], "amount": 100, "reason": "x"}),
                server.admin_client(),
            ),
            (
                "/api/v1/events/{id}",
                Method::PUT,
                format!("/api/v1/events/{}", w.event),
                edited,
                server.admin_client(),
            ),
            (
                "/api/v1/registers/{id}/open",
                Method::POST,
                format!("/api/v1/registers/{}/open", w.register),
                json!({"id": uuid::Uuid::now_v7(), "counts": []}),
                &w.cashier,
            ),
            (
                "/api/v1/registers/{id}/payouts",
                Method::POST,
                format!("/api/v1/registers/{}/payouts", w.register),
                json!({"id": uuid::Uuid::now_v7(), "amount": 100, "reason": "x"}),
                &w.cashier,
            ),
            (
                "/api/v1/registers/{id}/close",
                Method::POST,
                format!("/api/v1/registers/{}/close", w.register),
                json!({"id": uuid::Uuid::now_v7(), "counts": []}),
                &w.cashier,
            ),
        ];
        for (_, method, path, body, client) in &refused {
            let (status, answer) = client.request(method.clone(), path, Some(body)).await;
            assert_eq!(status, StatusCode::CONFLICT, "{method} {path}: {answer}");
        }
        // In a batch each sale is refused on its own, with the same 409.
        let batch = json!({"sales": [refused[0].3]});
        let (status, answer) = w.cashier.post("/api/v1/sales/batch", &batch).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let result = &answer["results"][0];
        assert_eq!(
            (&result["status"], &result["http_status"]),
            (&json!("refused"), &json!(409)),
            "{answer}"
        );
        // Every write route of the API under an event, a register or a sale is in the list above,
        // or named here with why it is exempt: a new route must join one or the other.
        let exempt = [
            "/api/v1/events/{id}/adjustments", // the correction a settled event takes (below)
            "/api/v1/events/{id}/settle",      // answers the settlement again
            "/api/v1/events/{id}/stock/import", // the same stock operation as /stock (refused the same way)
            "/api/v1/sales/{id}/print",        // reprints a receipt: writes no money or stock
            "/api/v1/sales/batch",             // answers 200, each sale refused alone (above)
            "/api/v1/registers/{id}/display",  // the customer screen: no money or stock
            "/api/v1/registers/{id}/display-link", // its link: no money or stock
        ];
        let spec = server.get_ok("/api/openapi.json").await;
        for (path, item) in spec["paths"].as_object().expect("paths") {
            let writes = item
                .as_object()
                .expect("item")
                .keys()
                .any(|m| m == "post" || m == "put");
            let scoped = ["/api/v1/events/{id}", "/api/v1/registers/{id}", "/api/v1/sales"]
                .iter()
                .any(|p| path.starts_with(p));
            if writes && scoped {
                assert!(
                    refused.iter().any(|r| r.0 == path) || exempt.contains(&path.as_str()),
                    "write route {path} is not checked against the lock"
                );
            }
        }
        // Goods of the settled event brought back to another event's register: a return of
        // that event (its takings, its stock), never a change of the settled one.
        let (status, returned) = other_tablet
            .post(
                &format!("/api/v1/sales/{sale_id}/refund"),
                &json!({"id": uuid::Uuid::now_v7(), "reason": "後日返品", "lines": [{"line_no": 1, "quantity": 1}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{returned}");
        assert_eq!(returned["event_id"], elsewhere["id"], "{returned}");
        assert_eq!(returned["register_id"], other_register, "{returned}");
        let there = server
            .get_ok(&format!("/api/v1/events/{}/settlement", elsewhere["id"]))
            .await;
        assert_eq!(yen(&there["totals"]["net"]), yen(&returned["total"]), "{there}");
        let returner = |settlement: &Value, key: &str| -> Value {
            settlement["facilities"]
                .as_array()
                .expect("facilities")
                .iter()
                .find(|f| f["facility_id"] == json!(w.facilities[0]))
                .map(|f| f[key].clone())
                .expect("the facility")
        };
        let named = returner(&there, "returns_of_other_events");
        assert_eq!(
            (&named[0]["event_code"], &named[0]["amount"]),
            (&json!("HB26"), &json!(120)),
            "{there}"
        );
        let settled_now = server
            .get_ok(&format!("/api/v1/events/{}/settlement", w.event))
            .await;
        let noted = returner(&settled_now, "returned_elsewhere");
        assert_eq!(
            (&noted[0]["event_code"], &noted[0]["amount"]),
            (&json!("MALL26"), &json!(120)),
            "{settled_now}"
        );
        // A price change is allowed (prices are the catalogue's), and changes no settled figure.
        let (status, _) = server
            .put(
                &format!("/api/v1/products/{cookie}"),
                &product_body(w.facilities[0], 150),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let after = server
            .get_ok(&format!("/api/v1/events/{}/settlement", w.event))
            .await;
        // Nothing moved: the only change is the note of the return taken elsewhere.
        let figures = |settlement: &Value| -> Value {
            let mut facilities = settlement["facilities"].clone();
            for f in facilities.as_array_mut().expect("facilities") {
                f.as_object_mut().expect("facility").remove("returned_elsewhere");
            }
            facilities
        };
        assert_eq!(figures(&after), figures(&before), "nothing moved");

        // The one change a settled event takes: an audited adjustment, on the statement.
        let adjustment = json!({"id": uuid::Uuid::now_v7(), "facility_id": w.facilities[0], "amount": -200, "reason": "破損品の弁償"});
        let (status, statement) = server
            .post(&format!("/api/v1/events/{}/adjustments", w.event), &adjustment)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{statement}");
        assert_eq!(statement["facility"]["adjustments_total"], -200);
        let net = yen(&statement["facility"]["net"]);
        assert_eq!(net, 600);
        assert_eq!(
            yen(&statement["facility"]["payable"]),
            net - 75 - 200,
            "12.5% of 600 is 75"
        );
        let (status, replay) = server
            .post(&format!("/api/v1/events/{}/adjustments", w.event), &adjustment)
            .await;
        assert_eq!(
            (status, &replay["facility"]["adjustments_total"]),
            (StatusCode::CREATED, &json!(-200)),
            "a retry adds nothing"
        );
        let (status, body) = server.post(&format!("/api/v1/events/{}/adjustments", w.event),
        &json!({"id": uuid::Uuid::now_v7(), "facility_id": w.facilities[0], "amount": 0, "reason": ""})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), ["amount", "reason"]);
        let audit = server.get_ok("/api/v1/audit?action=settlement.adjust").await;
        assert_eq!(audit.as_array().map(Vec::len), Some(1), "{audit}");
    }
);

db_test!(
    sales_racing_a_settlement_are_in_its_figures_or_refused,
    demo = false,
    |server| {
        let w = world(&server).await;
        let jam = &w.products[2];
        let qr_sale = |at: &str| {
            w.sale_at(
                at,
                json!([{"product_id": jam.id, "quantity": 1, "unit_price": jam.price}]),
                json!([{"kind": "qr_payment", "amount": jam.price}]),
            )
        };
        let mut sold = 0;
        for minute in 0..3 {
            let sale = w.record(&qr_sale(&format!("2026-11-28T01:0{minute}:00Z"))).await;
            sold += yen(&sale["total"]);
        }
        w.set_state(&server, "closed").await;
        let (status, body) = w
            .cashier
            .post(
                &format!("/api/v1/registers/{}/close", w.register),
                &json!({"id": uuid::Uuid::now_v7(), "counts": []}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // Sales made offline before the close arrive while the council settles.
        let settle = async {
            server
                .post(&format!("/api/v1/events/{}/settle", w.event), &json!({}))
                .await
        };
        let bodies: Vec<Value> = (0..10)
            .map(|n| qr_sale(&format!("2026-11-28T02:{n:02}:00Z")))
            .collect();
        let late = bodies.iter().map(|b| w.cashier.post("/api/v1/sales", b));
        let ((status, settled), answers) = futures::join!(settle, futures::future::join_all(late));
        assert_eq!(status, StatusCode::OK, "{settled}");
        for (status, answer) in &answers {
            match *status {
                StatusCode::CREATED => sold += yen(&answer["total"]),
                StatusCode::CONFLICT => {
                    assert!(assert_error(answer, "conflict").contains("精算済み"), "{answer}");
                }
                other => panic!("{other}: {answer}"),
            }
        }
        // Every sale that was recorded is in the settled figures, and nothing came after them.
        assert_eq!(yen(&settled["totals"]["net"]), sold, "{settled}");
        let now = server
            .get_ok(&format!("/api/v1/events/{}/settlement", w.event))
            .await;
        assert_eq!(now["totals"], settled["totals"]);
        assert_eq!(now["journal_total"], settled["journal_total"]);
    }
);

/// The council's registration number in the tax tests: it issues receipts and the fee invoice.
const COUNCIL_NUMBER: &str = "T3700000000001";

fn council() -> Value {
    json!({"name": "群馬県社会就労センター協議会", "invoice_number": COUNCIL_NUMBER, "tax_rounding": "down"})
}

/// The line of `rate` in a `by_rate` list: (net or total, tax).
fn rate_figures(by_rate: &Value, rate: &str) -> Option<(i64, i64)> {
    by_rate
        .as_array()
        .expect("by_rate")
        .iter()
        .find(|l| l["rate"] == rate)
        .map(|l| {
            let amount = l.get("net").or_else(|| l.get("total")).expect("amount");
            (yen(amount), yen(&l["tax"]))
        })
}

db_test!(
    statement_tax_is_what_the_receipts_stated_and_the_fee_is_invoiced,
    demo = false,
    |server| {
        let w = World::on(&server)
            .council(council())
            .facilities([
                NewFacility::new(10, "A工房").invoice_issuer(),
                NewFacility::new(12, "Cベーカリー").invoice_issuer(),
            ])
            .products([NewProduct::reduced(0, "クッキー", 120)])
            .event(
                NewEvent::bazaar("HB26")
                    .commission_percent(1250)
                    .fixed_fee(1, 3000),
            )
            .cashier(Cashier::volunteer())
            .open_till()
            .await;
        let cookie = &w.products[0];
        // Two receipts of one ¥120 cookie at 8%: each states ¥8 (8.9 rounded down).
        for _ in 0..2 {
            let sale = w.record(&w.cash_sale(cookie, 1)).await;
            assert_eq!(
                rate_figures(&sale["by_rate"], "reduced"),
                Some((120, 8)),
                "{sale}"
            );
        }
        let path = format!(
            "/api/v1/events/{}/settlement/facilities/{}",
            w.event, w.facilities[0]
        );
        let statement = server.get_ok(&path).await;
        let a = &statement["facility"];
        assert_eq!(
            rate_figures(&a["by_rate"], "reduced"),
            Some((240, 16)),
            "¥8 + ¥8 as the receipts say, not 240 × 8/108 = ¥17: {a}"
        );
        assert!(
            statement["tax_note"]
                .as_str()
                .is_some_and(|n| n.contains("最大剰余法")),
            "the statement says how its tax is found: {statement}"
        );
        let event = server
            .get_ok(&format!("/api/v1/events/{}/settlement", w.event))
            .await;
        assert_eq!(
            rate_figures(&event["totals"]["by_rate"], "reduced"),
            Some((240, 16))
        );
        assert_eq!(
            rate_figures(&event["receipts_by_rate"], "reduced"),
            Some((240, 16))
        );

        // The fee: 12.5% of ¥240 = ¥30, tax included at 10%: ¥2 (30 × 10/110 = 2.7).
        assert_eq!((yen(&a["commission"]), yen(&a["commission_tax"])), (30, 2));
        let invoice = &statement["fee_invoice"];
        assert_eq!(invoice["registration_number"], COUNCIL_NUMBER);
        assert_eq!(invoice["qualified"], true);
        assert_eq!(invoice["issuer_name"], "群馬県社会就労センター協議会");
        assert_eq!(invoice["recipient_name"], "A工房");
        assert_eq!(rate_figures(&invoice["by_rate"], "standard"), Some((30, 2)));
        assert_eq!((yen(&invoice["total"]), yen(&invoice["tax"])), (30, 2));
        assert!(
            invoice["description"]
                .as_str()
                .is_some_and(|d| d.contains("12.50%")),
            "{invoice}"
        );

        // A fixed fee of ¥3,000 is invoiced likewise: ¥272 of tax (272.7 rounded down).
        let c = server
            .get_ok(&format!(
                "/api/v1/events/{}/settlement/facilities/{}",
                w.event, w.facilities[1]
            ))
            .await;
        assert_eq!(
            (
                yen(&c["facility"]["commission"]),
                yen(&c["facility"]["commission_tax"])
            ),
            (3000, 272)
        );
        assert_eq!(
            rate_figures(&c["fee_invoice"]["by_rate"], "standard"),
            Some((3000, 272))
        );
        assert_eq!(c["fee_invoice"]["registration_number"], COUNCIL_NUMBER);
        assert!(
            c["fee_invoice"]["description"]
                .as_str()
                .is_some_and(|d| d.contains("出店料"))
        );
        assert_eq!(yen(&event["totals"]["commission_tax"]), 2 + 272);

        // The statement's CSV carries the fee's tax, the registration number and the rule.
        let (status, bytes) = server
            .admin_client()
            .get_bytes(&format!("{path}?format=csv"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let table = CsvTable::read(&bytes);
        let rows = &table.rows;
        let col = |name: &str| table.col(name);
        assert_eq!(&rows[0][col("8%内消費税")], "16");
        assert_eq!(&rows[0][col("手数料内消費税(10%)")], "2");
        let notes: Vec<&str> = rows.iter().filter(|r| &r[0] == "注記").map(|r| &r[1]).collect();
        assert!(notes.iter().any(|n| n.contains("最大剰余法")), "{notes:?}");
        assert!(
            notes.iter().any(|n| n.contains("適格請求書")
                && n.contains(COUNCIL_NUMBER)
                && n.contains("うち消費税 2円")),
            "{notes:?}"
        );
        // The event's CSV too: the fee's tax per facility and in the total.
        let (_, bytes) = server
            .admin_client()
            .get_bytes(&format!("/api/v1/events/{}/settlement?format=csv", w.event))
            .await;
        let rows = CsvTable::read(&bytes).rows;
        let total = rows.iter().find(|r| &r[1] == "合計").expect("total row");
        assert_eq!(&total[col("手数料内消費税(10%)")], "274");
        assert_eq!(&total[col("8%内消費税")], "16");
    }
);

db_test!(
    facilities_tax_adds_up_to_the_receipts_tax_per_rate,
    demo = false,
    |server| {
        let mut rng = StdRng::seed_from_u64(0x7A1E);
        let admin = server.admin_client();
        let (status, body) = admin.put("/api/v1/council", &council()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for round in 0..3i64 {
            let facility_count = rng.random_range(2..=3usize);
            let facilities: Vec<NewFacility> = (0..facility_count)
                .map(|k| {
                    let f = NewFacility::new(100 + round * 10 + k as i64, format!("事業所{round}-{k}"));
                    // Mostly registered issuers; now and then one outside the invoice.
                    if k == 0 || rng.random_bool(0.7) {
                        f.invoice_issuer()
                    } else {
                        f
                    }
                })
                .collect();
            let mut products = Vec::new();
            for k in 0..facility_count {
                for p in 0..3 {
                    let price = rng.random_range(1..=2000);
                    let name = format!("品{round}-{k}-{p}");
                    products.push(if rng.random_bool(0.5) {
                        NewProduct::reduced(k, name, price)
                    } else {
                        NewProduct::standard(k, name, price)
                    });
                }
            }
            let w = World::on(&server)
                .facilities(facilities)
                .products(products)
                .event(NewEvent::bazaar(format!("RND{round}")))
                .cashier(Cashier::new(
                    &format!("vol{round}"),
                    "ボランティア",
                    &format!("{}", 1357 + round),
                ))
                .device(&format!("タブレット{round}"))
                .open_till()
                .await;
            let mut sales = Vec::new();
            for n in 0..rng.random_range(15..=25) {
                let lines: Vec<Value> = (0..rng.random_range(1..=5))
                    .map(|_| {
                        let p = &w.products[rng.random_range(0..w.products.len())];
                        json!({"product_id": p.id, "quantity": rng.random_range(1..=3), "unit_price": p.price})
                    })
                    .collect();
                let mut body = w.sale_at(
                    &format!("2026-11-28T02:{:02}:00Z", n),
                    Value::Array(lines),
                    json!([]),
                );
                let total = cart_total(&w, &body);
                body["tenders"] = json!([{"kind": "qr_payment", "amount": total}]);
                sales.push(w.record(&body).await);
            }
            for sale in &sales {
                let id = sale["id"].as_str().expect("id");
                match rng.random_range(0..6) {
                    0 => {
                        let (status, body) = server
                            .post(
                                &format!("/api/v1/sales/{id}/void"),
                                &json!({"id": uuid::Uuid::now_v7(), "reason": "打ち間違い"}),
                            )
                            .await;
                        assert_eq!(status, StatusCode::CREATED, "{body}");
                    }
                    1 => {
                        let lines = sale["lines"].as_array().expect("lines");
                        let line = &lines[rng.random_range(0..lines.len())];
                        let quantity = rng.random_range(1..=line["quantity"].as_i64().expect("quantity"));
                        let (status, body) = server
                            .post(
                                &format!("/api/v1/sales/{id}/refund"),
                                &json!({"id": uuid::Uuid::now_v7(), "reason": "返品",
                                "lines": [{"line_no": line["line_no"], "quantity": quantity}]}),
                            )
                            .await;
                        assert_eq!(status, StatusCode::CREATED, "{body}");
                    }
                    _ => {}
                }
            }
            // What the receipts stated, per rate: every record of the event, read back.
            let mut stated: BTreeMap<String, (i64, i64)> = BTreeMap::new();
            let records = server
                .get_ok(&format!("/api/v1/sales?event_id={}&limit=1000", w.event))
                .await;
            for r in records.as_array().expect("records") {
                for l in r["by_rate"].as_array().expect("by_rate") {
                    let e = stated
                        .entry(l["rate"].as_str().expect("rate").to_string())
                        .or_default();
                    e.0 += yen(&l["total"]);
                    e.1 += yen(&l["tax"]);
                }
            }
            assert!(!stated.is_empty());
            let settlement = server
                .get_ok(&format!("/api/v1/events/{}/settlement", w.event))
                .await;
            for (rate, (_, tax)) in &stated {
                let facilities_tax: i64 = settlement["facilities"]
                    .as_array()
                    .expect("facilities")
                    .iter()
                    .filter_map(|f| rate_figures(&f["by_rate"], rate))
                    .map(|(_, tax)| tax)
                    .sum();
                assert_eq!(
                    facilities_tax, *tax,
                    "round {round}, {rate}: Σ facilities' tax = Σ receipts' tax"
                );
                assert_eq!(
                    rate_figures(&settlement["totals"]["by_rate"], rate).map(|l| l.1),
                    Some(*tax)
                );
            }
            // Settling checks the same tie-out and takes the event.
            w.set_state(&server, "closed").await;
            let (status, body) = w
                .cashier
                .post(
                    &format!("/api/v1/registers/{}/close", w.register),
                    &json!({"id": uuid::Uuid::now_v7(), "counts": [], "note": "返品は現金で返金"}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let (status, settled) = server
                .post(&format!("/api/v1/events/{}/settle", w.event), &json!({}))
                .await;
            assert_eq!(status, StatusCode::OK, "round {round}: {settled}");
            assert_eq!(settled["totals"]["by_rate"], settlement["totals"]["by_rate"]);
        }
    }
);

db_test!(
    a_name_typed_as_a_formula_reaches_excel_as_text,
    demo = false,
    |server| {
        let formula = "=HYPERLINK(\"http://evil.example\",\"A\")";
        let w = World::on(&server)
            .facilities([NewFacility::new(10, formula)])
            .products([NewProduct::reduced(0, "@SUM(クッキー)", 120)])
            .event(NewEvent::bazaar("HB26"))
            .open_till()
            .await;
        let sale = w.record(&w.cash_sale(&w.products[0], 1)).await;
        let refund =
            json!({"id": uuid::Uuid::now_v7(), "reason": "-返品", "lines": [{"line_no": 1, "quantity": 1}]});
        w.cashier
            .created(
                &format!("/api/v1/sales/{}/refund", sale["id"].as_str().expect("id")),
                &refund,
            )
            .await;
        w.record(&w.cash_sale(&w.products[0], 2)).await;
        let (status, bytes) = server
            .admin_client()
            .get_bytes(&format!("/api/v1/events/{}/settlement?format=csv", w.event))
            .await;
        assert_eq!(status, StatusCode::OK);
        let table = CsvTable::read(&bytes);
        let col = |name: &str| table.col(name);
        let first = &table.rows[0];
        assert_eq!(
            &first[col("事業所名")],
            format!("'{formula}"),
            "text, not a formula"
        );
        assert_eq!(&first[col("取消・返品")], "120", "amounts stay numbers");
        assert_eq!(&first[col("純売上")], "240");
    }
);
