//! The till over HTTPS in a real Chromium, under a host name that is not localhost (so the
//! browser grants a secure context only because of the certificate): the service worker
//! registers, keeps the till, and the till reloads with the server gone. Chromium maps the
//! name to 127.0.0.1; the traffic stays on loopback.

use fantoccini::Locator;
use selpos_tests::browser::{Browser, set_up_the_till};
use selpos_tests::{TestDatabase, TestServer};

const HOST: &str = "selpos.test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_till_over_https_on_a_lan_name_works_offline() {
    let tls_dir = tempfile::tempdir().expect("dir");
    let server = TestServer::on_https(TestDatabase::sqlite(), true, tls_dir.path(), &[HOST]).await;
    let server_pem = std::fs::read_to_string(tls_dir.path().join(selpos_server::tls::SERVER_CERT_FILE))
        .expect("server certificate");
    // The tablet trusts the server's certificate (as it would through the installed CA).
    let spki = selpos_server::tls::spki_sha256_base64(&server_pem).expect("spki");
    let browser = Browser::start_with(&[
        format!("--host-resolver-rules=MAP {HOST} 127.0.0.1"),
        format!("--ignore-certificate-errors-spki-list={spki}"),
    ])
    .await;
    let port = server.base.rsplit(':').next().expect("port").to_string();
    let base = format!("https://{HOST}:{port}");
    let till = set_up_the_till(&server, &base, &browser).await;

    let context = browser
        .js("return [location.protocol, location.hostname, window.isSecureContext]")
        .await;
    assert_eq!(context, serde_json::json!(["https:", HOST, true]));

    // The service worker registers and keeps the till page.
    browser.wait_for_offline_copy().await;
    let kept_nonce = browser.kept_till_nonce().await;
    assert!(kept_nonce.is_string(), "no kept /register: {kept_nonce}");

    // The server goes away; the reloaded till comes from the tablet.
    let database = server.release().await;
    browser.client.refresh().await.expect("reload");
    browser.hydrated().await;
    let nonce = browser.page_nonce().await;
    assert_eq!(
        nonce, kept_nonce,
        "the page did not come from the service worker's copy"
    );
    browser.find(Locator::Css("button.product")).await;
    assert!(till.register > 0);

    browser.close().await;
    database.drop_database().await;
}
