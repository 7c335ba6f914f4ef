//! natterd binary.
fn main() {}
