//! The one error type of this crate.

use std::time::Duration;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A capability that this build does not have yet.
    #[error("{0} is not implemented yet")]
    NotImplemented(&'static str),
    /// An alerter `alert` ships whose notifier is not written yet.
    #[error("alerter '{0}' is not implemented yet")]
    AlerterNotImplemented(String),
    /// A name that is not one of the alerters `alert` ships.
    #[error("unknown alerter '{0}'")]
    UnknownAlerter(String),
    /// An option (or option value) ElastAlert2 has that this crate cannot honour yet.
    #[error("{0} is not supported yet")]
    NotSupportedYet(String),
    /// A required option is not set.
    #[error("missing required option '{0}'")]
    MissingOption(&'static str),
    /// An option whose value cannot be used (bad shape, bad template, missing field).
    #[error("option '{option}': {message}")]
    InvalidOption {
        /// The option.
        option: String,
        /// What is wrong with it.
        message: String,
    },
    /// An alert without matches (every alerter needs at least one).
    #[error("the alert has no matches")]
    NoMatches,
    /// A process could not be started.
    #[error("could not start {command}: {source}")]
    Spawn {
        /// The command, as shown to users.
        command: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A process did not finish in time and was killed.
    #[error("{command} did not finish within {after:?} and was killed")]
    Timeout {
        /// The command, as shown to users.
        command: String,
        /// The time limit.
        after: Duration,
    },
    /// A process exited unsuccessfully (with `fail_on_non_zero_exit`).
    #[error("{command} failed with {status}")]
    Failed {
        /// The command, as shown to users.
        command: String,
        /// Its exit status (`exit status: 2`, `signal: 9 (SIGKILL)`).
        status: String,
    },
    /// An HTTP request failed or was answered with a non-2xx status.
    #[error("{message}")]
    Http {
        /// The status, when a response came back.
        status: Option<u16>,
        /// What happened (never the URL: webhook URLs carry tokens).
        message: String,
        /// Connect errors, timeouts, 408, 429 and 5xx can be retried; other 4xx cannot.
        retryable: bool,
        /// The receiver's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// An SMTP exchange failed (connect, TLS, login, or the server refused the message).
    #[error("{message}")]
    Smtp {
        /// The server's reply code, when it answered.
        status: Option<u16>,
        /// What happened, naming the rule and the server (never the password).
        message: String,
        /// Connect errors, timeouts and 4xx replies can be retried; 5xx and TLS failures cannot.
        retryable: bool,
    },
    /// Reading or writing failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Whether trying the same notification again later can help: a timeout, a failed
    /// process or an I/O error can; a bad option or an unsupported feature cannot.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::Failed { .. } | Error::Io { .. } => true,
            Error::Http { retryable, .. } => *retryable,
            Error::Smtp { retryable, .. } => *retryable,
            Error::Spawn { source, .. } => !matches!(
                source.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
            ),
            _ => false,
        }
    }

    /// The port's error for a failed send through `alerter`.
    pub fn into_notify(self, alerter: &str) -> alert_core::Error {
        let retry_after = match &self {
            Error::Http { retry_after, .. } => retry_after
                .and_then(|d| i64::try_from(d.as_secs()).ok())
                .map(alert_core::time::Duration::from_secs),
            _ => None,
        };
        alert_core::Error::Notify {
            alerter: alerter.to_string(),
            retryable: self.is_retryable(),
            message: self.to_string(),
            retry_after,
        }
    }
}

impl From<alert_core::Error> for Error {
    /// The alert text's errors (from [`alert_core::template`]) as this crate's.
    fn from(error: alert_core::Error) -> Self {
        match error {
            alert_core::Error::AlerterOption { option, message } => {
                Error::InvalidOption { option, message }
            }
            alert_core::Error::NotSupportedYet(what) => Error::NotSupportedYet(what),
            alert_core::Error::NoMatches => Error::NoMatches,
            other => Error::InvalidOption {
                option: "alert".into(),
                message: other.to_string(),
            },
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
