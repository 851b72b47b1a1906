//! The tablet catching up: 1,000 sales waiting in its IndexedDB queue (rung up while the
//! venue's Wi-Fi was down) and the network comes back. How long until the queue is empty and
//! the server holds all 1,000, in headless Chromium against selpos on SQLite.
//!
//! `cargo xtask build --release && cargo bench -p selpos-tests --bench offline_sync` (the site
//! in `target/site` is what the tablet runs: build it in release for the tablet's figure).

use selpos_tests::TestServer;
use selpos_tests::browser::{Browser, set_up_the_till};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SALES: usize = 1_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let server = TestServer::sqlite(true).await;
    let browser = Browser::start().await;
    let till = set_up_the_till(&server, &server.base, &browser).await;
    let catalog = server
        .get_ok(&format!("/api/v1/registers/{}/catalog", till.register))
        .await;
    let items = catalog["items"].as_array().expect("items").clone();

    // What the till's store keeps per queued sale (app/src/till/store.rs: StoredSale as JSON).
    let queued: Vec<String> = (0..SALES)
        .map(|n| {
            let lines: Vec<Value> = (0..1 + n % 3)
                .map(|i| {
                    let item = &items[(n * 7 + i * 3) % items.len()];
                    json!({"product_id": item["product_id"], "quantity": 1 + (n + i) % 2, "unit_price": item["price"]})
                })
                .collect();
            let total: i64 = lines
                .iter()
                .map(|l| l["quantity"].as_i64().unwrap_or(0) * l["unit_price"].as_i64().unwrap_or(0))
                .sum();
            let sale = json!({"id": uuid::Uuid::now_v7(), "register_id": till.register,
                "local_number": format!("R1-L{}", n + 1), "sold_at": chrono::Utc::now(), "lines": lines,
                "tenders": [{"kind": "cash", "amount": total}]});
            json!({"sale": sale, "total": total, "rejection": null}).to_string()
        })
        .collect();
    // Into the queue in one transaction, as if rung up offline one after the other.
    browser.queue_sales(&queued).await;

    // The network is back: the page hears `online`, as a tablet does when the Wi-Fi returns.
    let started = Instant::now();
    browser
        .js("window.dispatchEvent(new Event('online')); return null;")
        .await;
    // Done when the till has shown the sales going and then an empty queue (a sale leaves it
    // only on the server's own answer to it). The page is watched every 20 ms, the server
    // asked only twice a second (listing 1,000 sales is work the sync would wait for).
    let path = format!("/api/v1/sales?register_id={}&limit=1000", till.register);
    let held = async || server.get_ok(&path).await.as_array().map_or(0, Vec::len);
    let mut seen_pending = false;
    for n in 0.. {
        let text = browser
            .js("return (document.querySelector('#queued-count') || {}).textContent || ''")
            .await;
        let empty = text == json!("未送信 0件");
        seen_pending |= !empty;
        if empty && (seen_pending || (n % 25 == 24 && held().await == SALES)) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "still {text} after 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let synced = started.elapsed();
    let held = held().await;
    assert_eq!(held, SALES, "the server holds {held} of the {SALES} sales");
    println!(
        "{SALES} sales queued offline synced in {synced:.1?} ({:.0} sales/s; SQLite, headless Chromium, site in {})",
        SALES as f64 / synced.as_secs_f64(),
        selpos_tests::site_root().display()
    );
    // Where the time went: the batch requests (server and network) and the page between them.
    let requests = browser
        .js(
            "return performance.getEntriesByType('resource').filter(e => e.name.includes('/sales/batch')) \
             .map(e => [e.startTime, e.responseEnd, e.requestStart, e.responseStart])",
        )
        .await;
    let requests: Vec<Vec<f64>> = serde_json::from_value(requests).unwrap_or_default();
    let in_requests: f64 = requests.iter().map(|r| r[1] - r[0]).sum();
    let waiting: f64 = requests.iter().map(|r| r[3] - r[2]).sum();
    println!(
        "  {} batch requests: {in_requests:.0} ms from request to full answer ({waiting:.0} ms waiting for the server's first byte); the page's own work between them: {:.0} ms",
        requests.len(),
        requests.windows(2).map(|w| w[1][0] - w[0][1]).sum::<f64>()
    );
    browser.close().await;
    server.stop().await;
}
