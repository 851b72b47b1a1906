//! 商品: a facility's products with price, tax rate, JAN code and category.

use crate::api;
use crate::components::{
    CheckField, CsvFilePicker, FormStatus, Loaded, NumberField, SelectField, StatusBanner, TextField,
    facility_option, field_error, list_of, non_blank, options_of, parse_number,
};
use crate::forms::{Editing, EditorForm, save, saved_message};
use crate::session::{may, principal};
use crate::t;
use leptos::prelude::*;
use selpos_domain::access::Principal;
use selpos_domain::facilities::Facility;
use selpos_domain::products::import::ImportOutcome;
use selpos_domain::products::{Product, ProductInput};
use selpos_domain::{TaxRate, Yen};

#[component]
pub fn ProductsPage() -> impl IntoView {
    let facility_filter = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let include_inactive = RwSignal::new(false);
    let facilities = LocalResource::new(|| api::facilities(false, None));
    let products = LocalResource::new(move || {
        let facility_id = facility_filter.get().parse().ok();
        api::products(facility_id, include_inactive.get(), non_blank(search.get()))
    });
    let editing = Editing::<Product>::new();
    let status = editing.status;

    let facility_list = list_of(facilities);
    let facility_options = options_of(
        facility_list,
        Some(("すべての事業所", "All facilities")),
        facility_option,
    );

    view! {
        <h1>{t!("商品", "Products")}</h1>
        <div class="toolbar">
            <SelectField label=t!("事業所", "Facility") name="facility_filter" value=facility_filter options=facility_options />
            <TextField label=t!("検索(名前・ふりがな・JAN)", "Search (name, kana, JAN)") name="search" value=search />
            <CheckField label=t!("無効な商品も表示", "Show inactive") name="include_inactive" value=include_inactive />
            {move || may(Principal::may_add_goods).then(|| view! {
                <button class="primary" id="new-product" on:click=move |_| editing.open(None)>
                    {t!("＋ 新しい商品", "+ New product")}
                </button>
            })}
        </div>
        <StatusBanner status />
        {move || facility_filter.get().parse::<i64>().ok().filter(|f| may(|p| p.may_edit_facility_goods(*f))).map(|facility| view! {
            <ProductImport facility status on_done=move || products.refetch() />
        })}
        {move || editing.record.get().map(|product| view! {
            <ProductForm product facilities=facility_list status on_done=move |saved| editing.close(saved, || products.refetch()) />
        })}
        <Loaded load=move || products.get() ok=move |list| view! {
            <ProductTable products=list facilities=facility_list on_edit=move |p| editing.open(Some(p))
                status on_photo=move || products.refetch() />
        } />
    }
}

/// A facility's product list from a CSV (商品名, ふりがな, 価格, 税率, JAN, 分類; Excel's
/// Shift_JIS or UTF-8): every row is checked first, and nothing is imported if one is wrong.
/// A row adds a product, or updates the facility's product it matches (by JAN, else by name);
/// the counts and each row's outcome show below.
#[component]
fn ProductImport(
    facility: i64,
    status: FormStatus,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let file: RwSignal<Option<Vec<u8>>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let result: RwSignal<Option<ImportAnswer>> = RwSignal::new(None);
    let import = move |_| {
        let Some(bytes) = file.get_untracked() else { return };
        result.set(None);
        let request = async move { api::import_products(facility, &bytes).await };
        save(status, Some(busy), request, move |answer| {
            file.set(None);
            on_done();
            let message = format!(
                "商品を取り込みました: 追加 {}件・更新 {}件・変更なし {}件",
                answer.added, answer.updated, answer.unchanged
            );
            result.set(Some(answer));
            Some(message)
        });
    };
    view! {
        <div class="actions product-import">
            <span class="label">{t!("CSVで商品を取り込む", "Import products from a CSV")}</span>
            <CsvFilePicker file name="products-csv" />
            <button on:click=import disabled=move || file.with(Option::is_none) || busy.get()>{t!("取り込む", "Import")}</button>
            {move || busy.get().then(|| view! { <progress class="import-progress">{t!("取り込み中…", "Importing…")}</progress> })}
        </div>
        {move || result.get().map(|answer| view! {
            <details class="import-result" id="import-result" open=true>
                <summary>
                    {t!("取り込み結果", "Import result")} ": "
                    <span class="count added">{format!("追加 {}件", answer.added)}</span> "・"
                    <span class="count updated">{format!("更新 {}件", answer.updated)}</span> "・"
                    <span class="count unchanged">{format!("変更なし {}件", answer.unchanged)}</span>
                </summary>
                <table class="list">
                    <thead><tr>
                        <th class="num">{t!("行", "Line")}</th><th>{t!("結果", "Outcome")}</th>
                        <th>{t!("商品名", "Name")}</th><th class="num">{t!("価格(税込)", "Price")}</th><th>"JAN"</th>
                    </tr></thead>
                    <tbody>
                        {answer.rows.into_iter().map(|row| view! {
                            <tr class=format!("outcome-{}", outcome_code(row.outcome))>
                                <td class="num">{row.line}</td>
                                <td class="outcome">{row.outcome.label_ja()}</td>
                                <td>{row.product.name.clone()}</td>
                                <td class="num">{row.product.price.to_string()}</td>
                                <td class="code">{row.product.jan.clone().unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        })}
    }
}

type ImportAnswer = selpos_domain::products::import::ProductImport;

fn outcome_code(outcome: ImportOutcome) -> &'static str {
    match outcome {
        ImportOutcome::Added => "added",
        ImportOutcome::Updated => "updated",
        ImportOutcome::Unchanged => "unchanged",
    }
}

#[component]
fn ProductTable(
    products: Vec<Product>,
    facilities: Signal<Vec<Facility>>,
    on_edit: impl Fn(Product) + Copy + Send + Sync + 'static,
    status: FormStatus,
    on_photo: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    if products.is_empty() {
        return view! { <p class="empty">{t!("該当する商品はありません", "No products found")}</p> }
            .into_any();
    }
    let facility_name = move |id: i64| {
        facilities.with(|list| {
            list.iter()
                .find(|f| f.id == id)
                .map(|f| f.name.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <table class="list" id="product-list">
            <thead>
                <tr>
                    <th>{t!("写真", "Photo")}</th>
                    <th>{t!("事業所", "Facility")}</th>
                    <th>{t!("商品名", "Name")}</th>
                    <th class="num">{t!("価格(税込)", "Price (incl. tax)")}</th>
                    <th>{t!("税率", "Tax")}</th>
                    <th>"JAN"</th>
                    <th>{t!("分類", "Category")}</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {products.into_iter().map(|p| {
                    let edit = p.clone();
                    view! {
                        <tr class:inactive=!p.active>
                            <td class="photo"><PhotoCell product=p.clone() status on_photo /></td>
                            <td>{move || facility_name(p.facility_id)}</td>
                            <td class="name">{p.name.clone()} <small>{p.kana.clone()}</small></td>
                            <td class="num">{p.price.to_string()}</td>
                            <td>{p.tax_rate.label_ja()}</td>
                            <td class="code">{p.jan.clone().unwrap_or_default()}</td>
                            <td>{p.category.clone()}</td>
                            <td>{move || may(|who| who.may_edit_facility_goods(edit.facility_id)).then(|| {
                                let edit = edit.clone();
                                view! { <button class="edit" on:click=move |_| on_edit(edit.clone())>{t!("編集", "Edit")}</button> }
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }.into_any()
}

/// 商品写真: the product's photo as a thumbnail, a button to upload one (JPEG, PNG or WebP up
/// to 8 MiB: the server shrinks it for the till's tile) and one to remove it.
#[component]
fn PhotoCell(
    product: Product,
    status: FormStatus,
    on_photo: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let id = product.id;
    let name = product.name.clone();
    let upload = {
        let name = name.clone();
        move |ev: leptos::ev::Event| {
            #[cfg(feature = "browser")]
            {
                use wasm_bindgen::JsCast;
                let input = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
                let Some(chosen) = input
                    .as_ref()
                    .and_then(|i| i.files())
                    .and_then(|files| files.get(0))
                else {
                    return;
                };
                if let Some(input) = &input {
                    // The same file chosen again is a new upload.
                    input.set_value("");
                }
                if chosen.size() > selpos_domain::photos::MAX_UPLOAD_BYTES as f64 {
                    status.set(Some(Err(api::ApiFailure {
                        code: "payload_too_large".into(),
                        message: "写真のファイルが大きすぎます(8MBまで)".into(),
                        fields: vec![],
                    })));
                    return;
                }
                let content_type = chosen.type_();
                let name = name.clone();
                busy.set(true);
                leptos::task::spawn_local(async move {
                    let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(chosen.array_buffer()).await else {
                        busy.set(false);
                        return;
                    };
                    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                    let request = async move { api::put_product_photo(id, &content_type, &bytes).await };
                    save(status, Some(busy), request, move |_| {
                        on_photo();
                        Some(format!("「{name}」の写真を保存しました"))
                    });
                });
            }
            #[cfg(not(feature = "browser"))]
            let _ = (ev, &name, status, busy, on_photo, id);
        }
    };
    let remove = move |_| {
        let name = name.clone();
        save(status, Some(busy), api::delete_product_photo(id), move |()| {
            on_photo();
            Some(format!("「{name}」の写真を削除しました"))
        });
    };
    let has_photo = product.photo.is_some();
    let facility_id = product.facility_id;
    // Only who may edit the product is offered to change its photo (the server checks too).
    let may_change = move || may(|who| who.may_edit_facility_goods(facility_id));
    view! {
        <div class="product-photo">
            {product.photo.map(|src| view! {
                <img class="thumb" src=src alt="" width="56" height="56" loading="lazy" decoding="async" />
            })}
            <span class="photo-actions" hidden=move || !may_change()>
            <label class="button file-button" class:busy=move || busy.get()>
                {move || match (busy.get(), has_photo) {
                    (true, _) => crate::i18n::pick("送信中…", "Sending…"),
                    (false, true) => crate::i18n::pick("写真を変更", "Change photo"),
                    (false, false) => crate::i18n::pick("写真を追加", "Add photo"),
                }}
                <input type="file" class="visually-hidden" name="photo" accept="image/jpeg,image/png,image/webp"
                    aria-label=t!("写真のファイルを選ぶ", "Choose a photo file")
                    on:change=upload disabled=move || busy.get() />
            </label>
            {has_photo.then(|| view! {
                <button class="remove-photo" on:click=remove disabled=move || busy.get()>{t!("写真を削除", "Remove photo")}</button>
            })}
            </span>
        </div>
    }
}

#[component]
fn ProductForm(
    product: Option<Product>,
    facilities: Signal<Vec<Facility>>,
    status: FormStatus,
    on_done: impl Fn(bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = product.as_ref().map(|p| p.id);
    let p = product.clone();
    // Facility staff add goods to their own facility.
    let own = principal().and_then(|who| who.facility_scope());
    let facility_id = RwSignal::new(
        p.as_ref()
            .map(|p| p.facility_id)
            .or(own)
            .map(|f| f.to_string())
            .unwrap_or_default(),
    );
    let name = RwSignal::new(p.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let kana = RwSignal::new(p.as_ref().map(|p| p.kana.clone()).unwrap_or_default());
    let price = RwSignal::new(p.as_ref().map(|p| p.price.0.to_string()).unwrap_or_default());
    let tax_rate = RwSignal::new(
        p.as_ref()
            .map_or(TaxRate::Reduced, |p| p.tax_rate)
            .code()
            .to_string(),
    );
    let jan = RwSignal::new(p.as_ref().and_then(|p| p.jan.clone()).unwrap_or_default());
    let category = RwSignal::new(p.as_ref().map(|p| p.category.clone()).unwrap_or_default());
    let low_stock = RwSignal::new(p.as_ref().map_or(3, |p| p.low_stock_threshold).to_string());
    let active = RwSignal::new(p.as_ref().is_none_or(|p| p.active));
    let saving = RwSignal::new(false);

    // Only the facilities whose goods the signed-in person may change.
    let editable = Signal::derive(move || {
        facilities.with(|list| {
            list.iter()
                .filter(|f| may(|who| who.may_edit_facility_goods(f.id)))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let facility_options = options_of(editable, Some(("選んでください", "Choose")), facility_option);
    let rate_options = Signal::derive(|| {
        TaxRate::ALL
            .iter()
            .map(|r| (r.code().to_string(), r.label_ja().to_string()))
            .collect::<Vec<_>>()
    });

    let submit = move || {
        let input = ProductInput {
            facility_id: facility_id.get_untracked().parse().unwrap_or(0),
            name: name.get_untracked(),
            kana: kana.get_untracked(),
            price: Yen(parse_number(&price.get_untracked())),
            tax_rate: TaxRate::from_code(&tax_rate.get_untracked()).unwrap_or(TaxRate::Standard),
            jan: non_blank(jan.get_untracked()),
            category: category.get_untracked(),
            low_stock_threshold: parse_number(&low_stock.get_untracked()),
            active: active.get_untracked(),
        };
        let request = async move { api::save_product(id, &input).await };
        save(status, Some(saving), request, move |saved| {
            on_done(true);
            saved_message(&saved.name)
        });
    };

    view! {
        <EditorForm
            heading=if id.is_some() { ("商品を編集", "Edit product") } else { ("新しい商品", "New product") }
            busy=saving on_submit=submit on_cancel=move || on_done(false)
        >
            <div class="grid">
                <SelectField label=t!("事業所", "Facility") name="facility_id" value=facility_id options=facility_options error=field_error(status, "facility_id") />
                <TextField label=t!("商品名", "Name") name="name" value=name required=true error=field_error(status, "name") />
                <TextField label=t!("ふりがな", "Kana reading") name="kana" value=kana error=field_error(status, "kana") />
                <NumberField label=t!("価格(税込・円)", "Price incl. tax (yen)") name="price" value=price required=true error=field_error(status, "price") />
                <SelectField label=t!("税率", "Tax rate") name="tax_rate" value=tax_rate options=rate_options />
                <TextField label=t!("JANコード", "JAN code") name="jan" value=jan inputmode="numeric" error=field_error(status, "jan")
                    hint=t!("8桁または13桁(任意)", "8 or 13 digits (optional)") />
                <TextField label=t!("分類", "Category") name="category" value=category error=field_error(status, "category") />
                <NumberField label=t!("残りわずかの目安(個)", "Low-stock threshold") name="low_stock_threshold" value=low_stock
                    error=field_error(status, "low_stock_threshold") />
                <CheckField label=t!("販売中(有効)", "Active") name="active" value=active />
            </div>
        </EditorForm>
    }
}
