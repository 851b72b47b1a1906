//! The save form the editor pages share: a form that saves its input through the API, shows the
//! server's message for each field (`{"error":{"fields":[…]}}`, see
//! [`field_error`](crate::components::field_error)) and the outcome in a banner
//! ([`StatusBanner`](crate::components::StatusBanner)).
//!
//! A page keeps a [`FormStatus`] for the banner, lays its fields out in an [`EditorForm`] and
//! saves with [`save`]; a list page opens and closes its editor through [`Editing`].

use crate::api::ApiResult;
use crate::components::FormStatus;
use crate::i18n::pick;
use crate::t;
use leptos::prelude::*;
use std::future::Future;

/// Sends a save and says in `status` how it went. On success `done` gets what the server
/// answered and gives the banner's message (`None`: the banner stays as it is); on failure the
/// server's message goes to the banner and its field messages under the fields. `busy`, if
/// given, is `true` while the request is under way.
pub fn save<T: 'static>(
    status: FormStatus,
    busy: Option<RwSignal<bool>>,
    request: impl Future<Output = ApiResult<T>> + 'static,
    done: impl FnOnce(T) -> Option<String> + 'static,
) {
    if let Some(busy) = busy {
        busy.set(true);
    }
    leptos::task::spawn_local(async move {
        let result = request.await;
        if let Some(busy) = busy {
            busy.set(false);
        }
        match result {
            Ok(answer) => {
                if let Some(message) = done(answer) {
                    status.set(Some(Ok(message)));
                }
            }
            Err(failure) => status.set(Some(Err(failure))),
        }
    });
}

/// `「name」を保存しました`: the banner after a record is saved.
pub fn saved_message(name: &str) -> Option<String> {
    Some(format!("「{name}」を保存しました"))
}

/// An editor's form (`form.editor`): a heading, the fields (its children), then the save button
/// and, where the form can be put away, キャンセル. Submitting calls `on_submit`, which reads the
/// fields and [`save`]s them.
#[component]
pub fn EditorForm(
    /// The heading, in Japanese and English.
    #[prop(optional)]
    heading: Option<(&'static str, &'static str)>,
    /// The save button's text, in Japanese and English: 保存 unless given.
    #[prop(optional)]
    submit_label: Option<(&'static str, &'static str)>,
    /// The save button is greyed out while this is `true` (a save under way).
    #[prop(optional)]
    busy: Option<RwSignal<bool>>,
    /// What キャンセル does; without it, the form has no such button.
    #[prop(optional, into)]
    on_cancel: Option<Callback<()>>,
    on_submit: impl Fn() + 'static,
    children: Children,
) -> impl IntoView {
    let (submit_ja, submit_en) = submit_label.unwrap_or(("保存", "Save"));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_submit();
    };
    view! {
        <form class="editor" on:submit=submit>
            {heading.map(|(ja, en)| view! { <h2>{move || pick(ja, en)}</h2> })}
            {children()}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.is_some_and(|b| b.get())>
                    {move || pick(submit_ja, submit_en)}
                </button>
                {on_cancel.map(|cancel| view! {
                    <button type="button" on:click=move |_| cancel.run(())>{t!("キャンセル", "Cancel")}</button>
                })}
            </div>
        </form>
    }
}

/// The editor of a list page: closed, open on a new record or open on an existing one; and the
/// banner of its last save.
pub struct Editing<T: 'static> {
    /// `None`: closed; `Some(None)`: a new record; `Some(Some(r))`: editing `r`.
    pub record: RwSignal<Option<Option<T>>>,
    pub status: FormStatus,
}

impl<T: Send + Sync + 'static> Editing<T> {
    pub fn new() -> Self {
        Editing {
            record: RwSignal::new(None),
            status: RwSignal::new(None),
        }
    }

    /// Opens the editor on `record` (`None`: a new one), with the last banner gone.
    pub fn open(self, record: Option<T>) {
        self.status.set(None);
        self.record.set(Some(record));
    }

    /// Closes the editor; after a save, `reload` reads the list again.
    pub fn close(self, saved: bool, reload: impl FnOnce()) {
        self.record.set(None);
        if saved {
            reload();
        }
    }
}

impl<T: Send + Sync + 'static> Default for Editing<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for Editing<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Editing<T> {}
