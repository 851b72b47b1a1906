//! Registering a tablet as a till in a real headless Chromium (issue 21): right after a council
//! user registers it on /devices, its /register says that it is registered (and as which
//! register) and leads to the cashier's PIN sign-in, instead of asking to register it again.

use fantoccini::Locator;
use selpos_tests::browser::{Browser, WAIT, register_this_tablet};
use selpos_tests::{TestServer, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newly_registered_tablet_leads_to_the_cashier_sign_in() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let till = World::on(&server).demo_bazaar().build().await;
    register_this_tablet(&browser, &server.base, till.register).await;

    // The council user is still signed in (without a register): /register is no till yet.
    browser.open(&format!("{}/register", server.base)).await;
    browser.find(Locator::Css("#not-a-till")).await;
    let said = browser
        .wait_text("#not-a-till", WAIT, |t| t.contains("登録済み"))
        .await;
    assert!(
        said.contains("登録済み") && said.contains("レジ1"),
        "the page names the register it was registered to: {said}"
    );
    assert!(
        !said.contains("登録してください"),
        "a registered tablet is not asked to be registered again: {said}"
    );
    assert!(
        browser
            .client
            .find(Locator::Css("#register-this-tablet"))
            .await
            .is_err()
    );

    // It leads to the cashier's PIN sign-in, and on to the till.
    browser.follow(Locator::Css("#cashier-sign-in"), "/login").await;
    browser.sign_in_with_pin("ボランティア", "1234").await;

    browser.close().await;
    server.stop().await;
}

/// A browser never registered still sends council staff to /devices.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_browser_is_sent_to_register_it() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    browser.open(&format!("{}/login", server.base)).await;
    browser.sign_in_as_admin().await;
    browser.find(Locator::Css("header .who .user")).await;
    browser.open(&format!("{}/register", server.base)).await;
    let link = browser.text_of("#register-this-tablet").await;
    assert!(link.contains("登録してください"), "{link}");
    assert!(
        browser
            .client
            .find(Locator::Css("#registered-till"))
            .await
            .is_err()
    );
    browser.close().await;
    server.stop().await;
}
