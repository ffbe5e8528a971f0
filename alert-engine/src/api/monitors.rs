//! Handlers of `_plugins/_alerting/monitors`: create, read, update, delete, `_search` and
//! `_execute`, answering with OpenSearch's `_id`, `_version`, `_seq_no` and `_primary_term`.

use alert_core::monitor::Monitor;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderName, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::ApiState;
use super::backend::{ExecuteRequest, ExecuteTarget, ExpectedVersion, StoredMonitor};
use super::reply::ApiError;
use super::search::search_monitors;

/// Parses a request body as a monitor; a bad one is a 400 naming the JSON path at fault.
fn parse_monitor(body: &Bytes) -> Result<Value, ApiError> {
    let text =
        std::str::from_utf8(body).map_err(|_| ApiError::bad_request("request body: not UTF-8"))?;
    Monitor::from_json(text, "request body").map_err(|e| ApiError::bad_request(e.to_string()))?;
    serde_json::from_str(text).map_err(|e| ApiError::bad_request(format!("request body: {e}")))
}

fn parse_json(body: &Bytes) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("request body: {e}")))
}

/// The response of index, get and delete: the document metadata and the monitor.
pub(super) fn monitor_response(stored: &StoredMonitor) -> Value {
    json!({
        "_id": stored.id,
        "_version": stored.version,
        "_seq_no": stored.seq_no,
        "_primary_term": stored.primary_term,
        "monitor": stored.monitor,
    })
}

/// `POST _plugins/_alerting/monitors`: 201 with a `Location` header, as OpenSearch.
pub(super) async fn create(
    State(state): State<ApiState>,
    body: Bytes,
) -> Result<(StatusCode, [(HeaderName, String); 1], Json<Value>), ApiError> {
    let monitor = parse_monitor(&body)?;
    let stored = state.backend.create(monitor).await?;
    let location = format!("/_plugins/_alerting/monitors/{}", stored.id);
    let headers = [(LOCATION, location)];
    Ok((
        StatusCode::CREATED,
        headers,
        Json(monitor_response(&stored)),
    ))
}

/// The optional concurrency parameters of `PUT`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateParams {
    if_seq_no: Option<u64>,
    if_primary_term: Option<u64>,
    refresh: Option<String>,
}

/// `PUT _plugins/_alerting/monitors/<id>` (409 when `if_seq_no`/`if_primary_term` is stale).
pub(super) async fn update(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(params): Query<UpdateParams>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let _ = params.refresh;
    let expected = match (params.if_seq_no, params.if_primary_term) {
        (Some(if_seq_no), Some(if_primary_term)) => Some(ExpectedVersion {
            if_seq_no,
            if_primary_term,
        }),
        (None, None) => None,
        _ => {
            return Err(ApiError::bad_request(
                "if_seq_no and if_primary_term: give both or neither",
            ));
        }
    };
    let monitor = parse_monitor(&body)?;
    let stored = state.backend.update(&id, monitor, expected).await?;
    Ok(Json(monitor_response(&stored)))
}

/// `GET _plugins/_alerting/monitors/<id>`.
pub(super) async fn get(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(monitor_response(&state.backend.get(&id).await?)))
}

/// `DELETE _plugins/_alerting/monitors/<id>`: answers `{_id, _version}` as OpenSearch.
pub(super) async fn delete(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let stored = state.backend.delete(&id).await?;
    Ok(Json(json!({"_id": stored.id, "_version": stored.version})))
}

/// `POST _plugins/_alerting/monitors/_search`.
pub(super) async fn search(
    State(state): State<ApiState>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let query = parse_json(&body)?;
    let monitors = state.backend.list().await?;
    Ok(Json(search_monitors(&query, monitors)?))
}

/// `?dryrun=true&period_end=1755684000000ms` of `_execute`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExecuteParams {
    #[serde(default)]
    dryrun: bool,
    period_end: Option<String>,
}

impl ExecuteParams {
    fn into_request(self, target: ExecuteTarget) -> Result<ExecuteRequest, ApiError> {
        let period_end_millis = self
            .period_end
            .as_deref()
            .map(parse_time_value)
            .transpose()?;
        Ok(ExecuteRequest {
            target,
            dryrun: self.dryrun,
            period_end_millis,
        })
    }
}

/// `period_end` is an OpenSearch time value: a number with a unit (`1755684000000ms`, `s`,
/// `m`, ...); a bare number is milliseconds.
fn parse_time_value(text: &str) -> Result<i64, ApiError> {
    let bad = || {
        ApiError::bad_request(format!(
            "period_end: '{text}' is not a time value such as 1755684000000ms"
        ))
    };
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let factor = match unit {
        "" | "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    n.checked_mul(factor).ok_or_else(bad)
}

/// `POST _plugins/_alerting/monitors/<id>/_execute`.
pub(super) async fn execute_stored(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(params): Query<ExecuteParams>,
) -> Result<Json<Value>, ApiError> {
    let request = params.into_request(ExecuteTarget::Stored(id))?;
    Ok(Json(state.backend.execute(request).await?))
}

/// `POST _plugins/_alerting/monitors/_execute` with the monitor as the body.
pub(super) async fn execute_inline(
    State(state): State<ApiState>,
    Query(params): Query<ExecuteParams>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let monitor = parse_monitor(&body)?;
    let request = params.into_request(ExecuteTarget::Inline(monitor))?;
    Ok(Json(state.backend.execute(request).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_end_is_read_as_an_opensearch_time_value() {
        let cases = [
            ("1755684000000ms", Some(1_755_684_000_000)),
            ("1755684000000", Some(1_755_684_000_000)),
            ("1755684000s", Some(1_755_684_000_000)),
            ("2m", Some(120_000)),
            ("soon", None),
            ("12w", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_time_value(text).ok(), expected, "{text}");
        }
    }
}
