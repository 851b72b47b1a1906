//! The tablet's durable storage (IndexedDB, database `selpos-register`):
//!
//! - `queue`: completed sales not yet accepted by the server, in the order they were made
//!   (auto-increment keys);
//! - `parked`: sales the server refused (4xx), kept under their queue key until someone looks
//!   at them: 保留 (要確認). Nothing is ever deleted except on the server's 2xx;
//! - `meta`: the local sale counter per register, the cached catalog, the sync lease.
//!
//! Values are JSON text, so what is stored is exactly what is sent.

use selpos_domain::Yen;
use selpos_domain::sales::{Catalog, SaleInput};
use serde::{Deserialize, Serialize};

/// A sale as it waits in the queue (or in the parked list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSale {
    pub sale: SaleInput,
    /// What the customer paid, for the lists on screen.
    pub total: Yen,
    /// Why the server refused it (parked sales only).
    #[serde(default)]
    pub rejection: Option<Rejection>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub status: u16,
    pub code: String,
    pub message: String,
}

/// A stored sale with its key, which orders the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: f64,
    pub stored: StoredSale,
}

/// Where a sale made on this tablet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whereabouts {
    Queued,
    Parked,
    /// Neither: the server has it.
    Sent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "端末の保存領域(IndexedDB)を使えません: {}", self.0)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// `{register_code}-L{n}`: the tablet's own number for its n-th sale on that register.
pub fn local_number(register_code: &str, n: u64) -> String {
    format!("{register_code}-L{n}")
}

fn counter_key(register_id: i64) -> String {
    format!("local-seq:{register_id}")
}

fn catalog_key(register_id: i64) -> String {
    format!("catalog:{register_id}")
}

const LEASE_KEY: &str = "sync-lease";

/// Who syncs the queue, when the browser has no Web Locks: a tab holds the lease until `until`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    pub owner: String,
    pub until: f64,
}

impl Lease {
    /// Whether `owner` may take the lease at `now`: it is free, expired or already theirs.
    pub fn may_take(current: Option<&Lease>, owner: &str, now: f64) -> bool {
        current.is_none_or(|l| l.owner == owner || l.until < now)
    }
}

#[cfg(feature = "browser")]
pub use idb_impl::*;

#[cfg(not(feature = "browser"))]
pub use server_stub::*;

#[cfg(feature = "browser")]
mod idb_impl {
    use super::*;
    use idb::{Database, Factory, ObjectStore, ObjectStoreParams, TransactionMode};
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsValue;

    const NAME: &str = "selpos-register";
    const VERSION: u32 = 1;
    const QUEUE: &str = "queue";
    const PARKED: &str = "parked";
    const META: &str = "meta";

    impl From<idb::Error> for StoreError {
        fn from(e: idb::Error) -> Self {
            // A failed operation may mean a closed connection: open afresh next time.
            DB.with_borrow_mut(|db| *db = None);
            StoreError(e.to_string())
        }
    }

    impl From<serde_json::Error> for StoreError {
        fn from(e: serde_json::Error) -> Self {
            StoreError(e.to_string())
        }
    }

    thread_local! {
        static DB: RefCell<Option<Rc<Database>>> = const { RefCell::new(None) };
    }

    async fn db() -> StoreResult<Rc<Database>> {
        if let Some(db) = DB.with_borrow(Clone::clone) {
            return Ok(db);
        }
        let mut request = Factory::new()?.open(NAME, Some(VERSION))?;
        request.on_upgrade_needed(|event| {
            use idb::DatabaseEvent;
            let Ok(db) = event.database() else { return };
            let existing = db.store_names();
            let mut params = ObjectStoreParams::new();
            for name in [QUEUE, PARKED, META] {
                if !existing.iter().any(|s| s == name) {
                    params.auto_increment(name == QUEUE);
                    let _ = db.create_object_store(name, params.clone());
                }
            }
        });
        let db = Rc::new(request.await?);
        DB.with_borrow_mut(|cached| *cached = Some(db.clone()));
        Ok(db)
    }

    fn text(value: &JsValue) -> StoreResult<String> {
        value
            .as_string()
            .ok_or_else(|| StoreError("unexpected value".into()))
    }

    async fn committed(tx: idb::Transaction) -> StoreResult<()> {
        if tx.commit()?.await?.is_committed() {
            Ok(())
        } else {
            Err(StoreError("transaction aborted".into()))
        }
    }

    /// Numbers the sale (`local_number`) and appends it to the queue, in one transaction:
    /// when this returns Ok the sale is on disk.
    pub async fn enqueue(mut sale: SaleInput, total: Yen, register_code: &str) -> StoreResult<StoredSale> {
        let db = db().await?;
        let tx = db.transaction(&[QUEUE, META], TransactionMode::ReadWrite)?;
        let meta = tx.object_store(META)?;
        let key = JsValue::from_str(&counter_key(sale.register_id));
        let n = meta
            .get(key.clone())?
            .await?
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0)
            + 1.0;
        meta.put(&JsValue::from_f64(n), Some(&key))?.await?;
        sale.local_number = local_number(register_code, n as u64);
        let stored = StoredSale {
            sale,
            total,
            rejection: None,
        };
        let json = serde_json::to_string(&stored)?;
        tx.object_store(QUEUE)?
            .add(&JsValue::from_str(&json), None)?
            .await?;
        committed(tx).await?;
        Ok(stored)
    }

    /// The oldest queued sales, at most `limit`.
    pub async fn next_queued(limit: u32) -> StoreResult<Vec<Entry>> {
        entries(QUEUE, Some(limit)).await
    }

    pub async fn queued_count() -> StoreResult<u32> {
        let db = db().await?;
        let tx = db.transaction(&[QUEUE], TransactionMode::ReadOnly)?;
        Ok(tx.object_store(QUEUE)?.count(None)?.await?)
    }

    /// Every parked sale, oldest first.
    pub async fn parked() -> StoreResult<Vec<Entry>> {
        entries(PARKED, None).await
    }

    /// Every queued sale, oldest first.
    pub async fn queued() -> StoreResult<Vec<Entry>> {
        entries(QUEUE, None).await
    }

    async fn entries(store: &str, limit: Option<u32>) -> StoreResult<Vec<Entry>> {
        let db = db().await?;
        let tx = db.transaction(&[store], TransactionMode::ReadOnly)?;
        let store = tx.object_store(store)?;
        let keys = store.get_all_keys(None, limit)?.await?;
        let values = store.get_all(None, limit)?.await?;
        keys.iter()
            .zip(&values)
            .map(|(key, value)| {
                Ok(Entry {
                    key: key.as_f64().unwrap_or_default(),
                    stored: serde_json::from_str(&text(value)?)?,
                })
            })
            .collect()
    }

    /// The server has these sales: forget them, in one transaction.
    pub async fn remove(keys: &[f64]) -> StoreResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let db = db().await?;
        let tx = db.transaction(&[QUEUE], TransactionMode::ReadWrite)?;
        let queue = tx.object_store(QUEUE)?;
        // Every delete is asked for first, then their answers awaited: one turn of the event
        // loop for them all, not one per sale (a catch-up forgets 200 at a time).
        let deletes = keys
            .iter()
            .map(|&key| queue.delete(JsValue::from_f64(key)))
            .collect::<Result<Vec<_>, _>>()?;
        for delete in deletes {
            delete.await?;
        }
        committed(tx).await
    }

    /// Moves a refused sale from the queue to the parked list, with the server's reason.
    pub async fn park(key: f64, rejection: Rejection) -> StoreResult<()> {
        move_entry(QUEUE, PARKED, key, Some(rejection)).await
    }

    /// Puts a parked sale back in the queue (after the problem was fixed on the server).
    pub async fn requeue(key: f64) -> StoreResult<()> {
        move_entry(PARKED, QUEUE, key, None).await
    }

    async fn move_entry(from: &str, to: &str, key: f64, rejection: Option<Rejection>) -> StoreResult<()> {
        let db = db().await?;
        let tx = db.transaction(&[from, to], TransactionMode::ReadWrite)?;
        let source = tx.object_store(from)?;
        let key = JsValue::from_f64(key);
        let Some(value) = source.get(key.clone())?.await? else {
            return Ok(());
        };
        let mut stored: StoredSale = serde_json::from_str(&text(&value)?)?;
        stored.rejection = rejection;
        let json = serde_json::to_string(&stored)?;
        tx.object_store(to)?
            .put(&JsValue::from_str(&json), Some(&key))?
            .await?;
        source.delete(key)?.await?;
        committed(tx).await
    }

    /// Where the sale with `id` is: still queued, parked, or sent.
    pub async fn whereabouts(id: uuid::Uuid) -> StoreResult<Whereabouts> {
        if queued().await?.iter().any(|e| e.stored.sale.id == id) {
            Ok(Whereabouts::Queued)
        } else if parked().await?.iter().any(|e| e.stored.sale.id == id) {
            Ok(Whereabouts::Parked)
        } else {
            Ok(Whereabouts::Sent)
        }
    }

    pub async fn save_catalog(catalog: &Catalog) -> StoreResult<()> {
        put_meta(
            &catalog_key(catalog.register.register_id),
            &serde_json::to_string(catalog)?,
        )
        .await
    }

    pub async fn load_catalog(register_id: i64) -> StoreResult<Option<Catalog>> {
        match get_meta(&catalog_key(register_id)).await? {
            Some(json) => Ok(serde_json::from_str(&json).ok()),
            None => Ok(None),
        }
    }

    async fn get_meta(key: &str) -> StoreResult<Option<String>> {
        let db = db().await?;
        let tx = db.transaction(&[META], TransactionMode::ReadOnly)?;
        let value = tx.object_store(META)?.get(JsValue::from_str(key))?.await?;
        Ok(value.and_then(|v| v.as_string()))
    }

    async fn put_meta(key: &str, value: &str) -> StoreResult<()> {
        let db = db().await?;
        let tx = db.transaction(&[META], TransactionMode::ReadWrite)?;
        tx.object_store(META)?
            .put(&JsValue::from_str(value), Some(&JsValue::from_str(key)))?
            .await?;
        committed(tx).await
    }

    /// Takes or extends the sync lease for `owner` until `now + ttl_ms`, unless another tab
    /// holds a live one (read and write in one transaction, so two tabs cannot both win).
    pub async fn take_lease(owner: &str, now: f64, ttl_ms: f64) -> StoreResult<bool> {
        let db = db().await?;
        let tx = db.transaction(&[META], TransactionMode::ReadWrite)?;
        let meta = tx.object_store(META)?;
        let key = JsValue::from_str(LEASE_KEY);
        let current = lease_in(&meta, &key).await?;
        if !Lease::may_take(current.as_ref(), owner, now) {
            return Ok(false);
        }
        let lease = Lease {
            owner: owner.to_string(),
            until: now + ttl_ms,
        };
        meta.put(&JsValue::from_str(&serde_json::to_string(&lease)?), Some(&key))?
            .await?;
        committed(tx).await?;
        Ok(true)
    }

    /// Gives the lease back, if `owner` holds it.
    pub async fn release_lease(owner: &str) -> StoreResult<()> {
        let db = db().await?;
        let tx = db.transaction(&[META], TransactionMode::ReadWrite)?;
        let meta = tx.object_store(META)?;
        let key = JsValue::from_str(LEASE_KEY);
        if lease_in(&meta, &key).await?.is_some_and(|l| l.owner == owner) {
            meta.delete(key)?.await?;
        }
        committed(tx).await
    }

    /// The lease kept under `key` in `meta`, read in the caller's transaction (unreadable: none).
    async fn lease_in(meta: &ObjectStore, key: &JsValue) -> StoreResult<Option<Lease>> {
        Ok(meta
            .get(key.clone())?
            .await?
            .and_then(|v| v.as_string())
            .and_then(|json| serde_json::from_str(&json).ok()))
    }
}

/// On the server nothing is stored; the till only runs in the browser.
#[cfg(not(feature = "browser"))]
mod server_stub {
    use super::*;

    fn none<T>() -> StoreResult<T> {
        Err(StoreError("not in a browser".into()))
    }

    pub async fn enqueue(_sale: SaleInput, _total: Yen, _register_code: &str) -> StoreResult<StoredSale> {
        none()
    }
    pub async fn next_queued(_limit: u32) -> StoreResult<Vec<Entry>> {
        Ok(vec![])
    }
    pub async fn queued_count() -> StoreResult<u32> {
        Ok(0)
    }
    pub async fn parked() -> StoreResult<Vec<Entry>> {
        Ok(vec![])
    }
    pub async fn queued() -> StoreResult<Vec<Entry>> {
        Ok(vec![])
    }
    pub async fn remove(_keys: &[f64]) -> StoreResult<()> {
        none()
    }
    pub async fn park(_key: f64, _rejection: Rejection) -> StoreResult<()> {
        none()
    }
    pub async fn requeue(_key: f64) -> StoreResult<()> {
        none()
    }
    pub async fn whereabouts(_id: uuid::Uuid) -> StoreResult<Whereabouts> {
        none()
    }
    pub async fn save_catalog(_catalog: &Catalog) -> StoreResult<()> {
        Ok(())
    }
    pub async fn load_catalog(register_id: i64) -> StoreResult<Option<Catalog>> {
        let _ = catalog_key(register_id);
        Ok(None)
    }
    pub async fn take_lease(owner: &str, now: f64, _ttl_ms: f64) -> StoreResult<bool> {
        let _ = (LEASE_KEY, counter_key(0));
        Ok(Lease::may_take(None, owner, now))
    }
    pub async fn release_lease(_owner: &str) -> StoreResult<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_numbers_name_the_register() {
        assert_eq!(local_number("R1", 7), "R1-L7");
    }

    #[test]
    fn a_lease_is_taken_when_free_expired_or_ours() {
        let held = Lease {
            owner: "tab-a".into(),
            until: 1000.0,
        };
        assert!(Lease::may_take(None, "tab-b", 0.0));
        assert!(!Lease::may_take(Some(&held), "tab-b", 999.0));
        assert!(Lease::may_take(Some(&held), "tab-b", 1001.0));
        assert!(Lease::may_take(Some(&held), "tab-a", 10.0));
    }

    #[test]
    fn stored_sales_read_back_without_a_rejection() {
        let json = r#"{"sale":{"id":"01890000-0000-7000-8000-000000000000","register_id":1,
            "local_number":"R1-L1","sold_at":"2026-05-01T01:00:00Z","lines":[],"tenders":[]},"total":0}"#;
        let stored: StoredSale = serde_json::from_str(json).expect("parses");
        assert_eq!(stored.rejection, None);
        assert_eq!(stored.sale.local_number, "R1-L1");
    }
}
