//! レジ: the till. Products on the left (touch grid, search, barcode), the cart and payment on
//! the right; a portrait tablet stacks them. A cash sale of three items is four taps: three
//! products and 「現金 ちょうど」.
//!
//! A completed sale goes to the tablet's storage first and to the server after (see
//! [`crate::till`]), so the till keeps selling when the venue's Wi-Fi drops.
//!
//! This module holds the page, the state the till's components share ([`TillState`]) and the
//! listeners; the parts of the screen are its submodules.

mod cart_pane;
mod catalog;
mod code_choice;
mod discount;
mod display;
mod easy;
mod float;
mod payment;
mod status;
mod void;

use crate::api;
use crate::i18n::{Lang, pick, use_language};
use crate::session::CurrentSession;
use crate::t;
use crate::till::barcode::Wedge;
use crate::till::browser;
use crate::till::cart::{self, CodeMatch, PaymentProgress, match_code, sale_lines};
use crate::till::store;
use crate::till::sync::{self, SyncState};
use cart_pane::CartPane;
use catalog::ProductPane;
use leptos::prelude::*;
use selpos_domain::Yen;
use selpos_domain::events::RegisterRef;
use selpos_domain::sales::cart::{CartError, CartLine, CartTotals, cart_totals};
use selpos_domain::sales::payment::{Payment, PaymentError, Tender};
use selpos_domain::sales::{Catalog, CatalogFacility, CatalogItem, SaleInput};
use selpos_domain::users::SessionInfo;
use serde::{Deserialize, Serialize};
use status::{ParkedList, SessionBrief, StatusBar, TillMenu};
use void::VoidDialog;

/// Where the register and cashier of the last online session are kept, so that the till
/// still opens when the page is loaded offline.
const REMEMBERED: &str = "selpos.register.session";

/// Where the menu's switch between the やさしいレジ and the ordinary till is kept (per cashier,
/// in this tab: `selpos.till.easy.<login>`).
const EASY_SWITCH: &str = "selpos.till.easy";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Remembered {
    register: RegisterRef,
    cashier: String,
    /// The cashier's login, which every sale rung here carries (kept from before it existed:
    /// empty, and the sale is then the sender's).
    #[serde(default)]
    cashier_login: String,
    /// The cashier's till is the やさしいレジ.
    #[serde(default)]
    easy: bool,
}

#[component]
pub fn TillPage() -> impl IntoView {
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
                            Some(r) => view! { <Till register=r.register cashier=r.cashier cashier_login=r.cashier_login easy=r.easy offline=true /> }.into_any(),
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
            // Kept for a later page load without a network (see TillPage).
            let remembered = Remembered {
                register: register.clone(),
                cashier: info.user.display_name.clone(),
                cashier_login: info.user.login.clone(),
                easy: info.user.easy_till,
            };
            if let Ok(json) = serde_json::to_string(&remembered) {
                browser::local_set(REMEMBERED, &json);
            }
            view! { <Till register cashier=info.user.display_name cashier_login=info.user.login easy=info.user.easy_till /> }
                .into_any()
        }
        None => view! { <NotATill signed_in=true council=info.user.role.is_council() /> }.into_any(),
    }
}

/// Why this page cannot sell here, and where to go instead. A tablet registered as a till
/// says so (with its register), so staff who just registered it are not sent to register it
/// again: a cashier's PIN sign-in is what it still needs.
#[component]
fn NotATill(signed_in: bool, council: bool) -> impl IntoView {
    let queued = LocalResource::new(store::queued_count);
    // The tablet's registration: `Some(Some(_))` registered, `Some(None)` the server knows
    // no such tablet, `None` not known (yet, or out of reach).
    let device = LocalResource::new(api::device_status);
    let registered = move || {
        device.get().and_then(|status| match status {
            Ok(status) => Some(Some(status.register)),
            Err(failure) if failure.code == "not_found" => Some(None),
            Err(_) => None,
        })
    };
    view! {
        // Not a till: council staff get their back-office menu, anyone else a plain header.
        {if council {
            view! { <crate::components::NavBar plain=true /> }.into_any()
        } else {
            view! { <crate::components::PlainHeader /> }.into_any()
        }}
        <h1>{t!("レジ", "Till")}</h1>
        <div class="banner error" role="alert" id="not-a-till">
            {move || match registered() {
                Some(Some(register)) => {
                    let till = format!("{} / {}", register.event_name, register.register_name);
                    view! {
                        <p id="registered-till">{move || match use_language().get() {
                            Lang::Ja => format!("この端末は「{till}」のレジとして登録済みです。レジ担当がPINでログインすると、ここで販売できます。"),
                            Lang::En => format!("This tablet is registered as the till \"{till}\". A cashier signs in with their PIN to sell here."),
                        }}</p>
                    }.into_any()
                }
                _ => view! {
                    <p>{move || if signed_in {
                        pick("この端末はレジとして使える状態ではありません。登録済みのタブレットで、レジ担当がPINでログインしてください。",
                             "This browser is not signed in as a till. Cashiers sign in with their PIN on a registered tablet.")
                    } else {
                        pick("ログインしていないか、ログインの有効期限が切れました。", "You are not signed in, or your session expired.")
                    }}</p>
                }.into_any(),
            }}
            <p><a href="/login?next=%2Fregister" id="cashier-sign-in">{t!("レジ担当ログインへ", "Sign in as cashier")}</a></p>
            // Only a tablet that is not registered (the server said so) is sent to register.
            {move || (council && matches!(registered(), Some(None))).then(|| view! {
                <p id="register-this-tablet">
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

/// How long 「元に戻す」 stays offered after a line is removed.
const UNDO_MS: u64 = 5_000;

/// The line just removed from the cart, for 「元に戻す」 while its toast shows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Removed {
    index: usize,
    line: CartLine,
    /// Which removal this is: the toast's timer hides only its own.
    token: u64,
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
    /// The cart line whose dialog (discount, price override) is open.
    open_line: RwSignal<Option<usize>>,
    /// A scanned in-store code several facilities use: the products to choose from.
    code_choice: RwSignal<Option<Vec<(CatalogFacility, CatalogItem)>>>,
    /// The line just removed, while 「元に戻す」 is offered.
    removed: RwSignal<Option<Removed>>,
    /// Whether the register is open (asked of the server now and then; offline, the last answer).
    register_state: RwSignal<Option<api::register_sessions::RegisterBrief>>,
    /// A manager's approval of this cart's discounts (a cashier's price override).
    price_approval: RwSignal<Option<uuid::Uuid>>,
    /// The id the cart's sale will be recorded under, made when the cart starts, so that a
    /// manager's approval of its discounts names this sale and no other.
    sale_id: RwSignal<uuid::Uuid>,
    /// Who is ringing up: every sale carries it, so a sale kept offline and sent after a change
    /// of shift stays theirs.
    cashier_login: StoredValue<String>,
    /// The やさしいレジ is showing (the cashier's setting, or switched in the menu).
    easy: RwSignal<bool>,
    /// The coins and notes tapped on the やさしいレジ's お預かり, in order.
    easy_tapped: RwSignal<Vec<i64>>,
    /// This tablet has a customer screen (お客様画面) to publish to.
    display_linked: RwSignal<bool>,
    /// The menu's お客様画面 dialog is open.
    screen_dialog: RwSignal<bool>,
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
            .with_untracked(|c| c.as_ref().map_or(CodeMatch::None, |c| match_code(c, code)));
        match found {
            CodeMatch::One(item) => self.add(&item),
            CodeMatch::Several(choices) => self.code_choice.set(Some(choices)),
            CodeMatch::None => self.notice.set(Some(Notice::Error(format!(
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
        let Some(sold) = self
            .catalog
            .with_untracked(|c| c.as_ref().map(|c| sale_lines(c, &lines)))
        else {
            return;
        };
        if lines.is_empty() {
            return;
        }
        let register = self.register.get_value();
        let sale = SaleInput {
            id: self.sale_id.get_untracked(),
            register_id: register.register_id,
            // Numbered by the store, in the same transaction that keeps the sale.
            local_number: String::new(),
            sold_at: browser::utc_now(),
            lines: sold,
            tenders,
            approval_id: self.price_approval.get_untracked(),
            cashier_login: Some(self.cashier_login.get_value()).filter(|l| !l.is_empty()),
        };
        self.paying.set(true);
        leptos::task::spawn_local(async move {
            match store::enqueue(sale, total, &register.register_code).await {
                Ok(stored) => {
                    self.lines.try_set(Vec::new());
                    self.tenders.try_set(Vec::new());
                    self.price_approval.try_set(None);
                    self.sale_id.try_set(uuid::Uuid::now_v7());
                    self.open_line.try_set(None);
                    self.removed.try_set(None);
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

    /// 削除 (or − at quantity 1): the line leaves the cart, and 「元に戻す」 is offered for a few
    /// seconds.
    fn remove_line(self, index: usize) {
        let Some(line) = self.lines.try_update(|l| cart::remove(l, index)).flatten() else {
            return;
        };
        self.open_line.set(None);
        let token = self
            .removed
            .with_untracked(|r| r.as_ref().map_or(0, |r| r.token + 1));
        self.removed.set(Some(Removed { index, line, token }));
        let removed = self.removed;
        set_timeout(
            move || {
                if removed.with_untracked(|r| r.as_ref().is_some_and(|r| r.token == token)) {
                    removed.try_set(None);
                }
            },
            std::time::Duration::from_millis(UNDO_MS),
        );
    }

    /// 元に戻す: the line just removed comes back.
    fn undo_remove(self) {
        if self.paying.get_untracked() {
            return;
        }
        if let Some(r) = self.removed.try_update(Option::take).flatten() {
            self.lines.update(|l| cart::restore(l, r.index, r.line));
        }
    }

    fn clear(self) {
        self.removed.set(None);
        self.lines.set(Vec::new());
        self.tenders.set(Vec::new());
        self.price_approval.set(None);
        self.sale_id.set(uuid::Uuid::now_v7());
        self.open_line.set(None);
        self.notice.set(None);
    }
}

#[component]
fn Till(
    register: RegisterRef,
    cashier: String,
    cashier_login: String,
    /// The cashier's setting: the till opens as the やさしいレジ.
    #[prop(optional)]
    easy: bool,
    /// Opened from what this tablet remembers because the server did not answer.
    #[prop(optional)]
    offline: bool,
) -> impl IntoView {
    // Switched in the menu for this tab and cashier (a supporter setting up for a worker).
    let easy_key = format!("{EASY_SWITCH}.{cashier_login}");
    let easy = browser::session_get(&easy_key).map_or(easy, |v| v == "1");
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
        code_choice: RwSignal::new(None),
        removed: RwSignal::new(None),
        register_state: RwSignal::new(None),
        price_approval: RwSignal::new(None),
        sale_id: RwSignal::new(uuid::Uuid::now_v7()),
        cashier_login: StoredValue::new(cashier_login),
        easy: RwSignal::new(easy),
        easy_tapped: RwSignal::new(Vec::new()),
        display_linked: RwSignal::new(display::has_link(register_id)),
        screen_dialog: RwSignal::new(false),
        sync: SyncState::new(),
    };
    if offline {
        // The browser may think it is online (the Wi-Fi is up): the server is not.
        till.sync.online.set(false);
    }
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
            let cached = store::load_catalog(register_id).await.ok().flatten();
            let held_version = cached.as_ref().map(|c| c.version.clone());
            if let Some(cached) = cached {
                catalog.try_set(Some(cached));
            }
            match api::register_catalog(register_id, held_version.as_deref()).await {
                Ok(Some(fresh)) => {
                    browser::mark("selpos:catalog-fetched");
                    let _ = store::save_catalog(&fresh).await;
                    catalog.try_set(Some(fresh));
                    catalog_error.try_set(None);
                }
                // Unchanged: what the tablet holds is current as of now.
                Ok(None) => {
                    catalog.try_update(|c| {
                        if let Some(c) = c {
                            c.loaded_at = browser::utc_now();
                        }
                    });
                    catalog_error.try_set(None);
                }
                Err(failure) => {
                    catalog_error.try_set(Some(failure.message));
                }
            }
        });
    });
    display::publish_changes();
    on_cleanup(sync::stop);
    listen_to_the_network(till.sync);
    listen_for_scanner(till);

    // Till mode: a slim bar (no back-office menu), the products and the cart filling the screen.
    view! {
        <header class="till-bar">
            <StatusBar register cashier persisted catalog_error />
            <SessionBrief register_id />
            <TillMenu easy_key />
        </header>
        {move || if till.easy.get() {
            view! { <easy::EasyTill /> }.into_any()
        } else {
            view! {
                <div class="till">
                    <ProductPane />
                    <CartPane />
                </div>
            }.into_any()
        }}
        <ParkedList />
        <cart_pane::UndoToast />
        {move || till.open_line.get().map(|index| view! { <discount::LineDialog index /> })}
        {move || till.voiding.get().then(|| view! { <VoidDialog /> })}
        {move || till.screen_dialog.get().then(|| view! { <display::CustomerScreenDialog /> })}
        {move || till.code_choice.with(Option::is_some).then(|| view! { <code_choice::CodeChoiceDialog /> })}
        <float::FloatPrompt register_id />
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
        if till.voiding.get_untracked()
            || till.open_line.get_untracked().is_some()
            || till.code_choice.with_untracked(Option::is_some)
            || typing_in_a_field(&ev)
        {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            cashier_login: "vol".into(),
            easy: true,
        };
        let json = serde_json::to_string(&r).expect("json");
        assert_eq!(serde_json::from_str::<Remembered>(&json).expect("back"), r);
    }
}
