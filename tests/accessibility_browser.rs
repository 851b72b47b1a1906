//! The accessibility sweep (issue 21): every page of the app, as each role sees it, passes
//! axe-core at WCAG 2.2 AA with no violation (labels, contrast ≥ 4.5:1, names, structure), and
//! every control is a touch target of at least 44 × 44 px. Back-office pages are reached through
//! the menu each role is shown, with their first editor opened; the till is checked as a
//! cashier sees it, ordinary and やさしいレジ, with its dialogs, and the customer screen.

use fantoccini::Locator;
use selpos_tests::TestServer;
use selpos_tests::browser::{Browser, WAIT, set_up_the_till_asking_for_the_float};
use std::time::{Duration, Instant};

/// Waits for the page's data (nothing says 読み込み中 any more), then runs the sweep; every
/// violation is added to `found` under `what`.
async fn sweep(browser: &Browser, what: &str, found: &mut Vec<String>) {
    let started = Instant::now();
    while browser
        .js("return document.querySelectorAll('.loading').length")
        .await
        != 0
    {
        if started.elapsed() > WAIT {
            found.push(format!("{what}: still loading"));
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let violations = browser.accessibility_violations().await;
    eprintln!("{what}: {} violations", violations.len());
    for v in &violations {
        eprintln!("    {v}");
    }
    found.extend(violations.into_iter().map(|v| format!("{what}: {v}")));
}

/// Opens the till's menu (a `<details>`), whatever state it was left in.
async fn open_the_menu(browser: &Browser) {
    browser
        .js("document.getElementById('till-menu').open = true; return true")
        .await;
    browser
        .find(Locator::Css("#till-menu[open] .till-menu-items"))
        .await;
}

async fn sign_out(browser: &Browser) {
    browser.click(Locator::Css("header .who button")).await;
    browser.find(Locator::Css("form.login")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_as_each_role_sees_it() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let base = server.base.clone();
    let mut found = Vec::new();

    browser.open(&format!("{base}/login")).await;
    sweep(&browser, "(signed out) /login", &mut found).await;

    for (role, login, password) in [
        ("council admin", "admin", "selpos-admin-demo"),
        ("council staff", "staff", "selpos-staff-demo"),
        ("facility staff", "facility1", "selpos-facility-demo"),
    ] {
        browser.sign_in_at(&base, login, password).await;
        let menu = browser
            .js("return [...new Set(['/', ...[...document.querySelectorAll('header.navbar nav a')].map(a => a.getAttribute('href'))])]")
            .await;
        let pages: Vec<String> = serde_json::from_value(menu).expect("menu");
        assert!(pages.len() >= 3, "{role}: menu {pages:?}");
        for page in &pages {
            browser.open(&format!("{base}{page}")).await;
            sweep(&browser, &format!("{role} {page}"), &mut found).await;
            // The page's first editor (新規), as the role is offered it.
            if let Ok(new) = browser.client.find(Locator::Css(".toolbar button.primary")).await
                && new.click().await.is_ok()
                && browser.client.find(Locator::Css("form.editor")).await.is_ok()
            {
                sweep(&browser, &format!("{role} {page} (editor)"), &mut found).await;
            }
        }
        sign_out(&browser).await;
    }

    // The till as a cashier sees it: the float prompt, the till with a cart, its menu and
    // dialogs, the やさしいレジ's screens, the customer screen.
    set_up_the_till_asking_for_the_float(&server, &base, &browser).await;
    sweep(&browser, "cashier /register (float prompt)", &mut found).await;
    browser.click(Locator::Css("#float-prompt #float-later")).await;
    for name in ["パウンドケーキ", "麦茶 500ml"] {
        browser
            .click(Locator::XPath(&format!(
                "//button[contains(@class, 'product')][span[@class='name' and .='{name}']]"
            )))
            .await;
    }
    sweep(&browser, "cashier /register (cart)", &mut found).await;
    open_the_menu(&browser).await;
    sweep(&browser, "cashier /register (menu)", &mut found).await;
    browser.click(Locator::Css("#menu-customer-screen")).await;
    browser.click(Locator::Css("#customer-screen-make")).await;
    let link = browser.find(Locator::Css("#customer-screen-link")).await;
    let screen_url = link.attr("href").await.expect("href").expect("a link");
    sweep(&browser, "cashier /register (customer screen dialog)", &mut found).await;
    browser.click(Locator::Css("#customer-screen-close")).await;
    browser.click(Locator::Css("#pay-exact")).await;
    browser.find(Locator::Css("#last-sale")).await;
    sweep(&browser, "cashier /register (change)", &mut found).await;

    open_the_menu(&browser).await;
    browser.click(Locator::Css("#menu-easy")).await;
    browser.find(Locator::Css("#easy-till")).await;
    browser.click(Locator::Css("button.easy-tile")).await;
    sweep(&browser, "cashier やさしいレジ (items)", &mut found).await;
    browser.click(Locator::Css("#easy-to-total")).await;
    sweep(&browser, "cashier やさしいレジ (total)", &mut found).await;
    browser.click(Locator::Css("#easy-to-money")).await;
    browser
        .click(Locator::Css("button.piece-button[data-denomination='10000']"))
        .await;
    sweep(&browser, "cashier やさしいレジ (money)", &mut found).await;
    browser.click(Locator::Css("#easy-pay")).await;
    browser.find(Locator::Css("#easy-change-screen")).await;
    sweep(&browser, "cashier やさしいレジ (change)", &mut found).await;

    browser.open(&screen_url).await;
    browser.find(Locator::Css("#customer-display")).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    sweep(&browser, "customer screen", &mut found).await;

    browser.close().await;
    server.stop().await;
    assert!(
        found.is_empty(),
        "{} accessibility violations:\n{}",
        found.len(),
        found.join("\n")
    );
}
