//! Message parsing and serialization tests.
