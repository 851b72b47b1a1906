//! Sends the queued sales to the server, oldest first, whenever it can.
//!
//! One loop per page; passes run under the Web Lock `selpos-sync` (or, where the browser has
//! no Web Locks, an IndexedDB lease) so two tabs never send one queue at once — the server
//! would cope (it is idempotent on the sale's id), but receipt numbers would interleave.
//! Sales go in batches (`POST /api/v1/sales/batch`, up to [`BATCH`] at a time), each answered
//! on its own: a 2xx removes the sale; a 4xx parks it (保留), so one bad sale never blocks the
//! others; a 5xx keeps it queued. A sale leaves the queue only on its own answer: a batch
//! that gets no answer, 408, 429 or 5xx leaves every sale of it queued, and the loop tries
//! again later, waiting longer each time (the server answers what it recorded meanwhile as
//! replays). A server without the batch route (an older selpos) gets the sales one by one.

use super::browser;
use super::store::{self, Entry, Rejection};
use crate::api;
use leptos::prelude::*;
use selpos_domain::sales::Sale;
use selpos_domain::sales::batch::SaleBatchInput;
use selpos_domain::sync::{BatchOutcome, Outcome, backoff_ms, batch_outcome, outcome, prints_when_synced};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

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
    /// Receipts of sales caught up long after they were rung up, not printed by themselves
    /// ([`prints_when_synced`]).
    pub unprinted: RwSignal<u32>,
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
            unprinted: RwSignal::new(0),
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

/// Asks the loop to send now (at once: its nap is cut short).
pub fn wake() {
    WAKE.set(true);
    browser::end_nap();
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
        browser::nap(TICK_MS).await;
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

/// How many queued sales go in one batch: a catch-up of 1,000 sales is five requests, each
/// well within the server's 500 and the 20 s a request may take on a slow venue Wi-Fi.
const BATCH: u32 = 200;
/// At most about this much JSON in one batch (the server takes up to 2 MiB); a sale larger
/// than it goes in a batch of its own.
const BATCH_BYTES: usize = 1024 * 1024;

thread_local! {
    /// The server has no batch route (an older selpos answered 404 or 405): sales go one by
    /// one until the page is loaded again.
    static ONE_BY_ONE: Cell<bool> = const { Cell::new(false) };
}

/// Sends queued sales until the queue is empty or the server cannot take more.
async fn pass(state: SyncState) -> PassEnd {
    loop {
        let queued = match store::next_queued(BATCH).await {
            Ok(queued) if queued.is_empty() => return idle(state).await,
            Ok(queued) => queued,
            Err(e) => {
                state.storage_error.try_set(Some(e.to_string()));
                return PassEnd::Retry;
            }
        };
        let sent = if ONE_BY_ONE.get() {
            send_one_by_one(state, &queued).await
        } else {
            send_batch(state, &queued).await
        };
        if let Err(end) = sent {
            return end;
        }
        state.refresh().await;
    }
}

/// The oldest of `queued` that fit in one batch request (at least one).
fn batch_of(queued: &[Entry]) -> &[Entry] {
    let mut bytes = 0;
    let fit = queued
        .iter()
        .take_while(|entry| {
            bytes += serde_json::to_string(&entry.stored.sale).map_or(BATCH_BYTES, |json| json.len() + 1);
            bytes <= BATCH_BYTES
        })
        .count();
    &queued[..fit.max(1).min(queued.len())]
}

/// Sends the oldest queued sales in one request. Each sale is then forgotten, parked or kept by
/// its own result; `Err` says why the pass stops (every sale without an answer stays queued).
async fn send_batch(state: SyncState, queued: &[Entry]) -> Result<(), PassEnd> {
    let entries = batch_of(queued);
    let batch = SaleBatchInput {
        sales: entries.iter().map(|e| e.stored.sale.clone()).collect(),
    };
    let answer = api::post_sales(&batch).await;
    state
        .online
        .try_set(answer.status.is_some() && browser::browser_online());
    match batch_outcome(answer.status) {
        BatchOutcome::Answered => {}
        BatchOutcome::OneByOne => {
            if matches!(answer.status, Some(404 | 405)) {
                ONE_BY_ONE.set(true);
            }
            return send_one_by_one(state, entries).await;
        }
        BatchOutcome::SignIn => {
            state.signed_out.try_set(true);
            return Err(PassEnd::SignedOut);
        }
        BatchOutcome::Retry => return Err(PassEnd::Retry),
    }
    // An answer that does not match the batch sale for sale is no answer to any of them.
    let answers: Vec<api::Answer<Sale>> = match answer.body {
        Ok(answer)
            if answer.results.len() == entries.len()
                && answer
                    .results
                    .iter()
                    .zip(entries)
                    .all(|(r, e)| r.id == Some(e.stored.sale.id)) =>
        {
            match answer
                .results
                .into_iter()
                .map(api::Answer::of_reply)
                .collect::<Option<Vec<_>>>()
            {
                Some(answers) => answers,
                None => return Err(PassEnd::Retry),
            }
        }
        _ => return Err(PassEnd::Retry),
    };
    let mut sent = Vec::with_capacity(entries.len());
    let mut stopped = None;
    for (entry, answer) in entries.iter().zip(answers) {
        match settle(state, entry, answer).await {
            Ok(true) => sent.push(entry.key),
            Ok(false) => {}
            // The others have their answers already: settle them too, then stop.
            Err(end) => stopped = stopped.or(Some(end)),
        }
    }
    forget(state, &sent).await?;
    stopped.map_or(Ok(()), Err)
}

/// Sends queued sales one request each, oldest first, until one gets no answer.
async fn send_one_by_one(state: SyncState, entries: &[Entry]) -> Result<(), PassEnd> {
    let mut sent = Vec::with_capacity(entries.len());
    let mut stopped = None;
    for entry in entries {
        match settle(state, entry, api::post_sale(&entry.stored.sale).await).await {
            Ok(true) => sent.push(entry.key),
            Ok(false) => {}
            Err(end) => {
                stopped = Some(end);
                break;
            }
        }
    }
    forget(state, &sent).await?;
    stopped.map_or(Ok(()), Err)
}

/// Removes the sales the server has from the queue, in one transaction. Should this fail they
/// are sent again; the server answers them as replays.
async fn forget(state: SyncState, keys: &[f64]) -> Result<(), PassEnd> {
    if let Err(e) = store::remove(keys).await {
        state.storage_error.try_set(Some(e.to_string()));
        return Err(PassEnd::Retry);
    }
    // The count on screen goes down as the server takes them.
    state
        .queued
        .try_update(|n| *n = n.saturating_sub(keys.len() as u32));
    Ok(())
}

/// What the server's answer about one queued sale means for it: `Ok(true)` when the server has
/// it, `Ok(false)` when it refused it (parked, where staff see it: the sales after it still
/// go), or why the pass stops here.
async fn settle(state: SyncState, entry: &Entry, answer: api::Answer<Sale>) -> Result<bool, PassEnd> {
    state
        .online
        .try_set(answer.status.is_some() && browser::browser_online());
    match outcome(answer.status) {
        Outcome::Done => {
            state.signed_out.try_set(false);
            if let Ok(sale) = &answer.body {
                state
                    .last_sent
                    .try_set(Some((sale.id, sale.receipt_number.clone())));
                if prints_when_synced(entry.stored.sale.sold_at, browser::utc_now()) {
                    print_receipt(state, sale.id, sale.receipt_number.clone());
                } else {
                    state.unprinted.try_update(|n| *n += 1);
                }
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

thread_local! {
    /// Receipts waiting to print, oldest first, and whether they are being printed.
    static PRINTS: RefCell<VecDeque<(uuid::Uuid, String)>> = const { RefCell::new(VecDeque::new()) };
    static PRINTING: Cell<bool> = const { Cell::new(false) };
}

/// Prints the receipt of a recorded sale on the register's printer, off the sync loop so a
/// slow or switched-off printer never holds up the next sale. Sales made offline print here
/// once they reach the server, if that is soon enough for the customer to be there. Receipts print one at a time, oldest first (the printer takes
/// one job at a time anyway): a catch-up's hundreds of receipts never take the browser's few
/// connections to the server from the sync's own requests. A register without a printer
/// prints nothing.
pub fn print_receipt(state: SyncState, sale_id: uuid::Uuid, receipt_number: String) {
    PRINTS.with_borrow_mut(|jobs| jobs.push_back((sale_id, receipt_number)));
    if PRINTING.replace(true) {
        return;
    }
    leptos::task::spawn_local(async move {
        while let Some((sale_id, receipt_number)) = PRINTS.with_borrow_mut(VecDeque::pop_front) {
            match api::print_receipt(&sale_id.to_string(), false).await {
                Ok(_) => {
                    state.print_error.try_set(None);
                }
                // No printer at this register: none of the receipts waiting would print.
                Err(failure) if failure.code == "printer_not_configured" => {
                    PRINTS.with_borrow_mut(VecDeque::clear);
                }
                Err(failure) => {
                    state
                        .print_error
                        .try_set(Some((sale_id, receipt_number, failure.message)));
                }
            }
        }
        PRINTING.set(false);
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
