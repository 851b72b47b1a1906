//! Sales while sign-in is flooded: 4 registers post realistic sales over HTTP, quiet and then
//! while bad sign-ins arrive back to back, from one address (32 connections) and from 64
//! addresses at once (each within its own budget at first, so argon2 runs at its cap all
//! along). Prints sale p50/p99 of each phase, the ratio of the flood's p99 to the quiet one,
//! and the sign-in answers. `cargo bench -p selpos-tests --bench signin_flood`.

use rand::SeedableRng;
use rand::rngs::StdRng;
use selpos_tests::load::{Bazaar, tablets, timed_sale};
use selpos_tests::{ApiClient, TestServer, on_each_database};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const REGISTERS: usize = 4;
const SALES_PER_REGISTER: usize = 150;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Where a flood comes from: `connections` back-to-back sign-in loops spread over
/// `addresses` loopback addresses.
#[derive(Clone, Copy)]
struct Flood {
    name: &'static str,
    addresses: usize,
    connections: usize,
}

const QUIET: Flood = Flood {
    name: "quiet",
    addresses: 0,
    connections: 0,
};
const FLOODS: [Flood; 2] = [
    Flood {
        name: "flood, 1 address",
        addresses: 1,
        connections: 32,
    },
    Flood {
        name: "flood, 64 addresses",
        addresses: 64,
        connections: 64,
    },
];

/// Every register posts its sales one after another; answers the latencies, sorted.
async fn sell(tills: &[(i64, Arc<ApiClient>)], w: &Arc<Bazaar>, seed: u64) -> Vec<Duration> {
    let mut tasks = Vec::new();
    for (n, (register, till)) in tills.iter().enumerate() {
        let (register, till, w) = (*register, till.clone(), w.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed * 100 + n as u64);
            let mut latencies = Vec::with_capacity(SALES_PER_REGISTER);
            for _ in 0..SALES_PER_REGISTER {
                latencies.push(timed_sale(&till, &w, &mut rng, register, "during the flood").await);
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("register"));
    }
    latencies.sort();
    latencies
}

/// Starts `flood`; answers its loops, which count the answers by status until `stop`.
fn start_flood(
    server: &TestServer,
    flood: Flood,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<BTreeMap<u16, usize>>> {
    let clients: Vec<Arc<ApiClient>> = (0..flood.addresses)
        .map(|a| {
            let from = IpAddr::V4(Ipv4Addr::new(127, 0, 3, 1 + a as u8));
            Arc::new(ApiClient::from_address(&server.base, server.kind, from))
        })
        .collect();
    (0..flood.connections)
        .map(|c| {
            let client = clients[c % clients.len()].clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut answers = BTreeMap::new();
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let login = if n.is_multiple_of(4) {
                        "test-admin".to_string()
                    } else {
                        format!("ghost-{c}-{}", n % 8)
                    };
                    let body = serde_json::json!({"login": login, "password": "not-the-password"});
                    let (status, _) = client.post("/api/v1/session", &body).await;
                    *answers.entry(status.as_u16()).or_insert(0) += 1;
                }
                answers
            })
        })
        .collect()
}

async fn run(server: TestServer) {
    let w = Arc::new(Bazaar::create(&server, REGISTERS, 1).await);
    let tills = tablets(&server, &w).await;
    // Warm up the connections and the database.
    sell(&tills, &w, 99).await;
    let quiet = sell(&tills, &w, 0).await;
    let quiet_p99 = percentile(&quiet, 0.99);
    println!(
        "| {:<8} | {:<20} | {:>6} | {:>8.1?} | {:>8.1?} | {:>5} | {:>10} | |",
        server.kind,
        QUIET.name,
        quiet.len(),
        percentile(&quiet, 0.5),
        quiet_p99,
        "1.00",
        "",
    );
    for (seed, flood) in FLOODS.into_iter().enumerate() {
        let stop = Arc::new(AtomicBool::new(false));
        let loops = start_flood(&server, flood, &stop);
        // Let the flood reach the server before the sales start.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let latencies = sell(&tills, &w, 1 + seed as u64).await;
        let elapsed = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        let mut answers: BTreeMap<u16, usize> = BTreeMap::new();
        for task in loops {
            for (status, n) in task.await.expect("flood") {
                *answers.entry(status).or_insert(0) += n;
            }
        }
        let total: usize = answers.values().sum();
        let p99 = percentile(&latencies, 0.99);
        println!(
            "| {:<8} | {:<20} | {:>6} | {:>8.1?} | {:>8.1?} | {:>5.2} | {:>10.0} | {} |",
            server.kind,
            flood.name,
            latencies.len(),
            percentile(&latencies, 0.5),
            p99,
            p99.as_secs_f64() / quiet_p99.as_secs_f64(),
            total as f64 / elapsed.as_secs_f64(),
            answers
                .iter()
                .map(|(status, n)| format!("{status}: {n}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        // Let the addresses' budgets refill before the next flood.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    server.stop().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    println!(
        "argon2 checks at once: {}; {REGISTERS} registers × {SALES_PER_REGISTER} sales per phase",
        selpos_server::secrets::check_permits()
    );
    println!("| database | phase | sales | p50 | p99 | p99 ÷ quiet | sign-ins/s | sign-in answers |");
    println!("|---|---|---|---|---|---|---|---|");
    on_each_database(false, run).await;
}
