//! Shard failures: a search that partly failed still answers, so ElastAlert2 checks
//! `_shards.failures` and turns "Failed to parse" reasons (a filter the mapping cannot take)
//! into a query error instead of silently using partial results.

use serde_json::Value;

use crate::{Error, Result};

/// Fails when `_shards.failures` holds a "Failed to parse" reason, or failures of a shape
/// that cannot be read (reported whole); other failures pass, as in ElastAlert2.
///
/// ```
/// use serde_json::json;
/// let bad = json!({"_shards": {"failures": [{"reason": {"reason": "Failed to parse query [x]"}}]}});
/// assert!(alert_es::response::check_shard_failures(&bad).is_err());
/// assert!(alert_es::response::check_shard_failures(&json!({"_shards": {"failed": 0}})).is_ok());
/// ```
pub fn check_shard_failures(response: &Value) -> Result<()> {
    let Some(failures) = response
        .pointer("/_shards/failures")
        .and_then(Value::as_array)
    else {
        return Ok(());
    };
    let mut parse_errors = Vec::new();
    for failure in failures {
        let Some(reason) = failure.pointer("/reason/reason").and_then(Value::as_str) else {
            return Err(Error::ShardFailures(
                Value::Array(failures.clone()).to_string(),
            ));
        };
        if reason.contains("Failed to parse") {
            parse_errors.push(reason.to_string());
        }
    }
    if parse_errors.is_empty() {
        Ok(())
    } else {
        Err(Error::ShardFailures(parse_errors.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_parse_failures_and_unreadable_failures_are_errors() {
        let failure = |reason: &str| json!({"shard": 0, "reason": {"type": "x", "reason": reason}});
        let cases = [
            (json!({}), true),
            (json!({"_shards": {"failures": []}}), true),
            (
                json!({"_shards": {"failures": [failure("node left")]}}),
                true,
            ),
            (
                json!({"_shards": {"failures": [failure("node left"), failure("Failed to parse date")]}}),
                false,
            ),
            (
                json!({"_shards": {"failures": [{"reason": "text"}]}}),
                false,
            ),
        ];
        for (response, ok) in cases {
            assert_eq!(check_shard_failures(&response).is_ok(), ok, "{response}");
        }
    }
}
