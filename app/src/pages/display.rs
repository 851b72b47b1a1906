//! お客様画面 (`/display/{token}`): the screen facing the customer. It follows the till by asking
//! every second (an unchanged view costs a 304) and keeps showing the last state it got when
//! the network is gone, saying so in a corner; the last state is also kept on the device, so a
//! reload without a network still shows it.

use crate::api;
use crate::till::browser;
use leptos::prelude::*;
use selpos_domain::customer_display::{DisplayPhase, DisplayView};

/// How often the screen asks for the till's state.
const POLL_MS: i32 = 1_000;

fn kept_key(token: &str) -> String {
    format!("selpos.customer-screen.{token}")
}

#[component]
pub fn CustomerDisplayPage(
    /// The pairing token of `/display/{token}`.
    token: String,
) -> impl IntoView {
    let view_state: RwSignal<Option<DisplayView>> = RwSignal::new(
        browser::local_get(&kept_key(&token)).and_then(|json| serde_json::from_str(&json).ok()),
    );
    // Reached the server at the last try; `None` before the first answer.
    let connected: RwSignal<Option<bool>> = RwSignal::new(None);
    let missing = RwSignal::new(false);
    let alive = StoredValue::new(true);
    on_cleanup(move || alive.set_value(false));
    Effect::new(move |_| {
        browser::register_service_worker();
        let token = token.clone();
        leptos::task::spawn_local(async move {
            let mut etag: Option<String> = None;
            while alive.try_get_value() == Some(true) {
                match api::display_view(&token, etag.as_deref()).await {
                    Ok(Some((view, tag))) => {
                        if let Ok(json) = serde_json::to_string(&view) {
                            browser::local_set(&kept_key(&token), &json);
                        }
                        view_state.try_set(Some(view));
                        etag = Some(tag).filter(|t| !t.is_empty());
                        connected.try_set(Some(true));
                        missing.try_set(false);
                    }
                    Ok(None) => {
                        connected.try_set(Some(true));
                    }
                    Err(failure) if failure.code == "not_found" => {
                        missing.try_set(true);
                        connected.try_set(Some(true));
                    }
                    Err(_) => {
                        connected.try_set(Some(false));
                    }
                }
                browser::sleep(POLL_MS).await;
            }
        });
    });
    view! {
        <div class="customer-display" id="customer-display">
            {move || missing.get().then(|| view! {
                <p class="banner error" role="alert" id="customer-display-missing">
                    "この画面のリンクは使えなくなりました。レジの「お客様画面」でQRコードを読み取り直してください。"
                </p>
            })}
            {move || (connected.get() == Some(false)).then(|| view! {
                <p class="stale" id="customer-display-stale" role="status">"通信待ち(最後の表示)"</p>
            })}
            {move || match view_state.get() {
                None => view! { <p class="greeting">"いらっしゃいませ"</p> }.into_any(),
                Some(v) => view! { <Screen view=v /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn Screen(view: DisplayView) -> impl IntoView {
    let state = view.state.unwrap_or_default();
    let phase = match state.phase {
        DisplayPhase::Idle => "idle",
        DisplayPhase::Cart => "cart",
        DisplayPhase::Paid => "paid",
    };
    view! {
        <header class="customer-head">
            <h1>{view.council_name}</h1>
            <p>{format!("{} {}", view.event_name, view.register_name)}</p>
        </header>
        <section class="customer-body" data-phase=phase>
            {match state.phase {
                DisplayPhase::Idle => view! { <p class="greeting">"いらっしゃいませ"</p> }.into_any(),
                DisplayPhase::Cart => view! {
                    <table class="customer-lines" id="customer-lines">
                        <tbody>
                            {state.lines.into_iter().map(|l| view! {
                                <tr>
                                    <td class="name">{l.name}</td>
                                    <td class="quantity">{format!("× {}", l.quantity)}</td>
                                    <td class="amount">{l.amount.to_string()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <dl class="customer-figures">
                        <dt>"合計"</dt><dd id="customer-total">{state.total.to_string()}</dd>
                        {(state.tendered.0 > 0).then(|| view! {
                            <dt>"お預かり"</dt><dd id="customer-tendered">{state.tendered.to_string()}</dd>
                        })}
                    </dl>
                }.into_any(),
                DisplayPhase::Paid => view! {
                    <dl class="customer-figures">
                        <dt>"合計"</dt><dd id="customer-total">{state.total.to_string()}</dd>
                        <dt>"お預かり"</dt><dd id="customer-tendered">{state.tendered.to_string()}</dd>
                        <dt>"おつり"</dt><dd id="customer-change" class="change">{state.change.to_string()}</dd>
                    </dl>
                    <p class="greeting">"ありがとうございました"</p>
                }.into_any(),
            }}
        </section>
    }
}
