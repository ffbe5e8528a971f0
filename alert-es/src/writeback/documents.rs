//! The documents of the writeback indices, with ElastAlert2's exact schemas, to and from our
//! records, so that an existing deployment (and its Kibana dashboards) keeps working.

use alert_core::alert::{ErrorRecord, Match, RuleStatus, Silence};
use alert_core::time::{Duration, Timestamp, WallTime};
use serde_json::{Map, Value, json};

use crate::{Error, Result};

/// A `<wb>_status` document: one per completed rule run.
///
/// ```
/// use alert_core::alert::RuleStatus;
/// use alert_core::time::{Duration, Timestamp, WallTime};
/// use alert_es::writeback::status_document;
/// let t = |s: &str| Timestamp::parse_iso(s).unwrap();
/// let status = RuleStatus { rule: "r".into(), start: t("2024-01-01T00:00:00Z"),
///     end: t("2024-01-01T00:45:00Z"), hits: 105, matches: 1,
///     ran_at: WallTime::from_data_time(t("2024-01-01T00:45:01.5Z")),
///     time_taken: Duration::from_micros(310_000) };
/// let doc = status_document(&status);
/// assert_eq!(doc["time_taken"], 0.31);
/// assert_eq!(doc["endtime"], "2024-01-01T00:45:00Z");
/// assert_eq!(doc["@timestamp"], "2024-01-01T00:45:01.500Z");
/// ```
pub fn status_document(status: &RuleStatus) -> Value {
    json!({
        "rule_name": status.rule,
        "starttime": status.start.to_iso(),
        "endtime": status.end.to_iso(),
        "matches": status.matches,
        "hits": status.hits,
        "time_taken": status.time_taken.as_micros().max(0) as f64 / 1e6,
        "@timestamp": status.ran_at.to_iso(),
    })
}

/// Reads a `<wb>_status` document back. ElastAlert2 itself reads only `endtime`; the other
/// fields default when absent (documents it wrote with `_source` filtering, or by hand).
pub fn status_from_document(source: &Value) -> Result<RuleStatus> {
    let end = timestamp_field(source, "endtime")?;
    Ok(RuleStatus {
        rule: string_field(source, "rule_name")?,
        start: optional_timestamp(source, "starttime")?.unwrap_or(end),
        end,
        hits: source["hits"].as_u64().unwrap_or(0),
        matches: source["matches"].as_u64().unwrap_or(0),
        ran_at: WallTime::from_data_time(optional_timestamp(source, "@timestamp")?.unwrap_or(end)),
        time_taken: Duration::from_micros(
            (source["time_taken"].as_f64().unwrap_or(0.0) * 1e6).round() as i64,
        ),
    })
}

/// A `<wb>_silence` document: `rule_name` holds the silence key, as in ElastAlert2.
pub fn silence_document(silence: &Silence, now: WallTime) -> Value {
    json!({
        "rule_name": silence.key,
        "until": silence.until.to_iso(),
        "exponent": silence.exponent,
        "@timestamp": now.to_iso(),
    })
}

/// Reads a `<wb>_silence` document back for `rule` (the key is the document's `rule_name`).
pub fn silence_from_document(rule: &str, source: &Value) -> Result<Silence> {
    let exponent = source["exponent"].as_i64().unwrap_or(0);
    Ok(Silence {
        rule: rule.to_string(),
        key: string_field(source, "rule_name")?,
        until: timestamp_field(source, "until")?,
        exponent: i32::try_from(exponent).map_err(|_| Error::WritebackDocument {
            field: "exponent",
            message: format!("{exponent} is out of range"),
        })?,
    })
}

/// A `<wb>_error` document. `traceback` has no counterpart here (there is no Python stack):
/// it holds the message, one line, so that dashboards over the field still show something.
pub fn error_document(error: &ErrorRecord) -> Value {
    let mut data = match &error.data {
        Value::Object(map) => map.clone(),
        Value::Null => Map::new(),
        other => Map::from_iter([("data".to_string(), other.clone())]),
    };
    if let Some(rule) = &error.rule {
        data.entry("rule").or_insert_with(|| json!(rule));
    }
    json!({
        "message": error.message,
        "traceback": [error.message],
        "data": data,
        "@timestamp": error.at.to_iso(),
    })
}

/// The fields of one `<wb>` alert document besides the match.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertFields<'a> {
    /// The rule's name.
    pub rule: &'a str,
    /// The first alerter's `get_info()` (`{"type": "slack", ...}`).
    pub alert_info: Value,
    /// Whether it was sent.
    pub alert_sent: bool,
    /// When it was (or is to be) sent.
    pub alert_time: Timestamp,
    /// The `_id` of the first document of its aggregation, for the others.
    pub aggregate_id: Option<&'a str>,
    /// The `aggregation_key` value.
    pub aggregation_key: Option<&'a str>,
    /// Why sending failed, when it did.
    pub alert_exception: Option<&'a str>,
    /// When the document is written.
    pub now: WallTime,
}

/// A `<wb>` alert document: one per match, as ElastAlert2's `writeback('elastalert', ...)`.
pub fn alert_document(matched: &Match, fields: &AlertFields<'_>) -> Value {
    let mut doc = Map::new();
    doc.insert("match_body".into(), Value::Object(matched.body.clone()));
    doc.insert("rule_name".into(), json!(fields.rule));
    doc.insert("alert_info".into(), fields.alert_info.clone());
    doc.insert("alert_sent".into(), json!(fields.alert_sent));
    doc.insert("alert_time".into(), json!(fields.alert_time.to_iso()));
    doc.insert("match_time".into(), json!(matched.timestamp.to_iso()));
    if let Some(id) = fields.aggregate_id {
        doc.insert("aggregate_id".into(), json!(id));
    }
    if let Some(key) = fields.aggregation_key {
        doc.insert("aggregation_key".into(), json!(key));
    }
    if let Some(exception) = fields.alert_exception {
        doc.insert("alert_exception".into(), json!(exception));
    }
    doc.insert("@timestamp".into(), json!(fields.now.to_iso()));
    Value::Object(doc)
}

fn string_field(source: &Value, field: &'static str) -> Result<String> {
    source[field]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Error::WritebackDocument {
            field,
            message: "missing or not a string".into(),
        })
}

fn timestamp_field(source: &Value, field: &'static str) -> Result<Timestamp> {
    optional_timestamp(source, field)?.ok_or_else(|| Error::WritebackDocument {
        field,
        message: "missing".into(),
    })
}

fn optional_timestamp(source: &Value, field: &'static str) -> Result<Option<Timestamp>> {
    match &source[field] {
        Value::Null => Ok(None),
        Value::String(text) => {
            Timestamp::parse_iso(text)
                .map(Some)
                .ok_or_else(|| Error::WritebackDocument {
                    field,
                    message: format!("'{text}' is not an ISO 8601 time"),
                })
        }
        other => Err(Error::WritebackDocument {
            field,
            message: format!("expected an ISO 8601 string, found {other}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_iso(s).unwrap()
    }

    #[test]
    fn status_round_trips_through_elastalert2_schema() {
        let status = RuleStatus {
            rule: "My rule".into(),
            start: t("2024-01-01T00:00:00Z"),
            end: t("2024-01-01T00:45:00Z"),
            hits: 105,
            matches: 1,
            ran_at: WallTime::from_data_time(t("2024-01-01T00:45:01.5Z")),
            time_taken: Duration::from_micros(310_000),
        };
        let doc = status_document(&status);
        assert_eq!(
            doc,
            json!({"rule_name": "My rule", "starttime": "2024-01-01T00:00:00Z",
                   "endtime": "2024-01-01T00:45:00Z", "matches": 1, "hits": 105,
                   "time_taken": 0.31, "@timestamp": "2024-01-01T00:45:01.500Z"})
        );
        assert_eq!(status_from_document(&doc).unwrap(), status);
    }

    #[test]
    fn a_status_written_by_elastalert2_reads_with_only_endtime() {
        let doc = json!({"rule_name": "r", "endtime": "2024-01-01T00:45:00.123456Z"});
        let status = status_from_document(&doc).unwrap();
        assert_eq!(status.end, t("2024-01-01T00:45:00.123456Z"));
        assert_eq!((status.start, status.hits), (status.end, 0));
    }

    #[test]
    fn bad_documents_name_the_field() {
        let cases = [
            (json!({"rule_name": "r"}), "endtime"),
            (json!({"rule_name": "r", "endtime": "yesterday"}), "endtime"),
            (json!({"endtime": "2024-01-01T00:00:00Z"}), "rule_name"),
        ];
        for (doc, field) in cases {
            let err = status_from_document(&doc).unwrap_err().to_string();
            assert!(err.contains(field), "{err}");
        }
    }

    #[test]
    fn silence_uses_the_key_as_rule_name() {
        let silence = Silence {
            rule: "r".into(),
            key: "r.bob".into(),
            until: t("2024-01-01T01:00:00Z"),
            exponent: 2,
        };
        let doc = silence_document(
            &silence,
            WallTime::from_data_time(t("2024-01-01T00:00:00Z")),
        );
        assert_eq!(
            doc,
            json!({"rule_name": "r.bob", "until": "2024-01-01T01:00:00Z", "exponent": 2,
                   "@timestamp": "2024-01-01T00:00:00Z"})
        );
        assert_eq!(silence_from_document("r", &doc).unwrap(), silence);
    }

    #[test]
    fn error_document_keeps_the_rule_in_data() {
        let error = ErrorRecord {
            rule: Some("r".into()),
            message: "Error running query: boom".into(),
            at: WallTime::from_data_time(t("2024-01-01T00:00:00Z")),
            data: json!({"query": {"match_all": {}}}),
        };
        assert_eq!(
            error_document(&error),
            json!({"message": "Error running query: boom",
                   "traceback": ["Error running query: boom"],
                   "data": {"query": {"match_all": {}}, "rule": "r"},
                   "@timestamp": "2024-01-01T00:00:00Z"})
        );
    }

    #[test]
    fn alert_document_has_elastalert2_fields_and_optional_ones_only_when_set() {
        let mut body = Map::new();
        body.insert("user".into(), json!("bob"));
        let matched = Match {
            timestamp: t("2024-01-01T00:44:10Z"),
            body,
        };
        let mut fields = AlertFields {
            rule: "My rule",
            alert_info: json!({"type": "slack"}),
            alert_sent: true,
            alert_time: t("2024-01-01T00:45:02Z"),
            aggregate_id: None,
            aggregation_key: None,
            alert_exception: None,
            now: WallTime::from_data_time(t("2024-01-01T00:45:02Z")),
        };
        assert_eq!(
            alert_document(&matched, &fields),
            json!({"match_body": {"user": "bob"}, "rule_name": "My rule",
                   "alert_info": {"type": "slack"}, "alert_sent": true,
                   "alert_time": "2024-01-01T00:45:02Z", "match_time": "2024-01-01T00:44:10Z",
                   "@timestamp": "2024-01-01T00:45:02Z"})
        );
        fields.alert_sent = false;
        fields.aggregate_id = Some("abc");
        fields.aggregation_key = Some("bob");
        fields.alert_exception = Some("HTTP 500");
        let doc = alert_document(&matched, &fields);
        assert_eq!(
            (
                &doc["aggregate_id"],
                &doc["aggregation_key"],
                &doc["alert_exception"]
            ),
            (&json!("abc"), &json!("bob"), &json!("HTTP 500"))
        );
    }
}
