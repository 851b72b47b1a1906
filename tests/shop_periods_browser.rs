//! 期間精算 in a real headless Chromium: the council reaches the SELP SHOP's periods from the
//! events list, previews the open period, settles it, and opens a facility's statement with its
//! stock carried over; facility staff see the settled period and their own statement only. The
//! page passes the accessibility sweep.

use chrono::{TimeDelta, Utc};
use fantoccini::Locator;
use selpos_tests::browser::{Browser, WAIT, set_value};
use selpos_tests::{ADMIN_LOGIN, ADMIN_PASSWORD, NewEvent, NewFacility, NewProduct, TestServer, World};
use serde_json::json;

async fn wait_text(browser: &Browser, css: &str, wanted: &str) -> String {
    let text = browser.wait_text(css, WAIT, |t| t.contains(wanted)).await;
    assert!(text.contains(wanted), "{css}: {text:?}, wanted {wanted:?}");
    text
}

async fn no_violations(browser: &Browser, what: &str) {
    let violations = browser.accessibility_violations().await;
    assert!(violations.is_empty(), "{what}: {violations:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_council_settles_a_period_of_the_shop_and_facilities_read_their_statement() {
    let server = TestServer::sqlite(false).await;
    let base = server.base.clone();
    let today = selpos_domain::events::tokyo_date(Utc::now());
    let (d1, d2) = (today - TimeDelta::days(2), today - TimeDelta::days(1));
    let w = World::on(&server)
        .facilities([NewFacility::new(41, "工房41"), NewFacility::new(42, "農園42")])
        .products([
            NewProduct::reduced(0, "クッキー", 120),
            NewProduct::reduced(1, "ジャム", 500),
        ])
        .event(NewEvent::standing_shop("SHOP27", d1))
        .open_till()
        .await;
    let (a, b) = (w.facilities[0], w.facilities[1]);
    for (day, product, quantity) in [(d1, &w.products[0], 3), (d2, &w.products[1], 1)] {
        w.record(&w.sale_at(
            &format!("{day}T02:00:00Z"),
            json!([{"product_id": product.id, "quantity": quantity, "unit_price": product.price}]),
            json!([{"kind": "cash", "amount": product.price * quantity}]),
        ))
        .await;
    }
    server
        .new_user(
            &json!({"login": "koubou41", "display_name": "工房41の職員", "role": "facility_staff",
            "facility_id": a, "password": "koubou41-password"}),
        )
        .await;

    // The council: from the events list to the shop's periods.
    let browser = Browser::start().await;
    browser.sign_in_at(&base, ADMIN_LOGIN, ADMIN_PASSWORD).await;
    browser.open(&format!("{base}/events")).await;
    browser
        .follow(
            Locator::Css(&format!("a[href='/periods?event={}']", w.event)),
            "/periods",
        )
        .await;
    wait_text(&browser, "#open-period h2", &d1.to_string()).await;
    set_value(&browser, "#open-period input[name='through']", &d1.to_string()).await;
    browser.click(Locator::Css("#preview-period")).await;
    wait_text(&browser, "#period-figures h2", "見込み").await;
    wait_text(&browser, "#period-net", "¥360").await;
    no_violations(&browser, "/periods (preview)").await;

    // Settling today is refused with the reason beside the field.
    set_value(&browser, "#open-period input[name='through']", &today.to_string()).await;
    browser.click(Locator::Css("#settle-period")).await;
    wait_text(&browser, "#open-period", "終わった日まで").await;

    // Through day 2: settled, listed, its figures shown with the facilities' statements.
    set_value(&browser, "#open-period input[name='through']", &d2.to_string()).await;
    browser.click(Locator::Css("#settle-period")).await;
    wait_text(&browser, "#settled-periods", &format!("{d1} 〜 {d2}")).await;
    wait_text(&browser, "#period-figures h2", "精算済").await;
    wait_text(&browser, "#period-net", "¥860").await;
    no_violations(&browser, "/periods (settled)").await;
    // 精算後の調整 of the period: ¥360 less 10 % is ¥324, ¥100 more is ¥424.
    wait_text(
        &browser,
        &format!("#period-facilities tr[data-facility='{a}']"),
        "¥324",
    )
    .await;
    browser
        .type_into("#adjustment input[name='adjust-amount']", "100")
        .await;
    browser
        .type_into("#adjustment input[name='adjust-reason']", "値札の誤り")
        .await;
    browser.click(Locator::Css("#adjustment button.primary")).await;
    wait_text(
        &browser,
        &format!("#period-facilities tr[data-facility='{a}']"),
        "¥424",
    )
    .await;
    let periods = server
        .get_ok(&format!("/api/v1/events/{}/periods", w.event))
        .await;
    let period = periods["periods"][0]["id"].as_i64().expect("a settled period");
    browser
        .follow(
            Locator::Css(&format!("#period-facilities tr[data-facility='{a}'] a")),
            "/periods/statement",
        )
        .await;
    wait_text(&browser, "#statement-net", "¥360").await;
    wait_text(&browser, "#statement-payable", "¥424").await;
    wait_text(&browser, "#period-days", &d1.to_string()).await;
    wait_text(&browser, "#period-stock", "クッキー").await;
    no_violations(&browser, "/periods/statement").await;

    // Facility staff: the settled period and their own statement, no settling.
    browser.sign_in_at(&base, "koubou41", "koubou41-password").await;
    browser.open(&format!("{base}/periods?event={}", w.event)).await;
    wait_text(&browser, "#settled-periods", &d2.to_string()).await;
    assert!(
        browser.client.find(Locator::Css("#open-period")).await.is_err(),
        "facility staff do not settle"
    );
    browser
        .follow(
            Locator::Css(&format!(
                "a[href='/periods/statement?event={}&period={period}&facility={a}']",
                w.event
            )),
            "/periods/statement",
        )
        .await;
    wait_text(&browser, "#statement-net", "¥360").await;
    // Another facility's statement is not theirs to read.
    browser
        .open(&format!(
            "{base}/periods/statement?event={}&period={period}&facility={b}",
            w.event
        ))
        .await;
    browser.find(Locator::Css(".banner.error")).await;
    browser.close().await;
    server.stop().await;
}
