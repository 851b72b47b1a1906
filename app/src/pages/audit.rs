//! 操作履歴: the audit log, filtered by who, what kind of record and what action (admins).

use crate::api;
use crate::components::{Loaded, TextField, non_blank};
use crate::t;
use leptos::prelude::*;

/// `{"a":1,"b":2}` → `a: 1, b: 2`, only the fields that changed between `before` and `after`.
fn changes(before: &Option<serde_json::Value>, after: &Option<serde_json::Value>) -> String {
    let (Some(serde_json::Value::Object(b)), Some(serde_json::Value::Object(a))) = (before, after) else {
        return after
            .as_ref()
            .or(before.as_ref())
            .map(|v| v.to_string())
            .unwrap_or_default();
    };
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(v) && *k != "updated_at")
        .map(|(k, v)| {
            format!(
                "{k}: {} → {v}",
                b.get(k).map(|x| x.to_string()).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let actor = RwSignal::new(String::new());
    let entity = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let entries = LocalResource::new(move || {
        api::audit(
            non_blank(actor.get()),
            non_blank(entity.get()),
            non_blank(action.get()),
        )
    });
    view! {
        <h1>{t!("操作履歴", "Audit log")}</h1>
        <div class="toolbar">
            <TextField label=t!("ユーザー", "User") name="actor" value=actor />
            <TextField label=t!("対象(product, user, event…)", "Record (product, user, event…)") name="entity" value=entity />
            <TextField label=t!("操作(product.update…)", "Action (product.update…)") name="action" value=action />
        </div>
        <Loaded load=move || entries.get() ok=move |list| view! {
            <table class="list" id="audit-list">
                <thead><tr>
                    <th>{t!("日時", "When")}</th><th>{t!("ユーザー", "User")}</th><th>{t!("レジ", "Register")}</th>
                    <th>{t!("操作", "Action")}</th><th>{t!("対象", "Record")}</th><th>{t!("変更内容", "Changes")}</th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|e| view! {
                        <tr>
                            <td>{super::tokyo(e.at).format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                            <td>{e.actor_login.clone()}</td>
                            <td>{e.register_id.map(|r| r.to_string()).unwrap_or_default()}</td>
                            <td class="code">{e.action.clone()}</td>
                            <td>{format!("{} {}", e.entity, e.entity_id.clone().unwrap_or_default())}</td>
                            <td class="changes">{changes(&e.before, &e.after)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        } />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_listed() {
        let before = Some(serde_json::json!({"price": 300, "name": "クッキー", "updated_at": "x"}));
        let after = Some(serde_json::json!({"price": 350, "name": "クッキー", "updated_at": "y"}));
        assert_eq!(changes(&before, &after), "price: 300 → 350");
    }
}
