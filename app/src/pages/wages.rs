//! 工賃: a facility's months (entry, figures by both formulas, target, council sales, a chart),
//! and the prefecture's table (both years side by side, charts, CSV/JSON, the import).

use crate::api::{ApiFailure, wages as api};
use crate::components::{
    CheckField, CsvFilePicker, FormStatus, LoadError, NumberField, SelectField, StatusBanner,
    facility_option, field_error, list_of, parse_number, remember, remembered,
};
use crate::forms::save;
use crate::session::{may, principal};
use crate::t;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use selpos_domain::Yen;
use selpos_domain::dashboard::bar_css;
use selpos_domain::wages::{
    CorrectionStatus, FY2024_FEE_BANDS, FacilityMatchStatus, FacilityWageYear, FiscalYear, Tenths, UsedValue,
    WageCorrection, WageImportReport, WageMonthInput, WageTable, WageTargetInput, YearFigures, format_figure,
};

/// The fiscal year running today (April–March), in Japan.
pub(crate) fn this_fiscal_year() -> i32 {
    FiscalYear::from_date(super::tokyo(crate::till::browser::utc_now()).date()).0
}

pub(crate) fn year_options() -> Signal<Vec<(String, String)>> {
    Signal::derive(|| {
        let now = this_fiscal_year();
        (2015..=now)
            .rev()
            .map(|y| (y.to_string(), format!("{} ({y})", FiscalYear(y).label_ja())))
            .collect()
    })
}

fn tenths(v: Option<Tenths>) -> String {
    v.map(|t| t.to_string()).unwrap_or_else(|| "—".into())
}

/// `(見込み・6か月分)` after a figure of a year in progress.
fn provisional_mark(provisional: bool, months: i64) -> String {
    if provisional {
        format!("(見込み・{months}か月分)")
    } else {
        String::new()
    }
}

/// Under a table cell whose published value has a correction: the published value, the
/// correction and which one the table uses.
fn correction_note(figures: Option<&YearFigures>, field: &str) -> Option<String> {
    let c = figures?.corrections.iter().find(|c| c.field == field)?;
    let proposed = c.proposed_text.clone().unwrap_or_else(|| "値なし".into());
    Some(match c.used {
        UsedValue::Corrected => format!("訂正済み(公表 {})", c.published_text),
        UsedValue::Published => format!("公表値(訂正案 {proposed}・{})", c.status.label_ja()),
    })
}

/// Where this tablet keeps the facility last chosen on 工賃.
const WAGES_FACILITY_KEY: &str = "selpos.wages.facility";

/// A facility's year of wages.
#[component]
pub fn WagesPage() -> impl IntoView {
    let query = use_query_map();
    let facility = RwSignal::new(query.with_untracked(|q| q.get("facility")).unwrap_or_default());
    let year = RwSignal::new(this_fiscal_year().to_string());
    let facilities = LocalResource::new(|| crate::api::facilities(false, None));
    // The facilities whose wages the signed-in person may see: the council all, facility
    // staff their own.
    let facility_list = list_of(facilities);
    let visible = Signal::derive(move || {
        facility_list
            .get()
            .into_iter()
            .filter(|f| may(|p| p.may_see_facility_accounts(f.id)))
            .collect::<Vec<_>>()
    });
    // Opens on a facility with figures: facility staff their own; the council the one chosen
    // last on this tablet, else the first.
    Effect::new(move |_| {
        if !facility.with_untracked(String::is_empty) {
            return;
        }
        let Some(who) = principal() else { return };
        let list = visible.get();
        let chosen = who.facility_scope().or_else(|| {
            let kept = remembered(WAGES_FACILITY_KEY).and_then(|k| k.parse::<i64>().ok());
            kept.filter(|k| list.iter().any(|f| f.id == *k))
                .or(list.first().map(|f| f.id))
        });
        if let Some(id) = chosen {
            facility.set(id.to_string());
        }
    });
    Effect::new(move |_| {
        let chosen = facility.get();
        if !chosen.is_empty() && may(|p| p.is_council()) {
            remember(WAGES_FACILITY_KEY, &chosen);
        }
    });
    let facility_options =
        Signal::derive(move || visible.with(|list| list.iter().map(facility_option).collect::<Vec<_>>()));
    let data: RwSignal<Option<Result<FacilityWageYear, ApiFailure>>> = RwSignal::new(None);
    let load = move || {
        let (Ok(f), Ok(y)) = (
            facility.get_untracked().parse::<i64>(),
            year.get_untracked().parse::<i32>(),
        ) else {
            return;
        };
        leptos::task::spawn_local(async move { data.set(Some(api::facility_year(f, y).await)) });
    };
    // The outcome of the last save: kept here, as a save shows the year afresh.
    let saved: [FormStatus; 2] = [RwSignal::new(None), RwSignal::new(None)];
    Effect::new(move |_| {
        facility.track();
        year.track();
        saved.iter().for_each(|s| s.set(None));
        load();
    });
    view! {
        <h1>{t!("工賃", "Wages")}</h1>
        <div class="toolbar">
            <SelectField label=t!("事業所", "Facility") name="facility" value=facility options=facility_options />
            <SelectField label=t!("年度", "Fiscal year") name="fiscal_year" value=year options=year_options() />
            <a class="button" href="/wages/table">{t!("工賃実績一覧", "Prefecture table")}</a>
        </div>
        {move || data.get().map(|r| match r {
            Err(failure) => view! { <LoadError failure /> }.into_any(),
            Ok(y) => view! { <FacilityYear y saved on_saved=move |fresh| data.set(Some(Ok(fresh))) /> }.into_any(),
        })}
    }
}

#[component]
fn FacilityYear(
    y: FacilityWageYear,
    /// The banners of the month's and the target's forms.
    saved: [FormStatus; 2],
    on_saved: impl Fn(FacilityWageYear) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let facility_id = y.facility_id;
    let fiscal_year = y.fiscal_year.0;
    let wage_max = y
        .months
        .iter()
        .filter_map(|m| m.figures.as_ref().map(|f| f.wages_paid))
        .chain(y.months.iter().map(|m| m.council_sales))
        .max()
        .unwrap_or_default();
    let target = y.target;
    let mark = provisional_mark(y.provisional, y.months_covered);
    view! {
        <section class="wage-summary" id="wage-summary">
            <h2>{format!("{} {}{}", y.facility_name, y.label, if y.provisional { "(見込み)" } else { "" })}</h2>
            <dl class="figures-grid">
                <dt>"平均工賃月額(従来の算式)"</dt><dd id="classic-average">{format!("{}{mark}", tenths(y.average_monthly_wage))}</dd>
                <dt>{if y.provisional { "平均工賃月額(令和6年度報酬改定の算式、年度途中の値)" } else { "平均工賃月額(令和6年度報酬改定の算式)" }}</dt>
                <dd id="fy2024-average">{format!("{}{mark}", y.fy2024_average_monthly_wage.map(|v| v.to_string()).unwrap_or_else(|| "—".into()))}</dd>
                {y.provisional.then(|| view! {
                    <dt>"年間の見込み(令和6年度の算式、同じペースで1年)"</dt>
                    <dd id="fy2024-projected">{format!("{}(見込み)", y.projected_fy2024_average_monthly_wage.map(|v| v.to_string()).unwrap_or_else(|| "—".into()))}</dd>
                })}
                <dt>"平均工賃時間額"</dt><dd>{tenths(y.average_hourly_wage)}</dd>
                <dt>"報酬区分(令和6年度の算式から)"</dt><dd id="fee-band">{y.band.as_ref().map(|b| format!("{}{}{}", b.label, b.to_next_band.map(|d| format!("(次の区分まで {d})")).unwrap_or_default(), if y.provisional { "(見込み)" } else { "" })).unwrap_or_else(|| "—".into())}</dd>
                <dt>"目標工賃(月額)"</dt><dd>{target.map(|v| v.to_string()).unwrap_or_else(|| "未設定".into())}</dd>
                <dt>"達成率"</dt><dd id="achievement">{y.achievement.map(|a| format!("{a}%")).unwrap_or_else(|| "—".into())}</dd>
                <dt>"協議会の販売(精算済み)"</dt><dd>{y.council_sales.to_string()}</dd>
                <dt>"共同受注(支払済み)"</dt><dd id="joint-order-income">{y.joint_order_income.to_string()}</dd>
                <dt>"自販機の手数料"</dt><dd id="vending-income">{y.vending_income.to_string()}</dd>
                <dt>"協議会経由の収入(合計)"</dt><dd id="council-income">
                    <a href=format!("/income?facility={}&fiscal_year={}", y.facility_id, y.fiscal_year.0)>{y.council_income.to_string()}</a>
                </dd>
                <dt>"工賃に占める割合"</dt><dd>{y.council_share.map(|a| format!("{a}%")).unwrap_or_else(|| "—".into())}</dd>
            </dl>
        </section>
        <section class="chart" id="chart-monthly">
            <h2>{t!("月別の工賃と協議会の販売", "Monthly wages and council sales")}</h2>
            // Each bar is as tall as the number above it says: both kinds on one scale, the
            // largest amount of the year at full height.
            <div class="columns">
                {y.months.iter().map(|m| {
                    let paid = m.figures.as_ref().map(|f| f.wages_paid).unwrap_or_default();
                    view! {
                        <div class="column pair" data-month=m.month title=format!("{}年{}月: 工賃支払額 {} ・ 協議会の販売 {}", m.year, m.month, paid, m.council_sales)>
                            <span class="column-value wages" data-yen=paid.0>{paid.to_string()}</span>
                            <span class="column-value sales" data-yen=m.council_sales.0>{m.council_sales.to_string()}</span>
                            <span class="bars">
                                <span class="column-bar wages" style=format!("height:{}", bar_css(paid, wage_max))></span>
                                <span class="column-bar sales" style=format!("height:{}", bar_css(m.council_sales, wage_max))></span>
                            </span>
                            <span class="column-label">{format!("{}月", m.month)}</span>
                        </div>
                    }
                }).collect_view()}
            </div>
            <p class="legend"><span class="key wages"></span>"工賃支払額 " <span class="key sales"></span>"協議会の販売"
                {target.map(|t| format!(" ・ 目標 {t}(1人あたり月額)"))}</p>
        </section>
        <MonthForm facility_id status=saved[0] on_saved />
        <TargetForm facility_id fiscal_year current=target status=saved[1] on_saved />
        <table class="list" id="wage-months">
            <thead><tr><th>"月"</th><th class="num">"工賃支払総額"</th><th class="num">"対象者延人数"</th><th class="num">"延べ利用者数"</th>
                <th class="num">"開所日数"</th><th class="num">"延べ時間数"</th><th class="num">"平均工賃月額"</th><th class="num">"時間額"</th><th class="num">"協議会の販売"</th>
                <th class="num">"共同受注"</th><th class="num">"自販機"</th><th class="num">"協議会経由 計"</th></tr></thead>
            <tbody>
                {y.months.iter().map(|m| {
                    let f = m.figures.clone();
                    view! {
                        <tr>
                            <td>{format!("{}年{}月", m.year, m.month)}</td>
                            <td class="num">{f.as_ref().map(|f| f.wages_paid.to_string()).unwrap_or_default()}</td>
                            <td class="num">{f.as_ref().map(|f| f.user_months.to_string()).unwrap_or_default()}</td>
                            <td class="num">{f.as_ref().map(|f| f.user_days.to_string()).unwrap_or_default()}</td>
                            <td class="num">{f.as_ref().map(|f| f.opening_days.to_string()).unwrap_or_default()}</td>
                            <td class="num">{f.as_ref().map(|f| f.work_hours.to_string()).unwrap_or_default()}</td>
                            <td class="num">{tenths(m.average_monthly_wage)}</td>
                            <td class="num">{tenths(m.average_hourly_wage)}</td>
                            <td class="num">{m.council_sales.to_string()}</td>
                            <td class="num">{m.joint_order_income.to_string()}</td>
                            <td class="num">{m.vending_income.to_string()}</td>
                            <td class="num">{m.council_income.to_string()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// One month's figures.
#[component]
fn MonthForm(
    facility_id: i64,
    status: FormStatus,
    on_saved: impl Fn(FacilityWageYear) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let today = super::tokyo(crate::till::browser::utc_now()).date();
    let month = RwSignal::new(format!(
        "{}-{:02}",
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today)
    ));
    let fields: [RwSignal<String>; 5] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (year, m) = month
            .get()
            .split_once('-')
            .map(|(y, m)| (y.parse().unwrap_or(0), m.parse().unwrap_or(0)))
            .unwrap_or((0, 0));
        let n = |i: usize| parse_number(&fields[i].get());
        let input = WageMonthInput {
            year,
            month: m,
            wages_paid: Yen(n(0)),
            user_months: n(1),
            user_days: n(2),
            opening_days: n(3),
            work_hours: n(4),
        };
        let request = async move { api::put_month(facility_id, &input).await };
        save(status, None, request, move |fresh| {
            on_saved(fresh);
            Some(crate::i18n::pick("保存しました", "Saved").into())
        });
    };
    view! {
        <form class="editor wage-month" on:submit=save>
            <h2>{t!("月の実績を入力", "Enter a month")}</h2>
            <label class="field"><span class="label">{t!("年月", "Month")}</span><input type="month" name="month" bind:value=month /></label>
            <NumberField label=t!("工賃支払総額(円)", "Wages paid (yen)") name="wages_paid" value=fields[0] error=field_error(status, "wages_paid") required=true />
            <NumberField label=t!("対象者延人数(工賃を支払った人数)", "Users paid") name="user_months" value=fields[1] error=field_error(status, "user_months") required=true />
            <NumberField label=t!("延べ利用者数", "User-days") name="user_days" value=fields[2] error=field_error(status, "user_days") required=true />
            <NumberField label=t!("開所日数", "Opening days") name="opening_days" value=fields[3] error=field_error(status, "opening_days") required=true />
            <NumberField label=t!("延べ時間数", "Work hours") name="work_hours" value=fields[4] error=field_error(status, "work_hours") required=true />
            <button type="submit" class="primary big">{t!("保存", "Save")}</button>
            <StatusBanner status />
        </form>
    }
}

#[component]
fn TargetForm(
    facility_id: i64,
    fiscal_year: i32,
    current: Option<Yen>,
    status: FormStatus,
    on_saved: impl Fn(FacilityWageYear) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let value = RwSignal::new(current.map(|v| v.0.to_string()).unwrap_or_default());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = WageTargetInput {
            monthly_target: Yen(parse_number(&value.get())),
        };
        let request = async move { api::put_target(facility_id, fiscal_year, &input).await };
        save(status, None, request, move |fresh| {
            on_saved(fresh);
            Some(crate::i18n::pick("目標工賃を保存しました", "Target saved").into())
        });
    };
    view! {
        <form class="editor wage-target" on:submit=save>
            <NumberField label=t!("目標工賃(月額、工賃向上計画)", "Target wage (monthly)") name="monthly_target" value error=field_error(status, "monthly_target") />
            <button type="submit">{t!("目標を保存", "Save target")}</button>
            <StatusBanner status />
        </form>
    }
}

/// 工賃実績一覧: the prefecture's table, two years side by side.
#[component]
pub fn WageTablePage() -> impl IntoView {
    let year = RwSignal::new((this_fiscal_year() - 1).to_string());
    let data: RwSignal<Option<Result<WageTable, ApiFailure>>> = RwSignal::new(None);
    let load = move || {
        let Ok(y) = year.get_untracked().parse::<i32>() else {
            return;
        };
        leptos::task::spawn_local(async move { data.set(Some(api::table(y).await)) });
    };
    Effect::new(move |_| {
        year.track();
        load();
    });
    let council = move || crate::session::current().is_some_and(|s| s.user.role.is_council());
    view! {
        <h1>{t!("工賃実績一覧", "Wages by facility")}</h1>
        <div class="toolbar">
            <SelectField label=t!("年度", "Fiscal year") name="fiscal_year" value=year options=year_options() />
            <a class="button" href=move || format!("/api/v1/wages/table?fiscal_year={}&format=csv", year.get()) download="">"CSV(Excel)"</a>
            <a class="button" href=move || format!("/api/v1/wages/table?fiscal_year={}", year.get()) target="_blank">"JSON"</a>
        </div>
        {move || council().then(|| view! { <ImportForm on_done=load /> })}
        {move || data.get().map(|r| match r {
            Err(failure) => view! { <LoadError failure /> }.into_any(),
            Ok(table) => view! {
                <Table table=table.clone() />
                {council().then(|| view! { <Corrections table on_done=load /> })}
            }.into_any(),
        })}
    }
}

#[component]
fn Table(table: WageTable) -> impl IntoView {
    // Distribution over the FY2024 fee bands: each band from the FY2024 formula's figure (the
    // projection while a year runs), never from the classic average.
    let bands: Vec<(u8, bool)> = table
        .rows
        .iter()
        .filter_map(|r| {
            let c = r.current.as_ref()?;
            Some((c.band.as_ref()?.band.index, c.provisional))
        })
        .collect();
    let without = table.rows.iter().filter(|r| r.current.is_some()).count() - bands.len();
    let counts: Vec<(String, usize)> = FY2024_FEE_BANDS
        .iter()
        .map(|b| {
            let n = bands.iter().filter(|(i, _)| *i == b.index).count();
            let provisional = bands.iter().filter(|(i, p)| *i == b.index && *p).count();
            let label = if provisional > 0 {
                format!("{}(うち見込み {provisional})", b.label_ja())
            } else {
                b.label_ja()
            };
            (label, n)
        })
        .collect();
    let most = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as i64;
    let changes: Vec<(String, i64)> = table
        .rows
        .iter()
        .filter_map(|r| {
            let now = r.current.as_ref()?.average_monthly_wage?;
            let then = r.previous.as_ref()?.average_monthly_wage?;
            Some((r.name.clone(), (now.0 - then.0) / 10))
        })
        .collect();
    let swing = changes.iter().map(|(_, d)| d.abs()).max().unwrap_or(0).max(1);
    let total_row = |label: &str, t: &selpos_domain::wages::WageTableTotals| {
        view! {
            <tr class="total"><th colspan="4">{label.to_string()}</th>
                <td class="num">{t.user_months}</td><td class="num">{t.wages_paid.to_string()}</td><td class="num">{tenths(t.average_monthly_wage)}</td>
                <td class="num">{t.work_hours}</td><td class="num">{tenths(t.average_hourly_wage)}</td>
                <td colspan="3" class="hint">{format!("{}事業所(支払あり {})", t.facilities, t.reporting)}</td><td></td></tr>
        }
    };
    view! {
        <div class="charts">
            <section class="chart" id="chart-distribution">
                <h2>{format!("{} 報酬区分の分布(令和6年度改定の算式)", table.label)}</h2>
                {counts.into_iter().map(|(label, n)| view! {
                    <div class="bar-row"><span class="bar-label">{label}</span>
                        <span class="bar-track"><span class="bar" style=format!("width:{}%", n as i64 * 100 / most)></span></span>
                        <span class="bar-value">{format!("{n}事業所")}</span></div>
                }).collect_view()}
                {(without > 0).then(|| view! {
                    <p class="hint" id="bands-unknown">{format!("{without}事業所は延べ利用者数・開所日数がないため区分を算定できません(県の表の取り込み分など)")}</p>
                })}
            </section>
            <section class="chart" id="chart-change">
                <h2>{format!("前年度からの増減({} → {})", table.previous_label, table.label)}</h2>
                {changes.into_iter().map(|(name, d)| view! {
                    <div class="bar-row"><span class="bar-label">{name}</span>
                        <span class="bar-track change"><span class=if d < 0 { "bar down" } else { "bar" } style=format!("width:{}%", d.abs() * 100 / swing)></span></span>
                        <span class="bar-value">{format!("{}{}", if d > 0 { "+" } else { "" }, Yen(d))}</span></div>
                }).collect_view()}
            </section>
        </div>
        <table class="list wage-table" id="wage-table">
            <thead>
                <tr><th colspan="4"></th><th colspan="5">{table.label.clone()}</th><th colspan="3">{table.previous_label.clone()}</th><th>{table.label.clone()}</th></tr>
                <tr><th>"番号"</th><th>"事業所"</th><th>"法人種別"</th><th class="num">"定員"</th>
                    <th class="num">"対象者延人数"</th><th class="num">"工賃支払総額"</th><th class="num">"平均工賃月額"</th><th class="num">"延べ時間数"</th><th class="num">"時間額"</th>
                    <th class="num">"工賃支払総額"</th><th class="num">"平均工賃月額"</th><th class="num">"時間額"</th>
                    <th class="num">"協議会経由の収入"</th></tr>
            </thead>
            <tbody>
                {table.rows.iter().map(|r| {
                    let c = r.current.clone();
                    let p = r.previous.clone();
                    // A figure, and under it the published value and the correction where there is one.
                    let cell = |f: Option<&YearFigures>, field: &'static str, value: String| {
                        let note = correction_note(f, field);
                        let class = if note.is_some() { "num corrected" } else { "num" };
                        view! {
                            <td class=class>
                                {value}{note.map(|n| view! { <small class="correction-note">{n}</small> })}
                            </td>
                        }
                    };
                    let provisional = c.as_ref().filter(|c| c.provisional).map(|c| {
                        format!("見込み({}か月分)", c.months_covered.unwrap_or(0))
                    });
                    view! {
                        <tr>
                            <td>{r.number}</td>
                            <td><a href=format!("/wages?facility={}", r.facility_id)>{r.name.clone()}</a>
                                {provisional.map(|p| view! { <small class="provisional">{p}</small> })}</td>
                            <td class="num">{r.corporation_type}</td><td class="num">{r.capacity.map(|c| c.to_string()).unwrap_or_default()}</td>
                            {cell(c.as_ref(), "user_months", c.as_ref().and_then(|c| c.user_months).map(|v| v.to_string()).unwrap_or_default())}
                            {cell(c.as_ref(), "monthly_wage_total", c.as_ref().and_then(|c| c.wages_paid).map(|v| v.to_string()).unwrap_or_default())}
                            {cell(c.as_ref(), "monthly_wage_avg", tenths(c.as_ref().and_then(|c| c.average_monthly_wage)))}
                            {cell(c.as_ref(), "work_hours", c.as_ref().and_then(|c| c.work_hours).map(|v| v.to_string()).unwrap_or_default())}
                            {cell(c.as_ref(), "hourly_wage_avg", tenths(c.as_ref().and_then(|c| c.average_hourly_wage)))}
                            {cell(p.as_ref(), "monthly_wage_total", p.as_ref().and_then(|p| p.wages_paid).map(|v| v.to_string()).unwrap_or_default())}
                            {cell(p.as_ref(), "monthly_wage_avg", tenths(p.as_ref().and_then(|p| p.average_monthly_wage)))}
                            {cell(p.as_ref(), "hourly_wage_avg", tenths(p.as_ref().and_then(|p| p.average_hourly_wage)))}
                            <td class="num council-income">
                                <a href=format!("/income?facility={}&fiscal_year={}", r.facility_id, table.fiscal_year.0)>{r.council_income.to_string()}</a>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
            <tfoot>
                {total_row(&format!("{} 合計・平均", table.label), &table.totals)}
                {total_row(&format!("{} 合計・平均", table.previous_label), &table.previous_totals)}
            </tfoot>
        </table>
    }
}

/// The corrections proposed for the published figures of the table's two years: the council
/// accepts (the corrected value is used) or rejects (the published value stands) each one.
#[component]
fn Corrections(table: WageTable, on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let list: Vec<WageCorrection> = table
        .rows
        .iter()
        .flat_map(|r| r.current.iter().chain(r.previous.iter()))
        .flat_map(|f| f.corrections.iter().cloned())
        .collect();
    let status: FormStatus = RwSignal::new(None);
    let decide = move |id: i64, decision: CorrectionStatus| {
        let request = async move { api::decide(id, decision).await };
        save(status, None, request, move |c| {
            on_done();
            Some(format!(
                "{} {}: {}",
                c.facility_name,
                c.field_name,
                c.status.label_ja()
            ))
        });
    };
    (!list.is_empty()).then(|| view! {
        <section class="panel no-print" id="wage-corrections">
            <h2>{t!("公表値の訂正案", "Corrections of the published figures")}</h2>
            <p class="hint">"公表値はそのまま保存しています。訂正案を採用するとその値を表に使います。"</p>
            <StatusBanner status />
            <table class="list">
                <thead><tr><th>"事業所"</th><th>"年度"</th><th>"項目"</th><th class="num">"公表値"</th><th class="num">"訂正案"</th>
                    <th>"理由"</th><th>"状態"</th><th></th></tr></thead>
                <tbody>{list.into_iter().map(|c| {
                    let id = c.id;
                    let can_accept = c.proposed.is_some() && c.status != CorrectionStatus::Accepted;
                    let can_reject = c.status != CorrectionStatus::Rejected;
                    view! {
                        <tr data-correction=id>
                            <td>{format!("{} {}", c.facility_number, c.facility_name)}</td><td>{c.fiscal_year.label_ja()}</td>
                            <td>{c.field_name.clone()}</td><td class="num">{c.published_text.clone()}</td>
                            <td class="num">{c.proposed_text.clone().unwrap_or_else(|| "—".into())}</td>
                            <td class="hint">{c.reason.clone()}</td><td>{c.status.label_ja()}</td>
                            <td>
                                {can_accept.then(|| view! { <button class="accept" on:click=move |_| decide(id, CorrectionStatus::Accepted)>"採用"</button> })}
                                {can_reject.then(|| view! { <button class="reject" on:click=move |_| decide(id, CorrectionStatus::Rejected)>"不採用"</button> })}
                            </td>
                        </tr>
                    }
                }).collect_view()}</tbody>
            </table>
        </section>
    })
}

/// The import: the file is checked first (dry run, report shown), then imported on request,
/// with the facilities to create and the name differences to accept confirmed by the council.
#[component]
fn ImportForm(on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let file: RwSignal<Option<Vec<u8>>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let report: RwSignal<Option<WageImportReport>> = RwSignal::new(None);
    let status: FormStatus = RwSignal::new(None);
    let create_facilities = RwSignal::new(false);
    let confirm_names = RwSignal::new(false);
    // A new file: the last check's report is about another one.
    Effect::new(move |_| {
        file.track();
        report.set(None);
        status.set(None);
        create_facilities.set(false);
        confirm_names.set(false);
    });
    let run = move |dry_run: bool| {
        let Some(bytes) = file.get_untracked() else { return };
        let names: Vec<i64> = if confirm_names.get_untracked() {
            report.with_untracked(|r| {
                r.iter()
                    .flat_map(|r| r.facilities.iter())
                    .filter(|f| f.status == FacilityMatchStatus::NameDiffers)
                    .map(|f| f.number)
                    .collect()
            })
        } else {
            Vec::new()
        };
        let create = create_facilities.get_untracked();
        let request = async move { api::import(&bytes, dry_run, create, &names).await };
        save(status, Some(busy), request, move |r| {
            let message = r.written.then(|| {
                on_done();
                format!("{}行を取り込みました", r.rows)
            });
            report.set(Some(r));
            message
        });
    };
    view! {
        <section class="panel no-print" id="wage-import">
            <h2>{t!("県の工賃実績表を取り込む(CSV)", "Import the prefecture's table (CSV)")}</h2>
            <CsvFilePicker file name="wage-file" />
            <button on:click=move |_| run(true) disabled=move || file.with(Option::is_none) || busy.get()>{t!("確認する", "Check")}</button>
            {move || busy.get().then(|| view! { <progress class="import-progress">{t!("確認中…", "Working…")}</progress> })}
            {move || report.get().map(|r| {
                let new = r.facilities.iter().filter(|f| f.status == FacilityMatchStatus::New).count();
                let renamed = r.facilities.iter().filter(|f| f.status == FacilityMatchStatus::NameDiffers).count();
                view! {
                <p id="import-summary">{format!("{}行({})・既存の事業所 {}・新規 {}・公表値の不一致 {}件・訂正案 {}件{}", r.rows,
                    r.fiscal_years.iter().map(|y| y.label_ja()).collect::<Vec<_>>().join("、"), r.facilities_matched, r.facilities_created,
                    r.discrepancies.len(), r.proposals.len(), if r.written { "(取り込み済み)" } else { "(まだ取り込んでいません)" })}</p>
                {(!r.facilities.is_empty()).then(|| view! {
                    <h3>"事業所の照合(番号と名前)"</h3>
                    <ul class="facility-matches" id="facility-matches">{r.facilities.iter().map(|f| view! { <li>{f.message.clone()}</li> }).collect_view()}</ul>
                })}
                <table class="list discrepancies">
                    <thead><tr><th>"行"</th><th>"事業所"</th><th>"年度"</th><th>"項目"</th><th class="num">"公表値"</th><th class="num">"訂正案"</th><th>"理由"</th></tr></thead>
                    <tbody>{r.proposals.iter().map(|p| view! {
                        <tr><td>{p.row}</td><td>{format!("{} {}", p.number, p.facility)}</td><td>{p.fiscal_year.label_ja()}</td>
                            <td>{selpos_domain::wages::figure_name(&p.field)}</td>
                            <td class="num">{p.published.map(|v| format_figure(&p.field, v)).unwrap_or_default()}</td>
                            <td class="num">{p.proposed.map(|v| format_figure(&p.field, v)).unwrap_or_else(|| "—".into())}</td>
                            <td class="hint">{p.reason.clone()}</td></tr>
                    }).collect_view()}</tbody>
                </table>
                {(!r.written).then(|| view! {
                    {(new > 0).then(|| view! { <CheckField label=format!("新しい事業所 {new}件を登録する") value=create_facilities name="create_facilities" /> })}
                    {(renamed > 0).then(|| view! { <CheckField label=format!("名前の違う事業所 {renamed}件を同じ事業所として取り込む") value=confirm_names name="confirm_names" /> })}
                    <button class="primary big" id="import-now" on:click=move |_| run(false)>{t!("取り込む", "Import")}</button>
                })}
            }})}
            <StatusBanner status />
        </section>
    }
}
