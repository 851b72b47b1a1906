//! ギフト (中元・歳暮) in a real headless Chromium: a facility's staff take an order on the form
//! (a second recipient added and removed again, のし and a delivery date chosen), the order is
//! recorded as their facility's, on invoice; a wrong postal code is shown at its field.

use fantoccini::Locator;
use selpos_tests::browser::set_value;
use selpos_tests::browser::{Browser, WAIT};
use selpos_tests::{NewFacility, TestServer, World};
use serde_json::json;
use std::time::Duration;

/// Waits until the select `css` offers `value`.
async fn wait_option(browser: &Browser, css: &str, value: &str) {
    let script = format!(
        "return [...document.querySelectorAll({} + ' option')].some(o => o.value === {});",
        json!(css),
        json!(value)
    );
    let started = std::time::Instant::now();
    while browser.js(&script).await != json!(true) {
        assert!(started.elapsed() < WAIT, "{css} never offered {value}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facility_staff_take_a_gift_order_on_the_form() {
    let server = TestServer::sqlite(false).await;
    let base = server.base.clone();
    let world = World::on(&server)
        .facilities([NewFacility::new(10, "A工房")])
        .build()
        .await;
    let a = world.facilities[0];
    let season = server
        .created(
            "/api/v1/gifts/seasons",
            &json!({"name": "2026 お歳暮", "supplier": "ニッポンハム",
                    "commission": {"kind": "percent", "basis_points": 1000}}),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    let csv = "商品コード,商品名,価格,税率,お届け開始日,お届け終了日\nNH-50,本格派ハム詰合せ,5400,8,2026/12/01,2026/12/25\n";
    let (status, body) = server
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/gifts/seasons/{season}/catalogue"),
            "text/csv",
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    server
        .new_user(
            &json!({"login": "a-staff", "display_name": "A職員", "role": "facility_staff",
                          "facility_id": a, "password": "a-staff-password"}),
        )
        .await;

    let browser = Browser::start().await;
    browser.sign_in_at(&base, "a-staff", "a-staff-password").await;
    browser.open(&format!("{base}/gifts/new?season={season}")).await;
    browser.find(Locator::Css("header .who .user")).await;
    wait_option(&browser, "select[name=r0-item]", "NH-50").await;
    set_value(&browser, "input[name=customer-name]", "山田太郎").await;
    set_value(&browser, "input[name=customer-postal]", "371-0026").await;
    set_value(&browser, "input[name=customer-address]", "前橋市大手町1-1-1").await;
    set_value(&browser, "input[name=customer-phone]", "027-123-4567").await;
    set_value(&browser, "input[name=r0-name]", "佐藤花子").await;
    set_value(&browser, "input[name=r0-postal]", "1234").await;
    set_value(&browser, "input[name=r0-address]", "高崎市高松町35-1").await;
    set_value(&browser, "select[name=r0-item]", "NH-50").await;
    set_value(&browser, "input[name=r0-quantity]", "2").await;
    set_value(&browser, "input[name=r0-noshi-name]", "山田").await;
    set_value(&browser, "input[name=r0-date]", "2026-12-20").await;
    // A second recipient, added and removed again.
    browser.click(Locator::Css("#add-recipient")).await;
    browser.find(Locator::Css("fieldset[data-row='1']")).await;
    browser
        .click(Locator::Css("fieldset[data-row='1'] button.danger"))
        .await;
    let total = browser
        .wait_text("#gift-total", WAIT, |t| t.contains("10,800"))
        .await;
    assert!(total.contains("10,800"), "{total}");

    // The wrong postal code is named at its field; nothing is recorded.
    browser.click(Locator::Css("#take-gift-order")).await;
    let error = browser
        .wait_text(".gift-recipient .invalid .error-text", WAIT, |t| {
            t.contains("郵便番号")
        })
        .await;
    assert!(error.contains("123-4567"), "{error}");
    set_value(&browser, "input[name=r0-postal]", "３７０－０８２９").await;
    browser.click(Locator::Css("#take-gift-order")).await;
    let banner = browser
        .wait_text(".banner.ok", WAIT, |t| t.contains("受付番号"))
        .await;
    assert!(
        banner.contains("受付番号1") && banner.contains("請求書"),
        "{banner}"
    );

    let orders = server
        .get_ok(&format!("/api/v1/gifts/seasons/{season}/orders"))
        .await;
    assert_eq!(orders.as_array().map(Vec::len), Some(1), "{orders}");
    let order = &orders[0];
    assert_eq!(order["taker_facility_id"], a);
    assert_eq!(order["payment"], "invoice");
    assert_eq!(order["total"], 10_800);
    let recipient = &order["recipients"][0];
    assert_eq!(recipient["party"]["postal_code"], "370-0829");
    assert_eq!(recipient["noshi"], json!({"omotegaki": "御歳暮", "name": "山田"}));
    assert_eq!(recipient["delivery_date"], "2026-12-20");
    browser.close().await;
}
