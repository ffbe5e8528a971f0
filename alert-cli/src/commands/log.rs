//! What `alert run` reports on stderr: readable lines, or one JSON object per line with
//! `--log-format json` (library events from `tracing` included).

use std::fmt::Display;

use clap::ValueEnum;
use serde_json::{Map, Value, json};

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Readable lines.
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, and `fields` (with `message`,
    /// `event` and the event's data).
    Json,
}

/// The stderr reporter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Log {
    format: LogFormat,
}

impl Log {
    /// A reporter; also routes the libraries' `tracing` events to stderr: all of them as JSON
    /// in JSON mode, warnings and errors as readable lines in text mode (the debug alerter's
    /// info lines would repeat what `alert run` prints).
    pub(crate) fn new(format: LogFormat) -> Self {
        let builder = tracing_subscriber::fmt().with_writer(std::io::stderr);
        let _ = match format {
            LogFormat::Json => builder.json().try_init(),
            LogFormat::Text => builder
                .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
                .with_target(false)
                .try_init(),
        };
        Log { format }
    }

    pub(crate) fn info(&self, event: &str, message: impl Display, fields: Value) {
        self.write("info", event, message, fields);
    }

    pub(crate) fn warn(&self, event: &str, message: impl Display, fields: Value) {
        self.write("warn", event, message, fields);
    }

    pub(crate) fn error(&self, event: &str, message: impl Display, fields: Value) {
        self.write("error", event, message, fields);
    }

    fn write(&self, level: &str, event: &str, message: impl Display, fields: Value) {
        match self.format {
            LogFormat::Text => match level {
                "info" => eprintln!("{message}"),
                other => eprintln!("{other}: {message}"),
            },
            LogFormat::Json => {
                // The shape `tracing-subscriber` gives library events, so every line parses alike.
                let mut inner = Map::new();
                inner.insert("message".into(), json!(message.to_string()));
                inner.insert("event".into(), json!(event));
                if let Value::Object(extra) = fields {
                    inner.extend(extra);
                }
                let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                let line = json!({
                    "timestamp": now,
                    "level": level.to_ascii_uppercase(),
                    "fields": inner,
                    "target": "alert::run",
                });
                eprintln!("{line}");
            }
        }
    }
}
