//! A rule as loaded: the flat ElastAlert2 options, checked and typed.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::alerters::{AlerterRef, parse_alerters};
use super::global::UnknownOptionPolicy;
use super::global::{GlobalConfig, string_list};
use super::options::{LEGACY_IGNORED_OPTIONS, check_option, closest};
use super::query_key::QueryKey;
use crate::time::{Duration, TimestampType};
use crate::{Error, Result};

/// The twelve ElastAlert2 rule types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// Every matching document.
    Any,
    /// A field's value is on a list.
    Blacklist,
    /// A field's value is not on a list.
    Whitelist,
    /// A field changed for the same query key.
    Change,
    /// At least `num_events` within `timeframe`.
    Frequency,
    /// Volume rose or fell against the previous window.
    Spike,
    /// Fewer than `threshold` within `timeframe`.
    Flatline,
    /// A value never seen before.
    NewTerm,
    /// Too many or too few distinct values.
    Cardinality,
    /// A metric aggregation crossed a threshold.
    MetricAggregation,
    /// A metric aggregation spiked.
    SpikeAggregation,
    /// The share of matching documents crossed a threshold.
    PercentageMatch,
}

impl RuleKind {
    /// Every kind, in ElastAlert2's documentation order.
    pub const ALL: [RuleKind; 12] = [
        RuleKind::Any,
        RuleKind::Blacklist,
        RuleKind::Whitelist,
        RuleKind::Change,
        RuleKind::Frequency,
        RuleKind::Spike,
        RuleKind::Flatline,
        RuleKind::NewTerm,
        RuleKind::Cardinality,
        RuleKind::MetricAggregation,
        RuleKind::SpikeAggregation,
        RuleKind::PercentageMatch,
    ];

    /// The name used in `type:`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Any => "any",
            RuleKind::Blacklist => "blacklist",
            RuleKind::Whitelist => "whitelist",
            RuleKind::Change => "change",
            RuleKind::Frequency => "frequency",
            RuleKind::Spike => "spike",
            RuleKind::Flatline => "flatline",
            RuleKind::NewTerm => "new_term",
            RuleKind::Cardinality => "cardinality",
            RuleKind::MetricAggregation => "metric_aggregation",
            RuleKind::SpikeAggregation => "spike_aggregation",
            RuleKind::PercentageMatch => "percentage_match",
        }
    }

    /// Looks a `type:` name up.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Options ElastAlert2's schema requires for this type.
    pub fn required_options(self) -> &'static [&'static str] {
        match self {
            RuleKind::Any | RuleKind::NewTerm => &[],
            RuleKind::Blacklist => &["blacklist", "compare_key"],
            RuleKind::Whitelist => &["whitelist", "compare_key", "ignore_null"],
            RuleKind::Change => &["query_key", "compare_key", "ignore_null"],
            RuleKind::Frequency => &["num_events", "timeframe"],
            RuleKind::Spike | RuleKind::SpikeAggregation => {
                &["spike_height", "spike_type", "timeframe"]
            }
            RuleKind::Flatline => &["threshold", "timeframe"],
            RuleKind::Cardinality => &["cardinality_field", "timeframe"],
            RuleKind::MetricAggregation => &["metric_agg_key", "metric_agg_type"],
            RuleKind::PercentageMatch => &["match_bucket_filter"],
        }
    }

    /// Whether the rule queries aggregations rather than documents (ElastAlert2's
    /// `aggregation_query_element` rules).
    pub fn is_aggregation(self) -> bool {
        matches!(
            self,
            RuleKind::MetricAggregation | RuleKind::SpikeAggregation | RuleKind::PercentageMatch
        )
    }
}

/// How alerts are batched: a period, or a cron `schedule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AggregationWindow {
    /// Send every `period` after the first match.
    Period(Duration),
    /// Send on a cron schedule.
    Schedule(String),
}

/// One loaded rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// `name` (default: the file path without extension).
    pub name: String,
    /// The rule file.
    pub file: PathBuf,
    /// `type`.
    pub kind: RuleKind,
    /// `index` (may hold wildcards or strftime patterns).
    pub index: String,
    /// `filter` entries (imported ones first), as written.
    pub filter: Vec<Value>,
    /// `query_key`, single or compound.
    pub query_key: Option<QueryKey>,
    /// `timestamp_field` (default `@timestamp`).
    pub timestamp_field: String,
    /// `timestamp_type` with its `timestamp_format`.
    pub timestamp_type: TimestampType,
    /// `alert`.
    pub alerters: Vec<AlerterRef>,
    /// `realert` (1 minute; 0 when the rule sets `aggregation`).
    pub realert: Duration,
    /// `exponential_realert`.
    pub exponential_realert: Option<Duration>,
    /// `aggregation`.
    pub aggregation: Option<AggregationWindow>,
    /// `query_delay` (default 0).
    pub query_delay: Duration,
    /// `run_every` (rule, else global).
    pub run_every: Duration,
    /// `buffer_time` (rule, else global).
    pub buffer_time: Duration,
    /// `timeframe`.
    pub timeframe: Option<Duration>,
    /// `is_enabled` (default true).
    pub is_enabled: bool,
    /// `include`, extended with the fields the rule itself needs, as ElastAlert2 does.
    pub include: Vec<String>,
    /// Every option after inheritance from the global config, for the parts that read their
    /// own (rule-type options, notifier options).
    pub options: Map<String, Value>,
    /// Things worth telling the user that do not stop the rule (ignored legacy options, unknown
    /// options under `unknown_options: warn`).
    pub warnings: Vec<String>,
}

impl Rule {
    /// Builds a rule from its merged own options (after imports), inheriting the global ones.
    pub fn from_options(
        file: &Path,
        own: Map<String, Value>,
        global: &GlobalConfig,
    ) -> Result<Rule> {
        let (own, warnings) = check_own_options(file, own, global.unknown_options)?;
        let kind = parse_kind(file, &own)?;
        for required in ["name", "index", "alert"]
            .iter()
            .chain(kind.required_options())
        {
            if !own.contains_key(*required) {
                return Err(Error::MissingOption {
                    file: file.into(),
                    option: (*required).into(),
                    context: (!matches!(*required, "name" | "index" | "alert"))
                        .then(|| format!("required by type '{}'", kind.as_str())),
                });
            }
        }
        let realert_default = if own.contains_key("aggregation") {
            Duration::ZERO
        } else {
            Duration::from_mins(1)
        };
        let mut options = own;
        for (key, value) in &global.raw {
            options.entry(key.clone()).or_insert_with(|| value.clone());
        }
        let mut rule = build(file, kind, options, global, realert_default)?;
        rule.warnings = warnings;
        Ok(rule)
    }

    /// The option's value, if set.
    pub fn option(&self, name: &str) -> Option<&Value> {
        self.options.get(name)
    }
}

/// Checks every option the rule file sets; under `unknown_options: warn` unknown ones are
/// dropped with a warning instead of failing the rule.
fn check_own_options(
    file: &Path,
    own: Map<String, Value>,
    policy: UnknownOptionPolicy,
) -> Result<(Map<String, Value>, Vec<String>)> {
    let mut kept = Map::new();
    let mut warnings = Vec::new();
    for (key, value) in own {
        match check_option(file, &key, &value) {
            Ok(()) if LEGACY_IGNORED_OPTIONS.contains(&key.as_str()) => {
                warnings.push(format!(
                    "{}: option '{key}' of Yelp's ElastAlert is ignored",
                    file.display()
                ));
            }
            Ok(()) => {
                kept.insert(key, value);
            }
            Err(e @ Error::UnknownOption { .. }) if policy == UnknownOptionPolicy::Warn => {
                warnings.push(format!("{e} (ignored because unknown_options is warn)"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok((kept, warnings))
}

fn parse_kind(file: &Path, own: &Map<String, Value>) -> Result<RuleKind> {
    let name = match own.get("type") {
        Some(Value::String(name)) => name,
        Some(other) => {
            return Err(Error::WrongType {
                file: file.into(),
                option: "type".into(),
                expected: "a string".into(),
                found: super::options::describe_value(other),
            });
        }
        None => return Err(missing(file, "type")),
    };
    if let Some(kind) = RuleKind::from_name(name) {
        return Ok(kind);
    }
    if name.contains('.') {
        return Err(Error::Unsupported {
            file: file.into(),
            what: format!("custom rule type '{name}'"),
            why: "it names a Python class; alert cannot load Python modules".into(),
        });
    }
    let hint = closest(name, RuleKind::ALL.iter().map(|k| k.as_str()))
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default();
    Err(Error::InvalidValue {
        file: file.into(),
        option: "type".into(),
        message: format!("unknown rule type '{name}'{hint}"),
    })
}

fn missing(file: &Path, option: &str) -> Error {
    Error::MissingOption {
        file: file.into(),
        option: option.into(),
        context: None,
    }
}

fn build(
    file: &Path,
    kind: RuleKind,
    options: Map<String, Value>,
    global: &GlobalConfig,
    realert_default: Duration,
) -> Result<Rule> {
    let duration = |key: &str| -> Result<Option<Duration>> {
        options
            .get(key)
            .map(|v| Duration::parse(v).map_err(|e| e.in_file(file, key)))
            .transpose()
    };
    let text = |key: &str| options.get(key).and_then(Value::as_str);
    let timestamp_type = TimestampType::from_options(
        text("timestamp_type").map(str::trim),
        text("timestamp_format"),
    )
    .map_err(|e| e.in_file(file, "timestamp_type"))?;
    let aggregation = match options.get("aggregation") {
        Some(v) if v.get("schedule").is_some() => Some(AggregationWindow::Schedule(
            v["schedule"].as_str().unwrap_or_default().to_string(),
        )),
        Some(_) => duration("aggregation")?
            .filter(|d| !d.is_zero_or_negative())
            .map(AggregationWindow::Period),
        None => None,
    };
    let query_key = QueryKey::from_option(options.get("query_key"));
    let timestamp_field = text("timestamp_field").unwrap_or("@timestamp").to_string();
    let include = extend_include(&options, query_key.as_ref(), &timestamp_field);
    let filter = match options.get("filter") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    Ok(Rule {
        name: text("name").unwrap_or_default().to_string(),
        file: file.to_path_buf(),
        kind,
        index: text("index").unwrap_or_default().to_string(),
        filter,
        query_key,
        timestamp_field,
        timestamp_type,
        alerters: parse_alerters(file, options.get("alert").unwrap_or(&Value::Null))?,
        realert: duration("realert")?.unwrap_or(realert_default),
        exponential_realert: duration("exponential_realert")?,
        aggregation,
        query_delay: duration("query_delay")?.unwrap_or(Duration::ZERO),
        run_every: duration("run_every")?.unwrap_or(global.run_every),
        buffer_time: duration("buffer_time")?.unwrap_or(global.buffer_time),
        timeframe: duration("timeframe")?,
        is_enabled: options
            .get("is_enabled")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        include,
        options,
        warnings: Vec::new(),
    })
    .and_then(|rule| check_consistency(file, rule))
}

/// ElastAlert2's cross-option checks.
fn check_consistency(file: &Path, rule: Rule) -> Result<Rule> {
    let flag = |k: &str| {
        rule.options
            .get(k)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    if flag("use_terms_query") && rule.query_key.is_none() {
        return Err(Error::MissingOption {
            file: file.into(),
            option: "query_key".into(),
            context: Some("use_terms_query needs it".into()),
        });
    }
    if flag("scan_entire_timeframe") && rule.timeframe.is_none() {
        return Err(Error::MissingOption {
            file: file.into(),
            option: "timeframe".into(),
            context: Some("scan_entire_timeframe needs it".into()),
        });
    }
    Ok(rule)
}

/// `include` (default `['*']`) plus query, aggregation and compare keys, top count keys and the
/// timestamp field, de-duplicated.
fn extend_include(
    options: &Map<String, Value>,
    query_key: Option<&QueryKey>,
    ts: &str,
) -> Vec<String> {
    let mut include = match options.get("include") {
        Some(Value::Array(_)) => string_list(options.get("include")),
        _ => vec!["*".to_string()],
    };
    if let Some(qk) = query_key {
        include.push(qk.name.clone());
        if qk.fields.len() > 1 {
            include.extend(qk.fields.iter().cloned());
        }
    }
    for key in ["aggregation_key", "compare_key", "top_count_keys"] {
        include.extend(string_list(options.get(key)));
    }
    include.push(ts.to_string());
    let mut seen = std::collections::HashSet::new();
    include.retain(|f| seen.insert(f.clone()));
    include
}
