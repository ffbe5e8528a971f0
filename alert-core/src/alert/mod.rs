//! What rules produce: matches (and, with the engine issue, alerts and their states).

mod rule_match;

pub use rule_match::Match;
