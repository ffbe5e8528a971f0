//! `alert create-index` against a cluster: detect the version, see which writeback indices
//! exist, and send the plan's requests, saying what happens in ElastAlert2's words.

use super::create_index::{CreateIndexPlan, IndexStep, plan_create_index};
use super::mappings::{MappingGeneration, WritebackIndex};
use crate::client::{EsClient, EsRequest};
use crate::{Error, Result};

/// What to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateIndexOptions {
    /// The base name (`writeback_index`, `--index`).
    pub writeback_index: String,
    /// `--old-index`: copy this alerts index into the new one.
    pub old_index: Option<String>,
    /// `--recreate`: delete and re-create even when the alerts index exists.
    pub recreate: bool,
}

/// Creates the writeback indices as `elastalert-create-index` does; `say` receives each of
/// ElastAlert2's messages ("New index wb created", "Done!", ...).
pub async fn create_index(
    client: &EsClient,
    options: &CreateIndexOptions,
    say: &mut (dyn FnMut(&str) + Send),
) -> Result<()> {
    let info = client.cluster_info().await?;
    let generation =
        MappingGeneration::of_server(info.version.major(), info.version.is_opensearch())
            .ok_or_else(|| Error::UnsupportedVersion {
                distribution: if info.version.is_opensearch() {
                    "OpenSearch"
                } else {
                    "Elasticsearch"
                },
                number: info.number.clone(),
            })?;
    let mut existing = Vec::new();
    for index in WritebackIndex::ALL {
        let name = index.name(&options.writeback_index);
        if index_exists(client, &name).await? {
            existing.push(name);
        }
    }
    let plan = plan_create_index(
        &options.writeback_index,
        generation,
        options.recreate,
        options.old_index.as_deref(),
        &|name| existing.iter().any(|e| e == name),
    );
    let steps = match plan {
        CreateIndexPlan::AlreadyExists(name) => {
            say(&format!(
                "Index {name} already exists. Skipping index creation."
            ));
            return Ok(());
        }
        CreateIndexPlan::Steps(steps) => steps,
    };
    for step in &steps {
        match step {
            IndexStep::Delete(name) => say(&format!("Deleting index {name}.")),
            IndexStep::Reindex { from, to } => {
                say(&format!("New index {to} created"));
                say(&format!(
                    "Copying all data from old index '{from}' to new index '{to}'"
                ));
            }
            IndexStep::Create { .. } => {}
        }
        send_step(client, step).await?;
    }
    if options.old_index.is_none() {
        say(&format!(
            "New index {} created",
            WritebackIndex::Alerts.name(&options.writeback_index)
        ));
    }
    say("Done!");
    Ok(())
}

async fn index_exists(client: &EsClient, name: &str) -> Result<bool> {
    match client.send(&EsRequest::head(format!("/{name}"))).await {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e),
    }
}

async fn send_step(client: &EsClient, step: &IndexStep) -> Result<()> {
    let (method, path, body) = step.request();
    let mut request = match method {
        "DELETE" => EsRequest::delete(path),
        "PUT" => EsRequest::put(path),
        _ => EsRequest::post(path),
    };
    if let Some(body) = body {
        request = request.json(body);
    }
    match client.send(&request).await {
        // ElastAlert2: "Why does this ever occur?? It shouldn't. But it does."
        Err(e) if method == "DELETE" && e.is_not_found() => Ok(()),
        other => other.map(drop),
    }
}
