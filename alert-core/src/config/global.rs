//! The global configuration (`config.yaml`): parsed, checked and typed in one step.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::files::ConfigFiles;
use super::options::{check_option, describe_value};
use crate::time::Duration;
use crate::{Error, Result, yaml};

/// Environment variables ElastAlert2 lays over `config.yaml` (`config.py`'s `env_settings`).
const ENV_SETTINGS: &[(&str, &str)] = &[
    ("ES_USE_SSL", "use_ssl"),
    ("ES_BEARER", "es_bearer"),
    ("ES_PASSWORD", "es_password"),
    ("ES_USERNAME", "es_username"),
    ("ES_API_KEY", "es_api_key"),
    ("ES_HOST", "es_host"),
    ("ES_HOSTS", "es_hosts"),
    ("ES_PORT", "es_port"),
    ("ES_URL_PREFIX", "es_url_prefix"),
    ("STATSD_INSTANCE_TAG", "statsd_instance_tag"),
    ("STATSD_HOST", "statsd_host"),
];

/// Which defaults fill a config that leaves keys out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigDefaults {
    /// `alert run` and `alert validate`: `run_every` and `buffer_time` are required, as in
    /// ElastAlert2.
    Daemon,
    /// `alert test-rule`: missing keys get `elastalert-test-rule`'s defaults.
    TestRule,
}

/// What to do with an option that nothing consumes (`unknown_options` in `config.yaml`).
///
/// ElastAlert2 silently ignores such keys; `alert` refuses them by default because a typo such
/// as `num_event` or a misplaced `query_string:` changes what a rule does without a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownOptionPolicy {
    /// Refuse the rule (default).
    #[default]
    Error,
    /// Load the rule, drop the option and report a warning (ElastAlert2's behaviour, made visible).
    Warn,
}

/// `config.yaml`, typed. Every key is also kept in [`GlobalConfig::raw`] because rules inherit
/// all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalConfig {
    /// The file it was read from (or `<defaults>`).
    pub file: PathBuf,
    /// `rules_folder`, as written (string or list).
    pub rules_folders: Vec<PathBuf>,
    /// `scan_subdirectories` (default true).
    pub scan_subdirectories: bool,
    /// `run_every`.
    pub run_every: Duration,
    /// `buffer_time`.
    pub buffer_time: Duration,
    /// `alert_time_limit` (default 2 days).
    pub alert_time_limit: Duration,
    /// `old_query_limit` (default 1 week).
    pub old_query_limit: Duration,
    /// `max_query_size` (default 10000).
    pub max_query_size: u64,
    /// `skip_invalid`: log and skip rules that fail to load instead of failing start-up.
    pub skip_invalid: bool,
    /// `unknown_options`: `error` (default) or `warn`.
    pub unknown_options: UnknownOptionPolicy,
    /// Every key, after environment overrides and defaults.
    pub raw: Map<String, Value>,
}

impl GlobalConfig {
    /// Reads and checks a config file.
    pub fn load(
        files: &dyn ConfigFiles,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
        defaults: ConfigDefaults,
    ) -> Result<Self> {
        let text = files.read(path).map_err(|message| Error::Read {
            file: path.into(),
            message,
        })?;
        let value = yaml::parse(&text, path, env)?;
        let map = match value {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            other => {
                return Err(Error::InvalidValue {
                    file: path.into(),
                    option: "<document>".into(),
                    message: format!("config must be a mapping, got {}", describe_value(&other)),
                });
            }
        };
        Self::from_map(path, map, env, defaults)
    }

    /// Checks and types an already parsed config.
    pub fn from_map(
        file: &Path,
        mut map: Map<String, Value>,
        env: &dyn Fn(&str) -> Option<String>,
        defaults: ConfigDefaults,
    ) -> Result<Self> {
        for (key, value) in &map {
            check_option(file, key, value).or_else(|e| lenient_global(e, key))?;
        }
        for (var, key) in ENV_SETTINGS {
            if let Some(value) = env(var) {
                map.insert((*key).to_string(), Value::String(value));
            }
        }
        if defaults == ConfigDefaults::TestRule {
            fill_test_rule_defaults(&mut map);
        }
        let duration = |key: &str, default: Option<Duration>| -> Result<Duration> {
            match map.get(key) {
                Some(v) => Duration::parse(v).map_err(|e| e.in_file(file, key)),
                None => default.ok_or_else(|| Error::MissingOption {
                    file: file.into(),
                    option: key.into(),
                    context: Some("ElastAlert2 requires it in config.yaml".into()),
                }),
            }
        };
        Ok(GlobalConfig {
            file: file.to_path_buf(),
            rules_folders: string_list(map.get("rules_folder"))
                .into_iter()
                .map(PathBuf::from)
                .collect(),
            scan_subdirectories: map
                .get("scan_subdirectories")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            run_every: duration("run_every", None)?,
            buffer_time: duration("buffer_time", None)?,
            alert_time_limit: duration("alert_time_limit", Some(Duration::from_secs(2 * 86_400)))?,
            old_query_limit: duration("old_query_limit", Some(Duration::from_secs(7 * 86_400)))?,
            max_query_size: map
                .get("max_query_size")
                .and_then(as_u64_lenient)
                .unwrap_or(10_000),
            skip_invalid: map
                .get("skip_invalid")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            unknown_options: unknown_option_policy(file, map.get("unknown_options"))?,
            raw: map,
        })
    }
}

fn unknown_option_policy(file: &Path, value: Option<&Value>) -> Result<UnknownOptionPolicy> {
    match value.map(|v| v.as_str()) {
        None | Some(Some("error")) => Ok(UnknownOptionPolicy::Error),
        Some(Some("warn")) => Ok(UnknownOptionPolicy::Warn),
        Some(_) => Err(Error::InvalidValue {
            file: file.into(),
            option: "unknown_options".into(),
            message: "must be 'error' or 'warn'".into(),
        }),
    }
}

/// `config.yaml` is not schema-checked by ElastAlert2 (only rules are), and its code converts
/// values such as `es_port: "9200"` itself: so only unknown names are errors here.
fn lenient_global(error: Error, _key: &str) -> Result<()> {
    match error {
        Error::WrongType { .. } => Ok(()),
        other => Err(other),
    }
}

/// `elastalert-test-rule`'s built-in defaults for keys the config leaves out.
fn fill_test_rule_defaults(map: &mut Map<String, Value>) {
    let defaults = [
        ("rules_folder", Value::from("rules")),
        ("es_host", Value::from("localhost")),
        ("es_port", Value::from(14900)),
        ("writeback_index", Value::from("wb")),
        ("max_query_size", Value::from(10_000)),
        ("alert_time_limit", serde_json::json!({"hours": 24})),
        ("old_query_limit", serde_json::json!({"weeks": 1})),
        ("run_every", serde_json::json!({"minutes": 5})),
        ("disable_rules_on_error", Value::from(false)),
        ("buffer_time", serde_json::json!({"minutes": 45})),
        ("scroll_keepalive", Value::from("30s")),
    ];
    for (key, value) in defaults {
        map.entry(key).or_insert(value);
    }
}

/// A string or a list of strings, as a list.
pub(crate) fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

fn as_u64_lenient(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MemoryFiles;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn load(text: &str, defaults: ConfigDefaults) -> Result<GlobalConfig> {
        let files = MemoryFiles::new().with("config.yaml", text);
        GlobalConfig::load(&files, Path::new("config.yaml"), &no_env, defaults)
    }

    #[test]
    fn reads_the_keys_elastalert2_documents() {
        let c = load(
            "rules_folder: [rules, more]\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\nes_host: localhost\nes_port: '9200'\nscan_subdirectories: false\n",
            ConfigDefaults::Daemon,
        )
        .unwrap();
        assert_eq!(
            c.rules_folders,
            vec![PathBuf::from("rules"), PathBuf::from("more")]
        );
        assert_eq!(c.run_every, Duration::from_mins(1));
        assert_eq!(c.buffer_time, Duration::from_mins(15));
        assert_eq!(c.alert_time_limit, Duration::from_secs(2 * 86_400));
        assert!(!c.scan_subdirectories);
        assert_eq!(c.max_query_size, 10_000);
    }

    #[test]
    fn daemon_mode_requires_run_every() {
        let err = load("buffer_time: {minutes: 15}\n", ConfigDefaults::Daemon).unwrap_err();
        assert_eq!(
            err.to_string(),
            "config.yaml: missing required option 'run_every' (ElastAlert2 requires it in config.yaml)"
        );
    }

    #[test]
    fn test_rule_mode_fills_elastalert_test_rule_defaults() {
        let c = load("", ConfigDefaults::TestRule).unwrap();
        assert_eq!(c.run_every, Duration::from_mins(5));
        assert_eq!(c.buffer_time, Duration::from_mins(45));
        assert_eq!(c.alert_time_limit, Duration::from_secs(86_400));
    }

    #[test]
    fn unknown_global_keys_are_errors() {
        let err = load("run_evry: {minutes: 1}\n", ConfigDefaults::TestRule).unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown option 'run_evry' (did you mean 'run_every'?)"),
            "{err}"
        );
    }

    #[test]
    fn environment_overrides_config_keys() {
        let files = MemoryFiles::new().with("config.yaml", "es_host: a\n");
        let env = |n: &str| (n == "ES_HOST").then(|| "b".to_string());
        let c = GlobalConfig::load(
            &files,
            Path::new("config.yaml"),
            &env,
            ConfigDefaults::TestRule,
        )
        .unwrap();
        assert_eq!(c.raw["es_host"], "b");
    }

    #[test]
    fn bad_durations_and_non_mappings_are_reported() {
        let err = load(
            "run_every: {minits: 1}\nbuffer_time: {minutes: 1}\n",
            ConfigDefaults::Daemon,
        )
        .unwrap_err();
        assert!(err.to_string().contains("run_every"), "{err}");
        let err = load("- a\n- b\n", ConfigDefaults::Daemon).unwrap_err();
        assert!(
            err.to_string().contains("config must be a mapping"),
            "{err}"
        );
    }
}
