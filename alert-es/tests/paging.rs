//! Paging plans of document searches: scroll (ElastAlert2's way) and point in time with
//! `search_after`, both bounded by `max_scrolling_count`, each ending with its cleanup request.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use alert_es::query::{DocumentPager, DocumentSearch, Method, Paging, Request, SearchSettings};
use serde_json::{Value, json};

fn search(size: u64) -> DocumentSearch {
    DocumentSearch {
        index: "logs-*".into(),
        body: json!({"query": {"match_all": {}}, "sort": [{"@timestamp": {"order": "asc"}}]}),
        source_includes: Some("*,@timestamp".into()),
        size,
    }
}

fn pager(size: u64, max_pages: u64, paging: Paging) -> DocumentPager {
    let settings = SearchSettings {
        max_scrolling_count: max_pages,
        ..SearchSettings::default()
    };
    DocumentPager::new(search(size), &settings, paging)
}

/// A page of `n` hits with sort values starting at `first`.
fn page(first: u64, n: u64, total: &Value, cursor: (&str, &str)) -> Value {
    let hits: Vec<Value> = (first..first + n)
        .map(|i| json!({"_id": i.to_string(), "_source": {"n": i}, "sort": [i * 1000, i]}))
        .collect();
    json!({cursor.0: cursor.1, "hits": {"total": total, "hits": hits}})
}

#[test]
fn scroll_pages_until_the_total_is_read_then_clears_the_scroll() {
    let mut p = pager(2, 0, Paging::Scroll);
    let first = p.first_request();
    assert_eq!(
        (first.method, first.path.as_str()),
        (Method::Post, "/logs-*/_search")
    );
    assert_eq!(first.param_value("scroll"), Some("30s"));
    assert_eq!(first.param_value("size"), Some("2"));
    assert_eq!(first.param_value("_source_includes"), Some("*,@timestamp"));
    assert_eq!(
        first.body.as_ref().unwrap()["track_total_hits"],
        json!(true)
    );

    let total = json!({"value": 5, "relation": "eq"});
    let got = p.handle(page(0, 2, &total, ("_scroll_id", "s1"))).unwrap();
    assert_eq!(got.hits.len(), 2);
    let next = got.next.unwrap();
    assert_eq!(
        next,
        Request::post(
            "/_search/scroll",
            json!({"scroll": "30s", "scroll_id": "s1"})
        )
    );
    let got = p.handle(page(2, 2, &total, ("_scroll_id", "s2"))).unwrap();
    assert!(got.next.is_some());
    let got = p.handle(page(4, 1, &total, ("_scroll_id", "s2"))).unwrap();
    assert_eq!((got.hits.len(), got.next), (1, None));
    assert_eq!((p.fetched(), p.truncated()), (5, false));
    assert_eq!(
        p.cleanup(),
        Some(Request::delete(
            "/_search/scroll",
            json!({"scroll_id": "s2"})
        ))
    );
}

#[test]
fn max_scrolling_count_bounds_the_pages_and_reports_truncation() {
    let total = json!({"value": 100, "relation": "eq"});
    let mut p = pager(2, 2, Paging::Scroll);
    p.first_request();
    assert!(
        p.handle(page(0, 2, &total, ("_scroll_id", "s")))
            .unwrap()
            .next
            .is_some()
    );
    assert!(
        p.handle(page(2, 2, &total, ("_scroll_id", "s")))
            .unwrap()
            .next
            .is_none()
    );
    assert!(p.truncated());
    assert!(
        p.cleanup().is_some(),
        "the scroll is cleared even when cut short"
    );
}

#[test]
fn point_in_time_opens_pages_with_search_after_and_closes() {
    let mut p = pager(2, 0, Paging::PointInTime);
    let open = p.first_request();
    assert_eq!(
        (open.method, open.path.as_str(), open.body.as_ref()),
        (Method::Post, "/logs-*/_pit", None)
    );
    assert_eq!(
        open.params,
        vec![
            ("keep_alive", "30s".to_string()),
            ("ignore_unavailable", "true".to_string())
        ]
    );

    let opened = p.handle(json!({"id": "pit-1"})).unwrap();
    assert!(opened.hits.is_empty());
    let first = opened.next.unwrap();
    assert_eq!(first.path, "/_search");
    assert_eq!(
        first.params,
        vec![
            ("size", "2".to_string()),
            ("_source_includes", "*,@timestamp".to_string())
        ]
    );
    assert_eq!(
        first.body.unwrap(),
        json!({"query": {"match_all": {}},
               "sort": [{"@timestamp": {"order": "asc"}}, {"_shard_doc": "asc"}],
               "pit": {"id": "pit-1", "keep_alive": "30s"}, "track_total_hits": true})
    );

    let got = p
        .handle(page(
            0,
            2,
            &json!({"value": 3, "relation": "eq"}),
            ("pit_id", "pit-2"),
        ))
        .unwrap();
    let second = got.next.unwrap().body.unwrap();
    assert_eq!(
        second["pit"]["id"],
        json!("pit-2"),
        "the newest point-in-time id is used"
    );
    assert_eq!(second["search_after"], json!([1000, 1]));
    assert_eq!(second["track_total_hits"], json!(false));

    let got = p
        .handle(page(2, 1, &Value::Null, ("pit_id", "pit-2")))
        .unwrap();
    assert_eq!(got.next, None);
    assert_eq!(
        p.cleanup(),
        Some(Request::delete("/_pit", json!({"id": "pit-2"})))
    );
}

#[test]
fn without_an_exact_total_paging_goes_on_while_pages_are_full() {
    let mut p = pager(2, 0, Paging::PointInTime);
    p.first_request();
    p.handle(json!({"id": "x"})).unwrap();
    let capped = json!({"value": 10000, "relation": "gte"});
    assert!(
        p.handle(page(0, 2, &capped, ("pit_id", "x")))
            .unwrap()
            .next
            .is_some()
    );
    let empty = json!({"hits": {"hits": []}});
    assert!(p.handle(empty).unwrap().next.is_none());
}

#[test]
fn broken_answers_are_errors() {
    let mut p = pager(2, 0, Paging::PointInTime);
    p.first_request();
    assert!(p.handle(json!({"pit_id": "opensearch-shape"})).is_err());

    let mut p = pager(2, 0, Paging::Scroll);
    p.first_request();
    let failed = json!({"_shards": {"failures": [{"reason": {"reason": "Failed to parse date field"}}]},
                        "hits": {"hits": []}});
    let err = p.handle(failed).unwrap_err().to_string();
    assert!(err.contains("Failed to parse"), "{err}");

    let mut p = pager(1, 0, Paging::PointInTime);
    p.first_request();
    p.handle(json!({"id": "x"})).unwrap();
    let unsorted = json!({"hits": {"hits": [{"_id": "1", "_source": {}}]}});
    assert!(
        p.handle(unsorted).is_err(),
        "search_after needs the last hit's sort values"
    );
}

#[test]
fn a_page_with_shard_failures_still_leaves_its_scroll_to_clear() {
    let mut p = pager(2, 0, Paging::Scroll);
    p.first_request();
    let total = json!({"value": 5, "relation": "eq"});
    p.handle(page(0, 2, &total, ("_scroll_id", "s1"))).unwrap();
    let mut failed = page(2, 2, &total, ("_scroll_id", "s2"));
    failed["_shards"] = json!({"failures": [{"reason": {"reason": "Failed to parse x"}}]});
    assert!(p.handle(failed).is_err());
    assert_eq!(
        p.cleanup(),
        Some(Request::delete(
            "/_search/scroll",
            json!({"scroll_id": "s2"})
        ))
    );
}
