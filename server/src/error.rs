//! The one error type of the use cases; `http::error` turns it into the JSON error shape.

use crate::db::constraints::Unique;
use selpos_domain::validation::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input was well-formed but its contents are wrong (422): every field's problem is
    /// listed so staff can fix them all at once.
    #[error("入力内容に誤りがあります")]
    Validation(FieldErrors),
    /// The thing asked for does not exist (404); the text names it in Japanese.
    #[error("{0}が見つかりません")]
    NotFound(&'static str),
    /// The change collides with what is stored (409): a duplicate code, a forbidden state change.
    #[error("{0}")]
    Conflict(String),
    /// Like [`Error::Conflict`] (409), with a code of its own so that programs can tell the
    /// reason (e.g. `approval_other_sale`).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// Not signed in, or the session has expired (401).
    #[error("ログインしてください")]
    Unauthenticated,
    /// Wrong id, password or PIN (401). One message for all, so logins cannot be probed.
    #[error("ログインIDまたはパスワード(PIN)が違います")]
    BadCredentials,
    /// Too many failed attempts (429); the account is locked for a while.
    #[error("失敗が続いたため、しばらくログインできません。{0}分後にもう一度お試しください")]
    Locked(i64),
    /// Too many attempts from this address or at this login (429, with `Retry-After`).
    #[error("試行回数が多すぎます。{retry_after_secs}秒後にもう一度お試しください")]
    TooManyAttempts { retry_after_secs: u64 },
    /// Too many sign-ins are waiting for their check (503, with `Retry-After`).
    #[error("ログインが混み合っています。少し待ってからもう一度お試しください")]
    SignInBusy,
    /// Signed in, but this is not the caller's to see or change (403).
    #[error("この操作を行う権限がありません")]
    Forbidden,
    /// A state-changing request without the session's CSRF token (403).
    #[error("画面を再読み込みしてからもう一度お試しください")]
    CsrfMismatch,
    /// The register has no receipt printer set (409): nothing to print on.
    #[error("このレジにはプリンターが設定されていません。イベントの画面でレジのプリンターを設定してください")]
    NoPrinter,
    /// The printer did not take the job (503: unreachable or silent; 502: the connection broke
    /// mid-job). The sale stays recorded whatever happens; staff print again.
    #[error("{0}。売上は記録されています。プリンターを確認してから、もう一度印刷してください")]
    Printer(#[from] crate::printing::PrintError),
    /// The database failed (500). The details are logged, never shown to clients.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Something else failed on the server (500), e.g. hashing a password.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Hashing a password or PIN failed (500): never the user's fault.
impl From<argon2::password_hash::Error> for Error {
    fn from(e: argon2::password_hash::Error) -> Error {
        Error::Internal(format!("hashing failed: {e}"))
    }
}

impl From<crate::throttle::Refused> for Error {
    fn from(refused: crate::throttle::Refused) -> Error {
        Error::TooManyAttempts {
            retry_after_secs: refused.retry_after_secs,
        }
    }
}

impl From<crate::secrets::Busy> for Error {
    fn from(_: crate::secrets::Busy) -> Error {
        Error::SignInBusy
    }
}

/// An access rule said no (403).
impl From<selpos_domain::access::Denied> for Error {
    fn from(_: selpos_domain::access::Denied) -> Error {
        Error::Forbidden
    }
}

/// A presented manager approval that does not cover the action (409, with its reason).
impl From<selpos_domain::approvals::ApprovalRefusal> for Error {
    fn from(refusal: selpos_domain::approvals::ApprovalRefusal) -> Error {
        Error::Refused {
            code: refusal.code(),
            message: refusal.to_string(),
        }
    }
}

/// An input the domain refused, field by field (422).
impl From<FieldErrors> for Error {
    fn from(errors: FieldErrors) -> Error {
        Error::Validation(errors)
    }
}

impl Error {
    /// One field's problem (422), e.g. `Error::field("lines[2].product_id", "not_found", "…")`.
    pub fn field(field: impl Into<String>, code: &str, message: impl Into<String>) -> Error {
        let mut errors = FieldErrors::default();
        errors.add(field, code, message);
        Error::Validation(errors)
    }
}

/// Turns a violation of the unique constraint `constraint` into a [`Error::Conflict`] with the
/// given message; other database errors pass through.
pub trait OnUnique<T> {
    fn on_unique(self, constraint: Unique, message: &str) -> Result<T>;
}

impl<T> OnUnique<T> for std::result::Result<T, sqlx::Error> {
    fn on_unique(self, constraint: Unique, message: &str) -> Result<T> {
        self.map_err(|err| match &err {
            sqlx::Error::Database(db)
                if db.is_unique_violation() && constraint.is_violated_by(db.as_ref()) =>
            {
                Error::Conflict(message.to_string())
            }
            _ => Error::Database(err),
        })
    }
}

/// So that a write guarded by two constraints names each: `.on_unique(A, …).on_unique(B, …)`.
impl<T> OnUnique<T> for Result<T> {
    fn on_unique(self, constraint: Unique, message: &str) -> Result<T> {
        match self {
            Err(Error::Database(err)) => Err(err).on_unique(constraint, message),
            other => other,
        }
    }
}
