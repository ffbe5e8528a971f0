//! The records a run hands to the state store and gets back: rule status, silences, alerts
//! with their matches, outbox rows and delivery outcomes. Plain data, no I/O.

use serde_json::Value;

use crate::alert::Match;
use crate::time::{Duration, Timestamp, WallTime};

/// The store's id of an alert.
pub type AlertId = i64;

/// The store's id of an outbox row (one per alert and alerter).
pub type OutboxId = i64;

/// Where an alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertState {
    /// Collecting matches until its `alert_time` (ElastAlert2 `aggregation`); not sent yet.
    Aggregating,
    /// Raised; its notifications are in the outbox.
    Active,
    /// Acknowledged by a user (OpenSearch lifecycle).
    Acknowledged,
    /// Over: the condition cleared or a user completed it.
    Completed,
    /// The run that raised it failed.
    Error,
    /// Its monitor was deleted, or its trigger removed from the monitor (OpenSearch lifecycle).
    Deleted,
}

impl AlertState {
    /// The name stored and shown (`AGGREGATING`, `ACTIVE`, ...), as OpenSearch spells states.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Aggregating => "AGGREGATING",
            AlertState::Active => "ACTIVE",
            AlertState::Acknowledged => "ACKNOWLEDGED",
            AlertState::Completed => "COMPLETED",
            AlertState::Error => "ERROR",
            AlertState::Deleted => "DELETED",
        }
    }

    /// Whether the alert is still open (not COMPLETED or DELETED).
    ///
    /// ```
    /// use alert_core::alert::AlertState;
    /// assert!(AlertState::Acknowledged.is_open());
    /// assert!(!AlertState::Deleted.is_open());
    /// ```
    pub fn is_open(self) -> bool {
        !matches!(self, AlertState::Completed | AlertState::Deleted)
    }

    /// Parses [`AlertState::as_str`]'s names.
    ///
    /// ```
    /// use alert_core::alert::AlertState;
    /// assert_eq!(AlertState::parse("ACTIVE"), Some(AlertState::Active));
    /// assert_eq!(AlertState::parse("active"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Self> {
        [
            AlertState::Aggregating,
            AlertState::Active,
            AlertState::Acknowledged,
            AlertState::Completed,
            AlertState::Error,
            AlertState::Deleted,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// What the store remembers of a rule between runs (ElastAlert2's `elastalert_status`).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleStatus {
    /// The rule's name.
    pub rule: String,
    /// Start of the last run's range (exclusive).
    pub start: Timestamp,
    /// End of the last run's range (inclusive): the next run resumes here.
    pub end: Timestamp,
    /// Hits the last run's queries returned.
    pub hits: u64,
    /// Matches the last run produced.
    pub matches: u64,
    /// When the run finished (wall clock).
    pub ran_at: WallTime,
    /// How long the run took (wall clock; ElastAlert2's `time_taken`).
    pub time_taken: Duration,
}

/// A silence: no alert for `key` until `until` (realert, or `alert silence`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Silence {
    /// The rule the key belongs to.
    pub rule: String,
    /// ElastAlert2's silence key: the rule name, `<name>.<query key value>`, or
    /// `<name>._silence` for a manual silence of the whole rule.
    pub key: String,
    /// Alerts resume after this instant.
    pub until: Timestamp,
    /// `exponential_realert`'s exponent.
    pub exponent: i32,
}

/// An alert to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    /// The rule that raised it.
    pub rule: String,
    /// The `aggregation_key` value the matches were grouped by, if any.
    pub aggregation_key: Option<String>,
    /// [`AlertState::Active`] (send now) or [`AlertState::Aggregating`] (send at `alert_time`).
    pub state: AlertState,
    /// When it was (or will be) sent.
    pub alert_time: Timestamp,
    /// Its matches, oldest first.
    pub matches: Vec<Match>,
    /// The alerters to notify, by name, in the rule's order.
    pub alerters: Vec<String>,
    /// How long after its first send attempt delivery is retried (ElastAlert2's
    /// `alert_time_limit`, 2 days unless the rule says otherwise): outbox deadlines are the
    /// send time plus this.
    pub time_limit: Duration,
}

/// A change to the alerts, part of a run's commit.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertWrite {
    /// A new alert (with its outbox rows when it is active).
    New(NewAlert),
    /// More matches for an aggregating alert.
    Append {
        /// The aggregating alert.
        id: AlertId,
        /// The matches to add.
        matches: Vec<Match>,
    },
}

/// Everything one rule run changes, written in one transaction so that a crash leaves either
/// the whole run or none of it (no lost and no duplicated alert after a restart).
#[derive(Debug, Clone, PartialEq)]
pub struct RunCommit {
    /// The rule the commit belongs to.
    pub rule: String,
    /// When it was made (the alerts' creation time, and the start of their outbox deadlines).
    pub at: WallTime,
    /// The rule's new status (where the next run resumes); `None` for writes outside a run
    /// (`alert test-rule --save`).
    pub status: Option<RuleStatus>,
    /// Silences set by realert (upserted by key).
    pub silences: Vec<Silence>,
    /// Alerts created or extended.
    pub alerts: Vec<AlertWrite>,
}

/// An aggregating alert still collecting matches.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAggregate {
    /// Its id.
    pub id: AlertId,
    /// The `aggregation_key` value, if any.
    pub aggregation_key: Option<String>,
    /// When it will be sent.
    pub alert_time: Timestamp,
    /// Matches collected so far.
    pub match_count: u64,
}

/// An alert as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    /// Its id.
    pub id: AlertId,
    /// The rule that raised it.
    pub rule: String,
    /// The `aggregation_key` value, if any.
    pub aggregation_key: Option<String>,
    /// Its state.
    pub state: AlertState,
    /// When it was created (wall clock).
    pub created_at: WallTime,
    /// When it was (or will be) sent.
    pub alert_time: Timestamp,
    /// Its matches, oldest first.
    pub matches: Vec<Match>,
}

/// How a notification to one alerter stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not delivered yet; will be tried (again).
    Pending,
    /// Delivered.
    Delivered,
    /// Given up on (`alert_time_limit` passed, or the receiver refused it for good).
    Failed,
}

impl DeliveryStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// Parses [`DeliveryStatus::as_str`]'s names.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// One outbox row due for a send attempt, with its alert.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    /// The row's id.
    pub id: OutboxId,
    /// The alert to deliver.
    pub alert: StoredAlert,
    /// The alerter's name.
    pub alerter: String,
    /// The alerter's position in the rule's `alert` list.
    pub alerter_index: u32,
    /// Attempts made so far.
    pub attempts: u32,
    /// The first attempt's time plus `alert_time_limit`: no attempt after it.
    pub deadline: WallTime,
}

impl OutboxItem {
    /// The key a receiver can use to drop duplicate sends: the alert id plus the alerter.
    ///
    /// ```
    /// # use alert_core::alert::*;
    /// # use alert_core::time::{Timestamp, WallTime};
    /// # let (t, w) = (Timestamp::from_micros(0), WallTime::from_micros(0));
    /// let item = OutboxItem {
    ///     id: 9, alerter: "post".into(), alerter_index: 1, attempts: 0, deadline: w,
    ///     alert: StoredAlert { id: 42, rule: "r".into(), aggregation_key: None,
    ///         state: AlertState::Active, created_at: w, alert_time: t, matches: vec![] },
    /// };
    /// assert_eq!(item.idempotency_key(), "alert-42-1-post");
    /// ```
    pub fn idempotency_key(&self) -> String {
        format!(
            "alert-{}-{}-{}",
            self.alert.id, self.alerter_index, self.alerter
        )
    }
}

/// The result of one send attempt, recorded on the outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Delivered at this instant.
    Delivered {
        /// When.
        at: WallTime,
    },
    /// Failed; try again at `next_attempt`.
    Retry {
        /// When it failed.
        at: WallTime,
        /// What went wrong.
        error: String,
        /// When to try again.
        next_attempt: WallTime,
    },
    /// Failed for good.
    Failed {
        /// When.
        at: WallTime,
        /// What went wrong.
        error: String,
    },
}

/// What waits in a store, as one look at it tells: the engine reads this instead of polling
/// the outbox and the aggregates every tick, and comes back when the earliest time has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingWork {
    /// Outbox rows not delivered yet.
    pub outbox_depth: u64,
    /// The earliest next attempt of a pending outbox row (wall clock).
    pub next_delivery: Option<WallTime>,
    /// The earliest `alert_time` of an aggregating alert (data time).
    pub next_aggregate: Option<Timestamp>,
}

impl PendingWork {
    /// Both looks together: depths add up, the earlier times win.
    ///
    /// ```
    /// use alert_core::alert::PendingWork;
    /// use alert_core::time::WallTime;
    /// let a = PendingWork { outbox_depth: 1, next_delivery: Some(WallTime::from_micros(5)), next_aggregate: None };
    /// let b = PendingWork { outbox_depth: 2, next_delivery: Some(WallTime::from_micros(3)), next_aggregate: None };
    /// assert_eq!(a.merge(b), PendingWork { outbox_depth: 3, next_delivery: Some(WallTime::from_micros(3)), next_aggregate: None });
    /// ```
    #[must_use]
    pub fn merge(self, other: PendingWork) -> PendingWork {
        fn earlier<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }
        PendingWork {
            outbox_depth: self.outbox_depth + other.outbox_depth,
            next_delivery: earlier(self.next_delivery, other.next_delivery),
            next_aggregate: earlier(self.next_aggregate, other.next_aggregate),
        }
    }
}

/// An error worth keeping (ElastAlert2's `elastalert_error`).
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRecord {
    /// The rule concerned, if any.
    pub rule: Option<String>,
    /// The message.
    pub message: String,
    /// When it happened (wall clock).
    pub at: WallTime,
    /// Context (the query, the alerter, ...).
    pub data: Value,
}

/// How far a local source file has been read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePosition {
    /// The path as configured (after glob expansion).
    pub path: String,
    /// What identifies the file itself (device and inode), to notice rotation.
    pub identity: String,
    /// Bytes consumed (always at a line boundary).
    pub offset: u64,
}
