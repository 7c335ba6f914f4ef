//! natter: the terminal client as a library, so tests can drive `App` and `ui`.
//!
//! Data flow: the terminal event task and the network task (`net`) send
//! [`event::AppEvent`]s into one channel; the run loop (`terminal`) applies
//! them with [`app::App::update`], performs the returned [`event::Effect`]s
//! and draws with [`ui::draw`].

pub mod app;
pub mod cli;
pub mod config;
pub mod event;
pub mod net;
pub mod terminal;
pub mod text;
pub mod ui;
