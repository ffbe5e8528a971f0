//! What `alert create-index` does to a cluster, decided without touching it.
//!
//! ElastAlert2's `elastalert-create-index` skips everything when the alerts index exists (unless
//! `--recreate`), otherwise deletes and re-creates all five writeback indices, puts their
//! mappings and, with `--old-index`, copies the old alerts index over. Here each index is created
//! with its mappings in one request, which leaves the same indices without ElastAlert2's
//! two-second wait between creating an index and putting its mapping.

use serde_json::{Value, json};

use super::mappings::{MappingGeneration, WritebackIndex, mapping};

/// One request of a create-index run.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexStep {
    /// `DELETE /<index>` (the index exists and `--recreate` was given).
    Delete(String),
    /// `PUT /<index>` with its mappings.
    Create {
        /// The index name.
        index: String,
        /// `{"mappings": ...}`.
        body: Value,
    },
    /// `POST /_reindex` from the old alerts index into the new one (`--old-index`).
    Reindex {
        /// The old alerts index.
        from: String,
        /// The new alerts index.
        to: String,
    },
}

impl IndexStep {
    /// The HTTP method, path and body of the step.
    ///
    /// ```
    /// use alert_es::writeback::IndexStep;
    /// let (method, path, body) = IndexStep::Delete("wb_status".into()).request();
    /// assert_eq!((method, path.as_str(), body), ("DELETE", "/wb_status", None));
    /// ```
    pub fn request(&self) -> (&'static str, String, Option<Value>) {
        match self {
            IndexStep::Delete(index) => ("DELETE", format!("/{index}"), None),
            IndexStep::Create { index, body } => ("PUT", format!("/{index}"), Some(body.clone())),
            IndexStep::Reindex { from, to } => (
                "POST",
                "/_reindex?wait_for_completion=true".into(),
                Some(json!({"source": {"index": from}, "dest": {"index": to}})),
            ),
        }
    }
}

/// The outcome of planning.
#[derive(Debug, Clone, PartialEq)]
pub enum CreateIndexPlan {
    /// The alerts index exists and `--recreate` was not given: nothing to do (ElastAlert2
    /// prints "Index <name> already exists. Skipping index creation.").
    AlreadyExists(String),
    /// The requests to send, in order.
    Steps(Vec<IndexStep>),
}

/// Plans a create-index run over a cluster where `exists(name)` says which indices exist.
///
/// ```
/// use alert_es::writeback::{CreateIndexPlan, MappingGeneration, plan_create_index};
/// let plan = plan_create_index("wb", MappingGeneration::Es8, false, None, &|_| false);
/// let CreateIndexPlan::Steps(steps) = plan else { panic!() };
/// assert_eq!(steps.len(), 5);
/// ```
pub fn plan_create_index(
    writeback_index: &str,
    generation: MappingGeneration,
    recreate: bool,
    old_index: Option<&str>,
    exists: &dyn Fn(&str) -> bool,
) -> CreateIndexPlan {
    let alerts = WritebackIndex::Alerts.name(writeback_index);
    if !recreate && exists(&alerts) {
        return CreateIndexPlan::AlreadyExists(alerts);
    }
    let mut steps = Vec::new();
    for index in WritebackIndex::ALL {
        let name = index.name(writeback_index);
        if exists(&name) {
            steps.push(IndexStep::Delete(name.clone()));
        }
        steps.push(IndexStep::Create {
            index: name,
            body: json!({"mappings": mapping(index, generation)}),
        });
    }
    if let Some(from) = old_index {
        steps.push(IndexStep::Reindex {
            from: from.to_string(),
            to: alerts,
        });
    }
    CreateIndexPlan::Steps(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step_names(plan: &CreateIndexPlan) -> Vec<String> {
        let CreateIndexPlan::Steps(steps) = plan else {
            return vec![format!("{plan:?}")];
        };
        steps
            .iter()
            .map(|s| {
                let (method, path, _) = s.request();
                format!("{method} {path}")
            })
            .collect()
    }

    #[test]
    fn an_empty_cluster_gets_the_five_indices_elastalert2_creates() {
        let plan = plan_create_index(
            "elastalert_status",
            MappingGeneration::Es8,
            false,
            None,
            &|_| false,
        );
        assert_eq!(
            step_names(&plan),
            [
                "PUT /elastalert_status",
                "PUT /elastalert_status_status",
                "PUT /elastalert_status_silence",
                "PUT /elastalert_status_error",
                "PUT /elastalert_status_past",
            ]
        );
    }

    #[test]
    fn an_existing_alerts_index_is_kept_unless_recreate() {
        let exists = |name: &str| name == "wb" || name == "wb_error";
        assert_eq!(
            plan_create_index("wb", MappingGeneration::Es7, false, None, &exists),
            CreateIndexPlan::AlreadyExists("wb".into())
        );
        let plan = plan_create_index("wb", MappingGeneration::Es7, true, Some("old"), &exists);
        assert_eq!(
            step_names(&plan),
            [
                "DELETE /wb",
                "PUT /wb",
                "PUT /wb_status",
                "PUT /wb_silence",
                "DELETE /wb_error",
                "PUT /wb_error",
                "PUT /wb_past",
                "POST /_reindex?wait_for_completion=true",
            ]
        );
    }

    #[test]
    fn created_indices_carry_their_mappings_and_reindex_copies_the_old_alerts() {
        let plan = plan_create_index("wb", MappingGeneration::Es7, false, Some("old"), &|_| false);
        let CreateIndexPlan::Steps(steps) = plan else {
            panic!("expected steps");
        };
        let (_, _, body) = steps[2].request();
        assert_eq!(
            body.unwrap()["mappings"],
            mapping(WritebackIndex::Silence, MappingGeneration::Es7)
        );
        let (_, _, body) = steps[5].request();
        assert_eq!(
            body.unwrap(),
            json!({"source": {"index": "old"}, "dest": {"index": "wb"}})
        );
    }
}
