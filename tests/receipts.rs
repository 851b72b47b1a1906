//! Receipts over real HTTP and real TCP: a fake printer (a TCP listener) stands in for the
//! register's printer; what reaches it is decoded back into lines and checked against the
//! sale. A printer that is off never loses the sale: it prints once the printer is back.

use reqwest::{Method, StatusCode};
use selpos_domain::receipts::Receipt;
use selpos_domain::receipts::paper::{PrintLine, layout, render_text};
use selpos_server::printing::decode::{Decoded, decode};
use selpos_tests::printer::FakePrinter;
use selpos_tests::{
    ApiClient, HeartBazaar, NewEvent, TestServer, World, assert_error, db_test, error_fields,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

use selpos_tests::printer::DRAWER_KICK;
/// `GS V 66 0`: feed and cut.
const CUT: &[u8] = &[0x1D, b'V', 66, 0];
const COUNCIL_NUMBER: &str = "T3700000000001";

/// The heart bazaar (see [`HeartBazaar`]), with the council a registered issuer, and register
/// R1 printing on `printer`.
async fn open_till(server: &TestServer, printer: Option<&str>) -> HeartBazaar {
    let council = json!({"name": "群馬県社会就労センター協議会", "invoice_number": COUNCIL_NUMBER,
        "receipt_footer": "お買い上げありがとうございます。", "tax_rounding": "down"});
    let event = NewEvent::bazaar("HB26").printer(printer);
    HeartBazaar::open(World::on(server).council(council).event(event)).await
}

/// The event with register R1 printing on `printer` (or on none).
fn event_body(till: &HeartBazaar, printer: Option<&str>) -> Value {
    let mut body = till.event_input.clone();
    body["registers"][0]["printer_addr"] = json!(printer);
    body
}

/// Points register R1 at another printer (or none), as staff do on the events page.
async fn set_printer(server: &TestServer, till: &HeartBazaar, printer: Option<&str>) {
    let (status, body) = server
        .put(
            &format!("/api/v1/events/{}", till.event),
            &event_body(till, printer),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["registers"][0]["id"], till.register,
        "the register keeps its id"
    );
}

/// Cookie ×2, soap, jam: ¥240 (8%, tax ¥17 — per line it would be ¥16) + ¥780 (10%, tax ¥70)
/// + ¥500 outside the invoice = ¥1,520.
async fn record_sale(till: &HeartBazaar, tenders: Value) -> Value {
    let lines = json!([{"product_id": till.cookie, "quantity": 2, "unit_price": 120},
                       {"product_id": till.soap, "quantity": 1, "unit_price": 780},
                       {"product_id": till.jam, "quantity": 1, "unit_price": 500}]);
    let sale = till
        .record(&till.sale_at("2026-11-28T02:05:00Z", lines, tenders))
        .await;
    assert_eq!(sale["total"], 1520);
    sale
}

fn sale_id(sale: &Value) -> &str {
    sale["id"].as_str().expect("sale id")
}

/// The receipt the server builds for the sale, as data.
async fn receipt_of(client: &ApiClient, sale: &str) -> Receipt {
    let body = client.get_ok(&format!("/api/v1/sales/{sale}/receipt")).await;
    serde_json::from_value(body["receipt"].clone()).expect("a receipt")
}

/// The lines the printer prints for `receipt`: texts, and rules as dashes.
fn paper_lines(receipt: &Receipt, columns: usize) -> Vec<String> {
    layout(receipt, columns)
        .into_iter()
        .filter_map(|line| match line {
            PrintLine::Text { text, .. } => Some(text),
            PrintLine::Rule => Some("-".repeat(columns)),
            _ => None,
        })
        .collect()
}

fn line<'a>(decoded: &'a Decoded, start: &str) -> &'a str {
    let texts = decoded.texts();
    texts
        .iter()
        .find(|t| t.starts_with(start))
        .copied()
        .unwrap_or_else(|| panic!("no line starting with {start:?} in {texts:#?}"))
}

fn position(decoded: &Decoded, needle: &str) -> usize {
    decoded
        .texts()
        .iter()
        .position(|t| t.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}"))
}

db_test!(
    a_cash_sale_prints_its_receipt_and_opens_the_drawer,
    demo = false,
    |server| {
        let mut printer = FakePrinter::start().await;
        let till = open_till(&server, Some(&printer.addr)).await;

        let started = Instant::now();
        let sale = record_sale(&till, json!([{"kind": "cash", "amount": 2000}])).await;
        let recorded = started.elapsed();
        let (status, outcome) = till
            .cashier
            .post(&format!("/api/v1/sales/{}/print", sale_id(&sale)), &json!({}))
            .await;
        let answered = started.elapsed();
        assert_eq!(status, StatusCode::OK, "{outcome}");
        assert_eq!(outcome["printed"], true);
        assert_eq!(outcome["drawer_opened"], true);
        assert_eq!(outcome["printer"], printer.addr.as_str());
        assert_eq!(outcome["warnings"], json!([]));

        let job = printer.next_job().await;
        let first_byte = job.first_byte_at - started;
        eprintln!(
            "[{}] POST /sales answered after {recorded:?}; first byte at the printer {first_byte:?} after POST /sales; print answered after {answered:?}",
            server.kind
        );
        assert!(first_byte < Duration::from_secs(5), "{first_byte:?}");

        let decoded = decode(&job.bytes).expect("the printer gets what the decoder knows");
        let number = sale["receipt_number"].as_str().expect("number");
        assert_eq!(number, "HB26-R1-0001");
        assert!(line(&decoded, "レジ: レジ1").ends_with(&format!("No.{number}")));
        assert_eq!(decoded.texts()[0], "レシート");
        assert!(decoded.lines[0].double && decoded.lines[0].bold);
        line(&decoded, "群馬県社会就労センター協議会");
        assert!(
            decoded
                .texts()
                .contains(&format!("登録番号 {COUNCIL_NUMBER}").as_str())
        );
        line(&decoded, "2026年11月28日(土) 11:05");
        assert!(line(&decoded, "※クッキー").ends_with(" ¥240"));
        line(&decoded, "  @¥120 × 2");
        assert!(line(&decoded, "石けん").ends_with(" ¥780"));
        assert!(line(&decoded, "10%対象").ends_with(" ¥780 (内消費税 ¥70)"));
        assert!(line(&decoded, "8%対象").ends_with(" ¥240 (内消費税 ¥17)"));
        // The exempt facility's jam is printed apart, after the invoice figures.
        let apart = position(&decoded, "下記は適格請求書の対象外です");
        assert!(position(&decoded, "8%対象") < apart && apart < position(&decoded, "※ジャム"));
        assert!(line(&decoded, "対象外 計").ends_with(" ¥500"));
        let total = &decoded.lines[position(&decoded, "合計")];
        assert!(total.double && total.text.ends_with(" ¥1,520"), "{total:?}");
        assert!(line(&decoded, "現金").ends_with(" ¥2,000"));
        assert!(line(&decoded, "お釣り").ends_with(" ¥480"));
        assert_eq!(decoded.qr_codes, [sale_id(&sale)]);
        assert_eq!(decoded.count(DRAWER_KICK), 1, "the drawer opens once");
        assert_eq!(
            decoded.commands.last().map(Vec::as_slice),
            Some(CUT),
            "the cut comes last"
        );
        assert_eq!(decoded.count(CUT), 1);

        // Paper and preview are one layout: what arrived is exactly the receipt's lines.
        let receipt = receipt_of(&till.cashier, sale_id(&sale)).await;
        assert_eq!(decoded.texts(), paper_lines(&receipt, 48));

        // A reprint is marked and leaves the drawer shut.
        let (status, outcome) = till
            .cashier
            .request(
                Method::POST,
                &format!("/api/v1/sales/{}/print?reprint=true", sale_id(&sale)),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{outcome}");
        assert_eq!(outcome["drawer_opened"], false);
        let reprint = decode(&printer.next_job().await.bytes).expect("decodes");
        assert_eq!(&reprint.texts()[..2], ["レシート", "【再発行】"]);
        assert_eq!(reprint.count(DRAWER_KICK), 0);
        printer.no_more_jobs();
    }
);

db_test!(
    a_card_sale_prints_without_the_drawer_and_a_void_prints_as_such,
    demo = false,
    |server| {
        let mut printer = FakePrinter::start().await;
        let till = open_till(&server, Some(&printer.addr)).await;
        let card = record_sale(&till, json!([{"kind": "credit_card", "amount": 1520}])).await;
        let (status, outcome) = till
            .cashier
            .post(&format!("/api/v1/sales/{}/print", sale_id(&card)), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{outcome}");
        assert_eq!(outcome["drawer_opened"], false);
        let decoded = decode(&printer.next_job().await.bytes).expect("decodes");
        assert!(
            !decoded.commands.iter().any(|c| c.starts_with(&[0x1B, b'p'])),
            "no drawer kick for a card sale"
        );
        assert!(line(&decoded, "クレジットカード").ends_with(" ¥1,520"));
        assert!(!decoded.texts().iter().any(|t| t.starts_with("お釣り")));
        assert_eq!(decoded.commands.last().map(Vec::as_slice), Some(CUT));

        // A cash sale voided by the council: the void prints under its own title with the money
        // paid back, and opens the drawer to pay it.
        let cash = record_sale(&till, json!([{"kind": "cash", "amount": 2000}])).await;
        let (status, void) = server
            .post(
                &format!("/api/v1/sales/{}/void", sale_id(&cash)),
                &json!({"id": uuid::Uuid::now_v7(), "reason": "打ち間違い"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{void}");
        let (status, outcome) = server
            .post(&format!("/api/v1/sales/{}/print", sale_id(&void)), &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{outcome}");
        assert_eq!(outcome["drawer_opened"], true);
        let decoded = decode(&printer.next_job().await.bytes).expect("decodes");
        assert_eq!(decoded.texts()[0], "取消レシート");
        // The original sale by its date and number: 2026-11-28 02:05 UTC is 11:05 in Tokyo.
        assert_eq!(
            line(&decoded, "元の売上:"),
            format!(
                "元の売上: 2026/11/28 11:05 {}",
                cash["receipt_number"].as_str().unwrap_or("")
            )
        );
        assert!(line(&decoded, "※クッキー").ends_with(" -¥240"));
        assert!(line(&decoded, "10%対象").ends_with(" -¥780 (内消費税 -¥70)"));
        assert!(line(&decoded, "8%対象").ends_with(" -¥240 (内消費税 -¥17)"));
        assert!(line(&decoded, "合計").ends_with(" -¥1,520"));
        assert!(line(&decoded, "取消点数").ends_with("4点"));
        assert!(line(&decoded, "ご返金(現金)").ends_with(" ¥1,520"));
        assert!(
            !decoded.texts().iter().any(|t| t.contains("¥-")),
            "{:#?}",
            decoded.texts()
        );
        assert_eq!(decoded.count(DRAWER_KICK), 1);
        let receipt = receipt_of(server.admin_client(), sale_id(&void)).await;
        assert_eq!(decoded.texts(), paper_lines(&receipt, 48));
        printer.no_more_jobs();
    }
);

db_test!(a_printer_that_is_off_loses_nothing, demo = false, |server| {
    // A port nothing listens on: connections are refused.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let printer_addr = addr.to_string();
    let till = open_till(&server, Some(&printer_addr)).await;

    let status = till
        .cashier
        .get_ok(&format!("/api/v1/registers/{}/printer", till.register))
        .await;
    assert_eq!(status["reachable"], false, "{status}");
    assert_eq!(status["address"], printer_addr.as_str());
    assert!(
        status["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("プリンターに接続できません"),
        "{status}"
    );

    let sale = record_sale(&till, json!([{"kind": "cash", "amount": 2000}])).await;
    let print = format!("/api/v1/sales/{}/print", sale_id(&sale));
    let (status, body) = till.cashier.post(&print, &json!({})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let message = assert_error(&body, "printer_unreachable");
    assert!(
        message.starts_with(&format!("プリンターに接続できません ({printer_addr})")),
        "{message}"
    );
    assert!(message.contains("売上は記録されています"), "{message}");
    assert!(message.ends_with("もう一度印刷してください"), "{message}");

    // The sale is recorded all the same, once.
    let stored = till
        .cashier
        .get_ok(&format!("/api/v1/sales/{}", sale_id(&sale)))
        .await;
    assert_eq!(stored, sale);
    let journal = server
        .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
        .await;
    assert_eq!(journal.as_array().map(Vec::len), Some(1), "{journal}");

    // The printer is back on: the status says so, and the receipt prints (with the drawer:
    // the failed attempt never opened it).
    let mut printer = FakePrinter::on(TcpListener::bind(addr).await.expect("the same port again")).await;
    let status = till
        .cashier
        .get_ok(&format!("/api/v1/registers/{}/printer", till.register))
        .await;
    assert_eq!(status["reachable"], true, "{status}");
    let (status, outcome) = till.cashier.post(&print, &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    let decoded = decode(&printer.next_job().await.bytes).expect("decodes");
    assert!(line(&decoded, "レジ: レジ1").ends_with("No.HB26-R1-0001"));
    assert_eq!(decoded.count(DRAWER_KICK), 1);
    assert_eq!(decoded.commands.last().map(Vec::as_slice), Some(CUT));

    // The printer moved to another address: staff change it on the register, it prints there.
    let mut moved = FakePrinter::start().await;
    set_printer(&server, &till, Some(&moved.addr)).await;
    let (status, _) = till
        .cashier
        .post(&format!("{print}?reprint=true"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    moved.next_job().await;
    printer.no_more_jobs();
});

db_test!(
    registers_without_a_printer_and_bad_printer_settings,
    demo = false,
    |server| {
        let till = open_till(&server, None).await;
        let sale = record_sale(&till, json!([{"kind": "cash", "amount": 2000}])).await;
        let (status, body) = till
            .cashier
            .post(&format!("/api/v1/sales/{}/print", sale_id(&sale)), &json!({}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_error(&body, "printer_not_configured");
        let status = till
            .cashier
            .get_ok(&format!("/api/v1/registers/{}/printer", till.register))
            .await;
        assert_eq!(
            (&status["reachable"], &status["address"]),
            (&json!(false), &Value::Null)
        );
        assert_eq!(status["paper_columns"], 48);

        // Addresses and papers are checked when the event is saved.
        let mut body = event_body(&till, Some("http://192.168.1.50"));
        body["registers"][0]["paper_columns"] = json!(40);
        let (status, answer) = server.put(&format!("/api/v1/events/{}", till.event), &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(
            error_fields(&answer),
            ["registers[0].printer_addr", "registers[0].paper_columns"]
        );
        // Old clients that know nothing of printers still save events: no printer, 80 mm.
        let mut body = event_body(&till, None);
        body["registers"] = json!([{"code": "R1", "name": "レジ1"}]);
        let (status, answer) = server.put(&format!("/api/v1/events/{}", till.event), &body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["registers"][0]["printer_addr"], Value::Null);
        assert_eq!(answer["registers"][0]["paper_columns"], 48);
        // 58 mm paper and an address with the port are kept as typed (trimmed).
        let mut body = event_body(&till, Some(" 192.168.1.60:9100 "));
        body["registers"][0]["paper_columns"] = json!(32);
        let (status, answer) = server.put(&format!("/api/v1/events/{}", till.event), &body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["registers"][0]["printer_addr"], "192.168.1.60:9100");
        assert_eq!(answer["registers"][0]["paper_columns"], 32);
        // A host name could resolve anywhere: printers are IP addresses (see printers.rs).
        let body = event_body(&till, Some("tm-t88.local"));
        let (status, answer) = server.put(&format!("/api/v1/events/{}", till.event), &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(error_fields(&answer), ["registers[0].printer_addr"]);
    }
);

db_test!(the_receipt_text_is_the_printed_layout, demo = false, |server| {
    let till = open_till(&server, None).await;
    let sale = record_sale(&till, json!([{"kind": "cash", "amount": 2000}])).await;
    for (query, columns) in [("", 48usize), ("?columns=48", 48), ("?columns=32", 32)] {
        let answer = till
            .cashier
            .get_ok(&format!("/api/v1/sales/{}/receipt{query}", sale_id(&sale)))
            .await;
        assert_eq!(answer["columns"], columns);
        assert_eq!(answer["kind"], "sale");
        let receipt: Receipt = serde_json::from_value(answer["receipt"].clone()).expect("receipt");
        let expected = render_text(&layout(&receipt, columns), columns);
        let lines: Vec<String> = serde_json::from_value(answer["lines"].clone()).expect("lines");
        assert_eq!(lines.join("\n") + "\n", expected);
        if query.is_empty() {
            // The paper of a real recorded sale (shown with `--nocapture`).
            eprintln!(
                "[{}] receipt {}:\n{}",
                server.kind,
                receipt.receipt_number,
                lines.join("\n")
            );
        }
        assert!(lines.iter().any(|l| l.contains("No.HB26-R1-0001")), "{lines:#?}");
        if columns == 48 {
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with("8%対象") && l.ends_with(" ¥240 (内消費税 ¥17)")),
                "{lines:#?}"
            );
        }
        assert!(
            lines
                .iter()
                .all(|l| selpos_domain::receipts::paper::display_width(l) <= columns)
        );
        // The receipt is the recorded sale: its figures, the council, the facilities.
        assert_eq!(receipt.totals.total.0, 1520);
        assert_eq!(receipt.issuer_invoice_number.as_deref(), Some(COUNCIL_NUMBER));
        assert_eq!(receipt.lines[0].facility_name, "A工房");
        assert_eq!(receipt.lines[2].facility_name, "B農園");
        assert_eq!(
            receipt.issued_at_local.to_string(),
            "2026-11-28 11:05:00",
            "Asia/Tokyo"
        );
    }
    let (status, body) = till
        .cashier
        .get(&format!("/api/v1/sales/{}/receipt?columns=40", sale_id(&sale)))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["columns"]);
});

/// Refunds `lines` (line number, quantity) of `sale` as the council; answers the refund.
async fn refund(server: &TestServer, sale: &Value, lines: Value) -> Value {
    let (status, refund) = server
        .post(
            &format!("/api/v1/sales/{}/refund", sale_id(sale)),
            &json!({"id": uuid::Uuid::now_v7(), "reason": "破損", "lines": lines}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{refund}");
    refund
}

/// The per-rate (total, tax) of a sale or formal receipt answer.
fn rate(body: &Value, percent: &str) -> (i64, i64) {
    body["by_rate"]
        .as_array()
        .expect("by_rate")
        .iter()
        .find(|r| r["rate"] == percent)
        .map(|r| (r["total"].as_i64().unwrap_or(0), r["tax"].as_i64().unwrap_or(0)))
        .unwrap_or_else(|| panic!("no rate {percent} in {body}"))
}

db_test!(
    a_formal_receipt_states_what_is_left_after_refunds,
    demo = false,
    |server| {
        let till = open_till(&server, None).await;
        let sale = record_sale(&till, json!([{"kind": "cash", "amount": 2000}])).await;
        let formal = format!("/api/v1/sales/{}/formal-receipt", sale_id(&sale));
        let whole = till.cashier.get_ok(&formal).await;
        assert_eq!((&whole["total"], &whole["refunded"]), (&json!(1520), &json!(0)));
        assert_eq!(whole["note"], Value::Null);
        assert_eq!(rate(&whole, "reduced"), (240, 17));

        // One of the two cookies comes back.
        let returned = refund(&server, &sale, json!([{"line_no": 1, "quantity": 1}])).await;
        assert_eq!(returned["total"], -120);
        let (_, refund_tax) = rate(&returned, "reduced");
        let left = till.cashier.get_ok(&formal).await;
        assert_eq!(left["total"], 1520 - 120, "{left}");
        assert_eq!(left["refunded"], 120);
        assert_eq!(left["note"], "返品分を差し引いた金額");
        assert_eq!(
            left["refund_receipt_numbers"],
            json!([returned["receipt_number"]])
        );
        // The tax is the sale's stored tax less the refund's, rate by rate.
        assert_eq!(rate(&left, "reduced"), (120, 17 + refund_tax));
        assert!(17 + refund_tax < 17, "the refund took tax back: {returned}");
        assert_eq!(rate(&left, "standard"), (780, 70));
        assert_eq!(left["non_invoice_total"], 500);
        assert_eq!(left["lines"][0]["quantity"], 1);
        assert_eq!(left["lines"][0]["amount"], 120);
        assert_eq!(left["issuer_invoice_number"], COUNCIL_NUMBER);

        // Everything else comes back too: nothing is left to acknowledge.
        refund(
            &server,
            &sale,
            json!([{"line_no": 1, "quantity": 1}, {"line_no": 2, "quantity": 1}, {"line_no": 3, "quantity": 1}]),
        )
        .await;
        let (status, body) = till.cashier.get(&formal).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(
            assert_error(&body, "conflict").contains("すべて返品済み"),
            "{body}"
        );

        // A voided sale gets none, nor does a void or refund record.
        let other = record_sale(&till, json!([{"kind": "cash", "amount": 2000}])).await;
        let (status, voided) = server
            .post(
                &format!("/api/v1/sales/{}/void", sale_id(&other)),
                &json!({"id": uuid::Uuid::now_v7(), "reason": "打ち間違い"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{voided}");
        for (id, says) in [
            (sale_id(&other), "取消済み"),
            (sale_id(&returned), "取消・返品の記録"),
        ] {
            let (status, body) = till
                .cashier
                .get(&format!("/api/v1/sales/{id}/formal-receipt"))
                .await;
            assert_eq!(status, StatusCode::CONFLICT, "{body}");
            assert!(assert_error(&body, "conflict").contains(says), "{body}");
        }
    }
);

db_test!(a_refund_receipt_names_the_original_sale, demo = false, |server| {
    let mut printer = FakePrinter::start().await;
    let till = open_till(&server, Some(&printer.addr)).await;
    let sale = record_sale(&till, json!([{"kind": "cash", "amount": 2000}])).await;
    let returned = refund(&server, &sale, json!([{"line_no": 2, "quantity": 1}])).await;
    let (status, outcome) = server
        .post(&format!("/api/v1/sales/{}/print", sale_id(&returned)), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    let decoded = decode(&printer.next_job().await.bytes).expect("decodes");
    assert_eq!(decoded.texts()[0], "返品レシート");
    assert_eq!(
        line(&decoded, "元の売上:"),
        "元の売上: 2026/11/28 11:05 HB26-R1-0001"
    );
    assert!(line(&decoded, "ご返金(現金)").ends_with(" ¥780"));
    let receipt = receipt_of(&till.cashier, sale_id(&returned)).await;
    assert_eq!(receipt.original_receipt_number.as_deref(), Some("HB26-R1-0001"));
    assert_eq!(decoded.texts(), paper_lines(&receipt, 48));
    printer.no_more_jobs();
});

db_test!(
    a_reprint_names_the_council_as_it_was_at_the_sale,
    demo = false,
    |server| {
        let mut printer = FakePrinter::start().await;
        let till = open_till(&server, Some(&printer.addr)).await;
        let before = record_sale(&till, json!([{"kind": "cash", "amount": 2000}])).await;

        // The council changes its name and gives up its registration afterwards.
        let mut council = server.get_ok("/api/v1/council").await;
        let council = council.as_object_mut().expect("council");
        council.remove("updated_at");
        council.insert("name".into(), json!("新しい協議会"));
        council.insert("invoice_number".into(), Value::Null);
        let (status, saved) = server.put("/api/v1/council", &json!(council)).await;
        assert_eq!(status, StatusCode::OK, "{saved}");

        // The old sale's reprint, preview and 領収書 still name the issuer of the sale.
        let (status, outcome) = till
            .cashier
            .post(
                &format!("/api/v1/sales/{}/print?reprint=true", sale_id(&before)),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{outcome}");
        let decoded = decode(&printer.next_job().await.bytes).expect("decodes");
        assert_eq!(&decoded.texts()[..2], ["レシート", "【再発行】"]);
        line(&decoded, "群馬県社会就労センター協議会");
        assert!(
            decoded
                .texts()
                .contains(&format!("登録番号 {COUNCIL_NUMBER}").as_str())
        );
        assert!(!decoded.texts().iter().any(|t| t.contains("新しい協議会")));
        let receipt = receipt_of(&till.cashier, sale_id(&before)).await;
        assert_eq!(receipt.issuer_name, "群馬県社会就労センター協議会");
        assert_eq!(receipt.issuer_invoice_number.as_deref(), Some(COUNCIL_NUMBER));
        let formal = till
            .cashier
            .get_ok(&format!("/api/v1/sales/{}/formal-receipt", sale_id(&before)))
            .await;
        assert_eq!(formal["issuer_name"], "群馬県社会就労センター協議会");
        assert_eq!(formal["issuer_invoice_number"], COUNCIL_NUMBER);

        // A sale after the change names the council as it is now.
        let after = record_sale(&till, json!([{"kind": "cash", "amount": 2000}])).await;
        let receipt = receipt_of(&till.cashier, sale_id(&after)).await;
        assert_eq!(receipt.issuer_name, "新しい協議会");
        assert_eq!(receipt.issuer_invoice_number, None);
        printer.no_more_jobs();
    }
);

/// A sale of `lines` sold at `sold_at`, paid exactly in cash; answers its receipt number.
async fn sale_at(till: &HeartBazaar, sold_at: &str, lines: Value, total: i64) -> String {
    let sale = till
        .record(&till.sale_at(sold_at, lines, json!([{"kind": "cash", "amount": total}])))
        .await;
    sale["receipt_number"].as_str().expect("number").to_string()
}

/// The receipt numbers a search of the journal finds, newest first.
async fn found(client: &ApiClient, query: &str) -> Vec<String> {
    let sales = client.get_ok(&format!("/api/v1/sales?{query}")).await;
    sales
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["receipt_number"].as_str().unwrap_or("").to_string())
        .collect()
}

db_test!(
    a_past_sale_is_found_by_number_time_and_amount,
    demo = false,
    |server| {
        let till = open_till(&server, None).await;
        let admin = server.admin_client();
        // 11:05 and 12:00 on the 28th, 10:00 on the 29th (Japan time).
        let first = sale_at(
            &till,
            "2026-11-28T02:05:00Z",
            json!([{"product_id": till.cookie, "quantity": 2, "unit_price": 120}]),
            240,
        )
        .await;
        let second = sale_at(
            &till,
            "2026-11-28T03:00:00Z",
            json!([{"product_id": till.soap, "quantity": 1, "unit_price": 780}]),
            780,
        )
        .await;
        let third = sale_at(
            &till,
            "2026-11-29T01:00:00Z",
            json!([{"product_id": till.soap, "quantity": 1, "unit_price": 780}]),
            780,
        )
        .await;

        // By receipt number, however typed.
        assert_eq!(
            found(admin, &format!("receipt_number={second}")).await,
            [second.as_str()]
        );
        let typed = second.to_lowercase().replace('-', "%EF%BC%8D"); // "－", full width
        assert_eq!(
            found(admin, &format!("receipt_number={typed}")).await,
            [second.as_str()]
        );
        // By time: Japan time, a day, or RFC 3339; `to` is exclusive.
        assert_eq!(
            found(admin, "from=2026-11-28T11:00&to=2026-11-28T12:00").await,
            [first.as_str()]
        );
        assert_eq!(
            found(admin, "from=2026-11-28&to=2026-11-28").await,
            [second.as_str(), first.as_str()]
        );
        assert_eq!(found(admin, "from=2026-11-29").await, [third.as_str()]);
        assert_eq!(
            found(admin, "to=2026-11-28T03:00:00%2B00:00").await,
            [first.as_str()]
        );
        // By the exact total, alone or with a day.
        assert_eq!(found(admin, "total=780").await, [third.as_str(), second.as_str()]);
        assert_eq!(
            found(admin, "total=780&from=2026-11-28&to=2026-11-28").await,
            [second.as_str()]
        );
        assert!(found(admin, "total=781").await.is_empty());

        // Page by page, newest first.
        assert_eq!(found(admin, "limit=2").await, [third.as_str(), second.as_str()]);
        assert_eq!(found(admin, "limit=2&offset=2").await, [first.as_str()]);

        // A void is a record of its own: `kind` keeps the sales apart.
        let sale = till
            .cashier
            .get_ok(&format!("/api/v1/sales?receipt_number={first}"))
            .await;
        let (status, void) = server
            .post(
                &format!("/api/v1/sales/{}/void", sale[0]["id"].as_str().unwrap_or("")),
                &json!({"id": uuid::Uuid::now_v7(), "reason": "打ち間違い"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{void}");
        assert_eq!(found(admin, "total=-240").await.len(), 1);
        assert_eq!(found(admin, "kind=sale&limit=10").await.len(), 3);
        assert_eq!(found(admin, "kind=void").await.len(), 1);

        // The cashier searches their own register only.
        assert_eq!(
            found(&till.cashier, "total=780").await,
            [third.as_str(), second.as_str()]
        );
        let (status, body) = till
            .cashier
            .get(&format!(
                "/api/v1/sales?total=780&register_id={}",
                till.register + 1000
            ))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

        // Wrong searches say which field is wrong.
        for (query, fields) in [
            ("from=11%2F28", vec!["from"]),
            ("from=2026-11-28T12:00&to=2026-11-28T11:00", vec!["to"]),
            ("kind=gift&offset=-1", vec!["kind", "offset"]),
            ("total=10000000000", vec!["total"]),
            ("limit=0", vec!["limit"]),
        ] {
            let (status, body) = admin.get(&format!("/api/v1/sales?{query}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
            assert_eq!(error_fields(&body), fields, "{query}");
        }
    }
);
