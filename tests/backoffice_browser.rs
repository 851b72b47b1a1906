//! The back office in a real headless Chromium (issue 21, point 8): each role is offered only
//! what it may do; the audit log reads in Japanese and filters; the all-facilities stock view
//! names each product's facility; pages open on the event running today; /wages opens on a
//! facility with its figures; a saved wage month is confirmed; the wage chart's bars are as
//! long as their numbers.

use fantoccini::Locator;
use selpos_tests::browser::set_value;
use selpos_tests::browser::{Browser, WAIT, set_up_the_till};
use selpos_tests::{ADMIN_LOGIN, NewFacility, NewProduct, TestServer, World};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const STAFF_LOGIN: &str = "koubou-staff";
const STAFF_PASSWORD: &str = "koubou-password-1";

/// Opens `path` and waits until the page knows who is signed in and `ready` has rendered.
async fn open_ready(browser: &Browser, base: &str, path: &str, ready: &str) {
    browser.open(&format!("{base}{path}")).await;
    browser.find(Locator::Css("header .who .user")).await;
    browser.find(Locator::Css(ready)).await;
    // What depends on the session renders in the same turn; let it settle.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

async fn count(browser: &Browser, css: &str) -> usize {
    let script = format!("return document.querySelectorAll({}).length", json!(css));
    browser.js(&script).await.as_u64().unwrap_or(0) as usize
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_is_offered_only_what_it_may_do() {
    let server = TestServer::sqlite(true).await;
    let base = server.base.clone();
    let world = World::on(&server).demo_bazaar().build().await;
    let own = world.facilities[0];
    server
        .created(
            "/api/v1/users",
            &json!({"login": STAFF_LOGIN, "display_name": "工房の職員", "role": "facility_staff",
                "facility_id": own, "password": STAFF_PASSWORD, "active": true}),
        )
        .await;
    let products = server.get_ok("/api/v1/products").await;
    let products = products.as_array().expect("products");
    let own_products = products
        .iter()
        .filter(|p| p["facility_id"].as_i64() == Some(own))
        .count();
    assert!(own_products > 0 && own_products < products.len());

    let browser = Browser::start().await;

    // Facility staff: their own goods, nothing of the council's.
    browser.sign_in_at(&base, STAFF_LOGIN, STAFF_PASSWORD).await;
    open_ready(&browser, &base, "/facilities", "#facility-list").await;
    assert_eq!(count(&browser, "#new-facility").await, 0, "new facility");
    assert_eq!(count(&browser, "#facility-list button").await, 0, "edit facility");
    open_ready(&browser, &base, "/events", "#event-list").await;
    assert_eq!(count(&browser, "#new-event").await, 0, "new event");
    assert_eq!(count(&browser, "#event-list button.edit").await, 0, "edit event");
    open_ready(&browser, &base, "/products", "#product-list").await;
    assert_eq!(count(&browser, "#new-product").await, 1, "their own goods");
    assert_eq!(
        count(&browser, "#product-list button.edit").await,
        own_products,
        "only their own facility's products"
    );
    // A new product goes to their own facility: the only one offered.
    browser.click(Locator::Css("#new-product")).await;
    let offered = browser
        .js("return [...document.querySelectorAll(\"form.editor select[name='facility_id'] option\")].map(o => o.value).filter(v => v)")
        .await;
    assert_eq!(offered, json!([own.to_string()]));
    open_ready(&browser, &base, "/", ".tiles").await;
    assert_eq!(count(&browser, ".tiles a[href='/council']").await, 0);
    assert_eq!(count(&browser, "header nav a[href='/audit']").await, 0);
    // Stock and wages: their own facility only, no "all facilities".
    open_ready(&browser, &base, "/stock", "#stock-list").await;
    let facilities = browser
        .js("return [...document.querySelectorAll(\"select[name='facility'] option\")].map(o => o.value)")
        .await;
    assert_eq!(facilities, json!([own.to_string()]));
    browser.find(Locator::Css(".stock-entry")).await;
    browser.click(Locator::Css("header .who button")).await;

    // The council admin: everything is offered.
    browser
        .sign_in_at(&base, ADMIN_LOGIN, selpos_tests::ADMIN_PASSWORD)
        .await;
    open_ready(&browser, &base, "/facilities", "#facility-list").await;
    browser.find(Locator::Css("#new-facility")).await;
    browser.find(Locator::Css("#facility-list button.edit")).await;
    open_ready(&browser, &base, "/events", "#event-list").await;
    browser.find(Locator::Css("#new-event")).await;
    open_ready(&browser, &base, "/products", "#product-list").await;
    assert_eq!(count(&browser, "#product-list button.edit").await, products.len());
    open_ready(&browser, &base, "/", ".tiles").await;
    browser.find(Locator::Css(".tiles a[href='/council']")).await;

    // A cashier on the till: the back-office lists without a single way to change them.
    browser.click(Locator::Css("header .who button")).await;
    browser.find(Locator::Css("form.login")).await;
    set_up_the_till(&server, &base, &browser).await;
    for (path, list) in [
        ("/facilities", "#facility-list"),
        ("/events", "#event-list"),
        ("/products", "#product-list"),
    ] {
        open_ready(&browser, &base, path, list).await;
        let offered = count(
            &browser,
            "#new-facility, #new-event, #new-product, main button.edit, .product-import",
        )
        .await;
        assert_eq!(offered, 0, "{path}");
    }
    open_ready(&browser, &base, "/", ".tiles").await;
    assert_eq!(count(&browser, ".tiles a[href='/council']").await, 0);
    open_ready(&browser, &base, "/council", "#council-details").await;
    assert_eq!(count(&browser, "main form.editor").await, 0, "council settings");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_reads_in_japanese_and_filters_by_user_kind_and_day() {
    let server = TestServer::sqlite(false).await;
    let base = server.base.clone();
    let world = World::on(&server)
        .facility(NewFacility::new(1, "A工房"))
        .product(NewProduct::reduced(0, "クッキー", 300))
        .build()
        .await;
    let product = &world.products[0];
    let (status, body) = server
        .put(
            &format!("/api/v1/products/{}", product.id),
            &json!({"facility_id": world.facilities[0], "name": "クッキー", "price": 350, "tax_rate": "reduced"}),
        )
        .await;
    assert!(status.is_success(), "{body}");

    let browser = Browser::start().await;
    browser
        .sign_in_at(&base, ADMIN_LOGIN, selpos_tests::ADMIN_PASSWORD)
        .await;
    open_ready(&browser, &base, "/audit", "#audit-list").await;
    let update = browser
        .text_of("#audit-list tr[data-action='product.update']")
        .await;
    assert!(update.contains("商品の変更"), "{update}");
    assert!(update.contains("価格: ¥300 → ¥350"), "{update}");
    let all = browser.text_of("#audit-list").await;
    for raw in ["product.update", "{\"", "\"price\""] {
        assert!(!all.contains(raw), "{raw} in {all}");
    }
    let created = browser
        .text_of("#audit-list tr[data-action='product.create']")
        .await;
    assert!(
        created.contains("商品の登録") && created.contains("名前: クッキー"),
        "{created}"
    );

    // By kind: only the product's creation.
    set_value(&browser, "select[name='action']", "product.create").await;
    wait_js(
        &browser,
        "return [...document.querySelectorAll('#audit-list tbody tr')].map(r => r.dataset.action)",
        |v| v == &json!(["product.create"]),
    )
    .await;
    // By user: the administrator made it.
    set_value(&browser, "select[name='actor']", ADMIN_LOGIN).await;
    browser
        .find(Locator::Css("#audit-list tr[data-action='product.create']"))
        .await;
    // By day: nothing before yesterday; today's records from today.
    set_value(&browser, "input[name='until_date']", "2020-01-01").await;
    browser.find(Locator::Css("p.empty")).await;
    let today = selpos_domain::events::tokyo_date(chrono::Utc::now()).to_string();
    set_value(&browser, "input[name='until_date']", "").await;
    set_value(&browser, "input[name='from_date']", &today).await;
    browser
        .find(Locator::Css("#audit-list tr[data-action='product.create']"))
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_wages_and_charts_open_on_today_with_their_figures() {
    let server = TestServer::sqlite(true).await;
    let base = server.base.clone();
    let events = server.get_ok("/api/v1/events").await;
    let events = events.as_array().expect("events");
    // The shop is listed first; the bazaar is the one running today (its days are fewer).
    assert_eq!(events[0]["code"], "SHOP-DEMO", "{events:?}");
    let bazaar = events.iter().find(|e| e["code"] == "HB-DEMO").expect("bazaar");

    let browser = Browser::start().await;
    browser
        .sign_in_at(&base, ADMIN_LOGIN, selpos_tests::ADMIN_PASSWORD)
        .await;

    // 在庫: today's event, every facility, each product with its facility.
    open_ready(&browser, &base, "/stock", "#stock-list").await;
    let chosen = browser
        .js("return document.querySelector(\"select[name='event']\").value")
        .await;
    assert_eq!(chosen, json!(bazaar["id"].to_string()));
    let header = browser.text_of("#stock-list thead").await;
    assert!(header.starts_with("事業所"), "{header}");
    let facilities = server.get_ok("/api/v1/facilities").await;
    let first_row = browser.find(Locator::Css("#stock-list tbody tr")).await;
    let facility_id = first_row
        .attr("data-facility")
        .await
        .expect("attr")
        .expect("facility");
    let facility = facilities
        .as_array()
        .expect("facilities")
        .iter()
        .find(|f| f["id"].as_i64().map(|id| id.to_string()).as_deref() == Some(facility_id.as_str()))
        .expect("facility");
    let cell = browser
        .text_of("#stock-list tbody tr:first-child td.facility")
        .await;
    assert_eq!(
        cell,
        format!(
            "{} {}",
            facility["number"],
            facility["name"].as_str().expect("name")
        )
    );
    // 売上速報 too.
    open_ready(&browser, &base, "/live", "select[name='event']").await;
    wait_js(
        &browser,
        "return document.querySelector(\"select[name='event']\").value",
        |v| v == &json!(bazaar["id"].to_string()),
    )
    .await;

    // 工賃: council staff land on a facility with its year shown.
    open_ready(&browser, &base, "/wages", "#wage-summary").await;
    let facility = browser
        .js("return document.querySelector(\"select[name='facility']\").value")
        .await;
    assert_ne!(facility, json!(""));
    // A month saved is confirmed where it was saved, and read aloud (a live region).
    // This month (the form's own choice), in the year shown.
    for (name, value) in [
        ("wages_paid", "120000"),
        ("user_months", "10"),
        ("user_days", "200"),
        ("opening_days", "20"),
        ("work_hours", "800"),
    ] {
        browser
            .type_into(&format!("form.wage-month input[name='{name}']"), value)
            .await;
    }
    browser
        .click(Locator::Css("form.wage-month button[type='submit']"))
        .await;
    let saved = browser
        .text_of("form.wage-month [role='status'] .banner.ok")
        .await;
    assert!(saved.contains("保存しました"), "{saved}");
    let live = browser
        .js("return document.querySelector(\"form.wage-month [role='status']\").getAttribute('aria-live')")
        .await;
    assert_eq!(live, json!("polite"));

    // The chart: each bar as long as its number says, on one scale.
    let bars = wait_js(
        &browser,
        r#"const plot = document.querySelector('#chart-monthly .bars');
        if (!plot) return null;
        const full = plot.getBoundingClientRect().height;
        return [...document.querySelectorAll('#chart-monthly .column')].flatMap(c =>
            ['wages', 'sales'].map(k => ({
                yen: Number(c.querySelector('.column-value.' + k).dataset.yen),
                text: c.querySelector('.column-value.' + k).textContent,
                share: c.querySelector('.column-bar.' + k).getBoundingClientRect().height / full,
            })));"#,
        |v| {
            v.as_array()
                .is_some_and(|bars| bars.iter().any(|b| b["yen"] == 120000))
        },
    )
    .await;
    let bars = bars.as_array().expect("bars");
    let max = bars.iter().filter_map(|b| b["yen"].as_f64()).fold(0.0, f64::max);
    assert!(max >= 120000.0, "{bars:?}");
    for bar in bars {
        let yen = bar["yen"].as_f64().expect("yen");
        let share = bar["share"].as_f64().expect("share");
        assert!(
            (share - yen / max).abs() < 0.02,
            "bar {share:.3} for {yen} of {max}: {bar}"
        );
        assert_eq!(bar["text"], json!(selpos_domain::Yen(yen as i64).to_string()));
    }
    browser.close().await;
}
