//! [`ApiError`]: a failed request as OpenSearch answers it, `{"error": {...}, "status": N}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::backend::BackendError;

/// An HTTP error with OpenSearch's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The status to answer with.
    pub status: StatusCode,
    /// OpenSearch's `error.type`.
    pub kind: &'static str,
    /// The reason, naming the field at fault for a bad body.
    pub reason: String,
}

impl ApiError {
    /// A 400 with the reason.
    pub fn bad_request(reason: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            kind: "illegal_argument_exception",
            reason: reason.into(),
        }
    }

    /// A 401 for a missing or wrong bearer token.
    pub fn unauthorized() -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            kind: "security_exception",
            reason: "missing or wrong bearer token".to_owned(),
        }
    }
}

impl From<BackendError> for ApiError {
    fn from(error: BackendError) -> Self {
        let (status, kind, reason) = match error {
            BackendError::NotFound(r) => (StatusCode::NOT_FOUND, "status_exception", r),
            BackendError::Conflict(r) => {
                (StatusCode::CONFLICT, "version_conflict_engine_exception", r)
            }
            BackendError::Invalid(r) => (StatusCode::BAD_REQUEST, "illegal_argument_exception", r),
            BackendError::Internal(r) => (StatusCode::INTERNAL_SERVER_ERROR, "exception", r),
        };
        ApiError {
            status,
            kind,
            reason,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {
                "root_cause": [{"type": self.kind, "reason": self.reason}],
                "type": self.kind,
                "reason": self.reason,
            },
            "status": self.status.as_u16(),
        });
        (self.status, Json(body)).into_response()
    }
}
