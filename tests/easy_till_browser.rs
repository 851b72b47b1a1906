//! やさしいレジ and the お客様画面 in a real headless Chromium (issue 21).
//!
//! The demo's worker さくら signs in with her PIN and gets the やさしいレジ: picture tiles with
//! furigana, one step per screen, the money tapped as coins and notes, the change shown as the
//! pieces to hand back, the total and change handed to the browser's speech synthesis; the sale
//! is recorded like any other. A second browser opens the till's customer screen from its link
//! and follows a sale, and keeps the last state when its network goes.

use fantoccini::Locator;
use selpos_tests::TestServer;
use selpos_tests::browser::{Browser, WAIT, set_up_the_till, set_up_the_till_as};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The easy tile of the product with this name.
fn tile(name: &str) -> String {
    format!("//button[contains(@class, 'easy-tile')][.//span[@class='name'][contains(., '{name}')]]")
}

/// Replaces the browser's speech synthesis by a recorder: what the till says lands in
/// `window.__spoken`.
const RECORD_SPEECH: &str = r#"
    window.__spoken = [];
    speechSynthesis.speak = u => window.__spoken.push(u.text + '|' + u.lang);
    speechSynthesis.cancel = () => {};
    return true;
"#;

async fn spoken(browser: &Browser) -> Vec<String> {
    serde_json::from_value(browser.js("return window.__spoken").await).expect("spoken")
}

async fn wait_until(browser: &Browser, script: &str, what: &str) -> Value {
    let started = Instant::now();
    loop {
        let value = browser.js(script).await;
        if value != Value::Null && value != Value::Bool(false) {
            return value;
        }
        assert!(started.elapsed() < WAIT, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_easy_till_sells_step_by_step_with_coins_and_notes() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let till = set_up_the_till_as(&server, &server.base, &browser, "さくら", "2345").await;
    browser.click(Locator::Css("#float-prompt #float-later")).await;
    browser.find(Locator::Css("#easy-till[data-step='items']")).await;
    assert!(
        browser.client.find(Locator::Css("button.product")).await.is_err(),
        "the ordinary grid is not shown"
    );
    browser.js(RECORD_SPEECH).await;

    // Furigana over names with kanji, and over every price.
    let cookie = browser.find(Locator::XPath(&tile("手作りクッキー"))).await;
    let readings = cookie.find_all(Locator::Css("rt")).await.expect("rt");
    let mut texts = Vec::new();
    for rt in readings {
        texts.push(rt.text().await.unwrap_or_default());
    }
    assert_eq!(texts, ["てづくりくっきー", "さんびゃくえん"]);
    assert!(cookie.text().await.expect("text").contains("🍪"));

    // ¥600 + ¥120 = ¥720.
    browser.click(Locator::XPath(&tile("パウンドケーキ"))).await;
    browser.click(Locator::XPath(&tile("麦茶"))).await;
    browser.screenshot_for_readme("easy-till-items").await;
    browser.click(Locator::Css("#easy-to-total")).await;
    browser.find(Locator::Css("#easy-till[data-step='total']")).await;
    assert!(browser.text_of("#easy-total").await.starts_with("¥720"));
    let said = spoken(&browser).await;
    assert_eq!(
        said,
        ["しなものは 2 こ。ごうけいは ななひゃくにじゅうえん です。|ja-JP"]
    );

    // お預かり: a ¥500 coin is not enough; taken back; a ¥1,000 note is.
    browser.click(Locator::Css("#easy-to-money")).await;
    let pay = browser.find(Locator::Css("#easy-pay")).await;
    assert!(
        pay.attr("disabled").await.expect("attr").is_some(),
        "not enough yet"
    );
    browser
        .click(Locator::Css("button.piece-button[data-denomination='500']"))
        .await;
    let received = browser.text_of("#easy-received").await;
    assert!(
        received.contains("¥500") && received.contains("あと") && received.contains("¥220"),
        "{received}"
    );
    browser.click(Locator::Css("#easy-untap")).await;
    browser
        .click(Locator::Css("button.piece-button[data-denomination='1000']"))
        .await;
    browser
        .wait_text("#easy-received", WAIT, |t| {
            t.contains("¥1,000") && !t.contains("あと")
        })
        .await;
    browser.click(Locator::Css("#easy-pay")).await;

    // おつり: ¥280 as 100×2, 50×1, 10×3, said aloud.
    browser.find(Locator::Css("#easy-change-screen")).await;
    assert!(browser.text_of("#easy-change").await.starts_with("¥280"));
    browser.screenshot_for_readme("easy-till-change").await;
    let pieces = browser
        .js("return [...document.querySelectorAll('#easy-change-pieces li')].map(li => [+li.dataset.denomination, +li.dataset.count, li.querySelectorAll('svg.piece').length])")
        .await;
    assert_eq!(pieces, serde_json::json!([[100, 2, 2], [50, 1, 1], [10, 3, 3]]));
    let said = spoken(&browser).await;
    assert_eq!(
        said.last().map(String::as_str),
        Some("おつりは にひゃくはちじゅうえん です。ありがとうございました。|ja-JP")
    );

    // Recorded like any sale: the two lines, ¥1,000 in cash.
    let started = Instant::now();
    let sale = loop {
        let recorded = server
            .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
            .await;
        if let Some(sale) = recorded.as_array().and_then(|l| l.first()).cloned() {
            break sale;
        }
        assert!(started.elapsed() < WAIT, "no sale recorded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(sale["total"], 720, "{sale}");
    assert_eq!(sale["lines"].as_array().map(Vec::len), Some(2), "{sale}");
    assert_eq!(sale["tenders"][0]["kind"], "cash", "{sale}");
    assert_eq!(sale["tenders"][0]["amount"], 1000, "{sale}");
    assert_eq!(sale["change"], 280, "{sale}");

    // The next customer starts afresh; the menu switches to the ordinary till and back.
    browser.click(Locator::Css("#easy-next-customer")).await;
    browser.find(Locator::Css("#easy-till[data-step='items']")).await;
    assert_eq!(browser.text_of("#easy-cart ul").await, "");
    for shown in ["button.product", "#easy-till"] {
        browser
            .js("document.getElementById('till-menu').open = true; return true")
            .await;
        browser.find(Locator::Css("#till-menu[open] #menu-easy")).await;
        browser.click(Locator::Css("#menu-easy")).await;
        browser.find(Locator::Css(shown)).await;
        // The menu closes once its choice is made.
        assert!(
            browser
                .client
                .find(Locator::Css("#till-menu[open]"))
                .await
                .is_err()
        );
    }

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_screen_follows_a_sale_and_keeps_it_offline() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    set_up_the_till(&server, &server.base, &browser).await;

    // The menu's お客様画面 makes the link and its QR code.
    browser.click(Locator::Css("#till-menu summary")).await;
    browser.click(Locator::Css("#menu-customer-screen")).await;
    browser.click(Locator::Css("#customer-screen-make")).await;
    let link = browser.find(Locator::Css("#customer-screen-link")).await;
    let url = link.attr("href").await.expect("href").expect("a link");
    assert!(url.starts_with(&format!("{}/display/", server.base)), "{url}");
    browser.find(Locator::Css(".customer-screen .qr svg")).await;
    browser.click(Locator::Css("#customer-screen-close")).await;

    let screen = Browser::start().await;
    // A phone standing on the counter, facing the customer.
    screen
        .client
        .set_window_size(430, 900)
        .await
        .expect("window size");
    screen.open(&url).await;
    screen.find(Locator::Css("#customer-display")).await;

    // Items rung up appear on the screen; then the change.
    browser
        .click(Locator::XPath(
            "//button[contains(@class, 'product')][span[@class='name' and .='パウンドケーキ']]",
        ))
        .await;
    browser
        .click(Locator::XPath(
            "//button[contains(@class, 'product')][span[@class='name' and .='麦茶 500ml']]",
        ))
        .await;
    let lines = wait_until(
        &screen,
        "const rows = [...document.querySelectorAll('#customer-lines tr')].map(r => r.textContent); return rows.length === 2 ? rows : null",
        "the screen shows both lines",
    )
    .await;
    assert!(
        lines[0].as_str().is_some_and(|l| l.contains("パウンドケーキ")),
        "{lines}"
    );
    assert_eq!(screen.text_of("#customer-total").await, "¥720");
    browser
        .click(Locator::Css(".quick-cash .cash[data-amount='1000']"))
        .await;
    let change = screen.wait_text("#customer-change", WAIT, |t| t == "¥280").await;
    assert_eq!(change, "¥280");
    assert_eq!(screen.text_of("#customer-tendered").await, "¥1,000");
    screen.screenshot_for_readme("customer-screen").await;

    // The screen's network goes: it says so and keeps the last state.
    screen.network_down(true).await;
    screen.find(Locator::Css("#customer-display-stale")).await;
    assert_eq!(screen.text_of("#customer-change").await, "¥280");

    screen.close().await;
    browser.close().await;
    server.stop().await;
}
