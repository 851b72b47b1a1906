//! The selpos tablet UI: Leptos 0.8, rendered on the server and hydrated in the browser.
//!
//! Pages talk to the server only through the JSON API under `/api/v1` (see [`api`]), the same
//! API the offline register syncs through; the server renders the page shell and the data
//! loads in the browser.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod forms;
pub mod i18n;
pub mod pages;
pub mod session;
pub mod till;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
    path,
};

/// The name of the tablet's bundle (`/pkg/till.js`, `/pkg/till_bg.wasm`): what a tablet needs
/// to sell, online or not, in two fifths of the whole app's size, for tablets on venue Wi-Fi.
pub const TILL_BUNDLE: &str = "till";

/// The files a page links to, by the names of the build being served: a built site names
/// them by their content (`till.<hash>`, so browsers keep them for good); unbuilt, the plain
/// names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteAssets {
    /// The whole app's bundle: `/pkg/<app_bundle>.js` and `/pkg/<app_bundle>_bg.wasm`.
    pub app_bundle: String,
    /// The till's bundle, for the pages of [`is_till_page`].
    pub till_bundle: String,
    /// The style sheet's path.
    pub stylesheet: String,
}

impl Default for SiteAssets {
    fn default() -> Self {
        SiteAssets {
            app_bundle: "selpos".into(),
            till_bundle: TILL_BUNDLE.into(),
            stylesheet: "/pkg/selpos.css".into(),
        }
    }
}

/// Whether the page at `path` (a query may follow) is served with the till's bundle:
/// [`TillApp`] routes exactly these paths. The till's online-only pages (opening and closing
/// the register, receipts) belong to the whole app.
pub fn is_till_page(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    // The router takes `/register/` for `/register`: so does the server.
    let path = path.trim_end_matches('/');
    matches!(path, "/register" | "/login")
        || path
            .strip_prefix("/display/")
            .is_some_and(|token| !token.is_empty() && !token.contains('/'))
}

/// The HTML document around the app; used by the server for every page.
pub fn shell(mut options: LeptosOptions, assets: SiteAssets) -> impl IntoView {
    // The server provides the request's URL (absolute, on a placeholder host).
    let till = use_context::<leptos_router::location::RequestUrl>()
        .and_then(|url| url.parse().ok())
        .is_some_and(|url| is_till_page(url.path()));
    options.output_name = if till {
        assets.till_bundle
    } else {
        assets.app_bundle
    }
    .into();
    let stylesheet = assets.stylesheet;
    view! {
        <!DOCTYPE html>
        <html lang="ja">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="stylesheet" href=stylesheet />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                {if till { view! { <TillApp /> }.into_any() } else { view! { <App /> }.into_any() }}
            </body>
        </html>
    }
}

/// What every page has: language, session, the title, and the mark tests wait for.
fn provide_page_context() {
    provide_meta_context();
    i18n::provide_language();
    session::provide_session();
    // Effects run only in the browser: this marks the page as interactive (tests wait for it).
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// The whole app's frame: its router around the routes, under the back office's navigation bar.
fn frame<R: IntoView + 'static>(routes: impl FnOnce() -> R + Send + 'static) -> impl IntoView {
    provide_page_context();
    view! {
        <Title text="selpos" />
        <Router>
            <components::NavBar />
            <main class="page">{routes()}</main>
        </Router>
    }
}

/// The whole app: every page.
#[component]
pub fn App() -> impl IntoView {
    frame(|| {
        view! {
            <Routes fallback=pages::NotFound>
                <Route path=StaticSegment("") view=pages::home::HomePage />
                <Route path=path!("/facilities") view=pages::facilities::FacilitiesPage />
                <Route path=path!("/products") view=pages::products::ProductsPage />
                <Route path=path!("/events") view=pages::events::EventsPage />
                <Route path=path!("/council") view=pages::council::CouncilPage />
                // The till's pages come with the till's bundle.
                <Route path=path!("/login") view=pages::LoadFromServer />
                <Route path=path!("/register") view=pages::LoadFromServer />
                <Route path=path!("/display/:token") view=pages::LoadFromServer />
                <Route path=path!("/register/session") view=pages::register_session::RegisterSessionPage />
                <Route path=path!("/users") view=pages::users::UsersPage />
                <Route path=path!("/devices") view=pages::devices::DevicesPage />
                <Route path=path!("/audit") view=pages::audit::AuditPage />
                <Route path=path!("/live") view=pages::live::LivePage />
                <Route path=path!("/returns") view=pages::returns::ReturnsPage />
                <Route path=path!("/stock") view=pages::stock::StockPage />
                <Route path=path!("/stock/delivery-note") view=pages::stock::DeliveryNotePage />
                <Route path=path!("/stock/labels") view=pages::stock::LabelsPage />
                <Route path=path!("/receipts/:id?") view=pages::receipts::ReceiptsPage />
                <Route path=path!("/settlement") view=pages::settlement::SettlementPage />
                <Route path=path!("/settlement/statement") view=pages::settlement::StatementPage />
                <Route path=path!("/dashboard") view=pages::settlement::DashboardPage />
                <Route path=path!("/periods") view=pages::periods::PeriodsPage />
                <Route path=path!("/periods/statement") view=pages::periods::PeriodStatementPage />
                <Route path=path!("/wages") view=pages::wages::WagesPage />
                <Route path=path!("/income") view=pages::income::IncomePage />
                <Route path=path!("/vending") view=pages::vending::VendingPage />
                <Route path=path!("/wages/table") view=pages::wages::WageTablePage />
                // 共同受注: the fixed pages before the order's own.
                <Route path=path!("/orders") view=pages::orders::OrdersPage />
                <Route path=path!("/orders/shares") view=pages::orders::shares::SharesPage />
                <Route path=path!("/orders/capacities") view=pages::orders::capacities::CapacitiesPage />
                <Route path=path!("/orders/payouts") view=pages::orders::documents::PayoutStatementPage />
                <Route path=path!("/orders/report") view=pages::orders::documents::ReportPage />
                <Route path=path!("/orders/:id") view=pages::orders::detail::OrderPage />
                <Route path=path!("/orders/:id/document") view=pages::orders::documents::DocumentPage />
                // 共同購入
                <Route path=path!("/purchases") view=pages::purchases::PurchasesPage />
                <Route path=path!("/purchases/statement") view=pages::purchases::StatementPage />
                <Route path=path!("/purchases/:id") view=pages::purchases::RoundPage />
                <Route path=path!("/purchases/:id/invoice") view=pages::purchases::InvoicePage />
                // ギフト (gift pre-orders, issue 24): the fixed pages before the season's own.
                <Route path=path!("/gifts") view=pages::gifts::GiftsPage />
                <Route path=path!("/gifts/new") view=pages::gifts::form::GiftOrderPage />
                <Route path=path!("/gifts/:id") view=pages::gifts::GiftSeasonPage />
                <Route path=path!("/gifts/:id/statement/:facility") view=pages::gifts::GiftStatementPage />
            </Routes>
        }
    })
}

/// The till's app: the pages of [`is_till_page`], chosen by the page's path. Till mode: no
/// back-office menu (a cashier may not use it); the till has its own slim bar, the sign-in a
/// plain header. It has no router: its pages are left with a full load (any other page comes
/// from the server with the whole app), and the router would be a tenth of the tablet's
/// download.
#[component]
pub fn TillApp() -> impl IntoView {
    provide_page_context();
    let path = page_path();
    let path = path.trim_end_matches('/');
    let page = if path == "/login" {
        view! { <TillSignIn /> }.into_any()
    } else if path == "/register" {
        view! { <pages::till::TillPage /> }.into_any()
    } else if let Some(token) = path
        .strip_prefix("/display/")
        .filter(|t| is_till_page(path) && !t.is_empty())
    {
        view! { <pages::display::CustomerDisplayPage token=token.to_string() /> }.into_any()
    } else {
        view! { <pages::NotFound /> }.into_any()
    };
    view! {
        <Title text="selpos" />
        <main class="page">{page}</main>
    }
}

/// The path of the page shown: the browser's address, or the request's on the server.
pub fn page_path() -> String {
    #[cfg(feature = "browser")]
    {
        window().location().pathname().unwrap_or_default()
    }
    #[cfg(not(feature = "browser"))]
    {
        use_context::<leptos_router::location::RequestUrl>()
            .and_then(|url| url.parse().ok())
            .map(|url| url.path().to_string())
            .unwrap_or_default()
    }
}

/// One parameter of the page's query (`?next=…`), decoded: from the browser's address, or the
/// request's on the server.
pub fn page_query(name: &str) -> Option<String> {
    #[cfg(feature = "browser")]
    {
        let search = window().location().search().ok()?;
        web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
    }
    #[cfg(not(feature = "browser"))]
    {
        use_context::<leptos_router::location::RequestUrl>()
            .and_then(|url| url.parse().ok())
            .and_then(|url| url.search_params().get(name))
    }
}

/// The sign-in page of the till's bundle, under a plain header (the name, the language).
#[component]
fn TillSignIn() -> impl IntoView {
    view! {
        <components::PlainHeader />
        <pages::login::LoginPage />
    }
}

/// Entry point of the WASM bundle (named `hydrate`, as the page's script calls it).
///
/// The whole app hydrates the server-rendered page. The till's bundle (feature `till`) renders
/// [`TillApp`] afresh in place of the server's first paint instead: without hydration code the
/// bundle is a quarter smaller, and a till page loaded offline (kept by the service worker) is
/// never hydrated against a page rendered for another moment.
#[cfg(feature = "browser")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    #[cfg(feature = "till")]
    {
        if let Some(body) = document().body() {
            body.set_inner_html("");
        }
        leptos::mount::mount_to_body(TillApp);
    }
    #[cfg(not(feature = "till"))]
    leptos::mount::hydrate_body(App);
}

#[cfg(test)]
mod tests {
    use super::is_till_page;

    #[test]
    fn the_till_bundle_serves_the_till_and_its_sign_in() {
        for path in [
            "/register",
            "/login?next=%2Fregister",
            "/register#top",
            "/register/",
            "/display/abc_DEF-123",
        ] {
            assert!(is_till_page(path), "{path}");
        }
        for path in [
            "/",
            "/registers",
            "/events",
            "/receipts/0190-abc",
            "/register/session",
            "/live",
            "/stock?event=1",
            "/display/",
            "/display/a/b",
        ] {
            assert!(!is_till_page(path), "{path}");
        }
    }
}
