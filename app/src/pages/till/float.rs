//! 釣銭準備金 first: before the first sale of a session the till asks for the float, counted by
//! denomination (金種表), and opens the register with it. 「あとで入力」 lets the cashier sell at
//! once: the first sale then opens the register with a ¥0 float (flagged), which a council user
//! enters later on `/register/session`.

use super::status::refresh_register_state;
use super::use_till;
use crate::api::register_sessions;
use crate::components::{FormStatus, StatusBanner};
use crate::forms::save;
use crate::pages::register_session::{CashCountForm, CountInputs};
use crate::t;
use crate::till::browser;
use leptos::prelude::*;
use selpos_domain::register_sessions::{RegisterOpenInput, RegisterState};

/// Where 「あとで入力」 is kept for the page's tab: per register and session, so a reload does
/// not ask again, and the next session (after a close) does.
fn later_key(register_id: i64, state: RegisterState, session_id: &str) -> String {
    format!("selpos.float.later.{register_id}.{state:?}.{session_id}")
}

#[component]
pub(super) fn FloatPrompt(register_id: i64) -> impl IntoView {
    let till = use_till();
    // Asked again only for another session.
    let dismissed = RwSignal::new(None::<String>);
    let key = move || {
        till.register_state.with(|s| {
            s.as_ref()
                .filter(|s| matches!(s.state, RegisterState::NeverOpened | RegisterState::Closed))
                .map(|s| later_key(register_id, s.state, s.session_id()))
        })
    };
    let asking = move || {
        key().filter(|k| {
            dismissed.with(|d| d.as_deref() != Some(k.as_str()))
                && browser::session_get(k).is_none()
                && till.sync.online.get()
        })
    };
    move || {
        asking().map(|key| {
            let later = {
                let key = key.clone();
                move |_| {
                    browser::session_set(&key, "1");
                    dismissed.set(Some(key.clone()));
                }
            };
            view! { <FloatDialog register_id later /> }
        })
    }
}

#[component]
fn FloatDialog(register_id: i64, later: impl Fn(leptos::ev::MouseEvent) + 'static) -> impl IntoView {
    let till = use_till();
    let inputs = CountInputs::new();
    let status: FormStatus = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let id = uuid::Uuid::now_v7();
    let open = move |_| {
        let input = RegisterOpenInput {
            id,
            counts: inputs.count(),
        };
        let request = async move { register_sessions::open_register(register_id, &input).await };
        save(status, Some(busy), request, move |_| {
            till.register_state.set(None);
            refresh_register_state(register_id);
            None
        });
    };
    view! {
        <div class="dialog-backdrop">
            <section class="editor dialog float-dialog" id="float-prompt" role="dialog" aria-modal="true"
                aria-labelledby="float-prompt-title">
                <h2 id="float-prompt-title">{t!("レジ開け: 釣銭準備金を数えてください", "Open the register: count the float")}</h2>
                <p class="hint">{t!("販売を始める前に、レジに入っている釣銭を金種ごとに入力してください。",
                    "Before the first sale, enter the change in the drawer by denomination.")}</p>
                <CashCountForm inputs status />
                <StatusBanner status />
                <div class="actions">
                    <button class="primary big" id="float-open" on:click=open disabled=move || busy.get()>
                        {t!("レジを開ける", "Open register")}
                    </button>
                    <button class="big" id="float-later" on:click=later>{t!("あとで入力", "Enter later")}</button>
                </div>
                <p class="hint">{t!("「あとで入力」: 最初の売上で釣銭準備金0円のままレジが開きます。協議会の担当者が後から入力できます。",
                    "\"Enter later\": the first sale opens the register with a ¥0 float; council staff can enter it afterwards.")}</p>
            </section>
        </div>
    }
}
