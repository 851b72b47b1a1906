//! The signed-in user, loaded once per page load and shared through context.

use crate::api::{self, ApiResult};
use leptos::prelude::*;
use selpos_domain::access::{Principal, Role};
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

/// The signed-in person as the server's rules see them (`None` while loading or signed out):
/// pages ask [`Principal`] the questions the server asks, and offer only what it allows.
pub fn principal() -> Option<Principal> {
    current().map(|s| Principal {
        user_id: s.user.id,
        login: s.user.login,
        role: s.user.role,
        facility_id: s.user.facility_id,
        register_id: s.register.map(|r| r.register_id),
    })
}

/// Whether the signed-in person may do what `rule` asks: an action the server would refuse is
/// not offered at all (nothing is offered while the session loads).
pub fn may(rule: impl FnOnce(&Principal) -> bool) -> bool {
    principal().is_some_and(|p| rule(&p))
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

/// `next` when it is a path of this site, to go to after signing in; `None` for anything that
/// could leave it. Browsers read a backslash as `/`, so `/\evil.example` is another host like
/// `//evil.example`; URL parsers drop tabs and newlines, so `/<TAB>/evil.example` is too.
pub fn same_origin_path(next: &str) -> Option<&str> {
    let rest = next.strip_prefix('/')?;
    let leaves = rest.starts_with(['/', '\\'])
        || next.contains('\\')
        || next.chars().any(char::is_control)
        || next == "/login";
    (!leaves).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    #[test]
    fn only_paths_of_this_site_are_followed_after_sign_in() {
        assert_eq!(same_origin_path("/register"), Some("/register"));
        assert_eq!(
            same_origin_path("/settlement?event=3"),
            Some("/settlement?event=3")
        );
        for leaving in [
            "//evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "/\t/evil.example",
            "https://evil.example",
            "evil.example",
            "",
            "/login",
            "/a\\..\\evil",
        ] {
            assert_eq!(same_origin_path(leaving), None, "{leaving:?}");
        }
    }
}
