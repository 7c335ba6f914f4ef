//! The run loop: sets the terminal up (and always back), starts the
//! terminal-event, tick and network tasks feeding one app channel, applies
//! events in batches, runs effects and draws once per batch after a change.

use std::io::{Write, stdout};
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, Event, EventStream, MouseEventKind,
};
use crossterm::execute;
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use crate::app::{App, Settings};
use crate::event::{AppEvent, Effect};
use crate::net::{self, NetCommand, NetConfig};
use crate::ui::{self, LinkArea};

/// Capacity of the app event channel.
const APP_CHANNEL: usize = 1024;
/// Capacity of the outgoing command channel.
const NET_CHANNEL: usize = 512;
/// Most events applied before a draw.
const MAX_BATCH: usize = 512;

/// Runs natter in the terminal until the user quits.
pub async fn run(settings: Settings, net_config: NetConfig) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init()?;
    install_panic_hook();
    let result = match execute!(
        stdout(),
        EnableMouseCapture,
        EnableBracketedPaste,
        EnableFocusChange
    ) {
        Ok(()) => event_loop(&mut terminal, settings, net_config).await,
        Err(error) => Err(error.into()),
    };
    restore_terminal();
    result
}

/// Undoes everything `run` did to the terminal.
fn restore_terminal() {
    let _ = execute!(
        stdout(),
        DisableFocusChange,
        DisableBracketedPaste,
        DisableMouseCapture
    );
    ratatui::restore();
}

/// Wraps ratatui's panic hook (which leaves raw mode and the alternate
/// screen) so mouse capture and bracketed paste are switched off too. A
/// panic in any task ends the program: carrying on would draw over a
/// terminal that was just handed back to the shell.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableBracketedPaste, DisableMouseCapture);
        previous(info);
        std::process::exit(101);
    }));
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    settings: Settings,
    net_config: NetConfig,
) -> anyhow::Result<()> {
    let (app_tx, mut app_rx) = mpsc::channel::<AppEvent>(APP_CHANNEL);
    let (net_tx, net_rx) = mpsc::channel::<NetCommand>(NET_CHANNEL);
    let size = terminal.size()?;
    let mut app = App::new(settings, (size.width, size.height), Utc::now());
    let _ = app.update(AppEvent::Tick(Utc::now()));

    let mut terminal_task = tokio::spawn(terminal_events(app_tx.clone()));
    let tick_task = tokio::spawn(ticks(app_tx.clone()));
    let net_task = tokio::spawn(net::run(net_config, app_tx.clone(), net_rx));
    drop(app_tx);
    let mut stop_signal = StopSignal::new();

    let mut shown_links: Vec<LinkArea> = Vec::new();
    draw(terminal, &app, &mut shown_links)?;
    let mut quit_reason: Option<String> = None;
    while quit_reason.is_none() {
        let first = tokio::select! {
            event = app_rx.recv() => event,
            () = stop_signal.recv() => {
                quit_reason = Some("natter was stopped".to_owned());
                break;
            }
            _ = &mut terminal_task => {
                quit_reason = Some("terminal closed".to_owned());
                break;
            }
        };
        let Some(first) = first else { break };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match app_rx.try_recv() {
                Ok(event) => batch.push(event),
                Err(_) => break,
            }
        }
        let mut effects = Vec::new();
        for event in batch {
            effects.extend(app.update(event));
        }
        quit_reason = run_effects(&mut app, effects, terminal, &net_tx)?;
        if app.take_needs_redraw() {
            draw(terminal, &app, &mut shown_links)?;
        }
    }
    if let Some(reason) = quit_reason {
        let _ = net_tx.send(NetCommand::Quit(reason)).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), net_task).await;
    }
    terminal_task.abort();
    tick_task.abort();
    Ok(())
}

/// Draws a frame, then makes its links hyperlinks (OSC 8) and unlinks the
/// cells of links that left the screen.
fn draw(
    terminal: &mut DefaultTerminal,
    app: &App,
    shown_links: &mut Vec<LinkArea>,
) -> anyhow::Result<()> {
    let mut links = Vec::new();
    let frame = terminal.draw(|frame| links = ui::draw_linked(app, frame))?;
    if links.is_empty() && shown_links.is_empty() {
        return Ok(());
    }
    let buffer = frame.buffer.clone();
    crate::hyperlinks::emit(terminal.backend_mut(), &buffer, &links, shown_links)?;
    *shown_links = links;
    Ok(())
}

/// Performs effects; returns the quit reason when one asked to quit.
fn run_effects(
    app: &mut App,
    effects: Vec<Effect>,
    terminal: &mut DefaultTerminal,
    net_tx: &mpsc::Sender<NetCommand>,
) -> anyhow::Result<Option<String>> {
    let mut quit_reason = None;
    let mut dropped = 0;
    for effect in effects {
        match effect {
            Effect::Send(message) => {
                if net_tx.try_send(NetCommand::Send(message)).is_err() {
                    dropped += 1;
                }
            }
            Effect::SetNick(nick) => {
                let _ = net_tx.try_send(NetCommand::SetNick(nick));
            }
            Effect::SaveIgnores(masks) => {
                if let Some(path) = &app.chat.settings.ignore_file
                    && let Err(error) = crate::config::save_ignores(path, &masks)
                {
                    let path = path.display().to_string();
                    app.error(format!("Could not save the ignore list to {path}: {error}"));
                }
            }
            Effect::OpenLink(link) => {
                if let Err(error) = crate::opener::open(&app.chat.settings.opener, &link) {
                    app.error(format!("Could not open the link: {error}"));
                }
            }
            Effect::Reconnect => {
                let _ = net_tx.try_send(NetCommand::Reconnect);
            }
            Effect::TrustCertificate {
                fingerprint,
                remember,
            } => {
                let _ = net_tx.try_send(NetCommand::Trust {
                    fingerprint,
                    remember,
                });
            }
            Effect::Bell => {
                let mut out = stdout();
                let _ = out.write_all(b"\x07").and_then(|()| out.flush());
            }
            Effect::Notify { title, body } => {
                let mut out = stdout();
                let bytes = crate::text::desktop_notification(&title, &body);
                let _ = out.write_all(bytes.as_bytes()).and_then(|()| out.flush());
            }
            // App turns alerts into the effects above before they get here.
            Effect::Alert { .. } => {}
            Effect::Redraw => terminal.clear()?,
            Effect::Quit(reason) => quit_reason = Some(reason),
        }
    }
    if dropped > 0 {
        tracing::warn!(dropped, "outgoing queue full: lines not sent");
        app.error(format!(
            "Too much is waiting to be sent: {dropped} line(s) were not sent. Wait a moment and try again."
        ));
    }
    Ok(quit_reason)
}

/// Forwards terminal input; mouse motion is dropped (nothing uses it).
async fn terminal_events(app: mpsc::Sender<AppEvent>) {
    let mut events = EventStream::new();
    while let Some(event) = events.next().await {
        let event = match event {
            Ok(Event::Key(key)) => AppEvent::Key(key),
            Ok(Event::Mouse(mouse)) => match mouse.kind {
                MouseEventKind::Moved | MouseEventKind::Drag(_) => continue,
                _ => AppEvent::Mouse(mouse),
            },
            Ok(Event::Paste(text)) => AppEvent::Paste(text),
            Ok(Event::Resize(width, height)) => AppEvent::Resize { width, height },
            Ok(Event::FocusGained) => AppEvent::Focus(true),
            Ok(Event::FocusLost) => AppEvent::Focus(false),
            Err(_) => break,
        };
        if app.send(event).await.is_err() {
            break;
        }
    }
}

/// A tick a second: the clock, retry countdowns and lag probes.
async fn ticks(app: mpsc::Sender<AppEvent>) {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    loop {
        interval.tick().await;
        if app.send(AppEvent::Tick(Utc::now())).await.is_err() {
            break;
        }
    }
}

/// SIGTERM and SIGHUP (terminal closed) end natter cleanly.
struct StopSignal {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignal {
    fn new() -> StopSignal {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = signal(SignalKind::terminate())
                .and_then(|term| Ok((term, signal(SignalKind::hangup())?)))
                .ok();
            StopSignal { signals }
        }
        #[cfg(not(unix))]
        {
            StopSignal {}
        }
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some((term, hangup)) = &mut self.signals {
            tokio::select! {
                _ = term.recv() => return,
                _ = hangup.recv() => return,
            }
        }
        std::future::pending::<()>().await;
    }
}
