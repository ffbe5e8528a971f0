//! Table tests: every Discover link ElastAlert2's own tests pin, and more cases run through
//! the real ElastAlert2 2.31.0 functions (`tests/data/discover_cases.json`).
#![allow(clippy::unwrap_used)]

use serde_json::{Map, Value, json};

use super::*;

const CASES: &str = include_str!("../../tests/data/discover_cases.json");

/// The typed parts of a rule written as ElastAlert2's tests write it (a plain dict).
struct DictRule {
    options: Map<String, Value>,
    timestamp_field: String,
    filters: Vec<Value>,
    query_keys: Vec<String>,
    timeframe: Option<Duration>,
}

impl DictRule {
    fn new(dict: &Value) -> Self {
        let options = dict.as_object().unwrap().clone();
        let query_keys = match (options.get("compound_query_key"), options.get("query_key")) {
            (Some(Value::Array(keys)), _) => {
                keys.iter().map(|k| k.as_str().unwrap().into()).collect()
            }
            (_, Some(Value::String(key))) => vec![key.clone()],
            _ => Vec::new(),
        };
        DictRule {
            timestamp_field: options["timestamp_field"].as_str().unwrap().into(),
            filters: options
                .get("filter")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            timeframe: options
                .get("timeframe")
                .map(|t| Duration::parse(t).unwrap()),
            query_keys,
            options,
        }
    }

    fn source(&self) -> Source<'_> {
        Source {
            name: "test",
            options: &self.options,
            timestamp_field: &self.timestamp_field,
            filters: &self.filters,
            query_keys: &self.query_keys,
            timeframe: self.timeframe,
        }
    }
}

fn a_match(body: &Value) -> Match {
    Match {
        timestamp: Timestamp::from_micros(0),
        body: body.as_object().unwrap().clone(),
    }
}

fn cases(app: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(CASES).unwrap();
    all[app].as_array().unwrap().clone()
}

#[test]
fn links_are_elastalert2s_byte_for_byte() {
    for (app, kind) in [("kibana", App::Kibana), ("opensearch", App::OpenSearch)] {
        let cases = cases(app);
        assert!(cases.len() > 20, "{app}: {} cases", cases.len());
        for case in cases {
            let rule = DictRule::new(&case["rule"]);
            let got = generate(&rule.source(), kind, &a_match(&case["match"])).ok();
            assert_eq!(got.as_deref(), case["url"].as_str(), "{}", case["origin"]);
        }
    }
}

#[test]
fn the_engine_step_adds_formatted_links_to_the_first_match_only() {
    for (app, field) in [
        ("kibana", KIBANA_DISCOVER_URL),
        ("opensearch", OPENSEARCH_DISCOVER_URL),
    ] {
        for case in cases(app) {
            let mut rule = DictRule::new(&case["rule"]);
            rule.options
                .insert(format!("generate_{app}_discover_url"), json!(true));
            let mut matches = vec![a_match(&case["match"]), a_match(&case["match"])];
            let warnings = add_urls(&rule.source(), &mut matches);
            let expected = case.get("final").unwrap_or(&case["url"]).as_str();
            assert_eq!(
                matches[0].body.get(field).and_then(Value::as_str),
                expected,
                "{}",
                case["origin"]
            );
            assert_eq!(
                warnings.len(),
                usize::from(expected.is_none()),
                "{}",
                case["origin"]
            );
            assert!(!matches[1].body.contains_key(field));
        }
    }
}

#[test]
fn missing_options_are_warnings_naming_them() {
    let rule = DictRule::new(&json!({
        "timestamp_field": "@timestamp",
        "generate_kibana_discover_url": true,
        "generate_opensearch_discover_url": true,
        "opensearch_discover_app_url": "http://osd/app/discover#",
        "shorten_kibana_discover_url": true,
    }));
    let mut matches = vec![a_match(&json!({"@timestamp": "2024-01-01T00:00:00Z"}))];
    let warnings: Vec<String> = add_urls(&rule.source(), &mut matches)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        warnings,
        [
            "Missing kibana_discover_app_url for rule test",
            "Missing opensearch_discover_index_pattern_id for rule test",
        ]
    );
    assert!(matches[0].body.get(KIBANA_DISCOVER_URL).is_none());
}

#[test]
fn shortening_is_reported_and_the_full_link_kept() {
    let rule = DictRule::new(&json!({
        "timestamp_field": "@timestamp",
        "generate_kibana_discover_url": true,
        "kibana_discover_app_url": "app/discover#/",
        "kibana_discover_index_pattern_id": "logs",
        "kibana_url": "http://kibana:5601/",
        "shorten_kibana_discover_url": true,
    }));
    let mut matches = vec![a_match(&json!({"@timestamp": "2024-01-01T00:00:00Z"}))];
    let warnings = add_urls(&rule.source(), &mut matches);
    assert!(matches!(
        warnings.as_slice(),
        [DiscoverWarning::ShortenNotSupported { .. }]
    ));
    let url = matches[0].body[KIBANA_DISCOVER_URL].as_str().unwrap();
    assert!(
        url.starts_with("http://kibana:5601/app/discover#/?_g="),
        "{url}"
    );
}

#[test]
fn a_match_without_its_timestamp_field_uses_the_match_time_in_utc() {
    let rule = DictRule::new(&json!({
        "timestamp_field": "@timestamp",
        "kibana_discover_app_url": "x",
        "kibana_discover_index_pattern_id": "logs",
    }));
    let m = Match {
        timestamp: Timestamp::parse_iso("2024-01-01T00:30:00Z").unwrap(),
        body: Map::new(),
    };
    let url = generate(&rule.source(), App::Kibana, &m).unwrap();
    assert!(
        url.contains("from%3A%272024-01-01T00%3A20%3A00Z%27"),
        "{url}"
    );
}

#[test]
fn timestamps_keep_their_offset_as_python_isoformat_writes_it() {
    let cases = [
        ("2023-10-23T17:42:00+09:00", "2023-10-23T17:42:00+09:00"),
        (
            "2023-10-23T17:42:00.5-03:30",
            "2023-10-23T17:42:00.500000-03:30",
        ),
        ("2023-10-23T17:42:00.120Z", "2023-10-23T17:42:00.120Z"),
        (
            "2023-10-23T17:42:00.000100+00:00",
            "2023-10-23T17:42:00.000100Z",
        ),
        ("2023-10-23 17:42", "2023-10-23T17:42:00Z"),
    ];
    for (text, expected) in cases {
        assert_eq!(python_iso(&parse_zoned(text).unwrap()), expected, "{text}");
    }
}
