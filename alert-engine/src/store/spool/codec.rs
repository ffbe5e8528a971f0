//! The spool's records as JSON text: matches, silences, statuses, errors and delivery outcomes.
//! Instants are microseconds since the epoch, as in the SQLite state store.

use alert_core::alert::{DeliveryOutcome, ErrorRecord, Match, RuleStatus, Silence};
use alert_core::time::{Duration, Timestamp, WallTime};
use alert_core::{Error, Result};
use serde_json::{Value, json};

fn bad(what: &str, value: &Value) -> Error {
    Error::Store(format!("the spool holds a malformed {what}: {value}"))
}

fn int(value: &Value, key: &str, what: &str) -> Result<i64> {
    value[key].as_i64().ok_or_else(|| bad(what, value))
}

fn text(value: &Value, key: &str, what: &str) -> Result<String> {
    value[key]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| bad(what, value))
}

/// Parses stored JSON text.
pub(super) fn parse(text: &str, what: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| Error::Store(format!("the spool holds a malformed {what}: {e}")))
}

/// A list of matches.
pub(super) fn matches_json(matches: &[Match]) -> String {
    let list: Vec<Value> = matches
        .iter()
        .map(|m| json!({"t": m.timestamp.as_micros(), "body": m.body}))
        .collect();
    Value::Array(list).to_string()
}

/// Reads [`matches_json`].
pub(super) fn matches_from(text: &str) -> Result<Vec<Match>> {
    let value = parse(text, "match list")?;
    let list = value.as_array().ok_or_else(|| bad("match list", &value))?;
    list.iter()
        .map(|m| {
            Ok(Match {
                timestamp: Timestamp::from_micros(int(m, "t", "match")?),
                body: m["body"]
                    .as_object()
                    .cloned()
                    .ok_or_else(|| bad("match", m))?,
            })
        })
        .collect()
}

/// A rule status.
pub(super) fn status_json(status: &RuleStatus) -> String {
    json!({
        "rule": status.rule, "start": status.start.as_micros(), "end": status.end.as_micros(),
        "hits": status.hits, "matches": status.matches, "ran_at": status.ran_at.as_micros(),
        "time_taken": status.time_taken.as_micros(),
    })
    .to_string()
}

/// Reads [`status_json`].
pub(super) fn status_from(text: &str) -> Result<RuleStatus> {
    let v = parse(text, "status")?;
    let count = |key: &str| v[key].as_u64().ok_or_else(|| bad("status", &v));
    Ok(RuleStatus {
        rule: self::text(&v, "rule", "status")?,
        start: Timestamp::from_micros(int(&v, "start", "status")?),
        end: Timestamp::from_micros(int(&v, "end", "status")?),
        hits: count("hits")?,
        matches: count("matches")?,
        ran_at: WallTime::from_micros(int(&v, "ran_at", "status")?),
        time_taken: Duration::from_micros(int(&v, "time_taken", "status")?),
    })
}

/// A list of silences.
pub(super) fn silences_json(silences: &[Silence]) -> String {
    let list: Vec<Value> = silences
        .iter()
        .map(|s| json!({"rule": s.rule, "key": s.key, "until": s.until.as_micros(), "exponent": s.exponent}))
        .collect();
    Value::Array(list).to_string()
}

/// Reads [`silences_json`].
pub(super) fn silences_from(text: &str) -> Result<Vec<Silence>> {
    let value = parse(text, "silence list")?;
    let list = value
        .as_array()
        .ok_or_else(|| bad("silence list", &value))?;
    list.iter()
        .map(|s| {
            Ok(Silence {
                rule: self::text(s, "rule", "silence")?,
                key: self::text(s, "key", "silence")?,
                until: Timestamp::from_micros(int(s, "until", "silence")?),
                exponent: i32::try_from(int(s, "exponent", "silence")?)
                    .map_err(|_| bad("silence", s))?,
            })
        })
        .collect()
}

/// An error record.
pub(super) fn error_json(error: &ErrorRecord) -> String {
    json!({"rule": error.rule, "message": error.message, "at": error.at.as_micros(), "data": error.data})
        .to_string()
}

/// Reads [`error_json`].
pub(super) fn error_from(text: &str) -> Result<ErrorRecord> {
    let v = parse(text, "error record")?;
    Ok(ErrorRecord {
        rule: v["rule"].as_str().map(str::to_string),
        message: self::text(&v, "message", "error record")?,
        at: WallTime::from_micros(int(&v, "at", "error record")?),
        data: v["data"].clone(),
    })
}

/// A delivery outcome.
pub(super) fn outcome_json(outcome: &DeliveryOutcome) -> Value {
    match outcome {
        DeliveryOutcome::Delivered { at } => json!({"delivered": at.as_micros()}),
        DeliveryOutcome::Retry {
            at,
            error,
            next_attempt,
        } => json!({"retry": at.as_micros(), "error": error, "next": next_attempt.as_micros()}),
        DeliveryOutcome::Failed { at, error } => json!({"failed": at.as_micros(), "error": error}),
    }
}

/// Reads [`outcome_json`].
pub(super) fn outcome_from(v: &Value) -> Result<DeliveryOutcome> {
    let at = |key: &str| v[key].as_i64().map(WallTime::from_micros);
    if let Some(at) = at("delivered") {
        return Ok(DeliveryOutcome::Delivered { at });
    }
    let error = text(v, "error", "delivery outcome")?;
    match (at("retry"), at("next"), at("failed")) {
        (Some(at), Some(next_attempt), _) => Ok(DeliveryOutcome::Retry {
            at,
            error,
            next_attempt,
        }),
        (_, _, Some(at)) => Ok(DeliveryOutcome::Failed { at, error }),
        _ => Err(bad("delivery outcome", v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    #[test]
    fn every_record_reads_back_as_written() {
        let mut body = Map::new();
        body.insert("host".into(), json!("web-1"));
        let matches = vec![Match {
            timestamp: Timestamp::from_micros(-5),
            body,
        }];
        assert_eq!(matches_from(&matches_json(&matches)).unwrap(), matches);
        let status = RuleStatus {
            rule: "r".into(),
            start: Timestamp::from_micros(1),
            end: Timestamp::from_micros(2),
            hits: 3,
            matches: 4,
            ran_at: WallTime::from_micros(5),
            time_taken: Duration::from_micros(6),
        };
        assert_eq!(status_from(&status_json(&status)).unwrap(), status);
        let silences = vec![Silence {
            rule: "r".into(),
            key: "r.web-1".into(),
            until: Timestamp::from_micros(7),
            exponent: 2,
        }];
        assert_eq!(silences_from(&silences_json(&silences)).unwrap(), silences);
        let error = ErrorRecord {
            rule: None,
            message: "m".into(),
            at: WallTime::from_micros(8),
            data: json!({"query": "q"}),
        };
        assert_eq!(error_from(&error_json(&error)).unwrap(), error);
        let (at, error) = (WallTime::from_micros(9), String::from("503"));
        for outcome in [
            DeliveryOutcome::Delivered { at },
            DeliveryOutcome::Retry {
                at,
                error: error.clone(),
                next_attempt: WallTime::from_micros(10),
            },
            DeliveryOutcome::Failed { at, error },
        ] {
            assert_eq!(outcome_from(&outcome_json(&outcome)).unwrap(), outcome);
        }
        assert!(matches_from("[{\"t\": \"x\"}]").is_err());
    }
}
