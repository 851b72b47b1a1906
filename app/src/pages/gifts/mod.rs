//! ギフト (中元・歳暮): the seasons (catalogue import, close, the supplier's order list, the
//! commission), one season's orders with their recipients ([`GiftSeasonPage`]), a facility's
//! statement ([`GiftStatementPage`]) and the order form ([`form`]).

pub mod form;

use super::events::parse_percent;
use crate::api::{ApiFailure, facilities, gifts as api};
use crate::components::{
    CsvFilePicker, FormStatus, Loaded, SelectField, StatusBanner, TextField, field_error,
};
use crate::session::may;
use crate::t;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use selpos_domain::Yen;
use selpos_domain::access::Principal;
use selpos_domain::events::CommissionRule;
use selpos_domain::gifts::{GiftOrder, GiftSeason, GiftSeasonInput, SeasonState};

/// The state as a badge.
fn state_badge(state: SeasonState) -> impl IntoView {
    view! { <span class=format!("state gift-{}", state.code())>{state.label_ja()}</span> }
}

fn param(name: &'static str) -> Option<i64> {
    use_params_map()
        .with_untracked(|p| p.get(name))
        .and_then(|v| v.parse::<i64>().ok())
}

/// ギフト: the seasons, the form for a new one, and each season's catalogue import, close and
/// exports.
#[component]
pub fn GiftsPage() -> impl IntoView {
    let seasons = LocalResource::new(api::seasons);
    let status: FormStatus = RwSignal::new(None);
    let council = move || may(Principal::may_manage_council_data);
    view! {
        <h1>{t!("ギフト(中元・歳暮)", "Gifts (seasonal)")}</h1>
        <div class="toolbar">
            <a class="button big primary" href="/gifts/new" id="new-gift-order">{t!("＋ ギフトの注文を受ける", "+ Take a gift order")}</a>
        </div>
        <StatusBanner status />
        {move || council().then(|| view! { <SeasonForm status on_saved=move || seasons.refetch() /> })}
        <Loaded load=move || seasons.get() ok=move |list| {
            if list.is_empty() {
                view! { <p class="empty">{t!("シーズンはまだありません", "No seasons yet")}</p> }.into_any()
            } else {
                view! {
                    <table class="list" id="gift-seasons">
                        <thead><tr>
                            <th>{t!("シーズン", "Season")}</th>
                            <th>{t!("仕入先", "Supplier")}</th>
                            <th>{t!("状態", "State")}</th>
                            <th class="num">{t!("商品数", "Items")}</th>
                            <th>{t!("手数料", "Commission")}</th>
                            <th>{t!("操作", "Actions")}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|s| view! {
                                <SeasonRow season=s status on_changed=move || seasons.refetch() />
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }
        } />
    }
}

/// One season in the list, with what the council does to it.
#[component]
fn SeasonRow(
    season: GiftSeason,
    status: FormStatus,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let csv = RwSignal::new(None::<Vec<u8>>);
    let id = season.id;
    let open = season.state == SeasonState::Open;
    let import = move |_| {
        let Some(bytes) = csv.get_untracked() else { return };
        leptos::task::spawn_local(async move {
            let result = api::import_catalogue(id, &bytes).await;
            status.set(Some(
                result.map(|r| format!("カタログを取り込みました({}件)", r.items)),
            ));
            on_changed();
        });
    };
    let close = move |_| {
        leptos::task::spawn_local(async move {
            let result = api::close(id).await;
            status.set(Some(result.map(|s| format!("{}を締め切りました", s.name))));
            on_changed();
        });
    };
    let council = may(Principal::may_manage_council_data);
    view! {
        <tr data-season=id>
            <td><a href=format!("/gifts/{id}")>{season.name.clone()}</a></td>
            <td>{season.supplier.clone()}</td>
            <td>{state_badge(season.state)}</td>
            <td class="num">{season.item_count}</td>
            <td>{season.commission.label_ja()}</td>
            <td class="actions">
                <a class="button" href=format!("/gifts/{id}")>{t!("注文と手数料", "Orders and commission")}</a>
                {(council && open).then(|| view! {
                    <CsvFilePicker file=csv name=format!("catalogue-{id}") />
                    <button on:click=import disabled=move || csv.with(Option::is_none)>{t!("カタログを取り込む", "Import catalogue")}</button>
                    <button class="danger" on:click=close>{t!("締め切る", "Close")}</button>
                })}
                {(council && !open).then(|| view! {
                    <a class="button" rel="external" href=format!("/api/v1/gifts/seasons/{id}/export?encoding=sjis")>{t!("注文一覧CSV(Shift_JIS)", "Order list (Shift_JIS)")}</a>
                    <a class="button" rel="external" href=format!("/api/v1/gifts/seasons/{id}/export")>{t!("注文一覧CSV(UTF-8)", "Order list (UTF-8)")}</a>
                })}
            </td>
        </tr>
    }
}

/// A new season: name, supplier, the commission (percent, or yen per delivery) and the
/// council's account its till sales are recorded under.
#[component]
fn SeasonForm(status: FormStatus, on_saved: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let supplier = RwSignal::new("ニッポンハム".to_string());
    let kind = RwSignal::new("percent".to_string());
    let value = RwSignal::new("10".to_string());
    let account = RwSignal::new(String::new());
    let list = LocalResource::new(|| facilities(false, None));
    let account_options = Signal::derive(move || {
        let mut options = vec![(String::new(), "(レジで受け付けない)".to_string())];
        if let Some(Ok(list)) = list.get() {
            options.extend(
                list.into_iter()
                    .map(|f| (f.id.to_string(), format!("{} {}", f.number, f.name))),
            );
        }
        options
    });
    let kinds = Signal::derive(|| {
        vec![
            ("percent".to_string(), "売上の割合(%)".to_string()),
            ("fixed".to_string(), "1件あたりの金額(円)".to_string()),
        ]
    });
    let save = move |_| {
        let value = value.get_untracked();
        let commission = if kind.get_untracked() == "fixed" {
            CommissionRule::Fixed {
                yen: Yen(crate::components::parse_number(&value)),
            }
        } else {
            CommissionRule::Percent {
                basis_points: parse_percent(&value),
            }
        };
        let input = GiftSeasonInput {
            name: name.get_untracked(),
            supplier: supplier.get_untracked(),
            commission,
            account_facility_id: account.get_untracked().parse().ok(),
        };
        leptos::task::spawn_local(async move {
            let result = api::save_season(None, &input).await;
            if result.is_ok() {
                name.set(String::new());
            }
            status.set(Some(result.map(|s| format!("{}を登録しました", s.name))));
            on_saved();
        });
    };
    view! {
        <details class="editor gift-season-form">
            <summary>{t!("＋ 新しいシーズン", "+ New season")}</summary>
            <div class="grid">
                <TextField label=t!("シーズン名(例: 2026 お歳暮)", "Season name") name="season-name" value=name required=true error=field_error(status, "name") />
                <TextField label=t!("仕入先", "Supplier") name="season-supplier" value=supplier required=true error=field_error(status, "supplier") />
                <SelectField label=t!("手数料の決め方", "Commission rule") name="season-commission-kind" value=kind options=kinds />
                <TextField label=t!("手数料(%または円)", "Commission (% or yen)") name="season-commission" value=value error=field_error(status, "commission") inputmode="decimal" />
                <SelectField label=t!("レジ売上の計上先(協議会の勘定)", "Account for till sales") name="season-account" value=account options=account_options error=field_error(status, "account_facility_id") />
            </div>
            <div class="actions">
                <button class="primary big" on:click=save>{t!("登録する", "Save")}</button>
            </div>
        </details>
    }
}

/// One season: its orders with their recipients (cancel one while the season is open) and the
/// commission per taker.
#[component]
pub fn GiftSeasonPage() -> impl IntoView {
    let Some(id) = param("id") else {
        return view! { <p class="banner error">{t!("シーズンが見つかりません", "Season not found")}</p> }
            .into_any();
    };
    let season = LocalResource::new(move || api::season(id));
    let orders = LocalResource::new(move || api::orders(id));
    let commission = LocalResource::new(move || api::commission(id));
    let status: FormStatus = RwSignal::new(None);
    let refetch = move || {
        orders.refetch();
        commission.refetch();
    };
    view! {
        <Loaded load=move || season.get() ok=move |s| {
            let open = s.season.state == SeasonState::Open;
            view! {
                <h1>{s.season.name.clone()} " " {state_badge(s.season.state)}</h1>
                <p>{format!("{} ・ 手数料 {} ・ 商品 {}件", s.season.supplier, s.season.commission.label_ja(), s.items.len())}</p>
                {open.then(|| view! {
                    <a class="button big primary" href=format!("/gifts/new?season={id}")>{t!("＋ 注文を受ける", "+ Take an order")}</a>
                })}
                <StatusBanner status />
                <h2>{t!("注文", "Orders")}</h2>
                <Loaded load=move || orders.get() ok=move |list| view! {
                    <OrderTable orders=list open status on_changed=refetch />
                } />
            }
        } />
        <h2>{t!("取扱者ごとの手数料", "Commission per taker")}</h2>
        <Loaded load=move || commission.get() ok=move |c| view! {
            <table class="list" id="gift-commission">
                <thead><tr>
                    <th>{t!("取扱者", "Taker")}</th><th class="num">{t!("注文", "Orders")}</th>
                    <th class="num">{t!("お届け件数", "Deliveries")}</th><th class="num">{t!("売上(税込)", "Sales")}</th>
                    <th class="num">{t!("手数料", "Commission")}</th><th></th>
                </tr></thead>
                <tbody>
                    {c.takers.into_iter().map(|t| view! {
                        <tr>
                            <td>{t.taker_name.clone()}</td><td class="num">{t.orders}</td><td class="num">{t.deliveries}</td>
                            <td class="num">{t.sales.to_string()}</td><td class="num">{t.commission.to_string()}</td>
                            <td>{t.facility_id.map(|f| view! {
                                <a class="button" href=format!("/gifts/{id}/statement/{f}")>{t!("明細", "Statement")}</a>
                            })}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr>
                    <th>{t!("合計", "Total")}</th><th></th><th></th>
                    <th class="num">{c.total_sales.to_string()}</th><th class="num">{c.total_commission.to_string()}</th><th></th>
                </tr></tfoot>
            </table>
            <a class="button" rel="external" href=format!("/api/v1/gifts/seasons/{id}/commission?format=csv")>{t!("CSVで保存", "Save as CSV")}</a>
        } />
    }
    .into_any()
}

/// Orders with one row per recipient; a recipient may be cancelled (with a reason) while the
/// season is open.
#[component]
fn OrderTable(
    orders: Vec<GiftOrder>,
    open: bool,
    status: FormStatus,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    if orders.is_empty() {
        return view! { <p class="empty">{t!("注文はありません", "No orders")}</p> }.into_any();
    }
    let reason = RwSignal::new(String::new());
    let cancel = move |order: uuid::Uuid, no: i64| {
        let text = reason.get_untracked();
        leptos::task::spawn_local(async move {
            let result = api::cancel(order, no, &text).await;
            status.set(Some(
                result.map(|o| format!("受付番号{}-{}を取り消しました", o.number, no)),
            ));
            on_changed();
        });
    };
    view! {
        {open.then(|| view! {
            <TextField label=t!("取消の理由(取り消すときに入力)", "Reason for a cancellation") name="cancel-reason" value=reason error=field_error(status, "reason") />
        })}
        <table class="list" id="gift-orders">
            <thead><tr>
                <th>{t!("受付番号", "No.")}</th><th>{t!("取扱者", "Taker")}</th><th>{t!("ご依頼主", "Customer")}</th>
                <th>{t!("お届け先", "Recipient")}</th><th>{t!("商品", "Item")}</th><th class="num">{t!("金額", "Amount")}</th>
                <th>{t!("のし", "Noshi")}</th><th>{t!("お届け日", "Delivery")}</th><th>{t!("支払", "Payment")}</th><th></th>
            </tr></thead>
            <tbody>
                {orders.into_iter().flat_map(|o| {
                    let order_id = o.id;
                    let payment = match &o.receipt_number {
                        Some(r) => format!("{} {r}", o.payment.label_ja()),
                        None => o.payment.label_ja().to_string(),
                    };
                    o.recipients.iter().map(|r| {
                        let no = r.no;
                        let cancelled = r.cancelled_at.is_some();
                        view! {
                            <tr class:cancelled=cancelled>
                                <td>{format!("{}-{}", o.number, r.no)}</td>
                                <td>{o.taker_name.clone()}</td>
                                <td>{o.customer.name.clone()}</td>
                                <td>{format!("{} 〒{} {}", r.party.name, r.party.postal_code, r.party.address)}</td>
                                <td>{format!("{} {} ×{}", r.item_code, r.item_name, r.quantity)}</td>
                                <td class="num">{r.amount.to_string()}</td>
                                <td>{format!("{} {}", r.noshi.omotegaki, r.noshi.name)}</td>
                                <td>{r.delivery_date.map(|d| d.to_string()).unwrap_or_else(|| "指定なし".into())}</td>
                                <td>{payment.clone()}</td>
                                <td>{if cancelled {
                                    view! { <span>{format!("取消: {}", r.cancel_reason)}</span> }.into_any()
                                } else if open {
                                    view! { <button class="danger" on:click=move |_| cancel(order_id, no)>{t!("取り消す", "Cancel")}</button> }.into_any()
                                } else {
                                    ().into_any()
                                }}</td>
                            </tr>
                        }
                    }).collect::<Vec<_>>()
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// A facility's statement for a season: its orders and the commission it earns (printable).
#[component]
pub fn GiftStatementPage() -> impl IntoView {
    let (Some(id), Some(facility)) = (param("id"), param("facility")) else {
        return view! { <p class="banner error">{t!("明細が見つかりません", "Statement not found")}</p> }
            .into_any();
    };
    let statement = LocalResource::new(move || api::statement(id, facility));
    let no_status: FormStatus = RwSignal::new(None::<Result<String, ApiFailure>>);
    view! {
        <Loaded load=move || statement.get() ok=move |s| view! {
            <article class="sheet gift-statement">
                <h1>{format!("ギフト取扱明細 {}", s.season.name)}</h1>
                <p class="to">{format!("{} {} 様", s.facility_number, s.facility_name)}</p>
                <OrderTable orders=s.orders.clone() open=false status=no_status on_changed=|| () />
                <table class="list totals">
                    <tbody>
                        <tr><th>{t!("お届け件数", "Deliveries")}</th><td class="num">{s.deliveries}</td></tr>
                        <tr><th>{t!("売上(税込)", "Sales")}</th><td class="num">{s.sales.to_string()}</td></tr>
                        <tr><th>{format!("手数料({})", s.commission_label)}</th><td class="num">{s.commission.to_string()}</td></tr>
                    </tbody>
                </table>
                <button class="no-print primary" onclick="window.print()">"印刷"</button>
            </article>
        } />
    }
    .into_any()
}
