//! What the till says about itself: the network, the queue, the catalog, the register's
//! session, and the sales the server refused.

use super::use_till;
use crate::api;
use crate::i18n::{Lang, pick, use_language};
use crate::t;
use crate::till::browser;
use crate::till::store;
use crate::till::sync;
use leptos::prelude::*;
use selpos_domain::events::{EventState, RegisterRef};
use selpos_domain::register_sessions::RegisterState;

/// How often the till asks whether its register is still open.
const SESSION_REFRESH_MS: u64 = 30_000;

/// Asks the server whether the register is open now (offline, the last answer stays).
pub(super) fn refresh_register_state(register_id: i64) {
    let till = use_till();
    leptos::task::spawn_local(async move {
        if let Ok(brief) = api::register_sessions::register_state(register_id).await {
            till.register_state.try_set(Some(brief));
        }
    });
}

/// Whether the register is open, asked of the server now and then (offline, the last answer
/// stays). Opening, payouts and the close are on `/register/session`: they need the server, so
/// that page comes with the whole app and the till's bundle stays small.
#[component]
pub(super) fn SessionBrief(register_id: i64) -> impl IntoView {
    let till = use_till();
    let tick = crate::components::refresh_every(SESSION_REFRESH_MS);
    Effect::new(move |_| {
        tick.track();
        leptos::task::spawn_local(async move {
            if let Ok(brief) = api::register_sessions::register_state(register_id).await {
                till.register_state.try_set(Some(brief));
            }
        });
    });
    move || {
        let (code, alert, text, action) = match till.register_state.with(|s| s.as_ref().map(|s| s.state)) {
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
                    "レジ締め済み: 販売するにはレジを開けてください",
                    "Register closed: open it to sell",
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
                <a class="button" id="session-actions" href="/register/session" rel="external">{action}</a>
            </div>
        }
    }
}

/// The till's menu: レジ開け・出金・締め, 返品, ギフト受付, the language, ログアウト. Every other page is the
/// back office's, which a cashier does not use.
#[component]
pub(super) fn TillMenu(
    /// Where this tab keeps the cashier's choice of till.
    easy_key: String,
) -> impl IntoView {
    let till = use_till();
    let lang = use_language();
    let switch_till = move |_| {
        close_menu();
        let easy = !till.easy.get_untracked();
        till.easy.set(easy);
        browser::session_set(&easy_key, if easy { "1" } else { "0" });
    };
    let logout = move |_| {
        leptos::task::spawn_local(async move {
            let _ = api::logout().await;
            crate::session::navigate_hard("/login");
        });
    };
    view! {
        <details class="till-menu" id="till-menu">
            <summary class="button" aria-label=move || pick("メニュー", "Menu")>"☰ " {t!("メニュー", "Menu")}</summary>
            <div class="till-menu-items">
                <a class="button" id="menu-session" href="/register/session" rel="external">{t!("レジ開け・出金・締め", "Open, pay out, close")}</a>
                <a class="button" id="menu-returns" href="/returns" rel="external">{t!("返品", "Returns")}</a>
                <a class="button" id="menu-gifts" href="/gifts/new" rel="external">{t!("ギフト受付", "Gift order")}</a>
                <button type="button" id="menu-customer-screen" on:click=move |_| { close_menu(); till.screen_dialog.set(true) }>
                    {t!("お客様画面", "Customer screen")}
                </button>
                <button type="button" id="menu-easy" on:click=switch_till>
                    {move || if till.easy.get() { pick("ふつうのレジにする", "Ordinary till") } else { pick("やさしいレジにする", "Easy till") }}
                </button>
                <div class="lang">
                    <button class:active=move || lang.get() == Lang::Ja on:click=move |_| crate::i18n::set_language(Lang::Ja)>"日本語"</button>
                    <button class:active=move || lang.get() == Lang::En on:click=move |_| crate::i18n::set_language(Lang::En)>"English"</button>
                </div>
                <button class="danger" id="menu-logout" on:click=logout>{t!("ログアウト", "Sign out")}</button>
            </div>
        </details>
    }
}

/// Folds the menu away once one of its buttons has done its work.
fn close_menu() {
    if let Some(menu) = document().get_element_by_id("till-menu") {
        let _ = menu.remove_attribute("open");
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
pub(super) fn StatusBar(
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
                // Written out rather than with a format string: chrono's format parser is
                // a few KB of the till's download for this one time.
                let at = (c.loaded_at + chrono::TimeDelta::hours(9)).time();
                format!(
                    "{:02}:{:02}",
                    chrono::Timelike::hour(&at),
                    chrono::Timelike::minute(&at)
                )
            })
        })
    };
    view! {
        <div class="who">
            <span class="where">{format!("{} / {}", register.event_name, register.register_name)}</span>
            <span class="user">{cashier}</span>
        </div>
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
            {move || (sync.unprinted.get() > 0).then(|| view! {
                <span class="warn" id="unprinted" role="status">
                    {move || {
                        let n = sync.unprinted.get();
                        match use_language().get() {
                            Lang::Ja => format!("オフライン中のレシート{n}件は自動で印刷していません（レシート画面で印刷できます）"),
                            Lang::En => format!("{n} receipts of sales made offline were not printed (print them from Receipts)"),
                        }
                    }} " "
                    <button type="button" on:click=move |_| sync.unprinted.set(0)
                        aria-label=t!("閉じる", "Dismiss")>"✕"</button>
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

/// Sales the server refused: they stay here until someone has looked and sends them again.
#[component]
pub(super) fn ParkedList() -> impl IntoView {
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
