//! The app in a real headless Chromium (Debian's chromium + chromium-driver), against a real
//! server with the built WASM site: `cargo xtask test` builds the site first.

use fantoccini::Locator;
use selpos_tests::browser::{Browser, WAIT};
use selpos_tests::{TestServer, World};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_create_a_product_and_find_it_in_the_list() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;

    // Signed out, the products page sends staff to sign in, and back afterwards.
    browser.open(&format!("{}/products", server.base)).await;
    let c = &browser.client;
    browser.find(Locator::Css("form.login input[name='login']")).await;
    let url = c.current_url().await.expect("url");
    assert!(url.as_str().contains("/login?next=%2Fproducts"), "{url}");
    submit_login(&browser, "#product-list").await;

    assert_eq!(browser.text_of("h1").await, "商品");
    let nav = browser.text_of("header.navbar nav").await;
    assert!(nav.contains("事業所") && nav.contains("イベント"), "{nav}");
    // The demo products load into the list.
    browser.find(Locator::Css("#product-list tbody tr")).await;

    submit_new_product(
        &browser,
        &[
            ("name", "テスト用マフィン"),
            ("kana", "てすとようまふぃん"),
            ("price", "280"),
            ("category", "焼き菓子"),
        ],
    )
    .await;
    let banner = browser.text_of(".banner.ok").await;
    assert!(
        banner.contains("テスト用マフィン") && banner.contains("保存しました"),
        "{banner}"
    );
    // The new product is in the list.
    browser
        .find(Locator::XPath(
            "//table[@id='product-list']//td[contains(., 'テスト用マフィン')]",
        ))
        .await;
    let row = browser.text_of("#product-list tbody").await;
    assert!(row.contains("¥280"), "{row}");

    // And the server has it, with the price as integer yen.
    let found = server
        .get_ok("/api/v1/products?q=%E3%83%9E%E3%83%95%E3%82%A3%E3%83%B3")
        .await; // マフィン
    assert_eq!(found[0]["price"], 280, "{found}");
    assert_eq!(found[0]["facility_id"], 1);

    // A wrong JAN code is explained next to the field, in Japanese.
    submit_new_product(
        &browser,
        &[("name", "JAN違い"), ("price", "100"), ("jan", "4006381333932")],
    )
    .await;
    let message = browser.text_of(".field.invalid .error-text").await;
    assert!(message.contains("チェックディジット"), "{message}");

    browser.close().await;
    server.stop().await;
}

/// Signs in through the login page as the test administrator and waits for `then` to show.
async fn sign_in_at(browser: &Browser, url: &str, then: &str) {
    browser.open(url).await;
    submit_login(browser, then).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_till_pages_load_the_till_bundle_and_the_back_office_the_whole_app() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    // The sign-in page and the till are till pages: they come with the till's bundle.
    browser
        .open(&format!("{}/login?next=%2Fregister", server.base))
        .await;
    assert_eq!(browser.bundle().await, "till");
    // An admin on a browser that is no registered tablet: the till says so.
    submit_login(&browser, "#not-a-till").await;
    assert_eq!(browser.bundle().await, "till");
    assert_eq!(
        browser.client.current_url().await.expect("url").path(),
        "/register"
    );
    // The events page is not in the till's bundle: following the link loads it from the
    // server, with the whole app, and it works.
    browser
        .click(Locator::Css("header.navbar a[href='/events']"))
        .await;
    let h1 = browser
        .wait_text("h1", WAIT, |h1| h1.starts_with("イベント"))
        .await;
    assert!(h1.starts_with("イベント"), "{h1}");
    browser.hydrated().await;
    assert_eq!(browser.bundle().await, "selpos");
    assert_eq!(browser.client.current_url().await.expect("url").path(), "/events");
    browser.close().await;
}

/// Fills the login form as the test administrator and waits for `then` on the page it returns to.
async fn submit_login(browser: &Browser, then: &str) {
    browser.sign_in_as_admin().await;
    browser.find(Locator::Css(then)).await;
    browser.hydrated().await;
}

/// Opens the new-product form, picks facility 1, types `fields` (input name → text) and saves.
async fn submit_new_product(browser: &Browser, fields: &[(&str, &str)]) {
    browser
        .click(Locator::XPath("//button[contains(., '新しい商品')]"))
        .await;
    let form = browser.find(Locator::Css("form.editor")).await;
    form.find(Locator::Css("select[name='facility_id']"))
        .await
        .expect("facility select")
        .select_by_value("1")
        .await
        .expect("facility");
    for (name, text) in fields {
        browser
            .type_into(&format!("form.editor input[name='{name}']"), text)
            .await;
    }
    browser
        .click(Locator::Css("form.editor button[type='submit']"))
        .await;
}

/// Facility 1's stock row of `product` at the event, as the API shows it.
async fn stock_row(server: &TestServer, event: i64, product: i64) -> serde_json::Value {
    let stock = server
        .get_ok(&format!("/api/v1/events/{event}/stock?facility_id=1"))
        .await;
    stock["products"]
        .as_array()
        .expect("products")
        .iter()
        .find(|p| p["product_id"] == product)
        .expect("row")
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facility_stock_is_brought_in_taken_home_and_labels_print_barcodes() {
    let server = TestServer::sqlite(true).await;
    let world = World::on(&server).demo_bazaar().build().await;
    let (bazaar, cookie) = (world.event, world.products[0].id);
    let products = server.get_ok("/api/v1/products?facility_id=1").await;
    let browser = Browser::start().await;
    sign_in_at(
        &browser,
        &format!("{}/stock?event={bazaar}&facility=1", server.base),
        "#stock-list",
    )
    .await;

    browser
        .type_into(&format!("input[name='qty-{cookie}']"), "12")
        .await;
    browser
        .click(Locator::XPath("//button[contains(., '搬入として記録')]"))
        .await;
    let banner = browser.text_of(".banner.ok").await;
    assert!(banner.contains("搬入を記録しました"), "{banner}");
    let row = stock_row(&server, bazaar, cookie).await;
    assert_eq!(row["brought"], 12);
    // The take-home list shows what is left.
    browser
        .find(Locator::XPath("//ul[@id='take-home']/li[contains(., '× 12')]"))
        .await;

    // At the end of the day, everything left goes home with one tap (搬出).
    browser.click(Locator::Css("#take-all-home")).await;
    let banner = browser
        .wait_text(".banner.ok", WAIT, |t| t.contains("搬出"))
        .await;
    assert!(banner.contains("残りをすべて搬出"), "{banner}");
    let row = stock_row(&server, bazaar, cookie).await;
    assert_eq!(
        (row["taken_out"].as_i64(), row["on_hand"].as_i64()),
        (Some(12), Some(0)),
        "{row}"
    );
    // Nothing left to take home.
    browser
        .find(Locator::XPath("//ul[@id='take-home'][not(li)]"))
        .await;

    browser
        .open(&format!("{}/stock/labels?facility=1", server.base))
        .await;
    let label = browser.text_of("#labels .label").await;
    let price = format!("¥{}", products[0]["price"].as_i64().expect("price"));
    assert!(
        label.contains(&price) && label.contains(products[0]["jan"].as_str().expect("jan")),
        "{label}"
    );
    let bars = browser
        .client
        .find_all(Locator::Css("#labels .label:first-child svg.barcode rect"))
        .await
        .expect("bars");
    assert!(bars.len() > 20, "an EAN-13 has 30 bars, found {}", bars.len());

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_is_refunded_by_its_receipt_number() {
    let server = TestServer::sqlite(true).await;
    // A sale rung up on register R1 of the demo bazaar, by a tablet signed in as the admin.
    let till = World::on(&server).demo_bazaar().device("T").open_till().await;
    let price = till.products[0].price;
    let sale = till.record(&till.cash_sale(&till.products[0], 2)).await;
    let receipt_number = sale["receipt_number"].as_str().expect("number").to_string();

    let browser = Browser::start().await;
    sign_in_at(
        &browser,
        &format!("{}/login?next=%2Freturns", server.base),
        "input[name='lookup']",
    )
    .await;
    browser.type_into("input[name='lookup']", &receipt_number).await;
    browser
        .click(Locator::XPath("//button[contains(., '検索')]"))
        .await;
    // The sale is found: refund one unit of its first line.
    browser
        .type_into("#refund-form input[name='refund-1']", "1")
        .await;
    browser
        .type_into("#refund-form input[name='reason']", "破損")
        .await;
    browser
        .click(Locator::Css("#refund-form button[type='submit']"))
        .await;
    let banner = browser.text_of(".banner.ok").await;
    assert!(
        banner.contains("返金しました") && banner.contains(&format!("¥{price}")),
        "{banner}"
    );

    let journal = server
        .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
        .await;
    let refund = journal
        .as_array()
        .expect("journal")
        .iter()
        .find(|s| s["kind"] == "refund")
        .expect("a refund record");
    assert_eq!(refund["total"], -price);
    assert_eq!(refund["original_sale_id"], sale["id"]);
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_council_settles_an_event_and_imports_the_wage_table() {
    let server = TestServer::sqlite(true).await;
    let till = World::on(&server).demo_bazaar().device("T").open_till().await;
    let (event_id, register, price) = (till.event, till.register, till.products[0].price);
    till.record(&till.cash_sale(&till.products[0], 3)).await;
    // Every register of the bazaar closed (R1 with its exact cash), then the event.
    let (status, body) = till
        .cashier
        .post(
            &format!("/api/v1/registers/{register}/close"),
            &json!({"id": uuid::Uuid::now_v7(),
            "counts": [{"denomination": 1, "count": price * 3}]}),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    let (status, body) = till.set_state(&server, "closed").await;
    assert_eq!(status.as_u16(), 200, "{body}");

    let browser = Browser::start().await;
    sign_in_at(
        &browser,
        &format!("{}/login?next=%2Fsettlement%3Fevent%3D{event_id}", server.base),
        "#settlement",
    )
    .await;
    assert_eq!(
        browser.text_of("#total-net").await,
        selpos_domain::Yen(price * 3).to_string()
    );
    browser.click(Locator::Css("#settle")).await;
    let done = browser.text_of("#settlement + .banner.ok, .banner.ok").await;
    assert!(done.contains("精算しました"), "{done}");
    browser.find(Locator::Css("#adjustment")).await;
    let settled = server
        .get_ok(&format!("/api/v1/events/{event_id}/settlement"))
        .await;
    assert_eq!(settled["state"], "settled");
    let facility = settled["facilities"]
        .as_array()
        .expect("facilities")
        .iter()
        .find(|f| f["net"].as_i64() == Some(price * 3))
        .expect("seller")
        .clone();

    // The facility's 精算書 shows what it is paid.
    browser
        .open(&format!(
            "{}/settlement/statement?event={event_id}&facility={}",
            server.base, facility["facility_id"]
        ))
        .await;
    let payable = browser.text_of("#statement-payable").await;
    assert_eq!(
        payable,
        selpos_domain::Yen(facility["payable"].as_i64().expect("payable")).to_string()
    );

    // The dashboard charts the sale.
    browser
        .open(&format!("{}/dashboard?event={event_id}", server.base))
        .await;
    browser.find(Locator::Css("#chart-facilities .bar-row")).await;

    // The prefecture's wage table: checked first, then imported, then shown.
    browser.open(&format!("{}/wages/table", server.base)).await;
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/data/gunma-wage-h27-h28.csv");
    let file = file.canonicalize().expect("wage table file");
    browser
        .find(Locator::Css("input[name='wage-file']"))
        .await
        .send_keys(&file.to_string_lossy())
        .await
        .expect("file chosen");
    // The file is read in the page before 確認する becomes available.
    let started = std::time::Instant::now();
    while browser
        .js("return document.querySelector('#wage-import button').disabled")
        .await
        != json!(false)
    {
        assert!(started.elapsed() < WAIT, "the chosen file was not read");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    browser
        .click(Locator::XPath(
            "//section[@id='wage-import']//button[contains(., '確認する')]",
        ))
        .await;
    let summary = browser
        .wait_text("#import-summary", WAIT, |t| t.contains("106件"))
        .await;
    assert!(
        summary.contains("190行") && summary.contains("まだ取り込んでいません"),
        "{summary}"
    );
    browser.click(Locator::Css("#import-now")).await;
    let imported = browser
        .wait_text("#import-summary", WAIT, |t| t.contains("取り込み済み"))
        .await;
    assert!(imported.contains("取り込み済み"), "{imported}");
    browser
        .find(Locator::Css("select[name='fiscal_year']"))
        .await
        .select_by_value("2016")
        .await
        .expect("year chosen");
    let first = browser
        .wait_text("#wage-table tbody tr:first-child", WAIT, |t| {
            t.contains("19,682.8")
        })
        .await;
    assert!(
        first.contains("わーくはうすてっぶ") && first.contains("19,682.8"),
        "{first}"
    );
    browser.find(Locator::Css("#chart-distribution .bar-row")).await;
    // The corrections proposed for the published figures, for the council to decide.
    browser
        .find(Locator::Css("#wage-corrections button.accept"))
        .await;
    browser.close().await;
    server.stop().await;
}
