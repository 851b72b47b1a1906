//! Reads beside the till: 10 registers sell over HTTP, each a sale a second (ten times a busy
//! bazaar's pace), at an event that already holds a day's sales; meanwhile 20 signed-in users
//! refresh the event's pages: stock, live sales, the dashboard and the settlement preview (5
//! users on each). Three phases on each database:
//!
//! - **quiet**: the registers alone;
//! - **pages' pace**: each user's page refreshes as the app refreshes it (stock 5 s, live
//!   sales 3 s, dashboard 10 s, settlement preview 10 s), starting at random instants;
//! - **back to back**: each user asks again the moment an answer arrives.
//!
//! Prints sale p50/p99 of each phase, p99 ÷ the quiet p99, and the readers' answers per second
//! and p99. `cargo bench -p selpos-tests --bench readers` (`SELPOS_BENCH_REPORT_WIDTH=N`: N
//! reports at once instead of the server's default, see `selpos_server::db::reports`).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use selpos_tests::load::{Bazaar, admin_at, tablets, timed_sale};
use selpos_tests::{ADMIN_LOGIN, ADMIN_PASSWORD, ApiClient, TestServer, on_each_database};
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

const REGISTERS: usize = 10;
/// One sale per register per `SALE_EVERY`.
const SALE_EVERY: Duration = Duration::from_secs(1);
/// Sales the event holds before the phases (a busy bazaar day).
const SALES_BEFORE: usize = 5_000;
const PHASE: Duration = Duration::from_secs(60);
const READERS_PER_PAGE: usize = 5;

/// The pages the readers refresh: their name, their API path for the event, and how often
/// the app refreshes them.
const PAGES: [(&str, &str, Duration); 4] = [
    ("stock", "stock", Duration::from_secs(5)),
    ("live sales", "sales", Duration::from_secs(3)),
    ("dashboard", "dashboard", Duration::from_secs(10)),
    ("settlement preview", "settlement", Duration::from_secs(10)),
];

#[derive(Clone, Copy, PartialEq)]
enum Readers {
    None,
    PagesPace,
    BackToBack,
}

impl Readers {
    fn name(self) -> &'static str {
        match self {
            Readers::None => "quiet",
            Readers::PagesPace => "pages' pace",
            Readers::BackToBack => "back to back",
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn joined(tasks: Vec<JoinHandle<Vec<Duration>>>) -> Vec<Duration> {
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("task"));
    }
    all.sort();
    all
}

/// Every register sells a sale each `SALE_EVERY` for `PHASE`; answers the sales' latencies.
fn sell(tills: &[(i64, Arc<ApiClient>)], w: &Arc<Bazaar>, seed: u64) -> Vec<JoinHandle<Vec<Duration>>> {
    tills
        .iter()
        .enumerate()
        .map(|(n, (register, till))| {
            let (register, till, w) = (*register, till.clone(), w.clone());
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(seed * 100 + n as u64);
                // The registers start apart, as real tills do.
                tokio::time::sleep(SALE_EVERY.mul_f64(n as f64 / REGISTERS as f64)).await;
                let mut tick = tokio::time::interval(SALE_EVERY);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let until = Instant::now() + PHASE;
                let mut latencies = Vec::new();
                while Instant::now() < until {
                    tick.tick().await;
                    latencies.push(timed_sale(&till, &w, &mut rng, register, "beside the readers").await);
                }
                latencies
            })
        })
        .collect()
}

/// The readers' loops, until `stop`; each answers its requests' latencies.
fn read(
    readers: &[Arc<ApiClient>],
    event_id: i64,
    pace: Readers,
    stop: &Arc<AtomicBool>,
) -> Vec<JoinHandle<Vec<Duration>>> {
    readers
        .iter()
        .enumerate()
        .map(|(n, reader)| {
            let (reader, stop) = (reader.clone(), stop.clone());
            let (_, path, every) = PAGES[n % PAGES.len()];
            let path = format!("/api/v1/events/{event_id}/{path}");
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(n as u64);
                let mut latencies = Vec::new();
                if pace == Readers::PagesPace {
                    tokio::time::sleep(every.mul_f64(rng.random_range(0.0..1.0))).await;
                }
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let (status, body) = reader.get_bytes(&path).await;
                    latencies.push(t.elapsed());
                    assert!(
                        status.is_success(),
                        "GET {path}: {status} {}",
                        String::from_utf8_lossy(&body)
                    );
                    if pace == Readers::PagesPace {
                        let next = t + every;
                        while Instant::now() < next && !stop.load(Ordering::Relaxed) {
                            tokio::time::sleep(Duration::from_millis(100).min(next - Instant::now())).await;
                        }
                    }
                }
                latencies
            })
        })
        .collect()
}

/// The event's day so far: `SALES_BEFORE` sales through the till's use case.
async fn a_day_of_sales(server: &TestServer, w: &Bazaar) {
    let session: Value = server.get_ok("/api/v1/session").await;
    let user_id = session["user"]["id"].as_i64().expect("user");
    let mut tasks = Vec::new();
    for (n, &register) in w.registers.iter().enumerate() {
        let (db, actor) = (server.db().clone(), admin_at(user_id, register));
        let baskets: Vec<_> = {
            let mut rng = StdRng::seed_from_u64(5_000 + n as u64);
            (0..SALES_BEFORE / REGISTERS)
                .map(|_| w.basket(&mut rng, register))
                .collect()
        };
        tasks.push(tokio::spawn(async move {
            for sale in &baskets {
                selpos_server::usecases::sales::record(&db, &actor, sale)
                    .await
                    .expect("sale");
            }
        }));
    }
    for task in tasks {
        task.await.expect("register");
    }
}

async fn run(server: TestServer) {
    // SELPOS_BENCH_REPORT_WIDTH=N lets N reports read at once (to see what the gate is for).
    if let Some(width) = std::env::var("SELPOS_BENCH_REPORT_WIDTH")
        .ok()
        .and_then(|w| w.parse().ok())
    {
        server.db().set_report_width(width);
    }
    let w = Arc::new(Bazaar::create(&server, REGISTERS, 1).await);
    a_day_of_sales(&server, &w).await;
    let tills = tablets(&server, &w).await;
    let mut readers = Vec::new();
    for n in 0..READERS_PER_PAGE * PAGES.len() {
        let from = IpAddr::V4(Ipv4Addr::new(127, 0, 2, 1 + n as u8));
        let mut reader = ApiClient::from_address(&server.base, server.kind, from);
        reader.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD).await;
        readers.push(Arc::new(reader));
    }
    // One answer of each page, for the size of what the readers fetch.
    let mut sizes = Vec::new();
    for (name, path, _) in PAGES {
        let (_, body) = readers[0]
            .get_bytes(&format!("/api/v1/events/{}/{path}", w.event_id))
            .await;
        sizes.push(format!("{name} {} KiB", body.len() / 1024));
    }
    println!("<!-- {}: {} -->", server.kind, sizes.join(", "));

    let mut quiet_p99 = None;
    for (seed, phase) in [Readers::None, Readers::PagesPace, Readers::BackToBack]
        .into_iter()
        .enumerate()
    {
        let stop = Arc::new(AtomicBool::new(false));
        let reading = if phase == Readers::None {
            Vec::new()
        } else {
            read(&readers, w.event_id, phase, &stop)
        };
        let started = Instant::now();
        let sales = joined(sell(&tills, &w, seed as u64)).await;
        let elapsed = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        let reads = joined(reading).await;
        let p99 = percentile(&sales, 0.99);
        let quiet = *quiet_p99.get_or_insert(p99);
        println!(
            "| {:<8} | {:<13} | {:>5} | {:>8.1?} | {:>8.1?} | {:>5.2} | {:>6.1} | {:>8.1?} | {:>8.1?} |",
            server.kind,
            phase.name(),
            sales.len(),
            percentile(&sales, 0.5),
            p99,
            p99.as_secs_f64() / quiet.as_secs_f64(),
            reads.len() as f64 / elapsed.as_secs_f64(),
            percentile(&reads, 0.5),
            percentile(&reads, 0.99),
        );
    }
    server.stop().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    println!(
        "{REGISTERS} registers, a sale each every {SALE_EVERY:?}, {} s a phase, at an event of {SALES_BEFORE} sales; \
         {} readers ({READERS_PER_PAGE} on each of {})",
        PHASE.as_secs(),
        READERS_PER_PAGE * PAGES.len(),
        PAGES.map(|p| p.0).join(", ")
    );
    println!(
        "| database | readers | sales | sale p50 | sale p99 | p99 ÷ quiet | reads/s | read p50 | read p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    on_each_database(false, run).await;
}
