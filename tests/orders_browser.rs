//! 共同受注窓口 in a real headless Chromium (issue 23): the desk creates an order with a
//! catalogue product and free-text work, allocates it with the suggestion (and sees its
//! explanation), marks it 受注, reads the invoice's per-rate totals with the unregistered
//! facility shown apart, and records a partial payment; a facility's staff confirm their share
//! on their own page and never see another facility's.

use fantoccini::Locator;
use selpos_tests::browser::set_value;
use selpos_tests::browser::{Browser, WAIT};
use selpos_tests::{ADMIN_LOGIN, ADMIN_PASSWORD, NewFacility, NewProduct, TestServer, World};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const STAFF_A: (&str, &str) = ("a-koubou", "a-koubou-password");

/// Waits until `script` (returning a value) answers something `ok` accepts.
async fn wait_js(browser: &Browser, script: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let value = browser.js(script).await;
        if ok(&value) {
            return value;
        }
        assert!(started.elapsed() < WAIT, "{script}: {value}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_text(browser: &Browser, css: &str, wanted: &str) -> String {
    let text = browser.wait_text(css, WAIT, |t| t.contains(wanted)).await;
    assert!(text.contains(wanted), "{css}: {text:?}, wanted {wanted:?}");
    text
}

/// Opens `path` and waits until the page knows who is signed in and `ready` has rendered.
async fn open_ready(browser: &Browser, base: &str, path: &str, ready: &str) {
    browser.open(&format!("{base}{path}")).await;
    browser.find(Locator::Css("header .who .user")).await;
    browser.find(Locator::Css(ready)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
}

fn share_id(order: &Value, facility: i64) -> Vec<i64> {
    order["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|i| i["shares"].as_array().expect("shares").clone())
        .filter(|s| s["facility_id"] == facility)
        .map(|s| s["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_allocates_invoices_and_records_a_payment_and_facilities_confirm() {
    let server = TestServer::sqlite(false).await;
    let base = server.base.clone();
    let world = World::on(&server)
        .council(json!({"name": "群馬県社会就労センター協議会", "invoice_number": "T3700000000001", "tax_rounding": "down",
            "bank_account": "群馬銀行 県庁支店 普通 1234567"}))
        .facilities([
            NewFacility::new(10, "A工房").invoice_issuer(),
            NewFacility::new(11, "B農園").invoice_issuer(),
            NewFacility::new(12, "Cベーカリー"),
        ])
        .products([NewProduct::reduced(0, "クッキー詰め合わせ", 120)])
        .build()
        .await;
    let (a, b, c) = (world.facilities[0], world.facilities[1], world.facilities[2]);
    let cookies = world.products[0].id;
    server
        .new_user(
            &json!({"login": STAFF_A.0, "display_name": "A工房の職員", "role": "facility_staff",
            "facility_id": a, "password": STAFF_A.1}),
        )
        .await;
    let staff_b = server
        .new_user(
            &json!({"login": "b-nouen", "display_name": "B農園の職員", "role": "facility_staff",
            "facility_id": b, "password": "b-nouen-password"}),
        )
        .await;
    let staff_c = server
        .new_user(
            &json!({"login": "c-bakery", "display_name": "Cの職員", "role": "facility_staff",
            "facility_id": c, "password": "c-bakery-password"}),
        )
        .await;
    // Declared capacities: the suggestion splits by them.
    for (facility, product, work, quantity) in [
        (a, Some(cookies), "", 20),
        (c, Some(cookies), "", 10),
        (a, None, "会議資料の印刷", 1),
        (b, None, "会議資料の印刷", 2),
    ] {
        server
            .created(
                "/api/v1/orders/capacities",
                &json!({"facility_id": facility, "product_id": product, "work": work,
                    "starts_on": "2026-01-01", "ends_on": "2027-12-31", "quantity": quantity}),
            )
            .await;
    }

    let browser = Browser::start().await;
    browser.sign_in_at(&base, ADMIN_LOGIN, ADMIN_PASSWORD).await;
    // The desk's menu leads to the orders.
    browser.find(Locator::Css("header nav a[href='/orders']")).await;
    open_ready(&browser, &base, "/orders", "#new-order").await;
    browser.click(Locator::Css("#new-order")).await;
    browser.find(Locator::Css("form.editor .order-item")).await;
    browser
        .type_into("form.editor input[name='subject']", "障害者週間 記念品と資料")
        .await;
    browser
        .type_into("form.editor input[name='buyer_name']", "群馬県")
        .await;
    browser
        .type_into("form.editor input[name='buyer_department']", "障害政策課")
        .await;
    set_value(&browser, "form.editor select[name='buyer_kind']", "government").await;
    set_value(&browser, "form.editor input[name='delivery_on']", "2026-11-20").await;
    browser
        .type_into("form.editor input[name='delivery_place']", "県庁 1階ロビー")
        .await;
    // A second delivery day, at another place.
    browser.click(Locator::Css("#add-delivery")).await;
    wait_js(
        &browser,
        "return document.querySelectorAll('.order-delivery').length",
        |v| v == &json!(2),
    )
    .await;
    set_value(
        &browser,
        ".order-delivery:nth-of-type(2) input[name='delivery_on']",
        "2026-11-27",
    )
    .await;
    browser
        .type_into(
            ".order-delivery:nth-of-type(2) input[name='delivery_place']",
            "県庁 2階",
        )
        .await;
    browser
        .type_into("form.editor input[name='payment_terms']", "検収後30日以内")
        .await;
    // Item 1: the catalogue's cookies fill their name, price and 8%.
    wait_js(
        &browser,
        &format!("return document.querySelectorAll(\"select[name='item_product'] option[value='{cookies}']\").length"),
        |v| v == &json!(1),
    )
    .await;
    set_value(
        &browser,
        ".order-item:nth-of-type(1) select[name='item_product']",
        &cookies.to_string(),
    )
    .await;
    wait_js(
        &browser,
        "return document.querySelector(\".order-item input[name='item_price']\").value",
        |v| v == &json!("120"),
    )
    .await;
    assert_eq!(
        browser
            .js("return document.querySelector(\".order-item select[name='item_tax']\").value")
            .await,
        json!("reduced")
    );
    browser
        .type_into(".order-item input[name='item_quantity']", "30")
        .await;
    // Item 2: free-text work.
    browser.click(Locator::Css("#add-item")).await;
    wait_js(
        &browser,
        "return document.querySelectorAll('.order-item').length",
        |v| v == &json!(2),
    )
    .await;
    let second = ".order-item:nth-of-type(2)";
    browser
        .type_into(
            &format!("{second} input[name='item_description']"),
            "会議資料の印刷",
        )
        .await;
    set_value(&browser, &format!("{second} input[name='item_unit']"), "件").await;
    browser
        .type_into(&format!("{second} input[name='item_quantity']"), "3")
        .await;
    browser
        .type_into(&format!("{second} input[name='item_price']"), "1000")
        .await;
    browser
        .click(Locator::Css("form.editor button[type='submit']"))
        .await;
    wait_text(&browser, "#order-list", "障害者週間 記念品と資料").await;
    let list = server.get_ok("/api/v1/orders").await;
    let id = list[0]["id"].as_i64().expect("id");
    assert_eq!(list[0]["total"], json!(6600), "{list}");
    assert_eq!(
        list[0]["deliveries"],
        json!([{"on": "2026-11-20", "place": "県庁 1階ロビー"}, {"on": "2026-11-27", "place": "県庁 2階"}]),
        "{list}"
    );

    // The order: the suggestion, explained, then accepted and saved.
    browser
        .follow(Locator::Css("#order-list a.open-order"), &format!("/orders/{id}"))
        .await;
    browser.click(Locator::Css("#suggest")).await;
    let explanation = wait_text(&browser, "#suggestion", "申告能力").await;
    assert!(
        explanation.contains("A工房") && explanation.contains("Cベーカリー"),
        "{explanation}"
    );
    browser.click(Locator::Css("#accept-suggestion")).await;
    wait_js(
        &browser,
        "return [...document.querySelectorAll('.allocation-total')].map(e => e.textContent.trim().startsWith('✓'))",
        |v| v == &json!([true, true]),
    )
    .await;
    browser.click(Locator::Css("#save-allocation")).await;
    wait_text(&browser, ".save-status", "割り振りを保存しました").await;
    let order = server.get_ok(&format!("/api/v1/orders/{id}")).await;
    let shares: Vec<(i64, i64)> = order["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|i| i["shares"].as_array().expect("shares").clone())
        .map(|s| {
            (
                s["facility_id"].as_i64().expect("f"),
                s["quantity"].as_i64().expect("q"),
            )
        })
        .collect();
    assert_eq!(shares.len(), 4, "{order}");
    for wanted in [(a, 20), (c, 10), (a, 1), (b, 2)] {
        assert!(shares.contains(&wanted), "{wanted:?} in {shares:?}");
    }

    // 受注.
    browser
        .click(Locator::Css("#status-actions button[data-status='ordered']"))
        .await;
    wait_text(&browser, "#order-status", "受注").await;

    // The invoice: per-rate totals of the registered facilities' lines, tax rounded once per
    // rate (down); the unregistered bakery apart.
    browser
        .follow(Locator::Css("#open-invoice"), &format!("/orders/{id}/document"))
        .await;
    browser.find(Locator::Css("#invoice #rate-totals")).await;
    let rates = browser
        .js("return [...document.querySelectorAll('#rate-totals tbody tr')].map(r => [r.dataset.rate, ...[...r.querySelectorAll('td')].map(td => td.textContent.trim())])")
        .await;
    assert_eq!(
        rates,
        json!([["standard", "¥3,000", "¥272"], ["reduced", "¥2,400", "¥177"]])
    );
    let invoice = browser.text_of("#invoice").await;
    for expected in [
        "T3700000000001",
        "群馬県社会就労センター協議会",
        "障害者週間 記念品と資料",
        "県庁 1階ロビー",
        "2026-11-20",
        "検収後30日以内",
        // 振込先 from the council's settings, on any tablet.
        "振込先 群馬銀行 県庁支店 普通 1234567",
        "クッキー詰め合わせ※",
        "適格請求書発行事業者以外の事業所分",
        "¥6,600",
    ] {
        assert!(invoice.contains(expected), "{expected} in {invoice}");
    }
    let apart = browser.text_of("#non-qualified").await;
    assert!(
        apart.contains("Cベーカリー") && apart.contains("¥1,200"),
        "{apart}"
    );

    // Facility A confirms its shares on its own page, and sees nobody else's.
    browser.click(Locator::Css("header .who button")).await;
    browser.find(Locator::Css("form.login")).await;
    browser.sign_in_at(&base, STAFF_A.0, STAFF_A.1).await;
    browser
        .find(Locator::Css("header nav a[href='/orders/shares']"))
        .await;
    open_ready(&browser, &base, "/orders/shares", "#share-list").await;
    assert_eq!(
        browser
            .js("return document.querySelectorAll('#share-list tr.share').length")
            .await,
        json!(2)
    );
    let page = browser.text_of("main").await;
    assert!(
        !page.contains("B農園") && !page.contains("Cベーカリー"),
        "another facility's share shown: {page}"
    );
    for _ in 0..2 {
        let before = browser
            .js("return document.querySelectorAll('#share-list button.confirm-share').length")
            .await;
        browser
            .click(Locator::Css("#share-list button.confirm-share"))
            .await;
        wait_js(
            &browser,
            "return document.querySelectorAll('#share-list button.confirm-share').length",
            |v| v.as_i64() < before.as_i64(),
        )
        .await;
    }
    wait_text(&browser, "#share-list", "引受け").await;
    // A declares what it can make in a period on its own page (no facility to choose: its own).
    browser.click(Locator::Css("#open-capacities")).await;
    browser.find(Locator::Css("#capacity-list")).await;
    assert_eq!(
        browser
            .js("return document.querySelectorAll('select[name=facility_id]').length")
            .await,
        json!(0)
    );
    set_value(&browser, "input[name=work]", "封入作業").await;
    set_value(&browser, "input[name=starts_on]", "2027-01-01").await;
    set_value(&browser, "input[name=ends_on]", "2027-03-31").await;
    set_value(&browser, "input[name=quantity]", "300").await;
    browser
        .click(Locator::Css("form.editor button[type=submit]"))
        .await;
    let declared = wait_text(&browser, "#capacity-list", "封入作業").await;
    assert!(
        declared.contains("2027-01-01 〜 2027-03-31") && declared.contains("300"),
        "{declared}"
    );
    assert!(
        !declared.contains("B農園"),
        "another facility's declaration shown: {declared}"
    );
    let stored = server.get_ok("/api/v1/orders/capacities").await;
    assert!(
        stored.as_array().is_some_and(|list| list
            .iter()
            .any(|c| c["facility_id"] == a && c["work"] == "封入作業" && c["quantity"] == 300)),
        "{stored}"
    );
    // The order's own page shows only A's part to A.
    open_ready(&browser, &base, &format!("/orders/{id}"), "#allocation").await;
    let page = browser.text_of("main").await;
    assert!(
        !page.contains("B農園") && !page.contains("Cベーカリー"),
        "another facility's share shown: {page}"
    );
    assert_eq!(
        browser
            .js("return document.querySelectorAll('#status-actions, #save-allocation, #suggest').length")
            .await,
        json!(0),
        "facility staff are offered none of the desk's actions"
    );

    // B and C confirm through the API; the desk delivers, invoices and records a payment.
    let order = server.get_ok(&format!("/api/v1/orders/{id}")).await;
    for (client, facility) in [(&staff_b, b), (&staff_c, c)] {
        for share in share_id(&order, facility) {
            let (status, body) = client
                .post(
                    &format!("/api/v1/orders/{id}/shares/{share}/answer"),
                    &json!({"answer": "confirm"}),
                )
                .await;
            assert!(status.is_success(), "{body}");
        }
    }
    browser.click(Locator::Css("header .who button")).await;
    browser.find(Locator::Css("form.login")).await;
    browser.sign_in_at(&base, ADMIN_LOGIN, ADMIN_PASSWORD).await;
    for (status, label) in [("delivered", "納品済"), ("invoiced", "請求済")] {
        open_ready(&browser, &base, &format!("/orders/{id}"), "#status-actions").await;
        browser
            .click(Locator::Css(&format!(
                "#status-actions button[data-status='{status}']"
            )))
            .await;
        wait_text(&browser, "#order-status", label).await;
    }
    browser.find(Locator::Css("#record-payment")).await;
    set_value(&browser, "input[name='payment_on']", "2026-12-10").await;
    set_value(&browser, "input[name='payment_amount']", "5000").await;
    browser.click(Locator::Css("#record-payment")).await;
    wait_text(&browser, "#outstanding", "¥1,600").await;
    wait_text(&browser, "#payment-list", "¥5,000").await;
    let order = server.get_ok(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(
        (&order["paid"], &order["status"]),
        (&json!(5000), &json!("invoiced"))
    );
    // The council's fee: a fixed ¥500 for the bakery, its payable follows.
    let set_override = r#"const label = [...document.querySelectorAll('#fee label.field')].find(l => l.textContent.includes('Cベーカリーの手数料'));
        const input = label.querySelector('input');
        Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, '500');
        input.dispatchEvent(new Event('input', {bubbles: true}));
        return input.value;"#;
    assert_eq!(browser.js(set_override).await, json!("500"));
    browser.click(Locator::Css("#save-fee")).await;
    wait_text(&browser, ".save-status", "手数料を保存しました").await;
    wait_text(
        &browser,
        &format!("#payable-list tr[data-facility='{c}'] .payable"),
        "¥700",
    )
    .await;
    let order = server.get_ok(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(
        order["fee_overrides"],
        json!([{"facility_id": c, "fee": {"kind": "fixed", "yen": 500}}])
    );

    // The other documents: the quote with its per-rate totals over every line, A's own
    // delivery note with only A's lines, and the prefecture's yearly report with its CSV.
    open_ready(
        &browser,
        &base,
        &format!("/orders/{id}/document?kind=quote"),
        "#quote #rate-totals",
    )
    .await;
    wait_text(&browser, "#quote-total", "¥6,600").await;
    let rates = browser
        .js("return [...document.querySelectorAll('#rate-totals tbody tr')].map(r => [...r.querySelectorAll('td')].map(td => td.textContent.trim()))")
        .await;
    assert_eq!(rates, json!([["¥3,000", "¥272"], ["¥3,600", "¥266"]]));
    open_ready(
        &browser,
        &base,
        &format!("/orders/{id}/document?kind=delivery&facility={a}"),
        "#delivery-note",
    )
    .await;
    wait_text(&browser, "#delivery-total", "¥3,400").await;
    let note = browser.text_of("#delivery-note").await;
    assert!(note.contains("納品者 A工房") && !note.contains("B農園"), "{note}");
    let ordered_on = order["ordered_on"].as_str().expect("ordered_on").to_string();
    let (year, month): (i32, u32) = (
        ordered_on[..4].parse().expect("year"),
        ordered_on[5..7].parse().expect("month"),
    );
    let fiscal_year = if month >= 4 { year } else { year - 1 };
    open_ready(
        &browser,
        &base,
        &format!("/orders/report?year={fiscal_year}"),
        "#procurement-report",
    )
    .await;
    let total = wait_text(&browser, "#report-total", "¥6,600").await;
    assert!(total.starts_with("合計"), "{total}");
    let csv = browser
        .find(Locator::Css("#report-csv"))
        .await
        .attr("href")
        .await
        .expect("href");
    assert_eq!(
        csv.as_deref(),
        Some(format!("/api/v1/orders/report?fiscal_year={fiscal_year}&format=csv").as_str())
    );
    browser.close().await;
}
