//! The documents and record changes behind [`EsStateStore`](super::EsStateStore): a new
//! alert's head, the child documents of its other matches, delivery outcomes on the head, and
//! silences with their rule.

use alert_core::alert::{
    AlertState, DeliveryOutcome, DeliveryStatus, Match, NewAlert, OutboxId, Silence, StoredAlert,
};
use alert_core::time::{Timestamp, WallTime};
use serde_json::{Value, json};

use super::alert_head::AlertHead;
use super::documents::{AlertFields, alert_document, silence_document, silence_from_document};
use super::ids::{alert_id_of, child_doc_id};
use super::store_io::StoredDoc;

type CoreResult<T> = alert_core::Result<T>;

/// The head of a new alert, the `occurrence`-th of its rule, key and first match in its run.
pub(crate) fn new_head(new: &NewAlert, at: WallTime, occurrence: usize) -> AlertHead {
    let id = alert_id_of(
        &new.rule,
        new.aggregation_key.as_deref(),
        new.matches.first(),
        occurrence,
    );
    let mut head = AlertHead {
        alert: StoredAlert {
            id,
            rule: new.rule.clone(),
            aggregation_key: new.aggregation_key.clone(),
            state: new.state,
            created_at: at,
            alert_time: new.alert_time,
            matches: new.matches.iter().take(1).cloned().collect(),
        },
        alerters: new.alerters.clone(),
        time_limit: new.time_limit,
        deliveries: Vec::new(),
    };
    if new.state == AlertState::Active {
        head.queue(at);
    }
    head
}

/// Child documents, ordered by `alert_match_seq` (the write time in µs × 1000 + position).
pub(crate) fn child_documents(
    head: &AlertHead,
    matches: &[Match],
    at: WallTime,
) -> Vec<(String, Value)> {
    let head_id = head.doc_id();
    let mut seen: Vec<&Match> = Vec::new();
    (1_i64..)
        .zip(matches)
        .map(|(n, matched)| {
            let occurrence = seen.iter().filter(|m| **m == matched).count();
            seen.push(matched);
            let fields = AlertFields {
                rule: &head.alert.rule,
                alert_info: json!({"type": head.alerters.first().map_or("", String::as_str)}),
                alert_sent: false,
                alert_time: head.alert.alert_time,
                aggregate_id: Some(&head_id),
                aggregation_key: head.alert.aggregation_key.as_deref(),
                alert_exception: None,
                now: at,
            };
            let mut doc = alert_document(matched, &fields);
            doc["alert_match_seq"] = json!(
                at.as_micros()
                    .saturating_mul(1000)
                    .saturating_add(n.min(999))
            );
            (child_doc_id(head.alert.id, matched, occurrence), doc)
        })
        .collect()
}

pub(crate) fn child_match(source: &Value) -> Match {
    let timestamp = ["match_time", "alert_time"]
        .iter()
        .find_map(|f| source[*f].as_str().and_then(Timestamp::parse_iso))
        .unwrap_or(Timestamp::from_micros(0));
    Match {
        timestamp,
        body: source["match_body"]
            .as_object()
            .cloned()
            .unwrap_or_default(),
    }
}

pub(crate) fn apply_outcome(
    id: OutboxId,
    head: &mut AlertHead,
    position: u32,
    outcome: &DeliveryOutcome,
) -> CoreResult<()> {
    let entry = head
        .deliveries
        .iter_mut()
        .find(|d| d.position == position)
        .ok_or_else(|| alert_core::Error::Store(format!("no outbox row {id}")))?;
    if entry.status != DeliveryStatus::Pending {
        return Err(alert_core::Error::Store(format!(
            "cannot record a delivery on outbox row {id}: it is already {}",
            entry.status.as_str()
        )));
    }
    match outcome {
        DeliveryOutcome::Delivered { .. } => entry.status = DeliveryStatus::Delivered,
        DeliveryOutcome::Retry {
            error,
            next_attempt,
            ..
        } => {
            entry.attempts += 1;
            entry.last_error = Some(error.clone());
            entry.next_attempt = *next_attempt;
        }
        DeliveryOutcome::Failed { error, .. } => {
            entry.status = DeliveryStatus::Failed;
            entry.attempts += 1;
            entry.last_error = Some(error.clone());
        }
    }
    Ok(())
}

pub(crate) fn silence_with_rule(silence: &Silence, now: WallTime) -> Value {
    let mut doc = silence_document(silence, now);
    doc["alert_rule"] = json!(silence.rule);
    doc
}

/// Silences from documents: the rule from `alert_rule`, else `fallback`, else the key up to
/// its first dot; one per key (the first seen, the query sorts by `until` descending). With
/// `fallback` (one rule's silences) documents whose `alert_rule` names another rule are dropped.
pub(crate) fn silences_from(
    docs: &[StoredDoc],
    fallback: Option<&str>,
) -> CoreResult<Vec<Silence>> {
    let mut silences: Vec<Silence> = Vec::new();
    for doc in docs {
        let key = doc.source["rule_name"].as_str().unwrap_or_default();
        let own_rule = doc.source["alert_rule"].as_str();
        if let (Some(own), Some(wanted)) = (own_rule, fallback)
            && own != wanted
        {
            continue; // the key of a rule whose name extends this one (`r` and `r.x`)
        }
        let rule = own_rule
            .or(fallback)
            .unwrap_or_else(|| key.split('.').next().unwrap_or(key));
        let silence =
            silence_from_document(rule, &doc.source).map_err(super::store::store_error)?;
        if !silences.iter().any(|s| s.key == silence.key) {
            silences.push(silence);
        }
    }
    silences.sort_by(|a, b| (&a.rule, &a.key).cmp(&(&b.rule, &b.key)));
    Ok(silences)
}
