//! Index names: the rule's `index`, or with `use_strftime_index` one name per day (per hour
//! when the pattern has `%H`) that the query range touches, in UTC (ElastAlert2's
//! `get_index` / `format_index`).

use alert_core::port::TimeRange;
use alert_core::time::{Duration, Timestamp};

use super::SearchSettings;
use crate::{Error, Result};

/// The index expression for a query over `range`: `pattern` itself, or its strftime names
/// joined by commas.
///
/// ```
/// use alert_core::port::TimeRange;
/// use alert_core::time::Timestamp;
/// use alert_es::query::{SearchSettings, index_for};
/// let t = |s| Timestamp::parse_iso(s).unwrap();
/// let range = TimeRange::half_open(t("2015-01-02T12:34:45Z"), t("2015-01-03T01:02:03Z"));
/// let settings = SearchSettings { use_strftime_index: true, ..SearchSettings::default() };
/// assert_eq!(index_for("logstash-%Y.%m.%d", &settings, &range).unwrap(),
///            "logstash-2015.01.02,logstash-2015.01.03");
/// ```
pub fn index_for(pattern: &str, settings: &SearchSettings, range: &TimeRange) -> Result<String> {
    if !settings.use_strftime_index {
        return Ok(pattern.to_string());
    }
    let last = if range.end_inclusive {
        range.end
    } else {
        range.end.minus(Duration::from_micros(1))
    };
    Ok(index_names(
        pattern,
        range.start,
        last.max(range.start),
        settings.search_extra_index,
    )?
    .join(","))
}

/// One name per period from the one holding `first` to the one holding `last`, oldest
/// first, plus the period before with `extra` (`search_extra_index`).
pub fn index_names(
    pattern: &str,
    first: Timestamp,
    last: Timestamp,
    extra: bool,
) -> Result<Vec<String>> {
    let static_name = !pattern.contains('%');
    if extra && static_name {
        return Err(Error::UnsupportedQuery(format!(
            "you cannot use a static index {pattern} with search_extra_index"
        )));
    }
    if static_name {
        return Ok(vec![pattern.to_string()]);
    }
    let step = if pattern.contains("%H") {
        Duration::from_secs(3600)
    } else {
        Duration::from_secs(86_400)
    };
    let mut at = first.floor_to(step);
    if extra {
        at = at.minus(step);
    }
    let mut names = Vec::new();
    while at <= last {
        let name = at.format_with(pattern);
        if names.last() != Some(&name) {
            names.push(name);
        }
        at = at.plus(step);
    }
    Ok(names)
}

/// The pattern with its formatted part replaced by `*`, for searches without a range
/// (`logstash-%Y.%m-stuff` → `logstash-*-stuff`).
pub fn wildcard_index(pattern: &str) -> String {
    match (pattern.find('%'), pattern.rfind('%')) {
        (Some(first), Some(last)) => {
            let after = (last + 2).min(pattern.len());
            format!(
                "{}*{}",
                &pattern[..first],
                pattern.get(after..).unwrap_or("")
            )
        }
        _ => pattern.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::test_support::at;

    fn names(pattern: &str, first: &str, last: &str, extra: bool) -> Vec<String> {
        index_names(pattern, at(first), at(last), extra).unwrap()
    }

    #[test]
    fn one_name_per_day_or_hour_touched_by_the_range() {
        let day = "logstash-%Y.%m.%d";
        let cases: [(&str, &str, &str, bool, &[&str]); 5] = [
            (
                day,
                "2015-01-02T12:34:45Z",
                "2015-01-02T16:15:14Z",
                false,
                &["logstash-2015.01.02"],
            ),
            (
                day,
                "2015-01-02T12:34:45Z",
                "2015-01-03T01:02:03Z",
                false,
                &["logstash-2015.01.02", "logstash-2015.01.03"],
            ),
            (
                day,
                "2015-01-02T00:00:00Z",
                "2015-01-02T05:00:00Z",
                true,
                &["logstash-2015.01.01", "logstash-2015.01.02"],
            ),
            (
                "l-%Y%m%d%H",
                "2015-01-02T22:10:00Z",
                "2015-01-03T00:05:00Z",
                false,
                &["l-2015010222", "l-2015010223", "l-2015010300"],
            ),
            (
                "static",
                "2015-01-02T00:00:00Z",
                "2015-01-09T00:00:00Z",
                false,
                &["static"],
            ),
        ];
        for (pattern, first, last, extra, expected) in cases {
            assert_eq!(
                names(pattern, first, last, extra),
                expected,
                "{pattern} {first} {last}"
            );
        }
    }

    #[test]
    fn a_static_index_with_search_extra_index_is_an_error() {
        assert!(
            index_names(
                "static",
                at("2015-01-02T00:00:00Z"),
                at("2015-01-02T00:00:00Z"),
                true
            )
            .is_err()
        );
    }

    #[test]
    fn an_exclusive_end_on_a_boundary_does_not_reach_the_next_period() {
        let s = SearchSettings {
            use_strftime_index: true,
            ..SearchSettings::default()
        };
        let window = TimeRange::half_open(at("2015-01-01T00:00:00Z"), at("2015-01-02T00:00:00Z"));
        assert_eq!(
            index_for("x-%Y.%m.%d", &s, &window).unwrap(),
            "x-2015.01.01"
        );
        let plain = SearchSettings::default();
        assert_eq!(
            index_for("x-%Y.%m.%d", &plain, &window).unwrap(),
            "x-%Y.%m.%d"
        );
    }

    #[test]
    fn without_a_range_the_formatted_part_becomes_a_wildcard() {
        assert_eq!(wildcard_index("logstash-%Y.%m.%d"), "logstash-*");
        assert_eq!(wildcard_index("logstash-%Y.%m"), "logstash-*");
        assert_eq!(wildcard_index("logstash-%Y.%m-stuff"), "logstash-*-stuff");
        assert_eq!(wildcard_index("plain"), "plain");
    }
}
