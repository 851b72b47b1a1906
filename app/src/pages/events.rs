//! イベント: bazaars, the SELP SHOP, joint sales and marches, with their participating
//! facilities, commission and registers.

use crate::api::{self, ApiFailure};
use crate::components::{
    CheckField, FormStatus, Loaded, SelectField, StatusBanner, TextField, field_error, list_of, parse_number,
};
use crate::forms::{Editing, EditorForm, save, saved_message};
use crate::session::may;
use crate::t;
use chrono::NaiveDate;
use leptos::prelude::*;
use selpos_domain::Yen;
use selpos_domain::access::Principal;
use selpos_domain::events::{
    CommissionRule, Event, EventInput, EventKind, EventState, Participant, Register, RegisterInput,
};
use selpos_domain::facilities::Facility;
use selpos_domain::printers::DEFAULT_PAPER_COLUMNS;

#[component]
pub fn EventsPage() -> impl IntoView {
    let events = LocalResource::new(api::events);
    let facilities = LocalResource::new(|| api::facilities(false, None));
    let facility_list = list_of(facilities);
    let editing = Editing::<Event>::new();
    let status = editing.status;

    view! {
        <h1>{t!("イベント・販売チャネル", "Events and channels")}</h1>
        <div class="toolbar">
            {move || may(Principal::may_manage_council_data).then(|| view! {
                <button class="primary" id="new-event" on:click=move |_| editing.open(None)>
                    {t!("＋ 新しいイベント", "+ New event")}
                </button>
            })}
        </div>
        <StatusBanner status />
        {move || editing.record.get().map(|event| view! {
            <EventForm event facilities=facility_list status on_done=move |saved| editing.close(saved, || events.refetch()) />
        })}
        <Loaded load=move || events.get() ok=move |list| if list.is_empty() {
            view! { <p class="empty">{t!("イベントはまだありません", "No events yet")}</p> }.into_any()
        } else {
            view! {
                <table class="list" id="event-list">
                    <thead>
                        <tr>
                            <th>{t!("コード", "Code")}</th>
                            <th>{t!("種別", "Kind")}</th>
                            <th>{t!("名称・会場", "Name, venue")}</th>
                            <th>{t!("期間", "Dates")}</th>
                            <th>{t!("状態", "State")}</th>
                            <th class="num">{t!("参加事業所", "Facilities")}</th>
                            <th>{t!("手数料", "Commission")}</th>
                            <th>{t!("レジ", "Registers")}</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|e| {
                            let edit = e.clone();
                            let registers = e.registers.iter().map(|r| r.code.clone()).collect::<Vec<_>>().join(", ");
                            view! {
                                <tr class:inactive=!e.active>
                                    <td class="code">{e.code.clone()}</td>
                                    <td>{e.kind.label_ja()}</td>
                                    <td class="name">{e.name.clone()} <small>{e.venue.clone()}</small></td>
                                    <td>{if e.standing { format!("{} 〜 (常設)", e.starts_on) } else { format!("{} 〜 {}", e.starts_on, e.ends_on) }}</td>
                                    <td><span class=format!("state {}", e.state.code())>{e.state.label_ja()}</span></td>
                                    <td class="num">{e.participants.len()}</td>
                                    <td>{e.commission.label_ja()}</td>
                                    <td>{registers}</td>
                                    <td>
                                        {move || may(Principal::may_manage_council_data).then(|| {
                                            let edit = edit.clone();
                                            view! { <button class="edit" on:click=move |_| editing.open(Some(edit.clone()))>{t!("編集", "Edit")}</button> }
                                        })}
                                        <ClosingLinks event_id=e.id standing=e.standing />
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        } />
    }
}

/// `"10"` or `"12.5"` (percent) → basis points; anything else → `i64::MIN` (refused by the server).
pub(crate) fn parse_percent(text: &str) -> i64 {
    let text = selpos_domain::codes::normalise_digits(text.trim()).replace(['%', '％'], "");
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = format!("{frac:0<2}");
    match (whole.parse::<i64>(), frac.len() == 2, frac.parse::<i64>()) {
        (Ok(w), true, Ok(f)) if !whole.is_empty() => w.saturating_mul(100).saturating_add(f),
        _ => i64::MIN,
    }
}

pub(crate) fn format_percent(basis_points: i64) -> String {
    if basis_points % 100 == 0 {
        (basis_points / 100).to_string()
    } else {
        format!("{}.{:02}", basis_points / 100, basis_points % 100)
    }
}

/// A per-facility override as typed: blank = the event's default, `12%` = percent, `3000` = yen.
pub(crate) fn parse_override(text: &str) -> Option<CommissionRule> {
    let text = text.trim();
    if text.is_empty() {
        None
    } else if text.ends_with('%') || text.ends_with('％') {
        Some(CommissionRule::Percent {
            basis_points: parse_percent(text),
        })
    } else {
        Some(CommissionRule::Fixed {
            yen: Yen(parse_number(text)),
        })
    }
}

pub(crate) fn format_override(rule: Option<CommissionRule>) -> String {
    match rule {
        None => String::new(),
        Some(CommissionRule::Percent { basis_points }) => format!("{}%", format_percent(basis_points)),
        Some(CommissionRule::Fixed { yen }) => yen.0.to_string(),
    }
}

#[derive(Clone)]
struct RegisterRow {
    /// Saved registers have an id: their printer can be checked.
    id: Option<i64>,
    code: RwSignal<String>,
    name: RwSignal<String>,
    /// The receipt printer's address as typed; blank: no printer.
    printer: RwSignal<String>,
    /// `48` (80 mm) or `32` (58 mm).
    columns: RwSignal<String>,
    key: usize,
}

/// The paper sizes a register's printer may have: (columns, label).
fn paper_options() -> Vec<(String, String)> {
    vec![
        ("48".to_string(), "80mm (48桁)".to_string()),
        ("32".to_string(), "58mm (32桁)".to_string()),
    ]
}

/// The message for field `suffix` of the register row `key`, from the last failed save:
/// the server names fields by position (`registers[2].printer_addr`).
fn register_error(
    status: FormStatus,
    registers: RwSignal<Vec<RegisterRow>>,
    key: usize,
    suffix: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        let i = registers.with(|rs| rs.iter().position(|r| r.key == key))?;
        status.with(|s| {
            s.as_ref()?
                .as_ref()
                .err()?
                .field(&format!("registers[{i}].{suffix}"))
        })
    })
}

/// Checks the saved printer of a register (a TCP connect on the server) and says the outcome.
#[component]
fn PrinterCheck(register_id: i64) -> impl IntoView {
    let outcome: RwSignal<Option<Result<String, String>>> = RwSignal::new(None);
    let checking = RwSignal::new(false);
    let check = move |_| {
        checking.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = api::printer_status(register_id).await;
            checking.set(false);
            outcome.set(Some(match result {
                Ok(s) if s.reachable => Ok(format!("接続できます ({})", s.address.unwrap_or_default())),
                Ok(s) => Err(s.message.unwrap_or_else(|| "接続できません".into())),
                Err(failure) => Err(failure.message),
            }));
        });
    };
    view! {
        <div class="printer-check">
            <button type="button" on:click=check disabled=move || checking.get()>
                {t!("接続確認", "Check printer")}
            </button>
            {move || outcome.get().map(|o| match o {
                Ok(text) => view! { <small class="printer-ok" role="status">"✓ " {text}</small> }.into_any(),
                Err(text) => view! { <small class="printer-down" role="alert">"✗ " {text}</small> }.into_any(),
            })}
        </div>
    }
}

#[component]
fn EventForm(
    event: Option<Event>,
    facilities: Signal<Vec<Facility>>,
    status: FormStatus,
    on_done: impl Fn(bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = event.as_ref().map(|e| e.id);
    let e = event.as_ref();
    let code = RwSignal::new(e.map(|e| e.code.clone()).unwrap_or_default());
    let kind = RwSignal::new(e.map_or(EventKind::Bazaar, |e| e.kind).code().to_string());
    let name = RwSignal::new(e.map(|e| e.name.clone()).unwrap_or_default());
    let venue = RwSignal::new(e.map(|e| e.venue.clone()).unwrap_or_default());
    let starts_on = RwSignal::new(e.map(|e| e.starts_on.to_string()).unwrap_or_default());
    let ends_on = RwSignal::new(e.map(|e| e.ends_on.to_string()).unwrap_or_default());
    let state = RwSignal::new(e.map_or(EventState::Planned, |e| e.state).code().to_string());
    let (commission_kind, commission_value) = match e.map(|e| e.commission) {
        Some(CommissionRule::Fixed { yen }) => ("fixed", yen.0.to_string()),
        Some(CommissionRule::Percent { basis_points }) => ("percent", format_percent(basis_points)),
        None => ("percent", "10".to_string()),
    };
    let commission_kind = RwSignal::new(commission_kind.to_string());
    let commission_value = RwSignal::new(commission_value);
    let active = RwSignal::new(e.is_none_or(|e| e.active));
    let eat_in = RwSignal::new(e.is_some_and(|e| e.eat_in));
    let standing = RwSignal::new(e.is_some_and(|e| e.standing));
    // facility id → override text; present = participating.
    let participants: RwSignal<Vec<(i64, RwSignal<String>)>> = RwSignal::new(
        e.map(|e| {
            e.participants
                .iter()
                .map(|p| {
                    (
                        p.facility_id,
                        RwSignal::new(format_override(p.commission_override)),
                    )
                })
                .collect()
        })
        .unwrap_or_default(),
    );
    let next_key = StoredValue::new(0usize);
    let new_row = move |register: Register| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        RegisterRow {
            id: (register.id > 0).then_some(register.id),
            code: RwSignal::new(register.code),
            name: RwSignal::new(register.name),
            printer: RwSignal::new(register.printer_addr.unwrap_or_default()),
            columns: RwSignal::new(register.paper_columns.to_string()),
            key,
        }
    };
    let registers: RwSignal<Vec<RegisterRow>> = RwSignal::new(
        e.map(|e| e.registers.iter().cloned().map(new_row).collect())
            .unwrap_or_default(),
    );
    let facility_search = RwSignal::new(String::new());
    let saving = RwSignal::new(false);

    let kind_options = Signal::derive(|| {
        EventKind::ALL
            .iter()
            .map(|k| (k.code().to_string(), k.label_ja().to_string()))
            .collect::<Vec<_>>()
    });
    let state_options = Signal::derive(|| {
        EventState::ALL
            .iter()
            .map(|s| (s.code().to_string(), s.label_ja().to_string()))
            .collect::<Vec<_>>()
    });
    let commission_options = Signal::derive(|| {
        vec![
            ("percent".to_string(), "売上の%".to_string()),
            ("fixed".to_string(), "定額(円)".to_string()),
        ]
    });

    let toggle = move |facility_id: i64, on: bool| {
        participants.update(|list| {
            list.retain(|(id, _)| *id != facility_id);
            if on {
                list.push((facility_id, RwSignal::new(String::new())));
            }
        })
    };

    let submit = move || {
        let date = |s: String| NaiveDate::parse_from_str(&s, "%Y-%m-%d");
        // A standing shop has no last day: the server stores its own.
        let ends_text = if standing.get_untracked() {
            starts_on.get_untracked()
        } else {
            ends_on.get_untracked()
        };
        let (Ok(starts), Ok(ends)) = (date(starts_on.get_untracked()), date(ends_text)) else {
            status.set(Some(Err(ApiFailure {
                code: "validation".into(),
                message: "開始日と終了日を入力してください".into(),
                fields: vec![],
            })));
            return;
        };
        let commission = if commission_kind.get_untracked() == "fixed" {
            CommissionRule::Fixed {
                yen: Yen(parse_number(&commission_value.get_untracked())),
            }
        } else {
            CommissionRule::Percent {
                basis_points: parse_percent(&commission_value.get_untracked()),
            }
        };
        let input = EventInput {
            code: code.get_untracked(),
            kind: EventKind::from_code(&kind.get_untracked()).unwrap_or(EventKind::Other),
            name: name.get_untracked(),
            venue: venue.get_untracked(),
            starts_on: starts,
            ends_on: ends,
            state: EventState::from_code(&state.get_untracked()).unwrap_or(EventState::Planned),
            commission,
            participants: participants
                .get_untracked()
                .iter()
                .map(|(facility_id, text)| Participant {
                    facility_id: *facility_id,
                    commission_override: parse_override(&text.get_untracked()),
                })
                .collect(),
            registers: registers
                .get_untracked()
                .iter()
                .map(|r| RegisterInput {
                    code: r.code.get_untracked(),
                    name: r.name.get_untracked(),
                    printer_addr: Some(r.printer.get_untracked()).filter(|a| !a.trim().is_empty()),
                    paper_columns: r.columns.get_untracked().parse().unwrap_or(DEFAULT_PAPER_COLUMNS),
                })
                .collect(),
            eat_in: eat_in.get_untracked(),
            standing: standing.get_untracked(),
            active: active.get_untracked(),
        };
        let request = async move { api::save_event(id, &input).await };
        save(status, Some(saving), request, move |saved| {
            on_done(true);
            saved_message(&saved.name)
        });
    };

    let visible_facilities = move || {
        let q = facility_search.get();
        facilities
            .get()
            .into_iter()
            .filter(|f| q.is_empty() || f.name.contains(&q) || f.kana.contains(&q))
            .collect::<Vec<_>>()
    };

    view! {
        <EditorForm
            heading=if id.is_some() { ("イベントを編集", "Edit event") } else { ("新しいイベント", "New event") }
            busy=saving on_submit=submit on_cancel=move || on_done(false)
        >
            <div class="grid">
                <TextField label=t!("イベントコード", "Event code") name="code" value=code required=true error=field_error(status, "code")
                    hint=t!("レシート番号に使います(例 HB2026A)", "Used in receipt numbers (e.g. HB2026A)") />
                <SelectField label=t!("種別", "Kind") name="kind" value=kind options=kind_options />
                <TextField label=t!("名称", "Name") name="name" value=name required=true error=field_error(status, "name") />
                <TextField label=t!("会場", "Venue") name="venue" value=venue error=field_error(status, "venue") />
                <TextField label=t!("開始日", "First day") name="starts_on" value=starts_on input_type="date" required=true error=field_error(status, "starts_on") />
                <CheckField label=t!("常設の販売所(終了日なし・期間ごとに精算)", "Standing shop (no last day, settled by period)")
                    name="standing" value=standing />
                <Show when=move || !standing.get()>
                    <TextField label=t!("終了日", "Last day") name="ends_on" value=ends_on input_type="date" required=true error=field_error(status, "ends_on") />
                </Show>
                <SelectField label=t!("状態", "State") name="state" value=state options=state_options />
                <SelectField label=t!("手数料の方式", "Commission kind") name="commission_kind" value=commission_kind options=commission_options />
                <TextField label=t!("手数料(% または 円)", "Commission (% or yen)") name="commission_value" value=commission_value
                    inputmode="decimal" error=field_error(status, "commission") />
                <CheckField label=t!("イートインあり(飲食スペースで食べる食品は10%)", "Eat-in tables (food eaten here is taxed at 10%)")
                    name="eat_in" value=eat_in />
                <CheckField label=t!("有効", "Active") name="active" value=active />
            </div>

            <h3>{t!("レジ", "Registers")}</h3>
            <div class="registers">
                <For each=move || registers.get() key=|r| r.key let:row>
                    <div class="register-row">
                        <TextField label=t!("レジ番号", "Code") name="register_code" value=row.code />
                        <TextField label=t!("名前", "Name") name="register_name" value=row.name />
                        <TextField label=t!("プリンター", "Printer") name="register_printer" value=row.printer
                            hint=t!("例 192.168.1.50 / 192.168.1.50:9100", "e.g. 192.168.1.50 or 192.168.1.50:9100")
                            error=register_error(status, registers, row.key, "printer_addr") />
                        <SelectField label=t!("用紙", "Paper") name="register_paper" value=row.columns
                            options=Signal::derive(paper_options)
                            error=register_error(status, registers, row.key, "paper_columns") />
                        {row.id.map(|register_id| view! { <PrinterCheck register_id /> })}
                        <button type="button" class="danger" on:click=move |_| registers.update(|rs| rs.retain(|r| r.key != row.key))>
                            {t!("削除", "Remove")}
                        </button>
                    </div>
                </For>
                <button type="button" on:click=move |_| {
                    let n = registers.with_untracked(|rs| rs.len()) + 1;
                    registers.update(|rs| rs.push(new_row(Register {
                        id: 0,
                        code: format!("R{n}"),
                        name: format!("レジ{n}"),
                        printer_addr: None,
                        paper_columns: DEFAULT_PAPER_COLUMNS,
                    })));
                }>{t!("＋ レジを追加", "+ Add register")}</button>
            </div>

            <h3>
                {t!("参加事業所", "Participating facilities")} " "
                <small>{move || participants.with(|p| p.len())} {t!(" 事業所", " facilities")}</small>
            </h3>
            <TextField label=t!("事業所を絞り込む", "Filter facilities") name="facility_search" value=facility_search />
            <div class="participants">
                {move || visible_facilities().into_iter().map(|f| {
                    let fid = f.id;
                    let override_text = move || participants.with(|p| p.iter().find(|(id, _)| *id == fid).map(|(_, t)| *t));
                    view! {
                        <div class="participant">
                            <label class="check">
                                <input type="checkbox"
                                    prop:checked=move || override_text().is_some()
                                    on:change=move |ev| toggle(fid, event_target_checked(&ev)) />
                                <span>{f.number} " " {f.name.clone()}</span>
                            </label>
                            {move || override_text().map(|text| view! {
                                <input class="override" placeholder="既定 / 12% / 3000" bind:value=text />
                            })}
                        </div>
                    }
                }).collect_view()}
            </div>
        </EditorForm>
    }
}

/// Links to the event's settlement and dashboard (council), or to the facility's own 精算書.
#[component]
fn ClosingLinks(event_id: i64, standing: bool) -> impl IntoView {
    move || {
        let session = crate::session::current()?;
        Some(if standing {
            // A standing shop is settled period by period: its page lists the periods.
            view! { <a class="button" href=format!("/periods?event={event_id}")>{t!("期間精算", "Periods")}</a> }.into_any()
        } else if session.user.role.is_council() {
            view! {
                <a class="button" href=format!("/settlement?event={event_id}")>{t!("精算", "Settlement")}</a>
                <a class="button" href=format!("/dashboard?event={event_id}")>{t!("ダッシュボード", "Dashboard")}</a>
            }
            .into_any()
        } else {
            let facility = session.user.facility_id?;
            view! { <a class="button" href=format!("/settlement/statement?event={event_id}&facility={facility}")>{t!("精算書", "Statement")}</a> }
                .into_any()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("10"), 1000);
        assert_eq!(parse_percent("12.5"), 1250);
        assert_eq!(parse_percent("12.25%"), 1225);
        assert_eq!(parse_percent("１０％"), 1000);
        assert_eq!(parse_percent("12.345"), i64::MIN);
        assert_eq!(parse_percent("x"), i64::MIN);
        assert_eq!(parse_percent(""), i64::MIN);
        assert_eq!(format_percent(1250), "12.50");
        assert_eq!(format_percent(1000), "10");
    }

    #[test]
    fn overrides() {
        assert_eq!(parse_override(""), None);
        assert_eq!(
            parse_override("8%"),
            Some(CommissionRule::Percent { basis_points: 800 })
        );
        assert_eq!(
            parse_override("3,000"),
            Some(CommissionRule::Fixed { yen: Yen(3000) })
        );
        assert_eq!(
            format_override(Some(CommissionRule::Fixed { yen: Yen(3000) })),
            "3000"
        );
    }
}
