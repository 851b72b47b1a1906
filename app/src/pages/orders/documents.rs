//! The printable A4 documents of a joint order — 見積書, 納品書 (one facility's share or
//! combined) and 請求書 as a qualified invoice from the API's `InvoiceDocument` — the monthly
//! payout statement of a facility, and the prefecture's yearly procurement report.

use crate::api::{ApiResult, orders as api};
use crate::components::{Loaded, SelectField, TextField, facility_option, list_of, options_of};
use crate::session::{current, may};
use crate::t;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use selpos_domain::Yen;
use selpos_domain::access::Principal;
use selpos_domain::orders::{
    Delivery, InvoiceDocument, InvoiceFigures, InvoiceLine, Order, PayoutStatement, ProcurementReport,
    invoice_figures,
};
use selpos_domain::tax::TaxRate;

fn query(name: &'static str) -> Option<String> {
    use_query_map().with_untracked(|q| q.get(name))
}

fn print_button() -> impl IntoView {
    view! { <button class="primary" id="print" on:click=move |_| { let _ = window().print(); }>{t!("印刷", "Print")}</button> }
}

/// `/orders/:id/document?kind=quote|delivery|invoice[&facility=]`.
#[component]
pub fn DocumentPage() -> impl IntoView {
    let id = use_params_map()
        .with_untracked(|p| p.get("id"))
        .and_then(|v| v.parse::<i64>().ok());
    let Some(id) = id else {
        return view! { <super::super::NotFound /> }.into_any();
    };
    let kind = query("kind").unwrap_or_else(|| "invoice".into());
    let facility = query("facility").and_then(|f| f.parse::<i64>().ok());
    let order = LocalResource::new(move || api::get_order(id));
    // The council's document data (issuer, T-number, rounding); facility staff get their
    // delivery note from the order alone.
    let invoice: LocalResource<Option<ApiResult<InvoiceDocument>>> = LocalResource::new(move || async move {
        if may(Principal::may_manage_council_data) {
            Some(api::invoice(id).await)
        } else {
            None
        }
    });
    view! {
        <div class="toolbar no-print">
            {print_button()}
            <a class="button" href=format!("/orders/{id}")>{t!("受注へ戻る", "Back to the order")}</a>
        </div>
        <Loaded load=move || order.get() ok=move |o| {
            let kind = kind.clone();
            let doc = invoice.get().flatten();
            match (kind.as_str(), doc) {
                ("invoice", Some(Ok(doc))) => view! { <Invoice doc /> }.into_any(),
                ("invoice", Some(Err(failure))) => view! { <crate::components::LoadError failure /> }.into_any(),
                ("invoice", None) => view! { <p class="loading">"読み込み中…"</p> }.into_any(),
                ("quote", doc) => view! { <Quote order=o doc=doc.and_then(Result::ok) /> }.into_any(),
                (_, doc) => view! { <DeliveryNote order=o facility doc=doc.and_then(Result::ok) /> }.into_any(),
            }
        } />
    }
    .into_any()
}

/// `※` on reduced-rate lines.
fn mark(rate: TaxRate) -> &'static str {
    if rate == TaxRate::Reduced { "※" } else { "" }
}

/// The per-rate totals with their tax.
#[component]
pub(crate) fn RateTotals(figures: InvoiceFigures) -> impl IntoView {
    view! {
        <table class="list rate-totals" id="rate-totals">
            <thead><tr><th>{t!("税率区分", "Rate")}</th><th class="num">{t!("対象額(税込)", "Total (tax incl.)")}</th><th class="num">{t!("うち消費税", "Tax")}</th></tr></thead>
            <tbody>
                {figures.by_rate.iter().map(|r| view! {
                    <tr data-rate=r.rate.code()><th>{format!("{}対象", r.rate.label_ja())}</th><td class="num">{r.total.to_string()}</td><td class="num rate-tax">{r.tax.to_string()}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The header every document shares: title, number, date, recipient, subject and terms.
#[component]
fn DocumentHead(
    title: &'static str,
    number: String,
    date: String,
    recipient: String,
    subject: String,
    deliveries: Vec<Delivery>,
    payment_terms: String,
    issuer: Option<(String, Option<String>)>,
) -> impl IntoView {
    view! {
        <h1>{title}</h1>
        <div class="doc-head">
            <div>
                <p class="to">{format!("{recipient} 様")}</p>
                <table class="doc-facts">
                    <tbody>
                        <tr><th>"件名"</th><td class="doc-subject">{subject}</td></tr>
                        {deliveries.iter().map(|d| view! {
                            <tr><th>"納期"</th><td>{d.on.to_string()}</td></tr>
                            <tr><th>"納入場所"</th><td>{d.place.clone()}</td></tr>
                        }).collect_view()}
                        {(!payment_terms.is_empty()).then(|| view! { <tr><th>"支払条件"</th><td>{payment_terms.clone()}</td></tr> })}
                    </tbody>
                </table>
            </div>
            <div class="doc-issuer">
                <p>{format!("No. {number}")}</p>
                <p>{date}</p>
                {issuer.map(|(name, t_number)| view! {
                    <p class="issuer-name">{name}</p>
                    <p class="t-number">{t_number.map(|n| format!("登録番号 {n}")).unwrap_or_default()}</p>
                    <p>"共同受注窓口"</p>
                })}
            </div>
        </div>
    }
}

fn today() -> String {
    selpos_domain::events::tokyo_date(crate::till::browser::utc_now()).to_string()
}

/// 見積書: the order's items as quoted, per-rate totals with tax rounded once per rate.
#[component]
fn Quote(order: Order, doc: Option<InvoiceDocument>) -> impl IntoView {
    let rounding = doc.as_ref().map(|d| d.tax_rounding).unwrap_or_default();
    let lines: Vec<InvoiceLine> = order
        .items
        .iter()
        .map(|i| InvoiceLine {
            item_id: i.id,
            description: i.description.clone(),
            unit: i.unit.clone(),
            quantity: i.quantity,
            unit_price: i.unit_price,
            tax_rate: i.tax_rate,
            reduced_mark: i.tax_rate == TaxRate::Reduced,
            amount: i.amount,
            facility_id: 0,
            facility_name: String::new(),
            qualified: true,
        })
        .collect();
    let figures = invoice_figures(lines, rounding);
    let recipient = if order.buyer.invoice_recipient.is_empty() {
        order.buyer.name.clone()
    } else {
        order.buyer.invoice_recipient.clone()
    };
    let issuer = doc.map(|d| (d.issuer_name, d.registration_number));
    view! {
        <article class="sheet a4 order-doc quote" id="quote">
            <DocumentHead title="御見積書" number=format!("Q-{}", order.id) date=today() recipient subject=order.subject.clone() deliveries=order.deliveries.clone() payment_terms=order.payment_terms.clone() issuer />
            <p class="doc-amount">"御見積金額(税込) " <strong id="quote-total">{figures.total.to_string()}</strong></p>
            <LineTable lines=figures.lines.clone() with_facility=false />
            <RateTotals figures />
            <p class="hint">"※は軽減税率(8%)対象。単価・金額は税込です。"</p>
        </article>
    }
}

#[component]
pub(crate) fn LineTable(lines: Vec<InvoiceLine>, with_facility: bool) -> impl IntoView {
    view! {
        <table class="list doc-lines">
            <thead><tr>
                <th>"品名・作業内容"</th><th class="num">"数量"</th><th>"単位"</th><th class="num">"単価"</th><th class="num">"金額"</th>
                {with_facility.then(|| view! { <th>"製造・作業"</th> })}
            </tr></thead>
            <tbody>
                {lines.into_iter().map(|l| view! {
                    <tr class="doc-line">
                        <td>{format!("{}{}", l.description, mark(l.tax_rate))}</td>
                        <td class="num">{l.quantity}</td><td>{l.unit.clone()}</td>
                        <td class="num">{l.unit_price.to_string()}</td><td class="num">{l.amount.to_string()}</td>
                        {with_facility.then(|| view! { <td>{l.facility_name.clone()}</td> })}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// 納品書: one facility's shares, or every share combined.
#[component]
fn DeliveryNote(order: Order, facility: Option<i64>, doc: Option<InvoiceDocument>) -> impl IntoView {
    let mut lines = Vec::new();
    for item in &order.items {
        for s in item
            .shares
            .iter()
            .filter(|s| facility.is_none_or(|f| f == s.facility_id))
        {
            lines.push(InvoiceLine {
                item_id: item.id,
                description: item.description.clone(),
                unit: item.unit.clone(),
                quantity: s.quantity,
                unit_price: item.unit_price,
                tax_rate: item.tax_rate,
                reduced_mark: item.tax_rate == TaxRate::Reduced,
                amount: s.amount,
                facility_id: s.facility_id,
                facility_name: s.facility_name.clone(),
                qualified: true,
            });
        }
    }
    let total = lines
        .iter()
        .fold(Yen::ZERO, |a, l| Yen(a.0.saturating_add(l.amount.0)));
    let from = facility.and_then(|f| {
        lines
            .iter()
            .find(|l| l.facility_id == f)
            .map(|l| l.facility_name.clone())
    });
    let recipient = order.buyer.name.clone();
    let date = order.delivered_on.map(|d| d.to_string()).unwrap_or_else(today);
    let issuer = doc.map(|d| (d.issuer_name, d.registration_number));
    let number = match facility {
        Some(f) => format!("D-{}-{f}", order.id),
        None => format!("D-{}", order.id),
    };
    view! {
        <article class="sheet a4 order-doc delivery-note" id="delivery-note">
            <DocumentHead title="納品書" number date recipient subject=order.subject.clone() deliveries=order.deliveries.clone() payment_terms=order.payment_terms.clone() issuer />
            {from.map(|name| view! { <p class="doc-from">{format!("納品者 {name}")}</p> })}
            <p>"下記のとおり納品いたします。"</p>
            <LineTable lines with_facility=facility.is_none() />
            <p class="doc-amount">"合計(税込) " <strong id="delivery-total">{total.to_string()}</strong></p>
            <p class="hint">"※は軽減税率(8%)対象。"</p>
            <div class="signatures"><div>"受領印"<span class="box"></span></div></div>
        </article>
    }
}

/// 請求書: the council's qualified invoice as intermediary (媒介者交付特例), the facilities that
/// are not registered issuers shown apart without tax.
#[component]
fn Invoice(doc: InvoiceDocument) -> impl IntoView {
    let f = doc.figures.clone();
    let qualified_lines: Vec<InvoiceLine> = f.lines.iter().filter(|l| l.qualified).cloned().collect();
    let other_lines: Vec<InvoiceLine> = f.lines.iter().filter(|l| !l.qualified).cloned().collect();
    let title = if doc.qualified {
        "請求書(適格請求書)"
    } else {
        "請求書"
    };
    view! {
        <article class="sheet a4 order-doc invoice" id="invoice">
            <DocumentHead title number=doc.number.clone() date=format!("請求日 {}", doc.issued_on) recipient=doc.recipient.clone()
                subject=doc.subject.clone() deliveries=doc.deliveries.clone() payment_terms=doc.payment_terms.clone() issuer=Some((doc.issuer_name.clone(), doc.registration_number.clone())) />
            <p class="doc-amount">"ご請求金額(税込) " <strong id="invoice-total">{f.total.to_string()}</strong></p>
            {if doc.bank_account.is_empty() {
                view! { <p class="bank no-print warning" id="invoice-bank-missing">{t!("振込先が未設定です(協議会の設定で入力してください)", "No bank account set (enter it in the council's settings)")}</p> }.into_any()
            } else {
                view! { <p class="bank">"振込先 " <span id="invoice-bank">{doc.bank_account.clone()}</span></p> }.into_any()
            }}
            <LineTable lines=qualified_lines with_facility=true />
            <RateTotals figures=f.clone() />
            <p>{format!("適格請求書の対象 {} (うち消費税 {})", f.qualified_total, f.qualified_tax)}</p>
            {(!f.non_qualified.is_empty()).then(|| view! {
                <section class="non-qualified" id="non-qualified">
                    <h2>"適格請求書発行事業者以外の事業所分(消費税額の記載なし)"</h2>
                    <LineTable lines=other_lines with_facility=true />
                    <table class="list">
                        <tbody>
                            {f.non_qualified.iter().map(|p| view! {
                                <tr><th>{p.facility_name.clone()}</th>
                                    <td>{p.by_rate.iter().map(|r| format!("{}対象 {}", r.rate.label_ja(), r.amount)).collect::<Vec<_>>().join(" / ")}</td>
                                    <td class="num">{p.total.to_string()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <p>{format!("小計 {}", f.non_qualified_total)}</p>
                </section>
            })}
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

/// `/orders/payouts?facility=&month=`: a facility's payout statement for a month.
#[component]
pub fn PayoutStatementPage() -> impl IntoView {
    let own = move || current().and_then(|s| s.user.facility_id);
    let facility = RwSignal::new(query("facility").unwrap_or_default());
    let month = RwSignal::new(query("month").unwrap_or_else(|| today()[..7].to_string()));
    Effect::new(move |_| {
        if facility.with_untracked(String::is_empty)
            && let Some(f) = own()
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
        let (f, m) = (facility.get(), month.get());
        async move {
            match f.parse::<i64>() {
                Ok(f) => Some(api::payout_statement(f, &m).await),
                Err(_) => None,
            }
        }
    });
    view! {
        <div class="filters no-print">
            <SelectField label=t!("事業所", "Facility") name="payout-facility" value=facility options />
            <TextField label=t!("支払月", "Month") name="payout-month" value=month input_type="month" />
        </div>
        {move || match data.get() {
            None => view! { <p class="loading">"読み込み中…"</p> }.into_any(),
            Some(None) => view! { <p class="empty">{t!("事業所を選んでください", "Choose a facility")}</p> }.into_any(),
            Some(Some(Err(failure))) => view! { <crate::components::LoadError failure /> }.into_any(),
            Some(Some(Ok(s))) => view! { <PayoutSheet s /> }.into_any(),
        }}
    }
}

#[component]
fn PayoutSheet(s: PayoutStatement) -> impl IntoView {
    let csv = format!(
        "/api/v1/orders/payouts?facility_id={}&month={}-{:02}&format=csv",
        s.facility_id, s.year, s.month
    );
    view! {
        <article class="sheet a4 statement order-payout" id="payout-statement">
            <h1>"支払明細書"</h1>
            <p class="to">{format!("{} 様", s.facility_name)} <small>{format!("(事業所番号 {})", s.facility_number)}</small></p>
            <p>{format!("{}年{}月 共同受注のお支払", s.year, s.month)}</p>
            <table class="list">
                <thead><tr><th>"受注"</th><th>"件名"</th><th>"発注者"</th><th>"支払日"</th><th class="num">"受注額"</th><th class="num">"手数料"</th><th class="num">"調整"</th><th class="num">"支払額"</th></tr></thead>
                <tbody>
                    {s.lines.iter().map(|l| view! {
                        <tr><td>{format!("JO-{}", l.order_id)}</td><td>{l.subject.clone()}</td><td>{l.buyer_name.clone()}</td><td>{l.paid_out_on.to_string()}</td>
                            <td class="num">{l.part.net.to_string()}</td><td class="num">{l.part.fee.to_string()}</td>
                            <td class="num">{l.part.adjustments_total.on_statement()}</td><td class="num">{l.part.payable.on_statement()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <table class="list figures">
                <tbody>
                    <tr><th>"受注額 合計"</th><td class="num">{s.net.to_string()}</td></tr>
                    <tr><th>{format!("協議会の手数料(役務・税込、うち消費税10% {})", s.fee_tax)}</th><td class="num" id="payout-fee">{Yen(s.fee.0.saturating_neg()).on_statement()}</td></tr>
                    <tr><th>"調整"</th><td class="num">{s.adjustments.on_statement()}</td></tr>
                    <tr class="grand"><th>"お支払額"</th><td class="num" id="payout-payable">{s.payable.on_statement()}</td></tr>
                </tbody>
            </table>
            {s.fee_by_rate.iter().map(|r| view! { <p>{format!("手数料 {}対象 {}(消費税 {})", r.rate.label_ja(), r.total, r.tax)}</p> }).collect_view()}
            <p class="hint">{s.fee_note.clone()} " " {s.commission_rounding.clone()}</p>
            <p>{format!("{}{}", s.council_name, s.council_invoice_number.clone().map(|n| format!("(登録番号 {n})")).unwrap_or_default())}</p>
            <div class="toolbar no-print">
                {print_button()}
                <a class="button" href=csv download="">"CSV"</a>
            </div>
        </article>
    }
}

/// `/orders/report?year=`: the prefecture's yearly report of orders received through the desk.
#[component]
pub fn ReportPage() -> impl IntoView {
    let year =
        RwSignal::new(query("year").unwrap_or_else(|| super::super::wages::this_fiscal_year().to_string()));
    let data = LocalResource::new(move || {
        let y = year.get().parse::<i32>().unwrap_or_default();
        api::report(y)
    });
    view! {
        <div class="filters no-print">
            <SelectField label=t!("年度", "Fiscal year") name="report-year" value=year options=super::super::wages::year_options() />
        </div>
        <Loaded load=move || data.get() ok=move |r| view! { <ReportSheet r /> } />
    }
}

#[component]
fn ReportSheet(r: ProcurementReport) -> impl IntoView {
    let csv = format!("/api/v1/orders/report?fiscal_year={}&format=csv", r.fiscal_year);
    view! {
        <article class="sheet a4 order-report" id="procurement-report">
            <h1>"共同受注の実績"</h1>
            <p>{r.label.clone()}</p>
            <table class="list">
                <thead><tr>
                    <th>"番号"</th><th>"事業所"</th><th class="num">"官公需 件数"</th><th class="num">"官公需 金額"</th>
                    <th class="num">"民需 件数"</th><th class="num">"民需 金額"</th><th class="num">"合計"</th>
                </tr></thead>
                <tbody>
                    {r.facilities.iter().map(|row| view! {
                        <tr data-facility=row.facility_id><td>{row.facility_number}</td><td>{row.facility_name.clone()}</td>
                            <td class="num">{row.figures.government_orders}</td><td class="num">{row.figures.government.to_string()}</td>
                            <td class="num">{row.figures.private_orders}</td><td class="num">{row.figures.private.to_string()}</td>
                            <td class="num">{row.figures.total.to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr id="report-total"><th colspan="2">"合計"</th>
                    <th class="num">{r.total.government_orders}</th><th class="num">{r.total.government.to_string()}</th>
                    <th class="num">{r.total.private_orders}</th><th class="num">{r.total.private.to_string()}</th>
                    <th class="num">{r.total.total.to_string()}</th></tr></tfoot>
            </table>
            <p class="hint">{r.note.clone()}</p>
            <div class="toolbar no-print">
                {print_button()}
                <a class="button" id="report-csv" href=csv download="">{t!("CSV(Excel)", "CSV (Excel)")}</a>
            </div>
        </article>
    }
}
