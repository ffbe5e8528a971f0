//! Rules and matches for unit tests: alert-core's fixtures (its `testing` feature).

pub(crate) use alert_core::testing::{a_match, rule};
