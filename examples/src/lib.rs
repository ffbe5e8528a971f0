//! Runnable examples of `alert`, each a file under `examples/` run with
//! `cargo run -p alert-examples --example NAME`.
//!
//! * `offline_test_rule`: load the quickstart config and a rule, run it over the quickstart logs
//!   in process, and print the matches: what `alert test-rule` does, as a library call.
