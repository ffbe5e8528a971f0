//! The `debug` notifier: ElastAlert2's `DebugAlerter`, which logs each match of an alert as
//! `Alert for <rule>[, <query key value>] at <timestamp>:` followed by the match's text.

use std::io::Write;
use std::sync::{Mutex, PoisonError};

use alert_core::alert::Match;
use alert_core::config::Rule;
use alert_core::document::lookup_es_key;
use alert_core::port::{Notification, Notifier, Preview};
use async_trait::async_trait;
use serde_json::Value;

use crate::options::AlerterOptions;
use crate::text::match_text;
use crate::text::python::py_str;
use crate::{Error, Result};

/// Logs alerts: one `tracing` INFO event per notification (target `alert::debug`), and the
/// same text written to a sink (standard output unless [`DebugNotifier::with_sink`] says
/// otherwise).
pub struct DebugNotifier {
    sink: Mutex<Box<dyn Write + Send>>,
}

impl DebugNotifier {
    /// A debug notifier that also writes to standard output.
    pub fn new() -> Self {
        Self::with_sink(Box::new(std::io::stdout()))
    }

    /// A debug notifier that also writes to `sink` (a file, a buffer in tests).
    pub fn with_sink(sink: Box<dyn Write + Send>) -> Self {
        DebugNotifier {
            sink: Mutex::new(sink),
        }
    }

    /// What the notifier writes for a notification: for each match, its `Alert for ...:` line
    /// and its text.
    pub fn text(notification: &Notification<'_>) -> Result<String> {
        let opts = AlerterOptions::of_notification(notification);
        let mut out = String::new();
        for m in &notification.alert.matches {
            out.push_str(&header(notification.rule, m));
            out.push('\n');
            out.push_str(&match_text(&opts, m)?);
        }
        Ok(out)
    }

    fn log(&self, notification: &Notification<'_>) -> Result<()> {
        let text = Self::text(notification)?;
        if text.is_empty() {
            return Ok(());
        }
        tracing::info!(target: "alert::debug", rule = %notification.rule.name, "{text}");
        let mut sink = self.sink.lock().unwrap_or_else(PoisonError::into_inner);
        sink.write_all(text.as_bytes())
            .and_then(|()| sink.flush())
            .map_err(|source| Error::Io {
                context: "writing the alert".into(),
                source,
            })
    }
}

impl Default for DebugNotifier {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for DebugNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DebugNotifier").finish_non_exhaustive()
    }
}

#[async_trait]
impl Notifier for DebugNotifier {
    fn name(&self) -> &str {
        "debug"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.log(notification).map_err(|e| e.into_notify("debug"))
    }

    /// No subject: the text it logs and writes.
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let body = Self::text(notification).map_err(|e| e.into_notify("debug"))?;
        Ok(Preview {
            subject: None,
            body,
        })
    }
}

/// `Alert for <rule>, <qk value> at <ts>:`, the query key part only when the match has the
/// rule's `query_key` (as ElastAlert2 spells it, `a,b` for compound keys) as a top-level field.
fn header(rule: &Rule, m: &Match) -> String {
    let doc = Value::Object(m.body.clone());
    let ts = lookup_es_key(&doc, &rule.timestamp_field).map_or_else(|| "None".into(), py_str);
    let key_value = rule.query_key.as_ref().and_then(|qk| m.body.get(&qk.name));
    match key_value {
        Some(value) => format!("Alert for {}, {} at {ts}:", rule.name, py_str(value)),
        None => format!("Alert for {} at {ts}:", rule.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, preview_of, rule};
    use serde_json::json;

    #[test]
    fn the_preview_is_the_logged_text_without_a_subject() {
        let r = rule("query_key: user\n");
        let matches = [
            a_match(json!({"@timestamp": "2024-01-01T00:00:00", "user": "al"})),
            a_match(json!({"@timestamp": "2024-01-01T00:01:00"})),
        ];
        let preview = preview_of(&DebugNotifier::new(), &r, &matches).unwrap();
        assert_eq!(preview.subject, None);
        assert!(
            preview
                .body
                .starts_with("Alert for r, al at 2024-01-01T00:00:00:\nr\n\n"),
            "{}",
            preview.body
        );
        assert!(
            preview
                .body
                .contains("Alert for r at 2024-01-01T00:01:00:\n"),
            "{}",
            preview.body
        );
    }
}
