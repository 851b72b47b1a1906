//! 共同購入: the council's purchase rounds (list, the form for a new one, the unpaid list), one
//! round (orders per facility, the total to order from the supplier, close, bill, payments,
//! what is still owed; facility staff put their own quantity there), and the A4 invoice from
//! the council to one facility.

use crate::api::{ApiFailure, ApiResult, purchases as api};
use crate::components::{
    FormStatus, LoadError, Loaded, SelectField, StatusBanner, TextField, facility_option, field_error,
    list_of, options_of, parse_number,
};
use crate::forms::save;
use crate::i18n::pick;
use crate::session::{current, may};
use crate::t;
use chrono::{NaiveDate, NaiveDateTime};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use selpos_domain::Yen;
use selpos_domain::access::Principal;
use selpos_domain::orders::{InvoiceLine, PaymentInput};
use selpos_domain::purchases::{
    Bill, BillInput, CancelInput, OrderLineInput, OrdersInput, PurchaseInvoice, Round, RoundInput,
    RoundStatus,
};
use selpos_domain::tax::TaxRate;

fn council() -> bool {
    may(Principal::may_manage_council_data)
}

fn own_facility() -> Option<i64> {
    current()
        .filter(|s| !s.user.role.is_council())
        .and_then(|s| s.user.facility_id)
}

fn today() -> String {
    selpos_domain::events::tokyo_date(crate::till::browser::utc_now()).to_string()
}

fn failure(message: &str) -> Option<Result<String, ApiFailure>> {
    Some(Err(ApiFailure {
        code: "validation".into(),
        message: message.into(),
        fields: vec![],
    }))
}

pub(crate) fn status_badge(status: RoundStatus) -> impl IntoView {
    view! { <span class=format!("state purchase-{}", status.code())>{status.label_ja()}</span> }
}

/// `/purchases`: the rounds, the form for a new one (council), and who still owes.
#[component]
pub fn PurchasesPage() -> impl IntoView {
    let rounds = LocalResource::new(api::list);
    let status: FormStatus = RwSignal::new(None);
    let creating = RwSignal::new(false);
    view! {
        <h1>{t!("共同購入", "Group purchases")}</h1>
        <p class="hint">{t!("協議会が会員事業所の分をまとめて購入します。締切までに各事業所が数量を注文し、締切後に協議会が仕入先へ発注して、事業所ごとに請求します。",
            "The council buys for its facilities: each orders its quantity by the deadline, then the council orders the total and bills each facility.")}</p>
        <div class="toolbar">
            <a class="button" id="open-statement" href="/purchases/statement">{t!("月次請求書", "Monthly statement")}</a>
            {move || council().then(|| view! {
                <button class="primary big" id="new-round" on:click=move |_| creating.set(true)>{t!("＋ 新しい共同購入", "+ New purchase round")}</button>
                <a class="button" href="/api/v1/purchases/unpaid?format=csv" download="purchase-unpaid.csv">{t!("未収一覧CSV", "Unpaid list (CSV)")}</a>
            })}
        </div>
        <StatusBanner status />
        {move || creating.get().then(|| view! {
            <RoundForm status on_done=move |saved| {
                creating.set(false);
                if saved { rounds.refetch(); }
            } />
        })}
        <Loaded load=move || rounds.get() ok=move |list| if list.is_empty() {
            view! { <p class="empty">{t!("共同購入はありません", "No purchase rounds")}</p> }.into_any()
        } else {
            view! {
                <table class="list" id="round-list">
                    <thead><tr>
                        <th>{t!("状態", "Status")}</th><th>{t!("件名", "Title")}</th><th>{t!("品名", "Item")}</th>
                        <th class="num">{t!("単価(税込)", "Unit price")}</th><th>{t!("締切", "Deadline")}</th>
                        <th class="num">{t!("注文数", "Ordered")}</th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|r| view! {
                            <tr data-round=r.id>
                                <td>{status_badge(r.status)}</td>
                                <td><a class="open-round" href=format!("/purchases/{}", r.id)>{r.title.clone()}</a></td>
                                <td>{format!("{}{}", r.item_name, if r.tax_rate == TaxRate::Reduced { "※" } else { "" })}</td>
                                <td class="num">{r.unit_price.to_string()}</td>
                                <td>{r.deadline_ja.clone()}</td>
                                <td class="num">{format!("{} {}", r.total_quantity, r.unit)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        } />
        // The council: every facility; facility staff: their own (the API narrows it).
        <Unpaid />
    }
}

/// 未収一覧: billed less paid per facility (facility staff: their own).
#[component]
fn Unpaid() -> impl IntoView {
    let unpaid = LocalResource::new(api::unpaid);
    view! {
        <section class="panel" id="unpaid">
            <h2>{move || if own_facility().is_some() { pick("未払いの請求(自事業所)", "Our unpaid bills") } else { pick("未収一覧", "Who still owes") }}</h2>
            <Loaded load=move || unpaid.get() ok=move |list| if list.facilities.is_empty() {
                view! { <p class="empty">{t!("未収はありません", "Nothing owed")}</p> }.into_any()
            } else {
                view! {
                    <table class="list" id="unpaid-list">
                        <thead><tr><th>{t!("事業所", "Facility")}</th><th class="num">{t!("請求額", "Billed")}</th>
                            <th class="num">{t!("入金済", "Paid")}</th><th class="num">{t!("未収", "Owed")}</th><th>{t!("請求書", "Bills")}</th></tr></thead>
                        <tbody>
                            {list.facilities.iter().map(|f| view! {
                                <tr data-facility=f.facility_id><td>{format!("{} {}", f.facility_number, f.facility_name)}</td>
                                    <td class="num">{f.billed.to_string()}</td><td class="num">{f.paid.to_string()}</td>
                                    <td class="num owed">{f.balance.to_string()}</td><td>{f.bills.join(", ")}</td></tr>
                            }).collect_view()}
                            <tr class="grand"><th>{t!("合計", "Total")}</th><td class="num">{list.billed.to_string()}</td>
                                <td class="num">{list.paid.to_string()}</td><td class="num" id="unpaid-total">{list.balance.to_string()}</td><td></td></tr>
                        </tbody>
                    </table>
                }.into_any()
            } />
        </section>
    }
}

/// The form of a round: new, or changing an open one.
#[component]
fn RoundForm(
    status: FormStatus,
    #[prop(optional)] round: Option<Round>,
    on_done: impl Fn(bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = round.as_ref().map(|r| r.id);
    let local = round
        .as_ref()
        .map(|r| super::tokyo(r.deadline).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default();
    let title = RwSignal::new(round.as_ref().map(|r| r.title.clone()).unwrap_or_default());
    let item = RwSignal::new(round.as_ref().map(|r| r.item_name.clone()).unwrap_or_default());
    let unit = RwSignal::new(
        round
            .as_ref()
            .map(|r| r.unit.clone())
            .unwrap_or_else(|| "本".into()),
    );
    let price = RwSignal::new(
        round
            .as_ref()
            .map(|r| r.unit_price.0.to_string())
            .unwrap_or_default(),
    );
    let rate = RwSignal::new(
        round
            .as_ref()
            .map(|r| r.tax_rate)
            .unwrap_or(TaxRate::Standard)
            .code()
            .to_string(),
    );
    let deadline = RwSignal::new(local);
    let supplier = RwSignal::new(round.as_ref().map(|r| r.supplier.clone()).unwrap_or_default());
    let note = RwSignal::new(round.as_ref().map(|r| r.note.clone()).unwrap_or_default());
    let busy = RwSignal::new(false);
    let rates = Signal::derive(|| {
        TaxRate::ALL
            .iter()
            .map(|r| (r.code().to_string(), r.label_ja().to_string()))
            .collect::<Vec<_>>()
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(local) = NaiveDateTime::parse_from_str(deadline.get_untracked().trim(), "%Y-%m-%dT%H:%M")
        else {
            status.set(failure("締切の日時を入力してください"));
            return;
        };
        let input = RoundInput {
            title: title.get_untracked(),
            item_name: item.get_untracked(),
            unit: unit.get_untracked(),
            unit_price: Yen(parse_number(&price.get_untracked())),
            tax_rate: TaxRate::from_code(&rate.get_untracked()).unwrap_or(TaxRate::Standard),
            deadline: local.and_utc() - chrono::TimeDelta::hours(9),
            supplier: supplier.get_untracked(),
            note: note.get_untracked(),
        };
        save(
            status,
            Some(busy),
            async move { api::save_round(id, &input).await },
            move |r| {
                on_done(true);
                Some(format!("「{}」を保存しました", r.title))
            },
        );
    };
    view! {
        <form class="editor panel" id="round-form" on:submit=submit>
            <h2>{if id.is_some() { t!("共同購入の変更", "Change the round")() } else { t!("新しい共同購入", "New purchase round")() }}</h2>
            <div class="grid">
                <TextField label=t!("件名", "Title") name="title" value=title required=true error=field_error(status, "title")
                    hint=t!("例 令和8年度 消毒用アルコール共同購入", "e.g. disinfectant alcohol 2026") />
                <TextField label=t!("品名", "Item") name="item_name" value=item required=true error=field_error(status, "item_name")
                    hint=t!("例 消毒用アルコール 5L", "e.g. alcohol 5 L") />
                <TextField label=t!("単位", "Unit") name="unit" value=unit required=true error=field_error(status, "unit") />
                <TextField label=t!("単価(税込・円)", "Unit price (tax incl., yen)") name="unit_price" value=price inputmode="numeric" required=true error=field_error(status, "unit_price") />
                <SelectField label=t!("税率", "Tax rate") name="tax_rate" value=rate options=rates />
                <TextField label=t!("注文締切(日本時間)", "Order deadline (Japan time)") name="deadline" value=deadline input_type="datetime-local" required=true error=field_error(status, "deadline") />
                <TextField label=t!("仕入先", "Supplier") name="supplier" value=supplier error=field_error(status, "supplier") />
                <TextField label=t!("備考", "Note") name="note" value=note error=field_error(status, "note") />
            </div>
            <button type="submit" class="primary big" id="save-round" disabled=move || busy.get()>{t!("保存", "Save")}</button>
            <button type="button" class="big" on:click=move |_| on_done(false)>{t!("キャンセル", "Cancel")}</button>
        </form>
    }
}

/// `/purchases/:id`.
#[component]
pub fn RoundPage() -> impl IntoView {
    let id = use_params_map()
        .with_untracked(|p| p.get("id"))
        .and_then(|v| v.parse::<i64>().ok());
    let Some(id) = id else {
        return view! { <super::NotFound /> }.into_any();
    };
    let data: RwSignal<Option<ApiResult<Round>>> = RwSignal::new(None);
    let reload = move || leptos::task::spawn_local(async move { data.set(Some(api::get_round(id).await)) });
    Effect::new(move |_| reload());
    let status: FormStatus = RwSignal::new(None);
    let set = move |round: Round| data.set(Some(Ok(round)));
    view! {
        <div class="toolbar"><a class="button" href="/purchases">{t!("共同購入の一覧へ", "All rounds")}</a></div>
        <StatusBanner status />
        {move || match data.get() {
            None => view! { <p class="loading">"読み込み中…"</p> }.into_any(),
            Some(Err(failure)) => view! { <LoadError failure /> }.into_any(),
            Some(Ok(_)) if current().is_none() => view! { <p class="loading">"読み込み中…"</p> }.into_any(),
            Some(Ok(round)) => view! { <RoundView round status set reload /> }.into_any(),
        }}
    }
    .into_any()
}

#[component]
fn RoundView(
    round: Round,
    status: FormStatus,
    set: impl Fn(Round) + Copy + Send + Sync + 'static,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = round.id;
    let editing = RwSignal::new(false);
    let for_form = round.clone();
    let open = round.status == RoundStatus::Open;
    let closable = round.status == RoundStatus::Open;
    let billable = round.status == RoundStatus::Closed;
    let cancellable = matches!(round.status, RoundStatus::Open | RoundStatus::Closed);
    let busy = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let act = move |what: &'static str| {
        let reason = reason.get_untracked();
        save(
            status,
            Some(busy),
            async move {
                match what {
                    "close" => api::close(id).await,
                    "bill" => api::bill(id, &BillInput::default()).await,
                    _ => api::cancel(id, &CancelInput { reason }).await,
                }
            },
            move |r| {
                set(r);
                Some(
                    match what {
                        "close" => pick("締め切りました", "Closed"),
                        "bill" => pick("事業所ごとの請求書を作成しました", "Bills issued"),
                        _ => pick("中止しました", "Cancelled"),
                    }
                    .into(),
                )
            },
        );
    };
    view! {
        <h1 id="round-title">{round.title.clone()}</h1>
        <p class="round-summary">
            {status_badge(round.status)} " "
            {format!("{}({}) 単価 {}(税込・{}) ・ 締切 {}", round.item_name, round.unit, round.unit_price, round.tax_rate.label_ja(), round.deadline_ja)}
            {(!round.supplier.is_empty()).then(|| format!(" ・ 仕入先 {}", round.supplier))}
        </p>
        {(!round.status_reason.is_empty()).then(|| view! { <p class="banner error">{format!("中止の理由: {}", round.status_reason)}</p> })}
        {(council() && open).then(|| view! {
            <div class="toolbar no-print">
                <button class="big" id="edit-round" on:click=move |_| editing.set(true)>{t!("変更", "Edit")}</button>
            </div>
        })}
        {move || editing.get().then(|| view! {
            <RoundForm status round=for_form.clone() on_done=move |saved| { editing.set(false); if saved { reload(); } } />
        })}
        <Orders round=round.clone() status set />
        {council().then(|| view! {
            <section class="panel no-print" id="round-actions">
                <h2>{t!("締切・請求", "Close and bill")}</h2>
                {closable.then(|| view! {
                    <button class="big" id="close-round" disabled=move || busy.get() on:click=move |_| act("close")>{t!("締め切る", "Close now")}</button>
                })}
                {billable.then(|| view! {
                    <button class="primary big" id="bill-round" disabled=move || busy.get() on:click=move |_| act("bill")>{t!("事業所ごとに請求する", "Bill each facility")}</button>
                })}
                {cancellable.then(|| view! {
                    <div class="grid">
                        <TextField label=t!("中止の理由", "Reason to cancel") name="cancel_reason" value=reason error=field_error(status, "reason") />
                    </div>
                    <button class="danger big" id="cancel-round" disabled=move || busy.get() on:click=move |_| act("cancel")>{t!("中止する", "Cancel the round")}</button>
                })}
            </section>
        })}
        <Bills round=round.clone() status set />
    }
}

/// The orders per facility and the total to order from the supplier; the quantity form
/// (facility staff: their own; the council: any facility's).
#[component]
fn Orders(
    round: Round,
    status: FormStatus,
    set: impl Fn(Round) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = round.id;
    let open = round.status == RoundStatus::Open;
    let own = own_facility();
    let facility = RwSignal::new(own.map(|f| f.to_string()).unwrap_or_default());
    let own_quantity = own
        .and_then(|f| round.orders.iter().find(|o| o.facility_id == f))
        .map(|o| o.quantity.to_string())
        .unwrap_or_default();
    let quantity = RwSignal::new(own_quantity);
    let busy = RwSignal::new(false);
    let facilities = LocalResource::new(|| crate::api::facilities(false, None));
    let options = options_of(
        list_of(facilities),
        Some(("(事業所を選ぶ)", "(choose a facility)")),
        facility_option,
    );
    let submit = move |_| {
        let Ok(facility_id) = facility.get_untracked().parse::<i64>() else {
            status.set(failure("事業所を選んでください"));
            return;
        };
        let text = quantity.get_untracked();
        let input = OrdersInput {
            orders: vec![OrderLineInput {
                facility_id,
                quantity: if text.trim().is_empty() {
                    0
                } else {
                    parse_number(&text)
                },
            }],
        };
        save(
            status,
            Some(busy),
            async move { api::put_orders(id, &input).await },
            move |r| {
                set(r);
                Some(pick("注文数を保存しました", "Quantity saved").into())
            },
        );
    };
    view! {
        <section class="panel" id="round-orders">
            <h2>{if own.is_some() { t!("自事業所の注文", "Our order")() } else { t!("事業所ごとの注文", "Orders per facility")() }}</h2>
            {if round.orders.is_empty() {
                view! { <p class="empty">{t!("注文はまだありません", "No orders yet")}</p> }.into_any()
            } else {
                view! {
                    <table class="list" id="order-list">
                        <thead><tr><th>{t!("事業所", "Facility")}</th><th class="num">{t!("数量", "Quantity")}</th><th class="num">{t!("金額(税込)", "Amount")}</th></tr></thead>
                        <tbody>
                            {round.orders.iter().map(|o| view! {
                                <tr data-facility=o.facility_id><td>{format!("{} {}", o.facility_number, o.facility_name)}</td>
                                    <td class="num">{format!("{} {}", o.quantity, round.unit)}</td><td class="num">{o.amount.to_string()}</td></tr>
                            }).collect_view()}
                            <tr class="grand"><th>{if own.is_some() { "合計" } else { "仕入先への発注数" }}</th>
                                <td class="num" id="total-quantity">{format!("{} {}", round.total_quantity, round.unit)}</td>
                                <td class="num" id="total-amount">{round.total_amount.to_string()}</td></tr>
                        </tbody>
                    </table>
                }.into_any()
            }}
            {open.then(|| view! {
                <div class="grid no-print">
                    {own.is_none().then(|| view! {
                        <SelectField label=t!("事業所", "Facility") name="order_facility" value=facility options />
                    })}
                    <TextField label=t!("数量(0で取り消し)", "Quantity (0 withdraws)") name="order_quantity" value=quantity inputmode="numeric"
                        error=Signal::derive(move || status.with(|s| s.as_ref()?.as_ref().err()?.field("orders[0].quantity"))) />
                </div>
                <button class="primary big no-print" id="save-order" disabled=move || busy.get() on:click=submit>{t!("注文数を保存", "Save the quantity")}</button>
                <p class="hint">{format!("締切 {} まで変更できます。", round.deadline_ja)}</p>
            })}
        </section>
    }
}

/// The bills with their payments, the invoice of each, and what is still owed.
#[component]
fn Bills(
    round: Round,
    status: FormStatus,
    set: impl Fn(Round) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = round.id;
    (!round.bills.is_empty()).then(|| view! {
        <section class="panel" id="bills">
            <h2>{t!("請求と入金", "Bills and payments")}</h2>
            <table class="list" id="bill-list">
                <thead><tr>
                    <th>{t!("請求書番号", "No.")}</th><th>{t!("事業所", "Facility")}</th><th class="num">{t!("請求額(税込)", "Billed")}</th>
                    <th class="num">{t!("うち消費税", "Tax")}</th><th class="num">{t!("入金済", "Paid")}</th><th class="num">{t!("未収", "Owed")}</th><th></th>
                </tr></thead>
                <tbody>
                    {round.bills.iter().map(|b| view! { <BillRow round_id=id bill=b.clone() status set /> }).collect_view()}
                    <tr class="grand"><th colspan="2">{t!("合計", "Total")}</th><td class="num">{round.billed.to_string()}</td><td></td>
                        <td class="num">{round.paid.to_string()}</td><td class="num" id="round-balance">{round.balance.to_string()}</td><td></td></tr>
                </tbody>
            </table>
        </section>
    })
}

#[component]
fn BillRow(
    round_id: i64,
    bill: Bill,
    status: FormStatus,
    set: impl Fn(Round) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let bill_id = bill.id;
    let amount = RwSignal::new(if bill.balance.0 > 0 {
        bill.balance.0.to_string()
    } else {
        String::new()
    });
    let received_on = RwSignal::new(today());
    let payment_id = RwSignal::new(uuid::Uuid::now_v7());
    let busy = RwSignal::new(false);
    let may_pay = council() && bill.balance.0 > 0;
    let record = move |_| {
        let Ok(on) = NaiveDate::parse_from_str(received_on.get_untracked().trim(), "%Y-%m-%d") else {
            status.set(failure("入金日を入力してください"));
            return;
        };
        let input = PaymentInput {
            id: payment_id.get_untracked(),
            received_on: on,
            amount: Yen(parse_number(&amount.get_untracked())),
            note: String::new(),
        };
        save(
            status,
            Some(busy),
            async move {
                api::add_payment(bill_id, &input).await?;
                api::get_round(round_id).await
            },
            move |r| {
                payment_id.set(uuid::Uuid::now_v7());
                set(r);
                Some(pick("入金を記録しました", "Payment recorded").into())
            },
        );
    };
    view! {
        <tr class="bill" data-bill=bill_id>
            <td>{bill.number.clone()}</td>
            <td>{format!("{} {}", bill.facility_number, bill.facility_name)}</td>
            <td class="num">{bill.amount.to_string()}</td>
            <td class="num">{bill.tax.to_string()}</td>
            <td class="num">{bill.paid.to_string()}</td>
            <td class="num owed">{bill.balance.to_string()}</td>
            <td>
                <a class="button" href=format!("/purchases/{round_id}/invoice?facility={}", bill.facility_id)>{t!("請求書", "Invoice")}</a>
                {may_pay.then(|| view! {
                    <div class="grid no-print">
                        <TextField label=t!("入金日", "Received on") name="payment_on" value=received_on input_type="date" />
                        <TextField label=t!("入金額(円)", "Amount (yen)") name="payment_amount" value=amount inputmode="numeric" />
                    </div>
                    <button class="primary record-payment" disabled=move || busy.get() on:click=record>{t!("入金を記録", "Record payment")}</button>
                })}
            </td>
        </tr>
    }
}

/// `/purchases/:id/invoice?facility=`: the council's invoice to one facility, on A4.
#[component]
pub fn InvoicePage() -> impl IntoView {
    let id = use_params_map()
        .with_untracked(|p| p.get("id"))
        .and_then(|v| v.parse::<i64>().ok());
    let facility = use_query_map()
        .with_untracked(|q| q.get("facility"))
        .and_then(|v| v.parse::<i64>().ok());
    let (Some(id), Some(facility)) = (id, facility) else {
        return view! { <super::NotFound /> }.into_any();
    };
    let invoice = LocalResource::new(move || api::invoice(id, facility));
    view! {
        <div class="toolbar no-print">
            <button class="primary big" id="print" on:click=move |_| { let _ = window().print(); }>{t!("印刷", "Print")}</button>
            <a class="button" href=format!("/purchases/{id}")>{t!("共同購入へ戻る", "Back to the round")}</a>
        </div>
        <Loaded load=move || invoice.get() ok=|doc| view! { <Invoice doc /> } />
    }
    .into_any()
}

/// `/purchases/statement?facility=&month=`: a facility's bills of a month on one invoice.
#[component]
pub fn StatementPage() -> impl IntoView {
    let query = |name: &'static str| use_query_map().with_untracked(|q| q.get(name));
    let facility = RwSignal::new(query("facility").unwrap_or_default());
    let month = RwSignal::new(query("month").unwrap_or_else(|| today()[..7].to_string()));
    Effect::new(move |_| {
        if facility.with_untracked(String::is_empty)
            && let Some(f) = own_facility()
        {
            facility.set(f.to_string());
        }
    });
    let facilities = LocalResource::new(|| crate::api::facilities(false, None));
    let options = options_of(
        list_of(facilities),
        Some(("(事業所を選ぶ)", "(choose a facility)")),
        facility_option,
    );
    let data = LocalResource::new(move || {
        let (facility, month) = (facility.get(), month.get());
        async move {
            match facility.parse::<i64>() {
                Ok(f) => Some(api::statement(f, &month).await),
                Err(_) => None,
            }
        }
    });
    view! {
        <div class="toolbar no-print">
            <button class="primary big" id="print" on:click=move |_| { let _ = window().print(); }>{t!("印刷", "Print")}</button>
            <a class="button" href="/purchases">{t!("共同購入の一覧へ", "All rounds")}</a>
        </div>
        <div class="grid no-print">
            {move || own_facility().is_none().then(|| view! {
                <SelectField label=t!("事業所", "Facility") name="statement_facility" value=facility options />
            })}
            <TextField label=t!("請求月", "Month") name="statement_month" value=month input_type="month" />
        </div>
        {move || match data.get() {
            None => view! { <p class="loading">"読み込み中…"</p> }.into_any(),
            Some(None) => view! { <p class="empty">{t!("事業所を選んでください", "Choose a facility")}</p> }.into_any(),
            Some(Some(Err(failure))) => view! { <LoadError failure /> }.into_any(),
            Some(Some(Ok(doc))) => view! { <Invoice doc /> }.into_any(),
        }}
    }
}

/// 請求書 (適格請求書 when the council is a registered issuer).
#[component]
fn Invoice(doc: PurchaseInvoice) -> impl IntoView {
    let f = doc.figures.clone();
    let lines: Vec<InvoiceLine> = f.lines.clone();
    let title = if doc.qualified {
        "請求書(適格請求書)"
    } else {
        "請求書"
    };
    view! {
        <article class="sheet a4 order-doc invoice" id="invoice">
            <h1>{title}</h1>
            <div class="doc-head">
                <div>
                    <p class="to">{format!("{} 様", doc.facility_name)}</p>
                    <table class="doc-facts"><tbody>
                        <tr><th>"件名"</th><td class="doc-subject">{doc.title.clone()}</td></tr>
                    </tbody></table>
                </div>
                <div class="doc-issuer">
                    <p>{format!("No. {}", doc.number)}</p>
                    <p>{format!("請求日 {}", doc.issued_on)}</p>
                    <p class="issuer-name">{doc.issuer_name.clone()}</p>
                    <p class="t-number">{doc.registration_number.clone().map(|n| format!("登録番号 {n}")).unwrap_or_default()}</p>
                    <p>{doc.issuer_address.clone()}</p>
                    <p>{doc.issuer_phone.clone()}</p>
                </div>
            </div>
            <p class="doc-amount">"ご請求金額(税込) " <strong id="invoice-total">{f.total.to_string()}</strong></p>
            {(!doc.bank_account.is_empty()).then(|| view! {
                <p class="bank">"振込先 " <span id="invoice-bank">{doc.bank_account.clone()}</span></p>
            })}
            <crate::pages::orders::documents::LineTable lines with_facility=false />
            <crate::pages::orders::documents::RateTotals figures=f.clone() />
            <table class="list figures">
                <tbody>
                    <tr><th>"合計(税込)"</th><td class="num">{f.total.to_string()}</td></tr>
                    <tr><th>"入金済"</th><td class="num">{doc.paid.to_string()}</td></tr>
                    <tr class="grand"><th>"差引ご請求額"</th><td class="num" id="invoice-balance">{doc.balance.to_string()}</td></tr>
                </tbody>
            </table>
            <p class="hint">"※は軽減税率(8%)対象。" {format!("消費税の端数処理: {}。", doc.tax_rounding.label_ja())}</p>
            <p class="hint" id="invoice-note">{doc.note.clone()}</p>
        </article>
    }
}
