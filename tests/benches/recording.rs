//! Sale recording under load: simulated registers (1, 10, 50) post realistic sales over real
//! HTTP, on SQLite and PostgreSQL; then the limit, the same sales recorded by the same use case
//! in one process with no HTTP. `cargo bench -p selpos-tests --bench recording`.

use rand::SeedableRng;
use rand::rngs::StdRng;
use selpos_domain::sales::SaleInput;
use selpos_tests::load::{Bazaar, admin_at};
use selpos_tests::world::register_tablet;
use selpos_tests::{ApiClient, TestServer, on_each_database};
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

const REGISTER_COUNTS: [usize; 3] = [1, 10, 50];
/// Sales each run records in all (split over its registers).
const SALES_PER_RUN: usize = 1_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Figures {
    sales: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    /// The figures of the registers' `tasks` (each answering its sales' latencies), begun at
    /// `started`.
    async fn of(started: Instant, tasks: Vec<JoinHandle<Vec<Duration>>>) -> Figures {
        let mut latencies = Vec::new();
        for task in tasks {
            latencies.extend(task.await.expect("register"));
        }
        let elapsed = started.elapsed();
        latencies.sort();
        Figures {
            sales: latencies.len(),
            elapsed,
            latencies,
        }
    }

    fn per_second(&self) -> f64 {
        self.sales as f64 / self.elapsed.as_secs_f64()
    }
}

async fn over_http(server: &TestServer, w: &Bazaar) -> Figures {
    let mut tills = Vec::new();
    for (n, &register) in w.registers.iter().enumerate() {
        // Each tablet is a device of its own (sign-in is rate limited per address).
        let from = std::net::Ipv4Addr::new(127, 0, 1, 1 + n as u8);
        let mut till = ApiClient::from_address(&server.base, server.kind, from.into());
        register_tablet(&mut till, register, &format!("tablet {register}")).await;
        tills.push((register, till));
    }
    let each = SALES_PER_RUN / w.registers.len();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, (register, till)) in tills.into_iter().enumerate() {
        let baskets: Vec<SaleInput> = {
            let mut rng = StdRng::seed_from_u64(n as u64);
            (0..each).map(|_| w.basket(&mut rng, register)).collect()
        };
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(baskets.len());
            for sale in baskets {
                let body = serde_json::to_value(&sale).expect("json");
                let t = Instant::now();
                let (status, answer) = till.post("/api/v1/sales", &body).await;
                latencies.push(t.elapsed());
                assert_eq!(status.as_u16(), 201, "{answer}");
            }
            latencies
        }));
    }
    Figures::of(started, tasks).await
}

/// The limit: the same number of sales through the same use case, in process, no HTTP.
async fn in_process(server: &TestServer, w: &Bazaar) -> Figures {
    let session: Value = server.admin_client().get_ok("/api/v1/session").await;
    let user_id = session["user"]["id"].as_i64().expect("user");
    let each = SALES_PER_RUN / w.registers.len();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, &register) in w.registers.iter().enumerate() {
        let db = server.db().clone();
        let actor = admin_at(user_id, register);
        let baskets: Vec<SaleInput> = {
            let mut rng = StdRng::seed_from_u64(1000 + n as u64);
            (0..each).map(|_| w.basket(&mut rng, register)).collect()
        };
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(baskets.len());
            for sale in &baskets {
                let t = Instant::now();
                selpos_server::usecases::sales::record(&db, &actor, sale)
                    .await
                    .expect("sale");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    Figures::of(started, tasks).await
}

async fn run(server: TestServer) {
    for registers in REGISTER_COUNTS {
        let w = Bazaar::create(&server, registers, registers).await;
        let http = over_http(&server, &w).await;
        let limit = in_process(&server, &w).await;
        println!(
            "| {:<8} | {:>3} | {:>6} | {:>8.0} | {:>8.1?} | {:>8.1?} | {:>8.0} | {:>8.1?} | {:>5.2} |",
            server.kind,
            registers,
            http.sales,
            http.per_second(),
            percentile(&http.latencies, 0.5),
            percentile(&http.latencies, 0.99),
            limit.per_second(),
            percentile(&limit.latencies, 0.99),
            http.per_second() / limit.per_second(),
        );
    }
    server.stop().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    println!(
        "| database | registers | sales | HTTP sales/s | p50 | p99 | limit sales/s | limit p99 | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    on_each_database(false, run).await;
}
