//! new_term's baseline: the terms seen in `terms_window_size` before the start, queried in
//! `window_step_size` steps (ElastAlert2's `get_all_terms`), and read back from the
//! `values` terms aggregations (`flatten_aggregation_hierarchy` for composite fields).

use serde_json::{Value, json};

use crate::aggregate::TermKey;
use crate::time::{Duration, Timestamp};
use crate::{Error, Result};

/// The terms-aggregation size of baseline queries (Java's `Integer.MAX_VALUE`).
const ALL_TERMS: u64 = 2_147_483_647;

/// The baseline queries a rule needs before its first run (see
/// [`RuleType::baseline_request`](crate::rules::RuleType::baseline_request)).
///
/// For every entry of `aggs` and every window, run that `aggs` body over the documents of the
/// window that pass the rule's filters, and give the resulting `aggregations` object to
/// [`RuleType::add_baseline_data`](crate::rules::RuleType::add_baseline_data) with the
/// entry's index. Against Elasticsearch, ElastAlert2 sends `{"size": 0, "aggs": {"filtered":
/// {"filter": {"bool": {"must": [{"range": {<ts>: {"gte": start, "lt": end}}}, <filters>…]}},
/// "aggs": aggs[i]}}}` (index per window with `use_strftime_index`, `timeout: 50s`) and the
/// rule takes `aggregations.filtered`.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineRequest {
    /// Time windows `[start, end)` — start inclusive, end exclusive — oldest first.
    pub windows: Vec<(Timestamp, Timestamp)>,
    /// One `aggs` body per entry of `fields`: nested `values` terms aggregations.
    pub aggs: Vec<Value>,
}

/// `[start, end)` cut into steps of `step` (the last one shorter).
pub(crate) fn windows(
    start: Timestamp,
    end: Timestamp,
    step: Duration,
) -> Vec<(Timestamp, Timestamp)> {
    let mut out = Vec::new();
    let mut from = start;
    while from < end && !step.is_zero_or_negative() {
        let to = from.plus(step).min(end);
        out.push((from, to));
        from = to;
    }
    out
}

/// `{"values": {"terms": {"field": "<f>.keyword", "size": 2147483647}, "aggs": {"values": ..}}}`,
/// one nested level per component; `.keyword` is added unless present or `postfix` is off.
pub(crate) fn aggs(components: &[String], postfix: bool) -> Value {
    let mut aggs: Option<Value> = None;
    for component in components.iter().rev() {
        let name = if postfix && !component.ends_with(".keyword") {
            format!("{component}.keyword")
        } else {
            component.clone()
        };
        let mut level = json!({"terms": {"field": name, "size": ALL_TERMS}});
        if let Some(inner) = aggs.take() {
            level["aggs"] = inner;
        }
        aggs = Some(json!({ "values": level }));
    }
    aggs.unwrap_or_else(|| json!({}))
}

/// The terms of one baseline answer: bucket keys, or tuples of the nested keys for a
/// composite field. An answer without `values` holds no terms.
pub(crate) fn keys(aggregations: &Value, composite: bool) -> Result<Vec<TermKey>> {
    let mut out = Vec::new();
    if let Some(values) = aggregations.get("values") {
        flatten(values, &mut Vec::new(), composite, &mut out)?;
    }
    Ok(out)
}

fn flatten(
    agg: &Value,
    prefix: &mut Vec<TermKey>,
    composite: bool,
    out: &mut Vec<TermKey>,
) -> Result<()> {
    let buckets = agg
        .get("buckets")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Error::Evaluation("baseline response has a 'values' level without 'buckets'".into())
        })?;
    for bucket in buckets {
        let key = TermKey::of(bucket.get("key").unwrap_or(&Value::Null));
        if let Some(inner) = bucket.get("values") {
            prefix.push(key);
            flatten(inner, prefix, composite, out)?;
            prefix.pop();
        } else if composite {
            out.push(TermKey::Tuple(
                prefix.iter().cloned().chain([key]).collect(),
            ));
        } else {
            out.push(key);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{Context, evaluate};
    use crate::document::Event;

    fn t(hours: i64) -> Timestamp {
        Timestamp::from_micros(hours * 3_600_000_000)
    }

    #[test]
    fn windows_step_through_the_range_with_a_short_last_step() {
        let w = windows(t(0), t(50), Duration::from_secs(24 * 3600));
        assert_eq!(w, vec![(t(0), t(24)), (t(24), t(48)), (t(48), t(50))]);
        assert!(windows(t(5), t(5), Duration::from_secs(3600)).is_empty());
        assert!(windows(t(0), t(5), Duration::ZERO).is_empty());
    }

    #[test]
    fn aggs_nest_one_values_level_per_component_with_keyword_postfix() {
        let plain = aggs(&["host".into()], true);
        assert_eq!(
            plain,
            json!({"values": {"terms": {"field": "host.keyword", "size": ALL_TERMS}}})
        );
        assert_eq!(
            aggs(&["host.keyword".into()], true)["values"]["terms"]["field"],
            json!("host.keyword")
        );
        assert_eq!(
            aggs(&["host".into()], false)["values"]["terms"]["field"],
            json!("host")
        );
        let composite = aggs(&["ip".into(), "port".into()], false);
        assert_eq!(
            composite["values"]["aggs"]["values"]["terms"]["field"],
            json!("port")
        );
    }

    #[test]
    fn keys_flatten_nested_buckets_into_tuples() {
        let docs = [
            json!({"ip": "a", "port": 80}),
            json!({"ip": "a", "port": 443}),
            json!({"ip": "b", "port": 80}),
        ];
        let events: Vec<Event> = docs.iter().map(|d| Event::new(t(0), d.clone())).collect();
        let ctx = Context::new("@timestamp", t(0));
        let answer = evaluate(&aggs(&["ip".into(), "port".into()], true), &events, &ctx).unwrap();
        let found = keys(&answer, true).unwrap();
        let tuple = |ip: &str, port: i64| {
            TermKey::Tuple(vec![TermKey::of(&json!(ip)), TermKey::Int(port)].into())
        };
        assert_eq!(found, vec![tuple("a", 80), tuple("a", 443), tuple("b", 80)]);
        let plain = evaluate(&aggs(&["ip".into()], true), &events, &ctx).unwrap();
        assert_eq!(
            keys(&plain, false).unwrap(),
            vec![TermKey::of(&json!("a")), TermKey::of(&json!("b"))]
        );
    }

    #[test]
    fn answers_without_values_hold_no_terms_and_broken_ones_are_errors() {
        assert!(keys(&json!({}), false).unwrap().is_empty());
        assert!(keys(&json!({"values": {}}), false).is_err());
    }
}
