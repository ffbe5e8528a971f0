//! A monitor service on real parts: documents in a `LocalBackend`, state in a SQLite file, and
//! a webhook channel pointing at a real HTTP receiver on 127.0.0.1; the clock is set by the test.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use alert_core::time::Timestamp;
use alert_engine::SqliteStore;
use alert_engine::api::{AlertQuery, ExecuteRequest, ExecuteTarget, MonitorBackend};
use alert_engine::local_backend::LocalBackend;
use alert_engine::monitor::{MonitorService, MonitorSettings};
use alert_notify::channel::Channels;
use serde_json::{Value, json};

use super::receiver::{Receiver, Reply};

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub backend: Arc<LocalBackend>,
    pub service: Arc<MonitorService>,
    pub receiver: Receiver,
    pub clock: Arc<AtomicI64>,
}

pub fn at(text: &str) -> Timestamp {
    Timestamp::parse_iso(text).unwrap_or_else(|| panic!("bad time {text}"))
}

impl Harness {
    pub fn new(replies: Vec<Reply>) -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        let receiver = Receiver::start(replies);
        Harness::open(dir, receiver)
    }

    /// A service on an existing state file (a restart).
    pub fn open(dir: tempfile::TempDir, receiver: Receiver) -> Harness {
        let store = SqliteStore::open(dir.path().join("state.db")).expect("store");
        let channels = Channels::from_config(&json!({
            "hook": {"name": "hook", "config_type": "webhook",
                     "webhook": {"url": format!("http://127.0.0.1:{}/alerts", receiver.port)}},
        }))
        .expect("channels");
        let backend = Arc::new(LocalBackend::new("@timestamp"));
        let clock = Arc::new(AtomicI64::new(0));
        let read = clock.clone();
        let mut settings = MonitorSettings::default();
        settings.backoff.initial = alert_core::time::Duration::from_secs(1);
        let service = Arc::new(MonitorService::new(
            store,
            backend.clone(),
            channels,
            settings,
            Arc::new(move || Timestamp::from_micros(read.load(Ordering::SeqCst))),
        ));
        Harness {
            dir,
            backend,
            service,
            receiver,
            clock,
        }
    }

    pub fn push(&self, docs: Value) {
        let Value::Array(docs) = docs else {
            panic!("push an array")
        };
        assert!(self.backend.push(docs).is_empty());
    }

    pub async fn create(&self, monitor: Value) -> String {
        self.service.create(monitor).await.expect("create").id
    }

    /// A saved run of the monitor for the period ending at `time` (what the scheduler does).
    pub async fn run(&self, id: &str, time: &str) -> Value {
        self.run_request(id, time, false).await
    }

    pub async fn run_request(&self, id: &str, time: &str, dryrun: bool) -> Value {
        let now = at(time);
        self.clock.store(now.as_micros(), Ordering::SeqCst);
        self.service
            .execute(ExecuteRequest {
                target: ExecuteTarget::Stored(id.to_string()),
                dryrun,
                period_end_millis: Some(now.as_millis()),
            })
            .await
            .expect("execute")
    }

    /// The monitor's alerts (all states), oldest first.
    pub async fn alerts(&self, monitor_id: &str) -> Vec<Value> {
        let query: AlertQuery = serde_json::from_value(json!({
            "monitorId": monitor_id, "sortString": "start_time", "sortOrder": "asc", "size": 100
        }))
        .expect("query");
        self.service.alerts(&query).await.expect("alerts").alerts
    }

    /// The bodies the receiver got, parsed as JSON.
    pub fn messages(&self) -> Vec<Value> {
        self.receiver
            .requests()
            .iter()
            .map(|r| serde_json::from_str(&r.body).unwrap_or_else(|_| json!(r.body)))
            .collect()
    }
}

/// A per-query monitor: error-level documents in the last 10 minutes before `period_end`,
/// triggering above `threshold`, with one webhook action.
pub fn query_monitor(threshold: u64, action: &Value) -> Value {
    json!({
        "type": "monitor", "monitor_type": "query_level_monitor", "name": "errors",
        "schedule": {"period": {"interval": 5, "unit": "MINUTES"}},
        "inputs": [{"search": {"indices": ["logs"], "query": {
            "size": 0,
            "query": {"bool": {
                "filter": [
                    {"term": {"level": "error"}},
                    {"range": {"@timestamp": {"gte": "{{period_end}}||-10m", "lte": "{{period_end}}", "format": "epoch_millis"}}}
                ]
            }}
        }}}],
        "triggers": [{"query_level_trigger": {
            "id": "t1", "name": "too many errors", "severity": "1",
            "condition": {"script": {"source": format!("ctx.results[0].hits.total.value > {threshold}"), "lang": "painless"}},
            "actions": [action.clone()]
        }}]
    })
}

/// The webhook action all tests use: the message says which alert, in which state.
pub fn webhook_action(extra: Value) -> Value {
    let mut action = json!({
        "id": "a1", "name": "hook", "destination_id": "hook",
        "message_template": {"source": "{\"state\": \"{{ctx.alert.state}}\", \"alert\": \"{{ctx.alert.id}}\", \"hits\": {{ctx.results.0.hits.total.value}}, \"new\": {{#toJson}}ctx.newAlerts{{/toJson}}, \"deduped\": {{#toJson}}ctx.dedupedAlerts{{/toJson}}, \"completed\": {{#toJson}}ctx.completedAlerts{{/toJson}}}"}
    });
    if let (Value::Object(a), Value::Object(e)) = (&mut action, extra) {
        a.extend(e);
    }
    action
}

/// A per-bucket monitor over `host.keyword` (`by_host`), a bucket triggering above `threshold`.
pub fn bucket_monitor(threshold: u64, action: &Value) -> Value {
    json!({
        "type": "monitor", "monitor_type": "bucket_level_monitor", "name": "errors by host",
        "schedule": {"period": {"interval": 5, "unit": "MINUTES"}},
        "inputs": [{"search": {"indices": ["logs"], "query": {
            "size": 0,
            "query": {"bool": {"filter": [
                {"term": {"level": "error"}},
                {"range": {"@timestamp": {"gte": "{{period_end}}||-10m", "lte": "{{period_end}}", "format": "epoch_millis"}}}
            ]}},
            "aggregations": {"by_host": {"terms": {"field": "host.keyword"}}}
        }}}],
        "triggers": [{"bucket_level_trigger": {
            "id": "b1", "name": "host errors", "severity": "2",
            "condition": {
                "buckets_path": {"count": "_count"},
                "parent_bucket_path": "by_host",
                "script": {"source": format!("params.count > {threshold}"), "lang": "painless"}
            },
            "actions": [action.clone()]
        }}]
    })
}

/// `n` error documents of `host` at `time` (one millisecond apart).
pub fn errors(host: &str, time: &str, n: usize) -> Value {
    let start = at(time).as_micros();
    Value::Array(
        (0..n)
            .map(|i| {
                let t = Timestamp::from_micros(start + i as i64 * 1_000);
                json!({"@timestamp": t.to_iso(), "level": "error", "host": host})
            })
            .collect(),
    )
}
