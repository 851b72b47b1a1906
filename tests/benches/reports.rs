//! Reports at scale, on SQLite and on PostgreSQL: with 1,000,000 sale lines (or
//! `SELPOS_BENCH_LINES`, e.g. 10000000: a decade of the whole prefecture) across the
//! prefecture's 114 facilities and 10 fiscal years in the journal, how long the settlement of
//! a 20,000-sale event (preview, CSV, settle), a facility's yearly wage report and the
//! prefecture's table take over HTTP.
//!
//! `cargo bench -p selpos-tests --bench reports` (PostgreSQL from SELPOS_TEST_POSTGRES_URL,
//! skipped when unset). The history (settled events of about 1,175 sales of 4 lines each,
//! FY2016–FY2025, with every facility's monthly wage figures; 940,000 lines in 200 events by
//! default) is written in bulk straight into the tables, with each event's monthly figures as
//! settling writes them; the 20,000-sale event (60,000 lines) goes through the till's use
//! case, as `POST /sales` does.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use selpos_domain::sales::SaleLineInput;
use selpos_domain::sales::payment::{Tender, TenderKind};
use selpos_tests::{NewEvent, NewProduct, TestServer, World, load, on_each_database};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Sale lines in the journal unless `SELPOS_BENCH_LINES` says otherwise.
const DEFAULT_LINES: usize = 1_000_000;
const LINES_PER_HISTORY_SALE: usize = 4;
/// Sales of a settled event of the history (940,000 lines make 200 events).
const SALES_PER_HISTORY_EVENT: usize = 1_175;
const FIRST_FISCAL_YEAR: i32 = 2016;
const FISCAL_YEARS: i32 = 10;
/// The event to settle: its sales, lines per sale, registers and facilities.
const EVENT_SALES: usize = 20_000;
const EVENT_LINES_PER_SALE: usize = 3;
const EVENT_REGISTERS: usize = 10;
const EVENT_FACILITIES: usize = 50;
/// Rows per bulk INSERT (well under both databases' bind-parameter limits).
const BATCH: usize = 2_000;
const RUNS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Times `RUNS` GETs of `path` (each must answer 200) and answers the median.
async fn timed_get(server: &TestServer, path: &str) -> Duration {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let (status, body) = server.admin_client().get_bytes(path).await;
        times.push(t.elapsed());
        assert!(
            status.is_success(),
            "GET {path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }
    median(times)
}

/// A product of each facility: (facility id, product id, price, tax rate code).
type Goods = Vec<(i64, i64, i64, &'static str)>;

async fn goods(server: &TestServer) -> Goods {
    let facilities = server.get_ok("/api/v1/facilities").await;
    let mut goods = Vec::new();
    for (i, f) in facilities.as_array().expect("facilities").iter().enumerate() {
        let facility = f["id"].as_i64().expect("facility");
        let (price, rate) = if i % 2 == 0 {
            (150 + 10 * (i as i64 % 30), "reduced")
        } else {
            (400 + 20 * (i as i64 % 20), "standard")
        };
        let product = NewProduct::new(0, format!("定番品{i}"), price, rate)
            .create(server.admin_client(), facility)
            .await;
        goods.push((facility, product.id, price, rate));
    }
    goods
}

/// One sale of the history, and its lines: (product, facility, quantity, price, rate, net).
struct HistorySale {
    id: String,
    event: usize,
    receipt_no: i64,
    sold_at: chrono::DateTime<chrono::Utc>,
    lines: Vec<(i64, i64, i64, i64, &'static str, i64)>,
}

/// The history's shape for `lines` sale lines: events per fiscal year and sales in all.
struct History {
    events_per_year: usize,
    sales: usize,
}

impl History {
    fn of(lines: usize) -> History {
        let sales = lines / LINES_PER_HISTORY_SALE;
        let per_year = SALES_PER_HISTORY_EVENT * FISCAL_YEARS as usize;
        History {
            events_per_year: sales.div_ceil(per_year).max(1),
            sales,
        }
    }

    fn events(&self) -> usize {
        self.events_per_year * FISCAL_YEARS as usize
    }

    /// Sales of event `n` (the remainder spread over the first events).
    fn sales_of(&self, n: usize) -> usize {
        self.sales / self.events() + usize::from(n < self.sales % self.events())
    }
}

/// Writes the settled events of 10 fiscal years with `history.sales` sales, every facility's
/// monthly wage figures, and each event's monthly figures as settling writes them, in bulk.
async fn load_history(
    server: &TestServer,
    goods: &Goods,
    user_id: i64,
    history: &History,
) -> Result<(), sqlx::Error> {
    use chrono::{NaiveDate, TimeZone, Utc};
    let mut rng = StdRng::seed_from_u64(2016);
    let now = Utc::now();
    let events = history.events();
    // Event n of the history: its date (spread over the fiscal year) and code.
    let event_date = |n: usize| {
        let fy = FIRST_FISCAL_YEAR + (n / history.events_per_year) as i32;
        let month0 = (n % history.events_per_year) * 12 / history.events_per_year; // 0 = April
        let (year, month) = if month0 < 9 {
            (fy, month0 as u32 + 4)
        } else {
            (fy + 1, month0 as u32 - 8)
        };
        NaiveDate::from_ymd_opt(year, month, 10 + (n % 2) as u32).expect("date")
    };
    let event_ids = selpos_server::on_db!(server.db(), |pool| {
        let mut tx = pool.begin().await?;
        let mut event_ids = Vec::with_capacity(events);
        let mut register_ids = Vec::with_capacity(events);
        for n in 0..events {
            let date = event_date(n);
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO events (code, kind, name, venue, starts_on, ends_on, state, commission_kind,
                                     commission_value, created_at, updated_at)
                 VALUES ($1, 'bazaar', $2, '県庁', $3, $3, 'settled', 'percent', 1000, $4, $4) RETURNING id",
            )
            .bind(format!("H{n:04}"))
            .bind(format!("ハートバザール {}", date.format("%Y-%m")))
            .bind(date)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let (register,): (i64,) = sqlx::query_as(
                "INSERT INTO registers (event_id, code, name) VALUES ($1, 'R1', 'レジ1') RETURNING id",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            event_ids.push(id);
            register_ids.push(register);
        }
        let mut batch: Vec<HistorySale> = Vec::with_capacity(BATCH / LINES_PER_HISTORY_SALE);
        for n in 0..events {
            let opens = Utc.from_utc_datetime(&event_date(n).and_hms_opt(0, 30, 0).expect("time"));
            let sales = history.sales_of(n);
            for s in 0..sales {
                let lines = (0..LINES_PER_HISTORY_SALE)
                    .map(|_| {
                        let (facility, product, price, rate) = goods[rng.random_range(0..goods.len())];
                        let quantity = rng.random_range(1..=3);
                        (product, facility, quantity, price, rate, price * quantity)
                    })
                    .collect();
                batch.push(HistorySale {
                    id: uuid::Uuid::new_v4().to_string(),
                    event: n,
                    receipt_no: s as i64 + 1,
                    // Spread over the event's day (JST 09:30 onwards).
                    sold_at: opens + chrono::Duration::milliseconds((30_000_000 / sales as i64) * s as i64),
                    lines,
                });
                let last = n + 1 == events && s + 1 == sales;
                if batch.len() * LINES_PER_HISTORY_SALE < BATCH && !last {
                    continue;
                }
                let mut sales = sqlx::QueryBuilder::new(
                    "INSERT INTO sales (id, kind, event_id, register_id, receipt_no, receipt_number, cashier_id,
                                        sold_at, recorded_at, total) ",
                );
                sales.push_values(&batch, |mut row, sale| {
                    row.push_bind(sale.id.clone())
                        .push_bind("sale")
                        .push_bind(event_ids[sale.event])
                        .push_bind(register_ids[sale.event])
                        .push_bind(sale.receipt_no)
                        .push_bind(format!("H{:04}-R1-{:05}", sale.event, sale.receipt_no))
                        .push_bind(user_id)
                        .push_bind(sale.sold_at)
                        .push_bind(sale.sold_at)
                        .push_bind(sale.lines.iter().map(|l| l.5).sum::<i64>());
                });
                sales.build().execute(&mut *tx).await?;
                let mut lines = sqlx::QueryBuilder::new(
                    "INSERT INTO sale_lines (sale_id, line_no, product_id, facility_id, name, quantity, unit_price,
                                             tax_rate, net, invoice_eligible) ",
                );
                let rows = batch
                    .iter()
                    .flat_map(|sale| sale.lines.iter().enumerate().map(move |(i, l)| (sale, i, l)));
                lines.push_values(rows, |mut row, (sale, i, l)| {
                    row.push_bind(sale.id.clone())
                        .push_bind(i as i64 + 1)
                        .push_bind(l.0)
                        .push_bind(l.1)
                        .push_bind("定番品")
                        .push_bind(l.2)
                        .push_bind(l.3)
                        .push_bind(l.4)
                        .push_bind(l.5)
                        .push_bind(true);
                });
                lines.build().execute(&mut *tx).await?;
                batch.clear();
            }
        }
        // Every facility's months, FY2016–FY2025: entered figures, as the facilities keep them.
        let months: Vec<(i64, i32, u32)> = goods
            .iter()
            .flat_map(|g| {
                (0..FISCAL_YEARS * 12).map(move |m| {
                    let (fy, m0) = (FIRST_FISCAL_YEAR + m / 12, m % 12);
                    let (year, month) = if m0 < 9 {
                        (fy, m0 as u32 + 4)
                    } else {
                        (fy + 1, m0 as u32 - 8)
                    };
                    (g.0, year, month)
                })
            })
            .collect();
        for chunk in months.chunks(BATCH / 2) {
            let mut wages = sqlx::QueryBuilder::new(
                "INSERT INTO wage_months (facility_id, year, month, wages_paid, user_months, user_days, opening_days,
                                          work_hours, updated_by, updated_at) ",
            );
            wages.push_values(chunk, |mut row, &(facility, year, month)| {
                let users = 10 + facility % 20;
                row.push_bind(facility)
                    .push_bind(i64::from(year))
                    .push_bind(i64::from(month))
                    .push_bind(users * (15_000 + i64::from(month) * 100))
                    .push_bind(users)
                    .push_bind(users * 20)
                    .push_bind(22_i64)
                    .push_bind(users * 80)
                    .push_bind(user_id)
                    .push_bind(now);
            });
            wages.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(event_ids)
    })?;
    // PostgreSQL: fresh planner statistics after the bulk load, as autovacuum gathers them for
    // data that arrives event by event (without them each event's monthly figures below were
    // planned as a scan of the whole journal). SQLite gathers none unless told (selpos never
    // does), and its planner then trusts every index; statistics taken now, before the event's
    // sales have register sessions, would make it scan the journal for every register.
    if let selpos_server::db::Db::Postgres(pool) = server.db() {
        sqlx::query("ANALYZE").execute(pool).await?;
    }
    // Each event's monthly figures, by the function settling calls.
    let mut tx = server.db().write().await?;
    for event in event_ids {
        selpos_server::db::wages::record_settled_months(
            &mut tx,
            selpos_server::db::settlement::Scope::Event(event),
        )
        .await?;
    }
    tx.commit().await
}

/// The event to settle: `EVENT_SALES` sales over `EVENT_REGISTERS` registers, through the
/// till's use case.
async fn the_big_event(server: &TestServer, goods: &Goods, user_id: i64) -> World {
    let event = World::on(server)
        .existing_facilities(goods[..EVENT_FACILITIES].iter().map(|g| g.0))
        .event(
            NewEvent::bazaar("BIG")
                .name("ハートバザール 冬")
                .registers(EVENT_REGISTERS),
        )
        .build()
        .await;
    let mut tasks = Vec::new();
    for (r, &register) in event.registers.iter().enumerate() {
        let db = server.db().clone();
        let goods: Goods = goods[..EVENT_FACILITIES].to_vec();
        let actor = load::admin_at(user_id, register);
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(r as u64);
            for n in 0..EVENT_SALES / EVENT_REGISTERS {
                let lines: Vec<SaleLineInput> = (0..EVENT_LINES_PER_SALE)
                    .map(|_| {
                        let (_, product_id, price, _) = goods[rng.random_range(0..goods.len())];
                        load::line(&mut rng, product_id, price)
                    })
                    .collect();
                let kind = if n % 2 == 0 {
                    TenderKind::Cash
                } else {
                    TenderKind::QrPayment
                };
                let input = load::sale_now(register, lines, |amount| Tender { kind, amount });
                selpos_server::usecases::sales::record(&db, &actor, &input)
                    .await
                    .expect("sale");
            }
        }));
    }
    for task in tasks {
        task.await.expect("register");
    }
    event
}

/// Closes every register of the event with its exact cash, then the event.
async fn close(server: &TestServer, event: &World) {
    for register in &event.registers {
        let status = server
            .get_ok(&format!("/api/v1/registers/{register}/session"))
            .await;
        let expected = status["report"]["cash"]["expected"].as_i64().expect("expected");
        let (code, body) = server
            .post(&format!("/api/v1/registers/{register}/close"), &json!({"id": uuid::Uuid::now_v7(),
                "counts": [{"denomination": 10000, "count": expected / 10000}, {"denomination": 1, "count": expected % 10000}]}))
            .await;
        assert!(code.is_success(), "close register: {code} {body}");
    }
    let (code, body) = event.set_state(server, "closed").await;
    assert!(code.is_success(), "close event: {code} {body}");
}

/// Sale lines in the journal: `SELPOS_BENCH_LINES`, or 1,000,000.
fn journal_lines() -> usize {
    std::env::var("SELPOS_BENCH_LINES")
        .ok()
        .map(|v| {
            v.replace(['_', ','], "")
                .parse()
                .expect("SELPOS_BENCH_LINES: a number of lines")
        })
        .unwrap_or(DEFAULT_LINES)
}

fn history() -> History {
    let event_lines = EVENT_SALES * EVENT_LINES_PER_SALE;
    History::of(journal_lines().saturating_sub(event_lines))
}

async fn bench(server: TestServer) {
    let session: Value = server.get_ok("/api/v1/session").await;
    let user_id = session["user"]["id"].as_i64().expect("user");
    let goods = goods(&server).await;
    assert_eq!(goods.len(), 114, "the prefecture's facilities (demo data)");

    let t = Instant::now();
    load_history(&server, &goods, user_id, &history())
        .await
        .expect("history");
    let history = t.elapsed();
    let t = Instant::now();
    let event = the_big_event(&server, &goods, user_id).await;
    let event_id = event.event;
    let recorded = t.elapsed();
    let lines: Value = server
        .get_ok(&format!("/api/v1/events/{event_id}/settlement"))
        .await;
    assert_eq!(
        lines["facilities"].as_array().map(Vec::len),
        Some(EVENT_FACILITIES)
    );

    let settlement = format!("/api/v1/events/{event_id}/settlement");
    let preview = timed_get(&server, &settlement).await;
    let csv = timed_get(&server, &format!("{settlement}?format=csv")).await;
    let last_fy = FIRST_FISCAL_YEAR + FISCAL_YEARS - 1;
    let facility = goods[0].0;
    let wage_year = timed_get(
        &server,
        &format!("/api/v1/facilities/{facility}/wages?fiscal_year={last_fy}"),
    )
    .await;
    let report = server
        .get_ok(&format!(
            "/api/v1/facilities/{facility}/wages?fiscal_year={last_fy}"
        ))
        .await;
    assert!(
        report["council_sales"].as_i64().unwrap_or(0) > 0,
        "the history counts: {report}"
    );
    let table = timed_get(&server, &format!("/api/v1/wages/table?fiscal_year={last_fy}")).await;
    close(&server, &event).await;
    let t = Instant::now();
    let (code, settled) = server
        .post(&format!("/api/v1/events/{event_id}/settle"), &json!({}))
        .await;
    let settle = t.elapsed();
    assert!(code.is_success(), "settle: {code} {settled}");
    println!(
        "| {:<10} | {:>8.1?} | {:>8.1?} | {:>8.1?} | {:>8.1?} | {:>8.1?} | {:>8.1?} | {:>8.1?} |",
        server.kind, history, recorded, preview, csv, settle, wage_year, table
    );
    // SELPOS_BENCH_KEEP=FILE keeps a copy of the SQLite database, to look into its plans.
    if let (Some(file), "sqlite") = (std::env::var_os("SELPOS_BENCH_KEEP"), server.kind) {
        selpos_server::backup::backup(server.db(), std::path::Path::new(&file))
            .await
            .expect("copy kept");
    }
    server.stop().await;
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let history = history();
    let event_lines = EVENT_SALES * EVENT_LINES_PER_SALE;
    println!(
        "{} sale lines: {} in {} settled events of FY{FIRST_FISCAL_YEAR}–FY{} and an event of {EVENT_SALES} sales \
         ({event_lines} lines, {EVENT_FACILITIES} facilities, {EVENT_REGISTERS} registers); medians of {RUNS} GETs \
         over HTTP, settle once.\n",
        history.sales * LINES_PER_HISTORY_SALE + event_lines,
        history.sales * LINES_PER_HISTORY_SALE,
        history.events(),
        FIRST_FISCAL_YEAR + FISCAL_YEARS - 1,
    );
    println!(
        "| database | history written | event recorded | settlement | settlement CSV | settle | facility's year | prefecture table |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    on_each_database(true, bench).await;
}
