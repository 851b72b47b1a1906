//! Chaos: registers sell through a proxy that drops connections before the request and after
//! the server's commit, retry as the tablet does, and selpos is killed with SIGKILL and started
//! again mid-run. Half the registers send each sale alone (`POST /api/v1/sales`); the other
//! half queue a few sales, as a till does while the Wi-Fi is down, and send the queue in
//! batches (`POST /api/v1/sales/batch`), keeping each sale until its own answer. Afterwards every sale a register made is recorded exactly once, receipt
//! numbers have no gaps, every stock level equals its movements, and every acknowledged sale
//! survived. On PostgreSQL it also runs as the council's server does: two instances behind the
//! proxy (which balances them), one killed mid-run, and PostgreSQL itself crashed and started
//! again (its own cluster, so the other tests do not notice). Seeded (`SELPOS_CHAOS_SEED`) and
//! bounded in time.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use selpos_domain::sales::SaleInput;
use selpos_domain::sync::{BatchOutcome, Outcome, backoff_ms, batch_outcome, outcome};
use selpos_tests::chaos::{ChaosProxy, SelposProcess};
use selpos_tests::cluster::PrivateCluster;
use selpos_tests::load::Bazaar;
use selpos_tests::world::register_tablet;
use selpos_tests::{ADMIN_LOGIN, ADMIN_PASSWORD, ApiClient, POSTGRES_ENV, TestDatabase, TestServer};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const REGISTERS: usize = 4;
/// The last of the registers send their queue in batches.
const BATCH_REGISTERS: usize = 2;
/// A batch register rings up 1 to this many sales before it sends its queue.
const MAX_QUEUED: usize = 8;
const SALES_PER_REGISTER: usize = 30;
const DROP_BEFORE_REQUEST: f64 = 0.15;
const DROP_AFTER_ANSWER: f64 = 0.15;
/// The tablet waits 2 s, 4 s, … between passes; the test waits a hundredth of that.
const BACKOFF_SCALE: f64 = 0.01;
/// A sale sent from two tabs at once now and then.
const TWO_TABS: f64 = 0.1;
const TIME_LIMIT: Duration = Duration::from_secs(180);

fn seed() -> u64 {
    std::env::var("SELPOS_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_129)
}

/// What happens at evenly spread points of a run, while sales are in flight.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// SIGKILL to instance n, started again 200 ms later.
    Kill(usize),
    /// PostgreSQL stopped at once (`pg_ctl stop -m immediate`, as a crash) and started again.
    CrashPostgres,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    chaos(TestDatabase::sqlite(), 1, &[Fault::Kill(0), Fault::Kill(0)], None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    chaos(database, 1, &[Fault::Kill(0), Fault::Kill(0)], None).await;
}

/// The council's server: two instances on one PostgreSQL, one of them killed, and PostgreSQL
/// crashed, mid-run.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_instances() {
    if std::env::var(POSTGRES_ENV).is_err() {
        eprintln!("skipped on PostgreSQL: {POSTGRES_ENV} is not set");
        return;
    }
    let cluster = PrivateCluster::start();
    let database = TestDatabase::postgres_on(&cluster.admin_url()).await;
    let faults = [Fault::Kill(1), Fault::CrashPostgres, Fault::Kill(0)];
    chaos(database, 2, &faults, Some(&cluster)).await;
}
/// What the registers did: every sale they made, and what the server acknowledged.
#[derive(Default)]
struct Journal {
    generated: Vec<SaleInput>,
    /// Sale id → the receipt number the server answered.
    acknowledged: HashMap<uuid::Uuid, String>,
    /// Answers 200: a retry of a sale the server had recorded already.
    replays: usize,
    /// Of them, answered in a batch.
    batch_replays: usize,
    /// Batch requests sent (each try counts).
    batches: usize,
}

async fn chaos(database: TestDatabase, instances: usize, faults: &[Fault], cluster: Option<&PrivateCluster>) {
    let seed = seed();
    let kind = database.kind;
    println!("[{kind}] chaos seed {seed} (SELPOS_CHAOS_SEED to replay), {instances} instance(s), {faults:?}");

    // The bazaar and the test administrator, prepared in process; then selpos as processes.
    let server = TestServer::on(database, false).await;
    let bazaar = Arc::new(Bazaar::create(&server, REGISTERS, 1).await);
    let database = server.release().await;
    let mut selpos = Vec::new();
    for _ in 0..instances {
        selpos.push(SelposProcess::start(&database.url).await);
    }
    let upstreams = selpos.iter().map(|s| s.addr).collect();
    let proxy = ChaosProxy::balancing(upstreams, seed, DROP_BEFORE_REQUEST, DROP_AFTER_ANSWER).await;
    let mut tills = Vec::new();
    for &register in &bazaar.registers {
        let mut till = ApiClient::with_client(&proxy.url(), kind, tablet_client());
        register_tablet(&mut till, register, &format!("tablet {register}")).await;
        tills.push((register, till));
    }
    proxy.set_faults(true);

    let journal: Arc<Mutex<Journal>> = Arc::default();
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let run = async {
        let mut registers = Vec::new();
        for (n, (register, till)) in tills.into_iter().enumerate() {
            let (bazaar, journal, acknowledged) = (bazaar.clone(), journal.clone(), acknowledged.clone());
            registers.push(tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(seed.wrapping_add(n as u64 + 1));
                if n >= REGISTERS - BATCH_REGISTERS {
                    sell_in_batches(&till, register, &bazaar, &journal, &acknowledged, &mut rng).await;
                    return;
                }
                for _ in 0..SALES_PER_REGISTER {
                    let sale = bazaar.basket(&mut rng, register);
                    journal.lock().expect("journal").generated.push(sale.clone());
                    let answers = if rng.random_bool(TWO_TABS) {
                        let (mut tab_a, mut tab_b) = (
                            StdRng::seed_from_u64(rng.random()),
                            StdRng::seed_from_u64(rng.random()),
                        );
                        let (a, b) = tokio::join!(
                            send_until_recorded(&till, &sale, &mut tab_a),
                            send_until_recorded(&till, &sale, &mut tab_b)
                        );
                        assert_eq!(a.1, b.1, "two tabs got different receipts for one sale");
                        vec![a, b]
                    } else {
                        vec![send_until_recorded(&till, &sale, &mut rng).await]
                    };
                    let mut journal = journal.lock().expect("journal");
                    for (status, receipt) in answers {
                        journal.replays += usize::from(status == StatusCode::OK);
                        journal.acknowledged.insert(sale.id, receipt);
                    }
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        // The faults at evenly spread points of the run, while sales are in flight.
        let total = REGISTERS * SALES_PER_REGISTER;
        for (k, fault) in faults.iter().enumerate() {
            while acknowledged.load(Ordering::Relaxed) < (k + 1) * total / (faults.len() + 1) {
                if registers.iter().all(|r| r.is_finished()) {
                    break; // a register failed: its panic is reported below
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            match *fault {
                Fault::Kill(n) => {
                    selpos[n].kill().await;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    selpos[n].restart().await;
                }
                Fault::CrashPostgres => {
                    let cluster = cluster.expect("a cluster of the test's own to crash");
                    cluster.crash_and_restart(Duration::from_millis(300)).await;
                }
            }
        }
        for register in registers {
            register.await.expect("a register failed");
        }
    };
    if tokio::time::timeout(TIME_LIMIT, run).await.is_err() {
        let logs: Vec<String> = selpos.iter().map(SelposProcess::log_text).collect();
        panic!(
            "[{kind}] seed {seed}: the run did not finish within {TIME_LIMIT:?}; proxy: {}; selpos logs:\n{}",
            proxy.stats.summary(),
            logs.join("\n---\n")
        );
    }
    proxy.set_faults(false);
    // Acknowledged means durable: one more SIGKILL of every instance before looking.
    for instance in &mut selpos {
        instance.kill().await;
        instance.restart().await;
    }

    let journal = std::mem::take(&mut *journal.lock().expect("journal"));
    let starts: usize = selpos.iter().map(|s| s.starts).sum();
    println!(
        "[{kind}] {} sales from {REGISTERS} registers ({BATCH_REGISTERS} in {} batches), {} replays answered 200 ({} in batches), {starts} starts of selpos; proxy: {}",
        journal.generated.len(),
        journal.batches,
        journal.replays,
        journal.batch_replays,
        proxy.stats.summary()
    );
    // The faults really happened.
    let kills = faults.iter().filter(|f| matches!(f, Fault::Kill(_))).count();
    assert_eq!(starts, 2 * instances + kills);
    assert!(proxy.stats.dropped_after_answer.load(Ordering::Relaxed) > 0);
    assert!(proxy.stats.dropped_before_request.load(Ordering::Relaxed) > 0);
    assert!(journal.replays > 0, "no retry of a committed sale happened");

    let db = selpos_server::db::Db::connect(&database.url)
        .await
        .expect("the database opens");
    assert_recorded_exactly_once(&db, &bazaar, &journal).await;
    let admin = ApiClient::signed_in(&selpos[0].url(), kind, ADMIN_LOGIN, ADMIN_PASSWORD).await;
    assert_stock_equals_movements(&db, &admin, &bazaar, &journal).await;
    db.close().await;
    for instance in &mut selpos {
        instance.kill().await;
    }
    database.drop_database().await;
}

/// A tablet's HTTP client: a new connection per request (so each meets the proxy's dice) and a
/// timeout, as the browser has.
fn tablet_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// POSTs `body` as a tablet does: the status and JSON of the answer, or `None` when none came
/// (the connection broke before or while it was read).
async fn post(till: &ApiClient, path: &str, body: &Value) -> Option<(StatusCode, Value)> {
    let response = till.builder(Method::POST, path).json(body).send().await.ok()?;
    let status = response.status();
    response.json::<Value>().await.ok().map(|json| (status, json))
}

/// Sends `sale` as the tablet's sync loop does: until the server says it is recorded, waiting
/// longer after each failure. Answers the final status and receipt number.
async fn send_until_recorded(till: &ApiClient, sale: &SaleInput, rng: &mut StdRng) -> (StatusCode, String) {
    let body = serde_json::to_value(sale).expect("json");
    let mut failures = 0;
    loop {
        let answer = post(till, "/api/v1/sales", &body).await;
        match outcome(answer.as_ref().map(|(status, _)| status.as_u16())) {
            Outcome::Done => {
                let (status, json) = answer.expect("an answer");
                let receipt = json["receipt_number"].as_str().expect("receipt number");
                return (status, receipt.to_string());
            }
            Outcome::Retry => {
                failures += 1;
                let wait = backoff_ms(failures, rng.random()) * BACKOFF_SCALE;
                tokio::time::sleep(Duration::from_millis(wait as u64)).await;
            }
            Outcome::Park | Outcome::SignIn => {
                panic!("[{}] sale {} refused: {answer:?}", till.kind, sale.id)
            }
        }
    }
}

/// A register that queues 1 to [`MAX_QUEUED`] sales at a time and sends its queue in batches,
/// now and then from two tabs at once, until every sale is recorded.
async fn sell_in_batches(
    till: &ApiClient,
    register: i64,
    bazaar: &Bazaar,
    journal: &Mutex<Journal>,
    acknowledged: &AtomicUsize,
    rng: &mut StdRng,
) {
    let mut made = 0;
    while made < SALES_PER_REGISTER {
        let queued: Vec<SaleInput> = (0..rng.random_range(1..=MAX_QUEUED).min(SALES_PER_REGISTER - made))
            .map(|_| bazaar.basket(rng, register))
            .collect();
        made += queued.len();
        journal
            .lock()
            .expect("journal")
            .generated
            .extend(queued.iter().cloned());
        let (answers, tries) = if rng.random_bool(TWO_TABS) {
            let (mut tab_a, mut tab_b) = (
                StdRng::seed_from_u64(rng.random()),
                StdRng::seed_from_u64(rng.random()),
            );
            let ((a, tries_a), (b, tries_b)) = tokio::join!(
                send_batches_until_recorded(till, &queued, &mut tab_a),
                send_batches_until_recorded(till, &queued, &mut tab_b)
            );
            let receipts =
                |answers: &[(StatusCode, String)]| answers.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>();
            assert_eq!(
                receipts(&a),
                receipts(&b),
                "two tabs got different receipts for one queue"
            );
            ([a, b].concat(), tries_a + tries_b)
        } else {
            send_batches_until_recorded(till, &queued, rng).await
        };
        let mut journal = journal.lock().expect("journal");
        journal.batches += tries;
        for (sale, (status, receipt)) in queued.iter().cycle().zip(answers) {
            journal.replays += usize::from(status == StatusCode::OK);
            journal.batch_replays += usize::from(status == StatusCode::OK);
            journal.acknowledged.insert(sale.id, receipt);
        }
        acknowledged.fetch_add(queued.len(), Ordering::Relaxed);
    }
}

/// Sends `queue` as the tablet's sync loop does: in one batch, then again with the sales that
/// are still waiting for their answer, waiting longer after each failure. Answers each sale's
/// status alone (201 recorded, 200 replay) and receipt number, in the queue's order, and the
/// number of requests it took.
async fn send_batches_until_recorded(
    till: &ApiClient,
    queue: &[SaleInput],
    rng: &mut StdRng,
) -> (Vec<(StatusCode, String)>, usize) {
    let mut answers: Vec<Option<(StatusCode, String)>> = vec![None; queue.len()];
    let mut failures = 0;
    for tries in 0.. {
        let waiting: Vec<usize> = (0..queue.len()).filter(|&i| answers[i].is_none()).collect();
        if waiting.is_empty() {
            return (answers.into_iter().flatten().collect(), tries);
        }
        let body = serde_json::json!({"sales": waiting.iter().map(|&i| &queue[i]).collect::<Vec<_>>()});
        let answer = post(till, "/api/v1/sales/batch", &body).await;
        let mut retry = false;
        match batch_outcome(answer.as_ref().map(|(status, _)| status.as_u16())) {
            BatchOutcome::Answered => {
                let (_, json) = answer.as_ref().expect("an answer");
                let results = json["results"].as_array().expect("results");
                assert_eq!(results.len(), waiting.len(), "one result per sale: {json}");
                for (&i, result) in waiting.iter().zip(results) {
                    assert_eq!(result["id"], serde_json::json!(queue[i].id), "{result}");
                    let status = result["http_status"].as_u64().and_then(|s| u16::try_from(s).ok());
                    match outcome(status) {
                        Outcome::Done => {
                            let receipt = result["sale"]["receipt_number"].as_str().expect("receipt number");
                            let status = StatusCode::from_u16(status.unwrap_or_default()).expect("status");
                            answers[i] = Some((status, receipt.to_string()));
                        }
                        Outcome::Retry => retry = true,
                        Outcome::Park | Outcome::SignIn => {
                            panic!("[{}] sale {} refused: {result}", till.kind, queue[i].id)
                        }
                    }
                }
            }
            BatchOutcome::Retry => retry = true,
            BatchOutcome::OneByOne | BatchOutcome::SignIn => {
                panic!("[{}] batch refused: {answer:?}", till.kind)
            }
        }
        if retry {
            failures += 1;
            let wait = backoff_ms(failures, rng.random()) * BACKOFF_SCALE;
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
    }
    unreachable!("the sales were sent until recorded")
}

/// Every generated sale is in the journal once, with its lines and one stock movement per
/// line; nothing else is; receipt numbers run 1..=n per register; acknowledged receipts hold.
async fn assert_recorded_exactly_once(db: &selpos_server::db::Db, bazaar: &Bazaar, journal: &Journal) {
    let sales: Vec<(String, i64, i64, String)> = selpos_server::on_db!(db, |pool| {
        sqlx::query_as("SELECT id, register_id, receipt_no, receipt_number FROM sales WHERE event_id = $1")
            .bind(bazaar.event_id)
            .fetch_all(pool)
            .await
    })
    .expect("sales");
    let recorded: HashMap<uuid::Uuid, (i64, i64, String)> = sales
        .into_iter()
        .map(|(id, register, no, number)| (id.parse().expect("uuid"), (register, no, number)))
        .collect();
    assert_eq!(recorded.len(), journal.generated.len(), "sales recorded vs made");
    for sale in &journal.generated {
        let (_, _, number) = recorded
            .get(&sale.id)
            .unwrap_or_else(|| panic!("sale {} was made but is not recorded", sale.id));
        assert_eq!(
            journal.acknowledged.get(&sale.id),
            Some(number),
            "acknowledged receipt of {}",
            sale.id
        );
    }
    for &register in &bazaar.registers {
        let mut numbers: Vec<i64> = recorded
            .values()
            .filter(|(r, _, _)| *r == register)
            .map(|(_, no, _)| *no)
            .collect();
        numbers.sort_unstable();
        let expected: Vec<i64> = (1..=numbers.len() as i64).collect();
        assert_eq!(numbers, expected, "receipt numbers of register {register}");
    }

    let lines: Vec<(String, i64, i64, i64)> = selpos_server::on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT l.sale_id, l.line_no, l.product_id, l.quantity FROM sale_lines l
             JOIN sales s ON s.id = l.sale_id WHERE s.event_id = $1",
        )
        .bind(bazaar.event_id)
        .fetch_all(pool)
        .await
    })
    .expect("lines");
    let movements: Vec<(String, i64, i64)> = selpos_server::on_db!(db, |pool| {
        sqlx::query_as("SELECT sale_id, product_id, quantity FROM stock_movements WHERE event_id = $1")
            .bind(bazaar.event_id)
            .fetch_all(pool)
            .await
    })
    .expect("movements");
    let made_lines: usize = journal.generated.iter().map(|s| s.lines.len()).sum();
    assert_eq!(lines.len(), made_lines, "sale lines recorded vs made");
    assert_eq!(movements.len(), made_lines, "one stock movement per line");
    let mut by_sale: HashMap<&str, BTreeMap<i64, (i64, i64)>> = HashMap::new();
    for (sale, line_no, product, quantity) in &lines {
        by_sale
            .entry(sale.as_str())
            .or_default()
            .insert(*line_no, (*product, *quantity));
    }
    for sale in &journal.generated {
        let id = sale.id.to_string();
        let made: Vec<(i64, i64)> = sale.lines.iter().map(|l| (l.product_id, l.quantity)).collect();
        let stored: Vec<(i64, i64)> = by_sale
            .get(id.as_str())
            .map(|lines| lines.values().copied().collect())
            .unwrap_or_default();
        assert_eq!(stored, made, "lines of sale {id}");
    }
}

/// The stock the API shows for every product equals the sum of its movements, which equals
/// minus what the registers sold of it.
async fn assert_stock_equals_movements(
    db: &selpos_server::db::Db,
    admin: &ApiClient,
    bazaar: &Bazaar,
    journal: &Journal,
) {
    let mut sold: HashMap<i64, i64> = HashMap::new();
    for line in journal.generated.iter().flat_map(|s| &s.lines) {
        *sold.entry(line.product_id).or_default() += line.quantity;
    }
    let stock = admin
        .get_ok(&format!("/api/v1/events/{}/stock", bazaar.event_id))
        .await;
    let mut tx = db.read().await.expect("tx");
    for product in bazaar.products.iter().flatten().map(|(id, _)| *id) {
        let movements = selpos_server::db::sales::stock_at_event(&mut tx, product, bazaar.event_id)
            .await
            .expect("sum of movements");
        let sold = sold.get(&product).copied().unwrap_or(0);
        assert_eq!(movements, -sold, "movements of product {product}");
        let shown = stock["products"]
            .as_array()
            .expect("products")
            .iter()
            .find(|p| p["product_id"] == product);
        match shown {
            Some(p) => {
                assert_eq!(p["on_hand"].as_i64(), Some(movements), "{p}");
                assert_eq!(p["sold"].as_i64(), Some(sold), "{p}");
            }
            None => assert_eq!(sold, 0, "product {product} sold but not in the stock view"),
        }
    }
}
