//! 在庫: a facility's consigned goods at an event — brought, sold, refunded, left — refreshed
//! live, with alerts, the take-home list, 搬入 and 棚卸 entry, and printable sheets.

use crate::api;
use crate::components::{
    CsvFilePicker, FormStatus, LoadError, Loaded, SelectField, StatusBanner, TextField, event_option,
    facility_option, list_of, options_of, parse_number, refresh_every,
};
use crate::forms::save;
use crate::session::{may, principal};
use crate::t;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use selpos_domain::facilities::Facility;
use selpos_domain::stock::{
    CountLineInput, EventStock, MovementKind, ProductStock, StockCountInput, StockLineInput,
    StockOperationInput, StockStatus,
};

const REFRESH_MS: u64 = 5000;

fn status_label(status: StockStatus) -> (&'static str, &'static str) {
    match status {
        StockStatus::Ok => ("", "ok"),
        StockStatus::Low => ("残りわずか", "low"),
        StockStatus::SoldOut => ("完売", "sold-out"),
        StockStatus::Negative => ("マイナス(要確認)", "negative"),
    }
}

/// The event and facility chosen on the page, shared by the stock page and its sheets.
fn selection() -> (RwSignal<String>, RwSignal<String>) {
    let query = use_query_map();
    let event = RwSignal::new(query.with_untracked(|q| q.get("event")).unwrap_or_default());
    let facility = RwSignal::new(query.with_untracked(|q| q.get("facility")).unwrap_or_default());
    (event, facility)
}

#[component]
pub fn StockPage() -> impl IntoView {
    let (event_id, facility_id) = selection();
    let events = LocalResource::new(api::events);
    let facilities = LocalResource::new(|| api::facilities(false, None));
    let tick = refresh_every(REFRESH_MS);
    let status: FormStatus = RwSignal::new(None);
    let typed: Typed = StoredValue::new(Default::default());
    super::open_on_todays_event(events, event_id);
    // Facility staff always work on their own facility.
    Effect::new(move |_| {
        if let Some(own) = principal().and_then(|p| p.facility_scope()) {
            facility_id.set(own.to_string());
        }
    });
    let event_options = options_of(list_of(events), None, event_option);
    let facility_list = list_of(facilities);
    // The facilities the signed-in person may look at; "all" for the council only.
    let facility_options = Signal::derive(move || {
        let mut options = Vec::new();
        if may(|p| p.is_council()) {
            options.push((
                String::new(),
                crate::i18n::pick("すべての事業所", "All facilities").to_string(),
            ));
        }
        facility_list.with(|list| {
            options.extend(
                list.iter()
                    .filter(|f| may(|p| p.may_see_facility_accounts(f.id)))
                    .map(facility_option),
            )
        });
        options
    });
    let stock = LocalResource::new(move || {
        tick.track();
        let event = event_id.get().parse::<i64>().ok();
        let facility = facility_id.get().parse::<i64>().ok();
        async move {
            match event {
                Some(e) => Some(api::event_stock(e, facility).await),
                None => None,
            }
        }
    });
    let sheet_query = move || format!("?event={}&facility={}", event_id.get(), facility_id.get());

    view! {
        <h1>{t!("在庫(委託品)", "Consigned stock")}</h1>
        <div class="toolbar">
            <SelectField label=t!("イベント", "Event") name="event" value=event_id options=event_options />
            <SelectField label=t!("事業所", "Facility") name="facility" value=facility_id options=facility_options />
            <a class="button" href=move || format!("/stock/delivery-note{}", sheet_query())>{t!("納品書", "Delivery note")}</a>
            <a class="button" href=move || format!("/stock/labels{}", sheet_query())>{t!("棚札", "Shelf labels")}</a>
        </div>
        <StatusBanner status />
        <Loaded load=move || stock.get().flatten() ok=move |stock| view! {
            <StockTable stock=stock.clone() facilities=facility_list all=facility_id.with_untracked(String::is_empty) />
            {facility_id.get().parse::<i64>().ok().map(|facility| view! {
                <StockEntry stock facility status typed event_options on_saved=move || tick.update(|t| *t += 1) />
            })}
        } />
    }
}

/// `number name` of the facility `id`, from `list`.
fn facility_name(list: &[Facility], id: i64) -> String {
    list.iter()
        .find(|f| f.id == id)
        .map(|f| format!("{} {}", f.number, f.name))
        .unwrap_or_else(|| id.to_string())
}

/// The stock of every product; `all`: of every facility, with a column saying whose it is.
#[component]
fn StockTable(stock: EventStock, facilities: Signal<Vec<Facility>>, all: bool) -> impl IntoView {
    let count = |s: StockStatus| stock.products.iter().filter(|p| p.status == s).count();
    let (sold_out, low, negative) = (
        count(StockStatus::SoldOut),
        count(StockStatus::Low),
        count(StockStatus::Negative),
    );
    let take_home: Vec<ProductStock> = stock
        .products
        .iter()
        .filter(|p| p.figures.on_hand > 0)
        .cloned()
        .collect();
    view! {
        <p class="alerts" id="stock-alerts">
            <span class="alert sold-out">{format!("完売 {sold_out}")}</span>
            <span class="alert low">{format!("残りわずか {low}")}</span>
            <span class="alert negative">{format!("マイナス {negative}")}</span>
        </p>
        <table class="list" id="stock-list">
            <thead><tr>
                {all.then(|| view! { <th>{t!("事業所", "Facility")}</th> })}
                <th>{t!("商品", "Product")}</th><th class="num">{t!("搬入", "In")}</th><th class="num">{t!("販売", "Sold")}</th>
                <th class="num">{t!("返品", "Refunded")}</th><th class="num">{t!("持出", "Out")}</th><th class="num">{t!("調整", "Adjusted")}</th>
                <th class="num">{t!("残", "Left")}</th><th class="num">{t!("売上", "Sales")}</th><th>{t!("状態", "State")}</th>
            </tr></thead>
            <tbody>
                {stock.products.iter().map(|p| {
                    let (label, class) = status_label(p.status);
                    let f = &p.figures;
                    let facility_id = p.facility_id;
                    view! {
                        <tr class=format!("stock-{class}") data-facility=facility_id>
                            {all.then(|| view! {
                                <td class="facility">{move || facilities.with(|list| facility_name(list, facility_id))}</td>
                            })}
                            <td class="name">{p.name.clone()}</td>
                            <td class="num">{f.brought}</td><td class="num">{f.sold}</td><td class="num">{f.refunded}</td>
                            <td class="num">{f.taken_out}</td><td class="num">{f.adjusted}</td>
                            <td class="num"><strong>{f.on_hand}</strong></td>
                            <td class="num">{p.sales.to_string()}</td>
                            <td><span class=format!("badge {class}")>{label}</span></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <h2>{t!("持ち帰りリスト", "Take-home list")}</h2>
        <ul class="take-home" id="take-home">
            {take_home.into_iter().map(|p| view! { <li>{format!("{} × {}", p.name, p.figures.on_hand)}</li> }).collect_view()}
        </ul>
    }
}

/// What staff type into the entry form, kept across the page's live refreshes (which build
/// the form anew): the text typed per product id.
type Typed = StoredValue<std::collections::HashMap<i64, String>>;

/// The entry form for one facility: a quantity per product, recorded as 搬入, 搬出, a move to
/// another event, a loss, or a count (棚卸); everything left taken home at once; 搬入 from a CSV.
#[component]
fn StockEntry(
    stock: EventStock,
    facility: i64,
    status: FormStatus,
    typed: Typed,
    event_options: Signal<Vec<(String, String)>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let event_id = stock.event_id;
    let rows: Vec<(ProductStock, RwSignal<String>)> = stock
        .products
        .into_iter()
        .filter(|p| p.facility_id == facility)
        .map(|p| {
            let id = p.product_id;
            let q = RwSignal::new(typed.with_value(|t| t.get(&id).cloned().unwrap_or_default()));
            Effect::new(move |_| {
                let text = q.get();
                typed.update_value(|t| {
                    t.insert(id, text);
                });
            });
            (p, q)
        })
        .collect();
    let rows = StoredValue::new(rows);
    let note = RwSignal::new(String::new());
    let to_event = RwSignal::new(String::new());
    let csv: RwSignal<Option<Vec<u8>>> = RwSignal::new(None);
    // One id per chosen file: a second tap while the first is on its way imports nothing twice.
    let csv_id = RwSignal::new(uuid::Uuid::new_v4());
    Effect::new(move |_| {
        csv.track();
        csv_id.set(uuid::Uuid::new_v4());
    });
    let entered = move || {
        rows.with_value(|rows| {
            rows.iter()
                .filter_map(|(p, q)| {
                    let text = q.get_untracked();
                    (!text.trim().is_empty()).then(|| (p.product_id, parse_number(&text)))
                })
                .collect::<Vec<_>>()
        })
    };
    let clear = move || {
        rows.with_value(|rows| rows.iter().for_each(|(_, q)| q.set(String::new())));
        note.set(String::new());
    };
    let send = move |input: StockOperationInput, done: &'static str| {
        let request = async move { api::record_stock(event_id, &input).await };
        save(status, None, request, move |_| {
            clear();
            on_saved();
            Some(done.into())
        });
    };
    let operation = move |kind: MovementKind, lines: Vec<(i64, i64)>| StockOperationInput {
        id: uuid::Uuid::new_v4(),
        kind,
        facility_id: facility,
        to_event_id: (kind == MovementKind::Transfer)
            .then(|| to_event.get_untracked().parse().ok())
            .flatten(),
        lines: lines
            .into_iter()
            .map(|(product_id, quantity)| StockLineInput { product_id, quantity })
            .collect(),
        note: note.get_untracked(),
        approval_id: None,
    };
    let record = move |kind: MovementKind| {
        let done = match kind {
            MovementKind::Intake => "搬入を記録しました",
            MovementKind::Return => "搬出(持ち帰り)を記録しました",
            MovementKind::Transfer => "移動を記録しました",
            _ => "破損・紛失を記録しました",
        };
        send(operation(kind, entered()), done);
    };
    let take_all_home = move |_| {
        let left: Vec<(i64, i64)> = rows.with_value(|rows| {
            rows.iter()
                .filter(|(p, _)| p.figures.on_hand > 0)
                .map(|(p, _)| (p.product_id, p.figures.on_hand))
                .collect()
        });
        if left.is_empty() {
            status.set(Some(Ok("持ち帰る商品はありません".into())));
            return;
        }
        send(
            operation(MovementKind::Return, left),
            "残りをすべて搬出(持ち帰り)として記録しました",
        );
    };
    let count = move |_| {
        let input = StockCountInput {
            id: uuid::Uuid::new_v4(),
            facility_id: facility,
            lines: entered()
                .into_iter()
                .map(|(product_id, counted)| CountLineInput { product_id, counted })
                .collect(),
            note: "棚卸".into(),
        };
        let request = async move { api::count_stock(event_id, &input).await };
        save(status, None, request, move |lines| {
            let variances: Vec<String> = lines
                .iter()
                .filter(|l| l.variance != 0)
                .map(|l| format!("{} {:+}", l.name, l.variance))
                .collect();
            clear();
            on_saved();
            Some(if variances.is_empty() {
                "棚卸: 差異はありません".to_string()
            } else {
                format!("棚卸の差異を記録しました: {}", variances.join("、"))
            })
        });
    };
    let import = move |_| {
        let Some(bytes) = csv.get_untracked() else { return };
        let id = csv_id.get_untracked();
        let request = async move { api::import_intake(event_id, facility, id, &bytes).await };
        save(status, None, request, move |_| {
            csv.set(None);
            on_saved();
            Some("CSVの搬入を取り込みました".into())
        });
    };
    let other_events = Signal::derive(move || {
        let mut options = vec![(
            String::new(),
            crate::i18n::pick("移動先を選ぶ", "Move to…").to_string(),
        )];
        options.extend(
            event_options
                .get()
                .into_iter()
                .filter(|(id, _)| *id != event_id.to_string()),
        );
        options
    });
    view! {
        <section class="editor stock-entry">
            <h2>{t!("搬入・搬出・棚卸の入力", "Intake, take-home and count")}</h2>
            <div class="grid">
                {rows.with_value(|rows| rows.iter().map(|(p, q)| {
                    let q = *q;
                    view! {
                        <label class="field">
                            <span class="label">{format!("{} (残 {})", p.name, p.figures.on_hand)}</span>
                            <input inputmode="numeric" name=format!("qty-{}", p.product_id) bind:value=q />
                        </label>
                    }
                }).collect_view())}
            </div>
            <TextField label=t!("理由・メモ(破損・紛失は必須)", "Reason / note (required for a loss)") name="stock-note" value=note />
            <div class="actions">
                <button class="primary" on:click=move |_| record(MovementKind::Intake)>{t!("搬入として記録", "Record as intake")}</button>
                <button on:click=count>{t!("数えた数で棚卸", "Record as count")}</button>
                <button on:click=move |_| record(MovementKind::Return)>{t!("搬出(持ち帰り)", "Take home")}</button>
                <button on:click=move |_| record(MovementKind::Loss)>{t!("破損・紛失", "Loss / damage")}</button>
            </div>
            <div class="actions">
                <SelectField label=t!("移動先", "Move to") name="to-event" value=to_event options=other_events />
                <button on:click=move |_| record(MovementKind::Transfer) disabled=move || to_event.with(String::is_empty)>
                    {t!("入力した数を移動", "Move the quantities")}
                </button>
            </div>
            <div class="actions">
                <button class="big" id="take-all-home" on:click=take_all_home>{t!("残りをすべて持ち帰る(搬出)", "Take everything left home")}</button>
            </div>
            <h3>{t!("CSVで搬入(JAN または 商品名, 数量)", "Intake from a CSV (JAN or name, quantity)")}</h3>
            <div class="actions">
                <CsvFilePicker file=csv name="intake-csv" />
                <button on:click=import disabled=move || csv.with(Option::is_none)>{t!("取り込む", "Import")}</button>
            </div>
        </section>
    }
}

/// 納品書: the goods a facility brought to an event, for both sides to sign.
#[component]
pub fn DeliveryNotePage() -> impl IntoView {
    let (event_id, facility_id) = selection();
    let data = LocalResource::new(move || {
        let event = event_id.get().parse::<i64>().ok();
        let facility = facility_id.get().parse::<i64>().ok();
        async move {
            let (Some(event), Some(facility)) = (event, facility) else {
                return None;
            };
            let stock = api::event_stock(event, Some(facility)).await;
            let events = api::events().await;
            let facilities = api::facilities(true, None).await;
            Some((stock, events, facilities, event, facility))
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="loading">"読み込み中…"</p> }>
            {move || data.get().flatten().map(|(stock, events, facilities, event, facility)| match stock {
                Err(failure) => view! { <LoadError failure /> }.into_any(),
                Ok(stock) => {
                    let event_name = events.ok().and_then(|l| l.into_iter().find(|e| e.id == event)).map(|e| format!("{} ({} 〜 {})", e.name, e.starts_on, e.ends_on)).unwrap_or_default();
                    let facility_name = facilities.ok().and_then(|l| l.into_iter().find(|f| f.id == facility)).map(|f| f.name).unwrap_or_default();
                    let total: i64 = stock.products.iter().map(|p| p.price.0 * p.figures.brought).sum();
                    view! {
                        <article class="sheet delivery-note">
                            <h1>"納品書"</h1>
                            <p class="to">{format!("{facility_name} 様より")}</p>
                            <p>{event_name}</p>
                            <table class="list">
                                <thead><tr><th>"商品"</th><th class="num">"単価(税込)"</th><th class="num">"数量"</th><th class="num">"金額"</th></tr></thead>
                                <tbody>
                                    {stock.products.iter().filter(|p| p.figures.brought > 0).map(|p| view! {
                                        <tr><td>{p.name.clone()}</td><td class="num">{p.price.to_string()}</td>
                                            <td class="num">{p.figures.brought}</td><td class="num">{selpos_domain::Yen(p.price.0 * p.figures.brought).to_string()}</td></tr>
                                    }).collect_view()}
                                </tbody>
                                <tfoot><tr><th colspan="3">"合計"</th><th class="num">{selpos_domain::Yen(total).to_string()}</th></tr></tfoot>
                            </table>
                            <div class="signatures">
                                <div>"納品者(事業所)"<span class="box"></span></div>
                                <div>"受領者(協議会)"<span class="box"></span></div>
                            </div>
                            <button class="no-print primary" onclick="window.print()">"印刷"</button>
                        </article>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// An EAN-13 / JAN barcode as SVG bars, from the `barcoders` encoder.
#[component]
fn Barcode(code: String) -> impl IntoView {
    let bars = barcoders::sym::ean13::EAN13::new(&code)
        .map(|b| b.encode())
        .unwrap_or_default();
    let width = bars.len();
    view! {
        <svg class="barcode" viewBox=format!("0 0 {width} 40") preserveAspectRatio="none" role="img" aria-label=code.clone()>
            {bars.iter().enumerate().filter(|(_, b)| **b == 1).map(|(x, _)| view! {
                <rect x=x.to_string() y="0" width="1" height="40" />
            }).collect_view()}
        </svg>
        <span class="digits">{code}</span>
    }
}

/// 棚札: shelf labels with price and barcode for a facility's products that have a JAN code.
#[component]
pub fn LabelsPage() -> impl IntoView {
    let (_, facility_id) = selection();
    let products = LocalResource::new(move || {
        let facility = facility_id.get().parse::<i64>().ok();
        api::products(facility, false, None)
    });
    view! {
        <button class="no-print primary" onclick="window.print()">"印刷"</button>
        <Loaded load=move || products.get() ok=move |list| view! {
            <div class="labels" id="labels">
                {list.into_iter().filter_map(|p| p.jan.clone().map(|jan| (p, jan))).map(|(p, jan)| view! {
                    <div class="label">
                        <strong class="name">{p.name}</strong>
                        <span class="price">{p.price.to_string()} <small>"(税込)"</small></span>
                        <Barcode code=jan />
                    </div>
                }).collect_view()}
            </div>
        } />
    }
}
