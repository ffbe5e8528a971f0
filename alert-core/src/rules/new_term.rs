//! `new_term`: a value of a field (or a composite of fields) that was not seen in a baseline
//! of `terms_window_size` before the start, nor earlier in the run.
//!
//! Quirks kept (compatible): falsy values (`0`, `false`, `""`) are neither new nor missing;
//! an array value is compared as a whole list, so it never equals the baseline's scalar
//! terms; the baseline adds `.keyword` to field names (`use_keyword_postfix`) while the
//! runtime terms query uses `query_key` as written. The baseline is computed when the rule
//! starts (see [`RuleType::baseline_request`]) and not persisted, as in ElastAlert2.

use crate::fast_hash::FastSet;

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
    seen: FastSet<TermKey>,
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
            seen: FastSet::default(),
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
#[path = "new_term_tests.rs"]
mod tests;
