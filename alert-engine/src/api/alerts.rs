//! Handlers of alerts: `GET monitors/alerts` (filters and paging as OpenSearch's query
//! parameters), `_acknowledge/alerts`, and ours, `_complete/alerts`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::ApiState;
use super::backend::{AlertChange, AlertQuery};
use super::reply::ApiError;

/// `GET _plugins/_alerting/monitors/alerts`.
pub(super) async fn list(
    State(state): State<ApiState>,
    query: Result<Query<AlertQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if !matches!(query.sort_order.as_str(), "asc" | "desc") {
        return Err(ApiError::bad_request("sortOrder: expected asc or desc"));
    }
    let page = state.backend.alerts(&query).await?;
    Ok(Json(
        json!({"alerts": page.alerts, "totalAlerts": page.total_alerts}),
    ))
}

/// The body of `_acknowledge/alerts` and `_complete/alerts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertIds {
    alerts: Vec<String>,
}

fn alert_ids(body: &Bytes) -> Result<Vec<String>, ApiError> {
    let ids: AlertIds = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("request body: {e}")))?;
    if ids.alerts.is_empty() {
        return Err(ApiError::bad_request(
            "alerts: at least one alert id is required",
        ));
    }
    Ok(ids.alerts)
}

fn change_response(change: &AlertChange) -> Json<Value> {
    let failed: Vec<Value> = change
        .failed
        .iter()
        .map(|(id, reason)| json!({ id.as_str(): {"failed_reason": reason} }))
        .collect();
    let success: Vec<Value> = change.success.iter().map(|id| json!(id)).collect();
    Json(json!({"success": success, "failed": failed}))
}

/// `POST _plugins/_alerting/monitors/<id>/_acknowledge/alerts`.
pub(super) async fn acknowledge(
    State(state): State<ApiState>,
    Path(monitor_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let ids = alert_ids(&body)?;
    Ok(change_response(
        &state.backend.acknowledge(&monitor_id, &ids).await?,
    ))
}

/// `POST _plugins/_alerting/monitors/<id>/_complete/alerts` (ours).
pub(super) async fn complete(
    State(state): State<ApiState>,
    Path(monitor_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let ids = alert_ids(&body)?;
    Ok(change_response(
        &state.backend.complete(&monitor_id, &ids).await?,
    ))
}
