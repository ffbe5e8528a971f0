//! Hash maps and sets for the evaluators' hot paths: foldhash instead of std's SipHash.
//!
//! The rule types hash a term or a key for nearly every document, and SipHash was most of the
//! time of `new_term` and `cardinality` in profiles. foldhash is seeded per process, so a log
//! cannot be crafted in advance to collide (it is not a cryptographic defence, nor needs to be:
//! the worst case is a slower rule).

/// A `HashMap` with foldhash; build it with `FastMap::default()`.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A `HashSet` with foldhash; build it with `FastSet::default()`.
pub(crate) type FastSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
