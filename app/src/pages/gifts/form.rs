//! `/gifts/new`: the order form. Facility staff take orders on invoice for their own facility;
//! a till opens it with its register (`?register=`) and records the order paid at once — the
//! same sale as any other, with its tender and receipt number. The order's id is made here once
//! and kept until the order is recorded, so sending again after a network failure never takes
//! it twice.

use crate::api::{facilities, gifts as api};
use crate::components::{
    FormStatus, Loaded, SelectField, StatusBanner, TextField, field_error, parse_number,
};
use crate::session::{current, may};
use crate::t;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use selpos_domain::Yen;
use selpos_domain::access::{Principal, Role};
use selpos_domain::gifts::{
    GiftOrderInput, GiftParty, GiftPaymentInput, GiftRecipientInput, Noshi, SeasonState,
};
use selpos_domain::sales::payment::{Tender, TenderKind};

/// One recipient row of the form.
#[derive(Clone, Copy)]
struct RecipientRow {
    key: usize,
    name: RwSignal<String>,
    postal_code: RwSignal<String>,
    address: RwSignal<String>,
    phone: RwSignal<String>,
    item: RwSignal<String>,
    quantity: RwSignal<String>,
    omotegaki: RwSignal<String>,
    noshi_name: RwSignal<String>,
    delivery_date: RwSignal<String>,
}

impl RecipientRow {
    fn new(key: usize) -> RecipientRow {
        RecipientRow {
            key,
            name: RwSignal::new(String::new()),
            postal_code: RwSignal::new(String::new()),
            address: RwSignal::new(String::new()),
            phone: RwSignal::new(String::new()),
            item: RwSignal::new(String::new()),
            quantity: RwSignal::new("1".into()),
            omotegaki: RwSignal::new("御歳暮".into()),
            noshi_name: RwSignal::new(String::new()),
            delivery_date: RwSignal::new(String::new()),
        }
    }

    fn input(&self) -> GiftRecipientInput {
        GiftRecipientInput {
            name: self.name.get_untracked(),
            postal_code: self.postal_code.get_untracked(),
            address: self.address.get_untracked(),
            phone: self.phone.get_untracked(),
            item_code: self.item.get_untracked(),
            quantity: parse_number(&self.quantity.get_untracked()),
            noshi: Noshi {
                omotegaki: self.omotegaki.get_untracked(),
                name: self.noshi_name.get_untracked(),
            },
            delivery_date: NaiveDate::parse_from_str(&self.delivery_date.get_untracked(), "%Y-%m-%d").ok(),
        }
    }
}

fn query(name: &'static str) -> Option<i64> {
    use_query_map()
        .with_untracked(|q| q.get(name))
        .and_then(|v| v.parse().ok())
}

/// The message for field `suffix` of recipient row `key`: the server names them by position.
fn recipient_error(
    status: FormStatus,
    rows: RwSignal<Vec<RecipientRow>>,
    key: usize,
    suffix: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        let i = rows.with(|rs| rs.iter().position(|r| r.key == key))?;
        status.with(|s| {
            s.as_ref()?
                .as_ref()
                .err()?
                .field(&format!("recipients[{i}].{suffix}"))
        })
    })
}

const OMOTEGAKI: [&str; 6] = ["御歳暮", "御中元", "御礼", "御祝", "無地のし", ""];

/// ギフトの注文: customer, recipients (add and remove), のし, delivery dates, and the payment.
#[component]
pub fn GiftOrderPage() -> impl IntoView {
    // The till's register: named by the link, or the tablet's own once the session is known.
    let asked_register = query("register");
    let register = Signal::derive(move || {
        asked_register.or_else(|| current().and_then(|s| s.register.map(|r| r.register_id)))
    });
    let seasons = LocalResource::new(api::seasons);
    let season = RwSignal::new(query("season").map(|s| s.to_string()).unwrap_or_default());
    let catalogue = LocalResource::new(move || {
        let id = season.get().parse::<i64>().ok();
        async move {
            match id {
                Some(id) => api::season(id).await.ok(),
                None => None,
            }
        }
    });
    let takers = LocalResource::new(|| facilities(false, None));
    let taker = RwSignal::new(String::new());
    let (customer_name, customer_postal, customer_address, customer_phone) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let next_key = StoredValue::new(1usize);
    let rows = RwSignal::new(vec![RecipientRow::new(0)]);
    let tender_kind = RwSignal::new("cash".to_string());
    let received = RwSignal::new(String::new());
    let status: FormStatus = RwSignal::new(None);
    // Made once per order: a retry after a lost answer is the same order.
    let order_id = StoredValue::new(uuid::Uuid::now_v7());
    let sending = RwSignal::new(false);

    let season_options = Signal::derive(move || {
        let mut options = vec![(String::new(), "シーズンを選ぶ".to_string())];
        if let Some(Ok(list)) = seasons.get() {
            options.extend(
                list.into_iter()
                    .filter(|s| s.state == SeasonState::Open)
                    .map(|s| (s.id.to_string(), s.name)),
            );
        }
        options
    });
    let item_options = Signal::derive(move || {
        let mut options = vec![(String::new(), "商品を選ぶ".to_string())];
        if let Some(Some(c)) = catalogue.get() {
            options.extend(
                c.items
                    .into_iter()
                    .map(|i| (i.code.clone(), format!("{} {} {}", i.code, i.name, i.price))),
            );
        }
        options
    });
    let taker_options = Signal::derive(move || {
        let mut options = vec![(String::new(), "協議会".to_string())];
        if let Some(Ok(list)) = takers.get() {
            options.extend(
                list.into_iter()
                    .map(|f| (f.id.to_string(), format!("{} {}", f.number, f.name))),
            );
        }
        options
    });
    let omotegaki_options = Signal::derive(|| {
        OMOTEGAKI
            .iter()
            .map(|o| {
                (
                    o.to_string(),
                    if o.is_empty() {
                        "のしなし".to_string()
                    } else {
                        o.to_string()
                    },
                )
            })
            .collect::<Vec<_>>()
    });
    let tender_options = Signal::derive(|| {
        TenderKind::ALL
            .iter()
            .map(|k| {
                (
                    serde_json::to_value(k)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                    k.label_ja().to_string(),
                )
            })
            .collect::<Vec<_>>()
    });
    // The order's total as the catalogue prices it.
    let total = Signal::derive(move || {
        let Some(Some(c)) = catalogue.get() else {
            return Yen::ZERO;
        };
        rows.with(|rs| {
            Yen(rs
                .iter()
                .filter_map(|r| {
                    let code = r.item.get();
                    let item = c.items.iter().find(|i| i.code == code)?;
                    item.price
                        .checked_mul(parse_number(&r.quantity.get()).clamp(0, 99))
                        .map(|y| y.0)
                })
                .sum())
        })
    });
    let facility_staff = Signal::derive(|| may(|p: &Principal| p.role == Role::FacilityStaff));
    let at_till = Signal::derive(move || register.get().is_some() && !facility_staff.get());

    let add = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        rows.update(|rs| rs.push(RecipientRow::new(key)));
    };
    let submit = move |_| {
        if sending.get_untracked() {
            return;
        }
        let payment = match register.get_untracked().filter(|_| at_till.get_untracked()) {
            Some(register_id) => {
                let kind: TenderKind = serde_json::from_value(serde_json::json!(tender_kind.get_untracked()))
                    .unwrap_or(TenderKind::Cash);
                GiftPaymentInput::Till {
                    register_id,
                    sold_at: chrono::Utc::now(),
                    tenders: vec![Tender {
                        kind,
                        amount: Yen(parse_number(&received.get_untracked())),
                    }],
                }
            }
            None => GiftPaymentInput::Invoice,
        };
        let input = GiftOrderInput {
            id: order_id.get_value(),
            season_id: season.get_untracked().parse().unwrap_or(0),
            taker_facility_id: taker.get_untracked().parse().ok(),
            customer: GiftParty {
                name: customer_name.get_untracked(),
                postal_code: customer_postal.get_untracked(),
                address: customer_address.get_untracked(),
                phone: customer_phone.get_untracked(),
            },
            recipients: rows.with_untracked(|rs| rs.iter().map(RecipientRow::input).collect()),
            payment,
        };
        sending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::create_order(&input).await;
            if result.is_ok() {
                // The next order is another one.
                order_id.set_value(uuid::Uuid::now_v7());
                rows.set(vec![RecipientRow::new(next_key.get_value())]);
                next_key.update_value(|k| *k += 1);
                for field in [
                    customer_name,
                    customer_postal,
                    customer_address,
                    customer_phone,
                    received,
                ] {
                    field.set(String::new());
                }
            }
            // A till order's receipt prints on the register's printer, as any sale's.
            let printed = match result.as_ref().ok().and_then(|o| o.sale_id) {
                Some(sale) => match crate::api::print_receipt(&sale.to_string(), false).await {
                    Ok(_) => "レシートを印刷しました。".to_string(),
                    Err(failure) => format!("レシートは印刷されませんでした: {}", failure.message),
                },
                None => String::new(),
            };
            status.set(Some(result.map(|o| match o.receipt_number {
                Some(receipt) => format!(
                    "受付番号{}で承りました(レシート {receipt}、合計 {})。{printed}",
                    o.number, o.total
                ),
                None => format!("受付番号{}で承りました(合計 {}、請求書払い)", o.number, o.total),
            })));
            sending.set(false);
        });
    };

    view! {
        <h1>{t!("ギフトの注文", "Gift order")}</h1>
        <StatusBanner status />
        <section class="editor gift-order">
            <div class="grid">
                <SelectField label=t!("シーズン", "Season") name="gift-season" value=season options=season_options error=field_error(status, "season_id") />
                {move || (!facility_staff.get()).then(|| view! {
                    <SelectField label=t!("受付した事業所(取扱者)", "Taken by") name="gift-taker" value=taker options=taker_options error=field_error(status, "taker_facility_id") />
                })}
            </div>
            <h2>{t!("ご依頼主", "Customer")}</h2>
            <div class="grid">
                <TextField label=t!("お名前", "Name") name="customer-name" value=customer_name required=true error=field_error(status, "customer.name") />
                <TextField label=t!("郵便番号(123-4567)", "Postal code") name="customer-postal" value=customer_postal required=true inputmode="numeric" error=field_error(status, "customer.postal_code") />
                <TextField label=t!("ご住所", "Address") name="customer-address" value=customer_address required=true error=field_error(status, "customer.address") />
                <TextField label=t!("電話番号", "Phone") name="customer-phone" value=customer_phone required=true input_type="tel" error=field_error(status, "customer.phone") />
            </div>
            <h2>{t!("お届け先", "Recipients")}</h2>
            <p class="error-text">{move || field_error(status, "recipients").get()}</p>
            <For each=move || rows.get() key=|r| r.key let:row>
                <fieldset class="gift-recipient" data-row=row.key>
                    <legend>{move || format!("お届け先 {}", rows.with(|rs| rs.iter().position(|r| r.key == row.key).map_or(0, |i| i + 1)))}</legend>
                    <div class="grid">
                        <TextField label=t!("お名前", "Name") name=format!("r{}-name", row.key) value=row.name required=true error=recipient_error(status, rows, row.key, "name") />
                        <TextField label=t!("郵便番号(123-4567)", "Postal code") name=format!("r{}-postal", row.key) value=row.postal_code required=true inputmode="numeric" error=recipient_error(status, rows, row.key, "postal_code") />
                        <TextField label=t!("ご住所", "Address") name=format!("r{}-address", row.key) value=row.address required=true error=recipient_error(status, rows, row.key, "address") />
                        <TextField label=t!("電話番号", "Phone") name=format!("r{}-phone", row.key) value=row.phone input_type="tel" error=recipient_error(status, rows, row.key, "phone") />
                        <SelectField label=t!("商品", "Item") name=format!("r{}-item", row.key) value=row.item options=item_options error=recipient_error(status, rows, row.key, "item_code") />
                        <TextField label=t!("数量", "Quantity") name=format!("r{}-quantity", row.key) value=row.quantity inputmode="numeric" error=recipient_error(status, rows, row.key, "quantity") />
                        <SelectField label=t!("のし 表書き", "Noshi") name=format!("r{}-omotegaki", row.key) value=row.omotegaki options=omotegaki_options error=recipient_error(status, rows, row.key, "noshi.omotegaki") />
                        <TextField label=t!("名入れ", "Name on noshi") name=format!("r{}-noshi-name", row.key) value=row.noshi_name error=recipient_error(status, rows, row.key, "noshi.name") />
                        <TextField label=t!("お届け希望日(空欄: 指定なし)", "Delivery date (blank: any)") name=format!("r{}-date", row.key) value=row.delivery_date input_type="date" error=recipient_error(status, rows, row.key, "delivery_date") />
                    </div>
                    <button class="danger big" on:click=move |_| rows.update(|rs| rs.retain(|r| r.key != row.key))
                        disabled=move || rows.with(|rs| rs.len() <= 1)>{t!("このお届け先を外す", "Remove this recipient")}</button>
                </fieldset>
            </For>
            <button class="big" id="add-recipient" on:click=add>{t!("＋ お届け先を追加", "+ Add a recipient")}</button>
            <p class="total">{t!("合計(税込)", "Total")} " " <strong id="gift-total">{move || total.get().to_string()}</strong></p>
            {move || if at_till.get() {
                view! {
                    <div class="grid">
                        <SelectField label=t!("お支払い方法", "Tender") name="gift-tender" value=tender_kind options=tender_options />
                        <TextField label=t!("お預かり金額", "Received") name="gift-received" value=received inputmode="numeric" error=field_error(status, "payment.tenders") />
                    </div>
                }.into_any()
            } else {
                view! { <p>{t!("お支払い: 請求書(後日)", "Payment: on invoice")}</p> }.into_any()
            }}
            <div class="actions">
                <button class="primary big" id="take-gift-order" on:click=submit disabled=move || sending.get()>
                    {move || if at_till.get() {
                        crate::i18n::pick("お代金を受け取って注文を記録", "Take payment and record")
                    } else {
                        crate::i18n::pick("注文を記録", "Record the order")
                    }}
                </button>
            </div>
        </section>
        <Loaded load=move || seasons.get() ok=move |list| {
            list.is_empty().then(|| view! { <p class="empty">{t!("受付中のシーズンはありません", "No open season")}</p> })
        } />
    }
}
