//! The selpos tablet UI: Leptos 0.8, rendered on the server and hydrated in the browser.
//!
//! Pages talk to the server only through the JSON API under `/api/v1` (see [`api`]), the same
//! API the offline register syncs through; the server renders the page shell and the data
//! loads in the browser.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod i18n;
pub mod pages;
pub mod register;
pub mod session;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
    path,
};

/// The HTML document around the app; used by the server for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="ja">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    i18n::provide_language();
    session::provide_session();
    // Effects run only in the browser: this marks the page as interactive (tests wait for it).
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="selpos" href="/pkg/selpos.css" />
        <Title text="selpos" />
        <Router>
            <components::NavBar />
            <main class="page">
                <Routes fallback=pages::NotFound>
                    <Route path=StaticSegment("") view=pages::home::HomePage />
                    <Route path=path!("/facilities") view=pages::facilities::FacilitiesPage />
                    <Route path=path!("/products") view=pages::products::ProductsPage />
                    <Route path=path!("/events") view=pages::events::EventsPage />
                    <Route path=path!("/council") view=pages::council::CouncilPage />
                    <Route path=path!("/login") view=pages::login::LoginPage />
                    <Route path=path!("/users") view=pages::users::UsersPage />
                    <Route path=path!("/devices") view=pages::devices::DevicesPage />
                    <Route path=path!("/audit") view=pages::audit::AuditPage />
                    <Route path=path!("/register") view=pages::register::RegisterPage />
                    <Route path=path!("/live") view=pages::live::LivePage />
                    <Route path=path!("/returns") view=pages::returns::ReturnsPage />
                    <Route path=path!("/stock") view=pages::stock::StockPage />
                    <Route path=path!("/stock/delivery-note") view=pages::stock::DeliveryNotePage />
                    <Route path=path!("/stock/labels") view=pages::stock::LabelsPage />
                    <Route path=path!("/receipts/:id?") view=pages::receipt::ReceiptPage />
                    <Route path=path!("/settlement") view=pages::settlement::SettlementPage />
                    <Route path=path!("/settlement/statement") view=pages::settlement::StatementPage />
                    <Route path=path!("/dashboard") view=pages::settlement::DashboardPage />
                    <Route path=path!("/wages") view=pages::wages::WagesPage />
                    <Route path=path!("/wages/table") view=pages::wages::WageTablePage />
                </Routes>
            </main>
        </Router>
    }
}

/// Entry point of the WASM bundle: attaches the app to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
