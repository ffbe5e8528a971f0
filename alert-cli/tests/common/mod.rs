//! Helpers shared by the binary's test files.

pub(crate) mod conformance;
