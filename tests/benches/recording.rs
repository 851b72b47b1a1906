//! Sale recording under load: simulated registers (1, 10, 50) post realistic sales over real
//! HTTP, on SQLite and PostgreSQL; then the limit, the same sales recorded by the same use case
//! in one process with no HTTP. `cargo bench -p selpos-tests --bench recording`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use selpos_domain::Yen;
use selpos_domain::access::{Principal, Role};
use selpos_domain::api::{SaleInput, SaleLineInput, Tender, TenderKind};
use selpos_tests::{ADMIN_LOGIN, ADMIN_PASSWORD, ApiClient, TestServer};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const FACILITIES: usize = 12;
const REGISTER_COUNTS: [usize; 3] = [1, 10, 50];
/// Sales each run records in all (split over its registers).
const SALES_PER_RUN: usize = 1_000;

struct World {
    event_id: i64,
    registers: Vec<i64>,
    /// Products by facility: (product id, price).
    products: Vec<Vec<(i64, i64)>>,
}

async fn world(server: &TestServer, registers: usize) -> World {
    let admin = server.admin_client();
    let mut products = Vec::new();
    let mut participants = Vec::new();
    for f in 0..FACILITIES {
        let (_, facility) = admin
            .post("/api/v1/facilities", &json!({"number": 1000 * registers + f, "name": format!("事業所{registers}-{f}"), "corporation_type": 2, "capacity": 20}))
            .await;
        let facility = facility["id"].as_i64().expect("facility");
        participants.push(json!({"facility_id": facility}));
        let mut own = Vec::new();
        for p in 0..4 {
            let price = 100 + 60 * p as i64 + f as i64 * 10;
            let rate = if p % 2 == 0 { "reduced" } else { "standard" };
            let (_, product) = admin
                .post("/api/v1/products", &json!({"facility_id": facility, "name": format!("商品{f}-{p}"), "price": price, "tax_rate": rate}))
                .await;
            own.push((product["id"].as_i64().expect("product"), price));
        }
        products.push(own);
    }
    let register_inputs: Vec<Value> = (0..registers)
        .map(|r| json!({"code": format!("R{}", r + 1), "name": format!("レジ{}", r + 1)}))
        .collect();
    let (_, event) = admin
        .post("/api/v1/events", &json!({"code": format!("LOAD{registers}"), "kind": "bazaar", "name": "負荷", "starts_on": "2026-11-28",
            "ends_on": "2026-11-29", "state": "open", "commission": {"kind": "percent", "basis_points": 1000},
            "participants": participants, "registers": register_inputs}))
        .await;
    World {
        event_id: event["id"].as_i64().expect("event"),
        registers: event["registers"]
            .as_array()
            .expect("registers")
            .iter()
            .map(|r| r["id"].as_i64().expect("id"))
            .collect(),
        products,
    }
}

/// A realistic basket: 1–6 lines from 1–3 facilities, cash (with change), card or QR.
fn basket(rng: &mut StdRng, w: &World, register: i64) -> SaleInput {
    let facilities: Vec<usize> = (0..rng.random_range(1..=3))
        .map(|_| rng.random_range(0..FACILITIES))
        .collect();
    let lines: Vec<SaleLineInput> = (0..rng.random_range(1..=6))
        .map(|i| {
            let (product_id, price) = w.products[facilities[i % facilities.len()]][rng.random_range(0..4)];
            SaleLineInput {
                product_id,
                quantity: rng.random_range(1..=3),
                unit_price: Yen(price),
                discount: None,
            }
        })
        .collect();
    let total: i64 = lines.iter().map(|l| l.unit_price.0 * l.quantity).sum();
    let tender = match rng.random_range(0..3) {
        0 => Tender {
            kind: TenderKind::Cash,
            amount: Yen((total + 999) / 1000 * 1000),
        },
        1 => Tender {
            kind: TenderKind::CreditCard,
            amount: Yen(total),
        },
        _ => Tender {
            kind: TenderKind::QrPayment,
            amount: Yen(total),
        },
    };
    SaleInput {
        id: uuid::Uuid::now_v7(),
        register_id: register,
        local_number: String::new(),
        sold_at: chrono::Utc::now(),
        lines,
        tenders: vec![tender],
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Figures {
    sales: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn per_second(&self) -> f64 {
        self.sales as f64 / self.elapsed.as_secs_f64()
    }
}

async fn over_http(server: &TestServer, w: &World) -> Figures {
    let mut tills = Vec::new();
    for &register in &w.registers {
        let mut till = ApiClient::signed_in(&server.base, server.kind, ADMIN_LOGIN, ADMIN_PASSWORD).await;
        till.post(
            "/api/v1/devices",
            &json!({"register_id": register, "name": "bench"}),
        )
        .await;
        till.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD).await;
        tills.push((register, till));
    }
    let each = SALES_PER_RUN / w.registers.len();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, (register, till)) in tills.into_iter().enumerate() {
        let baskets: Vec<SaleInput> = {
            let mut rng = StdRng::seed_from_u64(n as u64);
            (0..each).map(|_| basket(&mut rng, w, register)).collect()
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

/// The limit: the same number of sales through the same use case, in process, no HTTP.
async fn in_process(server: &TestServer, w: &World) -> Figures {
    let session: Value = server.admin_client().get_ok("/api/v1/session").await;
    let user_id = session["user"]["id"].as_i64().expect("user");
    let each = SALES_PER_RUN / w.registers.len();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, &register) in w.registers.iter().enumerate() {
        let db = server.db().clone();
        let actor = Principal {
            user_id,
            login: "bench".into(),
            role: Role::CouncilAdmin,
            facility_id: None,
            register_id: Some(register),
        };
        let baskets: Vec<SaleInput> = {
            let mut rng = StdRng::seed_from_u64(1000 + n as u64);
            (0..each).map(|_| basket(&mut rng, w, register)).collect()
        };
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(baskets.len());
            for sale in &baskets {
                let t = Instant::now();
                selpos_server::sales::record(&db, &actor, sale)
                    .await
                    .expect("sale");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
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

async fn run(server: TestServer) {
    for registers in REGISTER_COUNTS {
        let w = world(&server, registers).await;
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
        let _ = w.event_id;
    }
    server.stop().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    println!(
        "| database | registers | sales | HTTP sales/s | p50 | p99 | limit sales/s | limit p99 | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    run(TestServer::sqlite(false).await).await;
    match TestServer::postgres(false).await {
        Some(server) => run(server).await,
        None => println!("(PostgreSQL skipped: SELPOS_TEST_POSTGRES_URL is not set)"),
    }
}
