//! ログイン: staff sign in with id and password; on a registered tablet, cashiers tap their
//! name and enter their PIN.

use crate::api::{self, ApiFailure};
use crate::components::{TextField, non_blank};
use crate::session::navigate_hard;
use crate::t;
use leptos::prelude::*;
use selpos_domain::users::{LoginInput, PinLoginInput};

/// Where to go after signing in: the page that sent us here, if it is one of ours.
fn next_page() -> String {
    let next = crate::page_query("next").unwrap_or_default();
    crate::session::same_origin_path(&next).unwrap_or("/").to_string()
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let device = LocalResource::new(api::device_status);
    let next = StoredValue::new(next_page());
    view! {
        <h1>{t!("ログイン", "Sign in")}</h1>
        <div class="login-panels">
            <Transition fallback=|| ()>
                {move || device.get().and_then(Result::ok).map(|status| view! {
                    <CashierLogin status next=next.get_value() />
                })}
            </Transition>
            <StaffLogin next=next.get_value() />
        </div>
    }
}

#[component]
fn StaffLogin(next: String) -> impl IntoView {
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error: RwSignal<Option<ApiFailure>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let next = StoredValue::new(next);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = LoginInput {
            login: login.get_untracked(),
            password: password.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::login(&input).await {
                Ok(_) => navigate_hard(&next.get_value()),
                Err(failure) => {
                    busy.set(false);
                    error.set(Some(failure));
                }
            }
        });
    };
    view! {
        <form class="editor login" on:submit=submit>
            <h2>{t!("職員ログイン", "Staff")}</h2>
            <TextField label=t!("ログインID", "Login") name="login" value=login required=true />
            <TextField label=t!("パスワード", "Password") name="password" value=password input_type="password" required=true />
            {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e.message}</p> })}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>{t!("ログイン", "Sign in")}</button>
            </div>
        </form>
    }
}

/// Where a cashier's PIN sign-in leads: the page that sent them to sign in, else the till
/// (never the back office's home page).
fn cashier_next(next: &str) -> String {
    if next == "/" { "/register" } else { next }.to_string()
}

#[component]
fn CashierLogin(status: selpos_domain::devices::DeviceStatus, next: String) -> impl IntoView {
    let chosen: RwSignal<Option<String>> = RwSignal::new(None);
    let pin = RwSignal::new(String::new());
    let error: RwSignal<Option<ApiFailure>> = RwSignal::new(None);
    let next = StoredValue::new(next);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(login) = chosen.get_untracked() else {
            return;
        };
        let input = PinLoginInput {
            login,
            pin: pin.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match api::pin_login(&input).await {
                // A cashier signs in to sell: to the till, unless a page asked for the sign-in.
                Ok(_) => navigate_hard(&cashier_next(&next.get_value())),
                Err(failure) => {
                    pin.set(String::new());
                    error.set(Some(failure));
                }
            }
        });
    };
    let register = format!(
        "{} / {}",
        status.register.event_name, status.register.register_name
    );
    view! {
        <form class="editor login" on:submit=submit>
            <h2>{t!("レジ担当ログイン", "Cashier")} <small>{register}</small></h2>
            <div class="cashiers">
                {status.cashiers.into_iter().map(|c| {
                    let login = c.login.clone();
                    let is_chosen = { let login = login.clone(); move || chosen.get().as_deref() == Some(login.as_str()) };
                    view! {
                        <button type="button" class="cashier" class:active=is_chosen
                            on:click=move |_| { error.set(None); chosen.set(Some(login.clone())) }>
                            {c.display_name}
                        </button>
                    }
                }).collect_view()}
            </div>
            {move || chosen.get().map(|_| view! {
                <TextField label=t!("PIN", "PIN") name="pin" value=pin input_type="password" inputmode="numeric" />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || non_blank(pin.get()).is_none()>
                        {t!("開始", "Start")}
                    </button>
                </div>
            })}
            {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e.message}</p> })}
        </form>
    }
}
