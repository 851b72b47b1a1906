//! 受注の割り振り as facility staff see it: only their own shares, each to confirm (引き受ける)
//! or decline with a reason (a declined share goes back to the desk).

use crate::api::orders as api;
use crate::components::{FormStatus, Loaded, StatusBanner, TextField};
use crate::forms::save;
use crate::i18n::pick;
use crate::t;
use leptos::prelude::*;
use selpos_domain::orders::{Answer, AnswerInput, Item, Order, Share, ShareStatus};

#[component]
pub fn SharesPage() -> impl IntoView {
    let orders = LocalResource::new(api::list);
    let status: FormStatus = RwSignal::new(None);
    view! {
        <h1>{t!("受注の割り振り", "Our shares of joint orders")}</h1>
        <p class="hint">{t!("共同受注窓口から割り振られた自事業所の分です。引き受けるか、理由を添えて辞退してください。",
            "Your facility's shares of the council's joint orders: confirm, or decline with a reason.")}</p>
        <div class="toolbar">
            <a class="button" href="/orders/payouts">{t!("支払明細", "Payout statements")}</a>
            <a class="button" href="/orders/capacities" id="open-capacities">{t!("受注能力の申告", "Declare capacity")}</a>
        </div>
        <StatusBanner status />
        <Loaded load=move || orders.get() ok=move |list| if list.is_empty() {
            view! { <p class="empty">{t!("割り振られた受注はありません", "No shares yet")}</p> }.into_any()
        } else {
            view! {
                <div id="share-list">
                    {list.into_iter().map(|o| view! { <OrderShares order=o status on_done=move || orders.refetch() /> }).collect_view()}
                </div>
            }.into_any()
        } />
    }
}

#[component]
fn OrderShares(
    order: Order,
    status: FormStatus,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let order_id = order.id;
    view! {
        <section class="panel order-shares" data-order=order_id>
            <h2>{format!("JO-{} {}", order.id, order.subject)}</h2>
            <p>{format!("{}({}) ・ {} ・ {}", order.buyer.name, order.buyer.kind.label_ja(), order.status.label_ja(), super::first_delivery(&order))}</p>
            <table class="list">
                <thead><tr>
                    <th>{t!("品目", "Item")}</th><th class="num">{t!("自事業所の数量", "Our quantity")}</th>
                    <th class="num">{t!("単価", "Unit price")}</th><th class="num">{t!("金額", "Amount")}</th>
                    <th>{t!("状態", "Status")}</th><th></th>
                </tr></thead>
                <tbody>
                    {order.items.iter().flat_map(|item| item.shares.iter().map(move |share| (item.clone(), share.clone()))).map(|(item, share)| view! {
                        <ShareRow order_id item share status on_done />
                    }).collect_view()}
                </tbody>
            </table>
            <a class="button" href=format!("/orders/{order_id}/document?kind=delivery")>{t!("納品書", "Delivery note")}</a>
        </section>
    }
}

#[component]
fn ShareRow(
    order_id: i64,
    item: Item,
    share: Share,
    status: FormStatus,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let share_id = share.id;
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let answer = move |answer: Answer| {
        let input = AnswerInput {
            answer,
            reason: reason.get_untracked(),
        };
        save(
            status,
            Some(busy),
            async move { api::answer(order_id, share_id, &input).await },
            move |_| {
                on_done();
                Some(
                    match answer {
                        Answer::Confirm => pick("引き受けました", "Confirmed"),
                        Answer::Decline => pick(
                            "辞退しました。窓口が割り振り直します",
                            "Declined: the desk will re-allocate",
                        ),
                    }
                    .into(),
                )
            },
        );
    };
    let open = share.status == ShareStatus::Proposed;
    view! {
        <tr class="share" data-share=share_id>
            <td>{format!("{}({})", item.description, item.unit)}</td>
            <td class="num">{share.quantity}</td>
            <td class="num">{item.unit_price.to_string()}</td>
            <td class="num">{share.amount.to_string()}</td>
            <td><span class=format!("share-status {}", share.status.code())>{share.status.label_ja()}</span>
                {(!share.reason.is_empty()).then(|| format!("(理由: {})", share.reason))}</td>
            <td>
                {open.then(|| view! {
                    <button class="primary confirm-share" disabled=move || busy.get() on:click=move |_| answer(Answer::Confirm)>{t!("引き受ける", "Confirm")}</button>
                    <TextField label=t!("辞退の理由", "Reason to decline") name="decline_reason" value=reason />
                    <button class="danger decline-share" disabled=move || busy.get() on:click=move |_| answer(Answer::Decline)>{t!("辞退する", "Decline")}</button>
                })}
            </td>
        </tr>
    }
}
