//! The catalog side of the till: the products to tap, by facility and category, a jump bar
//! to each facility, category chips, the search box and the code field.
//!
//! The grid is drawn once per catalogue; a search or a chip only hides tiles (a large
//! bazaar has 2,000 products: drawing them again on every keystroke would lag the tablet).

use super::use_till;
use crate::t;
use crate::till::browser;
use crate::till::cart::{self, SearchIndex, group};
use leptos::prelude::*;
use selpos_domain::sales::CatalogItem;
use std::collections::{HashMap, HashSet};

/// What narrows the grid now: the products to show (`None`: all).
type Shown = Memo<Option<HashSet<i64>>>;

#[component]
pub(super) fn ProductPane() -> impl IntoView {
    let till = use_till();
    let search = RwSignal::new(String::new());
    let category: RwSignal<Option<String>> = RwSignal::new(None);
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
    let index = Memo::new(move |_| {
        till.catalog
            .with(|c| c.as_ref().map(SearchIndex::new).unwrap_or_default())
    });
    let shown: Shown = Memo::new(move |_| {
        let query = search.get();
        category.with(|c| index.with(|index| index.matching(&query, c.as_deref())))
    });
    let nothing_shown = move || shown.with(|s| s.as_ref().is_some_and(HashSet::is_empty));
    // A tap adds the product and clears the search for the next one.
    let added = Callback::new(move |()| search.set(String::new()));
    // Each catalogue shown (kept, then fresh) is marked once its tiles are painted: the
    // `selpos:tiles` timing that benchmarks read.
    Effect::new(move |_| {
        if till.catalog.with(Option::is_some) {
            request_animation_frame(|| browser::mark("selpos:tiles"));
        }
    });
    view! {
        <section class="till-products" aria-label="商品">
            <div class="till-find">
                <input type="search" name="search" class="search" bind:value=search on:keydown=search_key
                    placeholder=t!("商品名・ふりがな・JANで検索", "Search by name, reading or JAN") />
                <form class="code-entry" on:submit=submit_code>
                    <input id="code-input" name="code" inputmode="numeric" autocomplete="off" bind:value=code
                        placeholder=t!("JANコード", "JAN code") />
                    <button type="submit">{t!("追加", "Add")}</button>
                </form>
                // One scrolling row: the grid keeps the height for tiles.
                <div class="filters">
                    <Chips category />
                    <JumpBar />
                </div>
            </div>
            {move || nothing_shown().then(|| view! {
                <p class="empty">{t!("該当する商品はありません", "No products found")}</p>
            })}
            {move || till.catalog.with(|c| match c {
                None => view! { <p class="loading">{t!("商品データを読み込み中…", "Loading the catalog…")}</p> }.into_any(),
                Some(catalog) => {
                    let groups = group(catalog, "");
                    // One flag per tile and per facility, set by one effect only where it
                    // changes: a keystroke touches the tiles it hides or shows, not all 2,000.
                    let visible = Visibility::new(&groups, shown);
                    view! {
                        <div class="product-groups">
                            {groups.into_iter().zip(visible.groups.clone()).map(|(g, group_shown)| {
                                view! {
                                    <div class="facility-group" id=format!("facility-{}", g.facility.number)
                                        hidden=move || !group_shown.get()>
                                        <h3>{format!("{} {}", g.facility.number, g.facility.name)}</h3>
                                        // One grid per facility, its products by category (the chips
                                        // narrow to one): no row is left half empty.
                                        <div class="product-grid">
                                            {g.categories.into_iter().flat_map(|(_, items)| items).map(|item| {
                                                let tile_shown = visible.tile(item.product_id);
                                                view! { <ProductButton item shown=tile_shown added /> }
                                            }).collect_view()}
                                        </div>
                                    </div>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any()
                }
            })}
        </section>
    }
}

/// Whether each tile and each facility group of the grid is shown, kept in step with `shown`.
struct Visibility {
    tiles: HashMap<i64, RwSignal<bool>>,
    /// Per facility group, in the grid's order.
    groups: Vec<RwSignal<bool>>,
}

impl Visibility {
    /// Flags for `groups` as `shown` narrows them now, and the effect that keeps them in step
    /// (it lives as long as the grid drawn with them).
    fn new(groups: &[cart::FacilityGroup], shown: Shown) -> Self {
        let members: Vec<Vec<i64>> = groups
            .iter()
            .map(|g| {
                g.categories
                    .iter()
                    .flat_map(|(_, items)| items.iter().map(|i| i.product_id))
                    .collect()
            })
            .collect();
        let (tiles, groups) = shown.with_untracked(|now| {
            let tiles = members
                .iter()
                .flatten()
                .map(|&id| (id, RwSignal::new(is_shown(now, id))))
                .collect::<HashMap<_, _>>();
            let groups = members
                .iter()
                .map(|ids| RwSignal::new(ids.iter().any(|&id| is_shown(now, id))))
                .collect::<Vec<_>>();
            (tiles, groups)
        });
        let (tile_flags, group_flags) = (tiles.clone(), groups.clone());
        Effect::new(move |_| {
            shown.with(|now| {
                for (&id, flag) in &tile_flags {
                    set_if_changed(*flag, is_shown(now, id));
                }
                for (ids, flag) in members.iter().zip(&group_flags) {
                    set_if_changed(*flag, ids.iter().any(|&id| is_shown(now, id)));
                }
            });
        });
        Visibility { tiles, groups }
    }

    fn tile(&self, product_id: i64) -> Signal<bool> {
        self.tiles
            .get(&product_id)
            .map_or_else(|| Signal::stored(true), |&flag| flag.into())
    }
}

fn is_shown(shown: &Option<HashSet<i64>>, product_id: i64) -> bool {
    shown.as_ref().is_none_or(|s| s.contains(&product_id))
}

fn set_if_changed(flag: RwSignal<bool>, value: bool) {
    if flag.get_untracked() != value {
        flag.set(value);
    }
}

/// The catalogue's categories as chips: one narrows the grid to it, again shows all.
#[component]
fn Chips(category: RwSignal<Option<String>>) -> impl IntoView {
    let till = use_till();
    let names = Memo::new(move |_| {
        till.catalog
            .with(|c| c.as_ref().map(cart::categories).unwrap_or_default())
    });
    view! {
        <div class="chips" role="group" aria-label=t!("分類", "Categories")>
            {move || names.get().into_iter().map(|name| {
                let pressed = {
                    let name = name.clone();
                    move || category.with(|c| c.as_deref() == Some(name.as_str()))
                };
                let toggle = {
                    let name = name.clone();
                    move |_| category.update(|c| *c = if c.as_deref() == Some(name.as_str()) { None } else { Some(name.clone()) })
                };
                view! {
                    <button type="button" class="chip" class:active=pressed.clone() aria-pressed=move || pressed().to_string()
                        on:click=toggle>{name}</button>
                }
            }).collect_view()}
        </div>
    }
}

/// One button per facility (number and name): a tap scrolls its products into view.
#[component]
fn JumpBar() -> impl IntoView {
    let till = use_till();
    let facilities = Memo::new(move |_| {
        till.catalog.with(|c| {
            c.as_ref()
                .map(|c| {
                    c.facilities
                        .iter()
                        .map(|f| (f.number, f.name.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    view! {
        <nav class="jump-bar" aria-label=t!("事業所へ移動", "Go to a facility")>
            {move || facilities.get().into_iter().map(|(number, name)| view! {
                <button type="button" class="jump" on:click=move |_| scroll_to_facility(number)>
                    <span class="number">{number}</span> " " <span class="name">{name}</span>
                </button>
            }).collect_view()}
        </nav>
    }
}

fn scroll_to_facility(number: i64) {
    if let Some(group) = document().get_element_by_id(&format!("facility-{number}")) {
        group.scroll_into_view();
    }
}

#[component]
fn ProductButton(item: CatalogItem, shown: Signal<bool>, added: Callback<()>) -> impl IntoView {
    let till = use_till();
    let label = format!("{} {}", item.name, item.price);
    view! {
        <button class="product" data-product-id=item.product_id data-jan=item.jan.clone().unwrap_or_default()
            data-category=cart::category_of(&item)
            aria-label=label
            hidden=move || !shown.get()
            on:click={
                let item = item.clone();
                move |_| {
                    till.add(&item);
                    added.run(());
                }
            }>
            // The name is the label; the photo (fixed size: tiles do not jump as it arrives)
            // loads when its tile scrolls near.
            {item.photo.clone().map(|src| view! {
                <img class="photo" src=src alt="" width="120" height="72" loading="lazy" decoding="async" />
            })}
            <span class="name">{item.name.clone()}</span>
            <span class="price">{item.price.to_string()}</span>
        </button>
    }
}
