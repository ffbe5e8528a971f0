//! Parsing of the response examples the Elasticsearch 7.17 / 8.x and OpenSearch 2.x
//! documentation prints (see `tests/data/responses/README.md`), and of those answers fed to
//! rule types: the cluster's answers reach rule types in the same shapes as the local
//! backend's.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;

use alert_core::rules::build;
use alert_es::query::{DocumentPager, DocumentSearch, Paging, SearchSettings};
use alert_es::response::{Relation, SearchPage, aggregation_answer, count, events, terms_buckets};
use common::{at, rule};
use serde_json::{Value, json};

fn data(name: &str) -> Value {
    let path = format!("{}/tests/data/responses/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Renames an aggregation in a response (documentation names → the names we send).
fn rename(mut response: Value, path: &[&str], to: &str) -> Value {
    let (last, parents) = path.split_last().unwrap();
    let mut node = &mut response;
    for key in parents {
        node = node.get_mut(*key).unwrap();
    }
    let map = node.as_object_mut().unwrap();
    let value = map.remove(*last).unwrap();
    map.insert(to.to_string(), value);
    response
}

#[test]
fn search_examples_of_every_server_read_into_events() {
    let r = rule("type: any\n");
    for (file, doc_type) in [
        ("es-7.17/search.json", Some("_doc")),
        ("es-8/search.json", None),
    ] {
        let page = SearchPage::from_json(data(file)).unwrap();
        let total = page.total.unwrap();
        assert_eq!((total.value, total.relation), (20, Relation::Eq), "{file}");
        assert_eq!(page.hits[0].doc_type.as_deref(), doc_type, "{file}");
        assert_eq!(page.hits[0].score, Some(1.3862942), "{file}");
        let e = &events(&r, page.hits).unwrap()[0];
        assert_eq!(
            e.timestamp,
            at("2099-11-15T14:12:12Z"),
            "{file}: naive means UTC"
        );
        assert_eq!(
            (e.source["_id"].clone(), e.source["_index"].clone()),
            (json!("0"), json!("my-index-000001"))
        );
        assert_eq!(
            e.source.get("_type").and_then(Value::as_str),
            doc_type,
            "{file}"
        );
        assert_eq!(e.source["http"]["response"]["status_code"], json!(200));
    }
    let opensearch = SearchPage::from_json(data("opensearch-2/search.json")).unwrap();
    assert_eq!(opensearch.total.map(|t| t.value), Some(1));
    let err = events(&r, opensearch.hits).unwrap_err().to_string();
    assert!(
        err.contains("'@timestamp'") && err.contains("superheroes"),
        "{err}"
    );
}

#[test]
fn an_opened_point_in_time_continues_with_its_id() {
    let search = DocumentSearch {
        index: "my-index-000001".into(),
        body: json!({"sort": []}),
        source_includes: None,
        size: 10,
    };
    let mut pager = DocumentPager::new(search, &SearchSettings::default(), Paging::PointInTime);
    pager.first_request();
    let next = pager
        .handle(data("es-8/open-pit.json"))
        .unwrap()
        .next
        .unwrap();
    let id = data("es-8/open-pit.json")["id"].clone();
    assert_eq!(next.body.unwrap()["pit"]["id"], id);
}

#[test]
fn count_examples_read() {
    assert_eq!(count(&data("opensearch-2/count.json")).unwrap(), 7);
}

#[test]
fn terms_buckets_with_numeric_keys_feed_a_terms_rule() {
    let response = rename(
        data("opensearch-2/terms.json"),
        &["aggregations", "response_codes"],
        "counts",
    );
    let buckets = terms_buckets(response).unwrap();
    assert_eq!(buckets.len(), 2);
    let r = rule(
        "type: frequency\nnum_events: 100\ntimeframe: {hours: 1}\nuse_terms_query: true\nquery_key: response_code\n",
    );
    let mut rule_type = build(&r).unwrap();
    rule_type
        .add_terms_data(at("2026-01-01T00:00:00Z"), &buckets)
        .unwrap();
    let matches = rule_type.take_matches();
    assert_eq!(matches.len(), 1, "only key 200 has 100 or more documents");
    assert_eq!(matches[0].body["response_code"], json!(200));
}

#[test]
fn date_histogram_buckets_feed_metric_aggregation_at_their_bucket_times() {
    let mut response = rename(
        data("es-8/date-histogram-sum.json"),
        &["aggregations", "sales_per_month"],
        "interval_aggs",
    );
    for bucket in response["aggregations"]["interval_aggs"]["buckets"]
        .as_array_mut()
        .unwrap()
    {
        let sales = bucket.as_object_mut().unwrap().remove("sales").unwrap();
        bucket["metric_price_sum"] = sales;
    }
    let answer = aggregation_answer(response).unwrap().unwrap();
    assert_eq!(answer.hits, 7);
    let r = rule(
        "type: metric_aggregation\nmetric_agg_key: price\nmetric_agg_type: sum\nmax_threshold: 500\n\
         buffer_time: {days: 30}\nbucket_interval: {days: 1}\n",
    );
    let mut rule_type = build(&r).unwrap();
    rule_type
        .add_aggregation_data(at("2015-04-01T00:00:00Z"), &answer.aggregations)
        .unwrap();
    let matches = rule_type.take_matches();
    assert_eq!(matches.len(), 1, "only January's 550 is above 500");
    assert_eq!(
        matches[0].timestamp,
        at("2015-01-01T00:00:00Z"),
        "a non-ISO key_as_string falls back to the key"
    );
    assert_eq!(matches[0].body["metric_price_sum"], json!(550.0));
}

#[test]
fn percentiles_feed_metric_aggregation_with_the_first_value() {
    let response = rename(
        data("opensearch-2/percentiles.json"),
        &["aggregations", "percentile_taxful_total_price"],
        "metric_taxful_total_price_percentiles",
    );
    let answer = aggregation_answer(response).unwrap().unwrap();
    assert_eq!(
        answer.hits, 0,
        "the documented fragment has no hits section"
    );
    let r = rule(
        "type: metric_aggregation\nmetric_agg_key: taxful_total_price\nmetric_agg_type: percentiles\n\
         percentile_range: 1\nmax_threshold: 20\n",
    );
    let mut rule_type = build(&r).unwrap();
    rule_type
        .add_aggregation_data(at("2026-01-01T00:00:00Z"), &answer.aggregations)
        .unwrap();
    let matches = rule_type.take_matches();
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0].body["metric_agg_value"], json!(21.984375));
}

#[test]
fn filters_buckets_keep_their_keyed_shape() {
    let answer = aggregation_answer(data("es-8/filters-other-bucket.json"))
        .unwrap()
        .unwrap();
    assert_eq!(answer.hits, 4);
    let buckets = &answer.aggregations["messages"]["buckets"];
    assert_eq!(
        (
            buckets["errors"]["doc_count"].clone(),
            buckets["other_messages"]["doc_count"].clone()
        ),
        (json!(1), json!(1))
    );
}
