//! [`ClusterVersion`]: which server answers (`GET /`), and what differs between versions.

use serde_json::Value;

use crate::query::{Distribution, Paging};
use crate::{Error, Result};

/// The server families and major versions `alert` speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClusterVersion {
    /// Elasticsearch 7.x.
    Elasticsearch7,
    /// Elasticsearch 8.x.
    Elasticsearch8,
    /// Elasticsearch 9.x.
    Elasticsearch9,
    /// OpenSearch 1.x (a fork of Elasticsearch 7.10.2).
    OpenSearch1,
    /// OpenSearch 2.x.
    OpenSearch2,
    /// OpenSearch 3.x.
    OpenSearch3,
}

/// ElastAlert2's writeback mappings come in two sets, `es_mappings/7` and `es_mappings/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingSet {
    /// `es_mappings/7`: Elasticsearch 7 and OpenSearch 1.
    V7,
    /// `es_mappings/8`: Elasticsearch 8+ and OpenSearch 2+.
    V8,
}

impl ClusterVersion {
    /// Whether the server is OpenSearch.
    pub fn is_opensearch(self) -> bool {
        matches!(
            self,
            Self::OpenSearch1 | Self::OpenSearch2 | Self::OpenSearch3
        )
    }

    /// The major version number of the server's own numbering.
    pub fn major(self) -> u32 {
        match self {
            Self::Elasticsearch7 => 7,
            Self::Elasticsearch8 => 8,
            Self::Elasticsearch9 => 9,
            Self::OpenSearch1 => 1,
            Self::OpenSearch2 => 2,
            Self::OpenSearch3 => 3,
        }
    }

    /// The writeback mapping set `elastalert-create-index` uses: OpenSearch 1 counts as
    /// Elasticsearch 7.10.2, OpenSearch 2+ as 8.2.0 (`get_version_from_cluster_info`).
    pub fn mapping_set(self) -> MappingSet {
        match self {
            Self::Elasticsearch7 | Self::OpenSearch1 => MappingSet::V7,
            _ => MappingSet::V8,
        }
    }

    /// Whether a mapping is put under the `_doc` type (`PUT /<index>/_mapping/_doc` with
    /// `include_type_name=true`), as ElastAlert2 does on Elasticsearch 7 and OpenSearch 1;
    /// later versions take typeless mappings only.
    pub fn mapping_uses_doc_type(self) -> bool {
        self.mapping_set() == MappingSet::V7
    }

    /// Whether `hits.total` is an object `{"value": n, "relation": "eq"|"gte"}` by default
    /// (every supported version; Elasticsearch 6 sent a number).
    /// [`Total::from_json`](crate::response::Total::from_json) reads both.
    pub fn hits_total_is_object(self) -> bool {
        true
    }
}

/// What `GET /` says about the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    /// Family and major version.
    pub version: ClusterVersion,
    /// `version.number` as the server reports it (`7.17.0`, `2.6.0`).
    pub number: String,
    /// Minor version (0 when the number has none).
    pub minor: u32,
    /// `cluster_name`, when present.
    pub cluster_name: Option<String>,
}

impl ClusterInfo {
    /// Reads the body of `GET /`: `version.number`, and `version.distribution ==
    /// "opensearch"` for OpenSearch.
    ///
    /// ```
    /// use alert_es::client::{ClusterInfo, ClusterVersion};
    /// let body = serde_json::json!({"version": {"distribution": "opensearch", "number": "2.6.0"}});
    /// let info = ClusterInfo::from_root_response(&body).unwrap();
    /// assert_eq!(info.version, ClusterVersion::OpenSearch2);
    /// assert_eq!(info.elastalert_version(), "8.2.0");
    /// ```
    pub fn from_root_response(body: &Value) -> Result<Self> {
        let number = body
            .pointer("/version/number")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::InvalidResponse {
                node: "GET /".into(),
                message: "the answer has no version.number; is this Elasticsearch or OpenSearch?"
                    .into(),
            })?;
        let opensearch = body
            .pointer("/version/distribution")
            .and_then(Value::as_str)
            == Some("opensearch");
        let mut info = Self::parse(number, opensearch)?;
        info.cluster_name = body
            .get("cluster_name")
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok(info)
    }

    /// The `ES_VERSION` override: an Elasticsearch version number, as ElastAlert2 takes it.
    pub fn from_override(number: &str) -> Result<Self> {
        Self::parse(number.trim(), false)
    }

    fn parse(number: &str, opensearch: bool) -> Result<Self> {
        let mut parts = number.split(['.', '-']).map(|p| p.parse::<u32>().ok());
        let major = parts.next().flatten();
        let minor = parts.next().flatten().unwrap_or(0);
        let version = match (opensearch, major) {
            (false, Some(7)) => ClusterVersion::Elasticsearch7,
            (false, Some(8)) => ClusterVersion::Elasticsearch8,
            (false, Some(9)) => ClusterVersion::Elasticsearch9,
            (true, Some(1)) => ClusterVersion::OpenSearch1,
            (true, Some(2)) => ClusterVersion::OpenSearch2,
            (true, Some(3)) => ClusterVersion::OpenSearch3,
            _ => {
                return Err(Error::UnsupportedVersion {
                    distribution: if opensearch {
                        "OpenSearch"
                    } else {
                        "Elasticsearch"
                    },
                    number: number.to_string(),
                });
            }
        };
        Ok(ClusterInfo {
            version,
            number: number.to_string(),
            minor,
            cluster_name: None,
        })
    }

    /// Elasticsearch or OpenSearch, as the query builders name them.
    pub fn distribution(&self) -> Distribution {
        if self.version.is_opensearch() {
            Distribution::OpenSearch
        } else {
            Distribution::Elasticsearch
        }
    }

    /// How document searches page on this server (see [`Paging::for_server`]).
    pub fn paging(&self) -> Paging {
        Paging::for_server(self.distribution(), self.version.major(), self.minor)
    }

    /// The version ElastAlert2 works with: OpenSearch 1 is "7.10.2", later OpenSearch
    /// "8.2.0", Elasticsearch its own number.
    pub fn elastalert_version(&self) -> &str {
        match self.version {
            ClusterVersion::OpenSearch1 => "7.10.2",
            ClusterVersion::OpenSearch2 | ClusterVersion::OpenSearch3 => "8.2.0",
            _ => &self.number,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn detect(distribution: Option<&str>, number: &str) -> Result<ClusterVersion> {
        let mut version = json!({"number": number});
        if let Some(d) = distribution {
            version["distribution"] = json!(d);
        }
        ClusterInfo::from_root_response(&json!({"version": version})).map(|i| i.version)
    }

    #[test]
    fn versions_are_told_apart_by_distribution_and_major_number() {
        use ClusterVersion::*;
        let cases = [
            (None, "7.17.0", Elasticsearch7),
            (None, "8.12.1", Elasticsearch8),
            (None, "9.0.0-SNAPSHOT", Elasticsearch9),
            (Some("opensearch"), "1.3.7", OpenSearch1),
            (Some("opensearch"), "2.6.0", OpenSearch2),
            (Some("opensearch"), "3.0.0", OpenSearch3),
        ];
        for (distribution, number, expected) in cases {
            assert_eq!(
                detect(distribution, number).ok(),
                Some(expected),
                "{number}"
            );
        }
    }

    #[test]
    fn unsupported_versions_are_errors_that_name_them() {
        for (distribution, number) in [
            (None, "6.8.23"),
            (None, "10.0.0"),
            (Some("opensearch"), "7.10.2"),
            (None, "x"),
        ] {
            let text = detect(distribution, number)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                text.contains(number) && text.contains("unsupported"),
                "{text}"
            );
        }
        let text = ClusterInfo::from_root_response(&json!({"ok": true}))
            .err()
            .map(|e| e.to_string());
        assert!(text.unwrap_or_default().contains("version.number"));
    }

    #[test]
    fn per_version_differences_follow_elastalert2() {
        use ClusterVersion::*;
        let table = [
            (Elasticsearch7, MappingSet::V7, true),
            (Elasticsearch8, MappingSet::V8, false),
            (Elasticsearch9, MappingSet::V8, false),
            (OpenSearch1, MappingSet::V7, true),
            (OpenSearch2, MappingSet::V8, false),
            (OpenSearch3, MappingSet::V8, false),
        ];
        for (version, set, doc_type) in table {
            assert_eq!(version.mapping_set(), set, "{version:?}");
            assert_eq!(version.mapping_uses_doc_type(), doc_type, "{version:?}");
            assert!(version.hits_total_is_object());
        }
    }

    #[test]
    fn elastalert_version_maps_opensearch_as_get_version_from_cluster_info_does() {
        let info = |d: Option<&str>, n: &str| {
            let v = match d {
                Some(d) => json!({"version": {"number": n, "distribution": d}}),
                None => json!({"version": {"number": n}}),
            };
            ClusterInfo::from_root_response(&v)
                .map(|i| i.elastalert_version().to_string())
                .ok()
        };
        assert_eq!(info(Some("opensearch"), "1.3.7").as_deref(), Some("7.10.2"));
        assert_eq!(info(Some("opensearch"), "2.6.0").as_deref(), Some("8.2.0"));
        assert_eq!(info(None, "7.17.0").as_deref(), Some("7.17.0"));
    }

    #[test]
    fn paging_follows_the_query_builders_rule_for_the_detected_server() {
        let cases = [
            ("7.10.2", false, Paging::Scroll),
            ("7.17.0", false, Paging::PointInTime),
            ("8.12.1", false, Paging::PointInTime),
            ("2.6.0", true, Paging::Scroll),
        ];
        for (number, opensearch, expected) in cases {
            let distribution = if opensearch {
                json!("opensearch")
            } else {
                json!(null)
            };
            let body = json!({"version": {"number": number, "distribution": distribution}});
            let info = ClusterInfo::from_root_response(&body).ok();
            assert_eq!(info.map(|i| i.paging()), Some(expected), "{number}");
        }
    }

    #[test]
    fn the_es_version_override_is_an_elasticsearch_number() {
        let info = ClusterInfo::from_override(" 7.10.2 ").ok();
        assert_eq!(
            info.as_ref().map(|i| i.version),
            Some(ClusterVersion::Elasticsearch7)
        );
        assert_eq!(info.map(|i| i.minor), Some(10));
    }
}
