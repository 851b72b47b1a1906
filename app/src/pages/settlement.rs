//! 精算: the council's event summary (settle, corrections, CSV/JSON), each facility's printable
//! 精算書 (A4), and the event dashboard with its charts.

use crate::api::{self, settlement};
use crate::components::{
    FormStatus, LoadError, Loaded, SelectField, StatusBanner, TextField, field_error, parse_number,
    refresh_every,
};
use crate::forms::save;
use crate::t;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use selpos_domain::Yen;
use selpos_domain::dashboard::{EventDashboard, bar_css};
use selpos_domain::events::EventState;
use selpos_domain::settlement::{AdjustmentInput, EventSettlement, FacilitySettlement, FacilityStatement};
use selpos_domain::tax::TaxRate;

/// `?event=` (and `?facility=`, `?period=`) of the page, as a number.
pub(crate) fn query_id(name: &'static str) -> Option<i64> {
    use_query_map()
        .with_untracked(|q| q.get(name))
        .and_then(|v| v.parse().ok())
}

fn rate_cells(lines: &[selpos_domain::settlement::RateLine], rate: TaxRate) -> (Yen, Yen) {
    lines
        .iter()
        .find(|l| l.rate == rate)
        .map(|l| (l.net, l.tax))
        .unwrap_or_default()
}

/// 精算 (event summary) for the council.
#[component]
pub fn SettlementPage() -> impl IntoView {
    let Some(event_id) = query_id("event") else {
        return view! { <p class="banner error">{t!("イベントを指定してください", "No event given")}</p> }
            .into_any();
    };
    let data: RwSignal<Option<Result<EventSettlement, crate::api::ApiFailure>>> = RwSignal::new(None);
    let reload = move || {
        leptos::task::spawn_local(async move { data.set(Some(settlement::settlement(event_id).await)) })
    };
    Effect::new(move |_| reload());
    let status: FormStatus = RwSignal::new(None);
    let settle = move |_| {
        save(status, None, settlement::settle(event_id), move |s| {
            data.set(Some(Ok(s)));
            Some(
                crate::i18n::pick(
                    "精算しました。イベントはロックされました",
                    "Settled: the event is locked",
                )
                .into(),
            )
        });
    };
    view! {
        {move || match data.get() {
            None => view! { <p class="loading">"読み込み中…"</p> }.into_any(),
            Some(Err(failure)) => view! { <LoadError failure /> }.into_any(),
            Some(Ok(s)) => {
                let settled = s.state == EventState::Settled;
                let closed = s.state == EventState::Closed;
                let facilities = s.facilities.clone();
                view! {
                    <article class="sheet settlement" id="settlement">
                        <h1>{format!("精算書(イベント集計) {} {}", s.event_code, s.event_name)}</h1>
                        <p>{format!("{} 〜 {} ・ {}", s.starts_on, s.ends_on, s.state.label_ja())}
                           {s.settled_at.map(|at| format!(" ・ 精算 {} {}", super::local_time(at), s.settled_by.clone().unwrap_or_default()))}</p>
                        {(!settled).then(|| view! { <p class="banner warn">{t!("精算前の見込みです。", "Preview: not settled yet.")}</p> })}
                        <SettlementTable facilities=s.facilities.clone() totals=Some(s.totals.clone()) event_id />
                        <p class="hint" id="tax-note">{s.tax_note.clone()}</p>
                        <p class="hint">{format!("レシートの消費税は税率ごとに1回、{}。{}。{}", s.tax_rounding.label_ja(), s.commission_rounding, selpos_domain::settlement::FEE_TAX_JA)}</p>
                        <h2>{t!("支払方法別", "By tender")}</h2>
                        <table class="list"><tbody>
                            {s.tenders.iter().map(|t| view! { <tr><th>{t.kind.label_ja()}</th><td class="num">{format!("{}件", t.count)}</td><td class="num">{t.amount.to_string()}</td></tr> }).collect_view()}
                        </tbody></table>
                        {(s.voucher_surplus != Yen::ZERO).then(|| view! {
                            <p id="voucher-surplus">{format!("商品券の釣銭なし(売上外の受取) {}: 支払方法の合計 = 売上 {} + 釣銭なし", s.voucher_surplus, s.journal_total)}</p>
                        })}
                        <h2>{t!("レジ締めと現金過不足", "Registers and cash over/short")}</h2>
                        <table class="list" id="register-lines">
                            <thead><tr><th>"レジ"</th><th>"開局"</th><th>"締め"</th><th class="num">"現金(予定)"</th><th class="num">"現金(実際)"</th><th class="num">"過不足"</th><th class="num">"締め後の現金"</th><th>"メモ"</th></tr></thead>
                            <tbody>
                                {s.registers.iter().map(|r| view! {
                                    <tr>
                                        <td>{format!("{} {}", r.register_code, r.register_name)}</td>
                                        <td>{super::local_time(r.opened_at)}</td>
                                        <td>{r.closed_at.map(super::local_time).unwrap_or_else(|| "未締め".into())}</td>
                                        <td class="num">{r.cash.expected.to_string()}</td>
                                        <td class="num">{r.cash.counted.map(|v| v.to_string()).unwrap_or_default()}</td>
                                        <td class="num">{r.cash.difference.map(|v| v.to_string()).unwrap_or_default()}</td>
                                        <td class="num">{r.late_cash.to_string()}</td>
                                        <td>{r.note.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                            <tfoot><tr><th colspan="5">"現金過不足 合計"</th><th class="num" id="cash-over-short">{s.cash_over_short.to_string()}</th><th colspan="2"></th></tr></tfoot>
                        </table>
                        <div class="toolbar no-print">
                            <a class="button" href=format!("/api/v1/events/{event_id}/settlement?format=csv") download="">{t!("CSV(Excel)", "CSV (Excel)")}</a>
                            <a class="button" href=format!("/api/v1/events/{event_id}/settlement") target="_blank">"JSON"</a>
                            <a class="button" href=format!("/dashboard?event={event_id}")>{t!("ダッシュボード", "Dashboard")}</a>
                            <button on:click=move |_| { let _ = window().print(); }>{t!("印刷", "Print")}</button>
                            {(!s.open_registers.is_empty()).then(|| view! {
                                <p class="banner warn" id="open-registers">{format!("締めていないレジ: {}", s.open_registers.join("、"))}</p>
                            })}
                            {closed.then(|| view! { <button class="primary big" id="settle" on:click=settle>{t!("精算する(ロック)", "Settle (lock)")}</button> })}
                            {(!closed && !settled).then(|| view! { <p class="hint">{t!("精算はイベントを「終了」にしてから行います", "Close the event before settling")}</p> })}
                        </div>
                        <StatusBanner status />
                        {settled.then(|| view! { <AdjustmentForm event_id facilities on_done=reload /> })}
                    </article>
                }.into_any()
            }
        }}
    }
    .into_any()
}

/// The per-facility table (with a totals row when given).
#[component]
fn SettlementTable(
    facilities: Vec<FacilitySettlement>,
    totals: Option<selpos_domain::settlement::SettlementTotals>,
    event_id: i64,
) -> impl IntoView {
    view! {
        <table class="list settlement-table">
            <thead><tr>
                <th>"番号"</th><th>"事業所"</th><th class="num">"総売上"</th><th class="num">"取消・返品"</th><th class="num">"純売上"</th>
                <th class="num">"10%対象"</th><th class="num">"(内税)"</th><th class="num">"8%対象"</th><th class="num">"(内税)"</th>
                <th>"手数料"</th><th class="num">"手数料額"</th><th class="num">"(内税10%)"</th><th class="num">"調整"</th><th class="num">"支払額"</th>
            </tr></thead>
            <tbody>
                {facilities.into_iter().map(|f| {
                    let (s10, t10) = rate_cells(&f.by_rate, TaxRate::Standard);
                    let (s8, t8) = rate_cells(&f.by_rate, TaxRate::Reduced);
                    view! {
                        <tr data-facility=f.facility_id>
                            <td>{f.facility_number}</td>
                            <td><a href=format!("/settlement/statement?event={event_id}&facility={}", f.facility_id)>{f.facility_name.clone()}</a>
                                {f.gift_account.then(|| view! { <small class="gift-account">{t!(" ギフト取次(協議会口座・手数料なし)", " Gift orders (council account, no commission)")}</small> })}</td>
                            <td class="num">{f.gross.to_string()}</td><td class="num">{f.returns.to_string()}</td><td class="num">{f.net.to_string()}</td>
                            <td class="num">{s10.to_string()}</td><td class="num">{t10.to_string()}</td><td class="num">{s8.to_string()}</td><td class="num">{t8.to_string()}</td>
                            <td>{f.commission_rule.label_ja()}</td><td class="num">{f.commission.to_string()}</td><td class="num">{f.commission_tax.to_string()}</td>
                            <td class="num">{f.adjustments_total.on_statement()}</td><td class="num payable">{f.payable.on_statement()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
            {totals.map(|t| {
                let (s10, t10) = rate_cells(&t.by_rate, TaxRate::Standard);
                let (s8, t8) = rate_cells(&t.by_rate, TaxRate::Reduced);
                view! {
                    <tfoot><tr id="settlement-totals">
                        <th colspan="2">"合計"</th>
                        <th class="num">{t.gross.to_string()}</th><th class="num">{t.returns.to_string()}</th><th class="num" id="total-net">{t.net.to_string()}</th>
                        <th class="num">{s10.to_string()}</th><th class="num">{t10.to_string()}</th><th class="num">{s8.to_string()}</th><th class="num">{t8.to_string()}</th>
                        <th></th><th class="num" id="total-commission">{t.commission.to_string()}</th><th class="num">{t.commission_tax.to_string()}</th>
                        <th class="num">{t.adjustments_total.on_statement()}</th><th class="num" id="total-payable">{t.payable.on_statement()}</th>
                    </tr></tfoot>
                }
            })}
        </table>
    }
}

/// 精算後の調整: amount and reason for one facility, of the event's settlement or (with
/// `period_id`) of a standing shop's settled period.
#[component]
pub(crate) fn AdjustmentForm(
    event_id: i64,
    #[prop(optional)] period_id: Option<i64>,
    facilities: Vec<FacilitySettlement>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let facility = RwSignal::new(
        facilities
            .first()
            .map(|f| f.facility_id.to_string())
            .unwrap_or_default(),
    );
    let options = Signal::derive(move || {
        facilities
            .iter()
            .map(|f| {
                (
                    f.facility_id.to_string(),
                    format!("{} {}", f.facility_number, f.facility_name),
                )
            })
            .collect::<Vec<_>>()
    });
    let amount = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let status: FormStatus = RwSignal::new(None);
    let id = RwSignal::new(uuid::Uuid::now_v7());
    let save = move |_| {
        let input = AdjustmentInput {
            id: id.get(),
            facility_id: facility.get().parse().unwrap_or_default(),
            amount: Yen(parse_number(&amount.get())),
            reason: reason.get(),
        };
        let request = async move {
            match period_id {
                Some(period_id) => api::periods::adjust(event_id, period_id, &input)
                    .await
                    .map(|_| ()),
                None => settlement::adjust(event_id, &input).await.map(|_| ()),
            }
        };
        save(status, None, request, move |_| {
            id.set(uuid::Uuid::now_v7());
            amount.set(String::new());
            reason.set(String::new());
            on_done();
            Some(crate::i18n::pick("調整を記録しました", "Adjustment recorded").into())
        });
    };
    view! {
        <section class="panel no-print" id="adjustment">
            <h2>{t!("精算後の調整", "Adjustment after settlement")}</h2>
            <p class="hint">{t!("プラスは事業所への支払いを増やし、マイナスは減らします。記録は監査ログに残り、精算書に載ります。", "Positive pays the facility more, negative less. Audited and shown on the statement.")}</p>
            <SelectField label=t!("事業所", "Facility") name="adjust-facility" value=facility options />
            <TextField label=t!("調整額(円)", "Amount (yen)") name="adjust-amount" value=amount inputmode="numeric" error=field_error(status, "amount") required=true />
            <TextField label=t!("理由", "Reason") name="adjust-reason" value=reason error=field_error(status, "reason") required=true />
            <button class="primary big" on:click=save>{t!("調整を記録", "Record adjustment")}</button>
            <StatusBanner status />
        </section>
    }
}

/// 精算書 of one facility, printable on A4, with space for both sides' seals.
#[component]
pub fn StatementPage() -> impl IntoView {
    let (Some(event_id), Some(facility_id)) = (query_id("event"), query_id("facility")) else {
        return view! { <p class="banner error">{t!("イベントと事業所を指定してください", "No event or facility given")}</p> }.into_any();
    };
    let data = LocalResource::new(move || settlement::statement(event_id, facility_id));
    view! {
        <Loaded load=move || data.get() ok=move |s| view! { <Statement s event_id facility_id /> } />
    }
    .into_any()
}

/// An amount taken off on the statement: `▲¥3,000`.
fn deduction(amount: Yen) -> String {
    Yen(amount.0.saturating_neg()).on_statement()
}

#[component]
fn Statement(s: FacilityStatement, event_id: i64, facility_id: i64) -> impl IntoView {
    let csv = format!("/api/v1/events/{event_id}/settlement/facilities/{facility_id}?format=csv");
    view! { <StatementSheet s csv /> }
}

/// A facility's 精算書 (an event's, or a standing shop's period's), with its CSV at `csv` and
/// anything that belongs on the sheet below the figures.
#[component]
pub(crate) fn StatementSheet(
    s: FacilityStatement,
    csv: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let f = s.facility;
    view! {
        <article class="sheet a4 statement" id="statement">
            <h1>"精算書"</h1>
            <p class="to">{format!("{} 様", f.facility_name)} <small>{format!("(事業所番号 {})", f.facility_number)}</small></p>
            <p>{format!("{}({} 〜 {})", s.event_name, s.starts_on, s.ends_on)}</p>
            <p>{match s.settled_at { Some(at) => format!("精算日 {}", super::local_time(at)), None => "精算前(見込み)".into() }}</p>
            <table class="list figures">
                <tbody>
                    <tr><th>"総売上(税込・値引後)"</th><td class="num">{f.gross.to_string()}</td></tr>
                    <tr><th>"取消・返品"</th><td class="num">{deduction(f.returns)}</td></tr>
                    <tr><th>"純売上"</th><td class="num" id="statement-net">{f.net.to_string()}</td></tr>
                    {f.by_rate.iter().map(|l| {
                        let outside = if l.non_invoice == Yen::ZERO {
                            String::new()
                        } else {
                            format!("・適格請求書外 {}(税額記載なし)", l.non_invoice)
                        };
                        view! {
                            <tr class="sub"><th>{format!("　{}対象(うちレシート記載の消費税 {}{})", l.rate.label_ja(), l.tax, outside)}</th><td class="num">{l.net.to_string()}</td></tr>
                        }
                    }).collect_view()}
                    {f.returns_of_other_events.iter().map(|r| view! {
                        <tr class="sub cross-event"><th>{format!("　うち {}({})で販売した商品の返品", r.event_name, r.event_code)}</th><td class="num">{deduction(r.amount)}</td></tr>
                    }).collect_view()}
                    <tr><th>{format!("手数料({}・税込、うち消費税10% {})", f.commission_rule.label_ja(), f.commission_tax)}</th><td class="num" id="statement-commission">{deduction(f.commission)}</td></tr>
                    {f.adjustments.iter().map(|a| view! {
                        <tr class="adjustment"><th>{format!("調整: {}({})", a.reason, super::local_time(a.at))}</th><td class="num">{a.amount.on_statement()}</td></tr>
                    }).collect_view()}
                    <tr class="grand"><th>{if f.payable.0 >= 0 { "お支払額" } else { "ご請求額(手数料が売上を上回りました)" }}</th>
                        <td class="num" id="statement-payable">{Yen(f.payable.0.abs()).to_string()}</td></tr>
                </tbody>
            </table>
            <p class="hint">{format!("販売数 {}点 ・ 値引 {} ・ レシートの消費税は税率ごとに1回{}。{}。", f.quantity, f.discounts, s.tax_rounding.label_ja(), s.commission_rounding)}</p>
            <p class="hint" id="statement-tax-note">{s.tax_note.clone()}</p>
            {f.returned_elsewhere.iter().map(|r| view! {
                <p class="hint cross-event">{format!("精算後、{}({})で当イベント販売分 {} の返品を受け付けました(その精算で差し引き、この精算書の金額は変わりません)", r.event_name, r.event_code, r.amount)}</p>
            }).collect_view()}
            <p>{format!("{}{}", s.council_name, s.council_invoice_number.map(|n| format!("(登録番号 {n})")).unwrap_or_default())}</p>
            <FeeInvoiceBlock invoice=s.fee_invoice />
            {children.map(|c| c())}
            <div class="signatures">
                <div>"協議会"<span class="box"></span></div>
                <div>"事業所(受領)"<span class="box"></span></div>
            </div>
            <div class="toolbar no-print">
                <button class="primary" on:click=move |_| { let _ = window().print(); }>{t!("印刷", "Print")}</button>
                <a class="button" href=csv download="">"CSV"</a>
            </div>
        </article>
    }
}

/// The council's invoice for its fee: what a registered facility keeps to deduct the tax.
#[component]
fn FeeInvoiceBlock(invoice: selpos_domain::settlement::FeeInvoice) -> impl IntoView {
    let title = if invoice.qualified {
        "手数料の適格請求書"
    } else {
        "手数料の請求書(協議会に登録番号がないため適格請求書ではありません)"
    };
    view! {
        <section class="fee-invoice" id="fee-invoice">
            <h2>{title}</h2>
            <table class="list">
                <tbody>
                    <tr><th>"発行者"</th><td>{invoice.issuer_name.clone()}</td></tr>
                    <tr><th>"登録番号"</th><td id="fee-invoice-number">{invoice.registration_number.clone().unwrap_or_else(|| "なし".into())}</td></tr>
                    <tr><th>"宛先"</th><td>{format!("{} 様", invoice.recipient_name)}</td></tr>
                    <tr><th>"取引年月日"</th><td>{invoice.issued_on.to_string()}</td></tr>
                    <tr><th>"内容"</th><td>{invoice.description.clone()}</td></tr>
                    {invoice.by_rate.iter().map(|r| view! {
                        <tr><th>{format!("{}対象(税込)", r.rate.label_ja())}</th><td class="num">{r.total.to_string()}</td></tr>
                        <tr><th>{format!("消費税({})", r.rate.label_ja())}</th><td class="num" id="fee-invoice-tax">{r.tax.to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="hint">{invoice.note.clone()}</p>
        </section>
    }
}

/// How often the dashboard asks again while an event runs.
const DASHBOARD_REFRESH_MS: u64 = 10_000;

/// Sales by hour, facility, tender and best sellers, as bar charts.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let Some(event_id) = query_id("event") else {
        return view! { <p class="banner error">{t!("イベントを指定してください", "No event given")}</p> }
            .into_any();
    };
    let tick = refresh_every(DASHBOARD_REFRESH_MS);
    let data = LocalResource::new(move || {
        tick.track();
        api::event_dashboard(event_id)
    });
    view! {
        <Loaded load=move || data.get() ok=move |d| view! { <Dashboard d /> } />
    }
    .into_any()
}

/// A horizontal bar: label, bar scaled to the largest value, amount.
#[component]
fn Bar(label: String, amount: Yen, max: Yen, #[prop(optional)] detail: Option<String>) -> impl IntoView {
    let width = bar_css(amount, max);
    view! {
        <div class="bar-row">
            <span class="bar-label">{label}</span>
            <span class="bar-track"><span class="bar" style=format!("width:{width}")></span></span>
            <span class="bar-value">{amount.to_string()} {detail.map(|d| view! { <small>{d}</small> })}</span>
        </div>
    }
}

fn max_of(amounts: impl Iterator<Item = Yen>) -> Yen {
    amounts.max().unwrap_or_default()
}

#[component]
fn Dashboard(d: EventDashboard) -> impl IntoView {
    let hour_max = max_of(d.hours.iter().map(|h| h.amount));
    let facility_max = max_of(d.facilities.iter().map(|f| f.amount));
    let tender_max = max_of(d.tenders.iter().map(|t| t.amount));
    let best_max = max_of(d.best_sellers.iter().map(|b| b.amount));
    let event_id = d.event_id;
    view! {
        <h1>{format!("ダッシュボード {}", d.event_name)}</h1>
        <p class="live-total" id="dashboard-total">{t!("純売上", "Net sales")} " " <strong>{d.net.to_string()}</strong> {format!(" ・ {}件 ・ {}", d.sales, d.state.label_ja())}</p>
        <div class="charts">
            <section class="chart" id="chart-hours">
                <h2>{t!("時間帯別", "By hour")}</h2>
                <div class="columns">
                    {d.hours.iter().map(|h| view! {
                        <div class="column" title=format!("{} {}", h.label, h.amount)>
                            <span class="column-value">{h.amount.to_string()}</span>
                            <span class="bars"><span class="column-bar" style=format!("height:{}", bar_css(h.amount, hour_max))></span></span>
                            <span class="column-label">{h.label.clone()}</span>
                        </div>
                    }).collect_view()}
                </div>
            </section>
            {(d.days.len() > 1).then(|| {
                let day_max = max_of(d.days.iter().map(|x| x.amount));
                view! {
                    <section class="chart" id="chart-days">
                        <h2>{t!("日別", "By day")}</h2>
                        {d.days.iter().rev().take(31).map(|x| view! {
                            <Bar label=x.day.format("%m/%d").to_string() amount=x.amount max=day_max detail=format!(" {}件", x.sales) />
                        }).collect_view()}
                    </section>
                }
            })}
            {(d.months.len() > 1 || d.days.len() > 1).then(|| {
                let month_max = max_of(d.months.iter().map(|x| x.amount));
                view! {
                    <section class="chart" id="chart-months">
                        <h2>{t!("月別", "By month")}</h2>
                        {d.months.iter().rev().map(|x| view! {
                            <Bar label=format!("{}年{}月", x.year, x.month) amount=x.amount max=month_max detail=format!(" {}件", x.sales) />
                        }).collect_view()}
                    </section>
                }
            })}
            <section class="chart" id="chart-facilities">
                <h2>{t!("事業所別", "By facility")}</h2>
                {d.facilities.iter().map(|f| view! { <Bar label=f.facility_name.clone() amount=f.amount max=facility_max /> }).collect_view()}
            </section>
            <section class="chart" id="chart-tenders">
                <h2>{t!("支払方法別", "By tender")}</h2>
                {d.tenders.iter().map(|t| view! { <Bar label=t.kind.label_ja().to_string() amount=t.amount max=tender_max detail=format!(" {}件", t.count) /> }).collect_view()}
            </section>
            <section class="chart" id="chart-best">
                <h2>{t!("売れ筋", "Best sellers")}</h2>
                {d.best_sellers.iter().map(|b| view! { <Bar label=format!("{}({})", b.name, b.facility_name) amount=b.amount max=best_max detail=format!(" {}点", b.quantity) /> }).collect_view()}
            </section>
        </div>
        <p class="no-print">{if d.standing {
            view! { <a href=format!("/periods?event={event_id}")>{t!("期間精算へ", "To period settlement")}</a> }.into_any()
        } else {
            view! { <a href=format!("/settlement?event={event_id}")>{t!("精算へ", "To settlement")}</a> }.into_any()
        }}</p>
    }
}
