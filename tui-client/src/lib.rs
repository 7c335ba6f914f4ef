//! natter: the terminal client as a library, so tests can drive `App` and `ui`.
//!
//! Data flow: the terminal event task and the network tasks (`net`) send
//! [`event::AppEvent`]s into two channels (input, network); the run loop
//! (`terminal`) applies them with [`app::App::update`], terminal input
//! first, performs the returned [`event::Effect`]s and draws with
//! [`ui::draw`] at most once per frame budget (`redraw` decides when).
//!
//! Layers, lowest first (a module imports only those below it): `links`, `text`,
//! `theme`, `settings`, `event` (plain data), `redraw` (frame pacing) → `chat` (the model fed by IRC)
//! → `geometry` (screen areas, line heights, hit-testing) → `view` (input,
//! overlays, completion, the key table) → `app` (update: events to effects)
//! → `ui` (drawing). `net`, `connections`, `terminal`, `hyperlinks`, `opener` and `cli` are
//! the I/O edges.

pub mod app;
pub mod chat;
pub mod cli;
pub mod config;
pub mod connections;
pub mod discovery;
pub mod event;
pub mod geometry;
pub mod hyperlinks;
pub mod links;
pub mod logging;
pub mod net;
pub mod opener;
pub mod redraw;
pub mod settings;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod ui;
pub mod view;
