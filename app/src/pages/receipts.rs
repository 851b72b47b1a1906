//! レシート・領収書: a recorded sale's receipt on screen exactly as on paper (the server's
//! text layout), printing it again on the register's printer, and the formal receipt (領収書)
//! naming the buyer, for one sale (`/receipts/{id}`) or several (`/receipts?ids=a,b`), laid out
//! for A4 or A5 and printed by the browser.
//!
//! Without a sale given, the page searches the journal (`SaleSearch`): by receipt number, by
//! the time of the sale and by its exact total, so staff find the sale of a customer who comes
//! back for a 領収書.
//!
//! The formal receipt is a qualified invoice (適格請求書): issuer and registration number,
//! buyer, date, what was sold with reduced-rate items marked, and per rate the total and the
//! tax. Goods of facilities that are not registered issuers stay apart, outside the invoice.

use crate::api::{self, ApiFailure};
use crate::components::{
    LoadError, NumberField, SelectField, TextField, field_error, non_blank, parse_number,
};
use crate::t;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use selpos_domain::council::Council;
use selpos_domain::receipts::ReceiptLine;
use selpos_domain::receipts::SaleReceipt;
use selpos_domain::receipts::formal::{AFTER_REFUNDS_NOTE, FormalReceipt};
use selpos_domain::sales::cart::RateTotal;
use selpos_domain::sales::search::SaleSearchInput;
use selpos_domain::sales::{Sale, SaleKind};
use selpos_domain::{RoundingMode, TaxRate, Yen};

/// The purpose (但し書き) unless staff type another.
const DEFAULT_PURPOSE: &str = "お品代として";

/// The sale ids of the page: the path's, then those of `?ids=a,b`, each once.
fn sale_ids(path_id: Option<String>, ids: Option<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let listed = ids.unwrap_or_default();
    for id in path_id
        .into_iter()
        .chain(listed.split(',').map(String::from))
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
    {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

#[component]
pub fn ReceiptsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let ids = Memo::new(move |_| sale_ids(params.with(|p| p.get("id")), query.with(|q| q.get("ids"))));
    let receipts = LocalResource::new(move || {
        let ids = ids.get();
        async move {
            let mut loaded = Vec::with_capacity(ids.len());
            for id in ids {
                let result = api::sale_receipt(&id, None).await;
                // The 領収書's figures: the sale less its refunds, as the server states them.
                let formal = match &result {
                    Ok(receipt) => Some(
                        api::formal_receipt(&id)
                            .await
                            .map_err(|failure| (receipt.receipt.receipt_number.clone(), failure.message)),
                    ),
                    Err(_) => None,
                };
                loaded.push((id, result, formal));
            }
            loaded
        }
    });
    let council = LocalResource::new(api::council);

    view! {
        <div class="receipts-page">
            <h1 class="no-print">{t!("レシート・領収書", "Receipts")}</h1>
            {move || if ids.with(Vec::is_empty) {
                view! { <SaleSearch /> }.into_any()
            } else {
                view! {
                    <p class="no-print"><a href="/receipts" id="search-again">{t!("別の売上を探す", "Find another sale")}</a></p>
                }.into_any()
            }}
            <Transition fallback=|| view! { <p class="loading">"読み込み中…"</p> }>
                {move || receipts.get().map(|loaded| {
                    let found: Vec<Result<FormalReceipt, (String, String)>> =
                        loaded.iter().filter_map(|(_, _, formal)| formal.clone()).collect();
                    view! {
                        <div class="receipt-sales no-print">
                            {loaded.into_iter().map(|(id, result, _)| match result {
                                Ok(receipt) => view! { <SaleReceiptView receipt /> }.into_any(),
                                Err(failure) => view! {
                                    <section class="receipt-sale">
                                        <h2>{id}</h2>
                                        <LoadError failure />
                                    </section>
                                }.into_any(),
                            }).collect_view()}
                        </div>
                        {(!found.is_empty()).then(|| view! {
                            <FormalReceiptForm sales=found council=Signal::derive(move || council.get().and_then(Result::ok)) />
                        })}
                    }
                })}
            </Transition>
        </div>
    }
}

/// Sales per page of the search.
const PAGE: i64 = 20;

/// The search as typed: empty fields are not searched; a kind of "" is every kind.
fn search_input(
    receipt_number: String,
    from: String,
    to: String,
    total: String,
    kind: String,
    offset: i64,
) -> SaleSearchInput {
    SaleSearchInput {
        receipt_number: non_blank(receipt_number),
        from: non_blank(from),
        to: non_blank(to),
        total: non_blank(total).map(|t| parse_number(&t)),
        kind: non_blank(kind),
        // One more than shown: whether a next page exists.
        limit: Some(PAGE + 1),
        offset: Some(offset),
    }
}

fn sale_state(sale: &Sale) -> &'static str {
    match (sale.kind, sale.voided) {
        (SaleKind::Void, _) => "取消",
        (SaleKind::Refund, _) => "返品",
        (SaleKind::Sale, true) => "取消済み",
        (SaleKind::Sale, false) => "売上",
    }
}

/// 売上を探す: receipt number, sold from / to (Japan time), exact total; a page of results,
/// newest first, each opening its receipt; several ticked make one 領収書.
#[component]
fn SaleSearch() -> impl IntoView {
    let receipt_number = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let total = RwSignal::new(String::new());
    let kind = RwSignal::new("sale".to_string());
    let offset = RwSignal::new(0_i64);
    let busy = RwSignal::new(false);
    let status: crate::components::FormStatus = RwSignal::new(None);
    let found: RwSignal<Option<Vec<Sale>>> = RwSignal::new(None);
    let chosen: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let kind_options = Signal::derive(|| {
        [
            ("sale", "売上"),
            ("", "すべて"),
            ("void", "取消"),
            ("refund", "返品"),
        ]
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .to_vec()
    });
    let run = move |at: i64| {
        let input = search_input(
            receipt_number.get_untracked(),
            from.get_untracked(),
            to.get_untracked(),
            total.get_untracked(),
            kind.get_untracked(),
            at,
        );
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api::search_sales(&input).await;
            busy.try_set(false);
            match result {
                Ok(sales) => {
                    status.try_set(None);
                    offset.try_set(at);
                    chosen.try_set(Vec::new());
                    found.try_set(Some(sales));
                }
                Err(failure) => {
                    found.try_set(None);
                    status.try_set(Some(Err(failure)));
                }
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run(0);
    };
    view! {
        <form class="editor sale-search no-print" id="sale-search" on:submit=submit>
            <h2>{t!("売上を探す", "Find a sale")}</h2>
            <p class="hint">{t!("レシート番号、お買い上げの日時、合計金額のどれか(いくつでも)で探せます", "Search by receipt number, time of the sale or its total")}</p>
            <div class="grid">
                <TextField label=t!("レシート番号", "Receipt number") name="receipt_number" value=receipt_number
                    error=field_error(status, "receipt_number") hint=t!("例 HB26-R1-0012", "e.g. HB26-R1-0012") />
                <TextField label=t!("日時(から)", "From") name="from" value=from input_type="datetime-local" error=field_error(status, "from") />
                <TextField label=t!("日時(まで)", "Until") name="to" value=to input_type="datetime-local" error=field_error(status, "to") />
                <NumberField label=t!("合計金額(円)", "Total (yen)") name="total" value=total error=field_error(status, "total") />
                <SelectField label=t!("種別", "Kind") name="kind" value=kind options=kind_options error=field_error(status, "kind") />
            </div>
            <div class="actions">
                <button type="submit" class="primary" id="search-sales" disabled=move || busy.get()>{t!("探す", "Search")}</button>
            </div>
            {move || status.get().and_then(Result::err).map(|failure| view! { <LoadError failure /> })}
        </form>
        {move || found.get().map(|sales| {
            let more = sales.len() as i64 > PAGE;
            let shown = (sales.len() as i64).min(PAGE);
            let at = offset.get_untracked();
            if sales.is_empty() {
                return view! { <p class="empty no-print" id="no-sales">{t!("該当する売上はありません", "No sale found")}</p> }.into_any();
            }
            view! {
                <div class="sale-results no-print">
                    <table class="list" id="sale-results">
                        <thead><tr>
                            <th>{t!("選択", "Pick")}</th><th>{t!("レシート番号", "Receipt")}</th><th>{t!("日時", "Time")}</th>
                            <th class="num">{t!("合計", "Total")}</th><th>{t!("種別", "Kind")}</th>
                        </tr></thead>
                        <tbody>
                            {sales.into_iter().take(PAGE as usize).map(|sale| {
                                let id = sale.id.to_string();
                                let ticked = { let id = id.clone(); move || chosen.with(|c| c.contains(&id)) };
                                let toggle = { let id = id.clone(); move |_| chosen.update(|c| {
                                    if let Some(i) = c.iter().position(|x| *x == id) { c.remove(i); } else { c.push(id.clone()); }
                                }) };
                                view! {
                                    <tr data-sale=id.clone()>
                                        <td><input type="checkbox" class="pick" aria-label=format!("{} を選ぶ", sale.receipt_number)
                                            prop:checked=ticked on:change=toggle /></td>
                                        <td><a class="open-receipt" href=format!("/receipts/{id}")>{sale.receipt_number.clone()}</a></td>
                                        <td>{super::local_time(sale.sold_at)}</td>
                                        <td class="num">{sale.total.to_string()}</td>
                                        <td>{sale_state(&sale)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <div class="actions">
                        <button type="button" id="previous-page" disabled=move || busy.get() || at == 0
                            on:click=move |_| run((at - PAGE).max(0))>{t!("前へ", "Previous")}</button>
                        <span class="page">{format!("{}〜{}件目", at + 1, at + shown)}</span>
                        <button type="button" id="next-page" disabled=move || busy.get() || !more
                            on:click=move |_| run(at + PAGE)>{t!("次へ", "Next")}</button>
                        {move || (!chosen.with(Vec::is_empty)).then(|| view! {
                            <a class="button primary" id="receipt-of-chosen"
                                href=move || format!("/receipts?ids={}", chosen.get().join(","))>
                                {t!("選んだ売上の領収書", "Receipt of the picked sales")}
                            </a>
                        })}
                    </div>
                </div>
            }.into_any()
        })}
    }
}

fn kind_label(receipt: &SaleReceipt) -> &'static str {
    match (receipt.kind, receipt.voided) {
        (SaleKind::Void, _) => "取消",
        (SaleKind::Refund, _) => "返品",
        (SaleKind::Sale, true) => "取消済み",
        (SaleKind::Sale, false) => "売上",
    }
}

/// One sale: its paper as the printer prints it, and printing it again.
#[component]
fn SaleReceiptView(receipt: SaleReceipt) -> impl IntoView {
    let sale_id = receipt.sale_id.to_string();
    let printing = RwSignal::new(false);
    let outcome: RwSignal<Option<Result<String, ApiFailure>>> = RwSignal::new(None);
    let print = move |_| {
        let sale_id = sale_id.clone();
        printing.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            // From this page a receipt is always a copy: marked 再発行, the drawer stays shut.
            let result = api::print_receipt(&sale_id, true).await;
            printing.set(false);
            outcome.set(Some(result.map(|done| {
                let mut message = format!("印刷しました ({})", done.printer);
                for warning in done.warnings {
                    message.push_str(" / ");
                    message.push_str(&warning);
                }
                message
            })));
        });
    };
    let paper = receipt.lines.join("\n");
    view! {
        <section class="receipt-sale" data-sale=receipt.sale_id.to_string()>
            <h2>
                "No." {receipt.receipt.receipt_number.clone()} " "
                <span class=format!("state {}", receipt.kind.code())>{kind_label(&receipt)}</span>
            </h2>
            <pre class="receipt-paper" class:narrow=receipt.columns < 48>{paper}</pre>
            <div class="toolbar">
                <button class="primary print-receipt" on:click=print disabled=move || printing.get()>
                    {t!("印刷", "Print")}
                </button>
                <small class="hint">{t!("レジのプリンターに再発行として印刷します", "Prints a copy on the register's printer")}</small>
            </div>
            {move || outcome.get().map(|o| match o {
                Ok(message) => view! { <p class="banner ok" role="status">{message}</p> }.into_any(),
                Err(failure) => view! { <p class="banner error" role="alert">{failure.message}</p> }.into_any(),
            })}
        </section>
    }
}

/// The figures of a formal receipt over one or more sales.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FormalFigures {
    receipt_numbers: Vec<String>,
    /// First and last day of the sales, `YYYY-MM-DD`.
    first_day: String,
    last_day: String,
    total: Yen,
    /// Per rate, over the invoice lines: the total and its tax (rounded once per rate).
    by_rate: Vec<RateTotal>,
    non_invoice_total: Yen,
    invoice_lines: Vec<ReceiptLine>,
    other_lines: Vec<ReceiptLine>,
    /// Sales the server refused a 領収書 (voids, refunds, voided or fully refunded sales), with
    /// why: not on the formal receipt.
    left_out: Vec<(String, String)>,
    /// Some sale was partly refunded: the amounts are after the refunds.
    after_refunds: bool,
    /// The issuer as it was at the (first) sale.
    issuer_name: String,
    issuer_invoice_number: Option<String>,
}

/// Sums the sales a formal receipt covers, each as the server states it (the sale less its
/// refunds). With one sale the per-rate totals and tax are the server's (stored) ones; over
/// several, the totals per rate are added and the tax taken once per rate, as on any invoice.
fn formal_figures(
    sales: &[Result<FormalReceipt, (String, String)>],
    rounding: RoundingMode,
) -> FormalFigures {
    let kept: Vec<&FormalReceipt> = sales.iter().filter_map(|s| s.as_ref().ok()).collect();
    let left_out = sales.iter().filter_map(|s| s.as_ref().err().cloned()).collect();
    let issues_invoice = kept.first().is_some_and(|s| s.issuer_invoice_number.is_some());
    let lines: Vec<ReceiptLine> = kept.iter().flat_map(|s| s.lines.clone()).collect();
    let (invoice_lines, other_lines): (Vec<_>, Vec<_>) = lines
        .into_iter()
        .partition(|l| issues_invoice && l.invoice_eligible);
    let by_rate = if let [one] = kept.as_slice() {
        one.by_rate.clone()
    } else {
        TaxRate::ALL
            .into_iter()
            .filter_map(|rate| {
                let of_rate: Vec<&ReceiptLine> =
                    invoice_lines.iter().filter(|l| l.tax_rate == rate).collect();
                (!of_rate.is_empty()).then(|| {
                    let total = Yen(of_rate.iter().map(|l| l.amount.0).sum());
                    RateTotal {
                        rate,
                        total,
                        tax: rate.included_tax(total, rounding),
                    }
                })
            })
            .collect()
    };
    let mut days: Vec<String> = kept.iter().map(|s| s.sold_at_local.date().to_string()).collect();
    days.sort();
    FormalFigures {
        receipt_numbers: kept.iter().map(|s| s.receipt_number.clone()).collect(),
        first_day: days.first().cloned().unwrap_or_default(),
        last_day: days.last().cloned().unwrap_or_default(),
        total: Yen(kept.iter().map(|s| s.total.0).sum()),
        by_rate: if issues_invoice { by_rate } else { Vec::new() },
        non_invoice_total: Yen(other_lines.iter().map(|l| l.amount.0).sum()),
        invoice_lines,
        other_lines,
        left_out,
        after_refunds: kept.iter().any(|s| s.note.is_some()),
        issuer_name: kept.first().map(|s| s.issuer_name.clone()).unwrap_or_default(),
        issuer_invoice_number: kept
            .first()
            .and_then(|s| s.issuer_invoice_number.clone())
            .filter(|_| issues_invoice),
    }
}

/// `2026-11-28` → `2026年11月28日`
fn japanese_date(day: &str) -> String {
    match day.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, d] => format!(
            "{y}年{}月{}日",
            m.trim_start_matches('0'),
            d.trim_start_matches('0')
        ),
        _ => day.to_string(),
    }
}

/// The 宛名 and 但し書き form, and the formal receipt it makes.
#[component]
fn FormalReceiptForm(
    sales: Vec<Result<FormalReceipt, (String, String)>>,
    council: Signal<Option<Council>>,
) -> impl IntoView {
    let buyer = RwSignal::new(String::new());
    let purpose = RwSignal::new(DEFAULT_PURPOSE.to_string());
    let paper = RwSignal::new("a5".to_string());
    let sales = StoredValue::new(sales);
    let figures = Memo::new(move |_| {
        let rounding = council.with(|c| c.as_ref().map(|c| c.tax_rounding).unwrap_or_default());
        sales.with_value(|s| formal_figures(s, rounding))
    });
    let issued_on = RwSignal::new(figures.with_untracked(|f| f.last_day.clone()));
    let paper_options = Signal::derive(|| {
        vec![
            ("a5".to_string(), "A5 横".to_string()),
            ("a4".to_string(), "A4 縦".to_string()),
        ]
    });
    view! {
        <section class="formal-form no-print">
            <h2>{t!("領収書", "Formal receipt")}</h2>
            <div class="grid">
                <TextField label=t!("宛名", "Buyer") name="buyer" value=buyer
                    hint=t!("例 群馬県庁 障害政策課", "e.g. the buyer's office") />
                <TextField label=t!("但し書き", "Purpose") name="purpose" value=purpose />
                <TextField label=t!("発行日", "Date issued") name="issued_on" value=issued_on input_type="date" />
                <SelectField label=t!("用紙", "Paper") name="paper" value=paper options=paper_options />
            </div>
            <div class="actions">
                <button type="button" class="primary" id="print-formal" on:click=move |_| print_page()>
                    {t!("領収書を印刷", "Print the receipt")}
                </button>
            </div>
        </section>
        {move || {
            let f = figures.get();
            let c = council.get();
            view! { <FormalReceipt f c buyer=buyer.get() purpose=purpose.get() issued_on=issued_on.get() paper=paper.get() /> }
        }}
    }
}

/// The browser's print dialog: the print styles leave only the formal receipt on the page.
fn print_page() {
    #[cfg(feature = "browser")]
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}

fn item_rows(lines: &[ReceiptLine]) -> impl IntoView + use<> {
    lines
        .iter()
        .map(|l| {
            let mark = if l.tax_rate == TaxRate::Reduced { "※" } else { "" };
            view! {
                <tr>
                    <td>{format!("{mark}{}", l.name)} <small>{l.facility_name.clone()}</small></td>
                    <td class="num">{l.quantity}</td>
                    <td class="num">{l.unit_price.to_string()}</td>
                    <td class="num">{l.amount.to_string()}</td>
                </tr>
            }
        })
        .collect_view()
}

#[component]
fn FormalReceipt(
    f: FormalFigures,
    c: Option<Council>,
    buyer: String,
    purpose: String,
    issued_on: String,
    paper: String,
) -> impl IntoView {
    // The issuer as it was at the sale; address and phone as they are now.
    let issuer = f.issuer_name.clone();
    let number = f.issuer_invoice_number.clone();
    let address = c.as_ref().map(|c| c.address.clone()).unwrap_or_default();
    let phone = c.as_ref().map(|c| c.phone.clone()).unwrap_or_default();
    let days = if f.first_day == f.last_day {
        japanese_date(&f.first_day)
    } else {
        format!(
            "{} 〜 {}",
            japanese_date(&f.first_day),
            japanese_date(&f.last_day)
        )
    };
    let buyer = buyer.trim().to_string();
    let purpose = purpose.trim().to_string();
    let has_reduced = f
        .invoice_lines
        .iter()
        .chain(&f.other_lines)
        .any(|l| l.tax_rate == TaxRate::Reduced);
    view! {
        <article class=format!("formal-receipt {paper}") id="formal-receipt">
            <header class="formal-head">
                <h2 class="formal-title">"領収書"</h2>
                <dl class="formal-meta">
                    <dt>"No."</dt><dd>{f.receipt_numbers.join(", ")}</dd>
                    <dt>"発行日"</dt><dd>{japanese_date(&issued_on)}</dd>
                </dl>
            </header>
            <p class="formal-buyer">
                <span class="buyer-name">{if buyer.is_empty() { "\u{3000}".repeat(12) } else { buyer }}</span>
                " 様"
            </p>
            <p class="formal-amount">
                <span class="formal-amount-label">"金額"</span>
                <span class="amount">{format!("{}-", f.total)}</span>
                <small>"(税込)"</small>
            </p>
            {f.after_refunds.then(|| view! { <p class="formal-after-refunds">{AFTER_REFUNDS_NOTE}</p> })}
            <p class="formal-purpose">"但し " {purpose}</p>
            <p class="formal-received">"上記正に領収いたしました。"</p>
            <p class="formal-date">"取引日 " {days}</p>
            <div class="formal-summary">
                {(!f.by_rate.is_empty()).then(|| view! {
                    <table class="formal-rates">
                        <thead><tr><th>"税率"</th><th class="num">"対象額(税込)"</th><th class="num">"うち消費税"</th></tr></thead>
                        <tbody>
                            {f.by_rate.iter().map(|r| view! {
                                <tr>
                                    <td>{format!("{}%対象{}", r.rate.percent(), if r.rate == TaxRate::Reduced { "(軽減税率)" } else { "" })}</td>
                                    <td class="num">{r.total.to_string()}</td>
                                    <td class="num">{r.tax.to_string()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
                <div class="formal-issuer">
                    <p class="issuer-name">{issuer}</p>
                    {number.map(|n| view! { <p>"登録番号 " {n}</p> })}
                    {(!address.is_empty()).then(|| view! { <p>{address}</p> })}
                    {(!phone.is_empty()).then(|| view! { <p>"TEL " {phone}</p> })}
                </div>
            </div>
            <table class="formal-items">
                <thead><tr><th>"品名"</th><th class="num">"数量"</th><th class="num">"単価"</th><th class="num">"金額"</th></tr></thead>
                <tbody>{item_rows(&f.invoice_lines)}</tbody>
                {(!f.other_lines.is_empty()).then(|| {
                    let apart = f.issuer_invoice_number.is_some();
                    view! {
                        <tbody class:formal-apart=apart>
                            {apart.then(|| view! {
                                <tr class="apart-note"><td colspan="4">
                                    "下記は適格請求書の対象外です(適格請求書発行事業者でない事業所の商品)。消費税額は記載していません。"
                                </td></tr>
                            })}
                            {item_rows(&f.other_lines)}
                            {apart.then(|| view! {
                                <tr class="apart-total"><td colspan="3">"対象外 計"</td><td class="num">{f.non_invoice_total.to_string()}</td></tr>
                            })}
                        </tbody>
                    }
                })}
            </table>
            {has_reduced.then(|| view! { <p class="formal-note">"※は軽減税率(8%)対象"</p> })}
            {(!f.left_out.is_empty()).then(|| view! {
                <p class="banner error no-print" role="alert">
                    {format!(
                        "含めていない売上があります: {}",
                        f.left_out.iter().map(|(number, why)| format!("{number}({why})")).collect::<Vec<_>>().join("、")
                    )}
                </p>
            })}
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_the_path_and_the_query() {
        assert_eq!(sale_ids(Some("a".into()), None), ["a"]);
        assert_eq!(sale_ids(None, Some("a, b,,a".into())), ["a", "b"]);
        assert_eq!(sale_ids(Some("b".into()), Some("a,b".into())), ["b", "a"]);
        assert!(sale_ids(None, None).is_empty());
    }

    #[test]
    fn the_search_sends_only_what_was_typed() {
        let input = search_input(
            "  ".into(),
            "2026-11-28T11:00".into(),
            String::new(),
            "1,520".into(),
            String::new(),
            20,
        );
        assert_eq!(input.receipt_number, None);
        assert_eq!(input.from.as_deref(), Some("2026-11-28T11:00"));
        assert_eq!(input.to, None);
        assert_eq!(input.total, Some(1520));
        assert_eq!(input.kind, None);
        assert_eq!((input.limit, input.offset), (Some(PAGE + 1), Some(20)));
        assert!(input.validated().is_ok());
    }

    #[test]
    fn dates_in_japanese() {
        assert_eq!(japanese_date("2026-11-08"), "2026年11月8日");
        assert_eq!(japanese_date(""), "");
    }

    type Formal = Result<FormalReceipt, (String, String)>;

    fn sale(number: &str, lines: &[(i64, TaxRate, bool)]) -> Formal {
        use selpos_domain::sales::cart::{CartLine, cart_totals};
        let cart: Vec<CartLine> = lines
            .iter()
            .enumerate()
            .map(|(i, (price, rate, eligible))| CartLine {
                product_id: i as i64,
                facility_id: 1,
                name: format!("品{i}"),
                unit_price: Yen(*price),
                quantity: 1,
                tax_rate: *rate,
                discount: None,
                invoice_eligible: *eligible,
            })
            .collect();
        let totals = cart_totals(&cart, RoundingMode::Down).expect("totals");
        let example = selpos_domain::receipts::Receipt::example();
        Ok(FormalReceipt {
            sale_id: uuid::Uuid::nil(),
            receipt_number: number.into(),
            sold_at_local: example.issued_at_local,
            issuer_name: example.issuer_name,
            issuer_invoice_number: example.issuer_invoice_number,
            lines: cart
                .iter()
                .zip(&totals.lines)
                .map(|(l, a)| ReceiptLine::from_cart(l, a, "A工房"))
                .collect(),
            by_rate: totals.by_rate,
            non_invoice_total: totals.non_invoice_total,
            total: totals.total,
            refunded: Yen(0),
            refund_receipt_numbers: vec![],
            note: None,
        })
    }

    #[test]
    fn several_sales_are_taxed_once_per_rate() {
        // ¥120 at 8% twice: per receipt 8 + 8 = 16, over the formal receipt 240 × 8/108 → 17.
        let one = sale("R1-0001", &[(120, TaxRate::Reduced, true)]);
        let two = sale(
            "R1-0002",
            &[(120, TaxRate::Reduced, true), (500, TaxRate::Reduced, false)],
        );
        let void: Formal = Err((
            "R1-0003".into(),
            "取消・返品の記録には領収書を発行できません".into(),
        ));
        let f = formal_figures(&[one.clone(), two, void], RoundingMode::Down);
        assert_eq!(f.total, Yen(740));
        assert_eq!(
            f.by_rate,
            [RateTotal {
                rate: TaxRate::Reduced,
                total: Yen(240),
                tax: Yen(17)
            }]
        );
        assert_eq!(f.non_invoice_total, Yen(500));
        assert_eq!(f.other_lines.len(), 1);
        assert_eq!(f.left_out[0].0, "R1-0003");
        assert_eq!(f.receipt_numbers, ["R1-0001", "R1-0002"]);
        assert!(!f.after_refunds);

        // One sale: the server's figures as they are, after its refunds.
        let mut refunded = one.clone().expect("formal");
        refunded.note = Some(AFTER_REFUNDS_NOTE.into());
        let f = formal_figures(&[Ok(refunded.clone())], RoundingMode::Up);
        assert_eq!(f.by_rate, refunded.by_rate);
        assert!(f.after_refunds);
    }

    #[test]
    fn without_a_registration_number_nothing_claims_invoice_status() {
        let mut s = sale("R1-0001", &[(120, TaxRate::Reduced, true)]).expect("formal");
        s.issuer_invoice_number = None;
        let f = formal_figures(&[Ok(s)], RoundingMode::Down);
        assert!(f.issuer_invoice_number.is_none() && f.by_rate.is_empty() && f.invoice_lines.is_empty());
        assert_eq!(f.other_lines.len(), 1);
    }
}
