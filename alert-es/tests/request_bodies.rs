//! The exact request of every query kind each rule type issues: ElastAlert2's bodies (as its
//! `tests/base_test.py` and `tests/rules_test.py` pin them, and reference §7 lists them), plus
//! `track_total_hits: true` where the total is used.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;

use alert_core::port::{SearchQuery, TimeRange};
use alert_core::rules::build;
use alert_es::query::{
    DocumentPager, DocumentSearch, Method, Paging, Request, SearchSettings, aggregation_request,
    baseline_request, count_request, terms_request,
};
use common::{at, rule};
use serde_json::{Value, json};

const START: &str = "2014-09-26T12:34:45Z";
const END: &str = "2014-09-27T12:34:45Z";

/// ElastAlert2's `get_query` over (START, END] with `filters` after the range.
fn base(filters: &Value) -> Value {
    let mut must = vec![json!({"range": {"@timestamp": {"gt": START, "lte": END}}})];
    must.extend(filters.as_array().cloned().unwrap_or_default());
    json!({"bool": {"filter": {"bool": {"must": must}}}})
}

fn segment() -> TimeRange {
    TimeRange {
        start: at(START),
        start_inclusive: false,
        end: at(END),
        end_inclusive: true,
    }
}

/// What to build for a rule.
#[derive(Clone, Copy)]
enum Kind {
    Documents,
    Count,
    Terms(&'static str, u64),
    Aggregation,
}

fn request(yaml: &str, kind: Kind) -> Request {
    let r = rule(yaml);
    let settings = SearchSettings::from_rule(&r).unwrap();
    let query = SearchQuery {
        rule: &r,
        filters: &r.filter,
        range: segment(),
        now: at(END),
    };
    match kind {
        Kind::Documents => {
            let search = DocumentSearch::new(&query, &settings).unwrap();
            DocumentPager::new(search, &settings, Paging::Scroll).first_request()
        }
        Kind::Count => count_request(&query, &settings).unwrap(),
        Kind::Terms(field, size) => {
            terms_request(&query, &settings, field, size, settings.min_doc_count).unwrap()
        }
        Kind::Aggregation => {
            let rule_type = build(&r).unwrap();
            let aggs = rule_type.aggregation_query_for_run(at(START)).unwrap();
            aggregation_request(&query, &settings, &aggs).unwrap()
        }
    }
}

fn params(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

#[test]
fn document_searches_send_elastalert2s_body_and_parameters() {
    let sort = json!([{"@timestamp": {"order": "asc"}}]);
    let scroll = |extra: &[(&'static str, &str)]| {
        let mut p = params(&[
            ("scroll", "30s"),
            ("size", "10000"),
            ("ignore_unavailable", "true"),
        ]);
        p.extend(params(extra));
        p
    };
    let cases = [
        (
            "type: any\ninclude: ['@timestamp']\n",
            json!({"query": base(&json!([])), "sort": sort, "track_total_hits": true}),
            scroll(&[("_source_includes", "@timestamp")]),
        ),
        (
            "type: any\ninclude: ['@timestamp']\n_source_enabled: false\n",
            json!({"query": base(&json!([])), "sort": sort, "stored_fields": ["@timestamp"], "track_total_hits": true}),
            scroll(&[]),
        ),
        (
            "type: any\ninclude: ['@timestamp']\ninclude_fields: [test_runtime_field]\n",
            json!({"query": base(&json!([])), "sort": sort, "fields": ["test_runtime_field"], "track_total_hits": true}),
            scroll(&[("_source_includes", "@timestamp")]),
        ),
        (
            "type: frequency\nnum_events: 3\ntimeframe: {hours: 1}\nquery_key: [this, that]\n\
             filter: [{term: {level: error}}, {query: {query_string: {query: 'a:b'}}}]\nmax_query_size: 50\n",
            json!({"query": base(&json!([{"term": {"level": "error"}}, {"query_string": {"query": "a:b"}}])),
                   "sort": sort, "track_total_hits": true}),
            {
                let mut p = params(&[
                    ("scroll", "30s"),
                    ("size", "50"),
                    ("ignore_unavailable", "true"),
                ]);
                p.extend(params(&[(
                    "_source_includes",
                    "*,this,that,this,that,@timestamp",
                )]));
                p
            },
        ),
    ];
    for (yaml, body, expected_params) in cases {
        let r = request(yaml, Kind::Documents);
        assert_eq!(
            (r.method, r.path.as_str()),
            (Method::Post, "/idx/_search"),
            "{yaml}"
        );
        assert_eq!(r.body, Some(body), "{yaml}");
        assert_eq!(r.params, expected_params, "{yaml}");
    }
}

#[test]
fn unix_timestamp_types_send_epoch_numbers() {
    let cases = [
        ("unix", json!(1_411_734_885_i64), json!(1_411_821_285_i64)),
        (
            "unix_ms",
            json!(1_411_734_885_000_i64),
            json!(1_411_821_285_000_i64),
        ),
    ];
    for (kind, start, end) in cases {
        let r = request(
            &format!("type: any\ntimestamp_type: {kind}\n"),
            Kind::Documents,
        );
        let range = &r.body.unwrap()["query"]["bool"]["filter"]["bool"]["must"][0];
        assert_eq!(
            range,
            &json!({"range": {"@timestamp": {"gt": start, "lte": end}}}),
            "{kind}"
        );
    }
}

#[test]
fn count_queries_use_the_count_api_without_sort() {
    let r = request(
        "type: frequency\nnum_events: 3\ntimeframe: {hours: 1}\nuse_count_query: true\n",
        Kind::Count,
    );
    assert_eq!((r.method, r.path.as_str()), (Method::Post, "/idx/_count"));
    assert_eq!(r.body, Some(json!({"query": base(&json!([]))})));
    assert_eq!(r.params, params(&[("ignore_unavailable", "true")]));
}

#[test]
fn terms_queries_aggregate_counts_over_the_field_with_size_and_min_doc_count() {
    let flatline = "type: flatline\nthreshold: 3\ntimeframe: {hours: 1}\nuse_terms_query: true\n\
                    query_key: host.keyword\nterms_size: 20\nmin_doc_count: 2\n";
    let cases = [
        (
            flatline,
            "host.keyword",
            20,
            json!({"field": "host.keyword", "size": 20, "min_doc_count": 2}),
        ),
        (
            "type: any\n",
            "this",
            5,
            json!({"field": "this", "size": 5, "min_doc_count": 1}),
        ),
    ];
    for (yaml, field, size, terms) in cases {
        let r = request(yaml, Kind::Terms(field, size));
        assert_eq!(r.path, "/idx/_search");
        assert_eq!(
            r.body,
            Some(json!({"query": base(&json!([])), "aggs": {"counts": {"terms": terms}}}))
        );
        assert_eq!(
            r.params,
            params(&[("size", "0"), ("ignore_unavailable", "true")])
        );
    }
}

#[test]
fn aggregation_rules_send_their_elastalert2_aggs_under_the_base_query() {
    let metric = "type: metric_aggregation\nmetric_agg_key: cpu_pct\nmax_threshold: 0.8\n";
    let terms = |field: &str, aggs: Value| json!({"bucket_aggs": {"terms": {"field": field, "size": 50, "min_doc_count": 1}, "aggs": aggs}});
    let cases = [
        (
            format!("{metric}metric_agg_type: avg\n"),
            json!({"metric_cpu_pct_avg": {"avg": {"field": "cpu_pct"}}}),
        ),
        (
            format!("{metric}metric_agg_type: cardinality\n"),
            json!({"metric_cpu_pct_cardinality": {"cardinality": {"field": "cpu_pct"}}}),
        ),
        (
            format!("{metric}metric_agg_type: percentiles\npercentile_range: 95\n"),
            json!({"metric_cpu_pct_percentiles": {"percentiles": {"field": "cpu_pct", "percents": [95]}}}),
        ),
        (
            format!("{metric}metric_agg_type: avg\nmetric_agg_script: {{script: \"doc['a'].value\"}}\n"),
            json!({"metric_cpu_pct_avg": {"avg": {"script": "doc['a'].value"}}}),
        ),
        (
            format!("{metric}metric_agg_type: max\nquery_key: host\nbucket_interval: {{minutes: 5}}\n"),
            terms("host", json!({"interval_aggs": {
                "date_histogram": {"field": "@timestamp", "fixed_interval": "5m", "offset": "+285s"},
                "aggs": {"metric_cpu_pct_max": {"max": {"field": "cpu_pct"}}}}})),
        ),
        (
            format!("{metric}metric_agg_type: sum\nquery_key: [dc, host]\n"),
            terms("dc", terms("host", json!({"metric_cpu_pct_sum": {"sum": {"field": "cpu_pct"}}}))),
        ),
        (
            "type: spike_aggregation\nmetric_agg_key: bytes\nmetric_agg_type: avg\nspike_height: 2\n\
             spike_type: up\ntimeframe: {hours: 1}\nquery_key: host\n"
                .to_string(),
            terms("host", json!({"metric_bytes_avg": {"avg": {"field": "bytes"}}})),
        ),
        (
            "type: percentage_match\nmax_percentage: 10\nmatch_bucket_filter: [{term: {status: error}}]\n".to_string(),
            json!({"percentage_match_aggs": {"filters": {"other_bucket": true, "filters": {
                "match_bucket": {"bool": {"must": [{"term": {"status": "error"}}]}}}}}}),
        ),
    ];
    for (yaml, aggs) in cases {
        let r = request(&yaml, Kind::Aggregation);
        assert_eq!(r.path, "/idx/_search", "{yaml}");
        assert_eq!(
            r.body,
            Some(json!({"query": base(&json!([])), "aggs": aggs, "track_total_hits": true})),
            "{yaml}"
        );
        assert_eq!(
            r.params,
            params(&[("size", "0"), ("ignore_unavailable", "true")]),
            "{yaml}"
        );
    }
}

#[test]
fn new_term_baselines_query_each_window_with_a_filtered_values_aggregation() {
    let r = rule(
        "type: new_term\nfields: [a, [ip, port]]\nterms_window_size: {days: 2}\n\
         use_strftime_index: true\nfilter: [{term: {level: x}}]\n",
    );
    let r = alert_core::config::Rule {
        index: "logs-%Y.%m.%d".into(),
        ..r
    };
    let settings = SearchSettings::from_rule(&r).unwrap();
    let plan = build(&r)
        .unwrap()
        .baseline_request(Some(at("2026-01-03T00:00:00Z")), at("2026-01-05T00:00:00Z"))
        .unwrap();
    assert_eq!(plan.windows.len(), 2);
    let (from, to) = plan.windows[1];
    let query = SearchQuery {
        rule: &r,
        filters: &r.filter,
        range: TimeRange::half_open(from, to),
        now: to,
    };
    let composite = baseline_request(&query, &settings, &plan.aggs[1]).unwrap();
    assert_eq!(composite.path, "/logs-2026.01.02/_search");
    assert_eq!(
        composite.params,
        params(&[("ignore_unavailable", "true"), ("timeout", "50s")])
    );
    let values = |field: &str| json!({"field": field, "size": 2_147_483_647_i64});
    assert_eq!(
        composite.body,
        Some(json!({"size": 0, "aggs": {"filtered": {
            "filter": {"bool": {"must": [
                {"range": {"@timestamp": {"gte": "2026-01-02T00:00:00Z", "lt": "2026-01-03T00:00:00Z"}}},
                {"term": {"level": "x"}}]}},
            "aggs": {"values": {"terms": values("ip.keyword"), "aggs": {"values": {"terms": values("port.keyword")}}}}
        }}}))
    );
    let single = baseline_request(&query, &settings, &plan.aggs[0]).unwrap();
    assert_eq!(
        single.body.unwrap()["aggs"]["filtered"]["aggs"],
        json!({"values": {"terms": values("a.keyword")}})
    );
}

#[test]
fn strftime_indices_name_every_day_of_the_segment() {
    let r = request("type: any\nuse_strftime_index: true\n", Kind::Count);
    assert_eq!(
        r.path, "/idx/_count",
        "a pattern without codes stays as written"
    );
    let r = rule("type: any\nuse_strftime_index: true\nsearch_extra_index: true\n");
    let r = alert_core::config::Rule {
        index: "logstash-%Y.%m.%d".into(),
        ..r
    };
    let settings = SearchSettings::from_rule(&r).unwrap();
    let query = SearchQuery {
        rule: &r,
        filters: &[],
        range: segment(),
        now: at(END),
    };
    assert_eq!(
        count_request(&query, &settings).unwrap().path,
        "/logstash-2014.09.25,logstash-2014.09.26,logstash-2014.09.27/_count"
    );
}
