//! 協議会: the council's own details, printed on every receipt.

use crate::api;
use crate::components::{
    CheckField, FormStatus, Loaded, NumberField, SelectField, StatusBanner, TextField, field_error,
    non_blank, parse_number,
};
use crate::forms::{EditorForm, save};
use crate::session::may;
use crate::t;
use leptos::prelude::*;
use selpos_domain::access::Principal;
use selpos_domain::council::{Council, CouncilInput};
use selpos_domain::{RoundingMode, Yen};

#[component]
pub fn CouncilPage() -> impl IntoView {
    let council = LocalResource::new(api::council);
    view! {
        <h1>{t!("協議会", "Council")}</h1>
        <Loaded load=move || council.get() ok=move |council| if may(Principal::may_administer) {
            view! { <CouncilForm council /> }.into_any()
        } else {
            view! { <CouncilDetails council /> }.into_any()
        } />
    }
}

/// The council's details as they are, for those who may not change them.
#[component]
fn CouncilDetails(council: Council) -> impl IntoView {
    view! {
        <dl class="figures-grid" id="council-details">
            <dt>{t!("名称", "Name")}</dt><dd>{council.name}</dd>
            <dt>{t!("適格請求書 登録番号", "Invoice registration no.")}</dt><dd>{council.invoice_number.unwrap_or_default()}</dd>
            <dt>{t!("住所", "Address")}</dt><dd>{council.address}</dd>
            <dt>{t!("電話番号", "Phone")}</dt><dd>{council.phone}</dd>
            <dt>{t!("レシートのフッター", "Receipt footer")}</dt><dd>{council.receipt_footer}</dd>
        </dl>
    }
}

#[component]
fn CouncilForm(council: Council) -> impl IntoView {
    let name = RwSignal::new(council.name);
    let invoice_number = RwSignal::new(council.invoice_number.unwrap_or_default());
    let address = RwSignal::new(council.address);
    let phone = RwSignal::new(council.phone);
    let receipt_footer = RwSignal::new(council.receipt_footer);
    let tax_rounding = RwSignal::new(council.tax_rounding.code().to_string());
    let voucher_gives_change = RwSignal::new(council.voucher_gives_change);
    let payout_approval_limit = RwSignal::new(council.payout_approval_limit.0.to_string());
    let printer_ports = RwSignal::new(
        council
            .printer_ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    );
    let allow_link_local_printers = RwSignal::new(council.allow_link_local_printers);
    let bank_account = RwSignal::new(council.bank_account);
    let status: FormStatus = RwSignal::new(None);
    let rounding_options = Signal::derive(|| {
        RoundingMode::ALL
            .iter()
            .map(|m| (m.code().to_string(), m.label_ja().to_string()))
            .collect::<Vec<_>>()
    });
    let submit = move || {
        let input = CouncilInput {
            name: name.get_untracked(),
            invoice_number: non_blank(invoice_number.get_untracked()),
            address: address.get_untracked(),
            phone: phone.get_untracked(),
            receipt_footer: receipt_footer.get_untracked(),
            tax_rounding: RoundingMode::from_code(&tax_rounding.get_untracked()).unwrap_or_default(),
            voucher_gives_change: voucher_gives_change.get_untracked(),
            payout_approval_limit: Yen(parse_number(&payout_approval_limit.get_untracked())),
            // A port that is not a number is sent as 0, which the server names as wrong.
            printer_ports: printer_ports
                .get_untracked()
                .split([',', ' ', '、'])
                .filter(|p| !p.trim().is_empty())
                .map(|p| p.trim().parse().unwrap_or(0))
                .collect(),
            allow_link_local_printers: allow_link_local_printers.get_untracked(),
            bank_account: bank_account.get_untracked(),
        };
        let request = async move { api::save_council(&input).await };
        save(status, None, request, |_| Some("保存しました".into()));
    };
    view! {
        <StatusBanner status />
        <EditorForm on_submit=submit>
            <div class="grid">
                <TextField label=t!("名称", "Name") name="name" value=name required=true error=field_error(status, "name") />
                <TextField label=t!("適格請求書 登録番号", "Invoice registration no.") name="invoice_number" value=invoice_number
                    error=field_error(status, "invoice_number") hint=t!("T+13桁", "T + 13 digits") />
                <TextField label=t!("住所", "Address") name="address" value=address error=field_error(status, "address") />
                <TextField label=t!("電話番号", "Phone") name="phone" value=phone error=field_error(status, "phone") />
                <TextField label=t!("振込先(請求書に印刷)", "Bank account for transfers (printed on invoices)") name="bank_account" value=bank_account
                    error=field_error(status, "bank_account") hint=t!("例 群馬銀行 県庁支店 普通 1234567 ｼﾔｶｲｼﾕｳﾛｳｾﾝﾀｰｷﾖｳｷﾞｶｲ", "e.g. bank, branch, account, holder") />
                <TextField label=t!("レシートのフッター", "Receipt footer") name="receipt_footer" value=receipt_footer error=field_error(status, "receipt_footer") />
                <SelectField label=t!("消費税の端数処理", "Tax rounding") name="tax_rounding" value=tax_rounding options=rounding_options />
                <CheckField label=t!("商品券のおつりを現金で渡す", "Vouchers give change in cash") name="voucher_gives_change" value=voucher_gives_change />
                <NumberField label=t!("この金額を超える出金は責任者の承認が必要(円)", "Payouts above this need a manager's PIN (yen)")
                    name="payout_approval_limit" value=payout_approval_limit error=field_error(status, "payout_approval_limit")
                    hint=t!("0円にするとレジ担当の出金はすべて承認が必要です", "¥0: every payout by a cashier needs one") />
                <TextField label=t!("プリンターのポート", "Printer ports") name="printer_ports" value=printer_ports
                    error=field_error(status, "printer_ports") hint=t!("通常は9100。複数はカンマ区切り", "Usually 9100; several separated by commas") />
                <CheckField label=t!("リンクローカルアドレス(169.254.x.x)のプリンターを許可する", "Allow printers at link-local addresses (169.254.x.x)")
                    name="allow_link_local_printers" value=allow_link_local_printers />
            </div>
        </EditorForm>
    }
}
