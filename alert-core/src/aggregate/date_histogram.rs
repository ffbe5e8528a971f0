//! The `date_histogram` bucket aggregation (fixed intervals, UTC).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::key::FieldPath;
use super::{Aggregations, Context, invalid, u64_param, unsupported_param};
use crate::Result;
use crate::document::Event;
use crate::time::{Duration, Timestamp};

const MS_PER_DAY: i64 = 86_400_000;
/// 1970-01-01 was a Thursday; calendar weeks start on Monday, 1970-01-05.
pub(super) const FIRST_MONDAY_MS: i64 = 4 * MS_PER_DAY;

/// `{"date_histogram": {"field", "fixed_interval" | "calendar_interval" | "interval", "offset",
/// "min_doc_count"}}`. Intervals are fixed spans in milliseconds; calendar months, quarters
/// and years are not supported.
#[derive(Debug, Clone)]
pub(crate) struct DateHistogram {
    /// `None` when the field is the rule's timestamp field (use the parsed timestamp).
    field: Option<FieldPath>,
    interval_ms: i64,
    offset_ms: i64,
    min_doc_count: u64,
}

impl DateHistogram {
    /// Compiles the parameters of a `date_histogram`.
    pub(crate) fn compile(name: &str, params: &Map<String, Value>, ctx: &Context) -> Result<Self> {
        let field = super::field_param(name, "date_histogram", params)?;
        let mut histogram = DateHistogram {
            field: (field.name() != ctx.timestamp_field).then_some(field),
            interval_ms: 0,
            offset_ms: 0,
            min_doc_count: 0,
        };
        for (param, value) in params {
            match param.as_str() {
                "field" => {}
                "keyed" if value == &json!(false) => {}
                "fixed_interval" | "calendar_interval" | "interval" => {
                    let (interval, calendar_week) = parse_interval(name, param, value)?;
                    histogram.interval_ms = interval;
                    if calendar_week {
                        histogram.offset_ms = FIRST_MONDAY_MS;
                    }
                }
                "offset" => histogram.offset_ms = parse_offset(name, value)?,
                "min_doc_count" => {
                    histogram.min_doc_count = u64_param(name, "min_doc_count", value)?
                }
                "time_zone" if is_utc(value) => {}
                "format" if value == "strict_date_optional_time" => {}
                other => {
                    return Err(unsupported_param(
                        "date_histogram",
                        other,
                        "not evaluated locally",
                    ));
                }
            }
        }
        if histogram.interval_ms <= 0 {
            return Err(invalid(
                name,
                "'date_histogram' needs a fixed_interval such as \"5m\"",
            ));
        }
        Ok(histogram)
    }

    /// The response: `{"buckets": [{"key_as_string", "key", "doc_count", ...}]}` in key order.
    pub(crate) fn run(&self, events: &[&Event], subs: &Aggregations) -> Value {
        let mut groups: BTreeMap<i64, Vec<&Event>> = BTreeMap::new();
        for &event in events {
            if let Some(ms) = self.millis(event) {
                let key = (ms - self.offset_ms).div_euclid(self.interval_ms) * self.interval_ms
                    + self.offset_ms;
                groups.entry(key).or_default().push(event);
            }
        }
        if self.min_doc_count == 0 {
            self.fill_gaps(&mut groups);
        }
        let buckets: Vec<Value> = groups
            .into_iter()
            .filter(|(_, evs)| evs.len() as u64 >= self.min_doc_count)
            .map(|(key, evs)| render(key, &evs, subs))
            .collect();
        json!({ "buckets": buckets })
    }

    /// Empty buckets between the first and the last one (what `min_doc_count: 0` returns
    /// without `extended_bounds`).
    fn fill_gaps(&self, groups: &mut BTreeMap<i64, Vec<&Event>>) {
        let (Some(&first), Some(&last)) = (groups.keys().next(), groups.keys().next_back()) else {
            return;
        };
        let mut key = first;
        while key < last {
            groups.entry(key).or_default();
            key += self.interval_ms;
        }
    }

    fn millis(&self, event: &Event) -> Option<i64> {
        let Some(field) = &self.field else {
            return Some(event.timestamp.as_millis());
        };
        match field.lookup(&event.source)? {
            Value::String(s) => Timestamp::parse_iso(s).map(Timestamp::as_millis),
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.floor() as i64)),
            _ => None,
        }
    }
}

fn render(key: i64, events: &[&Event], subs: &Aggregations) -> Value {
    let mut out = Map::new();
    let at = Timestamp::from_millis(key);
    out.insert(
        "key_as_string".into(),
        json!(at.format_with("%Y-%m-%dT%H:%M:%S%.3fZ")),
    );
    out.insert("key".into(), json!(key));
    out.insert("doc_count".into(), json!(events.len()));
    subs.run(events, &mut out);
    Value::Object(out)
}

/// `"5m"`, `"90s"`, `"1d"` (fixed), or calendar names `minute`, `hour`, `day`, `week` and
/// their `1m`/`1h`/`1d`/`1w` spellings. Returns the span and whether weeks align on Mondays.
pub(super) fn parse_interval(name: &str, param: &str, value: &Value) -> Result<(i64, bool)> {
    let text = value.as_str().unwrap_or_default();
    let calendar = param != "fixed_interval";
    let named = match text {
        "minute" => Some("1m"),
        "hour" => Some("1h"),
        "day" => Some("1d"),
        "week" => Some("1w"),
        "month" | "quarter" | "year" | "1M" | "1q" | "1y" => {
            return Err(unsupported_param(
                "date_histogram",
                &format!("{param}.{text}"),
                "calendar months, quarters and years are not evaluated locally; use a fixed interval",
            ));
        }
        _ => None,
    };
    let spelled = named.unwrap_or(text);
    let micros = Duration::parse(&json!(spelled))
        .map_err(|_| invalid(name, format!("'{param}' must be like \"5m\", got {value}")))?
        .as_micros();
    let week = calendar && spelled == "1w";
    Ok((micros / 1000, week))
}

/// `"+37s"`, `"-1h"` or `"30m"`.
pub(super) fn parse_offset(name: &str, value: &Value) -> Result<i64> {
    let text = value.as_str().unwrap_or_default();
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let micros = Duration::parse(&json!(rest))
        .map_err(|_| invalid(name, format!("'offset' must be like \"+30s\", got {value}")))?
        .as_micros();
    Ok(sign * micros / 1000)
}

pub(super) fn is_utc(value: &Value) -> bool {
    matches!(
        value.as_str(),
        Some("UTC" | "Z" | "+00:00" | "Etc/UTC" | "GMT")
    )
}

#[cfg(test)]
mod tests {
    use super::super::{Context, evaluate};
    use crate::Error;
    use crate::document::Event;
    use crate::time::Timestamp;
    use serde_json::{Value, json};

    fn at(text: &str) -> Event {
        let t = Timestamp::parse_iso(text).unwrap();
        Event::new(t, json!({"@timestamp": text, "other": text, "v": 1}))
    }

    fn run(params: Value, events: &[Event]) -> Vec<(String, u64)> {
        let ctx = Context::new("@timestamp", Timestamp::from_micros(0));
        let mut body = json!({"h": {}});
        body["h"]["date_histogram"] = params;
        let out = evaluate(&body, events, &ctx).unwrap();
        out["h"]["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["key_as_string"].as_str().unwrap().to_string(),
                    b["doc_count"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    fn sample() -> Vec<Event> {
        [
            "2026-01-01T00:01:00Z",
            "2026-01-01T00:04:59.999Z",
            "2026-01-01T00:05:00Z",
            "2026-01-01T00:16:00Z",
        ]
        .iter()
        .map(|t| at(t))
        .collect()
    }

    #[test]
    fn fixed_intervals_bucket_on_the_epoch_grid_and_fill_gaps() {
        let buckets = run(
            json!({"field": "@timestamp", "fixed_interval": "5m"}),
            &sample(),
        );
        let expected = [("00:00", 2), ("00:05", 1), ("00:10", 0), ("00:15", 1)];
        let expected: Vec<(String, u64)> = expected
            .iter()
            .map(|(t, n)| (format!("2026-01-01T{t}:00.000Z"), *n))
            .collect();
        assert_eq!(buckets, expected);
    }

    #[test]
    fn min_doc_count_drops_empty_buckets() {
        let buckets = run(
            json!({"field": "@timestamp", "fixed_interval": "5m", "min_doc_count": 1}),
            &sample(),
        );
        assert_eq!(buckets.len(), 3);
    }

    #[test]
    fn offset_shifts_bucket_boundaries() {
        let buckets = run(
            json!({"field": "@timestamp", "fixed_interval": "5m", "offset": "+37s", "min_doc_count": 1}),
            &sample(),
        );
        assert_eq!(buckets[0], ("2026-01-01T00:00:37.000Z".to_string(), 3));
        assert_eq!(buckets[1], ("2026-01-01T00:15:37.000Z".to_string(), 1));
        let negative = run(
            json!({"field": "@timestamp", "fixed_interval": "5m", "offset": "-1m", "min_doc_count": 1}),
            &sample(),
        );
        assert_eq!(negative[0], ("2025-12-31T23:59:00.000Z".to_string(), 1));
    }

    #[test]
    fn other_date_fields_are_read_from_the_document_and_the_legacy_interval_works() {
        let buckets = run(json!({"field": "other", "interval": "hour"}), &sample());
        assert_eq!(buckets, vec![("2026-01-01T00:00:00.000Z".to_string(), 4)]);
    }

    #[test]
    fn calendar_weeks_start_on_monday() {
        let buckets = run(
            json!({"field": "@timestamp", "calendar_interval": "week"}),
            &sample(),
        );
        assert_eq!(buckets, vec![("2025-12-29T00:00:00.000Z".to_string(), 4)]);
    }

    #[test]
    fn sub_aggregations_run_per_bucket() {
        let ctx = Context::new("@timestamp", Timestamp::from_micros(0));
        let body = json!({"h": {"date_histogram": {"field": "@timestamp", "fixed_interval": "10m"}, "aggs": {"n": {"sum": {"field": "v"}}}}});
        let out = evaluate(&body, &sample(), &ctx).unwrap();
        assert_eq!(out["h"]["buckets"][0]["n"], json!({"value": 3.0}));
        assert_eq!(out["h"]["buckets"][0]["key"], json!(1_767_225_600_000_i64));
    }

    #[test]
    fn months_bounds_and_bad_intervals_are_rejected() {
        let ctx = Context::new("@timestamp", Timestamp::from_micros(0));
        let unsupported = [
            (
                json!({"field": "@timestamp", "calendar_interval": "month"}),
                "date_histogram.calendar_interval.month",
            ),
            (
                json!({"field": "@timestamp", "fixed_interval": "1m", "extended_bounds": {}}),
                "date_histogram.extended_bounds",
            ),
            (
                json!({"field": "@timestamp", "fixed_interval": "1m", "time_zone": "Europe/Paris"}),
                "date_histogram.time_zone",
            ),
        ];
        for (params, construct) in unsupported {
            let err = evaluate(&json!({"h": {"date_histogram": params}}), &[], &ctx).unwrap_err();
            assert!(
                matches!(&err, Error::UnsupportedFilter { construct: c, .. } if c == construct),
                "{err}"
            );
        }
        for params in [
            json!({"field": "@timestamp"}),
            json!({"field": "@timestamp", "fixed_interval": "5 minutes"}),
        ] {
            assert!(evaluate(&json!({"h": {"date_histogram": params}}), &[], &ctx).is_err());
        }
    }
}
