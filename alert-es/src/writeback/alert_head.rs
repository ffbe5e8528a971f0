//! The head document of an alert in `<wb>`: ElastAlert2's alert document of its first match,
//! plus the fields ElastAlert2 ignores that make it our alert and outbox record:
//!
//! | field | holds |
//! |---|---|
//! | `alert_state` | `AGGREGATING`, `ACTIVE`, ... |
//! | `alert_alerters` | the rule's alerter names, in order |
//! | `alert_time_limit_us` | `alert_time_limit` in microseconds |
//! | `alert_delivery` | one entry per alerter: `{alerter, position, status, attempts, last_error, next_attempt, deadline}` |
//! | `alert_pending_at_us` | the earliest `next_attempt` of a pending entry (epoch µs), absent when none is pending |
//! | `alert_match_seq` | 0; the other matches are children (`aggregate_id` = the head's `_id`) ordered by it |
//!
//! `alert_sent` is true once no entry is pending and one was delivered; `alert_exception` holds
//! the last delivery error. An entry is an array element rather than a key per alerter because a
//! rule may name the same alerter twice.

use alert_core::alert::{AlertId, AlertState, DeliveryStatus, Match, StoredAlert};
use alert_core::time::{Duration, Timestamp, WallTime};
use serde_json::{Map, Value, json};

use super::documents::{AlertFields, alert_document};
use super::ids::alert_doc_id;
use crate::{Error, Result};

/// One alerter's delivery of an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The alerter's name.
    pub alerter: String,
    /// Its position in the rule's `alert` list.
    pub position: u32,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// When to try (again).
    pub next_attempt: WallTime,
    /// No attempt after this.
    pub deadline: WallTime,
}

/// An alert's head document, read or to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertHead {
    /// The alert (its `matches` hold only the head's own match).
    pub alert: StoredAlert,
    /// The rule's alerters.
    pub alerters: Vec<String>,
    /// `alert_time_limit`.
    pub time_limit: Duration,
    /// One entry per alerter once the alert is active; empty while it aggregates.
    pub deliveries: Vec<Delivery>,
}

impl AlertHead {
    /// Queues one pending delivery per alerter: first attempt at `first`, deadline
    /// `first` + the time limit.
    pub fn queue(&mut self, first: WallTime) {
        let deadline = first.plus(self.time_limit);
        self.deliveries = (0_u32..)
            .zip(&self.alerters)
            .map(|(position, alerter)| Delivery {
                alerter: alerter.clone(),
                position,
                status: DeliveryStatus::Pending,
                attempts: 0,
                last_error: None,
                next_attempt: first,
                deadline,
            })
            .collect();
    }

    /// The document to write.
    pub fn to_document(&self) -> Value {
        let alert = &self.alert;
        let empty = Match {
            timestamp: alert.alert_time,
            body: Map::new(),
        };
        let first = alert.matches.first().unwrap_or(&empty);
        let pending = self
            .deliveries
            .iter()
            .filter(|d| d.status == DeliveryStatus::Pending);
        let pending_at = pending.map(|d| d.next_attempt.as_micros()).min();
        let delivered = self
            .deliveries
            .iter()
            .any(|d| d.status == DeliveryStatus::Delivered);
        let last_error = self
            .deliveries
            .iter()
            .rev()
            .find_map(|d| d.last_error.as_deref());
        let fields = AlertFields {
            rule: &alert.rule,
            alert_info: json!({"type": self.alerters.first().map_or("", String::as_str)}),
            alert_sent: pending_at.is_none() && delivered,
            alert_time: alert.alert_time,
            aggregate_id: None,
            aggregation_key: alert.aggregation_key.as_deref(),
            alert_exception: last_error,
            now: alert.created_at,
        };
        let mut doc = alert_document(first, &fields);
        let extra = json!({
            "alert_state": alert.state.as_str(),
            "alert_alerters": self.alerters,
            "alert_time_limit_us": self.time_limit.as_micros(),
            "alert_delivery": self.deliveries.iter().map(delivery_json).collect::<Vec<_>>(),
            "alert_pending_at_us": pending_at,
            "alert_match_seq": 0,
        });
        if let (Value::Object(doc), Value::Object(extra)) = (&mut doc, extra) {
            doc.extend(extra.into_iter().filter(|(_, v)| !v.is_null()));
        }
        doc
    }

    /// Reads a head document (`_id`, `_source`).
    pub fn from_document(id: AlertId, source: &Value) -> Result<AlertHead> {
        let state_name = text(source, "alert_state")?;
        let state = AlertState::parse(state_name).ok_or_else(|| bad("alert_state", state_name))?;
        let alert_time = time(source, "alert_time")?;
        let matched = Match {
            timestamp: optional_time(source, "match_time")?.unwrap_or(alert_time),
            body: source["match_body"]
                .as_object()
                .cloned()
                .unwrap_or_default(),
        };
        let alert = StoredAlert {
            id,
            rule: text(source, "rule_name")?.to_string(),
            aggregation_key: source["aggregation_key"].as_str().map(str::to_string),
            state,
            created_at: WallTime::from_data_time(time(source, "@timestamp")?),
            alert_time,
            matches: vec![matched],
        };
        let alerters = source["alert_alerters"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let deliveries = source["alert_delivery"]
            .as_array()
            .map(|entries| entries.iter().map(delivery_from_json).collect())
            .transpose()?
            .unwrap_or_default();
        Ok(AlertHead {
            alert,
            alerters,
            time_limit: Duration::from_micros(source["alert_time_limit_us"].as_i64().unwrap_or(0)),
            deliveries,
        })
    }

    /// The head's `_id`.
    pub fn doc_id(&self) -> String {
        alert_doc_id(self.alert.id)
    }
}

fn delivery_json(d: &Delivery) -> Value {
    json!({
        "alerter": d.alerter,
        "position": d.position,
        "status": d.status.as_str(),
        "attempts": d.attempts,
        "last_error": d.last_error,
        "next_attempt": d.next_attempt.to_iso(),
        "deadline": d.deadline.to_iso(),
    })
}

fn delivery_from_json(entry: &Value) -> Result<Delivery> {
    let status_name = text(entry, "status")?;
    Ok(Delivery {
        alerter: text(entry, "alerter")?.to_string(),
        position: u32::try_from(entry["position"].as_u64().unwrap_or(0)).unwrap_or(u32::MAX),
        status: DeliveryStatus::parse(status_name).ok_or_else(|| bad("status", status_name))?,
        attempts: u32::try_from(entry["attempts"].as_u64().unwrap_or(0)).unwrap_or(u32::MAX),
        last_error: entry["last_error"].as_str().map(str::to_string),
        next_attempt: WallTime::from_data_time(time(entry, "next_attempt")?),
        deadline: WallTime::from_data_time(time(entry, "deadline")?),
    })
}

fn bad(field: &'static str, value: &str) -> Error {
    Error::WritebackDocument {
        field,
        message: format!("unknown value '{value}'"),
    }
}

fn text<'a>(source: &'a Value, field: &'static str) -> Result<&'a str> {
    source[field]
        .as_str()
        .ok_or_else(|| Error::WritebackDocument {
            field,
            message: "missing or not a string".into(),
        })
}

fn time(source: &Value, field: &'static str) -> Result<Timestamp> {
    optional_time(source, field)?.ok_or_else(|| Error::WritebackDocument {
        field,
        message: "missing".into(),
    })
}

fn optional_time(source: &Value, field: &'static str) -> Result<Option<Timestamp>> {
    match source[field].as_str() {
        None => Ok(None),
        Some(t) => Timestamp::parse_iso(t)
            .map(Some)
            .ok_or_else(|| bad(field, t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(state: AlertState) -> AlertHead {
        let t = Timestamp::from_micros(1_700_000_000_000_000);
        let mut body = Map::new();
        body.insert("host".into(), json!("web-1"));
        AlertHead {
            alert: StoredAlert {
                id: 77,
                rule: "r".into(),
                aggregation_key: Some("web-1".into()),
                state,
                created_at: WallTime::from_data_time(t),
                alert_time: t,
                matches: vec![Match { timestamp: t, body }],
            },
            alerters: vec!["slack".into(), "post".into()],
            time_limit: Duration::from_secs(3600),
            deliveries: vec![],
        }
    }

    #[test]
    fn a_queued_head_is_an_unsent_elastalert2_alert_with_pending_deliveries() {
        let mut head = head(AlertState::Active);
        head.queue(head.alert.created_at);
        let doc = head.to_document();
        assert_eq!(doc["alert_sent"], false);
        assert_eq!(doc["alert_info"], json!({"type": "slack"}));
        assert_eq!(doc["match_body"], json!({"host": "web-1"}));
        assert_eq!(doc["alert_pending_at_us"], json!(1_700_000_000_000_000_i64));
        assert_eq!(doc["alert_delivery"][1]["alerter"], "post");
        assert!(doc.get("aggregate_id").is_none());
        assert_eq!(AlertHead::from_document(77, &doc).unwrap(), head);
    }

    #[test]
    fn a_head_is_sent_once_nothing_is_pending_and_something_was_delivered() {
        let mut head = head(AlertState::Active);
        head.queue(head.alert.created_at);
        head.deliveries[0].status = DeliveryStatus::Delivered;
        head.deliveries[1].status = DeliveryStatus::Failed;
        head.deliveries[1].last_error = Some("HTTP 500".into());
        let doc = head.to_document();
        assert_eq!(doc["alert_sent"], true);
        assert_eq!(doc["alert_exception"], "HTTP 500");
        assert!(doc.get("alert_pending_at_us").is_none());
    }

    #[test]
    fn an_aggregating_head_has_no_deliveries() {
        let doc = head(AlertState::Aggregating).to_document();
        assert_eq!(doc["alert_state"], "AGGREGATING");
        assert_eq!(doc["alert_delivery"], json!([]));
        assert_eq!(doc["alert_sent"], false);
    }
}
