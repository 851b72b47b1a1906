//! セルプ自販機: the machines placed to support facilities, and each month's figures from the
//! operator's statement — entered one by one or imported as a CSV (all rows or none). The
//! council manages them; facility staff see their own machines and months.

use super::events::parse_percent;
use super::wages::{this_fiscal_year, year_options};
use crate::api::{ApiFailure, vending as api};
use crate::components::{
    CsvFilePicker, FormStatus, Loaded, NumberField, SelectField, StatusBanner, TextField, facility_option,
    list_of, options_of, parse_number,
};
use crate::forms::{EditorForm, save};
use crate::session::may;
use crate::t;
use leptos::prelude::*;
use selpos_domain::Yen;
use selpos_domain::access::Principal;
use selpos_domain::vending::{VendingCommission, VendingMachineInput, VendingMonthInput};

fn council() -> bool {
    may(Principal::may_manage_council_data)
}

/// `/vending`.
#[component]
pub fn VendingPage() -> impl IntoView {
    let machines = LocalResource::new(api::machines);
    let year = RwSignal::new(this_fiscal_year().to_string());
    let months = LocalResource::new(move || {
        let y = year.get().parse::<i32>().unwrap_or_else(|_| this_fiscal_year());
        api::months(y)
    });
    let refresh = move || {
        machines.refetch();
        months.refetch();
    };
    view! {
        <h1>{t!("セルプ自販機", "Vending machines")}</h1>
        <p class="hint">{t!("自販機の手数料は、支援する事業所の工賃の収入に入ります。",
            "A machine's commission is income of the facility it supports.")}</p>
        <h2>{t!("自販機", "Machines")}</h2>
        <Loaded load=move || machines.get() ok=|list| if list.is_empty() {
            view! { <p class="empty">{t!("自販機はまだありません", "No machines yet")}</p> }.into_any()
        } else {
            view! {
                <table class="list" id="vending-machines">
                    <thead><tr>
                        <th>{t!("コード", "Code")}</th><th>{t!("設置場所", "Location")}</th><th>{t!("運営業者", "Operator")}</th>
                        <th>{t!("支援する事業所", "Facility")}</th><th>{t!("手数料", "Commission")}</th><th>{t!("状態", "Status")}</th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|m| view! {
                            <tr class="vending-machine" data-code=m.code.clone()>
                                <td>{m.code.clone()}</td><td>{m.location}</td><td>{m.operator}</td>
                                <td>{format!("{} {}", m.facility_number, m.facility_name)}</td>
                                <td>{m.commission.label_ja()}</td>
                                <td>{if m.active { "設置中" } else { "撤去済み" }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        } />
        {move || council().then(|| view! { <MachineForm on_saved=refresh /> })}
        <h2>{t!("月ごとの実績", "Months")}</h2>
        <div class="toolbar">
            <SelectField label=t!("年度", "Fiscal year") name="fiscal_year" value=year options=year_options() />
        </div>
        <Loaded load=move || months.get() ok=|list| if list.is_empty() {
            view! { <p class="empty">{t!("この年度の実績はまだありません", "No months recorded in this year")}</p> }.into_any()
        } else {
            view! {
                <table class="list" id="vending-months">
                    <thead><tr>
                        <th>{t!("年月", "Month")}</th><th>{t!("自販機", "Machine")}</th><th class="num">{t!("販売本数", "Cans")}</th>
                        <th class="num">{t!("売上", "Sales")}</th><th>{t!("手数料の決め方", "Rule")}</th><th class="num">{t!("手数料(事業所の収入)", "Commission (income)")}</th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|m| view! {
                            <tr class="vending-month">
                                <td>{format!("{}年{}月", m.year, m.month)}</td><td>{m.machine_code}</td>
                                <td class="num">{m.cans}</td><td class="num">{m.sales.to_string()}</td>
                                <td>{m.commission.label_ja()}</td><td class="num">{m.income.to_string()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        } />
        {move || council().then(|| view! {
            <MonthForm machines on_saved=refresh />
            <ImportForm on_saved=refresh />
        })}
    }
}

/// Registers a machine.
#[component]
fn MachineForm(on_saved: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let facilities = LocalResource::new(|| crate::api::facilities(false, None));
    let facility_options = options_of(
        list_of(facilities),
        Some(("選択してください", "Choose")),
        facility_option,
    );
    let code = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let operator = RwSignal::new(String::new());
    let facility = RwSignal::new(String::new());
    let kind = RwSignal::new("percent".to_string());
    let value = RwSignal::new(String::new());
    let kinds = Signal::derive(|| {
        vec![
            ("percent".to_string(), "売上の割合(%)".to_string()),
            ("per_can".to_string(), "1本あたり(円)".to_string()),
        ]
    });
    let status: FormStatus = RwSignal::new(None);
    let submit = move || {
        let text = value.get_untracked();
        let commission = if kind.get_untracked() == "per_can" {
            VendingCommission::PerCan {
                yen: Yen(parse_number(&text)),
            }
        } else {
            VendingCommission::Percent {
                basis_points: parse_percent(&text),
            }
        };
        let input = VendingMachineInput {
            code: code.get_untracked(),
            location: location.get_untracked(),
            operator: operator.get_untracked(),
            facility_id: facility.get_untracked().parse().unwrap_or(0),
            commission,
            active: true,
        };
        save(
            status,
            None,
            async move { api::save_machine(None, &input).await },
            move |m| {
                on_saved();
                code.set(String::new());
                Some(format!("自販機「{}」を登録しました", m.code))
            },
        );
    };
    view! {
        <StatusBanner status />
        <EditorForm heading=("自販機を登録", "Register a machine") submit_label=("登録", "Register") on_submit=submit>
            <div class="grid">
                <TextField label=t!("コード", "Code") name="code" value=code required=true error=crate::components::field_error(status, "code") />
                <TextField label=t!("設置場所", "Location") name="location" value=location required=true error=crate::components::field_error(status, "location") />
                <TextField label=t!("運営業者", "Operator") name="operator" value=operator required=true error=crate::components::field_error(status, "operator") />
                <SelectField label=t!("支援する事業所", "Facility") name="facility_id" value=facility options=facility_options />
                <SelectField label=t!("手数料の決め方", "Commission rule") name="commission_kind" value=kind options=kinds />
                <TextField label=t!("手数料(%または円)", "Commission (% or yen)") name="commission_value" value=value
                    error=crate::components::field_error(status, "commission") />
            </div>
        </EditorForm>
    }
}

/// One machine's month, typed from the operator's statement (a second time replaces it).
#[component]
fn MonthForm(
    machines: LocalResource<crate::api::ApiResult<Vec<selpos_domain::vending::VendingMachine>>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let machine_options = options_of(
        list_of(machines),
        Some(("選択してください", "Choose")),
        |m| (m.id.to_string(), format!("{} {}", m.code, m.location)),
    );
    let machine = RwSignal::new(String::new());
    let month = RwSignal::new(String::new());
    let cans = RwSignal::new(String::new());
    let sales = RwSignal::new(String::new());
    let status: FormStatus = RwSignal::new(None);
    let submit = move || {
        let typed = month.get_untracked();
        let (Some(year), Some(m)) = typed
            .split_once('-')
            .map(|(y, m)| (y.trim().parse::<i32>().ok(), m.trim().parse::<u32>().ok()))
            .unwrap_or((None, None))
        else {
            status.set(Some(Err(ApiFailure {
                code: "validation".into(),
                message: "年月を選んでください".into(),
                fields: vec![],
            })));
            return;
        };
        let input = VendingMonthInput {
            machine_id: machine.get_untracked().parse().unwrap_or(0),
            year,
            month: m,
            cans: parse_number(&cans.get_untracked()),
            sales: Yen(parse_number(&sales.get_untracked())),
        };
        save(
            status,
            None,
            async move { api::record_month(&input).await },
            move |m| {
                on_saved();
                Some(format!(
                    "{} {}年{}月: 手数料 {}",
                    m.machine_code, m.year, m.month, m.income
                ))
            },
        );
    };
    view! {
        <StatusBanner status />
        <EditorForm heading=("実績を入力", "Enter a month") submit_label=("記録", "Record") on_submit=submit>
            <div class="grid">
                <SelectField label=t!("自販機", "Machine") name="machine_id" value=machine options=machine_options />
                <TextField label=t!("年月", "Month") name="month" value=month input_type="month" error=crate::components::field_error(status, "month") />
                <NumberField label=t!("販売本数", "Cans") name="cans" value=cans error=crate::components::field_error(status, "cans") />
                <NumberField label=t!("売上(円)", "Sales (yen)") name="sales" value=sales error=crate::components::field_error(status, "sales") />
            </div>
        </EditorForm>
    }
}

/// The operator's statement as a CSV: every row checked, nothing recorded if one is wrong.
#[component]
fn ImportForm(on_saved: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let file: RwSignal<Option<Vec<u8>>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let status: FormStatus = RwSignal::new(None);
    let import = move |_| {
        let Some(bytes) = file.get_untracked() else {
            status.set(Some(Err(ApiFailure {
                code: "validation".into(),
                message: "CSVファイルを選んでください".into(),
                fields: vec![],
            })));
            return;
        };
        save(
            status,
            Some(busy),
            async move { api::import(&bytes).await },
            move |r| {
                on_saved();
                Some(format!(
                    "{}件を記録しました(うち置き換え {}件)",
                    r.added + r.replaced,
                    r.replaced
                ))
            },
        );
    };
    view! {
        <section class="panel" id="vending-import">
            <h2>{t!("CSVで取り込む", "Import a CSV")}</h2>
            <p class="hint">{t!("列: 自販機コード, 年月, 販売本数, 売上(UTF-8またはShift_JIS)。1行でも誤りがあれば何も記録しません。",
                "Columns: machine code, month, cans, sales (UTF-8 or Shift_JIS). Nothing is recorded if any row is wrong.")}</p>
            <StatusBanner status />
            {move || status.with(|s| s.as_ref().and_then(|r| r.as_ref().err()).map(|f| f.fields.clone())).filter(|f| !f.is_empty()).map(|fields| view! {
                <ul class="row-errors" id="vending-import-errors">
                    {fields.into_iter().map(|f| view! { <li>{format!("{}: {}", f.field, f.message)}</li> }).collect_view()}
                </ul>
            })}
            <CsvFilePicker file name="vending_csv" />
            <button class="primary" id="vending-import-run" disabled=move || busy.get() on:click=import>{t!("取り込む", "Import")}</button>
        </section>
    }
}
