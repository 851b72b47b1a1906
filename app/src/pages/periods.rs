//! 期間精算: a standing shop's periods. The council previews the open period through a day
//! that is over and settles it while the shop keeps selling; each settled period has its
//! facilities' statements, with the late records booked into it and the stock carried over.

use super::settlement::query_id;
use crate::api::{ApiFailure, periods};
use crate::components::{FormStatus, LoadError, Loaded, StatusBanner, TextField, field_error};
use crate::forms::save;
use crate::t;
use chrono::NaiveDate;
use leptos::prelude::*;
use selpos_domain::shop_periods::{LateRecord, PeriodSettlement, ShopPeriods, StockLine};

fn is_council() -> bool {
    crate::session::current().is_some_and(|s| s.user.role.is_council())
}

/// The shop's periods, the open one's preview and settling (the council), the statements.
#[component]
pub fn PeriodsPage() -> impl IntoView {
    let Some(event_id) = query_id("event") else {
        return view! { <p class="banner error">{t!("販売所を指定してください", "No shop given")}</p> }
            .into_any();
    };
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.track();
        periods::list(event_id)
    });
    let shown: RwSignal<Option<Result<PeriodSettlement, ApiFailure>>> = RwSignal::new(None);
    view! {
        <Loaded load=move || list.get() ok=move |l: ShopPeriods| view! {
            <h1>{format!("期間精算 {}", l.event_name)}</h1>
            <p class="hint">{t!(
                "常設の販売所は期間ごとに精算します。精算した期間の売上は確定し、その後に届いた売上(オフラインの遅れ)は次の期間に入ります。",
                "A standing shop is settled period by period. A settled period's sales are final; sales that arrive later go to the next period."
            )}</p>
            {is_council().then(|| view! { <OpenPeriod event_id list=l.clone() shown on_settled=move || version.update(|v| *v += 1) /> })}
            <h2>{t!("精算済みの期間", "Settled periods")}</h2>
            {if l.periods.is_empty() {
                view! { <p id="no-periods">{t!("まだありません", "None yet")}</p> }.into_any()
            } else {
                view! {
                    <table class="list" id="settled-periods">
                        <thead><tr><th>{t!("期間", "Period")}</th><th>{t!("精算", "Settled")}</th><th></th></tr></thead>
                        <tbody>
                            {l.periods.iter().map(|p| {
                                let period_id = p.id;
                                let show = move |_| {
                                    leptos::task::spawn_local(async move { shown.set(Some(periods::period(event_id, period_id).await)) })
                                };
                                let own = crate::session::current().and_then(|s| s.user.facility_id);
                                view! {
                                    <tr data-period=p.id>
                                        <td>{format!("{} 〜 {}", p.starts_on, p.ends_on)}</td>
                                        <td>{format!("{} {}", super::local_time(p.settled_at), p.settled_by)}</td>
                                        <td>
                                            {is_council().then(|| view! { <button class="show-period" on:click=show>{t!("表示", "Show")}</button> })}
                                            {own.map(|f| view! {
                                                <a class="button" href=format!("/periods/statement?event={event_id}&period={period_id}&facility={f}")>{t!("精算書", "Statement")}</a>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {move || shown.get().map(|r| match r {
                Ok(p) => {
                    let on_adjusted = move |period_id| {
                        leptos::task::spawn_local(async move { shown.set(Some(periods::period(event_id, period_id).await)) })
                    };
                    view! { <PeriodFigures p event_id on_adjusted /> }.into_any()
                }
                Err(failure) => view! { <LoadError failure /> }.into_any(),
            })}
        } />
    }
    .into_any()
}

/// The open period: a last day to preview through, and the button that settles it.
#[component]
fn OpenPeriod(
    event_id: i64,
    list: ShopPeriods,
    shown: RwSignal<Option<Result<PeriodSettlement, ApiFailure>>>,
    on_settled: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let through = RwSignal::new(list.suggested_through.map(|d| d.to_string()).unwrap_or_default());
    let status: FormStatus = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let day = move || NaiveDate::parse_from_str(&through.get_untracked(), "%Y-%m-%d").ok();
    let missing_day = move || {
        status.set(Some(Err(ApiFailure {
            code: "validation".into(),
            message: "期間の最終日を入力してください".into(),
            fields: vec![],
        })))
    };
    let preview = move |_| {
        let Some(day) = day() else { return missing_day() };
        status.set(None);
        leptos::task::spawn_local(async move { shown.set(Some(periods::preview(event_id, day).await)) });
    };
    let settle = move |_| {
        let Some(day) = day() else { return missing_day() };
        save(status, Some(busy), periods::settle(event_id, day), move |p| {
            shown.set(Some(Ok(p)));
            on_settled();
            Some(crate::i18n::pick("期間を精算しました", "Period settled").into())
        });
    };
    view! {
        <section class="panel" id="open-period">
            <h2>{format!("未精算の期間: {} 〜", list.open_from)}</h2>
            <TextField label=t!("期間の最終日", "Last day of the period") name="through" value=through input_type="date"
                required=true error=field_error(status, "through")
                hint=t!("終わった日まで精算できます(既定は先月末)", "Days that are over (last month's end by default)") />
            <div class="toolbar">
                <button class="big" id="preview-period" on:click=preview>{t!("見込みを表示", "Preview")}</button>
                <button class="primary big" id="settle-period" on:click=settle disabled=move || busy.get()>{t!("この期間を精算する", "Settle this period")}</button>
                <a class="button" href=format!("/dashboard?event={event_id}")>{t!("ダッシュボード", "Dashboard")}</a>
            </div>
            <StatusBanner status />
        </section>
    }
}

/// A period's figures: facilities, late records, stock.
#[component]
fn PeriodFigures(
    p: PeriodSettlement,
    event_id: i64,
    /// Shows the period again after an adjustment.
    on_adjusted: impl Fn(i64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let s = p.settlement;
    let facilities = s.facilities.clone();
    let period_id = p.period.as_ref().map(|x| x.id);
    view! {
        <article class="sheet" id="period-figures">
            <h2>{format!("{} 〜 {} {}", p.starts_on, p.ends_on, if period_id.is_some() { "(精算済)" } else { "(見込み)" })}</h2>
            <table class="list" id="period-facilities">
                <thead><tr><th>"番号"</th><th>"事業所"</th><th class="num">"純売上"</th><th>"手数料"</th><th class="num">"手数料額"</th><th class="num">"支払額"</th></tr></thead>
                <tbody>
                    {s.facilities.iter().map(|f| view! {
                        <tr data-facility=f.facility_id>
                            <td>{f.facility_number}</td>
                            <td>{match period_id {
                                Some(pid) => view! { <a class="button" href=format!("/periods/statement?event={event_id}&period={pid}&facility={}", f.facility_id)>{f.facility_name.clone()}</a> }.into_any(),
                                None => f.facility_name.clone().into_any(),
                            }}
                            {f.gift_account.then(|| view! { <small class="gift-account">{t!(" ギフト取次(協議会口座・手数料なし)", " Gift orders (council account, no commission)")}</small> })}</td>
                            <td class="num">{f.net.to_string()}</td><td>{f.commission_rule.label_ja()}</td>
                            <td class="num">{f.commission.to_string()}</td><td class="num">{f.payable.on_statement()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr><th colspan="2">"合計"</th><th class="num" id="period-net">{s.totals.net.to_string()}</th><th></th>
                    <th class="num">{s.totals.commission.to_string()}</th><th class="num">{s.totals.payable.on_statement()}</th></tr></tfoot>
            </table>
            {(!s.open_registers.is_empty()).then(|| view! {
                <p class="banner warn">{format!("この期間に開けて締めていないレジ: {}", s.open_registers.join("、"))}</p>
            })}
            <LateTable late=p.late />
            <StockTable stock=p.stock />
            {period_id.map(|pid| view! {
                <p class="no-print"><a class="button" href=format!("/api/v1/events/{event_id}/periods/{pid}?format=csv") download="">{t!("CSV(Excel)", "CSV (Excel)")}</a></p>
                <super::settlement::AdjustmentForm event_id period_id=pid facilities=facilities.clone() on_done=move || on_adjusted(pid) />
            })}
        </article>
    }
}

/// Records booked into the period that were sold on days of an earlier, settled one.
#[component]
fn LateTable(late: Vec<LateRecord>) -> impl IntoView {
    (!late.is_empty()).then(|| view! {
        <section id="late-records">
            <h3>{t!("前の期間の売上(精算後に届いたもの)", "Sales of earlier periods (arrived after they were settled)")}</h3>
            <table class="list">
                <thead><tr><th>"レシート"</th><th>"販売日時"</th><th>"受信日時"</th><th class="num">"金額"</th></tr></thead>
                <tbody>
                    {late.into_iter().map(|r| view! {
                        <tr><td>{r.receipt_number}</td><td>{super::local_time(r.sold_at)}</td><td>{super::local_time(r.recorded_at)}</td>
                            <td class="num">{r.total.to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    })
}

/// Each product's stock over the period: carried over, moved, carried on.
#[component]
fn StockTable(stock: Vec<StockLine>) -> impl IntoView {
    (!stock.is_empty()).then(|| view! {
        <section id="period-stock">
            <h3>{t!("委託在庫(繰越)", "Consigned stock (carried over)")}</h3>
            <table class="list">
                <thead><tr><th>"商品"</th><th class="num">"前期繰越"</th><th class="num">"搬入"</th><th class="num">"販売"</th>
                    <th class="num">"持ち帰り"</th><th class="num">"棚卸差異"</th><th class="num">"その他"</th><th class="num">"次期繰越"</th></tr></thead>
                <tbody>
                    {stock.into_iter().map(|l| view! {
                        <tr data-product=l.product_id><td>{l.product_name}</td><td class="num">{l.opening}</td><td class="num">{l.intake}</td>
                            <td class="num">{l.sold}</td><td class="num">{l.taken_home}</td><td class="num">{l.count_difference}</td>
                            <td class="num">{l.other}</td><td class="num closing">{l.closing}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    })
}

/// A facility's statement for a settled period (A4), with its late records and stock.
#[component]
pub fn PeriodStatementPage() -> impl IntoView {
    let (Some(event_id), Some(period_id), Some(facility_id)) =
        (query_id("event"), query_id("period"), query_id("facility"))
    else {
        return view! { <p class="banner error">{t!("販売所・期間・事業所を指定してください", "No shop, period or facility given")}</p> }.into_any();
    };
    let data = LocalResource::new(move || periods::statement(event_id, period_id, facility_id));
    view! {
        <Loaded load=move || data.get() ok=move |p: selpos_domain::shop_periods::PeriodStatement| {
            let csv = format!("/api/v1/events/{event_id}/periods/{period_id}/facilities/{facility_id}?format=csv");
            let counted = p.counted_at.map_or_else(
                || "この期間の棚卸: 記録なし".to_string(),
                |at| format!("この期間の棚卸: {}", super::local_time(at)),
            );
            view! {
                <super::settlement::StatementSheet s=p.statement csv>
                    <p class="hint" id="period-days">{format!("精算期間 {} 〜 {}", p.starts_on, p.ends_on)}</p>
                    <LateTable late=p.late.clone() />
                    <StockTable stock=p.stock.clone() />
                    <p class="hint" id="period-count">{counted.clone()}</p>
                </super::settlement::StatementSheet>
            }
        } />
    }
    .into_any()
}
