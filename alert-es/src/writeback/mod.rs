//! ElastAlert2's writeback indices: their names and mappings, the documents stored in them,
//! and the plan of `alert create-index`. Pure: the client sends what these build.

mod create_index;
mod documents;
mod mappings;

pub use create_index::{CreateIndexPlan, IndexStep, plan_create_index};
pub use documents::{
    AlertFields, alert_document, error_document, silence_document, silence_from_document,
    status_document, status_from_document,
};
pub use mappings::{MappingGeneration, WritebackIndex, mapping};
