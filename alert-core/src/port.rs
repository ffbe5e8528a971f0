//! The ports between the pure core and the world: where documents come from
//! ([`SearchBackend`]), where state goes ([`StateStore`]) and how alerts leave
//! ([`Notifier`]). The engine and the backend crates implement them; the core only names them.
//!
//! Every method is async (ports are used from the engine's runtime) and object safe.

use async_trait::async_trait;
use serde_json::Value;

use crate::Result;
use crate::alert::{
    AlertId, DeliveryOutcome, DeliveryStatus, ErrorRecord, OpenAggregate, OutboxId, OutboxItem,
    PendingWork, RuleStatus, RunCommit, Silence, SourcePosition, StoredAlert,
};
use crate::config::{AlerterRef, Rule};
use crate::document::Event;
use crate::plan::Segment;
use crate::time::{Timestamp, WallTime};

/// A time range with explicit bounds: rule queries are `(start, end]`, new_term's baseline
/// windows `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// The lower bound.
    pub start: Timestamp,
    /// Whether `start` itself is in the range.
    pub start_inclusive: bool,
    /// The upper bound.
    pub end: Timestamp,
    /// Whether `end` itself is in the range.
    pub end_inclusive: bool,
}

impl TimeRange {
    /// `[start, end)`.
    pub fn half_open(start: Timestamp, end: Timestamp) -> Self {
        TimeRange {
            start,
            start_inclusive: true,
            end,
            end_inclusive: false,
        }
    }

    /// Whether `t` is in the range.
    ///
    /// ```
    /// use alert_core::plan::Segment;
    /// use alert_core::port::TimeRange;
    /// use alert_core::time::Timestamp;
    /// let (a, b) = (Timestamp::from_micros(0), Timestamp::from_micros(10));
    /// let segment = TimeRange::from(Segment { start: a, end: b });
    /// assert!(!segment.contains(a) && segment.contains(b));
    /// assert!(TimeRange::half_open(a, b).contains(a));
    /// ```
    pub fn contains(&self, t: Timestamp) -> bool {
        let above = if self.start_inclusive {
            t >= self.start
        } else {
            t > self.start
        };
        let below = if self.end_inclusive {
            t <= self.end
        } else {
            t < self.end
        };
        above && below
    }
}

impl From<Segment> for TimeRange {
    fn from(segment: Segment) -> Self {
        TimeRange {
            start: segment.start,
            start_inclusive: false,
            end: segment.end,
            end_inclusive: true,
        }
    }
}

/// One query of a rule: its index, timestamp field and filters, over a time range.
#[derive(Debug, Clone, Copy)]
pub struct SearchQuery<'a> {
    /// The rule (index, timestamp field and type, query options).
    pub rule: &'a Rule,
    /// The filters to apply: the rule's, plus any the engine adds (blacklist/whitelist terms).
    pub filters: &'a [Value],
    /// The time range on the rule's timestamp field.
    pub range: TimeRange,
    /// Date math in filters (`now-1h`) is relative to this instant.
    pub now: Timestamp,
}

/// An aggregation query's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregationAnswer {
    /// The ES-shaped `aggregations` object.
    pub aggregations: Value,
    /// How many documents matched the query (`hits.total.value`).
    pub hits: u64,
}

/// A whole search body run against indices: an OpenSearch monitor's `search` input
/// (`{"size": 0, "query": {...}, "aggregations": {...}}`) after its Mustache rendering.
#[derive(Debug, Clone, Copy)]
pub struct RawSearch<'a> {
    /// Index names or patterns (`logs-*`), as the monitor lists them.
    pub indices: &'a [String],
    /// The search body.
    pub body: &'a Value,
    /// Date math in the body (`now-30m`) is relative to this instant.
    pub now: Timestamp,
}

/// Where documents come from: Elasticsearch/OpenSearch, or local logs.
#[async_trait]
pub trait SearchBackend: Send + Sync {
    /// The matching documents, sorted by timestamp, each with `_id` and `_index`.
    async fn search(&self, query: &SearchQuery<'_>) -> Result<Vec<Event>>;

    /// How many documents match (`use_count_query`).
    async fn count(&self, query: &SearchQuery<'_>) -> Result<u64>;

    /// The terms buckets (`[{"key", "doc_count"}]`) of `field` over the matching documents.
    async fn terms(
        &self,
        query: &SearchQuery<'_>,
        field: &str,
        size: usize,
        min_doc_count: u64,
    ) -> Result<Vec<Value>>;

    /// Runs an ES `aggs` body over the matching documents.
    async fn aggregate(&self, query: &SearchQuery<'_>, aggs: &Value) -> Result<AggregationAnswer>;

    /// Runs a whole search body (a monitor's input) and returns the response JSON as the
    /// cluster would (`hits.total.value`, `hits.hits`, `aggregations`, `_shards`, `took`,
    /// `timed_out`).
    ///
    /// A backend that cannot run search bodies keeps this default, an error saying so (never
    /// an empty answer, which a monitor's trigger would read as "nothing happened").
    async fn search_raw(&self, search: &RawSearch<'_>) -> Result<Value> {
        Err(crate::Error::NotSupportedYet(format!(
            "running a whole search body (a monitor's input) on indices {:?} with this search backend",
            search.indices
        )))
    }
}

/// Where the engine keeps what must survive a restart.
///
/// A rule run's outcome is written with one [`StateStore::commit_run`] call, in one
/// transaction; outbox rows are created in the same transaction as the alert they notify.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// The rule's status after its last committed run.
    async fn rule_status(&self, rule: &str) -> Result<Option<RuleStatus>>;

    /// Writes a run's status, silences and alerts (with outbox rows for active alerts) at
    /// once, returning the ids of new alerts in order.
    async fn commit_run(&self, commit: &RunCommit) -> Result<Vec<AlertId>>;

    /// The silences of a rule whose `until` is after `now`.
    async fn silences(&self, rule: &str, now: Timestamp) -> Result<Vec<Silence>>;

    /// All silences whose `until` is after `now` (`alert silence --list`).
    async fn all_silences(&self, now: Timestamp) -> Result<Vec<Silence>>;

    /// Sets (or replaces) a silence by key (`alert silence`).
    async fn set_silence(&self, silence: &Silence) -> Result<()>;

    /// The rule's aggregating alerts.
    async fn open_aggregates(&self, rule: &str) -> Result<Vec<OpenAggregate>>;

    /// Turns aggregating alerts whose `alert_time` has come by `now` (data time) into active
    /// alerts with outbox rows (one per alerter, `deadline` = `at` + the alert's time limit),
    /// returning their ids.
    async fn release_due_aggregates(&self, now: Timestamp, at: WallTime) -> Result<Vec<AlertId>>;

    /// Pending outbox rows whose next attempt is due by `now` (wall clock), oldest first.
    async fn due_deliveries(&self, now: WallTime, limit: usize) -> Result<Vec<OutboxItem>>;

    /// Records the outcome of a send attempt on an outbox row.
    async fn record_delivery(&self, id: OutboxId, outcome: &DeliveryOutcome) -> Result<()>;

    /// An alert by id.
    async fn alert(&self, id: AlertId) -> Result<Option<StoredAlert>>;

    /// The delivery status of each alerter of an alert: `(alerter, status, attempts, last error)`.
    async fn deliveries(
        &self,
        id: AlertId,
    ) -> Result<Vec<(String, DeliveryStatus, u32, Option<String>)>>;

    /// Outbox rows not delivered yet.
    async fn outbox_depth(&self) -> Result<u64>;

    /// What waits, in one look at `now` (wall clock) (a store on a cluster answers it with one
    /// request, so that an idle daemon reads little; a store that keeps writes aside replays
    /// them then). The default asks [`StateStore::outbox_depth`] and gives times long past,
    /// which the engine reads as "look at the outbox and the aggregates now".
    async fn pending_work(&self, now: WallTime) -> Result<PendingWork> {
        let _ = now;
        let now = Some(WallTime::from_micros(i64::MIN));
        Ok(PendingWork {
            outbox_depth: self.outbox_depth().await?,
            next_delivery: now,
            next_aggregate: Some(Timestamp::from_micros(i64::MIN)),
        })
    }

    /// The id of the outbox row of `alert` for the alerter at `alerter_index`: `None` when the
    /// store knows of no pending one (a store whose ids are computed may answer without
    /// looking). The default looks through every pending row.
    async fn pending_outbox_id(
        &self,
        alert: AlertId,
        alerter_index: u32,
    ) -> Result<Option<OutboxId>> {
        let rows = self
            .due_deliveries(WallTime::from_micros(i64::MAX), usize::MAX)
            .await?;
        Ok(rows
            .iter()
            .find(|r| r.alert.id == alert && r.alerter_index == alerter_index)
            .map(|r| r.id))
    }

    /// Keeps an error (ElastAlert2's `elastalert_error`).
    async fn record_error(&self, error: &ErrorRecord) -> Result<()>;

    /// How far a local source file was read.
    async fn source_position(&self, path: &str) -> Result<Option<SourcePosition>>;

    /// Remembers how far a local source file was read.
    async fn save_source_position(&self, position: &SourcePosition) -> Result<()>;
}

/// One notification to send: an alert, through one alerter of its rule.
#[derive(Debug, Clone, Copy)]
pub struct Notification<'a> {
    /// The rule (its options configure the alerter and the alert text).
    pub rule: &'a Rule,
    /// The alerter entry of the rule (name and per-entry overrides).
    pub alerter: &'a AlerterRef,
    /// The alert, with its matches.
    pub alert: &'a StoredAlert,
    /// A key receivers can use to drop duplicates (alert id plus alerter).
    pub idempotency_key: &'a str,
    /// 0 for the first attempt.
    pub attempt: u32,
}

impl<'a> Notification<'a> {
    /// The first attempt to send `alert` through `alerter` (what `alert test-rule --alert`
    /// and previews build; the delivery worker sets `attempt` from the outbox row).
    pub fn first_attempt(
        rule: &'a Rule,
        alerter: &'a AlerterRef,
        alert: &'a StoredAlert,
        idempotency_key: &'a str,
    ) -> Self {
        Notification {
            rule,
            alerter,
            alert,
            idempotency_key,
            attempt: 0,
        }
    }
}

/// What a notifier would send for a notification, as `alert test-rule` shows it: built by
/// the same code as the request its `send` makes, so the two cannot drift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The title the alerter puts in its request (a subject, a card title, a summary);
    /// `None` when the request has none (`post`, `command`, `debug`).
    pub subject: Option<String>,
    /// The text the alerter puts in its request (a JSON body is shown pretty-printed).
    pub body: String,
}

/// Sends alerts somewhere (ElastAlert2's alerters).
#[async_trait]
pub trait Notifier: Send + Sync {
    /// The alerter name this notifier serves (`debug`, `command`, `slack`, ...).
    fn name(&self) -> &str;

    /// Delivers one notification; an [`crate::Error::Notify`] says whether a retry can help.
    async fn send(&self, notification: &Notification<'_>) -> Result<()>;

    /// What [`Notifier::send`] would send for `notification`, without sending anything (pure,
    /// no I/O). A notifier that cannot tell keeps this default, an error saying so, never a
    /// guess.
    fn preview(&self, notification: &Notification<'_>) -> Result<Preview> {
        let _ = notification;
        Err(crate::Error::Notify {
            alerter: self.name().to_string(),
            message: "cannot show a preview".into(),
            retryable: false,
            retry_after: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{AlertState, StoredAlert};
    use crate::testing::rule;

    /// A notifier written before previews existed: it only sends.
    struct SendOnly;

    #[async_trait]
    impl Notifier for SendOnly {
        fn name(&self) -> &str {
            "pager_of_my_own"
        }

        async fn send(&self, _: &Notification<'_>) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_notifier_without_a_preview_says_so_instead_of_guessing() {
        let rule = rule("");
        let alert = StoredAlert {
            id: 1,
            rule: rule.name.clone(),
            aggregation_key: None,
            state: AlertState::Active,
            created_at: crate::time::WallTime::from_micros(0),
            alert_time: Timestamp::from_micros(0),
            matches: Vec::new(),
        };
        let notification = Notification::first_attempt(&rule, &rule.alerters[0], &alert, "1-x");
        let err = SendOnly.preview(&notification).unwrap_err();
        assert_eq!(
            err.to_string(),
            "alerter 'pager_of_my_own': cannot show a preview"
        );
    }
}
