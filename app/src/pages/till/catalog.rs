//! The catalog side of the till: the products to tap, by facility and category, the search
//! box and the code field.

use super::use_till;
use crate::t;
use crate::till::cart::{self, group};
use leptos::prelude::*;
use selpos_domain::sales::CatalogItem;

#[component]
pub(super) fn ProductPane() -> impl IntoView {
    let till = use_till();
    let search = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let submit_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = code.get_untracked();
        if !typed.trim().is_empty() {
            till.add_code(&typed);
        }
        code.set(String::new());
    };
    // A scanner typing into the search box: a number ending in Enter is a code, not a search.
    let search_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
            let typed = search.get_untracked();
            if cart::barcode_digits(&typed).is_some() {
                till.add_code(&typed);
                search.set(String::new());
            }
        }
    };
    let groups = move || till.catalog.with(|c| c.as_ref().map(|c| group(c, &search.get())));
    view! {
        <section class="till-products" aria-label="商品">
            <div class="till-find">
                <input type="search" name="search" class="search" bind:value=search on:keydown=search_key
                    placeholder=t!("商品名・ふりがなで検索", "Search by name or reading") />
                <form class="code-entry" on:submit=submit_code>
                    <input id="code-input" name="code" inputmode="numeric" autocomplete="off" bind:value=code
                        placeholder=t!("JANコード", "JAN code") />
                    <button type="submit">{t!("追加", "Add")}</button>
                </form>
            </div>
            {move || match groups() {
                None => view! { <p class="loading">{t!("商品データを読み込み中…", "Loading the catalog…")}</p> }.into_any(),
                Some(groups) if groups.is_empty() => view! {
                    <p class="empty">{t!("該当する商品はありません", "No products found")}</p>
                }.into_any(),
                Some(groups) => view! {
                    <div class="product-groups">
                        {groups.into_iter().map(|g| view! {
                            <div class="facility-group">
                                <h3>{format!("{} {}", g.facility.number, g.facility.name)}</h3>
                                <div class="categories">
                                    {g.categories.into_iter().map(|(category, items)| view! {
                                        <div class="category">
                                            <h4>{category}</h4>
                                            <div class="product-grid">
                                                {items.into_iter().map(|item| view! { <ProductButton item /> }).collect_view()}
                                            </div>
                                        </div>
                                    }).collect_view()}
                                </div>
                            </div>
                        }).collect_view()}
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ProductButton(item: CatalogItem) -> impl IntoView {
    let till = use_till();
    let label = format!("{} {}", item.name, item.price);
    view! {
        <button class="product" data-product-id=item.product_id data-jan=item.jan.clone().unwrap_or_default()
            aria-label=label
            on:click={
                let item = item.clone();
                move |_| till.add(&item)
            }>
            <span class="name">{item.name.clone()}</span>
            <span class="price">{item.price.to_string()}</span>
        </button>
    }
}
