//! The signed-in user, loaded once per page load and shared through context.

use crate::api::{self, ApiResult};
use leptos::prelude::*;
use selpos_domain::access::Role;
use selpos_domain::users::SessionInfo;

#[derive(Clone, Copy)]
pub struct CurrentSession(pub LocalResource<ApiResult<SessionInfo>>);

pub fn provide_session() {
    provide_context(CurrentSession(LocalResource::new(api::session)));
}

/// The session, once loaded (`None` while loading or when signed out).
pub fn current() -> Option<SessionInfo> {
    use_context::<CurrentSession>()
        .and_then(|s| s.0.get())
        .and_then(Result::ok)
}

/// Whether the signed-in user has one of `roles`.
pub fn has_role(roles: &[Role]) -> bool {
    current().is_some_and(|s| roles.contains(&s.user.role))
}

/// Leaves this page for `href` with a full load, so every resource starts afresh.
pub fn navigate_hard(href: &str) {
    #[cfg(feature = "browser")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(href);
    }
    #[cfg(not(feature = "browser"))]
    let _ = href;
}
