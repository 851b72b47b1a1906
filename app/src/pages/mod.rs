//! One module per page.

pub mod audit;
pub mod council;
pub mod devices;
pub mod events;
pub mod facilities;
pub mod home;
pub mod live;
pub mod login;
pub mod products;
pub mod receipt;
pub mod register;
pub mod returns;
pub mod stock;
pub mod users;

use crate::t;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <h1>{t!("ページが見つかりません", "Page not found")}</h1>
        <p><a href="/">{t!("ホームへ戻る", "Back to home")}</a></p>
    }
}
