//! The totals by tax rate and the tender buttons: exact cash, quick cash, cashless, an amount
//! typed for a split tender.

use super::use_till;
use crate::i18n::{Lang, pick, use_language};
use crate::t;
use crate::till::cart::{add_tender, change_with, pay_exact, remaining};
use leptos::prelude::*;
use selpos_domain::Yen;
use selpos_domain::sales::payment::{Tender, TenderKind};

#[component]
pub(super) fn Totals() -> impl IntoView {
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
pub(super) fn TenderPanel() -> impl IntoView {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tender_labels_are_short() {
        assert_eq!(tender_label(TenderKind::CreditCard).0, "クレジット");
        assert_eq!(tender_label(TenderKind::QrPayment).0, "QR決済");
    }
}
