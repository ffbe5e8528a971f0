//! Response parsing (pure): search pages, totals in both shapes, counts, terms buckets and
//! aggregations, in the types rule types consume, so that a rule behaves the same on the local
//! backend and on a cluster.

mod answers;
mod events;
mod failures;
mod page;
mod total;

pub use answers::{aggregation_answer, baseline_answer, count, terms_buckets};
pub use events::events;
pub use failures::check_shard_failures;
pub use page::{Hit, SearchPage};
pub use total::{Relation, Total};
