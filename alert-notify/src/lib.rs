//! Notifiers for `alert`: one folder per notifier with its config, a pure payload function and
//! the send.
//!
//! This crate is being built; today it holds only its error type.

mod error;

pub use error::{Error, Result};
