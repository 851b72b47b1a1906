//! How long settling an event of 20,000 sales takes, on SQLite and on PostgreSQL.
//!
//! `cargo bench -p selpos-tests --bench settlement` (PostgreSQL from SELPOS_TEST_POSTGRES_URL,
//! skipped when unset). The sales are written through the till's use case (the same code as
//! `POST /api/v1/sales`), then the settlement is read over HTTP: the preview (`GET
//! /settlement`), the CSV, and the settle itself (`POST /settle`).

use selpos_domain::Yen;
use selpos_domain::access::{Principal, Role};
use selpos_domain::api::{SaleInput, SaleLineInput, Tender, TenderKind};
use selpos_tests::TestServer;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SALES: usize = 20_000;
const FACILITIES: usize = 50;
const RUNS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn bench(server: TestServer) {
    let admin = server.admin_client();
    let mut products = Vec::new();
    let mut participants = Vec::new();
    for f in 0..FACILITIES {
        let (_, facility) = admin
            .post("/api/v1/facilities", &json!({"number": 1000 + f, "name": format!("事業所{f}"), "corporation_type": 2, "capacity": 20}))
            .await;
        let facility = facility["id"].as_i64().expect("facility");
        participants.push(json!({"facility_id": facility}));
        for (p, rate) in [(0, "reduced"), (1, "standard")] {
            let (_, product) = admin
                .post("/api/v1/products", &json!({"facility_id": facility, "name": format!("商品{f}-{p}"), "price": 100 + 37 * p + f as i64, "tax_rate": rate}))
                .await;
            products.push((product["id"].as_i64().expect("product"), 100 + 37 * p + f as i64));
        }
    }
    let (_, event) = admin
        .post(
            "/api/v1/events",
            &json!({"code": "BENCH", "kind": "bazaar", "name": "ベンチ", "starts_on": "2026-11-28",
            "ends_on": "2026-11-29", "state": "open", "commission": {"kind": "percent", "basis_points": 1000},
            "participants": participants, "registers": [{"code": "R1", "name": "レジ1"}]}),
        )
        .await;
    let event_id = event["id"].as_i64().expect("event");
    let register = event["registers"][0]["id"].as_i64().expect("register");
    let session: Value = admin.get_ok("/api/v1/session").await;
    let actor = Principal {
        user_id: session["user"]["id"].as_i64().expect("user"),
        login: "bench".into(),
        role: Role::CouncilAdmin,
        facility_id: None,
        register_id: Some(register),
    };

    let started = Instant::now();
    for n in 0..SALES {
        let lines: Vec<SaleLineInput> = (0..3)
            .map(|i| {
                let (product_id, price) = products[(n * 7 + i * 13) % products.len()];
                SaleLineInput {
                    product_id,
                    quantity: 1 + (n + i) as i64 % 3,
                    unit_price: Yen(price),
                    discount: None,
                }
            })
            .collect();
        let total: i64 = lines.iter().map(|l| l.unit_price.0 * l.quantity).sum();
        let input = SaleInput {
            id: uuid::Uuid::now_v7(),
            register_id: register,
            local_number: String::new(),
            sold_at: chrono::Utc::now(),
            lines,
            tenders: vec![Tender {
                kind: if n % 2 == 0 {
                    TenderKind::Cash
                } else {
                    TenderKind::QrPayment
                },
                amount: Yen(total),
            }],
        };
        selpos_server::sales::record(server.db(), &actor, &input)
            .await
            .expect("sale");
    }
    let written = started.elapsed();

    let path = format!("/api/v1/events/{event_id}/settlement");
    let mut preview = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let s = admin.get_ok(&path).await;
        preview.push(t.elapsed());
        assert_eq!(s["facilities"].as_array().map(Vec::len), Some(FACILITIES));
    }
    let mut csv = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let (status, bytes) = admin.get_bytes(&format!("{path}?format=csv")).await;
        csv.push(t.elapsed());
        assert!(status.is_success() && bytes.len() > 1000);
    }
    // Close the register with the exact cash, close the event, settle (once: it locks).
    let status = admin
        .get_ok(&format!("/api/v1/registers/{register}/session"))
        .await;
    let expected = status["report"]["cash"]["expected"].as_i64().expect("expected");
    let (code, _) = admin
        .post(&format!("/api/v1/registers/{register}/close"), &json!({"id": uuid::Uuid::now_v7(),
            "counts": [{"denomination": 10000, "count": expected / 10000}, {"denomination": 1, "count": expected % 10000}]}))
        .await;
    assert!(code.is_success(), "close: {code}");
    let mut input = event.clone();
    for key in ["id", "active", "created_at", "updated_at", "registers"] {
        input.as_object_mut().expect("event").remove(key);
    }
    input["state"] = json!("closed");
    input["registers"] = json!([{"code": "R1", "name": "レジ1"}]);
    let (code, body) = admin.put(&format!("/api/v1/events/{event_id}"), &input).await;
    assert!(code.is_success(), "close event: {code} {body}");
    let t = Instant::now();
    let (code, settled) = admin
        .post(&format!("/api/v1/events/{event_id}/settle"), &json!({}))
        .await;
    let settle = t.elapsed();
    assert!(code.is_success(), "settle: {code} {settled}");
    println!(
        "{:<10} {SALES} sales ({} lines) written in {:.1?}; settlement preview median {:.1?} (of {RUNS}), CSV {:.1?}, settle {:.1?}; net {}",
        server.kind,
        SALES * 3,
        written,
        median(preview),
        median(csv),
        settle,
        settled["totals"]["net"]
    );
    server.stop().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    bench(TestServer::sqlite(false).await).await;
    match TestServer::postgres(false).await {
        Some(server) => bench(server).await,
        None => println!("postgres   skipped: SELPOS_TEST_POSTGRES_URL is not set"),
    }
}
