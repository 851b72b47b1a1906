//! Reads for reports — stock, live sales, dashboards, settlements, wages, lists — go through a
//! gate: at most half the machine's cores' worth of them run at once (one on a 2-core laptop).
//! Twenty people refreshing those pages would otherwise hold every pooled connection and every
//! core, and a till's sale would wait behind them for its own read or its turn to write.
//! A report waits for the gate instead; the tills never do.

use super::Tx;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
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
