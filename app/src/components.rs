//! Building blocks shared by the pages: navigation, form fields with their error messages,
//! status banners.

use crate::api::{ApiFailure, ApiResult};
use crate::i18n::{Lang, pick, set_language, use_language};
use crate::session::{current, has_role, navigate_hard};
use crate::t;
use leptos::prelude::*;
use leptos_router::components::A;
use selpos_domain::access::Role;
use selpos_domain::events::Event;
use selpos_domain::facilities::Facility;

#[component]
pub fn NavBar(
    /// Plain links (each a full load), for a page without a router: the till's bundle shows
    /// this bar to council staff on a browser that is not a till.
    #[prop(optional)]
    plain: bool,
) -> impl IntoView {
    let lang = use_language();
    view! {
        <header class="navbar">
            <a class="brand" href="/">"selpos"</a>
            <nav>
                <TillNavLink />
                <NavLink href="/facilities" plain>{t!("事業所", "Facilities")}</NavLink>
                <NavLink href="/products" plain>{t!("商品", "Products")}</NavLink>
                <NavLink href="/events" plain>{t!("イベント", "Events")}</NavLink>
                {move || has_role(&[Role::CouncilAdmin, Role::CouncilStaff, Role::FacilityStaff]).then(|| view! {
                    <NavLink href="/live" plain>{t!("売上速報", "Live sales")}</NavLink>
                    <NavLink href="/stock" plain>{t!("在庫", "Stock")}</NavLink>
                    <NavLink href="/wages" plain>{t!("工賃", "Wages")}</NavLink>
                    <NavLink href="/income" plain>{t!("収入", "Income")}</NavLink>
                })}
                {move || has_role(&[Role::CouncilAdmin, Role::CouncilStaff, Role::Cashier]).then(|| view! {
                    <NavLink href="/returns" plain>{t!("返品", "Returns")}</NavLink>
                })}
                {move || has_role(&[Role::CouncilAdmin, Role::CouncilStaff]).then(|| view! {
                    <NavLink href="/orders" plain>{t!("共同受注", "Joint orders")}</NavLink>
                })}
                {move || has_role(&[Role::FacilityStaff]).then(|| view! {
                    <NavLink href="/orders/shares" plain>{t!("受注の割り振り", "Order shares")}</NavLink>
                })}
                {move || has_role(&[Role::CouncilAdmin, Role::CouncilStaff, Role::FacilityStaff]).then(|| view! {
                    <NavLink href="/purchases" plain>{t!("共同購入", "Group purchases")}</NavLink>
                })}
                // ギフト (gift pre-orders, issue 24): a till opens the order form with its register.
                {move || has_role(&[Role::CouncilAdmin, Role::CouncilStaff, Role::FacilityStaff]).then(|| view! {
                    <NavLink href="/gifts" plain>{t!("ギフト", "Gifts")}</NavLink>
                })}
                {move || current().and_then(|s| s.register).map(|r| view! {
                    <a href=format!("/gifts/new?register={}", r.register_id)>{t!("ギフト受付", "Gift order")}</a>
                })}
                {move || has_role(&[Role::CouncilAdmin, Role::CouncilStaff]).then(|| view! {
                    <NavLink href="/devices" plain>{t!("端末", "Tablets")}</NavLink>
                })}
                {move || has_role(&[Role::CouncilAdmin]).then(|| view! {
                    <NavLink href="/council" plain>{t!("協議会", "Council")}</NavLink>
                    <NavLink href="/users" plain>{t!("ユーザー", "Users")}</NavLink>
                    <NavLink href="/audit" plain>{t!("操作履歴", "Audit")}</NavLink>
                })}
            </nav>
            <div class="who">
                {move || match current() {
                    Some(s) => view! {
                        <span class="user">{s.user.display_name.clone()}
                            {s.register.map(|r| format!(" ・ {}", r.register_name))}</span>
                        <button on:click=move |_| {
                            leptos::task::spawn_local(async move {
                                let _ = crate::api::logout().await;
                                navigate_hard("/login");
                            });
                        }>{t!("ログアウト", "Sign out")}</button>
                    }.into_any(),
                    None => view! { <a class="signin" href="/login" rel="external">{t!("ログイン", "Sign in")}</a> }.into_any(),
                }}
            </div>
            <div class="lang">
                <button
                    class:active=move || lang.get() == Lang::Ja
                    on:click=move |_| set_language(Lang::Ja)
                >
                    "日本語"
                </button>
                <button
                    class:active=move || lang.get() == Lang::En
                    on:click=move |_| set_language(Lang::En)
                >
                    "English"
                </button>
            </div>
        </header>
    }
}

/// A header with only the name and the language: the sign-in page, which the till's bundle
/// serves without the back-office menu.
#[component]
pub fn PlainHeader() -> impl IntoView {
    let lang = use_language();
    view! {
        <header class="navbar plain">
            <span class="brand">"selpos"</span>
            <div class="lang">
                <button class:active=move || lang.get() == Lang::Ja on:click=move |_| set_language(Lang::Ja)>"日本語"</button>
                <button class:active=move || lang.get() == Lang::En on:click=move |_| set_language(Lang::En)>"English"</button>
            </div>
        </header>
    }
}

/// A link of the navigation bar: the router's link (client-side, marked as the page shown),
/// or a plain one where there is no router (the till's bundle has none: its links never are).
#[component]
fn NavLink(href: &'static str, plain: bool, children: Children) -> impl IntoView {
    if plain || cfg!(feature = "till") {
        view! { <a href=href>{children()}</a> }.into_any()
    } else {
        view! { <A href=href>{children()}</A> }.into_any()
    }
}

/// The nav link to the till, shown when the tablet is signed in as a till.
#[component]
fn TillNavLink() -> impl IntoView {
    move || {
        current()
            .and_then(|s| s.register)
            // A full load: the till comes with its own bundle.
            .map(|_| view! { <a href="/register" rel="external">{t!("レジ", "Till")}</a> })
    }
}

/// The outcome of the last save on a form: nothing yet, saved, or what went wrong.
pub type FormStatus = RwSignal<Option<Result<String, ApiFailure>>>;

/// The message the server gave for `field` in the last failed save.
pub fn field_error(status: FormStatus, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || {
        status.with(|s| {
            s.as_ref()
                .and_then(|r| r.as_ref().err())
                .and_then(|e| e.field(field))
        })
    })
}

/// The confirmation of every save in the back office: a green banner saying what was saved
/// (「保存しました」…) in a polite live region that stays on the page, so a screen reader reads
/// each new message; or a red one (an alert) saying what went wrong.
#[component]
pub fn StatusBanner(status: FormStatus) -> impl IntoView {
    view! {
        <div class="save-status" role="status" aria-live="polite" aria-atomic="true">
            {move || status.get().and_then(Result::ok).map(|message| view! { <p class="banner ok">"✓ " {message}</p> })}
        </div>
        {move || status.get().and_then(Result::err).map(|failure| view! { <p class="banner error" role="alert">{failure.message}</p> })}
    }
}

/// The value kept on this tablet under `key` (its local storage), if any.
#[cfg(feature = "browser")]
pub fn remembered(key: &str) -> Option<String> {
    web_sys::window()?.local_storage().ok()??.get_item(key).ok()?
}

/// The value kept on this tablet under `key`: none on the server.
#[cfg(not(feature = "browser"))]
pub fn remembered(key: &str) -> Option<String> {
    let _ = key;
    None
}

/// Keeps `value` on this tablet under `key`, for [`remembered`].
pub fn remember(key: &str, value: &str) {
    #[cfg(feature = "browser")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
    #[cfg(not(feature = "browser"))]
    let _ = (key, value);
}

/// A failure to load a list, with the server's message.
#[component]
pub fn LoadError(failure: ApiFailure) -> impl IntoView {
    view! { <p class="banner error" role="alert">{failure.message}</p> }
}

/// What a page loads from the API: 読み込み中… until the first answer, then `ok` of the answer,
/// or the server's message ([`LoadError`]). `load` reads the resource: `None` while nothing
/// has come yet.
#[component]
pub fn Loaded<T, V, L, F>(load: L, ok: F) -> impl IntoView
where
    T: 'static,
    V: IntoView + 'static,
    L: Fn() -> Option<ApiResult<T>> + Send + Sync + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
{
    view! {
        <Transition fallback=|| view! { <p class="loading">"読み込み中…"</p> }>
            {move || load().map(|result| match result {
                Err(failure) => view! { <LoadError failure /> }.into_any(),
                Ok(value) => ok(value).into_any(),
            })}
        </Transition>
    }
}

#[component]
pub fn TextField(
    #[prop(into)] label: TextProp,
    value: RwSignal<String>,
    #[prop(into)] name: String,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(optional)] required: bool,
    #[prop(into, optional)] hint: Option<TextProp>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    view! {
        <label class="field" class:invalid=move || error.get().is_some()>
            <span class="label">{move || label.get()} {required.then_some(view! { <em class="req">"*"</em> })}</span>
            <input type=input_type name=name inputmode=inputmode bind:value=value />
            {hint.map(|h| view! { <small class="hint">{move || h.get()}</small> })}
            <small class="error-text">{move || error.get()}</small>
        </label>
    }
}

/// A whole number typed as text, so a half-typed value is never lost; the form parses it on save.
#[component]
pub fn NumberField(
    #[prop(into)] label: TextProp,
    value: RwSignal<String>,
    #[prop(into)] name: String,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(optional)] required: bool,
    #[prop(into, optional)] hint: Option<TextProp>,
) -> impl IntoView {
    view! {
        <TextField label value name error required hint=hint.unwrap_or_default() inputmode="numeric" />
    }
}

#[component]
pub fn CheckField(
    #[prop(into)] label: TextProp,
    value: RwSignal<bool>,
    #[prop(into)] name: String,
) -> impl IntoView {
    view! {
        <label class="check">
            <input type="checkbox" name=name bind:checked=value />
            <span>{move || label.get()}</span>
        </label>
    }
}

/// A file input for a CSV: the chosen file's bytes, as they are (Excel's Shift_JIS is read on
/// the server), go into `file`.
#[component]
pub fn CsvFilePicker(file: RwSignal<Option<Vec<u8>>>, #[prop(into)] name: String) -> impl IntoView {
    let pick = move |ev: leptos::ev::Event| {
        #[cfg(feature = "browser")]
        {
            use wasm_bindgen::JsCast;
            let Some(chosen) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0))
            else {
                return;
            };
            leptos::task::spawn_local(async move {
                if let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(chosen.array_buffer()).await {
                    file.set(Some(js_sys::Uint8Array::new(&buffer).to_vec()));
                }
            });
        }
        #[cfg(not(feature = "browser"))]
        let _ = (ev, file);
    };
    view! {
        <input type="file" accept=".csv,text/csv" name=name on:change=pick
            aria-label=move || crate::i18n::pick("CSVファイルを選ぶ", "Choose a CSV file") />
    }
}

/// A select whose options are `(value, label)` pairs.
#[component]
pub fn SelectField(
    #[prop(into)] label: TextProp,
    value: RwSignal<String>,
    #[prop(into)] name: String,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    #[prop(into, optional)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <label class="field" class:invalid=move || error.get().is_some()>
            <span class="label">{move || label.get()}</span>
            <select name=name on:change=move |ev| value.set(event_target_value(&ev)) prop:value=move || value.get()>
                <For each=move || options.get() key=|(v, l)| (v.clone(), l.clone()) let:((v, l))>
                    <option value=v.clone() selected=move || value.get() == v>{l}</option>
                </For>
            </select>
            <small class="error-text">{move || error.get()}</small>
        </label>
    }
}

/// A list loaded from the API, empty while it loads or when it could not be loaded.
pub fn list_of<T: Clone + Send + Sync + 'static>(
    records: LocalResource<ApiResult<Vec<T>>>,
) -> Signal<Vec<T>> {
    Signal::derive(move || records.get().and_then(Result::ok).unwrap_or_default())
}

/// The options of a [`SelectField`] of records: `blank` first when given (the empty value, in
/// Japanese and English: "all", "choose"…), then each record as `option` makes it.
pub fn options_of<T: Send + Sync + 'static>(
    records: Signal<Vec<T>>,
    blank: Option<(&'static str, &'static str)>,
    option: fn(&T) -> (String, String),
) -> Signal<Vec<(String, String)>> {
    Signal::derive(move || {
        let mut options: Vec<(String, String)> = blank
            .map(|(ja, en)| (String::new(), pick(ja, en).to_string()))
            .into_iter()
            .collect();
        records.with(|list| options.extend(list.iter().map(option)));
        options
    })
}

/// A facility as an option: its id, and `number name`.
pub fn facility_option(f: &Facility) -> (String, String) {
    (f.id.to_string(), format!("{} {}", f.number, f.name))
}

/// An event as an option: its id, and `code name`.
pub fn event_option(e: &Event) -> (String, String) {
    (e.id.to_string(), format!("{} {}", e.code, e.name))
}

/// A counter that goes up every `ms` milliseconds while the page is open (in the browser only,
/// where effects run): read it in a resource to refetch live figures.
pub fn refresh_every(ms: u64) -> RwSignal<u64> {
    let tick = RwSignal::new(0u64);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_millis(ms),
        );
        on_cleanup(move || {
            if let Ok(h) = handle {
                h.clear();
            }
        });
    });
    tick
}

/// Parses a whole number typed by staff (full-width digits and thousands separators allowed);
/// anything else becomes `i64::MIN`, which the server rejects with a field message.
pub fn parse_number(text: &str) -> i64 {
    let normalised: String = selpos_domain::codes::normalise_digits(text.trim())
        .chars()
        .filter(|c| !matches!(c, ',' | '、' | '¥' | '円'))
        .collect();
    normalised.parse().unwrap_or(i64::MIN)
}

/// `Some(text)` unless blank.
pub fn non_blank(text: String) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_typed_by_staff() {
        assert_eq!(parse_number("1,200"), 1200);
        assert_eq!(parse_number("１２００円"), 1200);
        assert_eq!(parse_number(" 300 "), 300);
        assert_eq!(parse_number("abc"), i64::MIN);
        assert_eq!(parse_number(""), i64::MIN);
    }
}
