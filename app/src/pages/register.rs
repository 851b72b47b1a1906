//! レジ: the till. Products on the left (touch grid, search, barcode), the cart and payment on
//! the right; a portrait tablet stacks them. A cash sale of three items is four taps: three
//! products and 「現金 ちょうど」.
//!
//! A completed sale goes to the tablet's storage first and to the server after (see
//! [`crate::till`]), so the till keeps selling when the venue's Wi-Fi drops.

use crate::api;
use crate::i18n::{Lang, pick, use_language};
use crate::session::CurrentSession;
use crate::t;
use crate::till::barcode::Wedge;
use crate::till::browser;
use crate::till::cart::{
    self, PaymentProgress, add_tender, change_with, find_by_code, group, parse_discount, pay_exact,
    remaining, sale_lines,
};
use crate::till::store::{self, Whereabouts};
use crate::till::sync::{self, SyncState};
use leptos::prelude::*;
use selpos_domain::Yen;
use selpos_domain::approvals::{ApprovalAction, ApprovalInput};
use selpos_domain::events::{EventState, RegisterRef};
use selpos_domain::register_sessions::RegisterState;
use selpos_domain::sales::cart::{CartError, CartLine, CartTotals, Discount, cart_totals};
use selpos_domain::sales::payment::{Payment, PaymentError, Tender, TenderKind};
use selpos_domain::sales::{Catalog, CatalogItem, SaleInput, VoidInput};
use selpos_domain::users::SessionInfo;
use serde::{Deserialize, Serialize};

/// The nav link to this page, shown when the tablet is signed in as a till.
#[component]
pub fn RegisterNavLink() -> impl IntoView {
    move || {
        crate::session::current()
            .and_then(|s| s.register)
            // A full load: the till comes with its own bundle.
            .map(|_| view! { <a href="/register" rel="external">{t!("レジ", "Till")}</a> })
    }
}

/// Where the register and cashier of the last online session are kept, so that the till
/// still opens when the page is loaded offline.
const REMEMBERED: &str = "selpos.register.session";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Remembered {
    register: RegisterRef,
    cashier: String,
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let session = use_context::<CurrentSession>();
    view! {
        <div class="till-page">
            {move || {
                let Some(CurrentSession(resource)) = session else {
                    return ().into_any();
                };
                match resource.get() {
                    None => view! { <p class="loading">"読み込み中…"</p> }.into_any(),
                    Some(Ok(info)) => signed_in(info),
                    // The server is out of reach: the till works on what this tablet kept.
                    Some(Err(failure)) if matches!(failure.code.as_str(), "network" | "http") => {
                        match browser::local_get(REMEMBERED).and_then(|j| serde_json::from_str::<Remembered>(&j).ok()) {
                            Some(r) => view! { <Till register=r.register cashier=r.cashier /> }.into_any(),
                            None => view! { <p class="banner error" role="alert">{failure.message}</p> }.into_any(),
                        }
                    }
                    Some(Err(_)) => view! { <NotATill signed_in=false council=false /> }.into_any(),
                }
            }}
        </div>
    }
}

fn signed_in(info: SessionInfo) -> AnyView {
    match info.register {
        Some(register) => {
            // Kept for a later page load without a network (see RegisterPage).
            let remembered = Remembered {
                register: register.clone(),
                cashier: info.user.display_name.clone(),
            };
            if let Ok(json) = serde_json::to_string(&remembered) {
                browser::local_set(REMEMBERED, &json);
            }
            view! { <Till register cashier=info.user.display_name /> }.into_any()
        }
        None => view! { <NotATill signed_in=true council=info.user.role.is_council() /> }.into_any(),
    }
}

/// Why this page cannot sell here, and where to go instead.
#[component]
fn NotATill(signed_in: bool, council: bool) -> impl IntoView {
    let queued = LocalResource::new(store::queued_count);
    view! {
        <h1>{t!("レジ", "Till")}</h1>
        <div class="banner error" role="alert" id="not-a-till">
            <p>{move || if signed_in {
                pick("この端末はレジとして使える状態ではありません。登録済みのタブレットで、レジ担当がPINでログインしてください。",
                     "This browser is not signed in as a till. Cashiers sign in with their PIN on a registered tablet.")
            } else {
                pick("ログインしていないか、ログインの有効期限が切れました。", "You are not signed in, or your session expired.")
            }}</p>
            <p><a href="/login?next=%2Fregister">{t!("レジ担当ログインへ", "Sign in as cashier")}</a></p>
            {council.then(|| view! {
                <p>
                    {t!("協議会の方は、「端末」画面でこのタブレットをイベントのレジとして登録してください: ",
                        "Council staff: register this tablet as a till of an event on the Tablets page: ")}
                    <a href="/devices">{t!("端末", "Tablets")}</a>
                </p>
            })}
        </div>
        {move || queued.get().and_then(Result::ok).filter(|n| *n > 0).map(|n| view! {
            <p class="banner warn">{move || match use_language().get() {
                Lang::Ja => format!("この端末に未送信の取引が {n}件 保存されています。ログインすると送信されます。"),
                Lang::En => format!("{n} unsent sales are kept on this tablet; they are sent once you sign in."),
            }}</p>
        })}
    }
}

/// A message above the cart: what just happened, or what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Notice {
    Info(String),
    Error(String),
}

/// The sale just made, for the change display and 直前の取引を取消.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Completed {
    id: uuid::Uuid,
    local_number: String,
    total: Yen,
    paid: Yen,
    change: Yen,
    /// The receipt number of the void, once voided.
    voided: Option<String>,
}

/// Everything the till's components share.
#[derive(Clone, Copy)]
struct TillState {
    register: StoredValue<RegisterRef>,
    catalog: RwSignal<Option<Catalog>>,
    lines: RwSignal<Vec<CartLine>>,
    tenders: RwSignal<Vec<Tender>>,
    totals: Memo<Result<CartTotals, CartError>>,
    notice: RwSignal<Option<Notice>>,
    last: RwSignal<Option<Completed>>,
    /// A sale is being written to storage: ignore further pay taps.
    paying: RwSignal<bool>,
    voiding: RwSignal<bool>,
    /// The cart line whose tools (discount, remove) are open.
    open_line: RwSignal<Option<usize>>,
    /// A manager's approval of this cart's discounts (a cashier's price override).
    price_approval: RwSignal<Option<uuid::Uuid>>,
    sync: SyncState,
}

fn use_till() -> TillState {
    expect_context::<TillState>()
}

impl TillState {
    fn voucher_gives_change(self) -> bool {
        self.catalog
            .with_untracked(|c| c.as_ref().is_some_and(|c| c.voucher_gives_change))
    }

    fn total(self) -> Option<Yen> {
        self.totals.with(|t| t.as_ref().ok().map(|t| t.total))
    }

    fn add(self, item: &CatalogItem) {
        // The sale just paid is still being written: a tap now would land in its cart.
        if self.paying.get_untracked() {
            return;
        }
        let Some(line) = self
            .catalog
            .with_untracked(|c| c.as_ref().map(|c| cart::line_for(c, item)))
        else {
            return;
        };
        let added = self
            .lines
            .try_update(|lines| cart::add(lines, line))
            .unwrap_or(false);
        self.notice.set((!added).then(|| {
            Notice::Error(format!(
                "「{}」はこれ以上追加できません（1行{}点まで）",
                item.name,
                selpos_domain::sales::cart::MAX_QUANTITY
            ))
        }));
    }

    /// A scanned or typed barcode.
    fn add_code(self, code: &str) {
        let found = self
            .catalog
            .with_untracked(|c| c.as_ref().and_then(|c| find_by_code(c, code).cloned()));
        match found {
            Some(item) => self.add(&item),
            None => self.notice.set(Some(Notice::Error(format!(
                "バーコード「{}」の商品は、このイベントの商品に登録されていません",
                code.trim()
            )))),
        }
    }

    /// Applies a tender button: more tenders to come, or the sale is complete.
    fn pay(self, step: Result<PaymentProgress, PaymentError>) {
        match step {
            Ok(PaymentProgress::Partial(tenders)) => {
                self.notice.set(None);
                self.tenders.set(tenders);
            }
            Ok(PaymentProgress::Complete(tenders, payment)) => self.complete(tenders, payment),
            Err(e) => self.notice.set(Some(Notice::Error(e.to_string()))),
        }
    }

    /// Writes the sale to the tablet's storage, then empties the cart for the next customer;
    /// the sync loop sends it. Nothing is shown as sold before it is on disk.
    fn complete(self, tenders: Vec<Tender>, payment: Payment) {
        if self.paying.get_untracked() {
            return;
        }
        let Some(total) = self.totals.with_untracked(|t| t.as_ref().ok().map(|t| t.total)) else {
            return;
        };
        let lines = self.lines.get_untracked();
        if lines.is_empty() {
            return;
        }
        let register = self.register.get_value();
        let sale = SaleInput {
            id: uuid::Uuid::now_v7(),
            register_id: register.register_id,
            // Numbered by the store, in the same transaction that keeps the sale.
            local_number: String::new(),
            sold_at: browser::utc_now(),
            lines: sale_lines(&lines),
            tenders,
            approval_id: self.price_approval.get_untracked(),
        };
        self.paying.set(true);
        leptos::task::spawn_local(async move {
            match store::enqueue(sale, total, &register.register_code).await {
                Ok(stored) => {
                    self.lines.try_set(Vec::new());
                    self.tenders.try_set(Vec::new());
                    self.price_approval.try_set(None);
                    self.open_line.try_set(None);
                    self.notice.try_set(None);
                    self.last.try_set(Some(Completed {
                        id: stored.sale.id,
                        local_number: stored.sale.local_number,
                        total,
                        paid: payment.paid,
                        change: payment.change,
                        voided: None,
                    }));
                    self.sync.queued.try_update(|n| *n += 1);
                    sync::wake();
                }
                Err(e) => {
                    self.notice.try_set(Some(Notice::Error(format!(
                        "会計を保存できませんでした。会計は完了していません。もう一度お試しください（{e}）"
                    ))));
                }
            }
            self.paying.try_set(false);
        });
    }

    fn clear(self) {
        self.lines.set(Vec::new());
        self.tenders.set(Vec::new());
        self.price_approval.set(None);
        self.open_line.set(None);
        self.notice.set(None);
    }
}

#[component]
fn Till(register: RegisterRef, cashier: String) -> impl IntoView {
    let register_id = register.register_id;
    let catalog: RwSignal<Option<Catalog>> = RwSignal::new(None);
    let lines: RwSignal<Vec<CartLine>> = RwSignal::new(Vec::new());
    let rounding = move || {
        catalog.with(|c| {
            c.as_ref()
                .map_or(selpos_domain::RoundingMode::Down, |c| c.tax_rounding)
        })
    };
    let till = TillState {
        register: StoredValue::new(register.clone()),
        catalog,
        lines,
        tenders: RwSignal::new(Vec::new()),
        totals: Memo::new(move |_| lines.with(|l| cart_totals(l, rounding()))),
        notice: RwSignal::new(None),
        last: RwSignal::new(None),
        paying: RwSignal::new(false),
        voiding: RwSignal::new(false),
        open_line: RwSignal::new(None),
        price_approval: RwSignal::new(None),
        sync: SyncState::new(),
    };
    provide_context(till);
    let catalog_error: RwSignal<Option<String>> = RwSignal::new(None);
    let persisted: RwSignal<Option<bool>> = RwSignal::new(Some(true));

    // Browser only: the catalog (cached first, then fresh), the sync loop, the service worker.
    Effect::new(move |_| {
        browser::register_service_worker();
        sync::start(till.sync);
        leptos::task::spawn_local(async move {
            persisted.try_set(browser::request_persistent_storage().await);
        });
        leptos::task::spawn_local(async move {
            if let Ok(Some(cached)) = store::load_catalog(register_id).await {
                catalog.try_set(Some(cached));
            }
            match api::register_catalog(register_id).await {
                Ok(fresh) => {
                    let _ = store::save_catalog(&fresh).await;
                    catalog.try_set(Some(fresh));
                    catalog_error.try_set(None);
                }
                Err(failure) => {
                    catalog_error.try_set(Some(failure.message));
                }
            }
        });
    });
    on_cleanup(sync::stop);
    listen_to_the_network(till.sync);
    listen_for_scanner(till);

    view! {
        <StatusBar register cashier persisted catalog_error />
        <SessionBrief register_id />
        <div class="till">
            <ProductPane />
            <CartPane />
        </div>
        <ParkedList />
        {move || till.voiding.get().then(|| view! { <VoidDialog /> })}
    }
}

/// How often the till asks whether its register is still open.
const SESSION_REFRESH_MS: u64 = 30_000;

/// Whether the register is open, asked of the server now and then (offline, the last answer
/// stays). Opening, payouts and the close are on `/register/session`: they need the server, so
/// that page comes with the whole app and the till's bundle stays small.
#[component]
fn SessionBrief(register_id: i64) -> impl IntoView {
    let state: RwSignal<Option<RegisterState>> = RwSignal::new(None);
    let tick = crate::components::refresh_every(SESSION_REFRESH_MS);
    Effect::new(move |_| {
        tick.track();
        leptos::task::spawn_local(async move {
            if let Ok(brief) = api::register_sessions::register_state(register_id).await {
                state.try_set(Some(brief.state));
            }
        });
    });
    move || {
        let (code, alert, text, action) = match state.get() {
            Some(RegisterState::Open) => (
                "open",
                false,
                pick("レジ開局中", "Register open"),
                pick("出金・レジ締め", "Pay out, close"),
            ),
            Some(RegisterState::Closed) => (
                "closed",
                true,
                pick(
                    "このレジは締め済みです。販売するにはレジを開けてください(締め後の売上は保留になります)",
                    "This register is closed: open it to sell (sales after the close are put on hold)",
                ),
                pick("レジ開け", "Open register"),
            ),
            Some(RegisterState::NeverOpened) => (
                "never_opened",
                true,
                pick("釣銭準備金が未入力です", "Float not entered yet"),
                pick("レジ開け", "Open register"),
            ),
            None => ("unknown", false, "", pick("レジ開け・締め", "Open, close")),
        };
        view! {
            <div class="register-session" id="register-session" data-state=code>
                <span class:alert=alert>{text}</span>
                <a class="button big" id="session-actions" href="/register/session" rel="external">{action}</a>
            </div>
        }
    }
}

/// `online` / `offline` events: show the change at once, and send as soon as the network is back.
fn listen_to_the_network(sync_state: SyncState) {
    browser::on_network_change(move |online| {
        sync_state.online.try_set(online);
        if online {
            sync::wake();
        }
    });
}

/// A keyboard-wedge scanner types the code and Enter anywhere on the page; text fields keep
/// their keys (the search box and the code field handle a code themselves).
fn listen_for_scanner(till: TillState) {
    let wedge = StoredValue::new(Wedge::default());
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if till.voiding.get_untracked() || typing_in_a_field(&ev) {
            return;
        }
        let code = wedge
            .try_update_value(|w| w.key(&ev.key(), browser::monotonic_ms()))
            .flatten();
        if let Some(code) = code {
            // Keep the Enter from also pressing the focused button (the last product tapped).
            ev.prevent_default();
            till.add_code(&code);
        }
    });
    on_cleanup(move || handle.remove());
}

fn typing_in_a_field(ev: &leptos::ev::KeyboardEvent) -> bool {
    #[cfg(feature = "browser")]
    {
        use wasm_bindgen::JsCast;
        ev.target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = ev;
        false
    }
}

/// "未送信 3件" / "Unsent 3".
fn count_label(ja: &'static str, en: &'static str, n: usize) -> String {
    match use_language().get() {
        Lang::Ja => format!("{ja} {n}件"),
        Lang::En => format!("{en} {n}"),
    }
}

#[component]
fn StatusBar(
    register: RegisterRef,
    cashier: String,
    persisted: RwSignal<Option<bool>>,
    catalog_error: RwSignal<Option<String>>,
) -> impl IntoView {
    let till = use_till();
    let sync = till.sync;
    let online = move || sync.online.get();
    // When the catalog was loaded, in Japan time (UTC+9 all year: no daylight saving).
    let loaded_at = move || {
        till.catalog.with(|c| {
            c.as_ref().map(|c| {
                (c.loaded_at + chrono::TimeDelta::hours(9))
                    .format("%H:%M")
                    .to_string()
            })
        })
    };
    view! {
        <div class="till-status" id="till-status" role="status">
            <span id="net-status" class="net" class:online=online class:offline=move || !online()>
                {move || if online() { pick("オンライン", "Online") } else { pick("オフライン", "Offline") }}
            </span>
            <span id="queued-count" class="count" class:pending=move || { sync.queued.get() > 0 }>
                {move || count_label("未送信", "Unsent", sync.queued.get() as usize)}
            </span>
            <span id="parked-count" class="count" class:alert=move || !sync.parked.with(Vec::is_empty)>
                {move || count_label("保留", "On hold", sync.parked.with(Vec::len))}
            </span>
            <span class="where">{format!("{} / {} ・ {}", register.event_name, register.register_name, cashier)}</span>
            {move || loaded_at().map(|at| view! {
                <span class="catalog-age">{move || pick("商品データ", "Catalog")} " " {at}</span>
            })}
            {move || till.catalog.with(|c| c.as_ref().map(|c| c.event_state)).filter(|s| *s != EventState::Open).map(|s| view! {
                <span class="alert">{move || pick("イベントの状態: ", "Event: ")} {s.label_ja()}</span>
            })}
            {move || sync.signed_out.get().then(|| view! {
                <a class="alert" href="/login?next=%2Fregister">
                    {t!("ログインの有効期限切れ: 再ログインしてください(未送信の取引は保存されています)",
                        "Session expired: sign in again (unsent sales are kept)")}
                </a>
            })}
            {move || sync.storage_error.get().map(|e| view! { <span class="alert">{e}</span> })}
            {move || sync.print_error.get().map(|(id, number, why)| view! {
                <span class="alert print-error" role="alert">
                    {format!("{number}: {why}")} " "
                    <button id="print-again" on:click=move |_| sync::print_receipt(sync, id, number.clone())>
                        {pick("もう一度印刷", "Print again")}
                    </button>
                </span>
            })}
            {move || catalog_error.get().filter(|_| till.catalog.with(Option::is_none)).map(|e| view! {
                <span class="alert">{move || pick("商品データを読み込めません: ", "Cannot load the catalog: ")} {e}</span>
            })}
            {move || (persisted.get() != Some(true)).then(|| view! {
                <span class="warn" id="storage-warning"
                    title=t!("ブラウザが保存領域の永続化を許可していません。未送信の取引がある間は、ブラウザのデータを消去しないでください",
                        "The browser did not grant persistent storage: do not clear browser data while sales are unsent")>
                    {t!("⚠ 保存領域が永続化されていません", "⚠ Storage not persistent")}
                </span>
            })}
        </div>
    }
}

#[component]
fn ProductPane() -> impl IntoView {
    let till = use_till();
    let search = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let submit_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = code.get_untracked();
        if !typed.trim().is_empty() {
            till.add_code(&typed);
        }
        code.set(String::new());
    };
    // A scanner typing into the search box: a number ending in Enter is a code, not a search.
    let search_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
            let typed = search.get_untracked();
            if cart::barcode_digits(&typed).is_some() {
                till.add_code(&typed);
                search.set(String::new());
            }
        }
    };
    let groups = move || till.catalog.with(|c| c.as_ref().map(|c| group(c, &search.get())));
    view! {
        <section class="till-products" aria-label="商品">
            <div class="till-find">
                <input type="search" name="search" class="search" bind:value=search on:keydown=search_key
                    placeholder=t!("商品名・ふりがなで検索", "Search by name or reading") />
                <form class="code-entry" on:submit=submit_code>
                    <input id="code-input" name="code" inputmode="numeric" autocomplete="off" bind:value=code
                        placeholder=t!("JANコード", "JAN code") />
                    <button type="submit">{t!("追加", "Add")}</button>
                </form>
            </div>
            {move || match groups() {
                None => view! { <p class="loading">{t!("商品データを読み込み中…", "Loading the catalog…")}</p> }.into_any(),
                Some(groups) if groups.is_empty() => view! {
                    <p class="empty">{t!("該当する商品はありません", "No products found")}</p>
                }.into_any(),
                Some(groups) => view! {
                    <div class="product-groups">
                        {groups.into_iter().map(|g| view! {
                            <div class="facility-group">
                                <h3>{format!("{} {}", g.facility.number, g.facility.name)}</h3>
                                <div class="categories">
                                    {g.categories.into_iter().map(|(category, items)| view! {
                                        <div class="category">
                                            <h4>{category}</h4>
                                            <div class="product-grid">
                                                {items.into_iter().map(|item| view! { <ProductButton item /> }).collect_view()}
                                            </div>
                                        </div>
                                    }).collect_view()}
                                </div>
                            </div>
                        }).collect_view()}
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ProductButton(item: CatalogItem) -> impl IntoView {
    let till = use_till();
    let label = format!("{} {}", item.name, item.price);
    view! {
        <button class="product" data-product-id=item.product_id data-jan=item.jan.clone().unwrap_or_default()
            aria-label=label
            on:click={
                let item = item.clone();
                move |_| till.add(&item)
            }>
            <span class="name">{item.name.clone()}</span>
            <span class="price">{item.price.to_string()}</span>
        </button>
    }
}

#[component]
fn CartPane() -> impl IntoView {
    let till = use_till();
    view! {
        <section class="till-cart" aria-label="お会計">
            <LastSale />
            {move || till.notice.get().map(|n| match n {
                Notice::Info(text) => view! { <p class="banner ok" role="status">{text}</p> }.into_any(),
                Notice::Error(text) => view! { <p class="banner error" role="alert" id="till-error">{text}</p> }.into_any(),
            })}
            <ul class="cart-lines">
                {move || till.lines.get().into_iter().enumerate().map(|(index, line)| view! {
                    <CartLineRow index line />
                }).collect_view()}
            </ul>
            <Totals />
            <TenderPanel />
        </section>
    }
}

/// The change, big, for the cashier to count out; smaller once the next customer's items come.
/// Voiding belongs here: it is only ever the sale just shown.
#[component]
fn LastSale() -> impl IntoView {
    let till = use_till();
    move || {
        till.last.get().map(|last| {
            let compact = !till.lines.with(Vec::is_empty);
            let voided = last.voided.is_some();
            view! {
                <div id="last-sale" class="last-sale" class:compact=compact class:voided=voided>
                    <div class="change">
                        <span>{t!("おつり", "Change")}</span>
                        <strong class="change-amount">{last.change.to_string()}</strong>
                    </div>
                    <div class="detail">
                        {move || pick("合計 ", "Total ")} {last.total.to_string()}
                        {move || pick(" ・ お預り ", " · Paid ")} {last.paid.to_string()}
                        " ・ " <span class="local-number">{last.local_number.clone()}</span>
                        {last.voided.clone().map(|r| view! { <span class="void-mark">{move || pick(" 取消済 ", " voided ")} {r}</span> })}
                    </div>
                    {(!voided).then(|| view! {
                        <button id="void-last" class="danger void-last" on:click=move |_| till.voiding.set(true)>
                            {t!("直前の取引を取消", "Void the last sale")}
                        </button>
                    })}
                </div>
            }
        })
    }
}

#[component]
fn CartLineRow(index: usize, line: CartLine) -> impl IntoView {
    let till = use_till();
    let net = move || {
        till.totals.with(|t| {
            t.as_ref()
                .ok()
                .and_then(|t| t.lines.get(index).map(|a| a.net.to_string()))
        })
    };
    let discount = line.discount.map(|d| match d {
        Discount::Yen(yen) => format!("値引 {yen}"),
        Discount::Percent(p) => format!("値引 {p}%"),
    });
    let quantity = line.quantity;
    let open = move || till.open_line.get() == Some(index);
    view! {
        <li class="cart-line" class:open=open data-product-id=line.product_id>
            // Tapping the line opens its rarer tools: discount and remove.
            <button class="line-info" aria-expanded=move || open().to_string()
                on:click=move |_| till.open_line.update(|o| *o = if *o == Some(index) { None } else { Some(index) })>
                <span class="name">{line.name.clone()}</span>
                <span class="unit">
                    {format!("{} × {}", line.unit_price, quantity)}
                    {discount.map(|d| view! { " " <span class="discount">{d}</span> })}
                </span>
            </button>
            <span class="qty-controls">
                <button class="qty-minus" aria-label="−1" disabled={quantity <= 1}
                    on:click=move |_| till.lines.update(|l| cart::change_quantity(l, index, -1))>"−"</button>
                <span class="qty">{quantity}</span>
                <button class="qty-plus" aria-label="+1"
                    on:click=move |_| till.lines.update(|l| cart::change_quantity(l, index, 1))>"＋"</button>
            </span>
            <span class="net">{net}</span>
            {move || open().then(|| view! {
                <div class="line-tools">
                    <DiscountEditor index />
                    <button class="remove danger" on:click=move |_| {
                        till.open_line.set(None);
                        till.lines.update(|l| if index < l.len() { l.remove(index); });
                    }>{t!("削除", "Remove")}</button>
                </div>
            })}
        </li>
    }
}

/// Whether the signed-in user's own word is approval enough for a discount (a council user);
/// a cashier needs a manager's PIN, and without a session (offline start) nobody is known.
fn approves_own_discounts() -> bool {
    crate::session::current().is_some_and(|s| s.user.role.is_council())
}

/// 値引き on one cart line. A cashier's first discount in a cart needs a council user's login
/// and PIN on the spot (online: the server checks the PIN and records the approval, which
/// travels with the sale).
#[component]
fn DiscountEditor(index: usize) -> impl IntoView {
    let till = use_till();
    let text = RwSignal::new(String::new());
    let percent = RwSignal::new(false);
    let approver = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let needs_approval = move || !approves_own_discounts() && till.price_approval.with(Option::is_none);
    let apply = move |discount: Option<Discount>| {
        let mut lines = till.lines.get_untracked();
        match cart::set_discount(&mut lines, index, discount) {
            Ok(()) => {
                till.open_line.set(None);
                till.lines.set(lines);
            }
            Err(e) => error.set(Some(e.to_string())),
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(discount) = parse_discount(&text.get_untracked(), percent.get_untracked()) else {
            error.set(Some("値引きを数字で入力してください".into()));
            return;
        };
        if !needs_approval() {
            return apply(Some(discount));
        }
        if !browser::browser_online() {
            error.set(Some(
                "オフラインのため値引きできません（責任者の承認が必要です）".into(),
            ));
            return;
        }
        let approval = ApprovalInput {
            action: ApprovalAction::PriceOverride,
            approver_login: approver.get_untracked().trim().to_string(),
            pin: pin.get_untracked(),
            reason: "値引き".into(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::approve(&approval).await {
                Ok(granted) => {
                    till.price_approval.try_set(Some(granted.id));
                    apply(Some(discount));
                }
                Err(failure) => {
                    pin.try_set(String::new());
                    error.try_set(Some(failure.message));
                }
            }
            busy.try_set(false);
        });
    };
    view! {
        <form class="discount-editor" on:submit=submit>
            <input name="discount" inputmode="numeric" autocomplete="off" bind:value=text
                placeholder=move || if percent.get() { "10" } else { "100" } />
            <button type="button" class="unit" class:active=move || !percent.get() on:click=move |_| percent.set(false)>"円"</button>
            <button type="button" class="unit" class:active=move || percent.get() on:click=move |_| percent.set(true)>"%"</button>
            {move || needs_approval().then(|| view! {
                <p class="hint">{t!("値引きには協議会の責任者の承認が必要です", "A discount needs a council manager's approval")}</p>
                <input name="approver_login" autocomplete="off" bind:value=approver placeholder=move || pick("承認者ログインID", "Approver login") />
                <input name="approver_pin" type="password" inputmode="numeric" bind:value=pin placeholder="PIN" />
            })}
            <button type="submit" class="primary" disabled=move || busy.get()>{t!("適用", "Apply")}</button>
            <button type="button" on:click=move |_| apply(None)>{t!("値引きなし", "No discount")}</button>
            {move || error.get().map(|e| view! { <p class="error-text" role="alert">{e}</p> })}
        </form>
    }
}

#[component]
fn Totals() -> impl IntoView {
    let till = use_till();
    move || match till.totals.get() {
        Err(e) => view! { <p class="banner error" role="alert">{e.to_string()}</p> }.into_any(),
        Ok(totals) => view! {
            <dl class="totals">
                {totals.by_rate.iter().map(|r| view! {
                    <div class="rate">
                        <dt>{format!("{}%対象", r.rate.percent())}</dt>
                        <dd>{r.total.to_string()} <small>{format!("(内消費税 {})", r.tax)}</small></dd>
                    </div>
                }).collect_view()}
                {(totals.non_invoice_total.0 != 0).then(|| view! {
                    <div class="rate">
                        <dt>{t!("適格請求書の対象外", "Outside the invoice")}</dt>
                        <dd>{totals.non_invoice_total.to_string()}</dd>
                    </div>
                })}
                <div class="grand">
                    <dt>{t!("合計", "Total")} <small class="items">{move || match use_language().get() {
                        Lang::Ja => format!("{}点", totals.item_count),
                        Lang::En => format!("{} items", totals.item_count),
                    }}</small></dt>
                    <dd id="till-total">{totals.total.to_string()}</dd>
                </div>
            </dl>
        }
        .into_any(),
    }
}

/// Short names for the tender buttons.
fn tender_label(kind: TenderKind) -> (&'static str, &'static str) {
    match kind {
        TenderKind::Cash => ("現金", "Cash"),
        TenderKind::CreditCard => ("クレジット", "Credit card"),
        TenderKind::QrPayment => ("QR決済", "QR payment"),
        TenderKind::EMoney => ("電子マネー", "E-money"),
        TenderKind::GiftVoucher => ("商品券", "Gift voucher"),
    }
}

#[component]
fn TenderPanel() -> impl IntoView {
    let till = use_till();
    let typed = RwSignal::new(String::new());
    let total = move || till.total();
    let rest = move || total().map(|t| till.tenders.with(|ts| remaining(t, ts)));
    let blocked = move || till.paying.get() || till.lines.with(Vec::is_empty) || total().is_none();
    let typed_amount = move || {
        let n = crate::components::parse_number(&typed.get_untracked());
        (n > 0).then_some(Yen(n))
    };
    let tender = move |kind: TenderKind, amount: Yen| {
        let Some(total) = total() else { return };
        let step = till
            .tenders
            .with_untracked(|ts| add_tender(total, ts, Tender { kind, amount }, till.voucher_gives_change()));
        typed.set(String::new());
        till.pay(step);
    };
    // Card, QR, e-money and vouchers pay what remains, or the amount typed (split tender).
    let pay_rest_with = move |kind: TenderKind| {
        if let Some(amount) = typed_amount().or_else(rest) {
            tender(kind, amount);
        }
    };
    let exact = move |_| {
        let Some(total) = total() else { return };
        let step = till
            .tenders
            .with_untracked(|ts| pay_exact(total, ts, till.voucher_gives_change()));
        till.pay(step);
    };
    let quick_change = move |amount: i64| {
        total().and_then(|t| {
            till.tenders.with(|ts| {
                change_with(
                    t,
                    ts,
                    Tender {
                        kind: TenderKind::Cash,
                        amount: Yen(amount),
                    },
                    till.voucher_gives_change(),
                )
            })
        })
    };
    view! {
        <div class="tenders">
            {move || (!till.tenders.with(Vec::is_empty)).then(|| view! {
                <ul class="tendered">
                    {till.tenders.get().into_iter().enumerate().map(|(i, t)| {
                        let (ja, en) = tender_label(t.kind);
                        view! {
                            <li>
                                {move || pick(ja, en)} " " {t.amount.to_string()}
                                <button class="remove" aria-label="取り消す"
                                    on:click=move |_| till.tenders.update(|ts| if i < ts.len() { ts.remove(i); })>"×"</button>
                            </li>
                        }
                    }).collect_view()}
                    <li class="rest">{move || pick("残り ", "Remaining ")} {move || rest().map(|r| r.to_string())}</li>
                </ul>
            })}
            <button id="pay-exact" class="pay-exact primary" disabled=blocked on:click=exact>
                {t!("現金 ちょうど", "Exact cash")}
                <small>{move || rest().filter(|r| r.0 > 0).map(|r| r.to_string())}</small>
            </button>
            <div class="quick-cash">
                {[1_000_i64, 5_000, 10_000].into_iter().map(|amount| view! {
                    <button class="cash" data-amount=amount disabled=blocked
                        on:click=move |_| tender(TenderKind::Cash, Yen(amount))>
                        <span>{Yen(amount).to_string()}</span>
                        <small>{move || quick_change(amount).map(|c| format!("{} {c}", pick("おつり", "change")))}</small>
                    </button>
                }).collect_view()}
            </div>
            <div class="cashless">
                {[TenderKind::CreditCard, TenderKind::QrPayment, TenderKind::EMoney, TenderKind::GiftVoucher]
                    .into_iter()
                    .map(|kind| {
                        let (ja, en) = tender_label(kind);
                        view! {
                            <button class="tender" data-kind=format!("{kind:?}") disabled=blocked
                                on:click=move |_| pay_rest_with(kind)>{move || pick(ja, en)}</button>
                        }
                    })
                    .collect_view()}
            </div>
            <div class="typed-amount">
                <input name="amount" inputmode="numeric" autocomplete="off" bind:value=typed
                    placeholder=t!("金額指定(お預り・分割)", "Amount (tendered, split)") />
                <button class="cash" disabled=blocked
                    on:click=move |_| if let Some(amount) = typed_amount() { tender(TenderKind::Cash, amount) }>
                    {t!("現金で預かる", "Cash tendered")}
                </button>
                <button class="clear" disabled=move || till.lines.with(Vec::is_empty) && till.tenders.with(Vec::is_empty)
                    on:click=move |_| till.clear()>{t!("クリア", "Clear")}</button>
            </div>
        </div>
    }
}

/// Sales the server refused: they stay here until someone has looked and sends them again.
#[component]
fn ParkedList() -> impl IntoView {
    let till = use_till();
    let sync_state = till.sync;
    let requeue = move |key: f64| {
        leptos::task::spawn_local(async move {
            let _ = store::requeue(key).await;
            sync_state.refresh().await;
            sync::wake();
        });
    };
    move || {
        let parked = sync_state.parked.get();
        (!parked.is_empty()).then(|| view! {
            <section class="parked" id="parked-list">
                <h2>{t!("保留 (要確認)", "On hold (check)")}</h2>
                <p class="hint">{t!("サーバーが受け付けなかった取引です。内容を確認し、原因を直してから再送してください。",
                    "The server refused these sales. Check them, fix the cause, then send them again.")}</p>
                <ul>
                    {parked.into_iter().map(|entry| {
                        let key = entry.key;
                        let sale = entry.stored.sale;
                        let reason = entry.stored.rejection.map(|r| r.message).unwrap_or_default();
                        view! {
                            <li>
                                <strong>{sale.local_number}</strong> " " {entry.stored.total.to_string()}
                                " " <span class="reason">{reason}</span>
                                <button on:click=move |_| requeue(key)>{t!("再送", "Send again")}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })
    }
}

/// 直前の取引を取消: a council user approves with login and PIN on this tablet, then the sale
/// is voided on the server (online only: a void must be checked against the recorded sale).
#[component]
fn VoidDialog() -> impl IntoView {
    let till = use_till();
    let login = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let reason = RwSignal::new("打ち間違い".to_string());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let close = move || till.voiding.set(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(last) = till.last.get_untracked() else {
            return close();
        };
        if !browser::browser_online() {
            error.set(Some(
                "オフラインのため取消できません。通信が戻ってから操作してください".into(),
            ));
            return;
        }
        busy.set(true);
        error.set(None);
        let approval = ApprovalInput {
            action: ApprovalAction::Void,
            approver_login: login.get_untracked().trim().to_string(),
            pin: pin.get_untracked(),
            reason: format!("取消 {}", last.local_number),
        };
        let reason = reason.get_untracked();
        leptos::task::spawn_local(async move {
            let result = void_last(&last, approval, reason).await;
            busy.try_set(false);
            match result {
                Ok(receipt) => {
                    till.last.try_update(|l| {
                        if let Some(l) = l {
                            l.voided = Some(receipt.clone());
                        }
                    });
                    till.notice.try_set(Some(Notice::Info(format!(
                        "{} を取消しました（取消伝票 {receipt}）。{} をお返しください",
                        last.local_number, last.total
                    ))));
                    till.voiding.try_set(false);
                }
                Err(message) => {
                    pin.try_set(String::new());
                    error.try_set(Some(message));
                }
            }
        });
    };
    view! {
        <div class="dialog-backdrop">
            <form class="editor dialog void-dialog" on:submit=submit>
                <h2>{t!("直前の取引を取消", "Void the last sale")}</h2>
                {move || till.last.get().map(|l| view! {
                    <p>{l.local_number} " " {l.total.to_string()}</p>
                })}
                <p class="hint">{t!("協議会の責任者がログインIDとPINを入力してください", "A council manager enters their login and PIN")}</p>
                <label class="field"><span class="label">{t!("承認者ログインID", "Approver login")}</span>
                    <input name="approver_login" autocomplete="off" bind:value=login /></label>
                <label class="field"><span class="label">"PIN"</span>
                    <input name="approver_pin" type="password" inputmode="numeric" bind:value=pin /></label>
                <label class="field"><span class="label">{t!("理由", "Reason")}</span>
                    <input name="reason" bind:value=reason /></label>
                {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
                <div class="actions">
                    <button type="submit" class="danger" disabled=move || busy.get()>{t!("取消を実行", "Void")}</button>
                    <button type="button" on:click=move |_| close()>{t!("やめる", "Cancel")}</button>
                </div>
            </form>
        </div>
    }
}

/// Makes sure the server has the sale, gets the approval and voids; answers the void's
/// receipt number or why not.
async fn void_last(last: &Completed, approval: ApprovalInput, reason: String) -> Result<String, String> {
    // The sale may still be in the queue: give the sync loop a few seconds to send it.
    let mut whereabouts = store::whereabouts(last.id).await;
    for _ in 0..20 {
        if whereabouts != Ok(Whereabouts::Queued) {
            break;
        }
        sync::wake();
        browser::sleep(300).await;
        whereabouts = store::whereabouts(last.id).await;
    }
    match whereabouts {
        Ok(Whereabouts::Sent) => {}
        Ok(Whereabouts::Queued) => {
            return Err(
                "この取引はまだサーバーに送信されていません（未送信）。送信されてから取消してください".into(),
            );
        }
        Ok(Whereabouts::Parked) => {
            return Err("この取引は保留中(サーバーが受け付けていない)のため取消できません".into());
        }
        Err(e) => return Err(e.to_string()),
    }
    let approval = api::approve(&approval).await.map_err(|f| f.message)?;
    let void = VoidInput {
        id: uuid::Uuid::now_v7(),
        reason,
        approval_id: Some(approval.id),
    };
    api::void_sale(last.id, &void)
        .await
        .map(|sale| sale.receipt_number)
        .map_err(|f| f.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tender_labels_are_short() {
        assert_eq!(tender_label(TenderKind::CreditCard).0, "クレジット");
        assert_eq!(tender_label(TenderKind::QrPayment).0, "QR決済");
    }

    #[test]
    fn the_remembered_session_round_trips() {
        let r = Remembered {
            register: RegisterRef {
                register_id: 3,
                register_code: "R1".into(),
                register_name: "レジ1".into(),
                event_id: 1,
                event_code: "HB".into(),
                event_name: "バザール".into(),
            },
            cashier: "ボランティア".into(),
        };
        let json = serde_json::to_string(&r).expect("json");
        assert_eq!(serde_json::from_str::<Remembered>(&json).expect("back"), r);
    }
}
