//! The mappings of ElastAlert2's five writeback indices, per server generation.
//!
//! Kibana dashboards and saved searches over an existing ElastAlert2 deployment rely on these
//! field types (`rule_name` keyword, dates, `match_body` stored but not indexed), so they are
//! reproduced field for field from ElastAlert2's `es_mappings/{7,8}/*.json`.

use serde_json::{Value, json};

/// The writeback indices, each named `<writeback_index><suffix>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritebackIndex {
    /// Alerts, one document per match (`<wb>`).
    Alerts,
    /// Rule run status, the resume point (`<wb>_status`).
    Status,
    /// Silences (`<wb>_silence`).
    Silence,
    /// Errors (`<wb>_error`).
    Error,
    /// Created and never written (`<wb>_past`), kept because ElastAlert2 creates it.
    Past,
}

impl WritebackIndex {
    /// All five, in the order `elastalert-create-index` creates them.
    pub const ALL: [WritebackIndex; 5] = [
        WritebackIndex::Alerts,
        WritebackIndex::Status,
        WritebackIndex::Silence,
        WritebackIndex::Error,
        WritebackIndex::Past,
    ];

    /// The index name for a `writeback_index` prefix.
    ///
    /// ```
    /// use alert_es::writeback::WritebackIndex;
    /// assert_eq!(WritebackIndex::Silence.name("elastalert_status"), "elastalert_status_silence");
    /// assert_eq!(WritebackIndex::Alerts.name("elastalert_status"), "elastalert_status");
    /// ```
    pub fn name(self, writeback_index: &str) -> String {
        let suffix = match self {
            WritebackIndex::Alerts => "",
            WritebackIndex::Status => "_status",
            WritebackIndex::Silence => "_silence",
            WritebackIndex::Error => "_error",
            WritebackIndex::Past => "_past",
        };
        format!("{writeback_index}{suffix}")
    }
}

/// Which of ElastAlert2's two mapping sets a server takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingGeneration {
    /// Elasticsearch 7 and OpenSearch 1 (ElastAlert2 treats it as 7.10.2): camel-case date
    /// format, mappings put under type `_doc` with `include_type_name`.
    Es7,
    /// Elasticsearch 8 and later, OpenSearch 2 and later (ElastAlert2 treats it as 8.2.0).
    Es8,
}

impl MappingGeneration {
    /// The generation of a server, from its major version and distribution, as ElastAlert2's
    /// `get_version_from_cluster_info` and `create_index_mappings` decide it; `None` for
    /// Elasticsearch 6 and older, which ElastAlert2 refuses.
    ///
    /// ```
    /// use alert_es::writeback::MappingGeneration;
    /// assert_eq!(MappingGeneration::of_server(1, true), Some(MappingGeneration::Es7));
    /// assert_eq!(MappingGeneration::of_server(2, true), Some(MappingGeneration::Es8));
    /// assert_eq!(MappingGeneration::of_server(6, false), None);
    /// ```
    pub fn of_server(major: u32, opensearch: bool) -> Option<MappingGeneration> {
        match (opensearch, major) {
            (true, 1) => Some(MappingGeneration::Es7),
            (true, _) => Some(MappingGeneration::Es8),
            (false, 7) => Some(MappingGeneration::Es7),
            (false, m) if m >= 8 => Some(MappingGeneration::Es8),
            (false, _) => None,
        }
    }

    fn date_format(self) -> &'static str {
        match self {
            MappingGeneration::Es7 => "dateOptionalTime",
            MappingGeneration::Es8 => "date_optional_time",
        }
    }
}

/// The mapping body of one writeback index, as ElastAlert2 puts it.
///
/// ```
/// use alert_es::writeback::{MappingGeneration, WritebackIndex, mapping};
/// let m = mapping(WritebackIndex::Silence, MappingGeneration::Es8);
/// assert_eq!(m["properties"]["until"]["format"], "date_optional_time");
/// ```
pub fn mapping(index: WritebackIndex, generation: MappingGeneration) -> Value {
    let date = json!({"type": "date", "format": generation.date_format()});
    let keyword = json!({"type": "keyword"});
    // ElastAlert2's files spell `enabled` as the string "false"; the servers accept both.
    let stored_only = json!({"type": "object", "enabled": "false"});
    match index {
        WritebackIndex::Alerts => json!({
            "numeric_detection": true,
            "date_detection": false,
            "dynamic_templates": [{"strings_as_keyword": {
                "mapping": {"ignore_above": 1024, "type": "keyword"},
                "match_mapping_type": "string",
            }}],
            "properties": {
                "rule_name": keyword,
                "@timestamp": date,
                "alert_time": date,
                "match_time": date,
                "match_body": stored_only,
                "aggregate_id": keyword,
            },
        }),
        WritebackIndex::Status => json!({"properties": {"rule_name": keyword, "@timestamp": date}}),
        WritebackIndex::Silence => json!({
            "properties": {"rule_name": keyword, "until": date, "@timestamp": date},
        }),
        WritebackIndex::Error => json!({"properties": {"data": stored_only, "@timestamp": date}}),
        WritebackIndex::Past => json!({
            "properties": {
                "rule_name": keyword,
                "match_body": stored_only,
                "@timestamp": date,
                "aggregate_id": keyword,
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ElastAlert2 2.x `elastalert/es_mappings/8/elastalert.json`, keys as in the file.
    const ES8_ALERTS: &str = r#"{"numeric_detection": true, "date_detection": false,
        "dynamic_templates": [{"strings_as_keyword": {"mapping": {"ignore_above": 1024,
        "type": "keyword"}, "match_mapping_type": "string"}}], "properties": {"rule_name":
        {"type": "keyword"}, "@timestamp": {"type": "date", "format": "date_optional_time"},
        "alert_time": {"type": "date", "format": "date_optional_time"}, "match_time": {"type":
        "date", "format": "date_optional_time"}, "match_body": {"enabled": "false", "type":
        "object"}, "aggregate_id": {"type": "keyword"}}}"#;

    /// ElastAlert2 2.x `elastalert/es_mappings/7/past_elastalert.json`.
    const ES7_PAST: &str = r#"{"properties": {"rule_name": {"type": "keyword"}, "match_body":
        {"type": "object", "enabled": "false"}, "@timestamp": {"type": "date", "format":
        "dateOptionalTime"}, "aggregate_id": {"type": "keyword"}}}"#;

    #[test]
    fn mappings_equal_elastalert2_files() {
        let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        let cases = [
            (
                WritebackIndex::Alerts,
                MappingGeneration::Es8,
                parse(ES8_ALERTS),
            ),
            (
                WritebackIndex::Past,
                MappingGeneration::Es7,
                parse(ES7_PAST),
            ),
        ];
        for (index, generation, expected) in cases {
            assert_eq!(
                mapping(index, generation),
                expected,
                "{index:?} {generation:?}"
            );
        }
    }

    #[test]
    fn every_date_field_uses_the_generation_date_format() {
        for generation in [MappingGeneration::Es7, MappingGeneration::Es8] {
            for index in WritebackIndex::ALL {
                let m = mapping(index, generation);
                let dates: Vec<&Value> = m["properties"]
                    .as_object()
                    .unwrap()
                    .values()
                    .filter(|p| p["type"] == "date")
                    .collect();
                assert!(!dates.is_empty(), "{index:?} has @timestamp");
                for d in dates {
                    assert_eq!(d["format"], generation.date_format());
                }
            }
        }
    }

    #[test]
    fn server_generations_follow_elastalert2() {
        let cases = [
            (7, false, Some(MappingGeneration::Es7)),
            (8, false, Some(MappingGeneration::Es8)),
            (9, false, Some(MappingGeneration::Es8)),
            (6, false, None),
            (1, true, Some(MappingGeneration::Es7)),
            (2, true, Some(MappingGeneration::Es8)),
            (3, true, Some(MappingGeneration::Es8)),
        ];
        for (major, opensearch, expected) in cases {
            assert_eq!(MappingGeneration::of_server(major, opensearch), expected);
        }
    }
}
