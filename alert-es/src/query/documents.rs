//! The document search (every rule type fed documents): the base query sorted by the
//! timestamp, with the rule's field selection. [`super::DocumentPager`] turns it into the
//! requests of each page.

use alert_core::port::SearchQuery;
use serde_json::{Value, json};

use super::{SearchSettings, base_query, index_for, timestamp_sort};
use crate::Result;

/// What every page of one document search shares (ElastAlert2's `get_hits`).
///
/// ```
/// # use alert_core::port::SearchQuery;
/// # use alert_es::query::{DocumentSearch, SearchSettings};
/// # fn demo(query: &SearchQuery<'_>) {
/// let search = DocumentSearch::new(query, &SearchSettings::default()).unwrap();
/// assert_eq!(search.body["sort"][0]["@timestamp"]["order"], "asc");
/// assert_eq!(search.size, 10_000);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentSearch {
    /// The index expression (strftime names resolved).
    pub index: String,
    /// `{"query": <base>, "sort": [...]}`, plus `stored_fields` with `_source_enabled: false`
    /// and `fields` with `include_fields`.
    pub body: Value,
    /// The `_source_includes` URL parameter (the rule's `include`, comma-joined); `None` with
    /// `_source_enabled: false`.
    pub source_includes: Option<String>,
    /// Hits per page: `max_query_size`.
    pub size: u64,
}

impl DocumentSearch {
    /// The search of `query` under `settings`.
    pub fn new(query: &SearchQuery<'_>, settings: &SearchSettings) -> Result<Self> {
        let index = index_for(&query.rule.index, settings, &query.range)?;
        let mut body =
            json!({"query": base_query(query, settings)?, "sort": timestamp_sort(query)});
        let source_includes = if settings.source_enabled {
            Some(settings.include.join(","))
        } else {
            body["stored_fields"] = json!(settings.include);
            None
        };
        if let Some(fields) = &settings.include_fields {
            body["fields"] = json!(fields);
        }
        Ok(DocumentSearch {
            index,
            body,
            source_includes,
            size: settings.max_query_size,
        })
    }
}
