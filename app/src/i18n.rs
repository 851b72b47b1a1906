//! Japanese first, English available. Texts stay next to where they are used:
//! `t!("事業所", "Facilities")` is a view closure that follows the chosen language.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

/// The language chosen on this tablet (kept in its local storage).
#[derive(Clone, Copy)]
pub struct Language(pub RwSignal<Lang>);

const STORAGE_KEY: &str = "selpos.lang";

pub fn provide_language() {
    // The server always renders Japanese; the stored choice is applied once hydrated, so the
    // first render matches the server's HTML.
    let lang = RwSignal::new(Lang::Ja);
    provide_context(Language(lang));
    Effect::new(move |_| {
        if stored_language().as_deref() == Some("en") {
            lang.set(Lang::En);
        }
    });
}

pub fn use_language() -> RwSignal<Lang> {
    use_context::<Language>()
        .map(|l| l.0)
        .unwrap_or_else(|| RwSignal::new(Lang::Ja))
}

pub fn set_language(lang: Lang) {
    use_language().set(lang);
    store_language(match lang {
        Lang::Ja => "ja",
        Lang::En => "en",
    });
}

/// The text for the current language.
pub fn pick(ja: &'static str, en: &'static str) -> &'static str {
    match use_language().get() {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

#[macro_export]
macro_rules! t {
    ($ja:expr, $en:expr) => {
        (move || $crate::i18n::pick($ja, $en))
    };
}

#[cfg(feature = "browser")]
fn stored_language() -> Option<String> {
    web_sys::window()?
        .local_storage()
        .ok()??
        .get_item(STORAGE_KEY)
        .ok()?
}

#[cfg(feature = "browser")]
fn store_language(value: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(STORAGE_KEY, value);
    }
}

#[cfg(not(feature = "browser"))]
fn stored_language() -> Option<String> {
    let _ = STORAGE_KEY;
    None
}

#[cfg(not(feature = "browser"))]
fn store_language(_value: &str) {}
