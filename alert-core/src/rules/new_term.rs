//! `new_term`: a value of a field (or a composite of fields) that was not seen in a baseline
//! of `terms_window_size` before the start, nor earlier in the run.
//!
//! Quirks kept (compatible): falsy values (`0`, `false`, `""`) are neither new nor missing;
//! an array value is compared as a whole list, so it never equals the baseline's scalar
//! terms; the baseline adds `.keyword` to field names (`use_keyword_postfix`) while the
//! runtime terms query uses `query_key` as written. The baseline is computed when the rule
//! starts (see [`RuleType::baseline_request`]) and not persisted, as in ElastAlert2.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::aggregate::{FieldPath, KeyView, TermKey, TermKeyRef, is_truthy};
use crate::alert::Match;
use crate::config::QueryKey;
use crate::document::Event;
use crate::rules::RuleType;
use crate::rules::new_term_config::{NewTermConfig, TermField};
use crate::rules::terms_baseline::{self, BaselineRequest};
use crate::time::Timestamp;
use crate::{Error, Result};

/// ElastAlert2's `NewTermsRule`.
#[derive(Debug)]
pub struct NewTerm {
    config: NewTermConfig,
    fields: Vec<FieldState>,
    matches: Vec<Match>,
}

/// A field prepared for look-ups, with the terms seen so far.
#[derive(Debug)]
struct FieldState {
    paths: Vec<FieldPath>,
    composite: bool,
    /// The compound query key, when the field is its synthesized `a,b` name.
    compound: Option<QueryKey>,
    /// What `new_field` / `missing_field` show: the name, or the list of names.
    label: Value,
    seen: HashSet<TermKey>,
}

impl NewTerm {
    /// A fresh evaluator (with an empty baseline).
    pub fn new(config: NewTermConfig) -> Self {
        let fields = config
            .fields
            .iter()
            .map(|f| FieldState::new(f, config.query_key.as_ref()))
            .collect();
        NewTerm {
            config,
            fields,
            matches: Vec::new(),
        }
    }

    /// Checks one document against every field, as `add_data` does.
    fn check(&mut self, event: &Event) {
        let mut extras: Vec<(&'static str, Value)> = Vec::new();
        for field in &mut self.fields {
            let (marker, fresh) = match field.value(&event.source) {
                Probe::Missing if self.config.alert_on_missing_field => ("missing_field", None),
                Probe::Missing => continue,
                Probe::Known => continue,
                Probe::New(key) => ("new_field", Some(key)),
            };
            extras.push((marker, field.label.clone()));
            let mut m = event.to_match(&self.config.timestamp_field);
            for (name, value) in &extras {
                m.set(name, value.clone());
            }
            self.matches.push(m);
            if let Some(key) = fresh {
                field.seen.insert(key);
            }
        }
    }
}

/// A field's value in one document.
enum Probe {
    Missing,
    Known,
    New(TermKey),
}

impl FieldState {
    fn new(field: &TermField, query_key: Option<&QueryKey>) -> Self {
        let compound = query_key
            .filter(|qk| qk.is_compound() && !field.composite && qk.name == field.components[0]);
        let label = if field.composite {
            json!(field.components)
        } else {
            json!(field.components[0])
        };
        FieldState {
            paths: field.components.iter().map(|c| FieldPath::new(c)).collect(),
            composite: field.composite,
            compound: compound.cloned(),
            label,
            seen: HashSet::new(),
        }
    }

    fn value(&self, doc: &Value) -> Probe {
        if self.composite {
            let mut parts = Vec::with_capacity(self.paths.len());
            for path in &self.paths {
                match path.lookup(doc).filter(|v| is_truthy(Some(v))) {
                    Some(v) => parts.push(TermKey::of(v)),
                    None => return Probe::Missing,
                }
            }
            let key = TermKey::Tuple(parts.into());
            return if self.seen.contains(&key) {
                Probe::Known
            } else {
                Probe::New(key)
            };
        }
        if let Some(qk) = &self.compound {
            let value = qk.value_of(doc).map(Value::String);
            return if is_truthy(value.as_ref()) {
                self.probe_value(value.as_ref())
            } else {
                Probe::Missing
            };
        }
        let value = self.paths.first().and_then(|p| p.lookup(doc));
        if is_truthy(value) {
            self.probe_value(value)
        } else {
            Probe::Missing
        }
    }

    fn probe_value(&self, value: Option<&Value>) -> Probe {
        value.map_or(Probe::Missing, |v| self.probe(&TermKeyRef::of(v)))
    }

    fn probe(&self, key: &TermKeyRef<'_>) -> Probe {
        if self.seen.contains(key as &dyn KeyView) {
            Probe::Known
        } else {
            Probe::New(key.to_owned_key())
        }
    }
}

impl RuleType for NewTerm {
    fn add_data(&mut self, events: &[Event]) {
        for event in events {
            self.check(event);
        }
    }

    fn take_matches(&mut self) -> Vec<Match> {
        std::mem::take(&mut self.matches)
    }

    /// Each bucket with documents whose key is new is a match
    /// `{<field>: key, <timestamp_field>: end, new_field: <field>}`.
    fn add_terms_data(&mut self, end: Timestamp, buckets: &[Value]) -> Result<()> {
        let Some(field) = self.fields.first_mut() else {
            return Ok(());
        };
        let name = field.label.as_str().unwrap_or_default().to_string();
        for bucket in buckets {
            let has_docs = bucket.get("doc_count").is_some_and(|c| is_truthy(Some(c)));
            let Some(key) = bucket.get("key").filter(|_| has_docs) else {
                continue;
            };
            if field.seen.contains(&TermKeyRef::of(key) as &dyn KeyView) {
                continue;
            }
            field.seen.insert(TermKey::of(key));
            let mut m = Match {
                timestamp: end,
                body: serde_json::Map::new(),
            };
            m.set(&name, key.clone());
            m.set(&self.config.timestamp_field, end.to_iso());
            m.set("new_field", name.clone());
            self.matches.push(m);
        }
        Ok(())
    }

    fn baseline_request(
        &self,
        run_start: Option<Timestamp>,
        now: Timestamp,
    ) -> Option<BaselineRequest> {
        let end = run_start.or(self.config.start_date).unwrap_or(now);
        let windows = terms_baseline::windows(
            end.minus(self.config.terms_window_size),
            end,
            self.config.window_step_size,
        );
        let postfix = self.config.use_keyword_postfix;
        let aggs = self
            .config
            .fields
            .iter()
            .map(|f| terms_baseline::aggs(&f.components, postfix))
            .collect();
        Some(BaselineRequest { windows, aggs })
    }

    fn add_baseline_data(&mut self, query: usize, aggregations: &Value) -> Result<()> {
        let field = self
            .fields
            .get_mut(query)
            .ok_or_else(|| Error::Evaluation(format!("new_term has no baseline query {query}")))?;
        let keys = terms_baseline::keys(aggregations, field.composite)?;
        field.seen.extend(keys);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{Context, evaluate};
    use crate::rules::test_support::rule;
    use crate::time::Duration;

    fn build(extra: &str) -> NewTerm {
        let r = rule(&format!("type: new_term\n{extra}"));
        NewTerm::new(NewTermConfig::from_rule(&r).unwrap())
    }

    fn events(docs: &[Value]) -> Vec<Event> {
        let t = Timestamp::parse_iso("2026-01-01T00:00:05Z").unwrap();
        docs.iter().map(|d| Event::new(t, d.clone())).collect()
    }

    fn run(r: &mut NewTerm, docs: &[Value]) -> Vec<Value> {
        r.add_data(&events(docs));
        r.take_matches()
            .into_iter()
            .map(|m| Value::Object(m.body))
            .collect()
    }

    fn country(c: &str) -> Value {
        json!({"@timestamp": "2026-01-01T00:00:05.000Z", "client": {"country": c}})
    }

    #[test]
    fn a_value_not_seen_before_matches_once_with_new_field() {
        let mut r = build("fields: [client.country]\n");
        let m = run(&mut r, &[country("BR"), country("DE"), country("BR")]);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0]["new_field"], json!("client.country"));
        assert_eq!(m[0]["@timestamp"], json!("2026-01-01T00:00:05Z"));
        assert_eq!(m[1]["client"]["country"], json!("DE"));
    }

    #[test]
    fn terms_of_the_baseline_are_not_new() {
        let mut r = build("fields: client.country\n");
        let start = Timestamp::parse_iso("2026-01-02T00:00:00Z").unwrap();
        let request = r.baseline_request(Some(start), start).unwrap();
        let ctx = Context::new("@timestamp", start);
        let answer = evaluate(&request.aggs[0], &events(&[country("BR")]), &ctx).unwrap();
        r.add_baseline_data(0, &answer).unwrap();
        assert!(r.add_baseline_data(1, &answer).is_err());
        assert_eq!(run(&mut r, &[country("BR"), country("DE")]).len(), 1);
    }

    #[test]
    fn the_baseline_covers_terms_window_size_before_the_start_in_window_steps() {
        let r = build(
            "fields: host\nterms_window_size: {days: 2}\nwindow_step_size: {hours: 12}\nuse_keyword_postfix: false\n",
        );
        let start = Timestamp::parse_iso("2026-01-03T00:00:00Z").unwrap();
        let request = r
            .baseline_request(Some(start), start.plus(Duration::from_secs(99)))
            .unwrap();
        assert_eq!(request.windows.len(), 4);
        assert_eq!(
            request.windows[0].0,
            Timestamp::parse_iso("2026-01-01T00:00:00Z").unwrap()
        );
        assert_eq!(request.windows[3].1, start);
        assert_eq!(request.aggs[0]["values"]["terms"]["field"], json!("host"));
        let now = r.baseline_request(None, start).unwrap();
        assert_eq!(
            now.windows.last().unwrap().1,
            start,
            "without a start, now ends the baseline"
        );
    }

    #[test]
    fn alert_on_missing_field_matches_documents_without_the_field() {
        let docs = [json!({"a": 1}), country("BR")];
        assert!(run(&mut build("fields: [client.country]\n"), &docs[..1]).is_empty());
        let m = run(
            &mut build("fields: [client.country]\nalert_on_missing_field: true\n"),
            &docs,
        );
        assert_eq!(m[0]["missing_field"], json!("client.country"));
        assert_eq!(m[1]["new_field"], json!("client.country"));
    }

    #[test]
    fn falsy_values_are_neither_new_nor_missing_and_arrays_compare_whole() {
        let docs = [
            json!({"v": 0}),
            json!({"v": ""}),
            json!({"v": false}),
            json!({"v": ["x"]}),
            json!({"v": "x"}),
        ];
        let m = run(&mut build("fields: v\n"), &docs);
        assert_eq!(m.len(), 2, "['x'] and 'x' are different terms");
    }

    #[test]
    fn composite_fields_match_new_combinations_and_show_the_field_list() {
        let mut r = build("fields: [[ip, port]]\n");
        let docs = [
            json!({"ip": "a", "port": 1}),
            json!({"ip": "a", "port": 2}),
            json!({"ip": "a", "port": 1.0}),
        ];
        let m = run(&mut r, &docs);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0]["new_field"], json!(["ip", "port"]));
        assert!(
            run(&mut r, &[json!({"ip": "a"})]).is_empty(),
            "a missing component is missing"
        );
    }

    #[test]
    fn a_document_new_in_two_fields_gives_two_matches_the_second_carrying_both_markers() {
        let m = run(
            &mut build("fields: [a, b]\nalert_on_missing_field: true\n"),
            &[json!({"b": "y"})],
        );
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].get("new_field"), None);
        assert_eq!(
            (m[1]["missing_field"].clone(), m[1]["new_field"].clone()),
            (json!("a"), json!("b"))
        );
    }

    #[test]
    fn terms_query_buckets_with_new_keys_match_at_the_segment_end() {
        let mut r = build("fields: host.keyword\nquery_key: host.keyword\nuse_terms_query: true\n");
        let end = Timestamp::parse_iso("2026-01-01T00:01:00Z").unwrap();
        let buckets = [
            json!({"key": "web-1", "doc_count": 3}),
            json!({"key": "web-2", "doc_count": 0}),
        ];
        r.add_terms_data(end, &buckets).unwrap();
        r.add_terms_data(end, &buckets[..1]).unwrap();
        let m: Vec<Value> = r
            .take_matches()
            .into_iter()
            .map(|m| Value::Object(m.body))
            .collect();
        let expected = json!({"host.keyword": "web-1", "@timestamp": "2026-01-01T00:01:00Z", "new_field": "host.keyword"});
        assert_eq!(m, vec![expected]);
    }

    #[test]
    fn query_key_is_the_field_when_fields_is_absent() {
        let m = run(&mut build("query_key: user\n"), &[json!({"user": "bob"})]);
        assert_eq!(m[0]["new_field"], json!("user"));
        let mut compound = build("query_key: [user, host]\n");
        let m = run(
            &mut compound,
            &[
                json!({"user": "bob", "host": "h"}),
                json!({"user": "bob", "host": "h"}),
            ],
        );
        assert_eq!(m.len(), 1);
        assert_eq!(m[0]["new_field"], json!("user,host"));
    }
}
