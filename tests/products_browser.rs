//! Product codes at the till and the product CSV on the products page, in a real headless
//! Chromium (issue 21): an in-store code two facilities use asks which facility's product it
//! is, on large buttons; a CSV uploaded again shows what it added, updated and left unchanged.

use fantoccini::Locator;
use selpos_tests::TestServer;
use selpos_tests::browser::{Browser, WAIT, set_up_the_till};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// An in-store code (prefix 20) with its check digit.
const IN_STORE: &str = "2000000000015";

async fn cart_lines(browser: &Browser) -> Vec<String> {
    let names = browser
        .js("return [...document.querySelectorAll('.cart-line .line-info .name')].map(e => e.textContent)")
        .await;
    serde_json::from_value(names).expect("names")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scanned_in_store_code_of_two_facilities_asks_which() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let till = set_up_the_till(&server, &server.base, &browser).await;

    // Two facilities of the bazaar number a product of theirs with the same in-store code.
    let catalog = server
        .get_ok(&format!("/api/v1/registers/{}/catalog", till.register))
        .await;
    let facilities: Vec<Value> = catalog["facilities"].as_array().expect("facilities")[..2].to_vec();
    for (facility, name) in facilities.iter().zip(["店内パン", "店内ロールパン"]) {
        server
            .created(
                "/api/v1/products",
                &json!({"facility_id": facility["facility_id"], "name": name, "price": 200,
                        "tax_rate": "reduced", "jan": IN_STORE, "category": "パン"}),
            )
            .await;
    }
    // The till takes the new catalogue on its next load.
    browser.open(&format!("{}/register", server.base)).await;
    browser
        .find(Locator::XPath(
            "//button[contains(@class, 'product')][span[@class='name' and .='店内ロールパン']]",
        ))
        .await;

    browser.type_into("#code-input", &format!("{IN_STORE}\n")).await;
    let dialog = browser.text_of(".code-choice").await;
    for (facility, name) in facilities.iter().zip(["店内パン", "店内ロールパン"]) {
        let label = format!(
            "{} {}",
            facility["number"],
            facility["name"].as_str().unwrap_or("")
        );
        assert!(
            dialog.contains(&label) && dialog.contains(name),
            "{label} / {name}: {dialog}"
        );
    }
    assert!(
        cart_lines(&browser).await.is_empty(),
        "nothing added before the choice"
    );
    // Large buttons, one per facility's product.
    let heights = browser
        .js("return [...document.querySelectorAll('.code-choice button.choice')].map(b => b.getBoundingClientRect().height)")
        .await;
    let heights: Vec<f64> = serde_json::from_value(heights).expect("heights");
    assert_eq!(heights.len(), 2);
    assert!(heights.iter().all(|h| *h >= 56.0), "{heights:?}");

    browser
        .click(Locator::XPath(
            "//div[contains(@class, 'code-choice')]//button[contains(@class, 'choice')][span[@class='name' and .='店内ロールパン']]",
        ))
        .await;
    let started = Instant::now();
    while cart_lines(&browser).await != ["店内ロールパン"] {
        assert!(started.elapsed() < WAIT, "{:?}", cart_lines(&browser).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(browser.client.find(Locator::Css(".code-choice")).await.is_err());

    // やめる adds nothing.
    browser.type_into("#code-input", &format!("{IN_STORE}\n")).await;
    browser.click(Locator::Css("#code-choice-cancel")).await;
    assert!(browser.client.find(Locator::Css(".code-choice")).await.is_err());
    assert_eq!(cart_lines(&browser).await, ["店内ロールパン"]);

    browser.close().await;
    server.stop().await;
}

/// Chooses `file` in the products page's CSV picker and waits until the page has read it.
async fn choose_csv(browser: &Browser, file: &std::path::Path) {
    browser
        .find(Locator::Css("input[name='products-csv']"))
        .await
        .send_keys(&file.to_string_lossy())
        .await
        .expect("file chosen");
    let started = Instant::now();
    while browser
        .js("return document.querySelector('.product-import button').disabled")
        .await
        != json!(false)
    {
        assert!(started.elapsed() < WAIT, "the chosen file was not read");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_csv_uploaded_again_shows_what_it_changed() {
    let server = TestServer::sqlite(false).await;
    let facility = selpos_tests::NewFacility::new(1, "A工房")
        .create(server.admin_client())
        .await;
    let dir = tempfile::tempdir().expect("dir");
    let first = dir.path().join("products.csv");
    std::fs::write(
        &first,
        "商品名,価格,税率,JAN\nクッキー,300,8,4901234567894\n布ぞうり,900,10,\n",
    )
    .expect("csv");
    // The same list again, under another name (choosing the very same file may not count as a
    // change of the picker).
    let again = dir.path().join("products-again.csv");
    std::fs::copy(&first, &again).expect("copy");
    let edited = dir.path().join("products-edited.csv");
    std::fs::write(
        &edited,
        "商品名,価格,税率,JAN\nクッキー,350,8,4901234567894\n布ぞうり,900,10,\nしおり,150,10,\n",
    )
    .expect("csv");

    let browser = Browser::start().await;
    browser.open(&format!("{}/login", server.base)).await;
    browser.sign_in_as_admin().await;
    browser.find(Locator::Css("header .who .user")).await;
    browser.open(&format!("{}/products", server.base)).await;
    browser
        .find(Locator::Css(&format!(
            "select[name='facility_filter'] option[value='{facility}']"
        )))
        .await;
    browser
        .find(Locator::Css("select[name='facility_filter']"))
        .await
        .select_by_value(&facility.to_string())
        .await
        .expect("facility chosen");

    let mut summaries = Vec::new();
    for (file, expected) in [
        (&first, "追加 2件・更新 0件・変更なし 0件"),
        (&again, "追加 0件・更新 0件・変更なし 2件"),
        (&edited, "追加 1件・更新 1件・変更なし 1件"),
    ] {
        choose_csv(&browser, file).await;
        browser.click(Locator::Css(".product-import button")).await;
        let banner = browser
            .wait_text(".banner.ok", WAIT, |t| t.contains(expected))
            .await;
        assert!(banner.contains(expected), "{banner}");
        let result = browser.wait_text("#import-result", WAIT, |t| !t.is_empty()).await;
        summaries.push(result);
    }
    // Each row's outcome, by its line.
    let rows = browser
        .js("return [...document.querySelectorAll('#import-result tbody tr')].map(r => [...r.cells].map(c => c.textContent.trim()).slice(0, 3).join(' '))")
        .await;
    assert_eq!(
        rows,
        json!(["2 更新 クッキー", "3 変更なし 布ぞうり", "4 追加 しおり"]),
        "{summaries:?}"
    );
    let listed = server
        .get_ok(&format!("/api/v1/products?facility_id={facility}"))
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");

    browser.close().await;
    server.stop().await;
}
