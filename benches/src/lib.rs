//! Deterministic test data for the benchmarks of `alert`.
//!
//! [`LogGenerator`] produces web-access and sshd-auth documents like the conformance data,
//! from a seed, so every benchmark run sees the same input; [`fixtures`] turns them into the
//! events, rules and query segments the rule-type benchmarks feed.
//!
//! ```
//! use alert_benches::LogGenerator;
//! let mut a = LogGenerator::new(7);
//! let mut b = LogGenerator::new(7);
//! assert_eq!(a.next_document(), b.next_document());
//! ```

pub mod fixtures;
mod generator;

pub use generator::{LogGenerator, SplitMix64};
