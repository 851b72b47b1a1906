//! Power loss: acknowledged means on disk. Registers sell over HTTP to a server whose SQLite
//! file lives on a simulated machine ([`LazyFs`]: every write stays in memory until SQLite
//! syncs it, as in the OS's page cache); the power is cut during a seeded random write, losing
//! every write not synced; the file is opened again from what reached the disk (its shared
//! memory, `-shm`, gone with the power). Every sale the
//! server acknowledged is there with its receipt number, receipt numbers have no gaps, stock
//! equals its movements, and the sales the tablets still hold, sent again, are recorded once.
//! Seeded (`SELPOS_POWER_LOSS_SEED` replays one run) and bounded in time.
//!
//! The simulation itself is checked too: a commit made with `synchronous = NORMAL` is lost by
//! a power cut (so this test would catch selpos going back to it). On PostgreSQL durability
//! is the server's own business; selpos must only never turn `synchronous_commit` off.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use selpos_domain::sales::SaleInput;
use selpos_lazyfs::LazyFs;
use selpos_server::db::Db;
use selpos_server::server;
use selpos_tests::load::Bazaar;
use selpos_tests::world::register_tablet;
use selpos_tests::{ADMIN_LOGIN, ADMIN_PASSWORD, ApiClient, TestDatabase, TestServer, on_each_database};
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const REGISTERS: usize = 4;
const SALES_PER_REGISTER: usize = 25;
/// Runs (seeds) per test: each cuts the power once.
const RUNS: u64 = 2;
const TIME_LIMIT: Duration = Duration::from_secs(40);
/// The power goes during one of this many writes after the chosen sale (a sale writes several
/// pages to the WAL, then syncs it).
const CUT_WITHIN_WRITES: u64 = 30;

fn seeds() -> Vec<u64> {
    match std::env::var("SELPOS_POWER_LOSS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => vec![seed],
        None => (0..RUNS).map(|n| 20_261_128 + n).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_sales_survive_a_power_cut() {
    let started = Instant::now();
    for seed in seeds() {
        tokio::time::timeout(TIME_LIMIT, power_cut(seed))
            .await
            .unwrap_or_else(|_| panic!("seed {seed}: the run took over {TIME_LIMIT:?}"));
    }
    println!("power loss: {:?} in all", started.elapsed());
}

/// What the tablets hold after the cut.
#[derive(Default)]
struct Journal {
    /// Sale → the receipt number the server answered (201).
    acknowledged: HashMap<uuid::Uuid, String>,
    /// Every sale made, acknowledged or not.
    made: Vec<SaleInput>,
    /// Sales still in a tablet's queue: the answer was an error (the power had gone).
    pending: Vec<SaleInput>,
}

async fn power_cut(seed: u64) {
    println!("power loss seed {seed} (SELPOS_POWER_LOSS_SEED to replay)");
    let mut rng = StdRng::seed_from_u64(seed);
    // The bazaar was prepared the day before, on the ordinary disk.
    let server = TestServer::on(TestDatabase::sqlite(), false).await;
    let bazaar = Arc::new(Bazaar::create(&server, REGISTERS, 1).await);
    let database = server.release().await;
    let file = sqlite_file(&database.url);

    // Selling day: the same file through the machine whose power will go.
    let disk = LazyFs::new();
    let lazy_url = format!("{}?vfs={}", database.url, disk.name());
    let selpos = server::start(TestServer::config(lazy_url, false))
        .await
        .expect("selpos starts on the lazy disk");
    let mut tills = Vec::new();
    for &register in &bazaar.registers {
        let mut till = ApiClient::new(&selpos.url(), "sqlite");
        register_tablet(&mut till, register, &format!("tablet {register}")).await;
        tills.push((register, till));
    }

    let journal: Arc<Mutex<Journal>> = Arc::default();
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut registers = Vec::new();
    for (n, (register, till)) in tills.into_iter().enumerate() {
        let (bazaar, journal, acknowledged) = (bazaar.clone(), journal.clone(), acknowledged.clone());
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(n as u64 + 1));
        registers.push(tokio::spawn(async move {
            for _ in 0..SALES_PER_REGISTER {
                let sale = bazaar.basket(&mut rng, register);
                journal.lock().expect("journal").made.push(sale.clone());
                let answer = send(&till, &sale).await;
                let mut journal = journal.lock().expect("journal");
                match answer {
                    Some((StatusCode::CREATED, json)) => {
                        let receipt = json["receipt_number"].as_str().expect("receipt number");
                        journal.acknowledged.insert(sale.id, receipt.to_string());
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                    other => {
                        // Only the power cut may refuse a sale; the tablet keeps it.
                        assert!(
                            !disk.powered(),
                            "sale {} refused before the cut: {other:?}",
                            sale.id
                        );
                        journal.pending.push(sale);
                        return (register, till);
                    }
                }
            }
            (register, till)
        }));
    }

    // Cut the power after a random number of sales, during a random one of the next writes
    // to the files (so inside a commit, between its writes and its sync, or just before one),
    // with at least one sale per register still to come.
    let total = REGISTERS * SALES_PER_REGISTER;
    let cut_after = rng.random_range(REGISTERS..total - 2 * REGISTERS);
    while acknowledged.load(Ordering::SeqCst) < cut_after {
        assert!(
            !registers.iter().all(|r| r.is_finished()),
            "the registers stopped before the cut"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let cut_at_write = rng.random_range(1..=CUT_WITHIN_WRITES);
    disk.power_loss_at_write(cut_at_write);
    let mut tills = Vec::new();
    for register in registers {
        tills.push(register.await.expect("a register failed"));
    }
    selpos.stop().await.expect("selpos stops");
    all_closed(disk).await;
    assert!(disk.syncs() > 0, "the server never synced through the lazy disk");
    // Shared memory does not survive a power cut.
    if let Err(e) = std::fs::remove_file(with_suffix(&file, "-shm"))
        && e.kind() != std::io::ErrorKind::NotFound
    {
        panic!("removing the -shm file: {e}");
    }

    let journal = std::mem::take(&mut *journal.lock().expect("journal"));
    println!(
        "seed {seed}: power cut at write {cut_at_write} after sale {cut_after}: {} acknowledged, \
         {} in the tablets' queues, {} bytes not synced lost, {} syncs",
        journal.acknowledged.len(),
        journal.pending.len(),
        disk.lost_bytes(),
        disk.syncs()
    );
    assert!(
        !journal.pending.is_empty(),
        "the power went while the registers sold"
    );

    // The power is back: selpos starts on the file as it is on disk.
    let selpos = server::start(TestServer::config(database.url.clone(), false))
        .await
        .expect("selpos starts after the power cut");
    let recorded = recorded_sales(&selpos.db, bazaar.event_id).await;
    for (sale, receipt) in &journal.acknowledged {
        let found = recorded.get(sale).map(|(_, _, number)| number);
        assert_eq!(
            found,
            Some(receipt),
            "seed {seed}: sale {sale} was acknowledged with receipt {receipt} but is not on disk"
        );
    }
    assert_gap_free(&recorded, &bazaar.registers, "on disk after the cut");

    // The tablets send what they still hold (their sessions survived, cookies and all).
    for (_, till) in &mut tills {
        till.base = selpos.url();
    }
    for sale in &journal.pending {
        let till = &tills
            .iter()
            .find(|(register, _)| *register == sale.register_id)
            .expect("the sale's till")
            .1;
        let answer = send(till, sale).await;
        let status = answer.as_ref().map(|(status, _)| *status);
        assert!(
            matches!(status, Some(StatusCode::CREATED | StatusCode::OK)),
            "seed {seed}: the queued sale {} sent again: {answer:?}",
            sale.id
        );
    }
    let recorded = recorded_sales(&selpos.db, bazaar.event_id).await;
    let expected: Vec<&SaleInput> = journal
        .made
        .iter()
        .filter(|s| journal.acknowledged.contains_key(&s.id) || journal.pending.iter().any(|p| p.id == s.id))
        .collect();
    assert_eq!(
        recorded.len(),
        expected.len(),
        "seed {seed}: sales recorded vs acknowledged or queued"
    );
    assert_gap_free(&recorded, &bazaar.registers, "after the queues were sent");
    let admin = ApiClient::signed_in(&selpos.url(), "sqlite", ADMIN_LOGIN, ADMIN_PASSWORD).await;
    assert_lines_and_stock(&selpos.db, &admin, &bazaar, &expected).await;
    selpos.stop().await.expect("selpos stops");
}

/// Sends `sale` once from `till`: the status and body, or `None` when no answer came.
async fn send(till: &ApiClient, sale: &SaleInput) -> Option<(StatusCode, Value)> {
    let body = serde_json::to_value(sale).expect("json");
    let response = till
        .builder(Method::POST, "/api/v1/sales")
        .json(&body)
        .send()
        .await
        .ok()?;
    let status = response.status();
    Some((status, response.json().await.unwrap_or(Value::Null)))
}

/// Waits until every file of `disk` is closed: a connection dropped rather than closed closes
/// on its own thread, a moment later. (Reopening the file while one is open would share its
/// locks and shared memory, in this process.)
async fn all_closed(disk: LazyFs) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while disk.open_files() > 0 {
        assert!(
            Instant::now() < deadline,
            "{} files of the lazy disk still open",
            disk.open_files()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn sqlite_file(url: &str) -> PathBuf {
    SqliteConnectOptions::from_str(url)
        .expect("a SQLite URL")
        .get_filename()
        .to_path_buf()
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The event's sales: id → (register, receipt no, receipt number).
async fn recorded_sales(db: &Db, event: i64) -> HashMap<uuid::Uuid, (i64, i64, String)> {
    let sales: Vec<(String, i64, i64, String)> = selpos_server::on_db!(db, |pool| {
        sqlx::query_as("SELECT id, register_id, receipt_no, receipt_number FROM sales WHERE event_id = $1")
            .bind(event)
            .fetch_all(pool)
            .await
    })
    .expect("sales");
    sales
        .into_iter()
        .map(|(id, register, no, number)| (id.parse().expect("uuid"), (register, no, number)))
        .collect()
}

fn assert_gap_free(recorded: &HashMap<uuid::Uuid, (i64, i64, String)>, registers: &[i64], when: &str) {
    for &register in registers {
        let mut numbers: Vec<i64> = recorded
            .values()
            .filter(|(r, _, _)| *r == register)
            .map(|(_, no, _)| *no)
            .collect();
        numbers.sort_unstable();
        let expected: Vec<i64> = (1..=numbers.len() as i64).collect();
        assert_eq!(numbers, expected, "receipt numbers of register {register} {when}");
    }
}

/// Each sale has its lines as made and one stock movement per line; the stock the API shows
/// equals the movements, which equal minus what was sold.
async fn assert_lines_and_stock(db: &Db, admin: &ApiClient, bazaar: &Bazaar, sales: &[&SaleInput]) {
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
    let mut by_sale: HashMap<String, BTreeMap<i64, (i64, i64)>> = HashMap::new();
    for (sale, line_no, product, quantity) in lines {
        by_sale
            .entry(sale)
            .or_default()
            .insert(line_no, (product, quantity));
    }
    let movements: i64 = selpos_server::on_db!(db, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM stock_movements WHERE event_id = $1")
            .bind(bazaar.event_id)
            .fetch_one(pool)
            .await
    })
    .expect("movements");
    let mut sold: HashMap<i64, i64> = HashMap::new();
    for sale in sales {
        let made: Vec<(i64, i64)> = sale.lines.iter().map(|l| (l.product_id, l.quantity)).collect();
        let stored: Vec<(i64, i64)> = by_sale
            .get(&sale.id.to_string())
            .map(|lines| lines.values().copied().collect())
            .unwrap_or_default();
        assert_eq!(stored, made, "lines of sale {}", sale.id);
        for line in &sale.lines {
            *sold.entry(line.product_id).or_default() += line.quantity;
        }
    }
    let line_count: usize = sales.iter().map(|s| s.lines.len()).sum();
    assert_eq!(movements, line_count as i64, "one stock movement per line");
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
            Some(p) => assert_eq!(p["on_hand"].as_i64(), Some(movements), "{p}"),
            None => assert_eq!(sold, 0, "product {product} sold but not in the stock view"),
        }
    }
}

/// The simulation has teeth: commits SQLite did not sync are lost with the power, commits it
/// synced are not. (selpos's own setting is checked by the test above and the one below.)
#[tokio::test]
async fn the_lazy_disk_loses_what_was_not_synced() {
    let (kept, total) = commits_after_power_cut(SqliteSynchronous::Full).await;
    assert_eq!(kept, total, "FULL: every commit survives");
    let (kept, total) = commits_after_power_cut(SqliteSynchronous::Normal).await;
    assert!(
        kept < total,
        "NORMAL: {kept} of {total} commits survived; some should not"
    );
}

/// Commits `total` rows one by one in WAL mode with `synchronous` on a lazy disk, cuts the
/// power, and counts the rows found on disk afterwards.
async fn commits_after_power_cut(synchronous: SqliteSynchronous) -> (i64, i64) {
    const TOTAL: i64 = 40;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("lazy.db");
    let disk = LazyFs::new();
    let options = SqliteConnectOptions::new()
        .filename(&file)
        .vfs(disk.name().to_string())
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous);
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .expect("opens on the lazy disk");
    sqlx::query("CREATE TABLE sales (n INTEGER PRIMARY KEY)")
        .execute(&pool)
        .await
        .expect("table");
    // The table is on disk whatever the setting: a checkpoint syncs.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .expect("checkpoint");
    for n in 0..TOTAL {
        sqlx::query("INSERT INTO sales (n) VALUES ($1)")
            .bind(n)
            .execute(&pool)
            .await
            .expect("insert");
    }
    disk.power_loss();
    let after = sqlx::query("INSERT INTO sales (n) VALUES (-1)")
        .execute(&pool)
        .await;
    assert!(after.is_err(), "a write after the power cut fails");
    // (A connection returned to the pool while it closes stays idle in it until it is dropped.)
    pool.close().await;
    drop(pool);
    all_closed(disk).await;
    let _ = std::fs::remove_file(with_suffix(&file, "-shm"));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(&file))
        .await
        .expect("opens again");
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sales")
        .fetch_one(&pool)
        .await
        .expect("count");
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .expect("integrity");
    assert_eq!(integrity, "ok");
    pool.close().await;
    (kept, TOTAL)
}

/// selpos's own connections wait for the disk at each commit: SQLite in WAL mode with
/// `synchronous = FULL` (2), PostgreSQL with `synchronous_commit` on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_wait_for_the_disk() {
    on_each_database(false, |server| async move {
        match server.db() {
            Db::Sqlite(pool) => {
                // Every connection of the pool (three held at once are three connections).
                let mut held = Vec::new();
                for _ in 0..3 {
                    let mut conn = pool.acquire().await.expect("connection");
                    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
                        .fetch_one(&mut *conn)
                        .await
                        .expect("synchronous");
                    assert_eq!(synchronous, 2, "PRAGMA synchronous = FULL");
                    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
                        .fetch_one(&mut *conn)
                        .await
                        .expect("journal mode");
                    assert_eq!(journal, "wal");
                    held.push(conn);
                }
            }
            Db::Postgres(pool) => {
                let setting: String = sqlx::query_scalar("SHOW synchronous_commit")
                    .fetch_one(pool)
                    .await
                    .expect("synchronous_commit");
                assert_ne!(setting, "off", "synchronous_commit must not be off");
            }
        }
        server.stop().await;
    })
    .await;
}
