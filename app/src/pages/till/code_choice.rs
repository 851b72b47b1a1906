//! Which product? An in-store code (JAN prefix 02, 20–29) is unique in its facility only, so
//! at a bazaar a scan may find one product of several facilities: the till asks which, with
//! each facility's number and name beside the product, on large buttons.

use super::use_till;
use crate::i18n::pick;
use crate::t;
use leptos::prelude::*;

#[component]
pub(super) fn CodeChoiceDialog() -> impl IntoView {
    let till = use_till();
    let close = move || till.code_choice.set(None);
    let choices = till.code_choice.get_untracked().unwrap_or_default();
    view! {
        <div class="dialog-backdrop" on:click=move |ev| {
            if ev.target() == ev.current_target() { close() }
        }>
            <div class="editor dialog code-choice" role="dialog" aria-modal="true" aria-labelledby="code-choice-title">
                <h2 id="code-choice-title">{t!("どの事業所の商品ですか", "Which facility's product?")}</h2>
                <p class="hint">{t!("このバーコードは複数の事業所の商品に使われています", "Several facilities use this barcode")}</p>
                <div class="choices">
                    {choices.into_iter().map(|(facility, item)| {
                        let chosen = item.clone();
                        view! {
                            <button type="button" class="choice" data-product=item.product_id
                                on:click=move |_| { close(); till.add(&chosen); }>
                                <span class="facility">{format!("{} {}", facility.number, facility.name)}</span>
                                <span class="name">{item.name.clone()}</span>
                                <span class="price">{item.price.to_string()}</span>
                            </button>
                        }
                    }).collect_view()}
                </div>
                <div class="actions">
                    <button type="button" id="code-choice-cancel" on:click=move |_| close()>{move || pick("やめる", "Cancel")}</button>
                </div>
            </div>
        </div>
    }
}
