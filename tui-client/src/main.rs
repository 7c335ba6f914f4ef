//! natter binary.
fn main() {}
