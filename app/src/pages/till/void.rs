//! 直前の取引を取消: voiding the sale just made, with a council manager's approval.

use super::{Completed, Notice, use_till};
use crate::api;
use crate::t;
use crate::till::browser;
use crate::till::store::{self, Whereabouts};
use crate::till::sync;
use leptos::prelude::*;
use selpos_domain::approvals::{ApprovalAction, ApprovalInput};
use selpos_domain::sales::VoidInput;

/// 直前の取引を取消: a council user approves with login and PIN on this tablet, then the sale
/// is voided on the server (online only: a void must be checked against the recorded sale).
#[component]
pub(super) fn VoidDialog() -> impl IntoView {
    let till = use_till();
    let login = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let reason = RwSignal::new("打ち間違い".to_string());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let close = move || till.voiding.set(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(last) = till.last.get_untracked() else {
            return close();
        };
        if !browser::browser_online() {
            error.set(Some(
                "オフラインのため取消できません。通信が戻ってから操作してください".into(),
            ));
            return;
        }
        busy.set(true);
        error.set(None);
        let approval = ApprovalInput {
            action: ApprovalAction::Void,
            approver_login: login.get_untracked().trim().to_string(),
            pin: pin.get_untracked(),
            reason: format!("取消 {}", last.local_number),
            sale_id: Some(last.id),
            amount: None,
        };
        let reason = reason.get_untracked();
        leptos::task::spawn_local(async move {
            let result = void_last(&last, approval, reason).await;
            busy.try_set(false);
            match result {
                Ok(receipt) => {
                    till.last.try_update(|l| {
                        if let Some(l) = l {
                            l.voided = Some(receipt.clone());
                        }
                    });
                    till.notice.try_set(Some(Notice::Info(format!(
                        "{} を取消しました（取消伝票 {receipt}）。{} をお返しください",
                        last.local_number, last.total
                    ))));
                    till.voiding.try_set(false);
                }
                Err(message) => {
                    pin.try_set(String::new());
                    error.try_set(Some(message));
                }
            }
        });
    };
    view! {
        <div class="dialog-backdrop">
            <form class="editor dialog void-dialog" on:submit=submit>
                <h2>{t!("直前の取引を取消", "Void the last sale")}</h2>
                {move || till.last.get().map(|l| view! {
                    <p>{l.local_number} " " {l.total.to_string()}</p>
                })}
                <p class="hint">{t!("協議会の責任者がログインIDとPINを入力してください", "A council manager enters their login and PIN")}</p>
                <label class="field"><span class="label">{t!("承認者ログインID", "Approver login")}</span>
                    <input name="approver_login" autocomplete="off" bind:value=login /></label>
                <label class="field"><span class="label">"PIN"</span>
                    <input name="approver_pin" type="password" inputmode="numeric" bind:value=pin /></label>
                <label class="field"><span class="label">{t!("理由", "Reason")}</span>
                    <input name="reason" bind:value=reason /></label>
                {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
                <div class="actions">
                    <button type="submit" class="danger" disabled=move || busy.get()>{t!("取消を実行", "Void")}</button>
                    <button type="button" on:click=move |_| close()>{t!("やめる", "Cancel")}</button>
                </div>
            </form>
        </div>
    }
}

/// Makes sure the server has the sale, gets the approval and voids; answers the void's
/// receipt number or why not.
async fn void_last(last: &Completed, approval: ApprovalInput, reason: String) -> Result<String, String> {
    // The sale may still be in the queue: give the sync loop a few seconds to send it.
    let mut whereabouts = store::whereabouts(last.id).await;
    for _ in 0..20 {
        if whereabouts != Ok(Whereabouts::Queued) {
            break;
        }
        sync::wake();
        browser::sleep(300).await;
        whereabouts = store::whereabouts(last.id).await;
    }
    match whereabouts {
        Ok(Whereabouts::Sent) => {}
        Ok(Whereabouts::Queued) => {
            return Err(
                "この取引はまだサーバーに送信されていません（未送信）。送信されてから取消してください".into(),
            );
        }
        Ok(Whereabouts::Parked) => {
            return Err("この取引は保留中(サーバーが受け付けていない)のため取消できません".into());
        }
        Err(e) => return Err(e.to_string()),
    }
    let approval = api::approve(&approval).await.map_err(|f| f.message)?;
    let void = VoidInput {
        id: uuid::Uuid::now_v7(),
        reason,
        approval_id: Some(approval.id),
    };
    api::void_sale(last.id, &void)
        .await
        .map(|sale| sale.receipt_number)
        .map_err(|f| f.message)
}
