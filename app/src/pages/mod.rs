//! One module per page.

pub mod audit;
pub mod council;
pub mod devices;
pub mod display;
pub mod events;
pub mod facilities;
pub mod gifts;
pub mod home;
pub mod income;
pub mod live;
pub mod login;
pub mod orders;
pub mod periods;
pub mod products;
// 共同購入
pub mod purchases;
pub mod receipts;
pub mod register_session;
pub mod returns;
pub mod settlement;
pub mod stock;
pub mod till;
pub mod users;
pub mod vending;
pub mod wages;

use crate::t;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <h1>{t!("ページが見つかりません", "Page not found")}</h1>
        <p><a href="/">{t!("ホームへ戻る", "Back to home")}</a></p>
    }
}

/// A page the loaded bundle does not hold (the till's bundle is only the till; the whole app
/// leaves the till to it): load it from the server, which serves it with the bundle that does.
#[component]
pub fn LoadFromServer() -> impl IntoView {
    let path = leptos_router::hooks::use_location().pathname.get_untracked();
    // The server already chose this bundle for this page: loading again would loop.
    if crate::is_till_page(&path) == cfg!(feature = "till") {
        return view! { <NotFound /> }.into_any();
    }
    Effect::new(|_| {
        let _ = window().location().reload();
    });
    view! { <p class="loading">{t!("読み込み中…", "Loading…")}</p> }.into_any()
}

/// Opens an event picker (`event_id`, blank until chosen) on the event running today, else the
/// next to come, else the most recent ([`event_for_today`](selpos_domain::events::event_for_today)),
/// once the events have loaded.
pub fn open_on_todays_event(
    events: LocalResource<crate::api::ApiResult<Vec<selpos_domain::events::Event>>>,
    event_id: RwSignal<String>,
) {
    Effect::new(move |_| {
        if event_id.with_untracked(String::is_empty)
            && let Some(Ok(list)) = events.get()
        {
            let today = selpos_domain::events::tokyo_date(crate::till::browser::utc_now());
            if let Some(e) = selpos_domain::events::event_for_today(&list, today) {
                event_id.set(e.id.to_string());
            }
        }
    });
}

/// A time as shown in Japan (Asia/Tokyo is UTC+9 all year: no daylight saving).
pub fn tokyo(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    (at + chrono::Duration::hours(9)).naive_utc()
}

/// `2026-11-28 10:05`, Japan time.
pub fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    tokyo(at).format("%Y-%m-%d %H:%M").to_string()
}
