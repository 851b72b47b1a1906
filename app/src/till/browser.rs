//! The few browser facilities the till needs, each with a server-side stand-in (pages render on
//! the server too, where none of this runs).

use chrono::{DateTime, Utc};

/// Milliseconds since the epoch by the tablet's clock (`Date.now()`: `SystemTime` panics on
/// wasm32-unknown-unknown, so chrono's clock cannot be used there).
pub fn now_ms() -> f64 {
    #[cfg(feature = "browser")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "browser"))]
    {
        Utc::now().timestamp_millis() as f64
    }
}

/// Now, by the tablet's clock, as the sale's `sold_at`.
pub fn utc_now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(now_ms() as i64).unwrap_or_default()
}

/// A high-resolution clock for the scanner's key gaps (`performance.now()`).
pub fn monotonic_ms() -> f64 {
    #[cfg(feature = "browser")]
    {
        web_sys::window()
            .and_then(|w| w.performance())
            .map_or_else(now_ms, |p| p.now())
    }
    #[cfg(not(feature = "browser"))]
    {
        now_ms()
    }
}

/// A User Timing mark (`performance.mark`): what benchmarks (and the browser's own tools)
/// time the till by.
pub fn mark(name: &str) {
    #[cfg(feature = "browser")]
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
    #[cfg(not(feature = "browser"))]
    let _ = name;
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep(ms: i32) {
    #[cfg(feature = "browser")]
    {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    #[cfg(not(feature = "browser"))]
    let _ = ms;
}

#[cfg(feature = "browser")]
thread_local! {
    /// The resolve function of the running [`nap`]'s promise: [`end_nap`] calls it.
    static NAP: std::cell::RefCell<Option<js_sys::Function>> = const { std::cell::RefCell::new(None) };
}

/// Sleeps `ms`, or until [`end_nap`] is called (the sync loop's wait: a sale just rung up,
/// or the network back, is sent at once rather than at the next tick). One nap at a time.
pub async fn nap(ms: i32) {
    #[cfg(feature = "browser")]
    {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
            NAP.set(Some(resolve));
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        NAP.set(None);
    }
    #[cfg(not(feature = "browser"))]
    let _ = ms;
}

/// Ends the running [`nap`] now (nothing when none runs).
pub fn end_nap() {
    #[cfg(feature = "browser")]
    if let Some(resolve) = NAP.take() {
        let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
    }
}

/// What the browser believes about the network (`navigator.onLine`). `false` is reliable;
/// `true` only means "maybe", so the sync loop also learns from its own requests.
pub fn browser_online() -> bool {
    #[cfg(feature = "browser")]
    {
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    }
    #[cfg(not(feature = "browser"))]
    {
        true
    }
}

/// A property of `navigator`, if this browser has it (the Web Locks, Storage and Service
/// Worker APIs exist only in secure contexts: https or localhost).
#[cfg(feature = "browser")]
pub fn navigator_api(name: &str) -> Option<wasm_bindgen::JsValue> {
    let navigator = web_sys::window()?.navigator();
    js_sys::Reflect::get(&navigator, &name.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Asks the browser to keep this site's storage (the unsent sales) even when the disk fills
/// up. `Some(true)` when granted, `Some(false)` when refused, `None` when not available.
pub async fn request_persistent_storage() -> Option<bool> {
    #[cfg(feature = "browser")]
    {
        use wasm_bindgen::JsCast;
        use wasm_bindgen_futures::JsFuture;
        let storage: web_sys::StorageManager = navigator_api("storage")?.unchecked_into();
        if JsFuture::from(storage.persisted().ok()?).await.ok()?.as_bool() == Some(true) {
            return Some(true);
        }
        JsFuture::from(storage.persist().ok()?).await.ok()?.as_bool()
    }
    #[cfg(not(feature = "browser"))]
    {
        None
    }
}

/// Registers `/sw.js`, which keeps the pages and the app's files for offline use. Without a
/// secure context there is no service worker; the till still works while the page stays open.
pub fn register_service_worker() {
    #[cfg(feature = "browser")]
    {
        use wasm_bindgen::JsCast;
        if let Some(container) = navigator_api("serviceWorker") {
            let container: web_sys::ServiceWorkerContainer = container.unchecked_into();
            // A failed registration only costs the offline start; the promise is not awaited.
            let _ = container.register("/sw.js");
        }
    }
}

/// A value kept in this browser's local storage.
pub fn local_get(key: &str) -> Option<String> {
    #[cfg(feature = "browser")]
    {
        web_sys::window()?.local_storage().ok()??.get_item(key).ok()?
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = key;
        None
    }
}

pub fn local_set(key: &str, value: &str) {
    #[cfg(feature = "browser")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
    #[cfg(not(feature = "browser"))]
    let _ = (key, value);
}

pub fn local_remove(key: &str) {
    #[cfg(feature = "browser")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(key);
    }
    #[cfg(not(feature = "browser"))]
    let _ = key;
}

/// Where this page came from (`location.origin`): how the tablet reaches the server.
pub fn origin() -> String {
    #[cfg(feature = "browser")]
    {
        web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "browser"))]
    String::new()
}

/// What this tab keeps until it is closed (`sessionStorage`).
pub fn session_get(key: &str) -> Option<String> {
    #[cfg(feature = "browser")]
    {
        web_sys::window()?.session_storage().ok()??.get_item(key).ok()?
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = key;
        None
    }
}

pub fn session_set(key: &str, value: &str) {
    #[cfg(feature = "browser")]
    if let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
    #[cfg(not(feature = "browser"))]
    let _ = (key, value);
}

/// Calls `changed` with the browser's `online` (`true`) and `offline` (`false`) events for as
/// long as the calling component lives.
pub fn on_network_change(changed: impl Fn(bool) + Clone + 'static) {
    use leptos::prelude::{on_cleanup, window_event_listener_untyped};
    let up = {
        let changed = changed.clone();
        window_event_listener_untyped("online", move |_| changed(true))
    };
    let down = window_event_listener_untyped("offline", move |_| changed(false));
    on_cleanup(move || {
        up.remove();
        down.remove();
    });
}

/// Says `text` aloud in Japanese with the browser's speech synthesis, cutting off whatever it
/// was still saying (the total, when the change is already due). Silent where there is none.
pub fn speak(text: &str) {
    #[cfg(feature = "browser")]
    if let Some(synthesis) = web_sys::window().and_then(|w| w.speech_synthesis().ok())
        && let Ok(utterance) = web_sys::SpeechSynthesisUtterance::new_with_text(text)
    {
        utterance.set_lang("ja-JP");
        // A little slower than the default: said for someone who listens carefully.
        utterance.set_rate(0.9);
        synthesis.cancel();
        synthesis.speak(&utterance);
    }
    #[cfg(not(feature = "browser"))]
    let _ = text;
}
