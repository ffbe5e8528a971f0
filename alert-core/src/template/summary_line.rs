//! The rule type's summary line in the alert text: ElastAlert2's `get_match_str` of
//! `frequency`, `spike`, `flatline`, `cardinality`, `metric_aggregation`, `spike_aggregation`
//! and `percentage_match` (the other types print nothing).
//!
//! Times are printed as `pretty_ts` does: `%Y-%m-%d %H:%M %Z` (or `custom_pretty_ts_format`)
//! in the local zone the [`TextEnv`](super::TextEnv) gives, or, when the rule says
//! `use_local_time: false`, at the offset the match's timestamp was written with (named `UTC`
//! at offset 0, unnamed otherwise, as Python's `dateutil` names them). Like ElastAlert2 (whose rule type keeps the rule's own options),
//! these read the rule's options, not an alerter entry's overrides.

use chrono::{DateTime, FixedOffset, Offset, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use super::options::invalid;
use super::python::{py_float, py_str, truthy};
use crate::alert::Match;
use crate::config::{Rule, RuleKind};
use crate::document::lookup_es_key;
use crate::rules::NumberFormat;
use crate::time::{Duration, Timestamp};
use crate::{Error, Result};

/// `get_match_str`: the summary line(s) of a match, ending in a blank line, or empty.
///
/// `doc` is the match's body as one JSON object.
pub(crate) fn summary_line(rule: &Rule, m: &Match, doc: &Value, local_zone: Tz) -> Result<String> {
    let line = Line {
        rule,
        doc,
        fallback: m.timestamp,
        zone: if rule.option("use_local_time").is_none_or(truthy) {
            Zone::Local(local_zone)
        } else {
            Zone::AsWritten
        },
    };
    match rule.kind {
        RuleKind::Frequency => line.frequency(),
        RuleKind::Spike => line.spike(),
        RuleKind::Flatline => line.flatline(),
        RuleKind::Cardinality => line.cardinality(),
        RuleKind::MetricAggregation => line.metric_aggregation(),
        RuleKind::SpikeAggregation => line.spike_aggregation(),
        RuleKind::PercentageMatch => line.percentage_match(),
        RuleKind::Any
        | RuleKind::Blacklist
        | RuleKind::Whitelist
        | RuleKind::Change
        | RuleKind::NewTerm => Ok(String::new()),
    }
}

/// What one summary line reads.
struct Line<'a> {
    rule: &'a Rule,
    doc: &'a Value,
    /// The match's time, for a match whose body has no readable timestamp.
    fallback: Timestamp,
    zone: Zone,
}

/// Where `pretty_ts` prints times.
#[derive(Clone, Copy)]
enum Zone {
    /// Converted to the process's zone (`use_local_time`, the default).
    Local(Tz),
    /// At the offset of the match's timestamp.
    AsWritten,
}

impl Line<'_> {
    fn frequency(&self) -> Result<String> {
        let (start, end) = self.window()?;
        Ok(format!(
            "At least {} events occurred between {start} and {end}\n\n",
            percent_d(self.option("num_events"), "num_events")?
        ))
    }

    fn spike(&self) -> Result<String> {
        let at = self.pretty(self.timestamp())?;
        let timeframe = self.timeframe()?;
        let (cur, reference) = (self.field("spike_count"), self.field("reference_count"));
        let Some(field) = self.option("field_value").filter(|v| !v.is_null()) else {
            return Ok(format!(
                "An abnormal number ({}) of events occurred around {at}.\n\
                 Preceding that time, there were only {} events within {timeframe}\n\n",
                percent_d(cur, "spike_count")?,
                percent_d(reference, "reference_count")?,
            ));
        };
        Ok(format!(
            "An abnormal average value ({}) of field '{}' occurred around {at}.\n\
             Preceding that time, the field had an average value of ({}) within {timeframe}\n\n",
            percent_2f(cur, "spike_count")?,
            py_str(field),
            percent_2f(reference, "reference_count")?,
        ))
    }

    fn flatline(&self) -> Result<String> {
        let (start, end) = self.window()?;
        Ok(format!(
            "An abnormally low number of events occurred around {end}.\n\
             Between {start} and {end}, there were less than {} events.\n\n",
            self.option_str("threshold")
        ))
    }

    fn cardinality(&self) -> Result<String> {
        let (start, end) = self.window()?;
        let field = self.option_str("cardinality_field");
        let (lead, limit) = if self.rule.option("max_cardinality").is_some() {
            ("A maximum of", "max_cardinality")
        } else {
            ("Less than", "min_cardinality")
        };
        Ok(format!(
            "{lead} {} unique {field}(s) occurred since last alert or between {start} and {end}\n\n",
            percent_d(self.option(limit), limit)?
        ))
    }

    fn metric_aggregation(&self) -> Result<String> {
        let (kind, key) = (
            self.option_str("metric_agg_type"),
            self.option_str("metric_agg_key"),
        );
        let metric = format!("metric_{key}_{kind}");
        let value = self.field(&metric).ok_or_else(|| missing(&metric))?;
        Ok(format!(
            "Threshold violation, {kind}:{key} {} (min: {} max : {}) \n\n",
            self.formatted("metric_format_string", value)?,
            self.option_str("min_threshold"),
            self.option_str("max_threshold"),
        ))
    }

    fn spike_aggregation(&self) -> Result<String> {
        let (kind, key) = (
            self.option_str("metric_agg_type"),
            self.option_str("metric_agg_key"),
        );
        let at = self.pretty(self.timestamp())?;
        Ok(format!(
            "An abnormal {kind} of {key} ({}) occurred around {at}.\n\
             Preceding that time, there was a {kind} of {key} of ({}) within {}\n\n",
            round2(self.field("spike_count"), "spike_count")?,
            round2(self.field("reference_count"), "reference_count")?,
            self.timeframe()?,
        ))
    }

    fn percentage_match(&self) -> Result<String> {
        let percentage = self
            .field("percentage")
            .ok_or_else(|| missing("percentage"))?;
        let denominator = self
            .field("denominator")
            .ok_or_else(|| missing("denominator"))?;
        Ok(format!(
            "Percentage violation, value: {} (min: {} max : {}) of {} items\n\n",
            self.formatted("percentage_format_string", percentage)?,
            self.option_str("min_percentage"),
            self.option_str("max_percentage"),
            py_str(denominator),
        ))
    }

    /// `timestamp - timeframe` and `timestamp`, both pretty.
    fn window(&self) -> Result<(String, String)> {
        let end = self.timestamp();
        let start = end.minus(self.timeframe()?);
        Ok((self.pretty(start)?, self.pretty(end)?))
    }

    /// The match's `timestamp_field` (an ISO string in every match the rule types make).
    fn timestamp(&self) -> Timestamp {
        self.field(&self.rule.timestamp_field)
            .and_then(Value::as_str)
            .and_then(Timestamp::parse_iso)
            .unwrap_or(self.fallback)
    }

    fn timeframe(&self) -> Result<Duration> {
        self.rule
            .timeframe
            .ok_or_else(|| invalid("timeframe", "the summary line needs it"))
    }

    /// ElastAlert2's `pretty_ts`.
    fn pretty(&self, t: Timestamp) -> Result<String> {
        let format = match self.rule.option("custom_pretty_ts_format") {
            Some(Value::String(f)) => f.replace("%f", "%6f"),
            _ => "%Y-%m-%d %H:%M %Z".to_string(),
        };
        let utc = t.to_chrono();
        let mut out = String::new();
        let written = match self.zone {
            Zone::Local(zone) => std::fmt::write(
                &mut out,
                format_args!("{}", utc.with_timezone(&zone).format(&format)),
            ),
            Zone::AsWritten => {
                let offset = self.written_offset();
                let name = if offset.local_minus_utc() == 0 {
                    "UTC"
                } else {
                    ""
                };
                let format = replace_zone_name(&format, name);
                std::fmt::write(
                    &mut out,
                    format_args!("{}", utc.with_timezone(&offset).format(&format)),
                )
            }
        };
        written.map_err(|_| {
            invalid(
                "custom_pretty_ts_format",
                format!("'{format}' is not a strftime format alert knows"),
            )
        })?;
        Ok(out)
    }

    /// The UTC offset the match's timestamp is written with (UTC when it has none).
    fn written_offset(&self) -> FixedOffset {
        self.field(&self.rule.timestamp_field)
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map_or_else(|| Utc.fix(), |d| *d.offset())
    }

    fn field(&self, name: &str) -> Option<&Value> {
        lookup_es_key(self.doc, name)
    }

    fn option(&self, name: &str) -> Option<&Value> {
        self.rule.option(name)
    }

    /// `str(rule.get(name))`: `None` when unset.
    fn option_str(&self, name: &str) -> String {
        self.option(name).map_or_else(|| "None".into(), py_str)
    }

    /// A value through the rule's `*_format_string` (ElastAlert2's `format_string`), else `str()`.
    fn formatted(&self, option: &str, value: &Value) -> Result<String> {
        match self.option(option) {
            Some(Value::String(spec)) => NumberFormat::parse(spec)
                .map(|f| f.format(value))
                .map_err(|message| invalid(option, message)),
            _ => Ok(py_str(value)),
        }
    }
}

/// `format` with `%Z` replaced by `name` (`%%` kept as it is).
fn replace_zone_name(format: &str, name: &str) -> String {
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Z') => out.push_str(name),
            Some(next) => {
                out.push('%');
                out.push(next);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Python's `'%d' % value`: integers as they are, floats truncated.
fn percent_d(value: Option<&Value>, name: &str) -> Result<String> {
    match value {
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        Some(Value::Number(n)) => Ok(format!("{}", n.as_f64().unwrap_or(0.0).trunc())),
        Some(Value::Bool(b)) => Ok(u8::from(*b).to_string()),
        _ => Err(not_a_number(name, value)),
    }
}

/// Python's `'%.2f' % value`.
fn percent_2f(value: Option<&Value>, name: &str) -> Result<String> {
    let x = value
        .and_then(Value::as_f64)
        .ok_or_else(|| not_a_number(name, value))?;
    Ok(format!("{x:.2}"))
}

/// `str(round(value, 2))`: integers unchanged, floats rounded to two decimals.
fn round2(value: Option<&Value>, name: &str) -> Result<String> {
    match value {
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        Some(Value::Number(n)) => {
            let x = n.as_f64().unwrap_or(0.0);
            let rounded: f64 = format!("{x:.2}").parse().unwrap_or(x);
            Ok(py_float(rounded))
        }
        _ => Err(not_a_number(name, value)),
    }
}

fn not_a_number(name: &str, value: Option<&Value>) -> Error {
    let shown = value.map_or_else(|| "nothing".into(), py_str);
    invalid(
        "type",
        format!("the summary line needs a number in match field '{name}', got {shown}"),
    )
}

fn missing(name: &str) -> Error {
    not_a_number(name, None)
}

#[cfg(test)]
#[path = "summary_line_tests.rs"]
mod tests;
