//! Reads for reports — stock, live sales, dashboards, settlements, wages, lists — go through a
//! gate: at most half the machine's cores' worth of them run at once (one on a 2-core laptop).
//! Twenty people refreshing those pages would otherwise hold every pooled connection and every
//! core, and a till's sale would wait behind them for its own read or its turn to write.
//! A report waits for the gate instead; the tills never do.
//!
//! On SQLite the reports also read on connections of their own, whose threads (SQLite runs a
//! query on its connection's thread) run at nice 10: when a sale and a report both want a core,
//! the sale gets it. (On PostgreSQL a query runs in the server's process, out of our reach.)

use super::Tx;
use sqlx::postgres::PgPool;
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A read transaction holding a place at the gate until it ends.
pub struct Report {
    tx: Tx,
    _place: OwnedSemaphorePermit,
}

impl Report {
    pub(super) fn new(tx: Tx, place: OwnedSemaphorePermit) -> Report {
        Report { tx, _place: place }
    }
}

impl Deref for Report {
    type Target = Tx;

    fn deref(&self) -> &Tx {
        &self.tx
    }
}

impl DerefMut for Report {
    fn deref_mut(&mut self) -> &mut Tx {
        &mut self.tx
    }
}

/// The gate of one database.
pub struct Gate {
    places: Arc<Semaphore>,
    size: AtomicUsize,
}

impl Gate {
    fn new(size: usize) -> Gate {
        Gate {
            places: Arc::new(Semaphore::new(size)),
            size: AtomicUsize::new(size),
        }
    }

    pub(super) async fn enter(&self) -> OwnedSemaphorePermit {
        // The semaphore is never closed.
        self.places
            .clone()
            .acquire_owned()
            .await
            .unwrap_or_else(|_| unreachable!("the report gate is never closed"))
    }

    /// Makes the gate `size` wide (at least 1). Places taken now stay taken; narrowing takes
    /// effect as they are given back.
    pub fn resize(&self, size: usize) {
        let size = size.max(1);
        let before = self.size.swap(size, Ordering::SeqCst);
        if size > before {
            self.places.add_permits(size - before);
        } else if before > size {
            let mut left = before - size;
            while left > 0 {
                let forgotten = self.places.forget_permits(left);
                if forgotten == 0 {
                    break;
                }
                left -= forgotten;
            }
        }
    }
}

/// Reports run at once by default: half the cores, at least one.
pub fn default_width() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

fn gate(key: String) -> Arc<Gate> {
    static GATES: LazyLock<Mutex<HashMap<String, Arc<Gate>>>> = LazyLock::new(Default::default);
    GATES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(key)
        .or_insert_with(|| Arc::new(Gate::new(default_width())))
        .clone()
}

/// The gate of the SQLite file behind `pool`.
pub fn sqlite_gate(pool: &SqlitePool) -> Arc<Gate> {
    gate(format!(
        "sqlite:{}",
        pool.connect_options().get_filename().display()
    ))
}

/// The gate of the PostgreSQL database behind `pool` (instances of selpos on one database
/// each have their own).
pub fn postgres_gate(pool: &PgPool) -> Arc<Gate> {
    let options = pool.connect_options();
    gate(format!(
        "postgres:{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default()
    ))
}

/// The report connection pools of the SQLite files this process has open.
fn sqlite_pools() -> &'static Mutex<HashMap<PathBuf, SqlitePool>> {
    static POOLS: LazyLock<Mutex<HashMap<PathBuf, SqlitePool>>> = LazyLock::new(Default::default);
    &POOLS
}

/// Report connections a SQLite file may have open (the gate decides how many read at once).
const MAX_REPORT_CONNECTIONS: u32 = 8;

/// The report connections of the SQLite file behind `pool`: the same options, opened as
/// needed, their threads at a lower priority.
pub fn sqlite_pool(pool: &SqlitePool) -> SqlitePool {
    let options = pool.connect_options();
    sqlite_pools()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(options.get_filename().to_path_buf())
        .or_insert_with(|| {
            let options = (*options).clone().thread_name(|n| format!("{REPORT_THREAD}-{n}"));
            SqlitePoolOptions::new()
                .max_connections(MAX_REPORT_CONNECTIONS)
                .after_connect(|_, _| {
                    Box::pin(async {
                        lower_report_threads();
                        Ok(())
                    })
                })
                .connect_lazy_with(options)
        })
        .clone()
}

/// Closes the report connections of the SQLite file behind `pool` (the database is closing).
pub async fn close_sqlite_pool(pool: &SqlitePool) {
    let file = pool.connect_options().get_filename().to_path_buf();
    let reports = sqlite_pools()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&file);
    if let Some(reports) = reports {
        reports.close().await;
    }
}

/// The name of report connections' threads (Linux shows its first 15 bytes).
const REPORT_THREAD: &str = "selpos-report";

/// A thread at nice 10 gets about a tenth of the CPU of one at nice 0 when both want it.
#[cfg(target_os = "linux")]
const REPORT_NICENESS: i32 = 10;

/// Nice 10 for every report connection's thread (Linux keeps a nice value per thread; a process
/// may always lower its own threads' priority). Best effort: where it cannot, reports run at
/// normal priority and the gate alone protects the tills.
fn lower_report_threads() {
    #[cfg(target_os = "linux")]
    {
        let Ok(threads) = std::fs::read_dir("/proc/self/task") else {
            return;
        };
        for thread in threads.flatten() {
            let is_report = std::fs::read_to_string(thread.path().join("comm"))
                .is_ok_and(|name| name.starts_with(REPORT_THREAD));
            let tid = thread
                .file_name()
                .to_str()
                .and_then(|tid| tid.parse().ok())
                .and_then(rustix::process::Pid::from_raw);
            if let (true, Some(tid)) = (is_report, tid)
                && let Err(error) = rustix::process::setpriority_process(Some(tid), REPORT_NICENESS)
            {
                tracing::warn!(%error, "could not lower the priority of a report thread");
            }
        }
    }
}
