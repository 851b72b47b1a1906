//! The till's side of the お客様画面: the menu's dialog that makes the screen's link and QR
//! code, and the publisher that sends the screen what the till shows as it changes.
//!
//! Only a till with a screen publishes (its link is kept on this tablet). Publishing never
//! holds up a sale: the latest state goes when the last one has been answered, failures are
//! dropped (the screen keeps showing the last state it got), and nothing is queued offline.

use super::use_till;
use crate::api;
use crate::t;
use crate::till::browser;
use crate::till::cart::paid;
use crate::till::display::{Paid, display_state, next_seq};
use leptos::prelude::*;
use selpos_domain::cash::tapped_total;
use selpos_domain::customer_display::{DisplayLink, DisplayState};

/// Where this tablet keeps its register's screen link (`selpos.display.<register id>`).
fn link_key(register_id: i64) -> String {
    format!("selpos.display.{register_id}")
}

fn kept_link(register_id: i64) -> Option<DisplayLink> {
    browser::local_get(&link_key(register_id)).and_then(|json| serde_json::from_str(&json).ok())
}

/// Sends the screen the till's state whenever it changes, while the tablet has a screen link.
pub(super) fn publish_changes() {
    let till = use_till();
    let register_id = till.register.with_value(|r| r.register_id);
    // The newest state not yet sent, and whether a send is under way.
    let pending: StoredValue<Option<DisplayState>> = StoredValue::new(None);
    let sending = StoredValue::new(false);
    let seq = StoredValue::new(0_i64);
    Effect::new(move |_| {
        let linked = till.display_linked.get();
        let lines = till.lines.get();
        let totals = till.totals.get();
        let received = if till.easy.get() {
            till.easy_tapped.with(|t| tapped_total(t))
        } else {
            till.tenders.with(|t| paid(t))
        };
        let last = till.last.get().map(|l| Paid {
            total: l.total,
            paid: l.paid,
            change: l.change,
        });
        if !linked {
            return;
        }
        let n = next_seq(seq.get_value(), browser::now_ms());
        seq.set_value(n);
        pending.set_value(Some(display_state(
            n,
            &lines,
            totals.as_ref().ok(),
            received,
            last,
        )));
        if !sending.get_value() {
            sending.set_value(true);
            leptos::task::spawn_local(async move {
                while let Some(state) = pending.try_update_value(Option::take).flatten() {
                    let _ = api::publish_display(register_id, &state).await;
                }
                sending.try_set_value(false);
            });
        }
    });
}

/// The menu's お客様画面: the link and QR code to open on the screen facing the customer.
#[component]
pub(super) fn CustomerScreenDialog() -> impl IntoView {
    let till = use_till();
    let register_id = till.register.with_value(|r| r.register_id);
    let link: RwSignal<Option<DisplayLink>> = RwSignal::new(kept_link(register_id));
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let make_link = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::new_display_link(register_id, &browser::origin()).await {
                Ok(made) => {
                    if let Ok(json) = serde_json::to_string(&made) {
                        browser::local_set(&link_key(register_id), &json);
                    }
                    link.try_set(Some(made));
                    error.try_set(None);
                    till.display_linked.try_set(true);
                }
                Err(failure) => {
                    error.try_set(Some(failure.message));
                }
            }
            busy.try_set(false);
        });
    };
    let stop = move |_| {
        browser::local_remove(&link_key(register_id));
        link.set(None);
        till.display_linked.set(false);
    };
    view! {
        <div class="dialog-backdrop">
            <div class="editor dialog customer-screen" role="dialog" aria-modal="true" aria-labelledby="customer-screen-title">
                <h2 id="customer-screen-title">{t!("お客様画面", "Customer screen")}</h2>
                <p class="hint">{t!("お客様に向けたスマートフォンやタブレットで、このQRコードを読み取るかリンクを開いてください。カゴ・合計・お預かり・おつりが表示されます。",
                    "On a phone or tablet facing the customer, scan this QR code or open the link: it shows the cart, total, money received and change.")}</p>
                {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
                {move || link.get().map(|l| view! {
                    <div class="qr" inner_html=l.qr_svg.clone()></div>
                    <p><a id="customer-screen-link" href=l.url.clone() target="_blank" rel="noopener">{l.url.clone()}</a></p>
                })}
                <div class="actions">
                    <button type="button" class="primary" id="customer-screen-make" disabled=move || busy.get() on:click=make_link>
                        {move || if link.with(Option::is_some) {
                            crate::i18n::pick("新しいリンクにする", "New link")
                        } else {
                            crate::i18n::pick("リンクを作る", "Make the link")
                        }}
                    </button>
                    {move || link.with(Option::is_some).then(|| view! {
                        <button type="button" class="danger" id="customer-screen-stop" on:click=stop>
                            {t!("使わない", "Stop using it")}
                        </button>
                    })}
                    <button type="button" id="customer-screen-close" on:click=move |_| till.screen_dialog.set(false)>
                        {t!("閉じる", "Close")}
                    </button>
                </div>
            </div>
        </div>
    }
}

/// Whether this tablet has a screen link for the register.
pub(super) fn has_link(register_id: i64) -> bool {
    kept_link(register_id).is_some()
}
