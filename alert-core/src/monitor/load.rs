//! A loaded monitor: its JSON parsed (unknown fields named by path), validated as OpenSearch
//! validates it (reference §1.6), and its trigger conditions compiled, so that a condition
//! `alert` cannot evaluate fails when the monitor loads, not when it first runs.

use serde_json::Value;

use super::bucket::BucketSelector;
use super::condition::Condition;
use super::config::{InputConfig, MonitorConfig, MonitorType};
use super::doc_trigger::DocTriggerExpression;
use super::painless::Dialect;
use super::period_query::QueryTemplate;
use super::schedule::{Period, Schedule};
use super::trigger_config::{
    BucketLevelTriggerConfig, DocumentLevelTriggerConfig, QueryLevelTriggerConfig, TriggerConfig,
};
use super::validate::{check_actions, check_doc_queries};
use crate::{Error, Result};

/// A validated monitor with compiled triggers.
#[derive(Debug, Clone)]
pub struct Monitor {
    config: MonitorConfig,
    schedule: Schedule,
    query: Option<QueryTemplate>,
    triggers: Vec<Trigger>,
}

/// A trigger with its compiled condition.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// A condition over the whole search response.
    QueryLevel {
        /// As written.
        config: QueryLevelTriggerConfig,
        /// Compiled.
        condition: Condition,
    },
    /// A per-bucket condition.
    BucketLevel {
        /// As written.
        config: Box<BucketLevelTriggerConfig>,
        /// Compiled.
        selector: Box<BucketSelector>,
    },
    /// A condition over which doc-level queries matched.
    DocumentLevel {
        /// As written.
        config: DocumentLevelTriggerConfig,
        /// Compiled.
        expression: DocTriggerExpression,
    },
}

/// Parses monitor JSON into its wire model; an unknown or ill-typed field is an error naming
/// its JSON path. `origin` (a file name, `request body`) prefixes every message.
pub fn parse_monitor_config(json: &str, origin: &str) -> Result<MonitorConfig> {
    let de = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        Error::Monitor {
            origin: origin.to_string(),
            path: if path == "." {
                "(monitor)".into()
            } else {
                path
            },
            message: e.into_inner().to_string(),
        }
    })
}

impl Monitor {
    /// Parses, validates and compiles monitor JSON as `POST _plugins/_alerting/monitors` takes it.
    ///
    /// ```
    /// use alert_core::monitor::Monitor;
    /// let m = Monitor::from_json(r#"{
    ///   "type": "monitor", "name": "errors", "monitor_type": "query_level_monitor",
    ///   "schedule": {"period": {"interval": 5, "unit": "MINUTES"}},
    ///   "inputs": [{"search": {"indices": ["logs-*"], "query": {"size": 0}}}],
    ///   "triggers": [{"query_level_trigger": {"name": "any", "severity": "1",
    ///     "condition": {"script": {"source": "ctx.results[0].hits.total.value > 0", "lang": "painless"}}}}]
    /// }"#, "errors.json").unwrap();
    /// assert_eq!(m.name(), "errors");
    /// let err = Monitor::from_json(r#"{"name": "x", "schedule": {"period": {"interval": 1, "unit": "MINUTES"}},
    ///   "triggers": [{"name": "t", "severity": "1", "condition": {"script": {"source": "def x = 1"}}}]}"#, "x.json")
    ///   .unwrap_err();
    /// assert!(err.to_string().starts_with("x.json: monitor 'x', trigger 't': "));
    /// ```
    pub fn from_json(json: &str, origin: &str) -> Result<Self> {
        Monitor::from_config(parse_monitor_config(json, origin)?, origin)
    }

    /// Validates a parsed monitor and compiles its triggers.
    pub fn from_config(config: MonitorConfig, origin: &str) -> Result<Self> {
        let invalid = |path: &str, message: String| Error::Monitor {
            origin: origin.to_string(),
            path: path.to_string(),
            message,
        };
        if let Some(kind) = config.kind.as_deref().filter(|k| *k != "monitor") {
            return Err(invalid("type", format!("must be 'monitor', got '{kind}'")));
        }
        if config.monitor_type == MonitorType::PplMonitor {
            return Err(invalid(
                "monitor_type",
                "ppl_monitor is not supported by alert: PPL queries need OpenSearch's SQL plugin; \
                 write the query as a search input"
                    .into(),
            ));
        }
        let schedule =
            Schedule::from_config(&config.schedule).map_err(|m| invalid("schedule", m))?;
        let query = check_inputs(&config).map_err(|(path, m)| invalid(&path, m))?;
        let mut triggers = Vec::with_capacity(config.triggers.len());
        let mut ids: Vec<&str> = Vec::new();
        for (i, trigger) in config.triggers.iter().enumerate() {
            let common = trigger.common();
            let path = format!("triggers[{i}].{}", trigger.kind());
            if let Some(id) = common.id {
                if ids.contains(&id) {
                    return Err(invalid(
                        &format!("{path}.id"),
                        format!("duplicate trigger id '{id}'"),
                    ));
                }
                ids.push(id);
            }
            check_actions(common.actions, &format!("{path}.actions"))
                .map_err(|(p, m)| invalid(&p, m))?;
            triggers.push(
                compile_trigger(&config, trigger, &path).map_err(|e| match e {
                    Compile::Field(p, m) => invalid(&p, m),
                    Compile::Condition(message) => Error::TriggerCondition {
                        origin: origin.to_string(),
                        monitor: config.name.clone(),
                        trigger: common.name.to_string(),
                        message,
                    },
                })?,
            );
        }
        Ok(Monitor {
            config,
            schedule,
            query,
            triggers,
        })
    }

    /// The monitor's name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The monitor as written.
    pub fn config(&self) -> &MonitorConfig {
        &self.config
    }

    /// Its schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Its compiled triggers, in order.
    pub fn triggers(&self) -> &[Trigger] {
        &self.triggers
    }

    /// The search body of its `search` input for a run's period, `{{period_start}}` and
    /// `{{period_end}}` substituted; `None` for other inputs.
    pub fn search_query(&self, period: Period) -> Option<Result<Value>> {
        let query = self.query.as_ref()?;
        Some(query.render(period).map_err(|message| Error::Monitor {
            origin: self.config.name.clone(),
            path: "inputs[0].search.query".into(),
            message,
        }))
    }
}

enum Compile {
    Field(String, String),
    Condition(String),
}

fn compile_trigger(
    config: &MonitorConfig,
    trigger: &TriggerConfig,
    path: &str,
) -> Result<Trigger, Compile> {
    let allowed = match config.monitor_type {
        MonitorType::QueryLevelMonitor | MonitorType::ClusterMetricsMonitor => {
            "query_level_trigger"
        }
        MonitorType::BucketLevelMonitor => "bucket_level_trigger",
        MonitorType::DocLevelMonitor => "document_level_trigger",
        MonitorType::PplMonitor => "ppl_trigger",
    };
    if trigger.kind() != allowed {
        return Err(Compile::Field(
            path.to_string(),
            format!(
                "a {} takes {allowed}s, not {}s",
                config.monitor_type.as_str(),
                trigger.kind()
            ),
        ));
    }
    let painless_only = |lang: &str, at: &str| -> Result<(), Compile> {
        match lang {
            "painless" => Ok(()),
            other => Err(Compile::Field(
                format!("{path}.{at}"),
                format!("lang must be painless, got '{other}'"),
            )),
        }
    };
    match trigger {
        TriggerConfig::QueryLevel(t) => {
            painless_only(
                t.condition.script.lang_or("painless"),
                "condition.script.lang",
            )?;
            let condition = Condition::compile(&t.condition.script.source, Dialect::QueryLevel)
                .map_err(Compile::Condition)?;
            Ok(Trigger::QueryLevel {
                config: t.clone(),
                condition,
            })
        }
        TriggerConfig::BucketLevel(t) => {
            let selector = BucketSelector::compile(&t.condition).map_err(Compile::Condition)?;
            Ok(Trigger::BucketLevel {
                config: Box::new(t.clone()),
                selector: Box::new(selector),
            })
        }
        TriggerConfig::DocumentLevel(t) => {
            painless_only(
                t.condition.script.lang_or("painless"),
                "condition.script.lang",
            )?;
            let expression = DocTriggerExpression::compile(&t.condition.script.source)
                .map_err(Compile::Condition)?;
            Ok(Trigger::DocumentLevel {
                config: t.clone(),
                expression,
            })
        }
        TriggerConfig::Ppl(_) => Err(Compile::Field(
            path.to_string(),
            "ppl_trigger is not supported".into(),
        )),
    }
}

/// At most one input, of the kind the monitor type takes; a bucket-level search aggregates.
fn check_inputs(config: &MonitorConfig) -> Result<Option<QueryTemplate>, (String, String)> {
    if config.inputs.len() > 1 {
        return Err((
            "inputs".into(),
            format!("a monitor has at most 1 input, got {}", config.inputs.len()),
        ));
    }
    let Some(input) = config.inputs.first() else {
        return Ok(None);
    };
    let kind = config.monitor_type.as_str();
    match (config.monitor_type, input) {
        (
            MonitorType::QueryLevelMonitor | MonitorType::BucketLevelMonitor,
            InputConfig::Search(search),
        ) => {
            let aggregates = ["aggregations", "aggs"].iter().any(|k| {
                search
                    .query
                    .get(k)
                    .and_then(Value::as_object)
                    .is_some_and(|m| !m.is_empty())
            });
            if config.monitor_type == MonitorType::BucketLevelMonitor && !aggregates {
                return Err((
                    "inputs[0].search.query".into(),
                    "a bucket_level_monitor's query needs an aggregation".into(),
                ));
            }
            QueryTemplate::compile(&search.query)
                .map(Some)
                .map_err(|m| ("inputs[0].search.query".into(), m))
        }
        (MonitorType::DocLevelMonitor, InputConfig::DocLevelInput(input)) => {
            check_doc_queries(&input.queries, "inputs[0].doc_level_input.queries").map(|()| None)
        }
        (MonitorType::ClusterMetricsMonitor, InputConfig::Uri(_)) => Ok(None),
        _ => Err((
            "inputs[0]".into(),
            format!("this input kind does not fit a {kind}"),
        )),
    }
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
