//! The `stdout` notifier: `alert`'s own (ElastAlert2 has none), the counterpart of `debug` for
//! scripts and pipes. It writes what an alerter would send, with nothing logged.

use std::io::Write;
use std::sync::{Mutex, PoisonError};

use alert_core::port::{Notification, Notifier, Preview};
use async_trait::async_trait;

use crate::options::AlerterOptions;
use crate::{Error, Result, text, title};

/// Writes each notification to standard output (or the sink of
/// [`StdoutNotifier::with_sink`]) as `subject: <title>` followed by the alert body, as
/// `alert test-rule` previews it: the title from `alert_subject` (the rule name by default) and
/// ElastAlert2's body (summary table, each match's text).
///
/// ```
/// use alert_notify::StdoutNotifier;
/// use alert_core::port::Notifier;
/// assert_eq!(StdoutNotifier::new().name(), "stdout");
/// ```
pub struct StdoutNotifier {
    sink: Mutex<Box<dyn Write + Send>>,
}

impl StdoutNotifier {
    /// A notifier writing to standard output.
    pub fn new() -> Self {
        Self::with_sink(Box::new(std::io::stdout()))
    }

    /// A notifier writing to `sink` (a file, a buffer in tests).
    pub fn with_sink(sink: Box<dyn Write + Send>) -> Self {
        StdoutNotifier {
            sink: Mutex::new(sink),
        }
    }

    /// What the notifier writes for a notification: `subject: <title>`, then the body, ending
    /// with a newline.
    pub fn text(notification: &Notification<'_>) -> Result<String> {
        let (subject, body) = subject_and_body(notification)?;
        let mut out = format!("subject: {subject}\n{body}");
        if !out.ends_with('\n') {
            out.push('\n');
        }
        Ok(out)
    }

    fn write(&self, notification: &Notification<'_>) -> Result<()> {
        let text = Self::text(notification)?;
        let mut sink = self.sink.lock().unwrap_or_else(PoisonError::into_inner);
        sink.write_all(text.as_bytes())
            .and_then(|()| sink.flush())
            .map_err(|source| Error::Io {
                context: "writing the alert to standard output".into(),
                source,
            })
    }
}

impl Default for StdoutNotifier {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for StdoutNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StdoutNotifier").finish_non_exhaustive()
    }
}

#[async_trait]
impl Notifier for StdoutNotifier {
    fn name(&self) -> &str {
        "stdout"
    }

    async fn send(&self, notification: &Notification<'_>) -> alert_core::Result<()> {
        self.write(notification)
            .map_err(|e| e.into_notify("stdout"))
    }

    /// The title after `subject:` and the body it writes.
    fn preview(&self, notification: &Notification<'_>) -> alert_core::Result<Preview> {
        let (subject, body) =
            subject_and_body(notification).map_err(|e| e.into_notify("stdout"))?;
        Ok(Preview {
            subject: Some(subject),
            body,
        })
    }
}

/// The title (`alert_subject`, else the rule name) and ElastAlert2's alert body.
fn subject_and_body(notification: &Notification<'_>) -> Result<(String, String)> {
    let opts = AlerterOptions::of_notification(notification);
    let matches = &notification.alert.matches;
    if matches.is_empty() {
        return Err(Error::NoMatches);
    }
    Ok((title::title(&opts, matches)?, text::body(&opts, matches)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{a_match, alert_of, preview_of, rule};
    use serde_json::json;

    #[test]
    fn the_preview_is_the_subject_and_body_written() {
        let r = rule("alert: stdout\nalert_subject: Disk\n");
        let m = a_match(json!({"msg": "hi"}));
        let preview = preview_of(&StdoutNotifier::new(), &r, std::slice::from_ref(&m)).unwrap();
        assert_eq!(preview.subject.as_deref(), Some("Disk"));
        assert_eq!(preview.body, "r\n\nmsg: hi\n");
        let alert = alert_of(&r, std::slice::from_ref(&m));
        let written = StdoutNotifier::text(&Notification::first_attempt(
            &r,
            &r.alerters[0],
            &alert,
            "k",
        ))
        .unwrap();
        assert_eq!(written, "subject: Disk\nr\n\nmsg: hi\n");
    }
}
