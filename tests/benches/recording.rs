//! Sale recording under load: simulated registers (1, 10, 50) post realistic sales over real
//! HTTP, on SQLite and PostgreSQL. Beside it, in the same run and on the same database:
//!
//! - **use case**: the same number of sales through the till's use case in process (no HTTP);
//! - **limit**: the database's own speed for a sale: the statements the use case sends for one
//!   (its read snapshot: the register, the council's rules, each product; its write transaction:
//!   the register again, the event's hold, the register session, the receipt counter, the
//!   header, the lines/tenders/per-rate totals/stock movements, commit) sent straight through the
//!   same query functions, prepared and cached by sqlx, with everything else (validation,
//!   pricing, tax, payment) worked out before the clock starts. SQLite: one connection, one sale
//!   after another (a file has one writer); PostgreSQL: one connection per register.
//!
//! The ratios say where the time goes: HTTP / limit (what a till gets of the database's speed)
//! and use case / limit. `cargo bench -p selpos-tests --bench recording`.

use rand::SeedableRng;
use rand::rngs::StdRng;
use selpos_domain::sales::cart::{self, CartLine};
use selpos_domain::sales::payment::pay;
use selpos_domain::sales::{SaleInput, SaleKind, sale_lines};
use selpos_server::db::{self, Db};
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

/// A sale as the database receives it, everything the use case works out beforehand done.
struct Prepared {
    input: SaleInput,
    lines: Vec<selpos_domain::sales::JournalLine>,
    by_rate: Vec<selpos_domain::sales::cart::RateTotal>,
    total: selpos_domain::Yen,
    change: selpos_domain::Yen,
    voucher_surplus: selpos_domain::Yen,
    non_invoice_total: selpos_domain::Yen,
}

async fn prepare(db: &Db, event_id: i64, sale: SaleInput) -> Prepared {
    let mut tx = db.read().await.expect("read");
    let mut cart_lines = Vec::new();
    for line in &sale.lines {
        let product = db::sales::product_for_sale(&mut tx, event_id, line.product_id)
            .await
            .expect("product")
            .expect("a product of the bazaar");
        cart_lines.push(CartLine {
            product_id: product.product_id,
            facility_id: product.facility_id,
            tax_rate: product.rate().expect("rate"),
            name: product.name,
            unit_price: line.unit_price,
            quantity: line.quantity,
            discount: line.discount,
            invoice_eligible: product.invoice_issuer,
        });
    }
    let totals = cart::cart_totals(&cart_lines, Default::default()).expect("totals");
    let payment = pay(totals.total, &sale.tenders, false).expect("payment");
    Prepared {
        lines: sale_lines(&cart_lines, &totals),
        by_rate: totals.by_rate,
        total: totals.total,
        change: payment.change,
        voucher_surplus: payment.voucher_surplus,
        non_invoice_total: totals.non_invoice_total,
        input: sale,
    }
}

/// The statements of one sale, straight to the database (see the top of this file).
async fn record_straight(db: &Db, event_id: i64, user_id: i64, sale: &Prepared) {
    let (id, register) = (sale.input.id.to_string(), sale.input.register_id);
    {
        let mut tx = db.read().await.expect("read");
        db::sales::register_for_sale(&mut tx, register, &id)
            .await
            .expect("register");
        db::council::get(&mut tx).await.expect("council");
        for line in &sale.input.lines {
            db::sales::product_for_sale(&mut tx, event_id, line.product_id)
                .await
                .expect("product");
        }
    }
    let mut tx = db.write().await.expect("write");
    let found = db::sales::register_for_sale(&mut tx, register, &id)
        .await
        .expect("register")
        .expect("a register");
    db::events::hold(&mut tx, event_id, db::events::EventHold::Write)
        .await
        .expect("hold");
    let session = db::register_sessions::claim_open(&mut tx, register)
        .await
        .expect("session")
        .expect("an open register session (opened by the runs before)");
    let no = db::sales::next_receipt_no(&mut tx, register)
        .await
        .expect("receipt no");
    let number = format!(
        "{}-{}-{no:04}",
        found.register.event_code, found.register.register_code
    );
    let now = chrono::Utc::now();
    let header = db::sales::NewSale {
        id: &id,
        kind: SaleKind::Sale,
        event_id,
        register_id: register,
        receipt_no: no,
        receipt_number: &number,
        local_number: &sale.input.local_number,
        cashier_id: user_id,
        sold_at: sale.input.sold_at,
        original_sale_id: None,
        total: sale.total,
        change: sale.change,
        voucher_surplus: sale.voucher_surplus,
        non_invoice_total: sale.non_invoice_total,
        late: false,
        session_id: &session.id,
        reason: "",
        approval_id: None,
    };
    assert!(db::sales::insert(&mut tx, &header, now).await.expect("insert"));
    let details = db::sales::SaleDetails {
        sale_id: &id,
        event_id,
        kind: SaleKind::Sale,
        lines: &sale.lines,
        tenders: &sale.input.tenders,
        by_rate: &sale.by_rate,
        created_by: user_id,
    };
    db::sales::insert_details(&mut tx, &details, now)
        .await
        .expect("details");
    tx.commit().await.expect("commit");
}

/// The limit: the same number of sales as the statements alone (see the top of this file).
async fn straight_to_the_database(server: &TestServer, w: &Bazaar) -> Figures {
    let session: Value = server.admin_client().get_ok("/api/v1/session").await;
    let user_id = session["user"]["id"].as_i64().expect("user");
    let each = SALES_PER_RUN / w.registers.len();
    let mut queues = Vec::new();
    for (n, &register) in w.registers.iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(2000 + n as u64);
        let mut queue = Vec::with_capacity(each);
        for _ in 0..each {
            queue.push(prepare(server.db(), w.event_id, w.basket(&mut rng, register)).await);
        }
        queues.push(queue);
    }
    // SQLite: one queue of all the registers' sales, in turn, on one connection.
    if server.kind == "sqlite" {
        let mut interleaved = Vec::with_capacity(SALES_PER_RUN);
        let mut iters: Vec<_> = queues.into_iter().map(Vec::into_iter).collect();
        while interleaved.len() < each * iters.len() {
            interleaved.extend(iters.iter_mut().filter_map(Iterator::next));
        }
        queues = vec![interleaved];
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for queue in queues {
        let (db, event_id) = (single_connection(server).await, w.event_id);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(queue.len());
            for sale in &queue {
                let t = Instant::now();
                record_straight(&db, event_id, user_id, sale).await;
                latencies.push(t.elapsed());
            }
            db.close().await;
            latencies
        }));
    }
    Figures::of(started, tasks).await
}

/// A pool of one connection to the server's database, with selpos's own options (pragmas).
async fn single_connection(server: &TestServer) -> Db {
    match server.db() {
        Db::Sqlite(pool) => Db::Sqlite(
            sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with((*pool.connect_options()).clone())
                .await
                .expect("sqlite"),
        ),
        Db::Postgres(pool) => Db::Postgres(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_with((*pool.connect_options()).clone())
                .await
                .expect("postgres"),
        ),
    }
}

async fn run(server: TestServer) {
    for registers in REGISTER_COUNTS {
        let w = Bazaar::create(&server, registers, registers).await;
        let http = over_http(&server, &w).await;
        let use_case = in_process(&server, &w).await;
        let limit = straight_to_the_database(&server, &w).await;
        println!(
            "| {:<8} | {:>3} | {:>6} | {:>6.0} | {:>8.1?} | {:>8.1?} | {:>6.0} | {:>8.1?} | {:>6.0} | {:>8.1?} | {:>5.2} | {:>5.2} |",
            server.kind,
            registers,
            http.sales,
            http.per_second(),
            percentile(&http.latencies, 0.5),
            percentile(&http.latencies, 0.99),
            use_case.per_second(),
            percentile(&use_case.latencies, 0.99),
            limit.per_second(),
            percentile(&limit.latencies, 0.99),
            http.per_second() / limit.per_second(),
            use_case.per_second() / limit.per_second(),
        );
    }
    server.stop().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    println!(
        "| database | registers | sales | HTTP sales/s | HTTP p50 | HTTP p99 | use case sales/s | use case p99 \
         | limit sales/s | limit p99 | HTTP/limit | use case/limit |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    on_each_database(false, run).await;
}
