//! The stdout notifier writes the subject and body of each notification to its sink.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use alert_core::port::Notifier;
use alert_notify::StdoutNotifier;
use serde_json::json;

use common::{alert, failure, notification, rule};

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
async fn writes_the_subject_then_the_body_of_each_notification() {
    let dashes = "----------------------------------------";
    let cases = [
        (
            "",
            vec![json!({"@timestamp": "2026-01-01T00:00:00Z", "user": "alice"})],
            "subject: r\nr\n\n@timestamp: 2026-01-01T00:00:00Z\nuser: alice\n".to_string(),
        ),
        (
            "alert_subject: 'Login by {}'\nalert_subject_args: [user]\n\
             alert_text: 'Hi {0}'\nalert_text_args: [user]\nalert_text_type: alert_text_only\n",
            vec![json!({"user": "alice"}), json!({"user": "bob"})],
            format!("subject: Login by alice\nHi alice\n\n\n{dashes}\nHi bob\n\n\n{dashes}\n"),
        ),
    ];
    for (yaml, bodies, expected) in cases {
        let sink = Captured::default();
        let notifier = StdoutNotifier::with_sink(Box::new(sink.clone()));
        let r = rule(yaml);
        let a = alert(&bodies);
        notifier.send(&notification(&r, &a)).await.unwrap();
        assert_eq!(sink.text(), expected, "{yaml}");
    }
}

#[tokio::test]
async fn a_text_that_cannot_render_fails_permanently_without_writing() {
    let sink = Captured::default();
    let notifier = StdoutNotifier::with_sink(Box::new(sink.clone()));
    let r = rule("alert_subject: '{} {}'\nalert_subject_args: [user]\n");
    let a = alert(&[json!({"user": "alice"})]);
    let (alerter, message, retryable, _) = failure(notifier.send(&notification(&r, &a)).await);
    assert_eq!(alerter, "stdout");
    assert!(!retryable);
    assert!(message.contains("alert_subject"), "{message}");
    assert_eq!(sink.text(), "");
}
