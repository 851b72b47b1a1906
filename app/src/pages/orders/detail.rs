//! One order as the desk works on it: its status moves, the allocation (割り振り) with the
//! suggestion and its explanation, the facilities' answers, payments, fee and payables, payout.

use super::{OrderForm, first_delivery, status_badge};
use crate::api::{ApiFailure, ApiResult, orders as api};
use crate::components::{
    FormStatus, LoadError, SelectField, StatusBanner, TextField, field_error, list_of, parse_number,
};
use crate::forms::save;
use crate::i18n::pick;
use crate::session::may;
use crate::t;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use selpos_domain::Yen;
use selpos_domain::access::Principal;
use selpos_domain::orders::{
    AllocationInput, ItemSuggestion, Order, OrderStatus, PaymentInput, PayoutInput, ShareInput, ShareStatus,
    StatusInput,
};

fn desk() -> bool {
    may(Principal::may_manage_council_data)
}

/// Today in Japan, as the date fields want it.
fn today() -> String {
    selpos_domain::events::tokyo_date(crate::till::browser::utc_now()).to_string()
}

/// `/orders/:id`.
#[component]
pub fn OrderPage() -> impl IntoView {
    let id = use_params_map()
        .with_untracked(|p| p.get("id"))
        .and_then(|v| v.parse::<i64>().ok());
    let Some(id) = id else {
        return view! { <super::super::NotFound /> }.into_any();
    };
    let data: RwSignal<Option<ApiResult<Order>>> = RwSignal::new(None);
    let reload = move || leptos::task::spawn_local(async move { data.set(Some(api::get_order(id).await)) });
    Effect::new(move |_| reload());
    let status: FormStatus = RwSignal::new(None);
    let editing = RwSignal::new(false);
    let set = move |order: Order| data.set(Some(Ok(order)));
    view! {
        {move || match data.get() {
            None => view! { <p class="loading">"読み込み中…"</p> }.into_any(),
            Some(Err(failure)) => view! { <LoadError failure /> }.into_any(),
            // What the page offers depends on who is signed in: wait for the session too.
            Some(Ok(_)) if crate::session::current().is_none() => view! { <p class="loading">"読み込み中…"</p> }.into_any(),
            Some(Ok(order)) => view! {
                <OrderView order=order.clone() status editing set />
            }.into_any(),
        }}
    }
    .into_any()
}

#[component]
fn OrderView(
    order: Order,
    status: FormStatus,
    editing: RwSignal<bool>,
    set: impl Fn(Order) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = order.id;
    let outstanding = Yen(order.total.0 - order.paid.0);
    let editable = order.status.editable();
    let for_form = order.clone();
    view! {
        <h1 id="order-title">{format!("JO-{} {}", order.id, order.subject)}</h1>
        <p class="order-summary">
            {status_badge(order.status)} " "
            <span id="order-status">{order.status.label_ja()}</span>
            {(!order.status_reason.is_empty()).then(|| format!("(理由: {})", order.status_reason))}
        </p>
        <StatusBanner status />
        <table class="list figures" id="order-facts">
            <tbody>
                <tr><th>{t!("発注者", "Buyer")}</th><td>{format!("{} {}({})", order.buyer.name, order.buyer.department, order.buyer.kind.label_ja())}</td></tr>
                <tr><th>{t!("担当・連絡先", "Contact")}</th><td>{order.buyer.contact.clone()}</td></tr>
                <tr><th>{t!("納期・納入場所", "Delivery")}</th><td>{first_delivery(&order)}</td></tr>
                <tr><th>{t!("支払条件", "Payment terms")}</th><td>{order.payment_terms.clone()}</td></tr>
                <tr><th>{t!("手数料", "Fee")}</th><td>{order.fee.label_ja()}</td></tr>
                <tr><th>{t!("合計(税込)", "Total (tax incl.)")}</th><td class="num" id="order-total">{order.total.to_string()}</td></tr>
                <tr><th>{t!("入金済", "Paid")}</th><td class="num" id="order-paid">{order.paid.to_string()}</td></tr>
                <tr><th>{t!("未入金", "Outstanding")}</th><td class="num" id="order-outstanding">{outstanding.to_string()}</td></tr>
            </tbody>
        </table>
        <div class="toolbar no-print">
            <a class="button" href=format!("/orders/{id}/document?kind=quote")>{t!("見積書", "Quote")}</a>
            <a class="button" href=format!("/orders/{id}/document?kind=delivery")>{t!("納品書(合算)", "Delivery note (all)")}</a>
            <a class="button" id="open-invoice" href=format!("/orders/{id}/document?kind=invoice")>{t!("請求書", "Invoice")}</a>
            {(desk() && editable).then(|| view! {
                <button id="edit-order" on:click=move |_| editing.set(true)>{t!("内容を編集", "Edit")}</button>
            })}
        </div>
        {move || (editing.get()).then(|| view! {
            <OrderForm order=Some(for_form.clone()) status on_done=move |saved| {
                editing.set(false);
                if let Some(o) = saved { set(o) }
            } />
        })}
        {desk().then(|| view! { <StatusActions order=order.clone() status set /> })}
        <Allocation order=order.clone() status set />
        <Payments order=order.clone() status set />
        <Payables order=order.clone() status set />
        {(desk() && !matches!(order.status, OrderStatus::PaidOut | OrderStatus::Lost | OrderStatus::Cancelled))
            .then(|| view! { <FeeForm order=order.clone() status set /> })}
        {(desk() && order.status == OrderStatus::PaidOut).then(|| view! { <AdjustmentForm order=order.clone() status set /> })}
    }
}

/// 手数料: the council's fee on this order and each facility's own (until payout).
#[component]
fn FeeForm(
    order: Order,
    status: FormStatus,
    set: impl Fn(Order) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    use crate::pages::events::{format_override, format_percent, parse_override, parse_percent};
    use selpos_domain::events::CommissionRule;
    use selpos_domain::orders::{FeeInput, FeeOverride};
    let id = order.id;
    let (kind, value) = match order.fee {
        CommissionRule::Fixed { yen } => ("fixed", yen.0.to_string()),
        CommissionRule::Percent { basis_points } => ("percent", format_percent(basis_points)),
    };
    let kind = RwSignal::new(kind.to_string());
    let value = RwSignal::new(value);
    let overrides: Vec<(i64, String, RwSignal<String>)> = order
        .payables
        .iter()
        .map(|p| {
            let current = order
                .fee_overrides
                .iter()
                .find(|o| o.facility_id == p.facility_id)
                .map(|o| o.fee);
            (
                p.facility_id,
                format!("{} {}", p.facility_number, p.facility_name),
                RwSignal::new(format_override(current)),
            )
        })
        .collect();
    // Overrides of facilities without a share now are kept as they are.
    let kept: Vec<FeeOverride> = order
        .fee_overrides
        .iter()
        .filter(|o| !order.payables.iter().any(|p| p.facility_id == o.facility_id))
        .cloned()
        .collect();
    let fields = overrides.clone();
    let busy = RwSignal::new(false);
    let options = Signal::derive(|| {
        vec![
            ("percent".to_string(), "受注額の%".to_string()),
            ("fixed".to_string(), "定額(円)".to_string()),
        ]
    });
    let submit = move |_| {
        let fee = if kind.get_untracked() == "fixed" {
            CommissionRule::Fixed {
                yen: Yen(parse_number(&value.get_untracked())),
            }
        } else {
            CommissionRule::Percent {
                basis_points: parse_percent(&value.get_untracked()),
            }
        };
        let mut fee_overrides = kept.clone();
        fee_overrides.extend(overrides.iter().filter_map(|(facility_id, _, text)| {
            parse_override(&text.get_untracked()).map(|fee| FeeOverride {
                facility_id: *facility_id,
                fee,
            })
        }));
        let input = FeeInput { fee, fee_overrides };
        save(
            status,
            Some(busy),
            async move { api::set_fee(id, &input).await },
            move |o| {
                set(o);
                Some(pick("手数料を保存しました", "Fee saved").into())
            },
        );
    };
    view! {
        <section class="panel no-print" id="fee">
            <h2>{t!("協議会の手数料", "Council fee")}</h2>
            <div class="grid">
                <SelectField label=t!("手数料の方式", "Fee kind") name="order_fee_kind" value=kind options />
                <TextField label=t!("手数料(% または 円)", "Fee (% or yen)") name="order_fee_value" value=value inputmode="decimal" error=field_error(status, "fee") />
                {fields.into_iter().map(|(_, name, text)| view! {
                    <TextField label=format!("{name}の手数料") name="fee_override" value=text
                        hint=t!("空欄: 既定 / 12% / 3000(円)", "Blank: default / 12% / 3000 (yen)") />
                }).collect_view()}
            </div>
            <button class="primary" id="save-fee" disabled=move || busy.get() on:click=submit>{t!("手数料を保存", "Save fee")}</button>
        </section>
    }
}

/// 支払後の調整: a correction of a facility's payable on a paid-out order, with a reason.
#[component]
fn AdjustmentForm(
    order: Order,
    status: FormStatus,
    set: impl Fn(Order) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    use selpos_domain::settlement::AdjustmentInput;
    let id = order.id;
    let facility = RwSignal::new(
        order
            .payables
            .first()
            .map(|p| p.facility_id.to_string())
            .unwrap_or_default(),
    );
    let options = Signal::derive({
        let payables = order.payables.clone();
        move || {
            payables
                .iter()
                .map(|p| {
                    (
                        p.facility_id.to_string(),
                        format!("{} {}", p.facility_number, p.facility_name),
                    )
                })
                .collect::<Vec<_>>()
        }
    });
    let amount = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let adjustment_id = RwSignal::new(uuid::Uuid::now_v7());
    let busy = RwSignal::new(false);
    let submit = move |_| {
        let input = AdjustmentInput {
            id: adjustment_id.get_untracked(),
            facility_id: facility.get_untracked().parse().unwrap_or_default(),
            amount: Yen(parse_number(&amount.get_untracked())),
            reason: reason.get_untracked(),
        };
        save(
            status,
            Some(busy),
            async move { api::adjust(id, &input).await },
            move |o| {
                adjustment_id.set(uuid::Uuid::now_v7());
                set(o);
                Some(pick("調整を記録しました", "Adjustment recorded").into())
            },
        );
    };
    view! {
        <section class="panel no-print" id="adjustment">
            <h2>{t!("支払後の調整", "Adjustment after payout")}</h2>
            <p class="hint">{t!("プラスは事業所への支払いを増やし、マイナスは減らします。記録は監査ログに残ります。", "Positive pays the facility more, negative less. Audited.")}</p>
            <SelectField label=t!("事業所", "Facility") name="adjust-facility" value=facility options />
            <TextField label=t!("調整額(円)", "Amount (yen)") name="adjust-amount" value=amount inputmode="numeric" error=field_error(status, "amount") />
            <TextField label=t!("理由", "Reason") name="adjust-reason" value=reason error=field_error(status, "reason") />
            <button class="primary big" id="record-adjustment" disabled=move || busy.get() on:click=submit>{t!("調整を記録", "Record adjustment")}</button>
        </section>
    }
}

/// The moves staff may make by hand from the order's status.
#[component]
fn StatusActions(
    order: Order,
    status: FormStatus,
    set: impl Fn(Order) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = order.id;
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let go = move |next: OrderStatus| {
        let input = StatusInput {
            status: next,
            reason: reason.get_untracked(),
            on: None,
        };
        save(
            status,
            Some(busy),
            async move { api::set_status(id, &input).await },
            move |o| {
                set(o);
                Some(format!("「{}」にしました", next.label_ja()))
            },
        );
    };
    let forward: Vec<OrderStatus> = OrderStatus::ALL
        .into_iter()
        .filter(|s| order.status.may_become(*s) && !s.needs_reason())
        .collect();
    let ending: Vec<OrderStatus> = OrderStatus::ALL
        .into_iter()
        .filter(|s| order.status.may_become(*s) && s.needs_reason())
        .collect();
    let has_ending = !ending.is_empty();
    view! {
        <section class="panel no-print" id="status-actions">
            <h2>{t!("状態を進める", "Move the order")}</h2>
            <div class="toolbar-row">
                {forward.into_iter().map(|s| view! {
                    <button class="primary big" data-status=s.code() disabled=move || busy.get() on:click=move |_| go(s)>
                        {format!("{}にする", s.label_ja())}
                    </button>
                }).collect_view()}
            </div>
            {has_ending.then(|| view! {
                <TextField label=t!("失注・取消の理由", "Reason (lost or cancelled)") name="status_reason" value=reason error=field_error(status, "reason") />
                <div class="toolbar-row">
                    {ending.into_iter().map(|s| view! {
                        <button class="danger" data-status=s.code() disabled=move || busy.get() on:click=move |_| go(s)>
                            {format!("{}にする", s.label_ja())}
                        </button>
                    }).collect_view()}
                </div>
            })}
            {(!order.allocation_problems.is_empty()).then(|| view! {
                <ul class="hint" id="allocation-problems">
                    {order.allocation_problems.iter().map(|p| view! { <li>{p.message.clone()}</li> }).collect_view()}
                </ul>
            })}
        </section>
    }
}

/// One row of the allocation being edited.
#[derive(Clone)]
struct ShareRow {
    key: usize,
    item_id: i64,
    facility: RwSignal<String>,
    quantity: RwSignal<String>,
    /// The saved share's answer, if this row was loaded.
    answer: Option<(ShareStatus, String)>,
}

/// 割り振り: shares per item per facility, checked against the item's quantity.
#[component]
fn Allocation(
    order: Order,
    status: FormStatus,
    set: impl Fn(Order) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = order.id;
    let editable = desk() && order.status.allocatable();
    let facilities = LocalResource::new(|| crate::api::facilities(false, None));
    let facility_list = list_of(facilities);
    let facility_options = Signal::derive(move || {
        let mut options = vec![(
            String::new(),
            pick("(事業所を選ぶ)", "(choose a facility)").to_string(),
        )];
        options.extend(facility_list.get().iter().map(crate::components::facility_option));
        options
    });
    let next_key = StoredValue::new(0usize);
    let new_row =
        move |item_id: i64, facility: String, quantity: String, answer: Option<(ShareStatus, String)>| {
            let key = next_key.get_value();
            next_key.set_value(key + 1);
            ShareRow {
                key,
                item_id,
                facility: RwSignal::new(facility),
                quantity: RwSignal::new(quantity),
                answer,
            }
        };
    let rows: RwSignal<Vec<ShareRow>> = RwSignal::new(
        order
            .items
            .iter()
            .flat_map(|i| {
                i.shares.iter().map(move |s| {
                    new_row(
                        i.id,
                        s.facility_id.to_string(),
                        s.quantity.to_string(),
                        Some((s.status, s.reason.clone())),
                    )
                })
            })
            .collect(),
    );
    let suggestion: RwSignal<Option<ApiResult<Vec<ItemSuggestion>>>> = RwSignal::new(None);
    let suggest = move |_| {
        leptos::task::spawn_local(async move { suggestion.set(Some(api::suggestion(id).await)) });
    };
    let accept = move |_| {
        if let Some(Ok(list)) = suggestion.get_untracked() {
            rows.update(|rs| {
                for s in &list {
                    rs.retain(|r| r.item_id != s.item_id);
                    for share in s.shares.iter().filter(|sh| sh.quantity > 0) {
                        rs.push(new_row(
                            s.item_id,
                            share.facility_id.to_string(),
                            share.quantity.to_string(),
                            None,
                        ));
                    }
                }
            });
        }
    };
    let busy = RwSignal::new(false);
    let save_allocation = move |_| {
        let input = AllocationInput {
            shares: rows
                .get_untracked()
                .iter()
                .filter(|r| !r.facility.get_untracked().is_empty())
                .map(|r| ShareInput {
                    item_id: r.item_id,
                    facility_id: r.facility.get_untracked().parse().unwrap_or_default(),
                    quantity: parse_number(&r.quantity.get_untracked()),
                })
                .collect(),
        };
        save(
            status,
            Some(busy),
            async move { api::allocate(id, &input).await },
            move |o| {
                set(o);
                Some(pick("割り振りを保存しました", "Allocation saved").into())
            },
        );
    };
    let items = order.items.clone();
    view! {
        <section class="panel" id="allocation">
            <h2>{t!("割り振り", "Allocation")}</h2>
            {editable.then(|| view! {
                <div class="toolbar-row no-print">
                    <button id="suggest" on:click=suggest>{t!("割り振りを提案", "Suggest an allocation")}</button>
                </div>
            })}
            {move || suggestion.get().map(|s| match s {
                Err(failure) => view! { <LoadError failure /> }.into_any(),
                Ok(list) => view! {
                    <div class="suggestion" id="suggestion">
                        <h3>{t!("提案", "Suggestion")}</h3>
                        {list.iter().map(|s| view! {
                            <div class="suggested-item">
                                <p><strong>{format!("{}({})", s.description, s.quantity)}</strong> " "
                                    {s.shares.iter().map(|sh| format!("{} {}", sh.facility_name, sh.quantity)).collect::<Vec<_>>().join("、")}
                                    {(s.unallocated > 0).then(|| format!(" ・ 未割当 {}", s.unallocated))}</p>
                                <p class="hint explanation">{s.explanation.clone()}</p>
                            </div>
                        }).collect_view()}
                        <button class="primary" id="accept-suggestion" on:click=accept>{t!("提案を反映", "Use the suggestion")}</button>
                    </div>
                }.into_any(),
            })}
            {items.into_iter().map(|item| {
                let item_id = item.id;
                let quantity = item.quantity;
                let allocated = move || rows.with(|rs| rs.iter()
                    .filter(|r| r.item_id == item_id && !r.facility.get().is_empty())
                    .map(|r| parse_number(&r.quantity.get()).max(0))
                    .fold(0i64, i64::saturating_add));
                let item_rows = move || {
                    let mut list = rows.get();
                    list.retain(|r| r.item_id == item_id);
                    list
                };
                view! {
                    <div class="allocation-item" data-item=item_id>
                        <h3>{format!("{}({} {} × {} ・ {})", item.description, item.quantity, item.unit, item.unit_price, item.tax_rate.label_ja())}</h3>
                        <p class="allocation-total" class:alert=move || allocated() != quantity>
                            {move || {
                                let a = allocated();
                                if a == quantity { format!("✓ 割り振り {a} / {quantity}") } else { format!("割り振り {a} / {quantity}(残り {})", quantity - a) }
                            }}
                        </p>
                        <For each=item_rows key=|r| r.key let:row>
                            <div class="register-row share-row">
                                {if editable {
                                    view! {
                                        <SelectField label=t!("事業所", "Facility") name="share_facility" value=row.facility options=facility_options />
                                        <TextField label=t!("数量", "Quantity") name="share_quantity" value=row.quantity inputmode="numeric" />
                                    }.into_any()
                                } else {
                                    let name = move || facility_list.with(|fs| fs.iter().find(|f| f.id.to_string() == row.facility.get()).map(|f| f.name.clone())).unwrap_or_else(|| row.facility.get());
                                    view! { <span class="share-facility">{name}</span> " " <span class="num">{move || row.quantity.get()}</span> }.into_any()
                                }}
                                {row.answer.clone().map(|(s, reason)| view! {
                                    <span class=format!("share-status {}", s.code())>{s.label_ja()} {(!reason.is_empty()).then(|| format!("(理由: {reason})"))}</span>
                                })}
                                {editable.then(|| view! {
                                    <button type="button" class="danger" on:click=move |_| rows.update(|rs| rs.retain(|r| r.key != row.key))>{t!("削除", "Remove")}</button>
                                })}
                            </div>
                        </For>
                        {editable.then(|| view! {
                            <button type="button" class="add-share" on:click=move |_| rows.update(|rs| rs.push(new_row(item_id, String::new(), String::new(), None)))>
                                {t!("＋ 事業所を追加", "+ Add facility")}
                            </button>
                        })}
                    </div>
                }
            }).collect_view()}
            {editable.then(|| view! {
                <button class="primary big" id="save-allocation" disabled=move || busy.get() on:click=save_allocation>
                    {t!("割り振りを保存", "Save allocation")}
                </button>
            })}
        </section>
    }
}

/// 入金: the payments received, and a new one.
#[component]
fn Payments(
    order: Order,
    status: FormStatus,
    set: impl Fn(Order) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = order.id;
    let received_on = RwSignal::new(today());
    let outstanding = order.total.0 - order.paid.0;
    let amount = RwSignal::new(if outstanding > 0 {
        outstanding.to_string()
    } else {
        String::new()
    });
    let note = RwSignal::new(String::new());
    let payment_id = RwSignal::new(uuid::Uuid::now_v7());
    let busy = RwSignal::new(false);
    let may_pay = desk() && order.status == OrderStatus::Invoiced && outstanding > 0;
    let record = move |_| {
        let Ok(on) = NaiveDate::parse_from_str(received_on.get_untracked().trim(), "%Y-%m-%d") else {
            status.set(Some(Err(ApiFailure {
                code: "validation".into(),
                message: "入金日を入力してください".into(),
                fields: vec![],
            })));
            return;
        };
        let input = PaymentInput {
            id: payment_id.get_untracked(),
            received_on: on,
            amount: Yen(parse_number(&amount.get_untracked())),
            note: note.get_untracked(),
        };
        save(
            status,
            Some(busy),
            async move { api::add_payment(id, &input).await },
            move |o| {
                payment_id.set(uuid::Uuid::now_v7());
                set(o);
                Some(pick("入金を記録しました", "Payment recorded").into())
            },
        );
    };
    view! {
        <section class="panel" id="payments">
            <h2>{t!("入金", "Payments")}</h2>
            {if order.payments.is_empty() {
                view! { <p class="empty">{t!("入金はまだありません", "No payment yet")}</p> }.into_any()
            } else {
                view! {
                    <table class="list" id="payment-list">
                        <thead><tr><th>{t!("入金日", "Date")}</th><th class="num">{t!("金額", "Amount")}</th><th>{t!("メモ", "Note")}</th><th>{t!("記録", "By")}</th></tr></thead>
                        <tbody>
                            {order.payments.iter().map(|p| view! {
                                <tr><td>{p.received_on.to_string()}</td><td class="num">{p.amount.to_string()}</td><td>{p.note.clone()}</td>
                                    <td>{format!("{} {}", super::super::local_time(p.at), p.by)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <p>{t!("未入金", "Outstanding")} " " <strong id="outstanding">{Yen(outstanding).to_string()}</strong></p>
            {may_pay.then(|| view! {
                <div class="grid no-print">
                    <TextField label=t!("入金日", "Received on") name="payment_on" value=received_on input_type="date" error=field_error(status, "received_on") />
                    <TextField label=t!("入金額(円)", "Amount (yen)") name="payment_amount" value=amount inputmode="numeric" error=field_error(status, "amount") />
                    <TextField label=t!("メモ", "Note") name="payment_note" value=note error=field_error(status, "note") />
                </div>
                <button class="primary big no-print" id="record-payment" disabled=move || busy.get() on:click=record>{t!("入金を記録", "Record payment")}</button>
            })}
        </section>
    }
}

/// Each facility's part: its amount, the council's fee and tax, adjustments, payable; payout.
#[component]
fn Payables(
    order: Order,
    status: FormStatus,
    set: impl Fn(Order) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = order.id;
    let paid_out_on = RwSignal::new(today());
    let busy = RwSignal::new(false);
    let may_pay_out = desk() && order.status == OrderStatus::Paid;
    let month = order.paid_out_on.map(|d| d.format("%Y-%m").to_string());
    let pay_out = move |_| {
        let Ok(on) = NaiveDate::parse_from_str(paid_out_on.get_untracked().trim(), "%Y-%m-%d") else {
            return;
        };
        save(
            status,
            Some(busy),
            async move { api::payout(id, &PayoutInput { paid_out_on: on }).await },
            move |o| {
                set(o);
                Some(
                    pick(
                        "事業所への支払を記録しました(ロック)",
                        "Paid out: the order is locked",
                    )
                    .into(),
                )
            },
        );
    };
    view! {
        <section class="panel" id="payables">
            <h2>{t!("手数料と事業所への支払額", "Fee and payables")}</h2>
            <table class="list" id="payable-list">
                <thead><tr>
                    <th>{t!("事業所", "Facility")}</th><th class="num">{t!("受注額", "Amount")}</th><th>{t!("手数料", "Fee rule")}</th>
                    <th class="num">{t!("手数料額", "Fee")}</th><th class="num">{t!("(内税10%)", "(tax 10%)")}</th>
                    <th class="num">{t!("調整", "Adjustments")}</th><th class="num">{t!("支払額", "Payable")}</th><th></th>
                </tr></thead>
                <tbody>
                    {order.payables.iter().map(|p| {
                        let statement = month.clone().map(|m| view! {
                            <a class="button" href=format!("/orders/payouts?facility={}&month={m}", p.facility_id)>{t!("支払明細", "Statement")}</a>
                        });
                        view! {
                            <tr data-facility=p.facility_id>
                                <td>{format!("{} {}", p.facility_number, p.facility_name)}</td>
                                <td class="num">{p.net.to_string()}</td>
                                <td>{p.fee_rule.label_ja()}</td>
                                <td class="num">{p.fee.to_string()}</td>
                                <td class="num">{p.fee_tax.to_string()}</td>
                                <td class="num">{p.adjustments_total.on_statement()}</td>
                                <td class="num payable">{p.payable.on_statement()}</td>
                                <td>
                                    <a class="button" href=format!("/orders/{id}/document?kind=delivery&facility={}", p.facility_id)>{t!("納品書", "Delivery note")}</a>
                                    {statement}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {order.paid_out_on.map(|d| view! { <p id="paid-out-on">{format!("支払日 {d}(ロック済み。以後の修正は調整のみ)")}</p> })}
            {may_pay_out.then(|| view! {
                <div class="grid no-print">
                    <TextField label=t!("支払日", "Paid out on") name="paid_out_on" value=paid_out_on input_type="date" />
                </div>
                <button class="primary big no-print" id="pay-out" disabled=move || busy.get() on:click=pay_out>{t!("事業所へ支払う(ロック)", "Pay out (lock)")}</button>
            })}
        </section>
    }
}
