//! Time in ElastAlert2's terms: instants, durations in both spellings, and timestamp formats;
//! data time ([`Timestamp`]) and wall time ([`WallTime`]) are different types (DESIGN § Time).
//!
//! Everything is microseconds since the Unix epoch in an `i64`, the resolution Python's
//! `datetime` has, so arithmetic is exact and a window entry stays small.

mod duration;
mod format;
mod timestamp;
mod wall;

pub use duration::Duration;
pub use format::TimestampType;
pub use timestamp::Timestamp;
pub use wall::WallTime;
