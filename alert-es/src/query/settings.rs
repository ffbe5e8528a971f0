//! [`SearchSettings`]: the options of a rule (inherited from the global config) that shape
//! its requests, read once when the rule is loaded.

use alert_core::config::Rule;
use alert_core::rules::RuleOptions;
use serde_json::Value;

use crate::Result;

/// ElastAlert2's `max_query_size` default.
const DEFAULT_MAX_QUERY_SIZE: u64 = 10_000;
/// ElastAlert2's `max_scrolling_count` default (kept under Python's recursion limit there).
const DEFAULT_MAX_SCROLLING_COUNT: u64 = 990;
/// ElastAlert2's `scroll_keepalive` default.
const DEFAULT_SCROLL_KEEPALIVE: &str = "30s";

/// The request-shaping options of one rule.
///
/// ```
/// use alert_es::query::SearchSettings;
/// let s = SearchSettings::default();
/// assert_eq!((s.max_query_size, s.max_scrolling_count), (10_000, 990));
/// assert_eq!(s.scroll_keepalive, "30s");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSettings {
    /// `max_query_size`: hits per page (10000).
    pub max_query_size: u64,
    /// `scroll_keepalive`: how long a scroll or point in time stays open between pages.
    pub scroll_keepalive: String,
    /// `max_scrolling_count`: pages per document query (990); 0 means no limit.
    pub max_scrolling_count: u64,
    /// `_source_enabled` (true): false sends `stored_fields` instead of `_source_includes`.
    pub source_enabled: bool,
    /// The rule's `include`, extended with the fields it needs (see [`Rule::include`]).
    pub include: Vec<String>,
    /// `include_fields`: runtime or script fields requested with the body's `fields`.
    pub include_fields: Option<Vec<String>>,
    /// `use_strftime_index`.
    pub use_strftime_index: bool,
    /// `search_extra_index`: also search the period before the range.
    pub search_extra_index: bool,
    /// `query_timezone`: the zone range bounds are written in.
    pub query_timezone: Option<chrono_tz::Tz>,
    /// `terms_size` (50).
    pub terms_size: u64,
    /// `min_doc_count` (1).
    pub min_doc_count: u64,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings {
            max_query_size: DEFAULT_MAX_QUERY_SIZE,
            scroll_keepalive: DEFAULT_SCROLL_KEEPALIVE.to_string(),
            max_scrolling_count: DEFAULT_MAX_SCROLLING_COUNT,
            source_enabled: true,
            include: vec!["*".to_string()],
            include_fields: None,
            use_strftime_index: false,
            search_extra_index: false,
            query_timezone: None,
            terms_size: 50,
            min_doc_count: 1,
        }
    }
}

impl SearchSettings {
    /// Reads the settings of `rule`; a wrong value names the rule file and the option.
    pub fn from_rule(rule: &Rule) -> Result<Self> {
        let o = RuleOptions::new(rule);
        let d = SearchSettings::default();
        let include_fields = match o.raw("include_fields") {
            None => None,
            Some(_) => Some(o.strings("include_fields")?),
        };
        Ok(SearchSettings {
            max_query_size: o.u64("max_query_size")?.unwrap_or(d.max_query_size),
            scroll_keepalive: keepalive(o.raw("scroll_keepalive")).unwrap_or(d.scroll_keepalive),
            max_scrolling_count: o
                .u64("max_scrolling_count")?
                .unwrap_or(d.max_scrolling_count),
            source_enabled: o.bool_or("_source_enabled", true)?,
            include: rule.include.clone(),
            include_fields,
            use_strftime_index: o.bool_or("use_strftime_index", false)?,
            search_extra_index: o.bool_or("search_extra_index", false)?,
            query_timezone: timezone(&o)?,
            terms_size: o.u64("terms_size")?.unwrap_or(d.terms_size),
            min_doc_count: o.u64("min_doc_count")?.unwrap_or(d.min_doc_count),
        })
    }
}

/// `scroll_keepalive` as ES time units; a bare number is seconds.
fn keepalive(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(format!("{n}s")),
        _ => None,
    }
}

fn timezone(o: &RuleOptions<'_>) -> Result<Option<chrono_tz::Tz>> {
    match o.str("query_timezone")? {
        None | Some("") => Ok(None),
        Some(name) => name.parse::<chrono_tz::Tz>().map(Some).map_err(|_| {
            o.error(
                "query_timezone",
                format!("'{name}' is not a time zone name (for example Europe/Paris)"),
            )
            .into()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::test_support::rule;

    #[test]
    fn rule_options_override_the_defaults() {
        let r = rule(
            "max_query_size: 500\nscroll_keepalive: 2m\nmax_scrolling_count: 0\n\
             _source_enabled: false\ninclude_fields: [a]\nuse_strftime_index: true\n\
             query_timezone: Europe/Paris\nterms_size: 7\nmin_doc_count: 2\n",
        );
        let s = SearchSettings::from_rule(&r).unwrap();
        assert_eq!(s.max_query_size, 500);
        assert_eq!(s.scroll_keepalive, "2m");
        assert_eq!(s.max_scrolling_count, 0);
        assert!(!s.source_enabled && s.use_strftime_index);
        assert_eq!(s.include_fields, Some(vec!["a".to_string()]));
        assert_eq!(s.query_timezone, Some(chrono_tz::Europe::Paris));
        assert_eq!((s.terms_size, s.min_doc_count), (7, 2));
    }

    #[test]
    fn absent_options_take_elastalert2_defaults() {
        let s = SearchSettings::from_rule(&rule("")).unwrap();
        assert_eq!(s.max_query_size, 10_000);
        assert_eq!(s.scroll_keepalive, "30s");
        assert!(s.source_enabled && s.include_fields.is_none() && s.query_timezone.is_none());
        assert_eq!(s.include, vec!["*".to_string(), "@timestamp".to_string()]);
    }

    #[test]
    fn an_unknown_time_zone_is_an_error_naming_the_option() {
        let err = SearchSettings::from_rule(&rule("query_timezone: Mars/Base\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("query_timezone") && err.contains("Mars/Base"),
            "{err}"
        );
    }
}
