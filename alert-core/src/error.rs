//! The one error type of `alert-core`.

use std::path::PathBuf;

/// Everything that can go wrong while loading, validating or evaluating in the pure core.
///
/// Messages are lowercase and name the file, option or construct at fault so that a user can fix
/// the input without reading code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// YAML that does not parse; line and column are 1-based.
    #[error("{file}:{line}:{column}: invalid yaml: {message}")]
    YamlSyntax {
        /// The file the text came from.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A file that could not be read or listed.
    #[error("{file}: cannot read: {message}")]
    Read {
        /// The file or directory.
        file: PathBuf,
        /// What the file system said.
        message: String,
    },
    /// An option nobody consumes.
    #[error("{file}: unknown option '{option}'{}", suggestion.as_ref().map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default())]
    UnknownOption {
        /// The file that sets it.
        file: PathBuf,
        /// The option as spelled.
        option: String,
        /// The closest known option, when one is close enough.
        suggestion: Option<String>,
    },
    /// An option whose value has the wrong type.
    #[error("{file}: option '{option}' must be {expected}, got {found}")]
    WrongType {
        /// The file that sets it.
        file: PathBuf,
        /// The option.
        option: String,
        /// What was expected, e.g. `an integer`.
        expected: String,
        /// What was found, e.g. `a string ("ten")`.
        found: String,
    },
    /// A required option that is absent.
    #[error("{file}: missing required option '{option}'{}", context.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
    MissingOption {
        /// The file that lacks it.
        file: PathBuf,
        /// The option.
        option: String,
        /// Why it is required, when that is not obvious.
        context: Option<String>,
    },
    /// An option with a value of the right type but an unacceptable content.
    #[error("{file}: option '{option}': {message}")]
    InvalidValue {
        /// The file that sets it.
        file: PathBuf,
        /// The option.
        option: String,
        /// What is wrong with it.
        message: String,
    },
    /// Two rules with the same name.
    #[error("{second}: duplicate rule name '{name}' (already used by {first})")]
    DuplicateRuleName {
        /// The name.
        name: String,
        /// The file that used it first.
        first: PathBuf,
        /// The file that used it again.
        second: PathBuf,
    },
    /// An `import` that cannot be followed.
    #[error("{file}: import '{target}': {message}")]
    Import {
        /// The importing file.
        file: PathBuf,
        /// The import as written.
        target: String,
        /// What went wrong.
        message: String,
    },
    /// A feature ElastAlert2 has that `alert` deliberately does not ship.
    #[error("{file}: {what} is not supported by alert: {why}")]
    Unsupported {
        /// The file that asks for it.
        file: PathBuf,
        /// What is asked for, e.g. `alerter 'jira'`.
        what: String,
        /// Why, and what to do instead.
        why: String,
    },
    /// A filter that is malformed.
    #[error("invalid filter: {0}")]
    InvalidFilter(String),
    /// A filter construct that cannot be evaluated in process.
    #[error("filter construct '{construct}' cannot be evaluated locally: {why}")]
    UnsupportedFilter {
        /// The construct, e.g. `geo_distance` or `script`.
        construct: String,
        /// Why, or what to use instead.
        why: String,
    },
    /// A rule type was fed data it cannot use, or its data was malformed.
    #[error("rule evaluation: {0}")]
    Evaluation(String),
    /// A timestamp or duration that does not parse.
    #[error("invalid time: {0}")]
    InvalidTime(String),
    /// A search backend that failed to answer (network, cluster, or a local source).
    #[error("search failed: {0}")]
    Search(String),
    /// A cluster query that failed, with the request it sent, which error records keep
    /// (ElastAlert2's `elastalert_error` carries `data.query`).
    #[error("search failed: {message}; query: {query}")]
    SearchQuery {
        /// What went wrong (the rule, the index and the cluster's answer).
        message: String,
        /// The request: `METHOD /path?parameters body`, cut after 2 KB.
        query: String,
    },
    /// The state store failed; nothing of the failed operation was written.
    #[error("state store: {0}")]
    Store(String),
    /// The state store cannot take the operation for now (no answer, or 429/502/503/504 after
    /// the client's retries): the same call may succeed later, so the engine may keep the
    /// write aside and replay it. Part of the operation may have been written.
    #[error("state store: {0}")]
    StoreUnavailable(String),
    /// A Mustache template that does not parse; line and column are 1-based.
    #[error("mustache template {line}:{column}: {message}")]
    MustacheSyntax {
        /// 1-based line of the tag at fault.
        line: usize,
        /// 1-based column (in characters) of the tag at fault.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// An alerter option whose value cannot be used to build the alert text (a bad shape, a
    /// template Python would refuse, a missing field).
    #[error("option '{option}': {message}")]
    AlerterOption {
        /// The option.
        option: String,
        /// What is wrong with it.
        message: String,
    },
    /// An alert text feature ElastAlert2 has that is not rendered yet.
    #[error("{0} is not supported yet")]
    NotSupportedYet(String),
    /// An alert without matches (a title or text needs at least one).
    #[error("the alert has no matches")]
    NoMatches,
    /// A notifier failed to deliver.
    #[error("alerter '{alerter}': {message}")]
    Notify {
        /// The alerter's name.
        alerter: String,
        /// What went wrong.
        message: String,
        /// Whether trying again later can help (a timeout or a 5xx, not a 4xx or bad config).
        retryable: bool,
        /// How long the receiver asked us to wait (`Retry-After` of a 429 or 503).
        retry_after: Option<crate::time::Duration>,
    },
    /// An OpenSearch Alerting monitor whose JSON cannot be loaded: a field that is unknown, of the
    /// wrong type or with an unacceptable value, named by its JSON path.
    #[error("{origin}: {path}: {message}")]
    Monitor {
        /// Where the monitor came from: its file, or `request body`.
        origin: String,
        /// The JSON path of the field at fault, e.g. `triggers[0].query_level_trigger.severity`.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// A trigger condition outside what `alert` can evaluate, found while loading the monitor.
    #[error("{origin}: monitor '{monitor}', trigger '{trigger}': {message}")]
    TriggerCondition {
        /// Where the monitor came from.
        origin: String,
        /// The monitor's name.
        monitor: String,
        /// The trigger's name.
        trigger: String,
        /// What is unsupported or malformed, and what to write instead.
        message: String,
    },
    /// A trigger condition that failed while evaluating one run's results (OpenSearch turns such
    /// a failure into an error alert).
    #[error("trigger '{trigger}': {message}")]
    TriggerRun {
        /// The trigger's name.
        trigger: String,
        /// What failed.
        message: String,
    },
}

impl Error {
    /// Whether this is [`Error::StoreUnavailable`]: trying the same store call later may work.
    ///
    /// ```
    /// use alert_core::Error;
    /// assert!(Error::StoreUnavailable("503".into()).is_store_unavailable());
    /// assert!(!Error::Store("bad document".into()).is_store_unavailable());
    /// ```
    pub fn is_store_unavailable(&self) -> bool {
        matches!(self, Error::StoreUnavailable(_))
    }

    /// Attaches a file name to a filter or time error raised while loading that file.
    #[must_use]
    pub fn in_file(self, file: &std::path::Path, option: &str) -> Self {
        match self {
            Error::InvalidFilter(message) | Error::InvalidTime(message) => Error::InvalidValue {
                file: file.to_path_buf(),
                option: option.to_string(),
                message,
            },
            Error::UnsupportedFilter { construct, why } => Error::InvalidValue {
                file: file.to_path_buf(),
                option: option.to_string(),
                message: format!(
                    "filter construct '{construct}' cannot be evaluated locally: {why}"
                ),
            },
            other => other,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
