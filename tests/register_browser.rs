//! The till (/register) in a real headless Chromium against a real server: a council admin
//! registers the tablet, a cashier signs in with a PIN and rings up sales, online and with the
//! network cut, and the server ends up with every sale exactly once.
//!
//! Past 600 lines on purpose: each scenario is the cashier's taps in order, which reads best
//! whole, beside the page helpers they share.

use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::wd::WebDriverCompatibleCommand;
use selpos_server::printing::decode::decode;
use selpos_tests::browser::{Browser, WAIT, set_up_the_till};
use selpos_tests::printer::{DRAWER_KICK, FakePrinter};
use selpos_tests::{TestServer, World};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Cutting the browser's network, as a venue's Wi-Fi does.
trait Offline {
    async fn set_offline(&self, offline: bool);
}

impl Offline for Browser {
    /// Cuts (or restores) the browser's network, as a venue's Wi-Fi does.
    async fn set_offline(&self, offline: bool) {
        self.client
            .issue_cmd(NetworkConditions { offline })
            .await
            .expect("chromedriver network conditions");
    }
}

/// chromedriver's `POST /session/{id}/chromium/network_conditions`.
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

/// The `url` crate's error type, named through reqwest's re-export of `Url`.
type UrlParseError = <reqwest::Url as std::str::FromStr>::Err;

impl WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, UrlParseError> {
        base_url.join(&format!(
            "session/{}/chromium/network_conditions",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        let body = json!({"network_conditions": {
            "offline": self.offline, "latency": 0, "download_throughput": -1, "upload_throughput": -1,
        }});
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// The venue's Wi-Fi between the tablet and the server: a TCP relay that can be cut and
/// restored on the same address. (chromedriver's network conditions cut the page's requests
/// but not the service worker's, so they alone cannot show that a page loads offline.)
struct Wifi {
    port: u16,
    upstream: std::net::SocketAddr,
    relay: Option<tokio::task::JoinHandle<()>>,
}

impl Wifi {
    async fn start(server_base: &str) -> Wifi {
        let upstream = server_base
            .trim_start_matches("http://")
            .parse()
            .expect("server address");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("relay port");
        let port = listener.local_addr().expect("relay address").port();
        let mut wifi = Wifi {
            port,
            upstream,
            relay: None,
        };
        wifi.relay = Some(tokio::spawn(relay(listener, upstream)));
        wifi
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Drops the listener and every open connection.
    async fn cut(&mut self) {
        if let Some(relay) = self.relay.take() {
            relay.abort();
            let _ = relay.await;
        }
    }

    async fn up(&mut self) {
        self.cut().await;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("relay port again");
        self.relay = Some(tokio::spawn(relay(listener, self.upstream)));
    }

    /// The Wi-Fi stays up but the server has gone quiet: connections are accepted and never
    /// answered (a hung server, a captive portal swallowing requests).
    async fn silence(&mut self) {
        self.cut().await;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("relay port again");
        self.relay = Some(tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((connection, _)) = listener.accept().await {
                held.push(connection);
            }
        }));
    }
}

async fn relay(listener: tokio::net::TcpListener, upstream: std::net::SocketAddr) {
    // Dropped with the relay task, the set aborts every connection it carries.
    let mut connections = tokio::task::JoinSet::new();
    while let Ok((mut inbound, _)) = listener.accept().await {
        connections.spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

/// The paths of the API requests the page has made since it loaded (its resource timing).
async fn api_requests(browser: &Browser) -> Vec<String> {
    let paths = browser
        .js("return performance.getEntriesByType('resource')
            .map(e => new URL(e.name).pathname).filter(p => p.startsWith('/api/'))")
        .await;
    serde_json::from_value(paths).expect("paths")
}

/// The till sent its queue through the batch route, never a sale alone.
async fn assert_sent_in_batches(browser: &Browser) {
    let paths = api_requests(browser).await;
    assert!(
        paths.iter().any(|p| p == "/api/v1/sales/batch"),
        "no batch sent: {paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p == "/api/v1/sales"),
        "a sale sent alone: {paths:?}"
    );
}

/// The product button with exactly this name.
fn product(name: &str) -> String {
    format!("//button[contains(@class, 'product')][span[@class='name' and .='{name}']]")
}

/// Taps products then a pay button; answers the number of taps.
async fn ring_up(browser: &Browser, names: &[&str], pay: Locator<'_>) -> usize {
    let lines_before = browser
        .js("return document.querySelectorAll('.cart-line').length")
        .await;
    assert_eq!(lines_before, 0, "the cart should start empty");
    for name in names {
        browser.click(Locator::XPath(&product(name))).await;
    }
    browser.click(pay).await;
    names.len() + 1
}

/// Starts timing, in the page, from the next tap on 現金 ちょうど to the empty cart.
async fn time_pay_to_empty_cart(browser: &Browser) {
    browser
        .js(r#"
            window.__payTap = null; window.__cartEmpty = null;
            if (!window.__payTimer) {
                window.__payTimer = true;
                document.addEventListener('click', e => {
                    if (e.target.closest('#pay-exact')) {
                        window.__payTap = performance.now(); window.__cartEmpty = null;
                    }
                }, true);
                new MutationObserver(() => {
                    if (window.__payTap !== null && window.__cartEmpty === null
                        && document.querySelectorAll('.cart-line').length === 0) {
                        window.__cartEmpty = performance.now();
                    }
                }).observe(document.body, { childList: true, subtree: true });
            }
            return null;
        "#)
        .await;
}

/// The last time from a tap on 現金 ちょうど to the empty cart, in milliseconds.
async fn pay_to_empty_cart_ms(browser: &Browser) -> f64 {
    browser
        .js("return window.__cartEmpty - window.__payTap")
        .await
        .as_f64()
        .expect("timing")
}

async fn wait_for_empty_cart(browser: &Browser) {
    let started = Instant::now();
    while browser
        .js("return document.querySelectorAll('.cart-line').length")
        .await
        != 0
    {
        assert!(started.elapsed() < WAIT, "the cart did not empty");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The demo JAN code of a facility's n-th product (as server/src/demo.rs makes them).
fn demo_jan(facility_number: i64, seq: i64) -> String {
    selpos_domain::codes::Gtin::with_check_digit(&format!("4999{facility_number:03}{seq:05}"))
        .expect("jan")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cashier_rings_up_a_sale_of_two_facilities_in_four_taps() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let till = set_up_the_till(&server, &server.base, &browser).await;

    let status = browser.text_of("#till-status").await;
    assert!(
        status.contains("未送信 0件") && status.contains("保留 0件"),
        "{status}"
    );

    time_pay_to_empty_cart(&browser).await;

    // Two items of facility 1, one of facility 2, exact cash: 4 taps.
    let taps = ring_up(
        &browser,
        &["手作りクッキー", "さをり織りコースター", "麦茶 500ml"],
        Locator::Css("#pay-exact"),
    )
    .await;
    wait_for_empty_cart(&browser).await;
    let elapsed = pay_to_empty_cart_ms(&browser).await;
    println!("TAPS for a 3-item exact cash sale: {taps}");
    println!("PAY TAP → EMPTY CART (online): {elapsed:.1} ms");
    assert!(taps <= 6);
    assert_eq!(browser.text_of("#last-sale .change-amount").await, "¥0");
    assert!(browser.text_of("#last-sale").await.contains("R1-L1"));
    let sent = browser
        .wait_text("#queued-count", WAIT, |t| t == "未送信 0件")
        .await;
    assert_eq!(sent, "未送信 0件");

    // A keyboard-wedge scanner: digits in a burst and Enter, with no field focused.
    let jan = demo_jan(2, 0); // 日替わり弁当 ¥500
    let mut keys = KeyActions::new("scanner".into());
    for digit in jan.chars() {
        keys = keys
            .then(KeyAction::Down { value: digit })
            .then(KeyAction::Up { value: digit });
    }
    keys = keys
        .then(KeyAction::Down {
            value: Key::Enter.into(),
        })
        .then(KeyAction::Up {
            value: Key::Enter.into(),
        });
    browser
        .js("document.activeElement && document.activeElement.blur(); return null")
        .await;
    browser.client.perform_actions(keys).await.expect("scan");
    browser
        .find(Locator::XPath(
            "//li[contains(@class, 'cart-line')][.//span[@class='name' and .='日替わり弁当']]",
        ))
        .await;
    assert_eq!(browser.text_of("#till-total").await, "¥500");

    // An unknown code typed by hand is explained, and nothing is added.
    browser.type_into("#code-input", "4900000000000\n").await;
    let error = browser.text_of("#till-error").await;
    assert!(
        error.contains("4900000000000") && error.contains("登録されていません"),
        "{error}"
    );
    assert_eq!(
        browser
            .js("return document.querySelectorAll('.cart-line').length")
            .await,
        1
    );

    // ¥1,000 shows its change before the tap, and gives it.
    let quick = browser.text_of("button.cash[data-amount='1000']").await;
    assert!(quick.contains("おつり ¥500"), "{quick}");
    browser
        .click(Locator::Css("button.cash[data-amount='1000']"))
        .await;
    wait_for_empty_cart(&browser).await;
    assert_eq!(browser.text_of("#last-sale .change-amount").await, "¥500");
    browser
        .wait_text("#queued-count", WAIT, |t| t == "未送信 0件")
        .await;

    // 直前の取引を取消 with the council admin's PIN.
    browser.click(Locator::Css("#void-last")).await;
    browser
        .type_into("input[name='approver_login']", selpos_tests::ADMIN_LOGIN)
        .await;
    browser
        .type_into("input[name='approver_pin']", selpos_tests::ADMIN_PIN)
        .await;
    browser
        .click(Locator::Css(".void-dialog button[type='submit']"))
        .await;
    let notice = browser.text_of(".till-cart .banner.ok").await;
    assert!(notice.contains("取消しました"), "{notice}");

    // The server has the first sale under both facilities; the second is voided.
    let sales = server
        .get_ok(&format!("/api/v1/events/{}/sales", till.event))
        .await;
    let products = server.get_ok("/api/v1/products").await;
    let facility_of = |name: &str| {
        products
            .as_array()
            .and_then(|l| l.iter().find(|p| p["name"] == name))
            .and_then(|p| p["facility_id"].as_i64())
            .unwrap_or_else(|| panic!("product {name}"))
    };
    let net_of = |facility_id: i64| {
        sales["facilities"]
            .as_array()
            .and_then(|l| l.iter().find(|f| f["facility_id"] == facility_id))
            .map_or(0, |f| f["net_sales"].as_i64().unwrap_or_default())
    };
    assert_eq!(net_of(facility_of("手作りクッキー")), 700, "{sales}");
    assert_eq!(net_of(facility_of("麦茶 500ml")), 120, "{sales}");
    assert_eq!(sales["net_sales"], 820, "{sales}");

    let recorded = server
        .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
        .await;
    let sales_only: Vec<&Value> = recorded
        .as_array()
        .expect("list")
        .iter()
        .filter(|s| s["kind"] == "sale")
        .collect();
    assert_eq!(sales_only.len(), 2, "{recorded}");
    assert!(sales_only.iter().any(|s| s["voided"] == true), "{recorded}");

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_made_offline_are_sent_once_the_network_is_back() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let mut wifi = Wifi::start(&server.base).await;
    let till = set_up_the_till(&server, &wifi.base(), &browser).await;

    // The service worker has kept the till page and its bundle.
    browser.wait_for_offline_copy().await;

    // The Wi-Fi goes: the page is offline, and the service worker cannot reach the server either.
    wifi.cut().await;
    browser.set_offline(true).await;
    let net = browser
        .wait_text("#net-status", WAIT, |t| t == "オフライン")
        .await;
    assert_eq!(net, "オフライン");

    time_pay_to_empty_cart(&browser).await;
    ring_up(&browser, &["手作りクッキー"], Locator::Css("#pay-exact")).await;
    wait_for_empty_cart(&browser).await;
    let elapsed = pay_to_empty_cart_ms(&browser).await;
    println!("PAY TAP → EMPTY CART (offline): {elapsed:.1} ms");
    ring_up(
        &browser,
        &["麦茶 500ml", "天然水「極」500ml"],
        Locator::Css("#pay-exact"),
    )
    .await;
    wait_for_empty_cart(&browser).await;
    ring_up(
        &browser,
        &["パウンドケーキ"],
        Locator::Css("button.cash[data-amount='1000']"),
    )
    .await;
    wait_for_empty_cart(&browser).await;
    assert_eq!(browser.text_of("#last-sale .change-amount").await, "¥400");
    assert_eq!(browser.text_of("#queued-count").await, "未送信 3件");

    // Reloaded without a network, the till comes back from the tablet: page, catalog, queue.
    // (Each page the server renders has its own CSP nonce: the kept copy's tells them apart.)
    let kept_nonce = browser.kept_till_nonce().await;
    assert!(kept_nonce.is_string(), "no kept /register: {kept_nonce}");
    browser.client.refresh().await.expect("reload");
    browser.hydrated().await;
    let nonce = browser.page_nonce().await;
    assert_eq!(
        nonce, kept_nonce,
        "the page did not come from the service worker's copy"
    );
    browser.find(Locator::Css("button.product")).await;
    let queued = browser
        .wait_text("#queued-count", WAIT, |t| t == "未送信 3件")
        .await;
    assert_eq!(queued, "未送信 3件");
    let (status, body) = server
        .get(&format!("/api/v1/sales?register_id={}", till.register))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(0), "{body}");

    wifi.up().await;
    browser.set_offline(false).await;
    let queued = browser
        .wait_text("#queued-count", Duration::from_secs(90), |t| t == "未送信 0件")
        .await;
    assert_eq!(queued, "未送信 0件");
    assert_eq!(browser.text_of("#parked-count").await, "保留 0件");
    assert_sent_in_batches(&browser).await;

    let recorded = server
        .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
        .await;
    let list = recorded.as_array().expect("list");
    assert_eq!(list.len(), 3, "{recorded}");
    let mut locals: Vec<&str> = list.iter().filter_map(|s| s["local_number"].as_str()).collect();
    locals.sort_unstable();
    assert_eq!(locals, ["R1-L1", "R1-L2", "R1-L3"]);
    let mut totals: Vec<i64> = list.iter().filter_map(|s| s["total"].as_i64()).collect();
    totals.sort_unstable();
    assert_eq!(totals, [220, 300, 600]);

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_till_opens_from_its_kept_copy_when_the_server_is_silent() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let mut wifi = Wifi::start(&server.base).await;
    let till = set_up_the_till(&server, &wifi.base(), &browser).await;
    browser.wait_for_offline_copy().await;
    browser.find(Locator::Css("button.product")).await;
    let kept_nonce = browser.kept_till_nonce().await;
    assert!(kept_nonce.is_string(), "no kept /register: {kept_nonce}");

    // The network is up, the server answers nothing: a fresh load of the till.
    wifi.silence().await;
    let started = Instant::now();
    // Navigation returns once the page has loaded (its scripts included).
    browser
        .client
        .goto(&format!("{}/register", wifi.base()))
        .await
        .expect("the till loads");
    let shown = started.elapsed();
    browser.hydrated().await;
    let hydrated = started.elapsed();
    assert_eq!(
        browser.page_nonce().await,
        kept_nonce,
        "the page did not come from the service worker's copy"
    );
    let net = browser
        .wait_text("#net-status", WAIT, |t| t == "オフライン")
        .await;
    assert_eq!(net, "オフライン");
    let offline = started.elapsed();
    browser.find(Locator::Css("button.product")).await;
    println!(
        "SILENT SERVER: page shown {:.1} s, interactive {:.1} s, says offline {:.1} s",
        shown.as_secs_f64(),
        hydrated.as_secs_f64(),
        offline.as_secs_f64()
    );
    // The service worker waits 3 s for the network, then serves the kept page.
    assert!(
        shown < Duration::from_millis(4_500),
        "the kept till took {shown:?}"
    );

    // And it sells: the sale waits in the tablet's queue.
    ring_up(&browser, &["手作りクッキー"], Locator::Css("#pay-exact")).await;
    wait_for_empty_cart(&browser).await;
    let queued = browser
        .wait_text("#queued-count", WAIT, |t| t == "未送信 1件")
        .await;
    assert_eq!(queued, "未送信 1件");

    // The server answers again: the sale goes, once.
    wifi.up().await;
    let queued = browser
        .wait_text("#queued-count", Duration::from_secs(90), |t| t == "未送信 0件")
        .await;
    assert_eq!(queued, "未送信 0件");
    let recorded = server
        .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
        .await;
    assert_eq!(recorded.as_array().map(Vec::len), Some(1), "{recorded}");

    // A file of an older build lingers in the worker's cache: the next page kept drops it and
    // keeps exactly the files its page names.
    browser
        .js("return caches.open('selpos-till-v2').then(c => c.put('/pkg/till.0000000000000000_bg.wasm', new Response('old'))).then(() => null)")
        .await;
    browser
        .client
        .goto(&format!("{}/register", wifi.base()))
        .await
        .expect("the till again");
    browser.hydrated().await;
    let started = Instant::now();
    let kept = loop {
        let kept = browser
            .js("return caches.open('selpos-till-v2').then(c => c.keys()).then(ks => ks.map(k => new URL(k.url).pathname).sort())")
            .await;
        if !kept.to_string().contains("0000000000000000") {
            // (Old files go only after the page and its files are kept.)
            break kept;
        }
        assert!(started.elapsed() < WAIT, "the old build's file stayed: {kept}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let html = reqwest::get(format!("{}/register", server.base))
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let mut expected: Vec<String> = html
        .split('"')
        .filter(|part| part.starts_with("/pkg/"))
        .map(str::to_string)
        .collect();
    expected.sort();
    expected.dedup();
    let kept: Vec<&str> = kept
        .as_array()
        .expect("cache keys")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(kept.contains(&"/register"), "{kept:?}");
    let kept_files: Vec<&str> = kept.into_iter().filter(|k| k.starts_with("/pkg/")).collect();
    assert_eq!(kept_files, expected);
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goods_are_found_by_reading_category_and_facility() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    set_up_the_till(&server, &server.base, &browser).await;
    let visible = "return [...document.querySelectorAll('button.product')].filter(b => b.offsetParent !== null).map(b => b.dataset.category + '|' + b.querySelector('.name').textContent)";
    let all = browser.js(visible).await;
    let all = all.as_array().expect("tiles").len();
    assert!(all >= 12, "{all} tiles");

    // A reading typed in katakana finds the product; a tap adds it and clears the search.
    browser.type_into("input[name='search']", "クッキー").await;
    let found = browser.js(visible).await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    assert!(found.to_string().contains("手作りクッキー"), "{found}");
    browser.click(Locator::XPath(&product("手作りクッキー"))).await;
    assert_eq!(
        browser
            .js("return document.querySelector(\"input[name='search']\").value")
            .await,
        json!("")
    );
    let again = browser.js(visible).await;
    assert_eq!(again.as_array().map(Vec::len), Some(all));
    assert_eq!(
        browser
            .js("return document.querySelectorAll('.cart-line').length")
            .await,
        json!(1)
    );

    // A category chip narrows the grid to it; tapped again, everything is back.
    let chip = browser.find(Locator::Css(".chips .chip")).await;
    let category = chip.text().await.expect("chip");
    chip.click().await.expect("chip tapped");
    let narrowed = browser.js(visible).await;
    let narrowed = narrowed.as_array().expect("tiles");
    assert!(!narrowed.is_empty() && narrowed.len() < all, "{narrowed:?}");
    assert!(
        narrowed
            .iter()
            .all(|t| t.as_str().is_some_and(|t| t.starts_with(&format!("{category}|")))),
        "{narrowed:?}"
    );
    browser.click(Locator::Css(".chips .chip.active")).await;
    assert_eq!(browser.js(visible).await.as_array().map(Vec::len), Some(all));

    // The jump bar brings the last facility's products into view.
    let jumps = browser
        .js("return document.querySelectorAll('.jump-bar .jump').length")
        .await;
    assert!(jumps.as_u64().unwrap_or(0) >= 2, "{jumps}");
    browser.click(Locator::Css(".jump-bar .jump:last-child")).await;
    let started = Instant::now();
    loop {
        let in_view = browser
            .js("const groups = document.querySelectorAll('.facility-group'); \
                 const last = groups[groups.length - 1].getBoundingClientRect(); \
                 const pane = document.querySelector('.till-products').getBoundingClientRect(); \
                 return last.top >= pane.top && last.top < pane.bottom")
            .await;
        if in_view == json!(true) {
            break;
        }
        assert!(
            started.elapsed() < WAIT,
            "the last facility was not brought into view"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.close().await;
    server.stop().await;
}

/// The world's event as `PUT /api/v1/events/{id}` takes it, with these participants.
fn event_input(till: &World, participants: &[Value]) -> Value {
    let mut input = till.event_input.clone();
    input["participants"] = json!(participants);
    input
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_sale_is_parked_and_the_others_still_go() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let mut wifi = Wifi::start(&server.base).await;
    let till = set_up_the_till(&server, &wifi.base(), &browser).await;

    wifi.cut().await;
    for item in ["手作りクッキー", "季節の野菜セット", "麦茶 500ml"] {
        ring_up(&browser, &[item], Locator::Css("#pay-exact")).await;
        wait_for_empty_cart(&browser).await;
    }
    let queued = browser
        .wait_text("#queued-count", WAIT, |t| t == "未送信 3件")
        .await;
    assert_eq!(queued, "未送信 3件");

    // Meanwhile the council takes the vegetable farm off the event: its sale is refused.
    let products = server.get_ok("/api/v1/products").await;
    let farm = products
        .as_array()
        .and_then(|l| l.iter().find(|p| p["name"] == "季節の野菜セット"))
        .and_then(|p| p["facility_id"].as_i64())
        .expect("farm");
    let all: Vec<Value> = till.event_input["participants"]
        .as_array()
        .expect("participants")
        .clone();
    let without_farm: Vec<Value> = all.iter().filter(|p| p["facility_id"] != farm).cloned().collect();
    let path = format!("/api/v1/events/{}", till.event);
    let (status, body) = server.put(&path, &event_input(&till, &without_farm)).await;
    assert_eq!(status, 200, "{body}");

    wifi.up().await;
    let queued = browser
        .wait_text("#queued-count", Duration::from_secs(90), |t| t == "未送信 0件")
        .await;
    assert_eq!(queued, "未送信 0件");
    assert_eq!(browser.text_of("#parked-count").await, "保留 1件");
    // One batch carried all three: the refused sale parked alone, the others recorded.
    assert_sent_in_batches(&browser).await;
    let parked = browser.text_of("#parked-list").await;
    assert!(
        parked.contains("R1-L2") && parked.contains("参加していません"),
        "{parked}"
    );
    let recorded = server
        .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
        .await;
    let mut locals: Vec<&str> = recorded
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["local_number"].as_str())
        .collect();
    locals.sort_unstable();
    assert_eq!(locals, ["R1-L1", "R1-L3"], "{recorded}");

    // The farm is back: 再送 sends the parked sale, once.
    let (status, body) = server.put(&path, &event_input(&till, &all)).await;
    assert_eq!(status, 200, "{body}");
    browser
        .click(Locator::XPath("//section[@id='parked-list']//button"))
        .await;
    let parked = browser
        .wait_text("#parked-count", Duration::from_secs(60), |t| t == "保留 0件")
        .await;
    assert_eq!(parked, "保留 0件");
    let queued = browser
        .wait_text("#queued-count", Duration::from_secs(60), |t| t == "未送信 0件")
        .await;
    assert_eq!(queued, "未送信 0件");
    let recorded = server
        .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
        .await;
    assert_eq!(recorded.as_array().map(Vec::len), Some(3), "{recorded}");

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_till_opens_with_a_float_and_closes_against_a_cash_count() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let till = set_up_the_till(&server, &server.base, &browser).await;

    // The till says the float is missing and leads to レジ開け, a page of the whole app.
    browser
        .find(Locator::Css("#register-session[data-state='never_opened']"))
        .await;
    browser
        .follow(Locator::Css("#session-actions"), "/register/session")
        .await;
    assert_eq!(browser.bundle().await, "selpos");

    // レジ開け: 3 × ¥10,000 and 10 × ¥100 typed into the 金種表.
    browser
        .find(Locator::Css("#register-session[data-state='closed']"))
        .await;
    browser.type_into("input[name='count-10000']", "3").await;
    browser.type_into("input[name='count-100']", "10").await;
    assert_eq!(browser.text_of("#count-total").await, "¥31,000");
    browser.click(Locator::Css("#open-register")).await;
    browser
        .find(Locator::Css("#register-session[data-state='open']"))
        .await;

    // Back at the till, which knows the register is open: one exact-cash sale of ¥500, sent.
    browser.follow(Locator::Css("#back-to-till"), "/register").await;
    assert_eq!(browser.bundle().await, "till");
    browser
        .find(Locator::Css("#register-session[data-state='open']"))
        .await;
    ring_up(&browser, &["日替わり弁当"], Locator::Css("#pay-exact")).await;
    wait_for_empty_cart(&browser).await;
    browser
        .wait_text("#queued-count", WAIT, |t| t == "未送信 0件")
        .await;

    // Offline, the close is refused with the reason.
    browser
        .follow(Locator::Css("#session-actions"), "/register/session")
        .await;
    browser
        .find(Locator::Css("#register-session[data-state='open']"))
        .await;
    browser.set_offline(true).await;
    browser.click(Locator::Css("#close-register")).await;
    let blocked = browser
        .wait_text("#close-blocked", WAIT, |t| t.contains("オフライン"))
        .await;
    assert!(blocked.contains("オフライン"), "{blocked}");
    browser.set_offline(false).await;
    browser
        .click(Locator::XPath(
            "//section[@id='register-close']//button[contains(., '戻る')]",
        ))
        .await;

    // A sale still in the tablet's queue (this page sends nothing): the close says so.
    browser
        .queue_sales(&[bento_sale(&server, till.register).await])
        .await;
    browser.click(Locator::Css("#close-register")).await;
    let blocked = browser
        .wait_text("#close-blocked", WAIT, |t| t.contains("未送信"))
        .await;
    assert!(blocked.ends_with("1件"), "{blocked}");
    // The till sends it; then the close goes ahead.
    browser.follow(Locator::Css("#back-to-till"), "/register").await;
    wait_for_sales(&server, till.register, 2).await;
    browser
        .follow(Locator::Css("#session-actions"), "/register/session")
        .await;

    // The count is checked as it is typed; ¥10 short needs a reason.
    browser.click(Locator::Css("#close-register")).await;
    browser
        .wait_text("#expected-cash", WAIT, |t| t == "¥32,000")
        .await;
    browser.type_into("input[name='count-10000']", "3").await;
    browser.type_into("input[name='count-1000']", "1").await;
    browser.type_into("input[name='count-100']", "9").await;
    browser.type_into("input[name='count-10']", "9").await;
    let typed = browser
        .js("return Array.from(document.querySelectorAll('#register-close input')).map(i => i.name + '=' + i.value).join(' ')")
        .await;
    assert_eq!(browser.text_of("#difference").await, "-¥10", "{typed}");
    browser.click(Locator::Css("#confirm-close")).await;
    let refused = browser.text_of("#register-close .banner.error").await;
    assert!(refused.contains("入力内容"), "{refused}");
    browser
        .type_into("input[name='close-note']", "釣銭の渡し間違い")
        .await;
    browser.click(Locator::Css("#confirm-close")).await;
    assert_eq!(browser.text_of("#report-difference").await, "-¥10");
    assert_eq!(browser.text_of("#report-expected").await, "¥32,000");

    // The till now warns that its register is closed.
    browser.follow(Locator::Css("#back-to-till"), "/register").await;
    browser
        .find(Locator::Css("#register-session[data-state='closed']"))
        .await;

    let status = server
        .get_ok(&format!("/api/v1/registers/{}/session", till.register))
        .await;
    assert_eq!(status["state"], "closed");
    assert_eq!(status["report"]["cash"]["counted"], 31990);
    assert_eq!(status["report"]["session"]["note"], "釣銭の渡し間違い");
    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_server_without_the_batch_route_gets_the_sales_one_by_one() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let till = set_up_the_till(&server, &server.base, &browser).await;
    // An older selpos has no batch route: its `/sales/{id}` takes `/sales/batch` and no POST.
    browser
        .js(r#"const fetch = window.fetch;
            window.fetch = function (request) {
                if (String(request.url || request).endsWith('/api/v1/sales/batch')) {
                    return Promise.resolve(new Response(
                        '{"error":{"code":"method_not_allowed","message":"このAPIはこのメソッドでは使えません"}}',
                        {status: 405, headers: {'Content-Type': 'application/json'}}));
                }
                return fetch.apply(this, arguments);
            };
            return null;"#)
        .await;
    let mut queued = Vec::new();
    for _ in 0..3 {
        queued.push(bento_sale(&server, till.register).await);
    }
    browser.queue_sales(&queued).await;
    browser
        .js("window.dispatchEvent(new Event('online')); return null;")
        .await;
    wait_for_sales(&server, till.register, 3).await;
    let queued = browser
        .wait_text("#queued-count", WAIT, |t| t == "未送信 0件")
        .await;
    assert_eq!(queued, "未送信 0件");
    assert_eq!(browser.text_of("#parked-count").await, "保留 0件");
    let paths = api_requests(&browser).await;
    let alone = paths.iter().filter(|p| *p == "/api/v1/sales").count();
    assert_eq!(alone, 3, "each sale sent alone: {paths:?}");
    browser.close().await;
    server.stop().await;
}

/// A ¥500 bento paid in cash, in the form the till keeps it in its queue.
async fn bento_sale(server: &TestServer, register_id: i64) -> String {
    bento_sale_at(server, register_id, chrono::Utc::now(), "R1-L90").await
}

/// [`bento_sale`] rung up at `sold_at` as `local_number`.
async fn bento_sale_at(
    server: &TestServer,
    register_id: i64,
    sold_at: chrono::DateTime<chrono::Utc>,
    local_number: &str,
) -> String {
    let catalog = server
        .get_ok(&format!("/api/v1/registers/{register_id}/catalog"))
        .await;
    let bento = catalog["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["name"] == "日替わり弁当"))
        .expect("the demo's bento");
    let sale = json!({"id": uuid::Uuid::now_v7(), "register_id": register_id, "local_number": local_number,
        "sold_at": sold_at, "lines": [{"product_id": bento["product_id"], "quantity": 1, "unit_price": 500}],
        "tenders": [{"kind": "cash", "amount": 500}]});
    json!({"sale": sale, "total": 500, "rejection": null}).to_string()
}

/// Waits until the server holds `count` sales of the register.
async fn wait_for_sales(server: &TestServer, register_id: i64, count: usize) {
    let started = Instant::now();
    loop {
        let sales = server
            .get_ok(&format!("/api/v1/sales?register_id={register_id}"))
            .await;
        let held = sales.as_array().map_or(0, Vec::len);
        if held == count {
            return;
        }
        assert!(started.elapsed() < WAIT, "{held} sales, not {count}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Points the event's registers at `printer`, as staff do on the events page.
async fn set_printers(server: &TestServer, till: &World, printer: &str) {
    let mut input = till.event_input.clone();
    for register in input["registers"].as_array_mut().expect("registers") {
        register["printer_addr"] = json!(printer);
        register["paper_columns"] = json!(48);
    }
    let (status, body) = server
        .put(&format!("/api/v1/events/{}", till.event), &input)
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_the_printer_missed_prints_from_the_till_once_it_is_back() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let till = set_up_the_till(&server, &server.base, &browser).await;
    // The printer is off: nothing listens on its address.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    set_printers(&server, &till, &addr.to_string()).await;

    ring_up(&browser, &["日替わり弁当"], Locator::Css("#pay-exact")).await;
    let error = browser
        .wait_text(".print-error", WAIT, |t| t.contains("プリンターに接続できません"))
        .await;
    let journal = server
        .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
        .await;
    let number = journal[0]["receipt_number"].as_str().expect("number").to_string();
    assert!(error.starts_with(&number), "{error}");

    // Back on: one tap prints the receipt, drawer kick included (it never opened).
    let mut printer =
        FakePrinter::on(tokio::net::TcpListener::bind(addr).await.expect("the same port")).await;
    browser.click(Locator::Css("#print-again")).await;
    let job = printer.next_job().await;
    let paper = decode(&job.bytes).expect("ESC/POS");
    assert!(
        paper.texts().iter().any(|t| t.contains(&number)),
        "{:?}",
        paper.texts()
    );
    assert_eq!(paper.count(DRAWER_KICK), 1);
    assert!(
        !paper.texts().iter().any(|t| t.contains("再発行")),
        "{:?}",
        paper.texts()
    );
    browser
        .wait_text("#till-status", WAIT, |t| {
            !t.contains("プリンターに接続できません")
        })
        .await;
    assert!(browser.client.find(Locator::Css(".print-error")).await.is_err());
    printer.no_more_jobs();
    browser.close().await;
    server.stop().await;
}

/// After an outage, only the receipts of sales rung up in the last minutes print by themselves
/// (the customer may still be there); the older ones are counted on the status bar instead of
/// a printer spewing them out after the customers have gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catch_up_prints_only_the_receipts_of_recent_sales() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let mut till = set_up_the_till(&server, &server.base, &browser).await;
    // The demo's bazaar starts today in Japan, and a sale from before its first day is refused:
    // run just after midnight there, the older sale would be. The bazaar began yesterday (saved
    // with the printers below).
    let yesterday = selpos_domain::events::tokyo_date(chrono::Utc::now()) - chrono::TimeDelta::days(1);
    till.event_input["starts_on"] = json!(yesterday.to_string());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    set_printers(
        &server,
        &till,
        &listener.local_addr().expect("address").to_string(),
    )
    .await;
    let mut printer = FakePrinter::on(listener).await;

    let now = chrono::Utc::now();
    let queued = [
        bento_sale_at(
            &server,
            till.register,
            now - chrono::TimeDelta::minutes(6),
            "R1-L91",
        )
        .await,
        bento_sale_at(
            &server,
            till.register,
            now - chrono::TimeDelta::seconds(20),
            "R1-L92",
        )
        .await,
    ];
    browser.queue_sales(&queued).await;
    browser
        .js("window.dispatchEvent(new Event('online')); return null;")
        .await;
    wait_for_sales(&server, till.register, 2).await;
    let notice = browser.wait_text("#unprinted", WAIT, |t| t.contains("1件")).await;
    assert!(notice.contains("印刷していません"), "{notice}");

    let journal = server
        .get_ok(&format!("/api/v1/sales?register_id={}", till.register))
        .await;
    let number_of = |local: &str| {
        journal
            .as_array()
            .and_then(|sales| sales.iter().find(|s| s["local_number"] == local))
            .and_then(|s| s["receipt_number"].as_str())
            .expect("recorded")
            .to_string()
    };
    let paper = decode(&printer.next_job().await.bytes).expect("ESC/POS");
    let texts = paper.texts();
    assert!(
        texts.iter().any(|t| t.contains(&number_of("R1-L92"))),
        "{texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t.contains(&number_of("R1-L91"))),
        "{texts:?}"
    );
    printer.no_more_jobs();

    // Seen: the notice goes.
    browser.click(Locator::Css("#unprinted button")).await;
    browser
        .wait_text("#till-status", WAIT, |t| !t.contains("印刷していません"))
        .await;
    assert!(browser.client.find(Locator::Css("#unprinted")).await.is_err());
    browser.close().await;
    server.stop().await;
}
