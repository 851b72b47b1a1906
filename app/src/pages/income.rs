//! 協議会からの収入: one place to see what each facility earned through the council — sales
//! events, the SELP SHOP, joint orders, gift commission, vending — month by month, with a CSV.
//! The council sees every facility's year and opens one; facility staff see their own.

use super::wages::{this_fiscal_year, year_options};
use crate::api::income::report as load;
use crate::components::{Loaded, SelectField};
use crate::i18n::pick;
use crate::session::principal;
use crate::t;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use selpos_domain::income::{Channel, ChannelAmounts, IncomeReport};

fn channel_cells(a: &ChannelAmounts) -> impl IntoView + use<> {
    Channel::ALL
        .iter()
        .map(|&c| view! { <td class="num" data-channel=format!("{c:?}")>{a.get(c).to_string()}</td> })
        .collect_view()
}

fn channel_headers() -> impl IntoView {
    Channel::ALL
        .iter()
        .map(|&c| view! { <th class="num">{pick(c.label_ja(), c.label_en())}</th> })
        .collect_view()
}

/// `/income[?facility=&fiscal_year=]`.
#[component]
pub fn IncomePage() -> impl IntoView {
    let query = use_query_map();
    let asked = |name: &'static str| query.with_untracked(|q| q.get(name));
    let year = RwSignal::new(
        asked("fiscal_year")
            .filter(|y| y.parse::<i32>().is_ok())
            .unwrap_or_else(|| this_fiscal_year().to_string()),
    );
    let facility = RwSignal::new(asked("facility").and_then(|f| f.parse::<i64>().ok()));
    let report = LocalResource::new(move || {
        let y = year.get().parse::<i32>().unwrap_or_else(|_| this_fiscal_year());
        load(y, facility.get())
    });
    let csv = move || {
        let f = facility
            .get()
            .map(|f| format!("&facility_id={f}"))
            .unwrap_or_default();
        format!("/api/v1/income?fiscal_year={}{f}&format=csv", year.get())
    };
    let council = move || principal().is_some_and(|p| p.facility_id.is_none());
    view! {
        <h1>{t!("協議会からの収入", "Income through the council")}</h1>
        <p class="hint">{t!("販売会・SELP SHOP(精算済み)、共同受注(支払済み)、ギフトの手数料、自販機の手数料を事業所ごと・月ごとに合計しています。",
            "Settled sales events and SELP SHOP, joint orders paid out, gift commission and vending, per facility and month.")}</p>
        <div class="toolbar">
            <SelectField label=t!("年度", "Fiscal year") name="fiscal_year" value=year options=year_options() />
            {move || (council() && facility.get().is_some()).then(|| view! {
                <button id="all-facilities" on:click=move |_| facility.set(None)>{t!("全事業所", "All facilities")}</button>
            })}
            <a class="button" id="income-csv" href=csv download="">"CSV(Excel)"</a>
            <a class="button" href="/vending">{t!("セルプ自販機", "Vending machines")}</a>
        </div>
        <Loaded load=move || report.get() ok=move |r| {
            if r.facilities.len() == 1 {
                view! { <FacilityMonths r /> }.into_any()
            } else {
                view! { <Facilities r on_open=move |id| facility.set(Some(id)) /> }.into_any()
            }
        } />
    }
}

/// Every facility's year, channel by channel; a name opens its months.
#[component]
fn Facilities(r: IncomeReport, on_open: impl Fn(i64) + Copy + Send + Sync + 'static) -> impl IntoView {
    view! {
        <table class="list" id="income-facilities">
            <thead><tr><th>{t!("事業所", "Facility")}</th>{channel_headers()}<th class="num">{t!("合計", "Total")}</th></tr></thead>
            <tbody>
                {r.facilities.into_iter().map(|f| {
                    let id = f.facility_id;
                    view! {
                        <tr class="facility-income" data-facility=id>
                            <td><button class="link" on:click=move |_| on_open(id)>{format!("{} {}", f.facility_number, f.facility_name)}</button></td>
                            {channel_cells(&f.totals)}
                            <td class="num total">{f.total.to_string()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
            <tfoot><tr class="total"><th>{format!("{} 合計", r.label)}</th>{channel_cells(&r.totals)}<td class="num" id="income-total">{r.total.to_string()}</td></tr></tfoot>
        </table>
    }
}

/// One facility's twelve months.
#[component]
fn FacilityMonths(r: IncomeReport) -> impl IntoView {
    let Some(f) = r.facilities.into_iter().next() else {
        return ().into_any();
    };
    view! {
        <h2 id="income-facility">{format!("{} {} ・ {}", f.facility_number, f.facility_name, r.label)}</h2>
        <p><a href=format!("/wages?facility={}", f.facility_id)>{t!("工賃のページへ", "To the wage page")}</a></p>
        <table class="list" id="income-months">
            <thead><tr><th>{t!("月", "Month")}</th>{channel_headers()}<th class="num">{t!("合計", "Total")}</th></tr></thead>
            <tbody>
                {f.months.iter().map(|m| view! {
                    <tr class="income-month" data-month=m.month>
                        <td>{format!("{}年{}月", m.year, m.month)}</td>
                        {channel_cells(&m.amounts)}
                        <td class="num total">{m.total.to_string()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
            <tfoot><tr class="total"><th>{t!("年度計", "Year")}</th>{channel_cells(&f.totals)}<td class="num" id="income-total">{f.total.to_string()}</td></tr></tfoot>
        </table>
    }
    .into_any()
}
