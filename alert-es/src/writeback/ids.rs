//! Deterministic document ids of the writeback store.
//!
//! Elasticsearch has no transactions, so a run that crashes after writing its alerts but before
//! its status is replayed from the old status and finds the same matches again. Alert documents
//! therefore get an `_id` computed from the alert itself (rule, aggregation key, first match)
//! and are written with `op_type=create`: the replay's write conflicts and is skipped instead of
//! duplicating the alert or resetting its deliveries. FNV-1a is used because it is stable across
//! Rust releases (std's hasher is not).

use alert_core::alert::{AlertId, Match, OutboxId};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
/// Alert ids keep 52 bits, so that an outbox id (alert id, alerter position) fits an `i64`.
const ALERT_ID_BITS: u32 = 52;
/// Bits of an outbox id that hold the alerter's position in the rule's `alert` list.
const ALERTER_BITS: u32 = 8;

/// FNV-1a over parts, each followed by a separator byte.
pub(crate) fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash = FNV_OFFSET;
    for part in parts {
        for byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(FNV_PRIME);
        }
    }
    hash
}

fn match_hash(matched: &Match, occurrence: usize) -> u64 {
    let body = serde_json::to_string(&matched.body).unwrap_or_default();
    fnv1a(&[
        &matched.timestamp.as_micros().to_be_bytes(),
        body.as_bytes(),
        &occurrence.to_be_bytes(),
    ])
}

/// The id of a new alert: a hash of its rule, aggregation key and first match, and of
/// `occurrence`, how many alerts with the same three came before it in the same run. A run
/// may raise identical alerts (a flatline with `use_count_query` and `realert: 0`), and
/// ElastAlert2 sends each; a replay of the run raises them in the same order, so its writes
/// still conflict one for one.
///
/// ```
/// use alert_core::alert::Match;
/// use alert_core::time::Timestamp;
/// use alert_es::writeback::alert_id_of;
/// let m = Match { timestamp: Timestamp::from_micros(1), body: Default::default() };
/// assert_eq!(alert_id_of("r", None, Some(&m), 0), alert_id_of("r", None, Some(&m), 0));
/// assert_ne!(alert_id_of("r", None, Some(&m), 0), alert_id_of("s", None, Some(&m), 0));
/// assert_ne!(alert_id_of("r", None, Some(&m), 0), alert_id_of("r", None, Some(&m), 1));
/// ```
pub fn alert_id_of(
    rule: &str,
    aggregation_key: Option<&str>,
    first: Option<&Match>,
    occurrence: usize,
) -> AlertId {
    let first_hash = first.map(|m| match_hash(m, occurrence)).unwrap_or(0);
    let hash = fnv1a(&[
        rule.as_bytes(),
        aggregation_key.unwrap_or("\u{0}").as_bytes(),
        &first_hash.to_be_bytes(),
    ]);
    // Masked to 52 bits: non-negative, and room for the alerter position.
    (hash & ((1 << ALERT_ID_BITS) - 1)) as AlertId
}

/// The `_id` of an alert's head document (the one holding its first match).
pub fn alert_doc_id(id: AlertId) -> String {
    format!("alert-{id:013x}")
}

/// The alert id of a head document's `_id`, if it is one of ours.
pub fn alert_id_from_doc_id(doc_id: &str) -> Option<AlertId> {
    let hex = doc_id.strip_prefix("alert-")?;
    (hex.len() == 13)
        .then(|| AlertId::from_str_radix(hex, 16).ok())
        .flatten()
}

/// The `_id` of the `occurrence`-th copy of `matched` among an alert's other matches.
pub fn child_doc_id(head: AlertId, matched: &Match, occurrence: usize) -> String {
    format!(
        "{}-{:016x}",
        alert_doc_id(head),
        match_hash(matched, occurrence)
    )
}

/// The outbox id of an alert's alerter at `position` in the rule's `alert` list (at most 255
/// alerters).
pub fn outbox_id(alert: AlertId, position: u32) -> OutboxId {
    (alert << ALERTER_BITS) | OutboxId::from(position & ((1 << ALERTER_BITS) - 1))
}

/// The alert and alerter position of an outbox id.
pub fn split_outbox_id(id: OutboxId) -> (AlertId, u32) {
    let position = (id & ((1 << ALERTER_BITS) - 1)) as u32;
    (id >> ALERTER_BITS, position)
}

/// The `_id` of the silence document of a key: one per key, so that setting a silence replaces
/// it (ElastAlert2 appends one per realert; its newest-`until` read still works on ours).
pub fn silence_doc_id(key: &str) -> String {
    format!("silence-{:016x}", fnv1a(&[key.as_bytes()]))
}

/// The `_id` of a source file's position document in `<wb>_status`.
pub fn position_doc_id(path: &str) -> String {
    format!("source-position-{:016x}", fnv1a(&[path.as_bytes()]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alert_core::time::Timestamp;
    use serde_json::{Map, json};

    fn m(n: i64) -> Match {
        let mut body = Map::new();
        body.insert("n".into(), json!(n));
        Match {
            timestamp: Timestamp::from_micros(n),
            body,
        }
    }

    #[test]
    fn alert_ids_depend_on_rule_key_and_first_match_only() {
        let id = alert_id_of("r", Some("k"), Some(&m(1)), 0);
        let cases = [
            (alert_id_of("r", Some("k"), Some(&m(1)), 0), true),
            (alert_id_of("r", None, Some(&m(1)), 0), false),
            (alert_id_of("r", Some("k"), Some(&m(2)), 0), false),
            (alert_id_of("r2", Some("k"), Some(&m(1)), 0), false),
        ];
        for (other, same) in cases {
            assert_eq!(other == id, same);
        }
        assert!((0..1 << 52).contains(&id));
    }

    #[test]
    fn ids_round_trip_through_their_documents() {
        let id = alert_id_of("r", None, Some(&m(3)), 0);
        assert_eq!(alert_id_from_doc_id(&alert_doc_id(id)), Some(id));
        assert_eq!(alert_id_from_doc_id("AbC123"), None);
        assert_eq!(split_outbox_id(outbox_id(id, 3)), (id, 3));
        assert_ne!(child_doc_id(id, &m(1), 0), child_doc_id(id, &m(1), 1));
    }
}
