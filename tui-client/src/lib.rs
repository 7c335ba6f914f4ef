//! natter: the terminal client as a library, so tests can drive App and ui.
