//! The cart side of the till: the sale just made, the notice, the cart's lines, then the
//! totals and the tenders ([`super::payment`]).

use super::payment::{TenderPanel, Totals};
use super::{Notice, TillState, use_till};
use crate::i18n::pick;
use crate::t;
use crate::till::cart;
use leptos::prelude::*;
use selpos_domain::sales::cart::{CartLine, Discount};

#[component]
pub(super) fn CartPane() -> impl IntoView {
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
    let (may_eat_in, eat_in, repriced) = till.catalog.with_untracked(|c| {
        c.as_ref().map_or((false, false, false), |c| {
            (
                cart::may_eat_in(c, &line),
                cart::is_eat_in(c, &line),
                cart::list_price(c, &line).is_some_and(|p| p != line.unit_price),
            )
        })
    });
    let name = line.name.clone();
    view! {
        <li class="cart-line" class:eat-in=eat_in data-product-id=line.product_id>
            // Tapping the line opens its dialog: discount and price override.
            <button class="line-info" aria-haspopup="dialog"
                title=move || pick("値引き・売価変更", "Discount, price")
                on:click=move |_| till.open_line.set(Some(index))>
                <span class="name">{line.name.clone()}</span>
                <span class="unit">
                    {format!("{} × {}", line.unit_price, quantity)}
                    {repriced.then(|| view! { " " <span class="discount">{move || pick("売価変更", "repriced")}</span> })}
                    {discount.map(|d| view! { " " <span class="discount">{d}</span> })}
                </span>
            </button>
            <span class="qty-controls">
                {may_eat_in.then(|| view! { <EatInToggle index eat_in /> })}
                // − at 1 takes the line away (with 元に戻す).
                <button class="qty-minus" aria-label=move || if quantity <= 1 { pick("削除", "Remove") } else { "−1" }
                    on:click=move |_| if quantity <= 1 {
                        till.remove_line(index);
                    } else {
                        till.lines.update(|l| cart::change_quantity(l, index, -1));
                    }>"−"</button>
                <span class="qty">{quantity}</span>
                <button class="qty-plus" aria-label="+1"
                    on:click=move |_| till.lines.update(|l| cart::change_quantity(l, index, 1))>"＋"</button>
            </span>
            <span class="net">{net}</span>
            <button class="remove danger" aria-label=format!("{name} {}", pick("削除", "Remove"))
                on:click=move |_| till.remove_line(index)>{t!("削除", "Remove")}</button>
        </li>
    }
}

/// 「元に戻す」 for a few seconds after a line leaves the cart.
#[component]
pub(super) fn UndoToast() -> impl IntoView {
    let till = use_till();
    move || {
        till.removed.get().map(|r| {
            let name = r.line.name;
            view! {
                <div class="toast" id="undo-toast" role="status">
                    <span>{move || match crate::i18n::use_language().get() {
                        crate::i18n::Lang::Ja => format!("「{name}」を削除しました"),
                        crate::i18n::Lang::En => format!("Removed {name}"),
                    }}</span>
                    <button id="undo-remove" class="primary" on:click=move |_| till.undo_remove()>
                        {t!("元に戻す", "Undo")}
                    </button>
                </div>
            }
        })
    }
}

/// 「店内」: one tap rings a food line as eaten on the spot (10 %), another takes it away
/// again (8 %). Shown only where the event offers tables, on food lines.
#[component]
fn EatInToggle(index: usize, eat_in: bool) -> impl IntoView {
    let till = use_till();
    view! {
        <button class="eat-in-toggle" class:active=eat_in aria-pressed=eat_in.to_string()
            title=move || pick("店内飲食(10%)", "Eaten here (10%)")
            on:click=move |_| toggle_eat_in(till, index)>
            {t!("店内", "Eat-in")}
        </button>
    }
}

fn toggle_eat_in(till: TillState, index: usize) {
    let Some(catalog) = till.catalog.get_untracked() else {
        return;
    };
    let refused = till
        .lines
        .try_update(|lines| cart::toggle_eat_in(&catalog, lines, index).err())
        .flatten();
    till.notice.set(refused.map(|e| Notice::Error(e.to_string())));
}
