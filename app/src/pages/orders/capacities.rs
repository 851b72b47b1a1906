//! 能力の申告: what a facility can make of an item (one of its products, or work as orders
//! name it) in a period. The desk's suggestion reads these declarations; facility staff declare
//! for their own facility, the council for any.

use crate::api::{ApiFailure, orders as api};
use crate::components::{
    FormStatus, Loaded, NumberField, SelectField, StatusBanner, TextField, facility_option, list_of,
    options_of, parse_number,
};
use crate::forms::{EditorForm, save};
use crate::session::principal;
use crate::t;
use chrono::NaiveDate;
use leptos::prelude::*;
use selpos_domain::orders::CapacityInput;

/// `/orders/capacities`.
#[component]
pub fn CapacitiesPage() -> impl IntoView {
    let declared = LocalResource::new(api::capacities);
    view! {
        <h1>{t!("受注能力の申告", "Declared capacity")}</h1>
        <p class="hint">{t!("期間ごとに作れる数量を申告してください。共同受注窓口の割り振りの提案に使われます。",
            "How much your facility can make in a period: the desk's allocation suggestion uses it.")}</p>
        <div class="toolbar">
            <a class="button" href="/orders/shares">{t!("受注の割り振り", "Our shares")}</a>
        </div>
        <DeclareForm on_saved=move || declared.refetch() />
        <h2>{t!("申告済み", "Declared")}</h2>
        <Loaded load=move || declared.get() ok=|list| if list.is_empty() {
            view! { <p class="empty">{t!("まだ申告はありません", "Nothing declared yet")}</p> }.into_any()
        } else {
            view! {
                <table class="list" id="capacity-list">
                    <thead><tr>
                        <th>{t!("事業所", "Facility")}</th><th>{t!("品名・作業", "Goods or work")}</th>
                        <th>{t!("期間", "Period")}</th><th class="num">{t!("数量", "Quantity")}</th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|c| view! {
                            <tr class="capacity"><td>{c.facility_name}</td>
                                <td>{if c.work.is_empty() { c.product_id.map(|p| format!("商品 #{p}")).unwrap_or_default() } else { c.work }}</td>
                                <td>{format!("{} 〜 {}", c.starts_on, c.ends_on)}</td><td class="num">{c.quantity}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        } />
    }
}

#[component]
fn DeclareForm(on_saved: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    // Facility staff declare for their own facility; the council chooses one. The session may
    // still be loading on the first render, so both are read reactively.
    let own_facility = Signal::derive(|| principal().and_then(|p| p.facility_id));
    let chooses_facility = Signal::derive(|| principal().is_some_and(|p| p.facility_id.is_none()));
    let chosen = RwSignal::new(String::new());
    let facility = Signal::derive(move || own_facility.get().or_else(|| chosen.get().parse().ok()));
    let facilities = LocalResource::new(move || {
        let council = chooses_facility.get();
        async move {
            if council {
                crate::api::facilities(false, None).await
            } else {
                Ok(Vec::new())
            }
        }
    });
    let facility_options = options_of(
        list_of(facilities),
        Some(("選択してください", "Choose")),
        facility_option,
    );
    let products = LocalResource::new(move || {
        let id = facility.get();
        async move {
            match id {
                Some(id) => crate::api::products(Some(id), false, None).await,
                None => Ok(Vec::new()),
            }
        }
    });
    let product_options = options_of(
        list_of(products),
        Some(("(作業・品名を入力)", "(type the work)")),
        |p| (p.id.to_string(), p.name.clone()),
    );
    let product = RwSignal::new(String::new());
    let work = RwSignal::new(String::new());
    let starts_on = RwSignal::new(String::new());
    let ends_on = RwSignal::new(String::new());
    let quantity = RwSignal::new(String::new());
    let status: FormStatus = RwSignal::new(None);
    let submit = move || {
        let date = |text: String| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
        let (Some(starts), Some(ends)) = (date(starts_on.get_untracked()), date(ends_on.get_untracked()))
        else {
            status.set(Some(Err(ApiFailure {
                code: "validation".into(),
                message: "期間の始まりと終わりの日付を入力してください".into(),
                fields: vec![],
            })));
            return;
        };
        let Some(facility_id) = facility.get_untracked() else {
            status.set(Some(Err(ApiFailure {
                code: "validation".into(),
                message: "事業所を選んでください".into(),
                fields: vec![],
            })));
            return;
        };
        let input = CapacityInput {
            facility_id,
            product_id: product.get_untracked().parse().ok(),
            work: work.get_untracked(),
            starts_on: starts,
            ends_on: ends,
            quantity: parse_number(&quantity.get_untracked()),
        };
        let said = format!(
            "{}({} 〜 {})を{}で申告しました",
            if input.work.trim().is_empty() {
                "商品"
            } else {
                input.work.trim()
            },
            input.starts_on,
            input.ends_on,
            input.quantity
        );
        // The answer is the facility's declarations: the list is read again as a whole.
        save(
            status,
            None,
            async move { api::declare_capacity(&input).await },
            move |_| {
                on_saved();
                Some(said)
            },
        );
    };
    view! {
        <StatusBanner status />
        <EditorForm heading=("申告する", "Declare") on_submit=submit>
            <div class="grid">
                {move || chooses_facility.get().then(|| view! {
                    <SelectField label=t!("事業所", "Facility") name="facility_id" value=chosen options=facility_options />
                })}
                <SelectField label=t!("商品", "Product") name="product_id" value=product options=product_options />
                <TextField label=t!("作業・品名(商品でない場合)", "Work or goods (when not a product)") name="work" value=work
                    error=crate::components::field_error(status, "work") />
                <TextField label=t!("期間の始まり", "From") name="starts_on" value=starts_on input_type="date" />
                <TextField label=t!("期間の終わり", "To") name="ends_on" value=ends_on input_type="date"
                    error=crate::components::field_error(status, "ends_on") />
                <NumberField label=t!("作れる数量", "Quantity") name="quantity" value=quantity
                    error=crate::components::field_error(status, "quantity") />
            </div>
        </EditorForm>
    }
}
