//! The sources of a `composite` aggregation: `terms`, `histogram` and `date_histogram`, each
//! giving a document's values for one part of the bucket key.

use serde_json::{Value, json};

use super::date_histogram::parse_interval;
use super::key::{FieldPath, TermKey};
use super::{Context, invalid, unsupported_param};
use crate::Result;
use crate::document::Event;
use crate::time::Timestamp;

/// One named source of the composite key.
#[derive(Debug, Clone)]
pub(super) struct Source {
    /// The key's name for this source.
    pub(super) name: String,
    pub(super) kind: SourceKind,
    missing_bucket: bool,
    /// `order: desc`.
    pub(super) desc: bool,
}

/// What a source reads.
#[derive(Debug, Clone)]
pub(super) enum SourceKind {
    Terms(FieldPath),
    /// Numbers in buckets of `interval`, keyed by their lower bound.
    Histogram {
        field: FieldPath,
        interval: f64,
    },
    /// `field` is `None` for the rule's timestamp field (the event's parsed timestamp).
    DateHistogram {
        field: Option<FieldPath>,
        interval_ms: i64,
        offset_ms: i64,
    },
}

impl Source {
    /// The distinct key values of this source in a document (`[null]` for a missing value
    /// with `missing_bucket`, none without).
    pub(super) fn values(&self, event: &Event) -> Vec<Value> {
        let mut values: Vec<Value> = match &self.kind {
            SourceKind::Terms(field) => match field.lookup(&event.source) {
                Some(Value::Array(items)) => items.iter().filter(|v| is_term(v)).cloned().collect(),
                Some(v) if is_term(v) => vec![v.clone()],
                _ => Vec::new(),
            },
            SourceKind::Histogram { field, interval } => numbers(field.lookup(&event.source))
                .into_iter()
                .map(|x| json!((x / interval).floor() * interval))
                .collect(),
            SourceKind::DateHistogram {
                field,
                interval_ms,
                offset_ms,
            } => millis(field.as_ref(), event)
                .map(|ms| {
                    let key = (ms - offset_ms).div_euclid(*interval_ms) * interval_ms + offset_ms;
                    vec![json!(key)]
                })
                .unwrap_or_default(),
        };
        let mut seen = std::collections::HashSet::new();
        values.retain(|v| seen.insert(TermKey::of(v)));
        if values.is_empty() && self.missing_bucket {
            values.push(Value::Null);
        }
        values
    }
}

fn is_term(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// The numbers of a value (numeric texts too, as a numeric field reads them).
fn numbers(value: Option<&Value>) -> Vec<f64> {
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
        _ => None,
    };
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(number).collect(),
        Some(v) => number(v).into_iter().collect(),
        None => Vec::new(),
    }
}

fn millis(field: Option<&FieldPath>, event: &Event) -> Option<i64> {
    let Some(field) = field else {
        return Some(event.timestamp.as_millis());
    };
    match field.lookup(&event.source)? {
        Value::String(s) => Timestamp::parse_iso(s).map(Timestamp::as_millis),
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.floor() as i64)),
        _ => None,
    }
}

/// `[{"name": {"terms" | "histogram" | "date_histogram": {...}}}, ...]`.
pub(super) fn compile_sources(name: &str, value: &Value, ctx: &Context) -> Result<Vec<Source>> {
    let Value::Array(items) = value else {
        return Err(invalid(
            name,
            format!("'sources' must be a list, got {value}"),
        ));
    };
    let mut sources: Vec<Source> = Vec::with_capacity(items.len());
    for item in items {
        let entry = item.as_object().filter(|m| m.len() == 1);
        let Some((source_name, body)) = entry.and_then(|m| m.iter().next()) else {
            return Err(invalid(
                name,
                format!("each source must be {{\"name\": {{\"<kind>\": {{...}}}}}}, got {item}"),
            ));
        };
        if sources.iter().any(|s| &s.name == source_name) {
            return Err(invalid(
                name,
                format!("duplicate source name '{source_name}'"),
            ));
        }
        sources.push(compile_source(name, source_name, body, ctx)?);
    }
    Ok(sources)
}

fn compile_source(name: &str, source_name: &str, body: &Value, ctx: &Context) -> Result<Source> {
    let kind_and_params = body.as_object().filter(|m| m.len() == 1);
    let Some((kind, Value::Object(params))) = kind_and_params.and_then(|m| m.iter().next()) else {
        return Err(invalid(
            name,
            format!("source '{source_name}' must name one kind with an object, got {body}"),
        ));
    };
    let field = super::field_param(name, &format!("composite.{kind}"), params)?;
    let mut source = Source {
        name: source_name.to_string(),
        kind: match kind.as_str() {
            "terms" => SourceKind::Terms(field),
            "histogram" => SourceKind::Histogram {
                field,
                interval: 0.0,
            },
            "date_histogram" => SourceKind::DateHistogram {
                field: (field.name() != ctx.timestamp_field).then_some(field),
                interval_ms: 0,
                offset_ms: 0,
            },
            other => {
                return Err(unsupported_param(
                    "composite.sources",
                    other,
                    "composite sources evaluated locally are terms, histogram and date_histogram",
                ));
            }
        },
        missing_bucket: false,
        desc: false,
    };
    for (param, value) in params {
        source.apply(name, kind, param, value)?;
    }
    if matches!(source.kind, SourceKind::Histogram { interval, .. } if interval <= 0.0) {
        return Err(invalid(
            name,
            format!("histogram source '{source_name}' needs an 'interval'"),
        ));
    }
    if matches!(source.kind, SourceKind::DateHistogram { interval_ms, .. } if interval_ms <= 0) {
        return Err(invalid(
            name,
            format!("date_histogram source '{source_name}' needs a fixed_interval such as \"5m\""),
        ));
    }
    Ok(source)
}

impl Source {
    /// Applies one parameter of the source's body.
    fn apply(&mut self, name: &str, kind: &str, param: &str, value: &Value) -> Result<()> {
        match (param, &mut self.kind) {
            ("field", _) => {}
            ("missing_bucket", _) => self.missing_bucket = value.as_bool().unwrap_or(false),
            ("order", _) => {
                self.desc = match value.as_str() {
                    Some("asc") => false,
                    Some("desc") => true,
                    _ => {
                        return Err(invalid(
                            name,
                            format!("'order' must be asc or desc, got {value}"),
                        ));
                    }
                }
            }
            (
                "fixed_interval" | "calendar_interval" | "interval",
                SourceKind::DateHistogram {
                    interval_ms,
                    offset_ms,
                    ..
                },
            ) => {
                let (interval, calendar_week) = parse_interval(name, param, value)?;
                *interval_ms = interval;
                if calendar_week {
                    *offset_ms = super::date_histogram::FIRST_MONDAY_MS;
                }
            }
            ("interval", SourceKind::Histogram { interval, .. }) => {
                *interval = value.as_f64().filter(|x| *x > 0.0).ok_or_else(|| {
                    invalid(
                        name,
                        format!("histogram 'interval' must be a positive number, got {value}"),
                    )
                })?
            }
            ("offset", SourceKind::DateHistogram { offset_ms, .. }) => {
                *offset_ms = super::date_histogram::parse_offset(name, value)?
            }
            ("time_zone", SourceKind::DateHistogram { .. })
                if super::date_histogram::is_utc(value) => {}
            (other, _) => {
                return Err(unsupported_param(
                    &format!("composite.{kind}"),
                    other,
                    "not evaluated locally",
                ));
            }
        }
        Ok(())
    }
}
