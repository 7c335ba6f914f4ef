//! Formatting tests.
