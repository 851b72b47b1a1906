//! The one error shape of the API: `{"error":{"code":"...","message":"..."}}` with the right
//! status. Messages are Japanese (shown to staff as they are); codes are for programs.

use crate::error::Error;
use crate::printing::PrintError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use selpos_domain::validation::FieldError;
use selpos_domain::validation::{ErrorBody, ErrorDetail};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
    /// Seconds for the `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    pub fn not_found_route() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "このAPIはありません")
    }

    /// 405: the route exists but does not take this method (`Allow` lists those it takes).
    pub fn method_not_allowed() -> Self {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "このAPIはこのメソッドでは使えません",
        )
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        match err {
            Error::Validation(fields) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "validation",
                message: "入力内容に誤りがあります".into(),
                fields: fields.0,
                retry_after: None,
            },
            Error::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "not_found", err.to_string()),
            Error::Conflict(message) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            Error::Refused { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            Error::Unauthenticated => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", err.to_string())
            }
            Error::BadCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", err.to_string())
            }
            Error::Locked(minutes) => ApiError {
                retry_after: Some(u64::try_from(minutes.max(1) * 60).unwrap_or(60)),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "locked", err.to_string())
            },
            Error::TooManyAttempts { retry_after_secs } => ApiError {
                retry_after: Some(retry_after_secs.max(1)),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", err.to_string())
            },
            Error::SignInBusy => ApiError {
                retry_after: Some(2),
                ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", err.to_string())
            },
            Error::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "forbidden", err.to_string()),
            Error::CsrfMismatch => ApiError::new(StatusCode::FORBIDDEN, "csrf", err.to_string()),
            Error::NoPrinter => {
                ApiError::new(StatusCode::CONFLICT, "printer_not_configured", err.to_string())
            }
            Error::Printer(ref failure) => {
                let status = match failure {
                    PrintError::InvalidAddress { .. } => StatusCode::CONFLICT,
                    PrintError::Send { .. } => StatusCode::BAD_GATEWAY,
                    PrintError::Unreachable { .. }
                    | PrintError::Timeout { .. }
                    | PrintError::PaperOut { .. }
                    | PrintError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
                };
                // The OS error (refused, reset, no route) is for the operator's log.
                let source = std::error::Error::source(failure).map(ToString::to_string);
                tracing::warn!(code = failure.code(), error = %failure, source = ?source, "receipt not printed");
                ApiError::new(status, failure.code(), err.to_string())
            }
            Error::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "サーバーでエラーが発生しました",
                )
            }
            Error::Database(db) => {
                if let Some(refused) = constraint_refusal(&db) {
                    // A use case should have refused this before writing: worth a look, but the
                    // transaction rolled back and the client is told why.
                    tracing::warn!(error = %db, code = refused.code, "constraint violation");
                    return refused;
                }
                // Logged for the operator; the client learns only that it failed.
                tracing::error!(error = %db, "database error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "サーバーでエラーが発生しました。しばらくしてからもう一度お試しください",
                )
            }
        }
    }
}

/// The safety net under the use cases' own checks: a violated constraint (on SQLite or
/// PostgreSQL) becomes a 409 or 422 naming its cause instead of a 500. The transaction it broke
/// is rolled back, so nothing was half-written.
fn constraint_refusal(error: &sqlx::Error) -> Option<ApiError> {
    use sqlx::error::ErrorKind;
    let db = error.as_database_error()?;
    let (status, code, message) = match db.kind() {
        ErrorKind::ForeignKeyViolation => (
            StatusCode::CONFLICT,
            "referenced",
            "ほかの記録(売上・在庫・レジ締めなど)から参照されているため、変更・削除できません",
        ),
        ErrorKind::UniqueViolation => (
            StatusCode::CONFLICT,
            "duplicate",
            "同じものがすでに登録されています",
        ),
        ErrorKind::NotNullViolation | ErrorKind::CheckViolation => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "constraint",
            "入力内容がデータベースの制約に合いません",
        ),
        _ if is_out_of_range(db) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "out_of_range",
            "数値が大きすぎるか小さすぎます",
        ),
        _ => return None,
    };
    Some(ApiError::new(status, code, message))
}

/// A number past the column or the arithmetic: PostgreSQL's `numeric_value_out_of_range`
/// (22003), SQLite's `integer overflow` (from `SUM`).
fn is_out_of_range(db: &dyn sqlx::error::DatabaseError) -> bool {
    db.code().as_deref() == Some("22003") || db.message() == "integer overflow"
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let (code, message) = match &rejection {
            JsonRejection::MissingJsonContentType(_) => (
                "unsupported_media_type",
                "Content-Type: application/json で送信してください".to_string(),
            ),
            JsonRejection::BytesRejection(_) if status == StatusCode::PAYLOAD_TOO_LARGE => {
                ("payload_too_large", "送信データが大きすぎます".to_string())
            }
            JsonRejection::JsonSyntaxError(_) => ("invalid_json", "JSONの形式が正しくありません".to_string()),
            JsonRejection::JsonDataError(e) => {
                let mut refused = ApiError::new(
                    status,
                    "invalid_body",
                    format!("入力の項目または型が正しくありません: {}", e.body_text()),
                );
                refused.fields.extend(data_error_field(e));
                return refused;
            }
            _ => ("bad_request", "リクエストを読み取れません".to_string()),
        };
        ApiError::new(status, code, message)
    }
}

/// The field a JSON body's data error is about, with a reason programs can tell apart:
/// `integer` (a number with a fraction or an exponent, `30871.0` included, where JSON Schema
/// says integer: refused, never rounded), `type`, `required`, `unknown_field`, `format`.
fn data_error_field(rejection: &axum::extract::rejection::JsonDataError) -> Option<FieldError> {
    use std::error::Error as _;
    let error = rejection
        .source()?
        .source()?
        .downcast_ref::<serde_path_to_error::Error<serde_json::Error>>()?;
    body_field(error)
}

/// A JSON value that did not read as its type (the whole body, or one sale of a batch): 422
/// `invalid_body`, with the field named as [`data_error_field`] names it.
pub fn invalid_body(error: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let mut refused = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
        format!("入力の項目または型が正しくありません: {error}"),
    );
    refused.fields.extend(body_field(error));
    refused
}

fn body_field(error: &serde_path_to_error::Error<serde_json::Error>) -> Option<FieldError> {
    let path = error.path().to_string();
    let parent = |name: &str| {
        if path == "." {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    let text = error.inner().to_string();
    // serde's messages name the field between backticks: "missing field `name`".
    let quoted = || text.split('`').nth(1).unwrap_or_default().to_string();
    let (field, code, message) = if text.starts_with("invalid type: floating point")
        && [" expected i", " expected u", " expected an integer"]
            .iter()
            .any(|e| text.contains(&format!(",{e}")))
    {
        // serde_json reads an integer past 64 bits as a float: say it is too large.
        let too_large = quoted()
            .parse::<f64>()
            .is_ok_and(|n| n.fract() == 0.0 && n.abs() >= 9.2e18);
        if too_large {
            (path.clone(), "out_of_range", "数値が大きすぎます")
        } else {
            (
                path.clone(),
                "integer",
                "整数で入力してください(小数点や指数は使えません)",
            )
        }
    } else if text.starts_with("invalid type") {
        (path.clone(), "type", "型が正しくありません")
    } else if text.starts_with("missing field") {
        (parent(&quoted()), "required", "入力してください")
    } else if text.starts_with("unknown field") {
        (parent(&quoted()), "unknown_field", "この項目は受け付けません")
    } else {
        (path.clone(), "format", "形式が正しくありません")
    };
    if field == "." || field.is_empty() {
        return None;
    }
    Some(FieldError {
        field,
        code: code.into(),
        message: message.into(),
    })
}

impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "送信データが大きすぎます",
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "送信データを読み取れません",
            )
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_path",
            "URLの指定が正しくありません",
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("検索条件が正しくありません: {}", rejection.body_text()),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into(),
                message: self.message,
                fields: self.fields,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind of constraint violation, as SQLite reports it, becomes its 4xx.
    #[tokio::test]
    async fn constraint_violations_are_refusals_not_500s() -> Result<(), sqlx::Error> {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
        for ddl in [
            "CREATE TABLE parents (id INTEGER PRIMARY KEY, code TEXT UNIQUE)",
            "CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents (id),
                                    n INTEGER CHECK (n >= 0))",
            "INSERT INTO parents VALUES (1, 'a')",
            "INSERT INTO children VALUES (1, 1, 0)",
        ] {
            sqlx::query(ddl).execute(&pool).await?;
        }
        for (sql, status, code) in [
            (
                "DELETE FROM parents WHERE id = 1",
                StatusCode::CONFLICT,
                "referenced",
            ),
            (
                "INSERT INTO children VALUES (2, 99, 0)",
                StatusCode::CONFLICT,
                "referenced",
            ),
            (
                "INSERT INTO parents VALUES (2, 'a')",
                StatusCode::CONFLICT,
                "duplicate",
            ),
            (
                "INSERT INTO children VALUES (3, 1, -1)",
                StatusCode::UNPROCESSABLE_ENTITY,
                "constraint",
            ),
            (
                "INSERT INTO children VALUES (4, NULL, 0)",
                StatusCode::UNPROCESSABLE_ENTITY,
                "constraint",
            ),
            (
                "SELECT SUM(n) FROM (SELECT 9223372036854775807 AS n UNION ALL SELECT 1)",
                StatusCode::UNPROCESSABLE_ENTITY,
                "out_of_range",
            ),
        ] {
            let error = sqlx::query(sql).execute(&pool).await.expect_err(sql);
            let answer = ApiError::from(Error::Database(error));
            assert_eq!((answer.status, answer.code), (status, code), "{sql}");
            assert!(!answer.message.is_ascii(), "{sql}: {}", answer.message);
        }
        // Anything else stays a 500 that tells the client nothing.
        let error = sqlx::query("SELECT * FROM no_such_table")
            .execute(&pool)
            .await
            .expect_err("no table");
        let answer = ApiError::from(Error::Database(error));
        assert_eq!(
            (answer.status, answer.code),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal")
        );
        Ok(())
    }
}
