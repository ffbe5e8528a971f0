//! The summary lines against ElastAlert2's `get_match_str`: each expected text is what the
//! rule type's `get_match_str` returned for the same options and match under Python 3.11, with
//! `TZ=UTC` and with `TZ=Europe/Paris`.
#![allow(clippy::unwrap_used)]

use chrono_tz::Tz;
use serde_json::Value;

use super::summary_line;
use crate::testing::{a_match, rule};

/// (name, rule options as YAML, the match, the line in UTC, the line in Europe/Paris)
const CASES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "frequency_counts_events_in_the_timeframe",
        "type: frequency\nnum_events: 50\ntimeframe: {\"hours\": 4}\n",
        r#"{"@timestamp": "2015-01-15T23:12:00Z", "num_hits": 51}"#,
        "At least 50 events occurred between 2015-01-15 19:12 UTC and 2015-01-15 23:12 UTC\n\n",
        "At least 50 events occurred between 2015-01-15 20:12 CET and 2015-01-16 00:12 CET\n\n",
    ),
    (
        "frequency_uses_custom_pretty_ts_format",
        "type: frequency\nnum_events: 2\ntimeframe: {\"minutes\": 5}\ncustom_pretty_ts_format: \"%Y/%m/%d %H:%M:%S.%f\"\n",
        r#"{"@timestamp": "2024-03-01T10:00:30.250Z"}"#,
        "At least 2 events occurred between 2024/03/01 09:55:30.250000 and 2024/03/01 10:00:30.250000\n\n",
        "At least 2 events occurred between 2024/03/01 10:55:30.250000 and 2024/03/01 11:00:30.250000\n\n",
    ),
    (
        "frequency_without_local_time_keeps_the_written_offset",
        "type: frequency\nnum_events: 3\ntimeframe: {\"days\": 1}\nuse_local_time: false\n",
        r#"{"@timestamp": "2024-07-01T12:00:00+02:00"}"#,
        "At least 3 events occurred between 2024-06-30 12:00  and 2024-07-01 12:00 \n\n",
        "At least 3 events occurred between 2024-06-30 12:00  and 2024-07-01 12:00 \n\n",
    ),
    (
        "spike_of_counts",
        "type: spike\ntimeframe: {\"minutes\": 5}\nspike_height: 2\nspike_type: \"up\"\n",
        r#"{"@timestamp": "2024-01-01T00:10:00Z", "spike_count": 10, "reference_count": 2}"#,
        "An abnormal number (10) of events occurred around 2024-01-01 00:10 UTC.\nPreceding that time, there were only 2 events within 0:05:00\n\n",
        "An abnormal number (10) of events occurred around 2024-01-01 01:10 CET.\nPreceding that time, there were only 2 events within 0:05:00\n\n",
    ),
    (
        "spike_of_a_field_average",
        "type: spike\ntimeframe: {\"hours\": 1, \"minutes\": 30}\nspike_height: 2\nspike_type: \"up\"\nfield_value: \"cpu\"\n",
        r#"{"@timestamp": "2024-01-01T00:10:00Z", "spike_count": 10.567, "reference_count": 2}"#,
        "An abnormal average value (10.57) of field 'cpu' occurred around 2024-01-01 00:10 UTC.\nPreceding that time, the field had an average value of (2.00) within 1:30:00\n\n",
        "An abnormal average value (10.57) of field 'cpu' occurred around 2024-01-01 01:10 CET.\nPreceding that time, the field had an average value of (2.00) within 1:30:00\n\n",
    ),
    (
        "flatline_below_threshold",
        "type: flatline\ntimeframe: {\"minutes\": 10}\nthreshold: 3\n",
        r#"{"@timestamp": "2024-01-01T00:10:00Z", "key": "all"}"#,
        "An abnormally low number of events occurred around 2024-01-01 00:10 UTC.\nBetween 2024-01-01 00:00 UTC and 2024-01-01 00:10 UTC, there were less than 3 events.\n\n",
        "An abnormally low number of events occurred around 2024-01-01 01:10 CET.\nBetween 2024-01-01 01:00 CET and 2024-01-01 01:10 CET, there were less than 3 events.\n\n",
    ),
    (
        "cardinality_maximum",
        "type: cardinality\ntimeframe: {\"minutes\": 10}\nmax_cardinality: 4\ncardinality_field: \"user\"\n",
        r#"{"@timestamp": "2024-01-01T00:10:00Z"}"#,
        "A maximum of 4 unique user(s) occurred since last alert or between 2024-01-01 00:00 UTC and 2024-01-01 00:10 UTC\n\n",
        "A maximum of 4 unique user(s) occurred since last alert or between 2024-01-01 01:00 CET and 2024-01-01 01:10 CET\n\n",
    ),
    (
        "cardinality_minimum",
        "type: cardinality\ntimeframe: {\"days\": 2}\nmin_cardinality: 2\ncardinality_field: \"host.name\"\n",
        r#"{"@timestamp": "2024-01-01T00:10:00Z"}"#,
        "Less than 2 unique host.name(s) occurred since last alert or between 2023-12-30 00:10 UTC and 2024-01-01 00:10 UTC\n\n",
        "Less than 2 unique host.name(s) occurred since last alert or between 2023-12-30 01:10 CET and 2024-01-01 01:10 CET\n\n",
    ),
    (
        "metric_aggregation_raw_value",
        "type: metric_aggregation\nmetric_agg_type: \"avg\"\nmetric_agg_key: \"cpu\"\nmax_threshold: 10\n",
        r#"{"@timestamp": "2024-01-01T00:10:00Z", "metric_cpu_avg": 12.3456}"#,
        "Threshold violation, avg:cpu 12.3456 (min: None max : 10) \n\n",
        "Threshold violation, avg:cpu 12.3456 (min: None max : 10) \n\n",
    ),
    (
        "metric_aggregation_formatted",
        "type: metric_aggregation\nmetric_agg_type: \"max\"\nmetric_agg_key: \"mem\"\nmin_threshold: 0.5\nmax_threshold: 90\nmetric_format_string: \"{:.2f}\"\n",
        r#"{"@timestamp": "2024-01-01T00:10:00Z", "metric_mem_max": 95.12345}"#,
        "Threshold violation, max:mem 95.12 (min: 0.5 max : 90) \n\n",
        "Threshold violation, max:mem 95.12 (min: 0.5 max : 90) \n\n",
    ),
    (
        "spike_aggregation_rounds_to_two_places",
        "type: spike_aggregation\nmetric_agg_type: \"avg\"\nmetric_agg_key: \"cpu\"\ntimeframe: {\"minutes\": 15}\nspike_height: 2\nspike_type: \"up\"\n",
        r#"{"@timestamp": "2024-01-01T00:10:00Z", "spike_count": 10.567, "reference_count": 3}"#,
        "An abnormal avg of cpu (10.57) occurred around 2024-01-01 00:10 UTC.\nPreceding that time, there was a avg of cpu of (3) within 0:15:00\n\n",
        "An abnormal avg of cpu (10.57) occurred around 2024-01-01 01:10 CET.\nPreceding that time, there was a avg of cpu of (3) within 0:15:00\n\n",
    ),
    (
        "percentage_match_raw",
        "type: percentage_match\nmatch_bucket_filter: []\nmax_percentage: 30\n",
        r#"{"@timestamp": "2024-01-01T00:10:00Z", "percentage": 33.33333333333333, "denominator": 3}"#,
        "Percentage violation, value: 33.33333333333333 (min: None max : 30) of 3 items\n\n",
        "Percentage violation, value: 33.33333333333333 (min: None max : 30) of 3 items\n\n",
    ),
    (
        "percentage_match_formatted",
        "type: percentage_match\nmatch_bucket_filter: []\nmin_percentage: 50\npercentage_format_string: \"%.1f\"\n",
        r#"{"@timestamp": "2024-01-01T00:10:00Z", "percentage": 12.5, "denominator": 8}"#,
        "Percentage violation, value: 12.5 (min: 50 max : None) of 8 items\n\n",
        "Percentage violation, value: 12.5 (min: 50 max : None) of 8 items\n\n",
    ),
];

fn line(yaml: &str, body: &str, zone: Tz) -> String {
    let r = rule(yaml);
    let doc: Value = serde_json::from_str(body).unwrap();
    let m = a_match(doc.clone());
    summary_line(&r, &m, &doc, zone).unwrap()
}

#[test]
fn summary_lines_are_byte_for_byte_elastalert2s() {
    for (name, yaml, body, utc, paris) in CASES {
        assert_eq!(line(yaml, body, Tz::UTC), *utc, "{name} in UTC");
        assert_eq!(
            line(yaml, body, Tz::Europe__Paris),
            *paris,
            "{name} in Paris"
        );
    }
}

#[test]
fn types_without_a_summary_line_print_nothing() {
    let cases = [
        "",
        "type: blacklist\ncompare_key: user\nblacklist: [a]\n",
        "type: whitelist\ncompare_key: user\nwhitelist: [a]\nignore_null: true\n",
        "type: change\nquery_key: host\ncompare_key: user\nignore_null: true\n",
        "type: new_term\nfields: [user]\n",
    ];
    for yaml in cases {
        assert_eq!(line(yaml, r#"{"user": "b"}"#, Tz::UTC), "", "{yaml}");
    }
}

#[test]
fn a_match_without_the_numbers_its_line_needs_is_an_error_naming_the_field() {
    let r = rule("type: spike\ntimeframe: {minutes: 5}\nspike_height: 2\nspike_type: up\n");
    let doc = serde_json::json!({"@timestamp": "2024-01-01T00:00:00Z", "spike_count": "x"});
    let err = summary_line(&r, &a_match(doc.clone()), &doc, Tz::UTC).unwrap_err();
    assert!(err.to_string().contains("'spike_count'"), "{err}");
}
