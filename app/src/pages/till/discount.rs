//! 値引き and 売価変更 on a cart line, in a dialog over the till: the line, the new price, and a
//! council manager's PIN there when a cashier gives it.

use super::use_till;
use crate::api;
use crate::i18n::pick;
use crate::t;
use crate::till::browser;
use crate::till::cart::{self, parse_discount};
use leptos::prelude::*;
use selpos_domain::Yen;
use selpos_domain::approvals::{ApprovalAction, ApprovalInput};
use selpos_domain::sales::cart::{CartLine, Discount};

/// Whether the signed-in user's own word is approval enough for a discount (a council user);
/// a cashier needs a manager's PIN, and without a session (offline start) nobody is known.
fn approves_own_discounts() -> bool {
    crate::session::current().is_some_and(|s| s.user.role.is_council())
}

/// What the dialog changes on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    /// 値引き in yen off the line.
    Yen,
    /// 値引き in whole percent.
    Percent,
    /// 売価変更: another unit price.
    Price,
}

/// The line as it would be with `typed` applied (`Err`: why not).
fn candidate(line: &CartLine, edit: Edit, typed: &str) -> Result<CartLine, String> {
    let mut lines = vec![line.clone()];
    match edit {
        Edit::Yen | Edit::Percent => {
            let discount = parse_discount(typed, edit == Edit::Percent).ok_or_else(|| {
                pick("値引きを数字で入力してください", "Type the discount as a number").to_string()
            })?;
            cart::set_discount(&mut lines, 0, Some(discount)).map_err(|e| e.to_string())?;
        }
        Edit::Price => {
            let price = crate::components::parse_number(typed);
            if price == i64::MIN {
                return Err(pick("売価を数字で入力してください", "Type the price as a number").into());
            }
            cart::set_unit_price(&mut lines, 0, Yen(price)).map_err(|e| e.to_string())?;
        }
    }
    Ok(lines.remove(0))
}

/// The dialog of cart line `index`: 値引き (yen or percent) or 売価変更, the line's new amount
/// as it is typed, and a cashier's first price change in a cart needs a council user's login
/// and PIN on the spot (online: the server checks the PIN and records the approval, which
/// travels with the sale).
#[component]
pub(super) fn LineDialog(index: usize) -> impl IntoView {
    let till = use_till();
    let Some(line) = till.lines.with_untracked(|l| l.get(index).cloned()) else {
        return ().into_any();
    };
    let list_price = till
        .catalog
        .with_untracked(|c| c.as_ref().and_then(|c| cart::list_price(c, &line)))
        .unwrap_or(line.unit_price);
    let line = StoredValue::new(line);
    let edit = RwSignal::new(Edit::Yen);
    let text = RwSignal::new(String::new());
    let approver = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let needs_approval = move || !approves_own_discounts() && till.price_approval.with(Option::is_none);
    let close = move || till.open_line.set(None);
    let preview = move || {
        let typed = text.get();
        if typed.trim().is_empty() {
            return None;
        }
        Some(line.with_value(|l| candidate(l, edit.get(), &typed)))
    };
    let net_of = |l: &CartLine| l.amounts().map(|a| a.net.to_string()).unwrap_or_default();
    let apply = move |changed: CartLine| {
        let mut lines = till.lines.get_untracked();
        if let Some(slot) = lines.get_mut(index) {
            *slot = changed;
        }
        till.lines.set(lines);
        close();
    };
    // Back to the list price, no discount: needs no approval.
    let reset = move |_| {
        let mut back = line.get_value();
        back.unit_price = list_price;
        back.discount = None;
        apply(back);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let changed = match line.with_value(|l| candidate(l, edit.get_untracked(), &text.get_untracked())) {
            Ok(changed) => changed,
            Err(why) => return error.set(Some(why)),
        };
        if !needs_approval() {
            return apply(changed);
        }
        if !browser::browser_online() {
            error.set(Some(
                "オフラインのため値引き・売価変更できません（責任者の承認が必要です）".into(),
            ));
            return;
        }
        let approval = ApprovalInput {
            action: ApprovalAction::PriceOverride,
            approver_login: approver.get_untracked().trim().to_string(),
            pin: pin.get_untracked(),
            reason: match edit.get_untracked() {
                Edit::Price => "売価変更".into(),
                _ => "値引き".into(),
            },
            sale_id: Some(till.sale_id.get_untracked()),
            amount: None,
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::approve(&approval).await {
                Ok(granted) => {
                    till.price_approval.try_set(Some(granted.id));
                    apply(changed);
                }
                Err(failure) => {
                    pin.try_set(String::new());
                    error.try_set(Some(failure.message));
                }
            }
            busy.try_set(false);
        });
    };
    let tab = move |which: Edit, ja: &'static str, en: &'static str| {
        view! {
            <button type="button" class="unit" class:active=move || edit.get() == which
                aria-pressed=move || (edit.get() == which).to_string()
                on:click=move |_| { edit.set(which); error.set(None); }>{move || pick(ja, en)}</button>
        }
    };
    let current = line.with_value(|l| {
        let discount = l.discount.map(|d| match d {
            Discount::Yen(yen) => format!(" ・ 値引 {yen}"),
            Discount::Percent(p) => format!(" ・ 値引 {p}%"),
        });
        format!(
            "{} × {}{} = {}",
            l.unit_price,
            l.quantity,
            discount.unwrap_or_default(),
            net_of(l)
        )
    });
    view! {
        <div class="dialog-backdrop" on:click=move |ev| {
            // A tap beside the dialog closes it, as its やめる button does.
            if ev.target() == ev.current_target() { close() }
        }>
            <form class="editor dialog line-dialog" role="dialog" aria-modal="true" aria-labelledby="line-dialog-title"
                on:submit=submit>
                <h2 id="line-dialog-title">{line.with_value(|l| l.name.clone())}</h2>
                <p class="line-now">{t!("いま ", "Now ")} {current}
                    {(list_price != line.with_value(|l| l.unit_price)).then(|| view! {
                        <small>{move || pick(" (定価 ", " (list ")} {list_price.to_string()} ")"</small>
                    })}
                </p>
                <div class="edit-kind" role="group">
                    {tab(Edit::Yen, "値引き(円)", "Off (¥)")}
                    {tab(Edit::Percent, "値引き(%)", "Off (%)")}
                    {tab(Edit::Price, "売価変更", "New price")}
                </div>
                <label class="field">
                    <span class="label">{move || match edit.get() {
                        Edit::Yen => pick("値引き額(円)", "Amount off (yen)"),
                        Edit::Percent => pick("値引き率(%)", "Percent off"),
                        Edit::Price => pick("新しい単価(円)", "New unit price (yen)"),
                    }}</span>
                    <input name="discount" inputmode="numeric" autocomplete="off" bind:value=text
                        placeholder=move || match edit.get() { Edit::Percent => "10", Edit::Yen => "100", Edit::Price => "500" } />
                </label>
                <p class="line-new" id="line-new-price">
                    {t!("変更後の金額 ", "New amount ")}
                    <strong>{move || match preview() {
                        None => "—".to_string(),
                        Some(Ok(l)) => net_of(&l),
                        Some(Err(why)) => why,
                    }}</strong>
                </p>
                {move || needs_approval().then(|| view! {
                    <p class="hint">{t!("値引き・売価変更には協議会の責任者の承認が必要です。責任者がログインIDとPINを入力してください",
                        "A discount or new price needs a council manager's approval: the manager enters their login and PIN")}</p>
                    <label class="field"><span class="label">{t!("承認者ログインID", "Approver login")}</span>
                        <input name="approver_login" autocomplete="off" bind:value=approver /></label>
                    <label class="field"><span class="label">"PIN"</span>
                        <input name="approver_pin" type="password" inputmode="numeric" autocomplete="off" bind:value=pin /></label>
                })}
                {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
                <div class="actions">
                    <button type="submit" class="primary" id="line-apply" disabled=move || busy.get()>{t!("適用", "Apply")}</button>
                    <button type="button" id="line-reset" on:click=reset>{t!("定価に戻す", "List price")}</button>
                    <button type="button" id="line-cancel" on:click=move |_| close()>{t!("やめる", "Cancel")}</button>
                </div>
            </form>
        </div>
    }
    .into_any()
}
