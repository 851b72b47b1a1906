//! The tablet's catch-up after an outage, without the browser: 1,000 queued sales of one
//! register sent over HTTP one request each, oldest first (as the till did, and still does
//! with a server that has no batch route), and in batches of 200 (`POST /api/v1/sales/batch`,
//! as the till does now), on SQLite and PostgreSQL. `offline_sync` measures the same in the
//! browser, queue and all.
//!
//! `cargo bench -p selpos-tests --bench catch_up` (release); for a relative figure in a debug
//! build, `cargo test -p selpos-tests --bench catch_up`.

use rand::SeedableRng;
use rand::rngs::StdRng;
use selpos_domain::sales::SaleInput;
use selpos_tests::load::Bazaar;
use selpos_tests::world::register_tablet;
use selpos_tests::{ApiClient, TestServer, on_each_database};
use serde_json::json;
use std::time::{Duration, Instant};

const SALES: usize = 1_000;
/// What the till sends in one batch (`app/src/till/sync.rs`).
const BATCH: usize = 200;

/// A tablet registered to `register`, from an address of its own (sign-in is rate limited per
/// address), its answers not checked against the OpenAPI document (that is the tests' work).
async fn tablet(server: &TestServer, register: i64, n: u8) -> ApiClient {
    let from = std::net::Ipv4Addr::new(127, 0, 2, n);
    let mut till = ApiClient::from_address(&server.base, server.kind, from.into());
    register_tablet(&mut till, register, &format!("tablet {register}")).await;
    till.check_answers = false;
    till
}

fn queue(w: &Bazaar, register: i64) -> Vec<SaleInput> {
    let mut rng = StdRng::seed_from_u64(register as u64);
    (0..SALES).map(|_| w.basket(&mut rng, register)).collect()
}

async fn one_by_one(till: &ApiClient, sales: &[SaleInput]) -> Duration {
    let started = Instant::now();
    for sale in sales {
        let body = serde_json::to_value(sale).expect("json");
        till.created("/api/v1/sales", &body).await;
    }
    started.elapsed()
}

async fn in_batches(till: &ApiClient, sales: &[SaleInput]) -> Duration {
    let started = Instant::now();
    for batch in sales.chunks(BATCH) {
        let (status, answer) = till.post("/api/v1/sales/batch", &json!({"sales": batch})).await;
        assert_eq!(status, 200, "{answer}");
        let results = answer["results"].as_array().expect("results");
        assert!(results.iter().all(|r| r["status"] == "recorded"), "{answer}");
    }
    started.elapsed()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("{SALES} queued sales of one register over HTTP ({profile} build):");
    on_each_database(false, |server| async move {
        let w = Bazaar::create(&server, 2, 1).await;
        let (single, batched) = (w.registers[0], w.registers[1]);
        let one = one_by_one(&tablet(&server, single, 1).await, &queue(&w, single)).await;
        let batches = in_batches(&tablet(&server, batched, 2).await, &queue(&w, batched)).await;
        let rate = |d: Duration| SALES as f64 / d.as_secs_f64();
        println!(
            "  {:<8} one by one {:>7.0} ms ({:>5.0} sales/s) | in batches of {BATCH} {:>6.0} ms ({:>5.0} sales/s) | {:.1}× faster",
            server.kind,
            one.as_secs_f64() * 1e3,
            rate(one),
            batches.as_secs_f64() * 1e3,
            rate(batches),
            one.as_secs_f64() / batches.as_secs_f64()
        );
        server.stop().await;
    })
    .await;
}
