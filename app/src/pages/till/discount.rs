//! 値引き on a cart line, with a council manager's approval when a cashier gives it.

use super::use_till;
use crate::api;
use crate::i18n::pick;
use crate::t;
use crate::till::browser;
use crate::till::cart::{self, parse_discount};
use leptos::prelude::*;
use selpos_domain::approvals::{ApprovalAction, ApprovalInput};
use selpos_domain::sales::cart::Discount;

/// Whether the signed-in user's own word is approval enough for a discount (a council user);
/// a cashier needs a manager's PIN, and without a session (offline start) nobody is known.
fn approves_own_discounts() -> bool {
    crate::session::current().is_some_and(|s| s.user.role.is_council())
}

/// 値引き on one cart line. A cashier's first discount in a cart needs a council user's login
/// and PIN on the spot (online: the server checks the PIN and records the approval, which
/// travels with the sale).
#[component]
pub(super) fn DiscountEditor(index: usize) -> impl IntoView {
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
            sale_id: Some(till.sale_id.get_untracked()),
            amount: None,
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
