//! ElastAlert2's writeback indices: their names and mappings, the documents stored in them,
//! the plan of `alert create-index`, and [`EsStateStore`], the engine's state kept in them.

mod alert_head;
mod create_index;
mod create_index_run;
mod documents;
mod ids;
mod mappings;
mod queries;
mod store;
mod store_docs;
mod store_io;

pub use alert_head::{AlertHead, Delivery};
pub use create_index::{CreateIndexPlan, IndexStep, plan_create_index};
pub use create_index_run::{CreateIndexOptions, create_index};
pub use documents::{
    AlertFields, alert_document, error_document, silence_document, silence_from_document,
    status_document, status_from_document,
};
pub use ids::{
    alert_doc_id, alert_id_from_doc_id, alert_id_of, child_doc_id, outbox_id, position_doc_id,
    silence_doc_id, split_outbox_id,
};
pub use mappings::{MappingGeneration, WritebackIndex, mapping};
pub use queries::{
    children_query, heads_query, pending_deliveries_query, pending_work_query, silence_key_query,
    silences_query, status_query,
};
pub use store::EsStateStore;
