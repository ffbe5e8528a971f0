//! The catalogue of option names ElastAlert2 accepts, their value kinds, and "did you mean".

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use crate::Error;
use crate::time::Duration;

/// The shape an option's value must have (from ElastAlert2's rule schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A string.
    String,
    /// An integer.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false` (YAML 1.1 spellings included).
    Boolean,
    /// A duration mapping such as `{minutes: 5}`.
    Duration,
    /// A list.
    List,
    /// A mapping.
    Mapping,
    /// A string or a list.
    StringOrList,
    /// A string or a number.
    Scalar,
    /// Anything (the schema does not constrain it).
    Any,
}

/// Options beyond ElastAlert2 2.31's schema: `alert`'s own, and those of the `ms_teams`
/// alerter that ElastAlert2 2.30 removed but old rule files still use (2.29's names).
const ALERT_OPTIONS: &[(&str, OptionKind)] = &[
    ("source", OptionKind::Mapping),
    ("state", OptionKind::Mapping),
    // The REST API of `alert run --api-addr`: `api: {token: ...}`.
    ("api", OptionKind::Mapping),
    // OpenSearch-style monitors: the folder(s) of monitor JSON files, the notification
    // channels their actions name by `destination_id`, and OpenSearch's
    // `plugins.alerting.max_actionable_alert_count`.
    ("monitors_folder", OptionKind::StringOrList),
    ("destinations", OptionKind::Mapping),
    ("max_actionable_alert_count", OptionKind::Number),
    // The zone `limit_execution` is read in (ElastAlert2: always UTC).
    ("limit_execution_timezone", OptionKind::String),
    ("unknown_options", OptionKind::String),
    // Documented by ElastAlert2 but missing from its schema file.
    ("metric_agg_key", OptionKind::String),
    ("match_bucket_filter", OptionKind::List),
    ("doc_type", OptionKind::String),
    ("description_args", OptionKind::List),
    ("description_missing_value", OptionKind::String),
    ("hive_proxies", OptionKind::Mapping),
    ("hive_verify", OptionKind::Boolean),
    ("yzj_webhook_url", OptionKind::String),
    ("ms_teams_webhook_url", OptionKind::StringOrList),
    ("ms_teams_alert_summary", OptionKind::String),
    ("ms_teams_theme_color", OptionKind::String),
    ("ms_teams_proxy", OptionKind::String),
    ("ms_teams_alert_fixed_width", OptionKind::Boolean),
    ("ms_teams_alert_facts", OptionKind::List),
    ("ms_teams_attach_kibana_discover_url", OptionKind::Boolean),
    ("ms_teams_kibana_discover_title", OptionKind::String),
    (
        "ms_teams_attach_opensearch_discover_url",
        OptionKind::Boolean,
    ),
    ("ms_teams_opensearch_discover_title", OptionKind::String),
    ("ms_teams_ca_certs", OptionKind::Any),
    ("ms_teams_ignore_ssl_errors", OptionKind::Boolean),
    // alert's own: seconds before a Teams / Power Automate request times out (ElastAlert2 has
    // no timeout for either).
    ("ms_teams_timeout", OptionKind::Number),
    ("ms_power_automate_timeout", OptionKind::Number),
    // alert's own: timeout and TLS options of the Discord and Telegram notifiers (ElastAlert2
    // has none for either).
    ("discord_timeout", OptionKind::Number),
    ("discord_ca_certs", OptionKind::Any),
    ("discord_ignore_ssl_errors", OptionKind::Boolean),
    ("telegram_timeout", OptionKind::Number),
    ("telegram_ca_certs", OptionKind::Any),
    ("telegram_ignore_ssl_errors", OptionKind::Boolean),
    // alert's own: timeout and certificate checks of the email notifier (ElastAlert2 has no
    // timeout and checks no SMTP server certificate).
    ("smtp_timeout", OptionKind::Number),
    ("smtp_ca_certs", OptionKind::Any),
    ("smtp_ignore_ssl_errors", OptionKind::Boolean),
    // alert's own: PagerDuty's timeout (ElastAlert2 has none) and the events URL (ElastAlert2
    // always posts to events.pagerduty.com; a relay or a test receiver needs another).
    ("pagerduty_timeout", OptionKind::Number),
    ("pagerduty_events_url", OptionKind::String),
    // alert's own: timeout and TLS options of the OpsGenie notifier (ElastAlert2 has none).
    ("opsgenie_timeout", OptionKind::Number),
    ("opsgenie_ca_certs", OptionKind::Any),
    ("opsgenie_ignore_ssl_errors", OptionKind::Boolean),
    // Read by ElastAlert2's new_term code (the end of its baseline), undocumented.
    ("start_date", OptionKind::String),
];

/// Options of Yelp's ElastAlert that ElastAlert2 dropped: accepted so old rule files load, and
/// reported as ignored.
pub(crate) const LEGACY_IGNORED_OPTIONS: &[&str] = &[
    "use_kibana4_dashboard",
    "kibana4_start_timedelta",
    "kibana4_end_timedelta",
    "use_kibana_dashboard",
    "kibana_dashboard",
    "generate_kibana_link",
];

/// The catalogue as shipped: `name<TAB>kind` lines.
const KNOWN_OPTIONS_TSV: &str = include_str!("known_options.tsv");

fn catalogue() -> &'static HashMap<&'static str, OptionKind> {
    static CATALOGUE: OnceLock<HashMap<&'static str, OptionKind>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut map: HashMap<&'static str, OptionKind> = KNOWN_OPTIONS_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once('\t'))
            .map(|(name, kind)| (name, parse_kind(kind)))
            .collect();
        map.extend(ALERT_OPTIONS.iter().copied());
        map.extend(
            LEGACY_IGNORED_OPTIONS
                .iter()
                .map(|name| (*name, OptionKind::Any)),
        );
        map
    })
}

fn parse_kind(kind: &str) -> OptionKind {
    match kind.trim() {
        "string" => OptionKind::String,
        "integer" => OptionKind::Integer,
        "number" => OptionKind::Number,
        "boolean" => OptionKind::Boolean,
        "duration" => OptionKind::Duration,
        "array" => OptionKind::List,
        "object" => OptionKind::Mapping,
        "string_or_list" => OptionKind::StringOrList,
        "scalar" => OptionKind::Scalar,
        _ => OptionKind::Any,
    }
}

/// The kind of a known option, or `None` when no ElastAlert2 component consumes it.
pub fn option_kind(name: &str) -> Option<OptionKind> {
    catalogue().get(name).copied()
}

/// Checks one option of a rule file: known name, right kind.
pub fn check_option(file: &Path, name: &str, value: &Value) -> Result<(), Error> {
    let Some(kind) = option_kind(name) else {
        return Err(Error::UnknownOption {
            file: file.to_path_buf(),
            option: name.to_string(),
            suggestion: closest_option(name),
        });
    };
    check_kind(file, name, kind, value)
}

/// Checks that `value` has the shape `kind` asks for.
pub(crate) fn check_kind(
    file: &Path,
    name: &str,
    kind: OptionKind,
    value: &Value,
) -> Result<(), Error> {
    let ok = match kind {
        OptionKind::String => value.is_string(),
        OptionKind::Integer => value.is_i64() || value.is_u64(),
        OptionKind::Number => value.is_number(),
        OptionKind::Boolean => value.is_boolean(),
        OptionKind::Duration => return check_duration(file, name, value),
        OptionKind::List => value.is_array(),
        OptionKind::Mapping => value.is_object(),
        OptionKind::StringOrList => value.is_string() || value.is_array(),
        OptionKind::Scalar => value.is_string() || value.is_number(),
        OptionKind::Any => true,
    };
    if ok {
        return Ok(());
    }
    Err(Error::WrongType {
        file: file.to_path_buf(),
        option: name.to_string(),
        expected: describe_kind(kind).to_string(),
        found: describe_value(value),
    })
}

/// Durations must parse; `aggregation` may instead be `{schedule: "<cron>"}`.
fn check_duration(file: &Path, name: &str, value: &Value) -> Result<(), Error> {
    if name == "aggregation" && value.get("schedule").is_some_and(Value::is_string) {
        return Ok(());
    }
    if !value.is_object() && !value.is_string() {
        return Err(Error::WrongType {
            file: file.to_path_buf(),
            option: name.to_string(),
            expected: describe_kind(OptionKind::Duration).to_string(),
            found: describe_value(value),
        });
    }
    Duration::parse(value)
        .map(|_| ())
        .map_err(|e| e.in_file(file, name))
}

/// How an expected kind reads in an error message.
pub(crate) fn describe_kind(kind: OptionKind) -> &'static str {
    match kind {
        OptionKind::String => "a string",
        OptionKind::Integer => "an integer",
        OptionKind::Number => "a number",
        OptionKind::Boolean => "a boolean (true/false)",
        OptionKind::Duration => "a duration such as {minutes: 5}",
        OptionKind::List => "a list",
        OptionKind::Mapping => "a mapping",
        OptionKind::StringOrList => "a string or a list",
        OptionKind::Scalar => "a string or a number",
        OptionKind::Any => "any value",
    }
}

/// How a found value reads in an error message: its type and a short rendering.
pub(crate) fn describe_value(value: &Value) -> String {
    let mut shown = value.to_string();
    if shown.len() > 40 {
        let cut = (0..=40)
            .rev()
            .find(|i| shown.is_char_boundary(*i))
            .unwrap_or(0);
        shown.truncate(cut);
        shown.push('…');
    }
    let kind = match value {
        Value::Null => return "nothing (null)".to_string(),
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    };
    format!("{kind} ({shown})")
}

/// The known option closest to `name`, if it is close enough to be a typo.
pub fn closest_option(name: &str) -> Option<String> {
    closest(name, catalogue().keys().copied())
}

/// The candidate closest to `name` by edit distance, within a typo-sized distance.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c.to_string())
}

/// Levenshtein distance with transpositions counted once (optimal string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn catalogue_knows_options_of_every_area() {
        for name in [
            "num_events",
            "timeframe",
            "query_key",
            "realert",
            "slack_webhook_url",
            "email",
            "ms_teams_webhook_url",
            "es_host",
            "writeback_index",
            "is_enabled",
            "import",
            "kibana_discover_app_url",
            "alert_text_type",
            "spike_height",
            "source",
        ] {
            assert!(option_kind(name).is_some(), "{name} should be known");
        }
        assert_eq!(option_kind("num_event"), None);
    }

    #[test]
    fn unknown_options_suggest_the_closest_name() {
        let err = check_option(Path::new("rules/x.yaml"), "num_event", &json!(5)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "rules/x.yaml: unknown option 'num_event' (did you mean 'num_events'?)"
        );
        let err = check_option(Path::new("r.yaml"), "zzzzqqqq_nothing", &json!(1)).unwrap_err();
        assert_eq!(err.to_string(), "r.yaml: unknown option 'zzzzqqqq_nothing'");
    }

    #[test]
    fn wrong_kinds_name_file_option_and_expected_type() {
        let cases = [
            (
                "num_events",
                json!("ten"),
                "must be an integer, got a string (\"ten\")",
            ),
            (
                "use_count_query",
                json!("yes"),
                "must be a boolean (true/false)",
            ),
            (
                "filter",
                json!({"term": {}}),
                "must be a list, got a mapping",
            ),
            (
                "timeframe",
                json!(5),
                "must be a duration such as {minutes: 5}, got an integer (5)",
            ),
            ("query_key", json!(3), "must be a string or a list"),
        ];
        for (option, value, expected) in cases {
            let err = check_option(Path::new("r.yaml"), option, &value).unwrap_err();
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("r.yaml: option '{option}'")),
                "{text}"
            );
            assert!(text.contains(expected), "{text}");
        }
    }

    #[test]
    fn durations_are_parsed_not_just_typed() {
        let err =
            check_option(Path::new("r.yaml"), "timeframe", &json!({"minute": 5})).unwrap_err();
        assert!(
            err.to_string().contains("unknown duration unit 'minute'"),
            "{err}"
        );
        assert!(
            check_option(
                Path::new("r.yaml"),
                "aggregation",
                &json!({"schedule": "*/5 * * * *"})
            )
            .is_ok()
        );
    }

    #[test]
    fn edit_distance_counts_typos() {
        assert_eq!(edit_distance("num_event", "num_events"), 1);
        assert_eq!(edit_distance("tiemframe", "timeframe"), 1);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("", "ab"), 2);
    }
}
