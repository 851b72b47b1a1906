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
                    | PrintError::PaperOut { .. } => StatusCode::SERVICE_UNAVAILABLE,
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
            JsonRejection::JsonDataError(e) => (
                "invalid_body",
                format!("入力の項目または型が正しくありません: {}", e.body_text()),
            ),
            _ => ("bad_request", "リクエストを読み取れません".to_string()),
        };
        ApiError::new(status, code, message)
    }
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
