//! Kibana and OpenSearch Discover links for an alert, as ElastAlert2's `kibana_discover.py`,
//! `opensearch_discover.py` and their external URL formatters build them: the time range
//! around the first match, the rule's filters and its query key values as Discover filters,
//! Rison-encoded and percent-encoded into `_g`, `_a` (and for OpenSearch `_q`).

use chrono::{DateTime, FixedOffset, TimeDelta};
use serde_json::{Map, Value, json};

use super::filters::filters;
use super::rison::{py_str, rison, url_quote};
use super::url::{append_security_tenant, urljoin};
use crate::aggregate::is_truthy;
use crate::alert::Match;
use crate::config::Rule;
use crate::document::lookup_es_key;
use crate::time::{Duration, Timestamp};

/// The match field the Kibana link is written to.
pub const KIBANA_DISCOVER_URL: &str = "kibana_discover_url";

/// The match field the OpenSearch link is written to.
pub const OPENSEARCH_DISCOVER_URL: &str = "opensearch_discover_url";

/// The time on either side of the match when neither the `*_timedelta` options nor the
/// rule's `timeframe` say otherwise.
const DEFAULT_TIMEDELTA: Duration = Duration::from_mins(10);

/// Why a Discover link was not made, or not made as configured (ElastAlert2 logs these as
/// warnings and sends the alert without the link).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoverWarning {
    /// An option the link needs is not set (`kibana_discover_app_url`, ...).
    #[error("Missing {option} for rule {rule}")]
    MissingOption {
        /// The option.
        option: &'static str,
        /// The rule's name.
        rule: String,
    },
    /// An option whose value cannot be used.
    #[error("rule {rule}: option '{option}': {message}")]
    InvalidOption {
        /// The option.
        option: &'static str,
        /// The rule's name.
        rule: String,
        /// What is wrong with it.
        message: String,
    },
    /// `shorten_kibana_discover_url` needs a call to Kibana, which this pure function cannot
    /// make: the full link is used instead.
    #[error(
        "rule {rule}: shorten_kibana_discover_url is not supported; the full Kibana Discover link is used"
    )]
    ShortenNotSupported {
        /// The rule's name.
        rule: String,
    },
}

/// Which Discover app a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum App {
    /// Kibana's Discover.
    Kibana,
    /// OpenSearch Dashboards' Discover.
    OpenSearch,
}

/// The option names of one app.
struct Names {
    app_url: &'static str,
    index: &'static str,
    columns: &'static str,
    from: &'static str,
    to: &'static str,
}

impl App {
    fn names(self) -> Names {
        match self {
            App::Kibana => Names {
                app_url: "kibana_discover_app_url",
                index: "kibana_discover_index_pattern_id",
                columns: "kibana_discover_columns",
                from: "kibana_discover_from_timedelta",
                to: "kibana_discover_to_timedelta",
            },
            App::OpenSearch => Names {
                app_url: "opensearch_discover_app_url",
                index: "opensearch_discover_index_pattern_id",
                columns: "opensearch_discover_columns",
                from: "opensearch_discover_from_timedelta",
                to: "opensearch_discover_to_timedelta",
            },
        }
    }
}

/// What the links are made from: a rule's options and the typed parts the loader parsed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    pub(crate) name: &'a str,
    pub(crate) options: &'a Map<String, Value>,
    pub(crate) timestamp_field: &'a str,
    pub(crate) filters: &'a [Value],
    pub(crate) query_keys: &'a [String],
    pub(crate) timeframe: Option<Duration>,
}

impl<'a> Source<'a> {
    fn of(rule: &'a Rule) -> Self {
        Source {
            name: &rule.name,
            options: &rule.options,
            timestamp_field: &rule.timestamp_field,
            filters: &rule.filter,
            query_keys: rule.query_key.as_ref().map_or(&[], |qk| &qk.fields),
            timeframe: rule.timeframe,
        }
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.options.get(name)
    }

    fn missing(&self, option: &'static str) -> DiscoverWarning {
        DiscoverWarning::MissingOption {
            option,
            rule: self.name.to_string(),
        }
    }
}

/// ElastAlert2's `generate_kibana_discover_url(rule, match)`: the link before `kibana_url`,
/// the security tenant and shortening are applied (relative when `kibana_discover_app_url`
/// is).
///
/// ```
/// # use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, load_rule_file};
/// # use alert_core::alert::Match;
/// # use alert_core::time::Timestamp;
/// # use std::path::Path;
/// # let no_env = |_: &str| None;
/// # let files = MemoryFiles::new().with("config.yaml", "rules_folder: rules\n").with(
/// #     "rules/r.yaml",
/// #     "name: r\ntype: any\nindex: logs\nalert: debug\n\
/// #      kibana_discover_app_url: http://kibana:5601/#/discover\n\
/// #      kibana_discover_index_pattern_id: d6cabfb6-aaef-44ea-89c5-600e9a76991a\n",
/// # );
/// # let global = GlobalConfig::load(&files, Path::new("config.yaml"), &no_env, ConfigDefaults::TestRule).unwrap();
/// # let rule = load_rule_file(&files, &global, Path::new("rules/r.yaml"), &no_env).unwrap();
/// use alert_core::template::generate_kibana_discover_url;
/// let body = serde_json::json!({"@timestamp": "2019-09-01T00:30:00Z"});
/// let m = Match { timestamp: Timestamp::from_micros(0), body: body.as_object().unwrap().clone() };
/// let url = generate_kibana_discover_url(&rule, &m).unwrap();
/// assert!(url.starts_with("http://kibana:5601/#/discover?_g=%28filters%3A%21%28%29%2C"));
/// assert!(url.ends_with("&_a=%28columns%3A%21%28_source%29%2Cfilters%3A%21%28%29%2C\
///                        index%3Ad6cabfb6-aaef-44ea-89c5-600e9a76991a%2Cinterval%3Aauto%29"));
/// ```
pub fn generate_kibana_discover_url(rule: &Rule, first: &Match) -> Result<String, DiscoverWarning> {
    generate(&Source::of(rule), App::Kibana, first)
}

/// ElastAlert2's `generate_opensearch_discover_url(rule, match)`: the link before
/// `opensearch_url` is applied.
pub fn generate_opensearch_discover_url(
    rule: &Rule,
    first: &Match,
) -> Result<String, DiscoverWarning> {
    generate(&Source::of(rule), App::OpenSearch, first)
}

/// What the engine does before alerting (ElastAlert2's `send_alert`): with
/// `generate_kibana_discover_url` the first match gets `kibana_discover_url` (joined to
/// `kibana_url`, with `kibana_discover_security_tenant`), with
/// `generate_opensearch_discover_url` it gets `opensearch_discover_url` (joined to
/// `opensearch_url`). A link that cannot be made is left out; the returned warnings say why.
pub fn add_discover_urls(rule: &Rule, matches: &mut [Match]) -> Vec<DiscoverWarning> {
    add_urls(&Source::of(rule), matches)
}

pub(crate) fn add_urls(src: &Source<'_>, matches: &mut [Match]) -> Vec<DiscoverWarning> {
    let mut warnings = Vec::new();
    let Some(first) = matches.first_mut() else {
        return warnings;
    };
    if is_truthy(src.get("generate_kibana_discover_url")) {
        match generate(src, App::Kibana, first) {
            Ok(url) => {
                if is_truthy(src.get("shorten_kibana_discover_url")) {
                    warnings.push(DiscoverWarning::ShortenNotSupported {
                        rule: src.name.to_string(),
                    });
                }
                let mut url = urljoin(string_option(src, "kibana_url").as_deref(), &url);
                let tenant = src.get("kibana_discover_security_tenant");
                if let Some(tenant) = tenant.filter(|t| is_truthy(Some(t))) {
                    url = append_security_tenant(&url, &py_str(tenant));
                }
                first
                    .body
                    .insert(KIBANA_DISCOVER_URL.into(), Value::String(url));
            }
            Err(warning) => warnings.push(warning),
        }
    }
    if is_truthy(src.get("generate_opensearch_discover_url")) {
        match generate(src, App::OpenSearch, first) {
            Ok(url) => {
                let url = urljoin(string_option(src, "opensearch_url").as_deref(), &url);
                first
                    .body
                    .insert(OPENSEARCH_DISCOVER_URL.into(), Value::String(url));
            }
            Err(warning) => warnings.push(warning),
        }
    }
    warnings
}

fn string_option(src: &Source<'_>, name: &str) -> Option<String> {
    src.get(name).filter(|v| is_truthy(Some(v))).map(py_str)
}

fn generate(src: &Source<'_>, app: App, first: &Match) -> Result<String, DiscoverWarning> {
    let names = app.names();
    let app_url = src
        .get(names.app_url)
        .filter(|v| is_truthy(Some(v)))
        .ok_or_else(|| src.missing(names.app_url))?;
    let index = src
        .get(names.index)
        .filter(|v| is_truthy(Some(v)))
        .ok_or_else(|| src.missing(names.index))?;
    let columns = src
        .get(names.columns)
        .cloned()
        .unwrap_or_else(|| json!(["_source"]));
    let doc = Value::Object(first.body.clone());
    let (from, to) = time_range(src, &names, &doc, first.timestamp)?;
    let global = json!({
        "filters": [],
        "refreshInterval": {"pause": true, "value": 0},
        "time": {"from": from, "to": to},
    });
    let filters = Value::Array(filters(app, src, index, &doc));
    let app_url = py_str(app_url);
    let g = url_quote(&rison(&global));
    Ok(match app {
        App::Kibana => {
            let state = json!({
                "columns": columns, "filters": filters, "index": index, "interval": "auto",
            });
            format!("{app_url}?_g={g}&_a={}", url_quote(&rison(&state)))
        }
        App::OpenSearch => {
            let state = json!({
                "discover": {"columns": columns, "isDirty": false, "sort": []},
                "metadata": {"indexPattern": index, "view": "discover"},
            });
            // ElastAlert2 names the key so that it sorts after `filters`, then renames the
            // first occurrence in the whole URL [quirk].
            let query = json!({
                "filters": filters,
                "tobereplacedbylucenequery": {"language": "lucene", "query": ""},
            });
            format!(
                "{app_url}?_g={g}&_a={}&_q={}",
                url_quote(&rison(&state)),
                url_quote(&rison(&query))
            )
            .replacen("tobereplacedbylucenequery", "query", 1)
        }
    })
}

/// `from` and `to` around the match's timestamp, written as ElastAlert2's `ts_add` writes
/// them (the timestamp's own UTC offset kept, `Z` for UTC).
fn time_range(
    src: &Source<'_>,
    names: &Names,
    doc: &Value,
    fallback: Timestamp,
) -> Result<(String, String), DiscoverWarning> {
    let timeframe = src.timeframe.unwrap_or(DEFAULT_TIMEDELTA);
    let delta = |option: &'static str| match src.get(option) {
        None => Ok(timeframe),
        Some(value) => Duration::parse(value).map_err(|e| DiscoverWarning::InvalidOption {
            option,
            rule: src.name.to_string(),
            message: e.to_string(),
        }),
    };
    let (before, after) = (delta(names.from)?, delta(names.to)?);
    let at = lookup_es_key(doc, src.timestamp_field)
        .and_then(Value::as_str)
        .and_then(parse_zoned)
        .unwrap_or_else(|| fallback.to_chrono().fixed_offset());
    let shift = |d: Duration, sign: i64| {
        let d = TimeDelta::microseconds(d.as_micros().saturating_mul(sign));
        python_iso(&at.checked_add_signed(d).unwrap_or(at))
    };
    Ok((shift(before, -1), shift(after, 1)))
}

/// Parses an ISO timestamp keeping its UTC offset (`dateutil.parser.parse`); naive is UTC.
fn parse_zoned(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt);
    }
    const ZONED: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M%#z",
        "%Y-%m-%d %H:%M%#z",
    ];
    ZONED
        .iter()
        .find_map(|format| DateTime::parse_from_str(text, format).ok())
        .or_else(|| Timestamp::parse_iso(text).map(|t| t.to_chrono().fixed_offset()))
}

/// `dt_to_ts`: Python's `isoformat()` with `000+00:00` and `+00:00` replaced by `Z`.
fn python_iso(dt: &DateTime<FixedOffset>) -> String {
    let mut text = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
    let micros = dt.timestamp_subsec_micros();
    if micros != 0 {
        text.push_str(&format!(".{micros:06}"));
    }
    let offset = dt.offset().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    text.push_str(&format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60));
    if !abs.is_multiple_of(60) {
        text.push_str(&format!(":{:02}", abs % 60));
    }
    text.replace("000+00:00", "Z").replace("+00:00", "Z")
}

#[cfg(test)]
#[path = "discover_tests.rs"]
mod tests;
