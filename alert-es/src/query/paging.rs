//! Paging a document search: point in time plus `search_after` where the server has a
//! tiebreaker for it, scroll otherwise, at most `max_scrolling_count` pages. Pure: the pager
//! says which request comes next from the previous answer; the HTTP loop sends them, so only
//! one page is held at a time.

use serde_json::{Value, json};

use super::{DocumentSearch, Request, SearchSettings};
use crate::response::{Hit, Relation, SearchPage, Total, check_shard_failures};
use crate::{Error, Result};

/// Which server family answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// Elasticsearch.
    Elasticsearch,
    /// OpenSearch.
    OpenSearch,
}

/// How the pages of a document search are fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Point in time with `search_after` and the `_shard_doc` tiebreaker (Elasticsearch 7.12+).
    PointInTime,
    /// Scroll, as ElastAlert2 always does.
    Scroll,
}

impl Paging {
    /// The paging a server supports: point in time on Elasticsearch 7.12 and later (where
    /// `_shard_doc` makes `search_after` exact); scroll on older Elasticsearch and on
    /// OpenSearch, whose create-PIT call has no `ignore_unavailable` (daily indices are often
    /// missing) and which has no `_shard_doc` before 3.3.
    ///
    /// ```
    /// use alert_es::query::{Distribution, Paging};
    /// assert_eq!(Paging::for_server(Distribution::Elasticsearch, 8, 15), Paging::PointInTime);
    /// assert_eq!(Paging::for_server(Distribution::Elasticsearch, 7, 10), Paging::Scroll);
    /// assert_eq!(Paging::for_server(Distribution::OpenSearch, 2, 19), Paging::Scroll);
    /// ```
    pub fn for_server(distribution: Distribution, major: u32, minor: u32) -> Self {
        match distribution {
            Distribution::Elasticsearch if (major, minor) >= (7, 12) => Paging::PointInTime,
            _ => Paging::Scroll,
        }
    }
}

/// Where the pager stands.
#[derive(Debug, Clone, PartialEq)]
enum Cursor {
    NotStarted,
    OpeningPit,
    Pit(String),
    Scroll(String),
    Without,
}

/// What one answer gave: its hits, and the request for the next page if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    /// The page's hits (none for the answer that opened a point in time).
    pub hits: Vec<Hit>,
    /// The next request, or `None` when the search is complete (or hit the page limit).
    pub next: Option<Request>,
}

/// The requests of one document search, page by page.
///
/// ```
/// use alert_es::query::{DocumentPager, DocumentSearch, Paging, SearchSettings};
/// use serde_json::json;
/// let search = DocumentSearch { index: "logs".into(), body: json!({"query": {}, "sort": []}),
///                               source_includes: None, size: 2 };
/// let mut pager = DocumentPager::new(search, &SearchSettings::default(), Paging::Scroll);
/// assert_eq!(pager.first_request().path, "/logs/_search");
/// let page = json!({"_scroll_id": "s", "hits": {"total": {"value": 3}, "hits": [{}, {}]}});
/// let fetched = pager.handle(page).unwrap();
/// assert_eq!(fetched.next.unwrap().path, "/_search/scroll");
/// ```
#[derive(Debug, Clone)]
pub struct DocumentPager {
    search: DocumentSearch,
    paging: Paging,
    keep_alive: String,
    max_pages: u64,
    pages: u64,
    fetched: u64,
    total: Option<Total>,
    cursor: Cursor,
    truncated: bool,
}

impl DocumentPager {
    /// A pager for `search`, keeping contexts alive for `scroll_keepalive` and stopping after
    /// `max_scrolling_count` pages (0: no limit).
    pub fn new(search: DocumentSearch, settings: &SearchSettings, paging: Paging) -> Self {
        DocumentPager {
            search,
            paging,
            keep_alive: settings.scroll_keepalive.clone(),
            max_pages: settings.max_scrolling_count,
            pages: 0,
            fetched: 0,
            total: None,
            cursor: Cursor::NotStarted,
            truncated: false,
        }
    }

    /// The first request: the first scroll page, or opening the point in time.
    pub fn first_request(&mut self) -> Request {
        match self.paging {
            Paging::Scroll => {
                self.cursor = Cursor::Without;
                let mut body = self.search.body.clone();
                body["track_total_hits"] = json!(true);
                let request = Request::post(format!("/{}/_search", self.search.index), body)
                    .param("scroll", self.keep_alive.clone())
                    .param("size", self.search.size.to_string())
                    .param("ignore_unavailable", "true");
                self.with_source_includes(request)
            }
            Paging::PointInTime => {
                self.cursor = Cursor::OpeningPit;
                Request {
                    body: None,
                    ..Request::post(format!("/{}/_pit", self.search.index), Value::Null)
                }
                .param("keep_alive", self.keep_alive.clone())
                .param("ignore_unavailable", "true")
            }
        }
    }

    /// Takes the answer to the last request and says what it gave and what comes next.
    /// Shard failures that ElastAlert2 treats as query errors are errors here too.
    pub fn handle(&mut self, response: Value) -> Result<Fetched> {
        if self.cursor == Cursor::OpeningPit {
            let id = response.get("id").and_then(Value::as_str).ok_or_else(|| {
                Error::MalformedResponse(format!("opening a point in time gave no id: {response}"))
            })?;
            let next = self.pit_search(id, None);
            self.cursor = Cursor::Pit(id.to_string());
            return Ok(Fetched {
                hits: Vec::new(),
                next: Some(next),
            });
        }
        self.follow(&response);
        check_shard_failures(&response)?;
        let page = SearchPage::from_json(response)?;
        self.pages += 1;
        self.fetched += page.hits.len() as u64;
        self.total = self.total.or(page.total);
        let next = if !self.more_available(&page) {
            None
        } else if self.max_pages > 0 && self.pages >= self.max_pages {
            self.truncated = true;
            None
        } else {
            Some(self.next_request(&page)?)
        };
        Ok(Fetched {
            hits: page.hits,
            next,
        })
    }

    /// The request that releases the server's context (clear the scroll, close the point in
    /// time); send it when done or on error, ignoring "not found".
    pub fn cleanup(&self) -> Option<Request> {
        match &self.cursor {
            Cursor::Scroll(id) => {
                Some(Request::delete("/_search/scroll", json!({"scroll_id": id})))
            }
            Cursor::Pit(id) => Some(Request::delete("/_pit", json!({"id": id}))),
            Cursor::NotStarted | Cursor::OpeningPit | Cursor::Without => None,
        }
    }

    /// Whether the search stopped at `max_scrolling_count` with hits left unread.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// `hits.total` of the first page.
    pub fn total(&self) -> Option<Total> {
        self.total
    }

    /// Hits read so far.
    pub fn fetched(&self) -> u64 {
        self.fetched
    }

    /// Takes the answer's scroll or point-in-time id before anything can fail on it, so that
    /// [`cleanup`](Self::cleanup) releases the newest context even after a shard failure.
    fn follow(&mut self, response: &Value) {
        let (key, cursor): (&str, fn(String) -> Cursor) = match self.paging {
            Paging::Scroll => ("_scroll_id", Cursor::Scroll),
            Paging::PointInTime => ("pit_id", Cursor::Pit),
        };
        match response.get(key) {
            Some(Value::String(id)) => self.cursor = cursor(id.clone()),
            Some(Value::Number(id)) => self.cursor = cursor(id.to_string()),
            _ => {}
        }
    }

    fn more_available(&self, page: &SearchPage) -> bool {
        if page.hits.is_empty() {
            return false;
        }
        if self.paging == Paging::Scroll && !matches!(self.cursor, Cursor::Scroll(_)) {
            return false;
        }
        match self.total {
            Some(Total {
                value,
                relation: Relation::Eq,
            }) => self.fetched < value,
            _ => page.hits.len() as u64 >= self.search.size,
        }
    }

    fn next_request(&self, page: &SearchPage) -> Result<Request> {
        match (&self.cursor, self.paging) {
            (Cursor::Scroll(id), Paging::Scroll) => Ok(Request::post(
                "/_search/scroll",
                json!({"scroll": self.keep_alive, "scroll_id": id}),
            )),
            (Cursor::Pit(id), Paging::PointInTime) => {
                let after = page
                    .hits
                    .last()
                    .and_then(|h| h.sort.clone())
                    .ok_or_else(|| {
                        Error::MalformedResponse(
                            "the last hit has no sort values to continue after".into(),
                        )
                    })?;
                Ok(self.pit_search(id, Some(after)))
            }
            _ => Err(Error::MalformedResponse(
                "the search gave no context to continue".into(),
            )),
        }
    }

    fn pit_search(&self, id: &str, after: Option<Vec<Value>>) -> Request {
        let mut body = self.search.body.clone();
        if let Some(sort) = body.get_mut("sort").and_then(Value::as_array_mut) {
            sort.push(json!({"_shard_doc": "asc"}));
        }
        body["pit"] = json!({"id": id, "keep_alive": self.keep_alive});
        body["track_total_hits"] = json!(after.is_none());
        if let Some(after) = after {
            body["search_after"] = Value::Array(after);
        }
        let request = Request::post("/_search", body).param("size", self.search.size.to_string());
        self.with_source_includes(request)
    }

    fn with_source_includes(&self, request: Request) -> Request {
        match &self.search.source_includes {
            Some(fields) => request.param("_source_includes", fields.clone()),
            None => request,
        }
    }
}
