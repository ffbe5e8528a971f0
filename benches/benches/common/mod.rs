//! Code shared by several bench targets (each includes it with `mod common;`).

pub(crate) mod counting;
