//! 共同購入 in a real headless Chromium: the council creates a round from the menu, a
//! facility's staff order their quantity on its page (seeing only their own), the council sees
//! the total to order from the supplier, closes, bills, and opens the A4 invoice with the tax
//! rounded once over the bill, and the facility's statement of the month.

use fantoccini::Locator;
use selpos_tests::browser::set_value;
use selpos_tests::browser::{Browser, WAIT};
use selpos_tests::{ADMIN_LOGIN, ADMIN_PASSWORD, NewFacility, TestServer, World};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

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

async fn wait_api(server: &TestServer, path: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let value = server.get_ok(path).await;
        if ok(&value) {
            return value;
        }
        assert!(started.elapsed() < WAIT, "{path}: {value}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_is_ordered_closed_billed_and_invoiced_on_its_pages() {
    let server = TestServer::sqlite(false).await;
    let base = server.base.clone();
    let world = World::on(&server)
        .council(json!({"name": "群馬県社会就労センター協議会", "invoice_number": "T3700000000001", "tax_rounding": "down"}))
        .facilities([NewFacility::new(10, "A工房"), NewFacility::new(11, "B農園")])
        .build()
        .await;
    let (a, b) = (world.facilities[0], world.facilities[1]);
    server
        .new_user(
            &json!({"login": "a-koubou", "display_name": "A工房の職員", "role": "facility_staff",
            "facility_id": a, "password": "a-koubou-password"}),
        )
        .await;

    // The council: a new round from the menu.
    let browser = Browser::start().await;
    browser.sign_in_at(&base, ADMIN_LOGIN, ADMIN_PASSWORD).await;
    browser
        .find(Locator::Css("header nav a[href='/purchases']"))
        .await;
    open_ready(&browser, &base, "/purchases", "#new-round").await;
    browser.click(Locator::Css("#new-round")).await;
    browser.find(Locator::Css("#round-form")).await;
    browser
        .type_into("#round-form input[name='title']", "消毒用アルコール共同購入")
        .await;
    browser
        .type_into("#round-form input[name='item_name']", "消毒用アルコール 5L")
        .await;
    browser
        .type_into("#round-form input[name='unit_price']", "3296")
        .await;
    let deadline = (chrono::Utc::now() + chrono::TimeDelta::days(3) + chrono::TimeDelta::hours(9))
        .format("%Y-%m-%dT17:00")
        .to_string();
    set_value(&browser, "#round-form input[name='deadline']", &deadline).await;
    browser.click(Locator::Css("#save-round")).await;
    wait_text(&browser, "#round-list", "消毒用アルコール共同購入").await;
    let rounds = server.get_ok("/api/v1/purchases").await;
    let id = rounds[0]["id"].as_i64().expect("id");
    assert_eq!(
        (&rounds[0]["unit_price"], &rounds[0]["tax_rate"]),
        (&json!(3296), &json!("standard")),
        "{rounds}"
    );
    assert!(
        rounds[0]["deadline_ja"].as_str().unwrap_or("").ends_with("17:00"),
        "{rounds}"
    );
    // B's order taken by phone.
    let (status, body) = server
        .put(
            &format!("/api/v1/purchases/{id}/orders"),
            &json!({"orders": [{"facility_id": b, "quantity": 4}]}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");

    // A's staff order 3 on the round's page and see only their own order.
    let staff = Browser::start().await;
    staff.sign_in_at(&base, "a-koubou", "a-koubou-password").await;
    staff.find(Locator::Css("header nav a[href='/purchases']")).await;
    open_ready(&staff, &base, &format!("/purchases/{id}"), "#save-order").await;
    staff
        .type_into("#round-orders input[name='order_quantity']", "3")
        .await;
    staff.click(Locator::Css("#save-order")).await;
    wait_text(&staff, "#total-quantity", "3 本").await;
    assert!(
        !staff.text_of("#round-orders").await.contains("B農園"),
        "another facility's order is shown"
    );
    staff.close().await;

    // The council: the total for the supplier, close, bill, the invoice.
    open_ready(&browser, &base, &format!("/purchases/{id}"), "#close-round").await;
    wait_text(&browser, "#total-quantity", "7 本").await;
    browser.click(Locator::Css("#close-round")).await;
    browser.find(Locator::Css("#bill-round")).await;
    browser.click(Locator::Css("#bill-round")).await;
    wait_text(&browser, "#bill-list", &format!("GP-{id}-10")).await;
    wait_api(&server, &format!("/api/v1/purchases/{id}"), |r| {
        r["status"] == "billed"
    })
    .await;
    open_ready(
        &browser,
        &base,
        &format!("/purchases/{id}/invoice?facility={a}"),
        "#invoice",
    )
    .await;
    wait_text(&browser, "#invoice-total", "¥9,888").await;
    wait_text(&browser, "#rate-totals", "¥898").await;
    wait_text(&browser, "#invoice", "T3700000000001").await;
    browser.find(Locator::Css("#print")).await;
    // The month's statement of A: the same bill, on one invoice per month.
    let month = (chrono::Utc::now() + chrono::TimeDelta::hours(9))
        .format("%Y-%m")
        .to_string();
    open_ready(
        &browser,
        &base,
        &format!("/purchases/statement?facility={a}&month={month}"),
        "#invoice",
    )
    .await;
    wait_text(&browser, "#invoice", &format!("GP-10-{}", month.replace('-', ""))).await;
    wait_text(&browser, "#rate-totals", "¥898").await;
    browser.close().await;
}
