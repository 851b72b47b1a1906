//! 操作履歴: the audit log in Japanese (admins): each kind by its name, each record's details as
//! `項目: 値`, filtered by user, kind and a period of days (the server checks the filters).

use crate::api;
use crate::components::{Loaded, SelectField, list_of, non_blank};
use crate::i18n::pick;
use crate::t;
use leptos::prelude::*;
use selpos_domain::audit::{AUDIT_KINDS, AuditEntry, audit_kind, details, entity_label_ja};

/// The kind's name in the chosen language; a kind the app does not know keeps its code.
fn kind_label(code: &str) -> String {
    audit_kind(code).map_or_else(|| code.to_string(), |k| pick(k.label_ja, k.label_en).to_string())
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let from_date = RwSignal::new(String::new());
    let until_date = RwSignal::new(String::new());
    let users = list_of(LocalResource::new(api::users));
    let user_options = Signal::derive(move || {
        let mut options = vec![(String::new(), pick("すべてのユーザー", "All users").to_string())];
        options.extend(
            users
                .get()
                .into_iter()
                .map(|u| (u.login.clone(), format!("{} ({})", u.display_name, u.login))),
        );
        options
    });
    let kind_options = Signal::derive(|| {
        let mut options = vec![(String::new(), pick("すべての操作", "All kinds").to_string())];
        options.extend(
            AUDIT_KINDS
                .iter()
                .map(|k| (k.code.to_string(), pick(k.label_ja, k.label_en).to_string())),
        );
        options
    });
    let entries = LocalResource::new(move || {
        api::audit(api::AuditQuery {
            actor: non_blank(actor.get()),
            action: non_blank(action.get()),
            from_date: non_blank(from_date.get()),
            until_date: non_blank(until_date.get()),
        })
    });
    let date_field =
        move |label: (&'static str, &'static str), name: &'static str, value: RwSignal<String>| {
            view! {
                <label class="field">
                    <span class="label">{move || pick(label.0, label.1)}</span>
                    <input type="date" name=name bind:value=value />
                </label>
            }
        };
    view! {
        <h1>{t!("操作履歴", "Audit log")}</h1>
        <div class="toolbar" id="audit-filters">
            <SelectField label=t!("ユーザー", "User") name="actor" value=actor options=user_options />
            <SelectField label=t!("操作の種類", "Kind") name="action" value=action options=kind_options />
            {date_field(("この日から", "From"), "from_date", from_date)}
            {date_field(("この日まで", "Until"), "until_date", until_date)}
        </div>
        <Loaded load=move || entries.get() ok=move |list| if list.is_empty() {
            view! { <p class="empty">{t!("該当する操作はありません", "No entries found")}</p> }.into_any()
        } else {
            view! {
                <table class="list" id="audit-list">
                    <thead><tr>
                        <th>{t!("日時", "When")}</th><th>{t!("ユーザー", "User")}</th><th>{t!("レジ", "Register")}</th>
                        <th>{t!("操作", "Action")}</th><th>{t!("対象", "Record")}</th><th>{t!("内容", "Details")}</th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|e| view! { <AuditRow e /> }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        } />
    }
}

#[component]
fn AuditRow(e: AuditEntry) -> impl IntoView {
    let lines = details(e.before.as_ref(), e.after.as_ref());
    let code = e.action.clone();
    view! {
        <tr data-action=e.action.clone()>
            <td>{super::tokyo(e.at).format("%Y-%m-%d %H:%M:%S").to_string()}</td>
            <td>{e.actor_login.clone()}</td>
            <td>{e.register_id.map(|r| r.to_string()).unwrap_or_default()}</td>
            <td class="kind" title=e.action.clone()>{move || kind_label(&code)}</td>
            <td>{format!("{} {}", entity_label_ja(&e.entity), e.entity_id.clone().unwrap_or_default())}</td>
            <td class="changes">
                <ul class="details">
                    {lines.into_iter().map(|l| view! { <li><span class="detail-label">{l.label}</span>": "{l.text}</li> }).collect_view()}
                </ul>
            </td>
        </tr>
    }
}
