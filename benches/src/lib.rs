//! Deterministic test data for the benchmarks of `alert`.
//!
//! [`LogGenerator`] produces web-access and sshd-auth documents like the conformance data,
//! from a seed, so every benchmark run sees the same input; [`fixtures`] turns them into the
//! events, rules and query segments the rule-type benchmarks feed; [`fleet`] generates the
//! thousands of rules and the minutes of documents the engine benchmarks run.
//!
//! ```
//! use alert_benches::LogGenerator;
//! let mut a = LogGenerator::new(7);
//! let mut b = LogGenerator::new(7);
//! assert_eq!(a.next_document(), b.next_document());
//! ```

pub mod fixtures;
pub mod fleet;
mod generator;

pub use generator::{LogGenerator, SplitMix64};
