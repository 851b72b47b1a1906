//! 返品: find an earlier sale by its receipt number (or the QR code on the receipt, scanned
//! into the field), choose what comes back, and refund it in cash with a manager's approval.

use crate::api::{self, ApiFailure};
use crate::components::{FormStatus, StatusBanner, TextField, parse_number};
use crate::t;
use leptos::prelude::*;
use selpos_domain::approvals::{ApprovalAction, ApprovalInput};
use selpos_domain::sales::{RefundInput, RefundLineInput, Sale, SaleKind};

#[component]
pub fn ReturnsPage() -> impl IntoView {
    let lookup = RwSignal::new(String::new());
    let found: RwSignal<Option<Sale>> = RwSignal::new(None);
    let status: FormStatus = RwSignal::new(None);
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = lookup.get_untracked();
        leptos::task::spawn_local(async move {
            match api::find_sale(&text).await {
                Ok(Some(sale)) if sale.kind == SaleKind::Sale => {
                    status.set(None);
                    found.set(Some(sale));
                }
                Ok(_) => {
                    found.set(None);
                    status.set(Some(Err(ApiFailure {
                        code: "not_found".into(),
                        message: "その番号の売上は見つかりません".into(),
                        fields: vec![],
                    })));
                }
                Err(failure) => status.set(Some(Err(failure))),
            }
        });
    };
    let allowed = move || crate::session::principal().map(|p| p.may_refund());
    view! {
        <h1>{t!("返品", "Returns")}</h1>
        {move || match allowed() {
            // Still loading who is signed in.
            None => None,
            Some(false) => Some(view! {
                <p class="banner warn" id="returns-not-allowed">{t!("返品は協議会の職員か、レジのタブレットでレジ担当が受け付けます",
                    "Returns are taken by council staff, or by a cashier on a till")}</p>
            }.into_any()),
            Some(true) => Some(view! {
                <form class="toolbar" on:submit=search>
                    <TextField label=t!("レシート番号 または QRコード", "Receipt number or QR code") name="lookup" value=lookup />
                    <button type="submit" class="primary">{t!("検索", "Find")}</button>
                </form>
            }.into_any()),
        }}
        <StatusBanner status />
        {move || found.get().map(|sale| view! { <RefundForm sale status on_done=move || found.set(None) /> })}
    }
}

#[component]
fn RefundForm(
    sale: Sale,
    status: FormStatus,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let sale_id = sale.id;
    let quantities: Vec<(i64, RwSignal<String>)> = sale
        .lines
        .iter()
        .map(|l| (l.line_no, RwSignal::new(String::new())))
        .collect();
    let quantities = StoredValue::new(quantities);
    let reason = RwSignal::new(String::new());
    let approver = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lines: Vec<RefundLineInput> = quantities.with_value(|q| {
            q.iter()
                .filter(|(_, text)| !text.get_untracked().trim().is_empty())
                .map(|(line_no, text)| RefundLineInput {
                    line_no: *line_no,
                    quantity: parse_number(&text.get_untracked()),
                })
                .collect()
        });
        let approval = ApprovalInput {
            action: ApprovalAction::Refund,
            approver_login: approver.get_untracked(),
            pin: pin.get_untracked(),
            reason: reason.get_untracked(),
            sale_id: Some(sale_id),
            amount: None,
        };
        let reason = reason.get_untracked();
        leptos::task::spawn_local(async move {
            // A council user signed in here approves their own refund: no PIN needed.
            let approval_id = if approval.approver_login.trim().is_empty() {
                None
            } else {
                match api::approve(&approval).await {
                    Ok(a) => Some(a.id),
                    Err(failure) => {
                        status.set(Some(Err(failure)));
                        return;
                    }
                }
            };
            let input = RefundInput {
                id: uuid::Uuid::new_v4(),
                lines,
                reason,
                approval_id,
            };
            match api::refund_sale(sale_id, &input).await {
                Ok(refund) => {
                    status.set(Some(Ok(format!(
                        "{} で {} を返金しました",
                        refund.receipt_number,
                        selpos_domain::Yen(-refund.total.0)
                    ))));
                    on_done();
                }
                Err(failure) => status.set(Some(Err(failure))),
            }
        });
    };
    view! {
        <form class="editor" on:submit=submit id="refund-form">
            <h2>{format!("{} ・ {}", sale.receipt_number, sale.total)}</h2>
            <table class="list">
                <thead><tr><th>"商品"</th><th class="num">"数量"</th><th class="num">"金額"</th><th>"返品数"</th></tr></thead>
                <tbody>
                    {sale.lines.iter().zip(quantities.get_value()).map(|(l, (_, q))| view! {
                        <tr>
                            <td>{l.name.clone()}</td><td class="num">{l.quantity}</td><td class="num">{l.net.to_string()}</td>
                            <td><input inputmode="numeric" name=format!("refund-{}", l.line_no) bind:value=q /></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <div class="grid">
                <TextField label=t!("理由", "Reason") name="reason" value=reason required=true />
                <TextField label=t!("責任者ログインID", "Approver login") name="approver" value=approver
                    hint=t!("レジ担当の場合は協議会職員が入力", "Needed when a cashier refunds") />
                <TextField label=t!("責任者PIN", "Approver PIN") name="approver_pin" value=pin input_type="password" inputmode="numeric" />
            </div>
            <div class="actions"><button type="submit" class="primary">{t!("返金する", "Refund")}</button></div>
        </form>
    }
}
