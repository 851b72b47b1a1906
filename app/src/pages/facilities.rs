//! 事業所: the council's member facilities.

use crate::api;
use crate::components::{
    CheckField, FormStatus, Loaded, NumberField, SelectField, StatusBanner, TextField, field_error,
    non_blank, parse_number,
};
use crate::forms::{Editing, EditorForm, save, saved_message};
use crate::session::may;
use crate::t;
use leptos::prelude::*;
use selpos_domain::access::Principal;
use selpos_domain::facilities::{CORPORATION_TYPES, Facility, FacilityInput, corporation_type_label};

#[component]
pub fn FacilitiesPage() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let include_inactive = RwSignal::new(false);
    let facilities =
        LocalResource::new(move || api::facilities(include_inactive.get(), non_blank(search.get())));
    let editing = Editing::<Facility>::new();
    let status = editing.status;

    view! {
        <h1>{t!("事業所", "Facilities")}</h1>
        <div class="toolbar">
            <TextField label=t!("検索(名前・ふりがな)", "Search (name, kana)") name="search" value=search />
            <CheckField label=t!("無効な事業所も表示", "Show inactive") name="include_inactive" value=include_inactive />
            {move || may(Principal::may_manage_council_data).then(|| view! {
                <button class="primary" id="new-facility" on:click=move |_| editing.open(None)>
                    {t!("＋ 新しい事業所", "+ New facility")}
                </button>
            })}
        </div>
        <StatusBanner status />
        {move || editing.record.get().map(|facility| view! {
            <FacilityForm facility status on_done=move |saved| editing.close(saved, || facilities.refetch()) />
        })}
        <Loaded load=move || facilities.get() ok=move |list| if list.is_empty() {
            view! { <p class="empty">{t!("該当する事業所はありません", "No facilities found")}</p> }.into_any()
        } else {
            view! {
                <table class="list" id="facility-list">
                    <thead>
                        <tr>
                            <th class="num">{t!("番号", "No.")}</th>
                            <th>{t!("事業所名", "Name")}</th>
                            <th>{t!("法人種別", "Corporation")}</th>
                            <th class="num">{t!("定員", "Capacity")}</th>
                            <th>{t!("登録番号", "Invoice no.")}</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|f| {
                            let edit = f.clone();
                            view! {
                                <tr class:inactive=!f.active>
                                    <td class="num">{f.number}</td>
                                    <td class="name">{f.name.clone()} <small>{f.kana.clone()}</small></td>
                                    <td>{corporation_type_label(f.corporation_type)}</td>
                                    <td class="num">{f.capacity}</td>
                                    <td class="code">{if f.invoice_issuer { f.invoice_number.clone().unwrap_or_default() } else { "免税事業者".into() }}</td>
                                    <td>{move || may(Principal::may_manage_council_data).then(|| {
                                        let edit = edit.clone();
                                        view! { <button class="edit" on:click=move |_| editing.open(Some(edit.clone()))>{t!("編集", "Edit")}</button> }
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        } />
    }
}

#[component]
fn FacilityForm(
    facility: Option<Facility>,
    status: FormStatus,
    on_done: impl Fn(bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = facility.as_ref().map(|f| f.id);
    let f = facility.as_ref();
    let number = RwSignal::new(f.map(|f| f.number.to_string()).unwrap_or_default());
    let name = RwSignal::new(f.map(|f| f.name.clone()).unwrap_or_default());
    let kana = RwSignal::new(f.map(|f| f.kana.clone()).unwrap_or_default());
    let corporation_type = RwSignal::new(f.map_or(2, |f| f.corporation_type).to_string());
    let capacity = RwSignal::new(f.map(|f| f.capacity.to_string()).unwrap_or_default());
    let invoice_number = RwSignal::new(f.and_then(|f| f.invoice_number.clone()).unwrap_or_default());
    let invoice_issuer = RwSignal::new(f.is_some_and(|f| f.invoice_issuer));
    let contact = RwSignal::new(f.map(|f| f.contact.clone()).unwrap_or_default());
    let active = RwSignal::new(f.is_none_or(|f| f.active));
    let saving = RwSignal::new(false);
    let corporation_options = Signal::derive(|| {
        CORPORATION_TYPES
            .iter()
            .map(|(code, label)| (code.to_string(), format!("{code} {label}")))
            .collect::<Vec<_>>()
    });

    let submit = move || {
        let input = FacilityInput {
            number: parse_number(&number.get_untracked()),
            name: name.get_untracked(),
            kana: kana.get_untracked(),
            corporation_type: parse_number(&corporation_type.get_untracked()),
            capacity: parse_number(&capacity.get_untracked()),
            invoice_number: non_blank(invoice_number.get_untracked()),
            invoice_issuer: invoice_issuer.get_untracked(),
            contact: contact.get_untracked(),
            active: active.get_untracked(),
        };
        let request = async move { api::save_facility(id, &input).await };
        save(status, Some(saving), request, move |saved| {
            on_done(true);
            saved_message(&saved.name)
        });
    };

    view! {
        <EditorForm
            heading=if id.is_some() { ("事業所を編集", "Edit facility") } else { ("新しい事業所", "New facility") }
            busy=saving on_submit=submit on_cancel=move || on_done(false)
        >
            <div class="grid">
                <NumberField label=t!("事業所番号", "Number") name="number" value=number required=true error=field_error(status, "number") />
                <TextField label=t!("事業所名", "Name") name="name" value=name required=true error=field_error(status, "name") />
                <TextField label=t!("ふりがな", "Kana reading") name="kana" value=kana error=field_error(status, "kana") />
                <SelectField label=t!("法人種別", "Corporation type") name="corporation_type" value=corporation_type options=corporation_options error=field_error(status, "corporation_type") />
                <NumberField label=t!("定員", "Capacity") name="capacity" value=capacity required=true error=field_error(status, "capacity") />
                <TextField label=t!("適格請求書 登録番号", "Invoice registration no.") name="invoice_number" value=invoice_number
                    error=field_error(status, "invoice_number") hint=t!("T+13桁", "T + 13 digits") />
                <CheckField label=t!("適格請求書発行事業者である", "Registered invoice issuer") name="invoice_issuer" value=invoice_issuer />
                <TextField label=t!("連絡先", "Contact") name="contact" value=contact error=field_error(status, "contact") />
                <CheckField label=t!("有効", "Active") name="active" value=active />
            </div>
        </EditorForm>
    }
}
