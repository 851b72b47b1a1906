//! 共同受注窓口: the desk's orders (list, filter, the order form), one order with its status,
//! allocation, payments and payables ([`detail`]), facility staff's own shares ([`shares`]),
//! and the printable A4 documents, payout statement and yearly report ([`documents`]).

pub mod capacities;
pub mod detail;
pub mod documents;
pub mod shares;

use super::events::{format_percent, parse_percent};
use crate::api::{ApiFailure, orders as api};
use crate::components::{
    FormStatus, Loaded, SelectField, StatusBanner, TextField, field_error, list_of, parse_number,
};
use crate::forms::{Editing, EditorForm, save, saved_message};
use crate::session::may;
use crate::t;
use chrono::NaiveDate;
use leptos::prelude::*;
use selpos_domain::Yen;
use selpos_domain::access::Principal;
use selpos_domain::events::CommissionRule;
use selpos_domain::orders::{Buyer, BuyerKind, Delivery, ItemInput, Order, OrderInput, OrderStatus};
use selpos_domain::products::Product;
use selpos_domain::tax::TaxRate;

/// The status as a badge.
pub(crate) fn status_badge(status: OrderStatus) -> impl IntoView {
    view! { <span class=format!("state order-{}", status.code())>{status.label_ja()}</span> }
}

/// The order's first delivery: `2026-11-20 県庁 1階ロビー`.
pub(crate) fn first_delivery(order: &Order) -> String {
    order
        .deliveries
        .iter()
        .map(|d| format!("{} {}", d.on, d.place))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// 共同受注: the desk's list of orders with a filter by status, and the form for a new one.
#[component]
pub fn OrdersPage() -> impl IntoView {
    let orders = LocalResource::new(api::list);
    let filter = RwSignal::new(String::new());
    let editing = Editing::<Order>::new();
    let status = editing.status;
    let filter_options = Signal::derive(|| {
        let mut options = vec![(String::new(), crate::i18n::pick("すべて", "All").to_string())];
        options.extend(
            OrderStatus::ALL
                .iter()
                .map(|s| (s.code().to_string(), s.label_ja().to_string())),
        );
        options
    });
    view! {
        <h1>{t!("共同受注", "Joint orders")}</h1>
        <div class="toolbar">
            {move || may(Principal::may_manage_council_data).then(|| view! {
                <button class="primary" id="new-order" on:click=move |_| editing.open(None)>
                    {t!("＋ 新しい受注(引合い)", "+ New order (enquiry)")}
                </button>
                <a class="button" href="/orders/report">{t!("優先調達の実績", "Procurement report")}</a>
                <a class="button" href="/orders/payouts">{t!("支払明細", "Payout statements")}</a>
                <a class="button" href="/orders/capacities">{t!("受注能力の申告", "Declared capacity")}</a>
            })}
            {move || may(|p| p.facility_scope().is_some()).then(|| view! {
                <a class="button" href="/orders/shares">{t!("受注の割り振り(自事業所)", "Our shares")}</a>
            })}
        </div>
        <StatusBanner status />
        {move || editing.record.get().map(|order| view! {
            <OrderForm order status on_done=move |saved| editing.close(saved.is_some(), || orders.refetch()) />
        })}
        <div class="filters">
            <SelectField label=t!("状態で絞り込む", "Filter by status") name="status-filter" value=filter options=filter_options />
        </div>
        <Loaded load=move || orders.get() ok=move |list| {
            let wanted = filter.get();
            let list: Vec<Order> = list.into_iter().filter(|o| wanted.is_empty() || o.status.code() == wanted).collect();
            if list.is_empty() {
                view! { <p class="empty">{t!("受注はありません", "No orders")}</p> }.into_any()
            } else {
                view! {
                    <table class="list" id="order-list">
                        <thead><tr>
                            <th>{t!("番号", "No.")}</th>
                            <th>{t!("状態", "Status")}</th>
                            <th>{t!("発注者", "Buyer")}</th>
                            <th>{t!("件名", "Subject")}</th>
                            <th class="num">{t!("合計(税込)", "Total")}</th>
                            <th>{t!("納期・納入場所", "Delivery")}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|o| view! {
                                <tr data-order=o.id>
                                    <td>{format!("JO-{}", o.id)}</td>
                                    <td>{status_badge(o.status)}</td>
                                    <td>{o.buyer.name.clone()} " " <small>{o.buyer.kind.label_ja()}</small></td>
                                    <td><a class="open-order" href=format!("/orders/{}", o.id)>{o.subject.clone()}</a></td>
                                    <td class="num">{o.total.to_string()}</td>
                                    <td>{first_delivery(&o)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }
        } />
    }
}

/// One delivery row of the order form.
#[derive(Clone)]
struct DeliveryRow {
    key: usize,
    on: RwSignal<String>,
    place: RwSignal<String>,
}

/// The message for field `suffix` of delivery row `key`: the server names deliveries by their
/// position among the rows sent (blank rows are left out).
fn delivery_error(
    status: FormStatus,
    rows: RwSignal<Vec<DeliveryRow>>,
    key: usize,
    suffix: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        let i = rows.with(|rs| {
            rs.iter()
                .filter(|r| !(r.on.with(|t| t.trim().is_empty()) && r.place.with(|t| t.trim().is_empty())))
                .position(|r| r.key == key)
        })?;
        status.with(|s| {
            s.as_ref()?
                .as_ref()
                .err()?
                .field(&format!("deliveries[{i}].{suffix}"))
        })
    })
}

/// One item row of the order form.
#[derive(Clone)]
struct ItemRow {
    key: usize,
    id: Option<i64>,
    /// A catalogue product's id, or blank for free-text work.
    product: RwSignal<String>,
    description: RwSignal<String>,
    unit: RwSignal<String>,
    quantity: RwSignal<String>,
    unit_price: RwSignal<String>,
    tax_rate: RwSignal<String>,
}

/// The message for field `suffix` of item row `key`: the server names items by position.
fn item_error(
    status: FormStatus,
    rows: RwSignal<Vec<ItemRow>>,
    key: usize,
    suffix: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        let i = rows.with(|rs| rs.iter().position(|r| r.key == key))?;
        status.with(|s| s.as_ref()?.as_ref().err()?.field(&format!("items[{i}].{suffix}")))
    })
}

fn tax_options() -> Vec<(String, String)> {
    TaxRate::ALL
        .iter()
        .map(|r| (r.code().to_string(), r.label_ja().to_string()))
        .collect()
}

/// The order form (引合い or its edit before 受注). `on_done` gets the saved order (`None`:
/// cancelled).
#[component]
pub(crate) fn OrderForm(
    order: Option<Order>,
    status: FormStatus,
    on_done: impl Fn(Option<Order>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let products = LocalResource::new(|| crate::api::products(None, false, None));
    let product_list = list_of(products);
    let facilities = LocalResource::new(|| crate::api::facilities(false, None));
    let facility_list = list_of(facilities);
    let id = order.as_ref().map(|o| o.id);
    let o = order.as_ref();
    let text = |f: fn(&Order) -> String| RwSignal::new(o.map(f).unwrap_or_default());
    let subject = text(|o| o.subject.clone());
    let buyer_name = text(|o| o.buyer.name.clone());
    let department = text(|o| o.buyer.department.clone());
    let contact = text(|o| o.buyer.contact.clone());
    let kind = RwSignal::new(
        o.map_or(BuyerKind::Government, |o| o.buyer.kind)
            .code()
            .to_string(),
    );
    let recipient = text(|o| o.buyer.invoice_recipient.clone());
    let payment_terms = text(|o| o.payment_terms.clone());
    // 納期・納入場所: one row per delivery (a big order may be delivered on several days).
    let next_delivery = StoredValue::new(0usize);
    let delivery_row = move |d: Option<&Delivery>| {
        let key = next_delivery.get_value();
        next_delivery.set_value(key + 1);
        DeliveryRow {
            key,
            on: RwSignal::new(d.map(|d| d.on.to_string()).unwrap_or_default()),
            place: RwSignal::new(d.map(|d| d.place.clone()).unwrap_or_default()),
        }
    };
    let deliveries: RwSignal<Vec<DeliveryRow>> = RwSignal::new(match o {
        Some(o) if !o.deliveries.is_empty() => o.deliveries.iter().map(|d| delivery_row(Some(d))).collect(),
        _ => vec![delivery_row(None)],
    });
    let fee_overrides = o.map(|o| o.fee_overrides.clone()).unwrap_or_default();
    let note = text(|o| o.note.clone());
    let (fee_kind, fee_value) = match o.map(|o| o.fee) {
        Some(CommissionRule::Fixed { yen }) => ("fixed", yen.0.to_string()),
        Some(CommissionRule::Percent { basis_points }) => ("percent", format_percent(basis_points)),
        None => ("percent", "10".to_string()),
    };
    let fee_kind = RwSignal::new(fee_kind.to_string());
    let fee_value = RwSignal::new(fee_value);
    let next_key = StoredValue::new(0usize);
    let new_row = move |item: Option<&selpos_domain::orders::Item>| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        ItemRow {
            key,
            id: item.map(|i| i.id),
            product: RwSignal::new(
                item.and_then(|i| i.product_id)
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            ),
            description: RwSignal::new(item.map(|i| i.description.clone()).unwrap_or_default()),
            unit: RwSignal::new(item.map_or_else(|| "個".to_string(), |i| i.unit.clone())),
            quantity: RwSignal::new(item.map(|i| i.quantity.to_string()).unwrap_or_default()),
            unit_price: RwSignal::new(item.map(|i| i.unit_price.0.to_string()).unwrap_or_default()),
            tax_rate: RwSignal::new(item.map_or(TaxRate::Standard, |i| i.tax_rate).code().to_string()),
        }
    };
    let rows: RwSignal<Vec<ItemRow>> = RwSignal::new(match o {
        Some(o) => o.items.iter().map(|i| new_row(Some(i))).collect(),
        None => vec![new_row(None)],
    });
    let saving = RwSignal::new(false);
    let kind_options = Signal::derive(|| {
        BuyerKind::ALL
            .iter()
            .map(|k| (k.code().to_string(), k.label_ja().to_string()))
            .collect::<Vec<_>>()
    });
    let fee_options = Signal::derive(|| {
        vec![
            ("percent".to_string(), "受注額の%".to_string()),
            ("fixed".to_string(), "定額(円)".to_string()),
        ]
    });
    let product_options = Signal::derive(move || {
        let facilities = facility_list.get();
        let mut options = vec![(
            String::new(),
            crate::i18n::pick("(自由記入の作業・品目)", "(free-text work)").to_string(),
        )];
        options.extend(product_list.get().iter().map(|p: &Product| {
            let facility = facilities
                .iter()
                .find(|f| f.id == p.facility_id)
                .map(|f| f.name.clone())
                .unwrap_or_default();
            (p.id.to_string(), format!("{} {}({})", p.name, p.price, facility))
        }));
        options
    });

    let submit = move || {
        let mut typed = Vec::new();
        for row in deliveries.get_untracked() {
            let (on, place) = (row.on.get_untracked(), row.place.get_untracked());
            if on.trim().is_empty() && place.trim().is_empty() {
                continue;
            }
            let Ok(on) = NaiveDate::parse_from_str(on.trim(), "%Y-%m-%d") else {
                status.set(Some(Err(ApiFailure {
                    code: "validation".into(),
                    message: "納期を日付で入力してください".into(),
                    fields: vec![],
                })));
                return;
            };
            typed.push(Delivery { on, place });
        }
        let fee = if fee_kind.get_untracked() == "fixed" {
            CommissionRule::Fixed {
                yen: Yen(parse_number(&fee_value.get_untracked())),
            }
        } else {
            CommissionRule::Percent {
                basis_points: parse_percent(&fee_value.get_untracked()),
            }
        };
        let input = OrderInput {
            subject: subject.get_untracked(),
            buyer: Buyer {
                name: buyer_name.get_untracked(),
                department: department.get_untracked(),
                contact: contact.get_untracked(),
                kind: BuyerKind::from_code(&kind.get_untracked()).unwrap_or(BuyerKind::Other),
                invoice_recipient: recipient.get_untracked(),
            },
            payment_terms: payment_terms.get_untracked(),
            deliveries: typed,
            items: rows
                .get_untracked()
                .iter()
                .map(|r| ItemInput {
                    id: r.id,
                    product_id: r.product.get_untracked().parse().ok(),
                    description: r.description.get_untracked(),
                    unit: r.unit.get_untracked(),
                    quantity: parse_number(&r.quantity.get_untracked()),
                    unit_price: Yen(parse_number(&r.unit_price.get_untracked())),
                    tax_rate: TaxRate::from_code(&r.tax_rate.get_untracked()).unwrap_or(TaxRate::Standard),
                })
                .collect(),
            fee,
            fee_overrides: fee_overrides.clone(),
            note: note.get_untracked(),
        };
        let request = async move { api::save_order(id, &input).await };
        save(status, Some(saving), request, move |saved| {
            let message = saved_message(&saved.subject);
            on_done(Some(saved));
            message
        });
    };

    view! {
        <EditorForm
            heading=if id.is_some() { ("受注を編集", "Edit order") } else { ("新しい受注(引合い)", "New order (enquiry)") }
            busy=saving on_submit=submit on_cancel=move || on_done(None)
        >
            <div class="grid">
                <TextField label=t!("件名", "Subject") name="subject" value=subject required=true error=field_error(status, "subject") />
                <TextField label=t!("発注者(名称)", "Buyer") name="buyer_name" value=buyer_name required=true error=field_error(status, "buyer.name") />
                <TextField label=t!("部署", "Department") name="buyer_department" value=department error=field_error(status, "buyer.department") />
                <TextField label=t!("担当・連絡先", "Contact") name="buyer_contact" value=contact error=field_error(status, "buyer.contact") />
                <SelectField label=t!("発注者の種別", "Buyer kind") name="buyer_kind" value=kind options=kind_options />
                <TextField label=t!("請求書の宛名", "Invoice recipient") name="invoice_recipient" value=recipient
                    hint=t!("空欄なら発注者名", "Blank: the buyer's name") error=field_error(status, "buyer.invoice_recipient") />
                <TextField label=t!("支払条件", "Payment terms") name="payment_terms" value=payment_terms
                    hint=t!("例 検収後30日以内", "e.g. within 30 days of acceptance") error=field_error(status, "payment_terms") />
                <SelectField label=t!("協議会の手数料の方式", "Council fee kind") name="fee_kind" value=fee_kind options=fee_options />
                <TextField label=t!("手数料(% または 円)", "Fee (% or yen)") name="fee_value" value=fee_value inputmode="decimal" error=field_error(status, "fee") />
                <TextField label=t!("備考", "Note") name="note" value=note error=field_error(status, "note") />
            </div>
            <h3>{t!("納期と納入場所", "Deliveries")}</h3>
            <p class="error-text" role="alert">{move || field_error(status, "deliveries").get()}</p>
            <div class="order-deliveries" id="order-deliveries">
                {move || deliveries.get().into_iter().enumerate().map(|(i, row)| {
                    let key = row.key;
                    let (on_error, place_error) = (delivery_error(status, deliveries, key, "on"), delivery_error(status, deliveries, key, "place"));
                    view! {
                        <div class="order-delivery grid">
                            <TextField label=t!("納期", "Delivery date") name="delivery_on" value=row.on input_type="date"
                                error=on_error />
                            <TextField label=t!("納入場所", "Delivery place") name="delivery_place" value=row.place
                                error=place_error />
                            {(i > 0).then(|| view! {
                                <button type="button" class="remove-delivery" on:click=move |_| deliveries.update(|ds| ds.retain(|d| d.key != key))>
                                    {t!("この納品を削除", "Remove this delivery")}
                                </button>
                            })}
                        </div>
                    }
                }).collect_view()}
                <button type="button" id="add-delivery" on:click=move |_| deliveries.update(|ds| ds.push(delivery_row(None)))>
                    {t!("＋ 納品日を追加", "+ Add a delivery")}
                </button>
            </div>
            <h3>{t!("品目", "Items")}</h3>
            <p class="error-text" role="alert">{move || field_error(status, "items").get()}</p>
            <div class="order-items">
                <For each=move || rows.get() key=|r| r.key let:row>
                    <ItemFields row rows status product_list options=product_options />
                </For>
                <button type="button" id="add-item" on:click=move |_| rows.update(|rs| rs.push(new_row(None)))>
                    {t!("＋ 品目を追加", "+ Add item")}
                </button>
            </div>
        </EditorForm>
    }
}

#[component]
fn ItemFields(
    row: ItemRow,
    rows: RwSignal<Vec<ItemRow>>,
    status: FormStatus,
    product_list: Signal<Vec<Product>>,
    options: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let key = row.key;
    let product = row.product;
    let (description, unit_price, tax_rate) = (row.description, row.unit_price, row.tax_rate);
    // Choosing a catalogue product fills its name, price and rate (goods keep their rate).
    Effect::new(move |previous: Option<String>| {
        let chosen = product.get();
        if previous.is_some_and(|p| p != chosen)
            && let Some(p) =
                product_list.with_untracked(|list| list.iter().find(|p| p.id.to_string() == chosen).cloned())
        {
            description.set(p.name.clone());
            unit_price.set(p.price.0.to_string());
            tax_rate.set(p.tax_rate.code().to_string());
        }
        chosen
    });
    view! {
        <div class="register-row order-item" data-key=key>
            <SelectField label=t!("商品(事業所のカタログ)", "Product (catalogue)") name="item_product" value=row.product options
                error=item_error(status, rows, key, "product_id") />
            <TextField label=t!("品名・作業内容", "Description") name="item_description" value=row.description required=true
                error=item_error(status, rows, key, "description") />
            <TextField label=t!("単位", "Unit") name="item_unit" value=row.unit error=item_error(status, rows, key, "unit") />
            <TextField label=t!("数量", "Quantity") name="item_quantity" value=row.quantity inputmode="numeric" required=true
                error=item_error(status, rows, key, "quantity") />
            <TextField label=t!("単価(税込)", "Unit price (tax incl.)") name="item_price" value=row.unit_price inputmode="numeric" required=true
                error=item_error(status, rows, key, "unit_price") />
            <SelectField label=t!("税率", "Tax rate") name="item_tax" value=row.tax_rate options=Signal::derive(tax_options)
                error=item_error(status, rows, key, "tax_rate") />
            <button type="button" class="danger" on:click=move |_| rows.update(|rs| rs.retain(|r| r.key != key))>
                {t!("削除", "Remove")}
            </button>
        </div>
    }
}
