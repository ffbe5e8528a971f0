//! The debug notifier writes ElastAlert2's debug lines to its sink.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use alert_core::port::Notifier;
use alert_notify::DebugNotifier;
use serde_json::json;

use common::{alert, notification, rule};

/// A sink tests can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test]
async fn writes_each_match_with_its_alert_for_line() {
    let cases = [
        (
            "",
            vec![json!({"@timestamp": "2026-01-01T00:00:00Z", "user": "alice"})],
            "Alert for r at 2026-01-01T00:00:00Z:\nr\n\n@timestamp: 2026-01-01T00:00:00Z\nuser: alice\n",
        ),
        (
            "query_key: user\n",
            vec![
                json!({"@timestamp": "2026-01-01T00:00:00Z", "user": "alice"}),
                json!({"user": "bob"}),
            ],
            "Alert for r, alice at 2026-01-01T00:00:00Z:\nr\n\n@timestamp: 2026-01-01T00:00:00Z\nuser: alice\n\
             Alert for r, bob at None:\nr\n\nuser: bob\n",
        ),
        (
            "timestamp_field: ts\nalert_text: 'Hi {0}'\nalert_text_args: [user]\nalert_text_type: alert_text_only\n",
            vec![json!({"ts": 5, "user": "carol"})],
            "Alert for r at 5:\nHi carol\n\n",
        ),
    ];
    for (yaml, bodies, expected) in cases {
        let sink = Captured::default();
        let notifier = DebugNotifier::with_sink(Box::new(sink.clone()));
        let r = rule(yaml);
        let a = alert(&bodies);
        notifier.send(&notification(&r, &a)).await.unwrap();
        assert_eq!(sink.text(), expected, "{yaml}");
        assert_eq!(notifier.name(), "debug");
    }
}

#[tokio::test]
async fn a_text_option_that_cannot_render_fails_without_writing() {
    let sink = Captured::default();
    let notifier = DebugNotifier::with_sink(Box::new(sink.clone()));
    let r = rule("alert_text_type: alert_text_everything\n");
    let a = alert(&[json!({"user": "alice"})]);
    let err = notifier.send(&notification(&r, &a)).await.unwrap_err();
    match err {
        alert_core::Error::Notify {
            alerter,
            message,
            retryable,
            ..
        } => {
            assert_eq!(alerter, "debug");
            assert_eq!(
                message,
                "option 'alert_text_type': 'alert_text_everything' is none of alert_text_only, \
                 alert_text_jinja, exclude_fields, aggregation_summary_only"
            );
            assert!(!retryable);
        }
        other => panic!("{other}"),
    }
    assert_eq!(sink.text(), "");
}
