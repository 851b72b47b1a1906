//! 端末: register this tablet as a till of a register, and revoke lost tablets.

use crate::api;
use crate::components::{FormStatus, Loaded, SelectField, StatusBanner, TextField};
use crate::forms::{EditorForm, save};
use crate::t;
use leptos::prelude::*;
use selpos_domain::devices::DeviceInput;

#[component]
pub fn DevicesPage() -> impl IntoView {
    let devices = LocalResource::new(api::devices);
    let events = LocalResource::new(api::events);
    let register_id = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let status: FormStatus = RwSignal::new(None);
    let register_options = Signal::derive(move || {
        let mut options = vec![(
            String::new(),
            crate::i18n::pick("レジを選んでください", "Choose a register").to_string(),
        )];
        for e in events.get().and_then(Result::ok).unwrap_or_default() {
            for r in &e.registers {
                options.push((r.id.to_string(), format!("{} {} / {}", e.code, e.name, r.name)));
            }
        }
        options
    });
    let submit = move || {
        let input = DeviceInput {
            register_id: register_id.get_untracked().parse().unwrap_or(0),
            name: name.get_untracked(),
        };
        let request = async move { api::register_device(&input).await };
        save(status, None, request, move |device| {
            devices.refetch();
            Some(format!(
                "この端末を「{} / {}」のレジとして登録しました。レジ担当はPINでログインできます",
                device.register.event_name, device.register.register_name
            ))
        });
    };
    let revoke = move |id: i64| {
        leptos::task::spawn_local(async move {
            match api::revoke_device(id).await {
                Ok(_) => devices.refetch(),
                Err(failure) => status.set(Some(Err(failure))),
            }
        });
    };
    view! {
        <h1>{t!("端末(レジ用タブレット)", "Tablets")}</h1>
        <StatusBanner status />
        <EditorForm heading=("この端末をレジとして登録", "Register this tablet as a till") submit_label=("登録", "Register") on_submit=submit>
            <div class="grid">
                <SelectField label=t!("レジ", "Register") name="register_id" value=register_id options=register_options />
                <TextField label=t!("端末名", "Tablet name") name="device_name" value=name required=true />
            </div>
        </EditorForm>
        <Loaded load=move || devices.get() ok=move |list| view! {
            <table class="list" id="device-list">
                <thead><tr>
                    <th>{t!("端末名", "Name")}</th><th>{t!("イベント / レジ", "Event / register")}</th>
                    <th>{t!("登録者", "By")}</th><th>{t!("状態", "State")}</th><th></th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|d| {
                        let id = d.id;
                        view! {
                            <tr class:inactive=d.revoked>
                                <td>{d.name.clone()}</td>
                                <td>{format!("{} / {}", d.register.event_name, d.register.register_name)}</td>
                                <td>{d.registered_by.clone()}</td>
                                <td>{if d.revoked { "無効" } else { "有効" }}</td>
                                <td>{(!d.revoked).then(|| view! {
                                    <button class="danger" on:click=move |_| revoke(id)>{t!("無効にする", "Revoke")}</button>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        } />
    }
}
