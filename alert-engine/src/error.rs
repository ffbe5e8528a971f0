//! The one error type of `alert-engine`.

use std::path::PathBuf;

/// Everything that can go wrong in the engine's imperative shell.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Loading or evaluating failed in the pure core.
    #[error(transparent)]
    Core(#[from] alert_core::Error),
    /// A file that cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A notifier that cannot be built.
    #[error("{0}")]
    Notifier(String),
    /// A setting of `config.yaml` the engine cannot use.
    #[error("{path}: {message}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The cluster named in `config.yaml` cannot be reached or used.
    #[error("cluster: {0}")]
    Cluster(alert_es::Error),
    /// A data file that is not NDJSON or a JSON array of documents.
    #[error("{path}: {message}")]
    Data {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

impl From<alert_es::Error> for Error {
    /// Not a `#[source]`: the message already carries the cluster's, once.
    fn from(error: alert_es::Error) -> Self {
        Error::Cluster(error)
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
