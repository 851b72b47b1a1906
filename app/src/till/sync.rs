//! Sends the queued sales to the server, oldest first, whenever it can.
//!
//! One loop per page; passes run under the Web Lock `selpos-sync` (or, where the browser has
//! no Web Locks, an IndexedDB lease) so two tabs never send one queue at once — the server
//! would cope (it is idempotent on the sale's id), but receipt numbers would interleave.
//! A 2xx removes the sale; a 4xx parks it (保留) and the pass goes on with the next, so one
//! bad sale never blocks the others; no answer, 408, 429 or 5xx ends the pass and the loop
//! tries again later, waiting longer each time.

use super::browser;
use super::store::{self, Entry, Rejection};
use crate::api;
use leptos::prelude::*;
use selpos_domain::sync::{Outcome, backoff_ms, outcome};
use std::cell::Cell;

/// How a pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassEnd {
    /// The queue is empty.
    Idle,
    /// The server could not be reached (or answered 5xx): try again after a backoff.
    Retry,
    /// The session expired.
    SignedOut,
    /// Another tab is sending.
    Busy,
}

/// What the page shows about the queue and the connection.
#[derive(Clone, Copy)]
pub struct SyncState {
    /// The last request reached the server and the browser thinks it is online.
    pub online: RwSignal<bool>,
    pub queued: RwSignal<u32>,
    pub parked: RwSignal<Vec<Entry>>,
    /// The server answered 401: sales stay queued until the cashier signs in again.
    pub signed_out: RwSignal<bool>,
    /// IndexedDB failed: sales cannot be kept.
    pub storage_error: RwSignal<Option<String>>,
    /// The last sale the server accepted: (id, receipt number).
    pub last_sent: RwSignal<Option<(uuid::Uuid, String)>>,
    /// The last receipt that did not print: (sale id, receipt number, why), for 「もう一度印刷」.
    pub print_error: RwSignal<Option<(uuid::Uuid, String, String)>>,
}

impl SyncState {
    pub fn new() -> Self {
        SyncState {
            online: RwSignal::new(browser::browser_online()),
            queued: RwSignal::new(0),
            parked: RwSignal::new(Vec::new()),
            signed_out: RwSignal::new(false),
            storage_error: RwSignal::new(None),
            last_sent: RwSignal::new(None),
            print_error: RwSignal::new(None),
        }
    }

    /// Re-reads the counts from storage.
    pub async fn refresh(self) {
        match (store::queued_count().await, store::parked().await) {
            (Ok(queued), Ok(parked)) => {
                self.queued.try_set(queued);
                self.parked.try_set(parked);
            }
            (Err(e), _) | (_, Err(e)) => {
                self.storage_error.try_set(Some(e.to_string()));
            }
        }
    }
}

impl Default for SyncState {
    fn default() -> Self {
        Self::new()
    }
}

/// Polling granularity of the loop; a woken loop starts its pass within this.
const TICK_MS: i32 = 200;
/// Even with nothing to do, look again now and then (another tab may have left sales).
const IDLE_RECHECK_MS: f64 = 15_000.0;
const LEASE_MS: f64 = 45_000.0;

thread_local! {
    /// Bumped to stop the running loop (the page went away).
    static GENERATION: Cell<u32> = const { Cell::new(0) };
    /// Set to start a pass at the next tick (a sale was just queued, the network came back).
    static WAKE: Cell<bool> = const { Cell::new(false) };
    /// This tab's name for the IndexedDB lease.
    static TAB_ID: String = uuid::Uuid::new_v4().to_string();
}

/// Asks the loop to send now.
pub fn wake() {
    WAKE.set(true);
}

/// Stops the loop of this page.
pub fn stop() {
    GENERATION.set(GENERATION.get().wrapping_add(1));
}

/// Starts the loop for this page (stopping any earlier one).
pub fn start(state: SyncState) {
    stop();
    let generation = GENERATION.get();
    wake();
    leptos::task::spawn_local(run(state, generation));
}

async fn run(state: SyncState, generation: u32) {
    let mut failures = 0;
    let mut next_at = 0.0;
    state.refresh().await;
    while GENERATION.get() == generation {
        if WAKE.replace(false) || browser::now_ms() >= next_at {
            let end = locked_pass(state).await;
            if GENERATION.get() != generation {
                return;
            }
            let now = browser::now_ms();
            next_at = match end {
                PassEnd::Idle => {
                    failures = 0;
                    now + IDLE_RECHECK_MS
                }
                PassEnd::Retry => {
                    failures += 1;
                    now + backoff_ms(failures, js_random())
                }
                PassEnd::SignedOut => now + 60_000.0,
                PassEnd::Busy => now + 5_000.0,
            };
            state.refresh().await;
        }
        browser::sleep(TICK_MS).await;
    }
}

fn js_random() -> f64 {
    #[cfg(feature = "browser")]
    {
        js_sys::Math::random()
    }
    #[cfg(not(feature = "browser"))]
    {
        0.5
    }
}

/// How many queued sales are read from storage at once. They are sent one by one and
/// forgotten together: a catch-up after an outage spends its time on the network, not on
/// storage transactions.
const CHUNK: u32 = 25;

/// Sends queued sales until the queue is empty or the server cannot take more.
async fn pass(state: SyncState) -> PassEnd {
    loop {
        let chunk = match store::next_queued(CHUNK).await {
            Ok(chunk) if chunk.is_empty() => return idle(state).await,
            Ok(chunk) => chunk,
            Err(e) => {
                state.storage_error.try_set(Some(e.to_string()));
                return PassEnd::Retry;
            }
        };
        let mut sent = Vec::with_capacity(chunk.len());
        let mut stopped = None;
        for entry in &chunk {
            match send(state, entry).await {
                Ok(true) => {
                    sent.push(entry.key);
                    // The count on screen goes down as the server takes them.
                    state.queued.try_update(|n| *n = n.saturating_sub(1));
                }
                Ok(false) => {}
                Err(end) => {
                    stopped = Some(end);
                    break;
                }
            }
        }
        // Should this fail the sales are sent again; the server answers them as replays.
        if let Err(e) = store::remove(&sent).await {
            state.storage_error.try_set(Some(e.to_string()));
            return PassEnd::Retry;
        }
        if let Some(end) = stopped {
            return end;
        }
        state.refresh().await;
    }
}

/// Sends one queued sale: `Ok(true)` when the server has it, `Ok(false)` when it refused it
/// (parked, where staff see it: the sales after it still go), or why the pass stops here.
async fn send(state: SyncState, entry: &store::Entry) -> Result<bool, PassEnd> {
    let answer = api::post_sale(&entry.stored.sale).await;
    let reached = answer.status.is_some();
    state.online.try_set(reached && browser::browser_online());
    match outcome(answer.status) {
        Outcome::Done => {
            state.signed_out.try_set(false);
            if let Ok(sale) = &answer.body {
                state
                    .last_sent
                    .try_set(Some((sale.id, sale.receipt_number.clone())));
                print_receipt(state, sale.id, sale.receipt_number.clone());
            }
            Ok(true)
        }
        Outcome::Park => {
            let failure = answer.body.err().unwrap_or_else(|| api::ApiFailure {
                code: "http".into(),
                message: String::new(),
                fields: vec![],
            });
            let rejection = Rejection {
                status: answer.status.unwrap_or_default(),
                message: rejection_message(&failure),
                code: failure.code,
            };
            match store::park(entry.key, rejection).await {
                Ok(()) => Ok(false),
                Err(e) => {
                    state.storage_error.try_set(Some(e.to_string()));
                    Err(PassEnd::Retry)
                }
            }
        }
        Outcome::SignIn => {
            state.signed_out.try_set(true);
            Err(PassEnd::SignedOut)
        }
        Outcome::Retry => Err(PassEnd::Retry),
    }
}

/// Prints the receipt of a recorded sale on the register's printer, off the sync loop so a
/// slow or switched-off printer never holds up the next sale. Sales made offline print here
/// once they reach the server. A register without a printer prints nothing.
pub fn print_receipt(state: SyncState, sale_id: uuid::Uuid, receipt_number: String) {
    leptos::task::spawn_local(async move {
        match api::print_receipt(&sale_id.to_string(), false).await {
            Ok(_) => {
                state.print_error.try_set(None);
            }
            Err(failure) if failure.code == "printer_not_configured" => {}
            Err(failure) => {
                state
                    .print_error
                    .try_set(Some((sale_id, receipt_number, failure.message)));
            }
        }
    });
}

/// The server's message with the per-field details, for the parked list.
fn rejection_message(failure: &api::ApiFailure) -> String {
    let mut message = failure.message.clone();
    for field in &failure.fields {
        message.push_str(&format!(" / {}", field.message));
    }
    message
}

/// Nothing to send: if the last attempt failed, check whether the server is back so the
/// status bar does not say offline for ever.
async fn idle(state: SyncState) -> PassEnd {
    if state.online.try_get_untracked() == Some(false) {
        let reached = api::session().await.is_ok() || !browser::browser_online();
        if !reached {
            return PassEnd::Retry;
        }
        state.online.try_set(browser::browser_online());
    }
    PassEnd::Idle
}

/// Runs a pass while holding the sync lock, or answers [`PassEnd::Busy`].
async fn locked_pass(state: SyncState) -> PassEnd {
    #[cfg(feature = "browser")]
    if let Some(locks) = browser::navigator_api("locks") {
        return with_web_lock(locks, state).await;
    }
    with_lease(state).await
}

/// `navigator.locks.request("selpos-sync", {ifAvailable: true}, cb)`: `cb` gets `null` when
/// another tab holds the lock; the lock is held until the promise `cb` returns settles.
#[cfg(feature = "browser")]
async fn with_web_lock(locks: wasm_bindgen::JsValue, state: SyncState) -> PassEnd {
    use js_sys::{Function, Object, Promise, Reflect};
    use std::rc::Rc;
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};
    const LOCK_NAME: &str = "selpos-sync";

    let result = Rc::new(Cell::new(PassEnd::Busy));
    let slot = result.clone();
    let callback = Closure::once_into_js(move |lock: JsValue| -> Promise {
        if lock.is_null() {
            return Promise::resolve(&JsValue::FALSE);
        }
        wasm_bindgen_futures::future_to_promise(async move {
            slot.set(pass(state).await);
            Ok(JsValue::TRUE)
        })
    });
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let request = Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    let Some(request) = request else {
        return with_lease(state).await;
    };
    match request
        .call3(&locks, &LOCK_NAME.into(), &options, &callback)
        .map(|p| p.dyn_into::<Promise>())
    {
        Ok(Ok(promise)) => {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            result.get()
        }
        _ => with_lease(state).await,
    }
}

/// Without Web Locks (plain http on the venue network): a lease in IndexedDB.
async fn with_lease(state: SyncState) -> PassEnd {
    let owner = TAB_ID.with(Clone::clone);
    match store::take_lease(&owner, browser::now_ms(), LEASE_MS).await {
        Ok(true) => {
            let end = pass(state).await;
            let _ = store::release_lease(&owner).await;
            end
        }
        Ok(false) => PassEnd::Busy,
        Err(e) => {
            state.storage_error.try_set(Some(e.to_string()));
            PassEnd::Retry
        }
    }
}
