//! Till mode in a real headless Chromium (issue 21): the cashier's PIN leads to the till, which
//! shows no back-office menu and fits a 10" tablet both ways (products, the whole cart, its
//! total and pay buttons without scrolling the page); cart lines are removed with 削除 or − at 1
//! and come back with 元に戻す; a discount is given in a dialog with the manager's PIN; the till
//! asks for the float before the first sale, or lets it be entered later.

use fantoccini::Locator;
use selpos_tests::TestServer;
use selpos_tests::browser::{Browser, WAIT, set_up_the_till, set_up_the_till_asking_for_the_float};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The product button with exactly this name.
fn product(name: &str) -> String {
    format!("//button[contains(@class, 'product')][span[@class='name' and .='{name}']]")
}

async fn cart_lines(browser: &Browser) -> Vec<String> {
    let names = browser
        .js("return [...document.querySelectorAll('.cart-line .line-info .name')].map(e => e.textContent)")
        .await;
    serde_json::from_value(names).expect("names")
}

async fn wait_for_lines(browser: &Browser, expected: &[&str]) {
    let started = Instant::now();
    loop {
        let lines = cart_lines(browser).await;
        if lines == expected {
            return;
        }
        assert!(started.elapsed() < WAIT, "cart {lines:?}, not {expected:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_until_gone(browser: &Browser, css: &str, within: Duration) {
    let started = Instant::now();
    while browser.client.find(Locator::Css(css)).await.is_ok() {
        assert!(started.elapsed() < within, "{css} stayed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What the screen shows without scrolling: product tiles wholly in view (and not hidden by
/// their pane's scrolling), whether the total, the pay buttons and the cart lines are wholly in
/// view, and whether the page itself scrolls.
const IN_VIEW: &str = r#"
    const w = window.innerWidth, h = window.innerHeight;
    const shown = e => {
        if (!e) return false;
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || r.top < 0 || r.left < 0 || r.bottom > h + 0.5 || r.right > w + 0.5) return false;
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height / 2, 10));
        return !!hit && (hit === e || e.contains(hit));
    };
    const page = document.querySelector('main.page');
    return {
        width: w, height: h,
        tiles: [...document.querySelectorAll('button.product')].filter(shown).length,
        total: shown(document.querySelector('#till-total')),
        pay: [...document.querySelectorAll('#pay-exact, .quick-cash .cash, .cashless .tender')].every(shown),
        cart: shown(document.querySelector('.till-cart .cart-lines')),
        page_scrolls: document.scrollingElement.scrollHeight > h + 1 || page.scrollHeight > page.clientHeight + 1,
        back_office: document.querySelectorAll("a[href='/facilities'], a[href='/products'], a[href='/events'], header.navbar").length,
    };
"#;

/// Sizes the window so that the page gets `width` × `height` (the tablet's screen), whatever
/// the browser's own frame takes.
async fn set_viewport(browser: &Browser, width: u32, height: u32) {
    browser
        .client
        .set_window_size(width, height)
        .await
        .expect("window size");
    let frame = browser
        .js("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]")
        .await;
    let (dw, dh) = (
        frame[0].as_u64().unwrap_or(0) as u32,
        frame[1].as_u64().unwrap_or(0) as u32,
    );
    browser
        .client
        .set_window_size(width + dw, height + dh)
        .await
        .expect("window size");
}

async fn assert_fits(browser: &Browser, orientation: &str, width: u32, height: u32) {
    set_viewport(browser, width, height).await;
    // The layout settles after a resize.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let picture = if width > height {
        "till-landscape"
    } else {
        "till-portrait"
    };
    browser.screenshot_for_readme(picture).await;
    let seen = browser.js(IN_VIEW).await;
    eprintln!("till mode, {orientation}: {seen}");
    assert_eq!(
        (seen["width"].as_u64(), seen["height"].as_u64()),
        (Some(width.into()), Some(height.into())),
        "{seen}"
    );
    assert!(seen["tiles"].as_i64().unwrap_or(0) >= 12, "{orientation}: {seen}");
    assert_eq!(seen["total"], true, "{orientation}: the total in view: {seen}");
    assert_eq!(
        seen["pay"], true,
        "{orientation}: every pay button in view: {seen}"
    );
    assert_eq!(
        seen["cart"], true,
        "{orientation}: the cart's lines in view: {seen}"
    );
    assert_eq!(
        seen["page_scrolls"], false,
        "{orientation}: the page does not scroll: {seen}"
    );
    assert_eq!(
        seen["back_office"], 0,
        "{orientation}: no back-office menu: {seen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn till_mode_fits_a_tablet_both_ways_without_the_back_office() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    set_up_the_till(&server, &server.base, &browser).await;

    // The slim bar: the register, the cashier, the network, the queue, the parked sales.
    for id in [
        "#net-status",
        "#queued-count",
        "#parked-count",
        "#register-session",
    ] {
        browser.find(Locator::Css(id)).await;
    }
    let who = browser.text_of("header.till-bar .who").await;
    assert!(who.contains("ボランティア") && who.contains("レジ1"), "{who}");
    // Its menu: レジ開け・出金・締め, 返品, ログアウト.
    browser.click(Locator::Css("#till-menu summary")).await;
    let menu = browser.text_of("#till-menu .till-menu-items").await;
    for item in ["レジ開け・出金・締め", "返品", "ログアウト"] {
        assert!(menu.contains(item), "{menu}");
    }
    browser.click(Locator::Css("#till-menu summary")).await;

    // A long cart: the lines scroll inside it; the total and the tenders stay in view.
    let names: Vec<String> = serde_json::from_value(
        browser
            .js("return [...document.querySelectorAll('button.product .name')].slice(0, 9).map(e => e.textContent)")
            .await,
    )
    .expect("names");
    for name in &names {
        browser.click(Locator::XPath(&product(name))).await;
    }
    let expected: Vec<&str> = names.iter().map(String::as_str).collect();
    wait_for_lines(&browser, &expected).await;

    assert_fits(&browser, "landscape 1280×800", 1280, 800).await;
    assert_fits(&browser, "portrait 800×1280", 800, 1280).await;

    // 返品 in the menu leads to the returns page.
    browser.click(Locator::Css("#till-menu summary")).await;
    browser.follow(Locator::Css("#menu-returns"), "/returns").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cart_lines_go_with_delete_or_minus_at_one_and_come_back_with_undo() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    set_up_the_till(&server, &server.base, &browser).await;

    browser.click(Locator::XPath(&product("日替わり弁当"))).await;
    browser.click(Locator::XPath(&product("手作りクッキー"))).await;
    browser.click(Locator::XPath(&product("手作りクッキー"))).await;
    wait_for_lines(&browser, &["日替わり弁当", "手作りクッキー"]).await;

    // 削除 on the first line: gone, and 元に戻す puts it back where it was.
    browser
        .click(Locator::Css(".cart-line[data-product-id] .remove"))
        .await;
    wait_for_lines(&browser, &["手作りクッキー"]).await;
    let toast = browser.text_of("#undo-toast").await;
    assert!(
        toast.contains("日替わり弁当") && toast.contains("元に戻す"),
        "{toast}"
    );
    browser.click(Locator::Css("#undo-remove")).await;
    wait_for_lines(&browser, &["日替わり弁当", "手作りクッキー"]).await;
    wait_until_gone(&browser, "#undo-toast", WAIT).await;

    // − lowers the cookies to 1, then takes the line away; the offer to undo goes after ~5 s.
    let minus = "//li[contains(@class, 'cart-line')][.//span[@class='name' and .='手作りクッキー']]//button[contains(@class, 'qty-minus')]";
    browser.click(Locator::XPath(minus)).await;
    browser
        .wait_text(".cart-line:nth-child(2) .qty", WAIT, |q| q == "1")
        .await;
    browser.click(Locator::XPath(minus)).await;
    wait_for_lines(&browser, &["日替わり弁当"]).await;
    browser.find(Locator::Css("#undo-remove")).await;
    let removed_at = Instant::now();
    wait_until_gone(&browser, "#undo-toast", Duration::from_secs(10)).await;
    let shown = removed_at.elapsed();
    assert!(shown >= Duration::from_secs(3), "undo offered only {shown:?}");
    wait_for_lines(&browser, &["日替わり弁当"]).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discount_and_a_new_price_are_given_in_a_dialog_with_the_managers_pin() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let till = set_up_the_till(&server, &server.base, &browser).await;

    browser.click(Locator::XPath(&product("日替わり弁当"))).await;
    browser.click(Locator::XPath(&product("手作りクッキー"))).await;
    wait_for_lines(&browser, &["日替わり弁当", "手作りクッキー"]).await;
    let before = browser.text_of("#till-total").await;

    // The line's dialog: the line, the new amount as it is typed, the manager's PIN there.
    browser.click(Locator::Css(".cart-line .line-info")).await;
    let dialog = browser.text_of(".line-dialog").await;
    assert!(dialog.contains("日替わり弁当"), "{dialog}");
    browser
        .type_into(".line-dialog input[name='discount']", "100")
        .await;
    let new_amount = browser
        .wait_text("#line-new-price strong", WAIT, |t| t.starts_with('¥'))
        .await;
    browser
        .type_into(
            ".line-dialog input[name='approver_login']",
            selpos_tests::ADMIN_LOGIN,
        )
        .await;
    // A wrong PIN is refused in the dialog.
    browser
        .type_into(".line-dialog input[name='approver_pin']", "0000")
        .await;
    browser.click(Locator::Css("#line-apply")).await;
    browser.find(Locator::Css(".line-dialog .banner.error")).await;
    browser
        .type_into(".line-dialog input[name='approver_pin']", selpos_tests::ADMIN_PIN)
        .await;
    browser.click(Locator::Css("#line-apply")).await;
    wait_until_gone(&browser, ".line-dialog", WAIT).await;
    let net = browser.text_of(".cart-line:first-child .net").await;
    assert_eq!(net, new_amount);
    assert!(
        browser
            .text_of(".cart-line:first-child .unit")
            .await
            .contains("値引")
    );

    // The cookie at another price: the approval of this cart covers it, no PIN asked again.
    browser
        .click(Locator::Css(".cart-line:nth-child(2) .line-info"))
        .await;
    browser
        .click(Locator::XPath("//div[@class='edit-kind']/button[.='売価変更']"))
        .await;
    assert!(
        browser
            .client
            .find(Locator::Css(".line-dialog input[name='approver_pin']"))
            .await
            .is_err(),
        "asked for a PIN again"
    );
    browser
        .type_into(".line-dialog input[name='discount']", "50")
        .await;
    browser
        .wait_text("#line-new-price strong", WAIT, |t| t == "¥50")
        .await;
    browser.click(Locator::Css("#line-apply")).await;
    wait_until_gone(&browser, ".line-dialog", WAIT).await;
    let after = browser.text_of("#till-total").await;
    assert_ne!(before, after);

    // Paid and sent: the server has the discount and the price, approved.
    browser.click(Locator::Css("#pay-exact")).await;
    let started = Instant::now();
    let sale = loop {
        let sales = server
            .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
            .await;
        if let Some(sale) = sales.as_array().and_then(|s| s.first()).cloned() {
            break sale;
        }
        assert!(started.elapsed() < WAIT, "the sale was not sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let id = sale["id"].as_str().expect("id");
    let sale = server.get_ok(&format!("/api/v1/sales/{id}")).await;
    let lines = sale["lines"].as_array().expect("lines");
    assert_eq!(lines[0]["discount"], 100, "{sale}");
    assert_eq!(lines[1]["unit_price"], 50, "{sale}");
    // Approved by the manager's PIN: the override is in the audit log with its approval.
    let overrides = server.get_ok("/api/v1/audit?action=sale.price_override").await;
    let overrides = overrides.as_array().expect("entries");
    assert_eq!(overrides.len(), 1, "{overrides:?}");
    assert!(!overrides[0]["after"]["approval_id"].is_null(), "{overrides:?}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_till_asks_for_the_float_before_the_first_sale() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let till = set_up_the_till_asking_for_the_float(&server, &server.base, &browser).await;

    // The 金種表 in the till: 2 × ¥10,000 and 5 × ¥1,000 open the register.
    browser
        .type_into("#float-prompt input[name='count-10000']", "2")
        .await;
    browser
        .type_into("#float-prompt input[name='count-1000']", "5")
        .await;
    assert_eq!(browser.text_of("#float-prompt #count-total").await, "¥25,000");
    browser.click(Locator::Css("#float-open")).await;
    wait_until_gone(&browser, "#float-prompt", WAIT).await;
    browser
        .find(Locator::Css("#register-session[data-state='open']"))
        .await;
    let status = server
        .get_ok(&format!("/api/v1/registers/{}/session", till.register))
        .await;
    assert_eq!(status["report"]["cash"]["float"], 25000, "{status}");
    assert_eq!(status["report"]["session"]["auto_opened"], false);

    // Open: a reload does not ask again.
    browser.open(&format!("{}/register", server.base)).await;
    browser
        .find(Locator::Css("#register-session[data-state='open']"))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(browser.client.find(Locator::Css("#float-prompt")).await.is_err());
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_float_entered_later_is_on_the_close_report_with_the_auto_open_flag() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    // 「あとで入力」: the till sells at once.
    let till = set_up_the_till(&server, &server.base, &browser).await;
    browser.click(Locator::XPath(&product("日替わり弁当"))).await;
    browser.click(Locator::Css("#pay-exact")).await;
    browser
        .find(Locator::Css("#register-session[data-state='open']"))
        .await;
    // A reload of the open till does not ask for the float.
    browser.open(&format!("{}/register", server.base)).await;
    browser
        .find(Locator::Css("#register-session[data-state='open']"))
        .await;
    assert!(browser.client.find(Locator::Css("#float-prompt")).await.is_err());

    // The first sale opened the register with ¥0; the council enters ¥10,000 later.
    let status = server
        .get_ok(&format!("/api/v1/registers/{}/session", till.register))
        .await;
    let session = &status["report"]["session"];
    assert_eq!(session["auto_opened"], true, "{status}");
    let sold = status["report"]["cash"]["cash_sales"].as_i64().expect("cash");
    let (code, body): (_, Value) = server
        .put(
            &format!("/api/v1/register-sessions/{}/float", session["id"].as_str().expect("id")),
            &json!({"id": uuid::Uuid::now_v7(), "counts": [{"denomination": 10000, "count": 1}], "reason": "あとで入力"}),
        )
        .await;
    assert!(code.is_success(), "{body}");

    // The close counts against it, and its report says the register opened itself.
    browser
        .follow(Locator::Css("#session-actions"), "/register/session")
        .await;
    let float = browser
        .wait_text("#session-float", WAIT, |t| t == "¥10,000")
        .await;
    assert_eq!(float, "¥10,000");
    browser.click(Locator::Css("#close-register")).await;
    browser.type_into("input[name='count-10000']", "1").await;
    browser
        .type_into("input[name='count-100']", &(sold / 100).to_string())
        .await;
    browser
        .type_into("input[name='count-1']", &(sold % 100).to_string())
        .await;
    assert_eq!(browser.text_of("#difference").await, "¥0");
    browser.click(Locator::Css("#confirm-close")).await;
    let flag = browser.text_of("#register-report #report-auto-opened").await;
    assert!(flag.contains("自動開局"), "{flag}");
    let entered = browser.text_of("#register-report #report-float-entered").await;
    assert!(entered.contains(selpos_tests::ADMIN_LOGIN), "{entered}");
    assert_eq!(browser.text_of("#report-difference").await, "¥0");
    browser.close().await;
}
