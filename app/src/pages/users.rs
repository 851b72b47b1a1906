//! ユーザー: accounts and their roles (council admins).

use crate::api;
use crate::components::{
    CheckField, FormStatus, Loaded, SelectField, StatusBanner, TextField, facility_option, field_error,
    list_of, non_blank, options_of,
};
use crate::forms::{Editing, EditorForm, save, saved_message};
use crate::session::may;
use crate::t;
use leptos::prelude::*;
use selpos_domain::access::{Principal, Role};
use selpos_domain::users::{User, UserInput};

#[component]
pub fn UsersPage() -> impl IntoView {
    let users = LocalResource::new(api::users);
    let facilities = LocalResource::new(|| api::facilities(false, None));
    let editing = Editing::<User>::new();
    let status = editing.status;
    let facility_options = options_of(list_of(facilities), Some(("—", "—")), facility_option);
    view! {
        <h1>{t!("ユーザー", "Users")}</h1>
        <div class="toolbar">
            {move || may(Principal::may_administer).then(|| view! {
                <button class="primary" id="new-user" on:click=move |_| editing.open(None)>
                    {t!("＋ 新しいユーザー", "+ New user")}
                </button>
            })}
        </div>
        <StatusBanner status />
        {move || editing.record.get().map(|user| view! {
            <UserForm user facility_options status on_done=move |saved| editing.close(saved, || users.refetch()) />
        })}
        <Loaded load=move || users.get() ok=move |list| view! {
            <table class="list" id="user-list">
                <thead><tr>
                    <th>{t!("ログインID", "Login")}</th><th>{t!("名前", "Name")}</th>
                    <th>{t!("役割", "Role")}</th><th>"PIN"</th><th></th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|u| {
                        let edit = u.clone();
                        view! {
                            <tr class:inactive=!u.active>
                                <td class="code">{u.login.clone()}</td>
                                <td>{u.display_name.clone()}</td>
                                <td>{u.role.label_ja()}{u.easy_till.then_some(" ・やさしいレジ")}</td>
                                <td>{if u.has_pin { "✓" } else { "" }}</td>
                                <td>{move || may(Principal::may_administer).then(|| {
                                    let edit = edit.clone();
                                    view! { <button class="edit" on:click=move |_| editing.open(Some(edit.clone()))>{t!("編集", "Edit")}</button> }
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        } />
    }
}

#[component]
fn UserForm(
    user: Option<User>,
    facility_options: Signal<Vec<(String, String)>>,
    status: FormStatus,
    on_done: impl Fn(bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = user.as_ref().map(|u| u.id);
    let u = user.as_ref();
    let login = RwSignal::new(u.map(|u| u.login.clone()).unwrap_or_default());
    let display_name = RwSignal::new(u.map(|u| u.display_name.clone()).unwrap_or_default());
    let role = RwSignal::new(u.map_or(Role::Cashier, |u| u.role).code().to_string());
    let facility_id = RwSignal::new(
        u.and_then(|u| u.facility_id)
            .map(|f| f.to_string())
            .unwrap_or_default(),
    );
    let password = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let active = RwSignal::new(u.is_none_or(|u| u.active));
    let easy_till = RwSignal::new(u.is_some_and(|u| u.easy_till));
    let role_options = Signal::derive(|| {
        Role::ALL
            .iter()
            .map(|r| (r.code().to_string(), r.label_ja().to_string()))
            .collect::<Vec<_>>()
    });
    let submit = move || {
        let input = UserInput {
            login: login.get_untracked(),
            display_name: display_name.get_untracked(),
            role: Role::from_code(&role.get_untracked()).unwrap_or(Role::Cashier),
            facility_id: facility_id.get_untracked().parse().ok(),
            password: non_blank(password.get_untracked()),
            pin: non_blank(pin.get_untracked()),
            active: active.get_untracked(),
            easy_till: easy_till.get_untracked(),
        };
        let request = async move { api::save_user(id, &input).await };
        save(status, None, request, move |saved| {
            on_done(true);
            saved_message(&saved.display_name)
        });
    };
    view! {
        <EditorForm
            heading=if id.is_some() { ("ユーザーを編集", "Edit user") } else { ("新しいユーザー", "New user") }
            on_submit=submit on_cancel=move || on_done(false)
        >
            <div class="grid">
                <TextField label=t!("ログインID", "Login") name="login" value=login required=true error=field_error(status, "login") />
                <TextField label=t!("名前", "Name") name="display_name" value=display_name required=true error=field_error(status, "display_name") />
                <SelectField label=t!("役割", "Role") name="role" value=role options=role_options />
                <SelectField label=t!("事業所(事業所職員のみ)", "Facility (facility staff)") name="facility_id" value=facility_id options=facility_options error=field_error(status, "facility_id") />
                <TextField label=t!("パスワード(10文字以上)", "Password (10+ chars)") name="password" value=password input_type="password"
                    error=field_error(status, "password") hint=t!("空欄なら変更しません", "Blank keeps the current one") />
                <TextField label=t!("PIN(4〜8桁)", "PIN (4-8 digits)") name="pin" value=pin input_type="password" inputmode="numeric"
                    error=field_error(status, "pin") hint=t!("レジ担当のログイン・協議会職員の承認に使います", "Cashier sign-in; council approvals") />
                <CheckField label=t!("有効", "Active") name="active" value=active />
                <CheckField label=t!("やさしいレジ(大きな絵・ふりがな・1画面1操作)", "Easy till (pictures, furigana, one step a screen)")
                    name="easy_till" value=easy_till />
            </div>
        </EditorForm>
    }
}
