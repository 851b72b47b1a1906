//! How fast a tablet gets a till it can tap, in headless Chromium throttled through the
//! DevTools protocol, against selpos on SQLite:
//!
//! - **Time to a tappable till**, cold (nothing kept: no HTTP cache, no service worker, no
//!   IndexedDB; signed in) and warm (the second visit), at 10 Mbit/s with 40 ms round trips
//!   and at 1.6 Mbit/s with 150 ms round trips. "Tappable" is the till's `selpos:tiles` mark:
//!   hydrated, with the catalogue's tiles painted.
//! - **A big catalogue**: the demo bazaar grown to 2,000 products. Its size as sent, the 304
//!   of an unchanged one, the time from its arrival to its first painted tiles, and each
//!   keystroke of a search until the next frame.
//!
//! `cargo xtask build --release && cargo bench -p selpos-tests --bench till_start` (the site
//! in `target/site` is what the tablet gets: build it in release for the tablet's figures).
//! DevTools throttles the page's own requests; what the service worker fetches itself (the
//! page, on a warm visit) is not throttled.

use selpos_tests::NewProduct;
use selpos_tests::TestServer;
use selpos_tests::browser::{Browser, Link, WAIT, set_up_the_till};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const RUNS: usize = 3;
const BIG_CATALOGUE: usize = 2_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let till = set_up_the_till(&server, &server.base, &browser).await;
    println!(
        "site: {} ({} products in the demo till's catalogue)",
        selpos_tests::site_root().display(),
        catalogue_len(&browser).await
    );

    for (name, link) in [
        ("10 Mbit/s, 40 ms", Link::mbit(10.0, 40)),
        ("1.6 Mbit/s, 150 ms", Link::mbit(1.6, 150)),
    ] {
        let (mut cold, mut warm, mut cold_bytes) = (Vec::new(), Vec::new(), 0);
        for _ in 0..RUNS {
            browser.client.goto("about:blank").await.expect("blank");
            browser.forget_site_data(&server.base).await;
            browser.throttle(Some(link)).await;
            cold.push(tappable_ms(&browser, &server.base).await);
            cold_bytes = transferred_bytes(&browser).await;
            browser.throttle(None).await;
            browser.wait_for_offline_copy().await;
            browser.client.goto("about:blank").await.expect("blank");
            browser.throttle(Some(link)).await;
            warm.push(tappable_ms(&browser, &server.base).await);
            browser.throttle(None).await;
        }
        println!(
            "{name}: cold {} ms (median of {RUNS}; {:.0} KB over the wire), warm {} ms",
            median(&mut cold),
            cold_bytes as f64 / 1000.0,
            median(&mut warm)
        );
    }

    // A large bazaar: the demo's facilities with 2,000 products between them.
    let started = Instant::now();
    grow_catalogue(
        &server,
        &till.facilities,
        BIG_CATALOGUE - catalogue_len(&browser).await,
    )
    .await;
    println!("(catalogue grown in {:.1?})", started.elapsed());
    let mut first_tiles = Vec::new();
    let mut sent = (0, 0);
    for _ in 0..RUNS {
        forget_catalogue(&browser, &server.base).await;
        tappable_ms(&browser, &server.base).await;
        let len = catalogue_len(&browser).await;
        assert_eq!(len, BIG_CATALOGUE, "the till shows {len} products");
        first_tiles.push(since_catalogue_ms(&browser).await);
        sent = catalogue_sent(&browser).await;
    }
    println!(
        "{BIG_CATALOGUE} products: catalogue {:.0} KB as sent ({:.0} KB as JSON), first tiles {} ms after it arrived (median of {RUNS})",
        sent.0 as f64 / 1000.0,
        sent.1 as f64 / 1000.0,
        median(&mut first_tiles)
    );
    // Loaded again, the kept catalogue is still current: one 304.
    browser.client.goto("about:blank").await.expect("blank");
    tappable_ms(&browser, &server.base).await;
    let status = wait_for_catalogue_request(&browser).await;
    println!(
        "{BIG_CATALOGUE} products, loaded again: catalogue answered {} with {} bytes of body",
        status["status"], status["body"]
    );

    let mut keystrokes = search_keystrokes(&browser).await;
    keystrokes.sort_by(f64::total_cmp);
    println!(
        "{BIG_CATALOGUE} products, search: {} keystrokes, median {:.0} ms, slowest {:.0} ms (each until the next frame)",
        keystrokes.len(),
        keystrokes[keystrokes.len() / 2],
        keystrokes[keystrokes.len() - 1]
    );

    browser.close().await;
    server.stop().await;
}

/// Leaves the page and forgets only the kept catalogue: the bundle stays, the catalogue comes
/// fresh.
async fn forget_catalogue(browser: &Browser, origin: &str) {
    browser.client.goto("about:blank").await.expect("blank");
    browser
        .cdp(
            "Storage.clearDataForOrigin",
            json!({"origin": origin, "storageTypes": "indexeddb"}),
        )
        .await;
}

/// Opens the till and answers when its tiles were painted, in ms since the navigation began.
async fn tappable_ms(browser: &Browser, base: &str) -> u64 {
    browser
        .client
        .goto(&format!("{base}/register"))
        .await
        .expect("the till");
    let started = Instant::now();
    loop {
        let mark = browser
            .js("const m = performance.getEntriesByName('selpos:tiles'); return m.length ? m[m.length - 1].startTime : null")
            .await;
        if let Some(ms) = mark.as_f64() {
            return ms.round() as u64;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the till never showed its tiles"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The bytes the page's loads took over the wire (navigation and resources).
async fn transferred_bytes(browser: &Browser) -> u64 {
    let bytes = browser
        .js("return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).reduce((n, e) => n + (e.transferSize || 0), 0)")
        .await;
    bytes.as_u64().unwrap_or(0)
}

async fn catalogue_len(browser: &Browser) -> usize {
    let started = Instant::now();
    loop {
        let n = browser
            .js("return document.querySelectorAll('button.product').length")
            .await
            .as_u64()
            .unwrap_or(0);
        if n > 0 {
            return n as usize;
        }
        assert!(started.elapsed() < WAIT, "no product tiles");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// From the fresh catalogue's arrival to the paint of its tiles.
async fn since_catalogue_ms(browser: &Browser) -> u64 {
    let started = Instant::now();
    loop {
        let gap = browser
            .js("const f = performance.getEntriesByName('selpos:catalog-fetched')[0]; \
                 if (!f) return null; \
                 const t = performance.getEntriesByName('selpos:tiles').find(m => m.startTime >= f.startTime); \
                 return t ? t.startTime - f.startTime : null")
            .await;
        if let Some(ms) = gap.as_f64() {
            return ms.round() as u64;
        }
        assert!(started.elapsed() < WAIT, "the fresh catalogue was never painted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The catalogue's body as sent (compressed) and as JSON.
async fn catalogue_sent(browser: &Browser) -> (u64, u64) {
    let entry = wait_for_catalogue_request(browser).await;
    (
        entry["body"].as_u64().unwrap_or(0),
        entry["decoded"].as_u64().unwrap_or(0),
    )
}

async fn wait_for_catalogue_request(browser: &Browser) -> Value {
    let started = Instant::now();
    loop {
        let entry = browser
            .js("const e = performance.getEntriesByType('resource').filter(e => e.name.includes('/catalog')).pop(); \
                 return e && e.responseEnd > 0 ? {status: e.responseStatus, body: e.encodedBodySize, decoded: e.decodedBodySize} : null")
            .await;
        if entry.is_object() {
            return entry;
        }
        assert!(started.elapsed() < WAIT, "the till did not load its catalogue");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Types searches into the till's search box, one keystroke at a time as an IME commits
/// them, and times each until the frame after the tiles changed.
async fn search_keystrokes(browser: &Browser) -> Vec<f64> {
    let words = [
        "く",
        "くっ",
        "くっき",
        "くっきー",
        "",
        "ま",
        "まど",
        "",
        "石",
        "石け",
        "石けん",
        "",
        "1",
        "12",
        "",
        "ぱうんど",
        "",
    ];
    let script = r#"
        const [words, done] = [arguments[0], arguments[arguments.length - 1]];
        const input = document.querySelector("input[name='search']");
        const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
        (async () => {
            const times = [];
            for (const word of words) {
                const t0 = performance.now();
                input.value = word;
                input.dispatchEvent(new Event('input', { bubbles: true }));
                await frame();
                times.push(performance.now() - t0);
            }
            done(times);
        })();
    "#;
    let times = browser
        .client
        .execute_async(script, vec![json!(words)])
        .await
        .expect("searched");
    times
        .as_array()
        .expect("times")
        .iter()
        .filter_map(Value::as_f64)
        .collect()
}

/// `count` more products spread over the bazaar's facilities, with names a bazaar has.
async fn grow_catalogue(server: &TestServer, facilities: &[i64], count: usize) {
    const GOODS: [(&str, &str, &str); 10] = [
        ("手作りクッキー", "てづくりくっきー", "reduced"),
        ("パウンドケーキ", "ぱうんどけーき", "reduced"),
        ("マドレーヌ", "まどれーぬ", "reduced"),
        ("季節の野菜セット", "きせつのやさいせっと", "reduced"),
        ("天然水 500ml", "てんねんすい", "reduced"),
        ("いちごジャム", "いちごじゃむ", "reduced"),
        ("石けん", "せっけん", "standard"),
        ("さをり織りコースター", "さをりおりこーすたー", "standard"),
        ("布巾", "ふきん", "standard"),
        ("ポーチ", "ぽーち", "standard"),
    ];
    let products: Vec<(i64, NewProduct)> = (0..count)
        .map(|n| {
            let (name, kana, rate) = GOODS[n % GOODS.len()];
            let facility = facilities[n % facilities.len()];
            let product = NewProduct::new(0, format!("{name} {}", n + 1), 100 + (n as i64 % 20) * 50, rate)
                .with("kana", json!(kana))
                .with("category", json!(if rate == "reduced" { "食品" } else { "雑貨" }));
            (facility, product)
        })
        .collect();
    for chunk in products.chunks(50) {
        futures::future::join_all(
            chunk
                .iter()
                .map(|(facility, product)| product.create(server.admin_client(), *facility)),
        )
        .await;
    }
}

fn median(values: &mut [u64]) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}
