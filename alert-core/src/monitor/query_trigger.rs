//! Evaluating a query-level trigger over one run's results (reference §2.2): the condition sees
//! `ctx.results`, `ctx.monitor`, `ctx.trigger`, `ctx.periodStart`/`ctx.periodEnd` (epoch
//! milliseconds, as numbers), `ctx.alert`, `ctx.error` and `ctx.query_range`, and the script's
//! own `params`.

use serde_json::{Value, json};

use super::condition::{Condition, Variables};
use super::load::Monitor;
use super::schedule::Period;
use super::trigger_config::QueryLevelTriggerConfig;
use crate::{Error, Result};

/// What one run gives a query-level condition beyond the monitor and trigger.
#[derive(Debug, Clone, Copy)]
pub struct QueryRun<'a> {
    /// The monitor's id, when it has one.
    pub monitor_id: Option<&'a str>,
    /// The input results (element 0: the search response).
    pub results: &'a [Value],
    /// The run's period.
    pub period: Period,
    /// The open alert of this trigger before the run, as a map.
    pub alert: Option<&'a Value>,
    /// The monitor or input error of this run, if any.
    pub error: Option<&'a str>,
    /// The range the query really searched (`{gte, lte}`), when known.
    pub query_range: Option<&'a Value>,
}

/// The `ctx` a query-level condition reads.
pub fn condition_ctx(
    monitor: &Monitor,
    trigger: &QueryLevelTriggerConfig,
    run: &QueryRun<'_>,
) -> Value {
    let config = monitor.config();
    json!({
        "results": run.results,
        "monitor": {
            "id": run.monitor_id,
            "name": config.name,
            "enabled": config.enabled,
            "monitor_type": config.monitor_type.as_str(),
        },
        "trigger": {
            "id": trigger.id,
            "name": trigger.name,
            "severity": trigger.severity,
            "actions": trigger.actions.iter().map(|a| json!({
                "id": a.id, "name": a.name, "destination_id": a.destination_id,
                "throttle_enabled": a.throttle_enabled,
            })).collect::<Vec<_>>(),
        },
        "periodStart": run.period.start.as_millis(),
        "periodEnd": run.period.end.as_millis(),
        "alert": run.alert,
        "error": run.error,
        "query_range": run.query_range,
    })
}

/// Whether the condition holds; a failing script is [`Error::TriggerRun`] (OpenSearch then
/// reports the trigger as triggered with an error).
///
/// ```
/// use alert_core::monitor::{Monitor, Period, Trigger};
/// use alert_core::monitor::query_trigger::{evaluate, QueryRun};
/// use alert_core::time::Timestamp;
/// use serde_json::json;
/// let m = Monitor::from_json(r#"{"name": "m", "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
///   "triggers": [{"name": "t", "severity": "1", "condition": {"script": {
///     "source": "ctx.results[0].hits.total.value > params.limit", "params": {"limit": 2}}}}]}"#, "m.json").unwrap();
/// let Trigger::QueryLevel { config, condition } = &m.triggers()[0] else { unreachable!() };
/// let results = [json!({"hits": {"total": {"value": 3}}})];
/// let period = Period { start: Timestamp::default(), end: Timestamp::default() };
/// let run = QueryRun { monitor_id: None, results: &results, period, alert: None, error: None, query_range: None };
/// assert!(evaluate(&m, config, condition, &run).unwrap());
/// ```
pub fn evaluate(
    monitor: &Monitor,
    trigger: &QueryLevelTriggerConfig,
    condition: &Condition,
    run: &QueryRun<'_>,
) -> Result<bool> {
    let ctx = condition_ctx(monitor, trigger, run);
    let params = Value::Object(trigger.condition.script.params.clone());
    let variables = Variables::new().json("ctx", &ctx).json("params", &params);
    condition
        .evaluate(&variables)
        .map_err(|message| Error::TriggerRun {
            trigger: trigger.name.clone(),
            message,
        })
}
