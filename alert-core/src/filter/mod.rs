//! ElastAlert2 `filter:` lists evaluated in process: the ES query DSL and `query_string`
//! (Lucene syntax) compiled once into one tree, then matched against JSON documents.
//!
//! Evaluation approximates Elasticsearch without a mapping (see `docs/filters.md`):
//!
//! * `term`, `terms`, `prefix`, `wildcard`, `regexp` and fields named `*.keyword` / `*.raw`
//!   compare exactly and case-sensitively; numbers compare numerically, numeric strings too.
//! * `match`, `match_phrase` and `query_string` terms compare lower-cased word tokens, as the
//!   standard analyzer would; a `query_string` term also matches a value equal to it ignoring case.
//! * A list value matches when any element does; ranges compare numbers, then dates, then text
//!   (a plain number against a date is epoch milliseconds, as a date field reads it).
//! * A construct that cannot be evaluated locally (`script`, `geo_*`, `nested`, ...) is an
//!   [`Error::UnsupportedFilter`](crate::Error::UnsupportedFilter) at compile time, never a silent pass.
//!
//! ```
//! use alert_core::filter::Filter;
//! use alert_core::time::Timestamp;
//! use serde_json::json;
//!
//! let entries = [
//!     json!({"term": {"action": "login_success"}}),
//!     json!({"query_string": {"query": "NOT client.country:(US OR DE)"}}),
//! ];
//! let filter = Filter::compile(&entries, Timestamp::from_micros(0)).unwrap();
//! assert!(filter.matches(&json!({"action": "login_success", "client": {"country": "NG"}})));
//! assert!(!filter.matches(&json!({"action": "login_success", "client": {"country": "US"}})));
//! ```

mod ast;
mod convert;
mod datemath;
mod dsl;
mod field;
mod fulltext;
mod joda;
mod leaf;
mod lucene;
mod params;
mod pattern;
mod query_string;
mod reads;
mod text;
mod value;

use serde_json::Value;

use crate::Result;
use crate::time::Timestamp;
use ast::Node;
use dsl::Ctx;

/// A compiled filter list (all entries ANDed, as ElastAlert2 does).
#[derive(Debug, Clone)]
pub struct Filter {
    root: Node,
}

impl Filter {
    /// Compiles ElastAlert2 `filter:` entries (each a JSON value as parsed from YAML).
    ///
    /// `now` is the instant date math such as `now-1h` resolves to. Legacy wrappers
    /// (`{query: {...}}`, `{filter: {...}}`) are unwrapped as ElastAlert2 does.
    pub fn compile(entries: &[Value], now: Timestamp) -> Result<Filter> {
        let ctx = Ctx { now };
        let nodes = entries
            .iter()
            .map(|entry| dsl::compile(entry, &ctx))
            .collect::<Result<_>>()?;
        Ok(Filter {
            root: Node::and(nodes),
        })
    }

    /// Compiles one ES query object (the `query` of a search body or of a monitor).
    pub fn from_query(query: &Value, now: Timestamp) -> Result<Filter> {
        Ok(Filter {
            root: dsl::compile(query, &Ctx { now })?,
        })
    }

    /// Whether the document matches.
    pub fn matches(&self, doc: &Value) -> bool {
        self.root.matches(doc)
    }

    /// Inclusive bounds, in microseconds, within which `field` holds an instant in every
    /// matching document, read from the `range` queries on it that the whole filter requires
    /// (`None`: no bound on that side). A superset: documents inside still need
    /// [`Filter::matches`]; a caller holding documents sorted by that field may skip the rest.
    ///
    /// ```
    /// use alert_core::filter::Filter;
    /// use alert_core::time::Timestamp;
    /// use serde_json::json;
    /// let query = json!({"bool": {"filter": [{"range": {"@timestamp": {"gte": 1000, "lt": 5000}}}]}});
    /// let filter = Filter::from_query(&query, Timestamp::from_micros(0)).unwrap();
    /// assert_eq!(filter.instant_bounds("@timestamp"), (Some(1_000_000), Some(5_000_000)));
    /// assert_eq!(filter.instant_bounds("other"), (None, None));
    /// ```
    pub fn instant_bounds(&self, field: &str) -> (Option<i64>, Option<i64>) {
        self.root.instant_bounds(field)
    }

    /// The names of the fields the filter looks up, sorted and each once, or `None` when it
    /// may read any field (a `query_string` term without a field searches them all).
    ///
    /// A caller can decide on a document holding only these fields (and their parents) the
    /// same way as on the whole document.
    ///
    /// ```
    /// use alert_core::filter::Filter;
    /// use alert_core::time::Timestamp;
    /// use serde_json::json;
    /// let entries = [json!({"query_string": {"query": "env:prod AND status:>=500"}})];
    /// let filter = Filter::compile(&entries, Timestamp::from_micros(0)).unwrap();
    /// assert_eq!(filter.fields(), Some(vec!["env".to_string(), "status".to_string()]));
    /// ```
    pub fn fields(&self) -> Option<Vec<String>> {
        let mut names = Vec::new();
        if !self.root.collect_fields(&mut names) {
            return None;
        }
        let mut names: Vec<String> = names.into_iter().map(String::from).collect();
        names.sort();
        names.dedup();
        Some(names)
    }

    /// A filter that matches everything (empty list).
    pub fn match_all() -> Filter {
        Filter { root: Node::All }
    }

    /// Whether this filter matches every document (callers may skip evaluating it).
    pub fn is_match_all(&self) -> bool {
        matches!(self.root, Node::All)
    }
}

/// Test tables: one row a line, cells of JSON separated by ` | ` (blank lines skipped).
#[cfg(test)]
pub(crate) fn rows(table: &str) -> Vec<Vec<Value>> {
    let cell = |c: &str| serde_json::from_str(c.trim()).unwrap_or_else(|e| panic!("{c}: {e}"));
    let lines = table.lines().map(str::trim).filter(|l| !l.is_empty());
    lines.map(|l| l.split(" | ").map(cell).collect()).collect()
}

impl Default for Filter {
    fn default() -> Self {
        Filter::match_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Representative lines of `conformance/data/seed1_20k.ndjson`.
    fn seed_docs() -> Vec<Value> {
        vec![
            json!({"@timestamp":"2026-01-01T00:00:00.608Z","host":"web-40","env":"prod","log_type":"auth","service":"sshd","user":"ops-7","action":"login_success","client":{"ip":"10.24.193.184","country":"BR"},"message":"Accepted password for ops-7 from 10.24.193.184 port 45962 ssh2"}),
            json!({"@timestamp":"2026-01-01T01:26:41.272Z","host":"web-29","env":"prod","log_type":"auth","service":"sshd","user":"walter2","action":"login_success","client":{"ip":"100.85.209.221","country":"NG"},"message":"Accepted password for walter2 from 100.85.209.221 port 22829 ssh2"}),
            json!({"@timestamp":"2026-01-01T00:02:13.116Z","host":"web-19","env":"prod","log_type":"auth","service":"sshd","user":"judy","action":"failed_password","client":{"ip":"10.45.48.28","country":"US"},"message":"Failed password for judy from 10.45.48.28 port 46132 ssh2"}),
            json!({"@timestamp":"2026-01-01T00:02:22.316Z","host":"web-35","env":"prod","log_type":"access","method":"GET","path":"/api/users/3964","status":500,"bytes":204,"response_ms":288,"user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0","client":{"ip":"10.55.247.184","country":"US"},"user":"erin","message":"10.55.247.184 - erin \"GET /api/users/3964 HTTP/1.1\" 500 204 \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0\" 288ms"}),
            json!({"@timestamp":"2026-01-01T00:32:41.868Z","host":"stg-10","env":"stg","log_type":"access","method":"HEAD","path":"/static/app.js","status":500,"bytes":0,"response_ms":196,"user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0","client":{"ip":"10.19.37.170","country":"DE"},"user":"victor2","message":"10.19.37.170 - victor2 \"HEAD /static/app.js HTTP/1.1\" 500 0 \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0\" 196ms"}),
            json!({"@timestamp":"2026-01-01T01:41:38.597Z","host":"web-31","env":"prod","log_type":"access","method":"OPTIONS","path":"/actuator/env","status":404,"bytes":256,"response_ms":22,"user_agent":"sqlmap/1.7.2#stable (https://sqlmap.org)","client":{"ip":"192.0.2.185","country":"NL"},"message":"192.0.2.185 - - \"OPTIONS /actuator/env HTTP/1.1\" 404 256 \"sqlmap/1.7.2#stable (https://sqlmap.org)\" 22ms"}),
        ]
    }

    /// Which of [`seed_docs`] a filter list keeps.
    fn kept(entries: &[Value]) -> Vec<usize> {
        let filter = Filter::compile(entries, Timestamp::from_micros(0)).unwrap();
        seed_docs()
            .iter()
            .enumerate()
            .filter(|(_, d)| filter.matches(d))
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn conformance_rule_filters_keep_the_documents_elastalert2_keeps() {
        let blacklist = "user_agent:\"sqlmap/1.7.2#stable (https://sqlmap.org)\" OR \
            user_agent:\"Mozilla/5.00 (Nikto/2.5.0)\" OR user_agent:\"masscan/1.3\"";
        let whitelist = "NOT method:\"GET\" AND NOT method:\"POST\" AND NOT method:\"PUT\" AND \
            NOT method:\"DELETE\" AND NOT method:\"HEAD\" AND NOT method:\"OPTIONS\"";
        let cases: Vec<(&str, Vec<Value>, Vec<usize>)> = vec![
            (
                "any",
                vec![
                    json!({"term": {"action": "login_success"}}),
                    json!({"query_string": {"query": "NOT client.country:(US OR DE OR GB OR FR OR NL OR IN OR BR OR JP)"}}),
                ],
                vec![1],
            ),
            (
                "blacklist",
                vec![json!({"query": {"query_string": {"query": blacklist}}})],
                vec![5],
            ),
            (
                "whitelist",
                vec![json!({"query": {"query_string": {"query": whitelist}}})],
                vec![0, 1, 2],
            ),
            (
                "cardinality_qk",
                vec![json!({"term": {"action": "failed_password"}})],
                vec![2],
            ),
            (
                "change",
                vec![json!({"term": {"action": "login_success"}})],
                vec![0, 1],
            ),
            (
                "flatline_qk",
                vec![json!({"term": {"env": "prod"}})],
                vec![0, 1, 2, 3, 5],
            ),
            (
                "frequency",
                vec![json!({"range": {"status": {"gte": 500, "lte": 599}}})],
                vec![3, 4],
            ),
            (
                "frequency_qk",
                vec![json!({"query_string": {"query": "status:[500 TO 599] AND env:prod"}})],
                vec![3],
            ),
            (
                "metric_aggregation",
                vec![json!({"term": {"log_type": "access"}})],
                vec![3, 4, 5],
            ),
            (
                "percentage_match bucket",
                vec![json!({"range": {"status": {"gte": 500}}})],
                vec![3, 4],
            ),
            ("no filter", vec![], vec![0, 1, 2, 3, 4, 5]),
        ];
        for (case, entries, expected) in cases {
            assert_eq!(kept(&entries), expected, "{case}");
        }
    }

    #[test]
    fn entries_are_anded_and_legacy_wrappers_unwrapped() {
        let entries = [
            json!({"query": {"query_string": {"query": "env:prod"}}}),
            json!({"filter": {"term": {"log_type": "auth"}}}),
            json!({"query": {"match": {"message": "accepted"}}}),
        ];
        assert_eq!(kept(&entries), vec![0, 1]);
    }

    #[test]
    fn date_math_resolves_against_the_given_now() {
        let now = Timestamp::parse_iso("2026-01-01T01:30:00Z").unwrap();
        let filter =
            Filter::compile(&[json!({"range": {"@timestamp": {"gte": "now-5m"}}})], now).unwrap();
        let kept: Vec<bool> = seed_docs().iter().map(|d| filter.matches(d)).collect();
        assert_eq!(kept, [false, true, false, false, false, true]);
    }

    #[test]
    fn an_unsupported_entry_fails_the_whole_list_naming_it() {
        let entries = [
            json!({"term": {"a": 1}}),
            json!({"geo_distance": {"distance": "1km"}}),
        ];
        let err = Filter::compile(&entries, Timestamp::from_micros(0)).unwrap_err();
        assert!(err.to_string().contains("'geo_distance'"), "{err}");
    }

    #[test]
    fn monitor_queries_as_opensearch_stores_them_match() {
        // The seed's per-query monitor, as OpenSearch re-serializes it (from/to, boost,
        // adjust_pure_negative), with `{{period_end}}` rendered as epoch milliseconds.
        let now = Timestamp::parse_iso("2026-01-01T00:20:00Z").unwrap();
        let query = json!({"bool": {
            "must": [
                {"match_phrase": {"user": {"query": "judy", "slop": 0, "zero_terms_query": "NONE", "boost": 1.0}}},
                {"match_phrase": {"action": {"query": "failed_password", "slop": 0}}}
            ],
            "filter": [{"range": {"@timestamp": {
                "from": "1767226800000||-30m", "to": "1767226800000", "include_lower": true,
                "include_upper": true, "format": "epoch_millis", "boost": 1.0}}}],
            "adjust_pure_negative": true, "boost": 1.0}});
        let filter = Filter::from_query(&query, now).unwrap();
        let kept: Vec<bool> = seed_docs().iter().map(|d| filter.matches(d)).collect();
        assert_eq!(kept, [false, false, true, false, false, false]);
        let relative = json!({"range": {"@timestamp": {"from": "now-30m", "to": "now"}}});
        let filter = Filter::from_query(&relative, now).unwrap();
        let kept: Vec<bool> = seed_docs().iter().map(|d| filter.matches(d)).collect();
        assert_eq!(kept, [true, false, true, true, false, false]);
    }

    #[test]
    fn instant_bounds_come_from_ranges_every_match_requires() {
        let now = Timestamp::parse_iso("2026-01-01T00:20:00Z").unwrap();
        let now_us = now.as_micros();
        let min = 60_000_000;
        let range = |body: Value| json!({"range": {"@timestamp": body}});
        let cases = [
            (
                range(json!({"from": "now-30m", "to": "now"})),
                (Some(now_us - 30 * min), Some(now_us)),
            ),
            (
                json!({"bool": {"must": [{"term": {"a": 1}}], "filter": [
                range(json!({"gte": "now-30m"})), range(json!({"lt": "now-10m"})),
                range(json!({"gt": "now-1h", "lte": "now"}))]}}),
                (Some(now_us - 30 * min), Some(now_us - 10 * min)),
            ),
            (
                range(json!({"gte": "1767226800000||-1m", "format": "epoch_millis"})),
                (Some(now_us - min), None),
            ),
            (
                range(json!({"lte": 1_767_226_800_000_i64})),
                (None, Some(now_us)),
            ),
            (
                json!({"bool": {"should": [range(json!({"gte": "now"})), {"term": {"a": 1}}]}}),
                (None, None),
            ),
            (
                json!({"bool": {"must_not": [range(json!({"gte": "now"}))]}}),
                (None, None),
            ),
            (json!({"range": {"other": {"gte": "now"}}}), (None, None)),
            (range(json!({"gte": "abc"})), (None, None)),
        ];
        for (query, expected) in cases {
            let filter = Filter::from_query(&query, now).unwrap();
            assert_eq!(filter.instant_bounds("@timestamp"), expected, "{query}");
        }
    }

    #[test]
    fn match_all_and_empty_lists_match_every_document() {
        assert!(Filter::match_all().is_match_all());
        assert!(
            Filter::compile(&[], Timestamp::from_micros(0))
                .unwrap()
                .is_match_all()
        );
        assert!(Filter::default().matches(&json!({})));
        let query = Filter::from_query(
            &json!({"bool": {"must_not": {"match_all": {}}}}),
            Timestamp::from_micros(0),
        );
        assert!(!query.unwrap().matches(&json!({})));
    }
}
