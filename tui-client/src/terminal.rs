//! The run loop: sets the terminal up (and always back), starts the
//! terminal-event task (its own input channel) and the tick and network
//! tasks (the app channel), applies events in batches, terminal input
//! first, runs effects, and draws at most once per frame budget after a
//! change (`redraw` decides when; this file only waits and draws).

use std::collections::VecDeque;
use std::io::{Write, stdout};
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, Event, EventStream, MouseEventKind,
};
use crossterm::execute;
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use crate::app::picker::Choice;
use crate::app::{App, Settings};
use crate::connections::Connections;
use crate::event::{AppEvent, Effect, NetEvent, NetworkId};
use crate::net::{NetCommand, NetConfig};
use crate::redraw::{self, Arrival, Frame, FrameClock, Pending};
use crate::ui::{self, LinkArea};

/// Capacity of the app event channel (network events and ticks).
const APP_CHANNEL: usize = 1024;
/// Capacity of the terminal input channel: keys never queue behind
/// network lines.
const INPUT_CHANNEL: usize = 256;

/// Runs natter in the terminal until the user quits. With `pick` (several
/// servers found on the LAN) the first network connects only once the user
/// has chosen one of them on screen.
pub async fn run(
    settings: Settings,
    net_config: NetConfig,
    pick: Vec<Choice>,
) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init()?;
    install_panic_hook();
    let result = match execute!(
        stdout(),
        EnableMouseCapture,
        EnableBracketedPaste,
        EnableFocusChange
    ) {
        Ok(()) => event_loop(&mut terminal, settings, net_config, pick).await,
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
    pick: Vec<Choice>,
) -> anyhow::Result<()> {
    let (app_tx, mut app_rx) = mpsc::channel::<AppEvent>(APP_CHANNEL);
    let size = terminal.size()?;
    let mut app = App::new(settings, (size.width, size.height), Utc::now());
    let mut connections = Connections::new(app_tx.clone());
    if pick.is_empty() {
        connections.start(NetworkId::FIRST, net_config.clone());
    }
    for address in app.chat.settings.servers.clone() {
        app.open_network(&address);
    }
    app.show_network(NetworkId::FIRST);
    if !pick.is_empty() {
        app.pick_server(pick);
    }
    let effects = app.update(AppEvent::Tick(Utc::now()));
    let mut quit_reason = run_effects(&mut app, effects, terminal, &mut connections, &net_config)?;

    let (input_tx, mut input_rx) = mpsc::channel::<AppEvent>(INPUT_CHANNEL);
    let mut terminal_task = tokio::spawn(terminal_events(input_tx));
    let tick_task = tokio::spawn(ticks(app_tx.clone()));
    drop(app_tx);
    let mut stop_signal = StopSignal::new();

    let mut shown_links: Vec<LinkArea> = Vec::new();
    let mut clock = FrameClock::new(redraw::FRAME_BUDGET);
    app.take_needs_redraw();
    clock.drawn(Instant::now());
    draw(terminal, &app, &mut shown_links)?;
    let mut next_frame: Option<Instant> = None;
    while quit_reason.is_none() {
        let frame_due = async {
            match next_frame {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        let first = tokio::select! {
            biased;
            () = stop_signal.recv() => {
                quit_reason = Some("natter was stopped".to_owned());
                break;
            }
            _ = &mut terminal_task => {
                quit_reason = Some("terminal closed".to_owned());
                break;
            }
            Some(event) = input_rx.recv() => Arrival::Input(event),
            event = app_rx.recv() => match event {
                Some(event) => Arrival::Net(event),
                None => break,
            },
            () = frame_due => Arrival::FrameDue,
        };
        // Effects run after each event: a plain network effect goes to the
        // network visible at that moment.
        for event in redraw::gather(first, &mut input_rx, &mut app_rx) {
            let effects = app.update(event);
            quit_reason = run_effects(&mut app, effects, terminal, &mut connections, &net_config)?;
            if quit_reason.is_some() {
                break;
            }
        }
        let changed = app.take_needs_redraw();
        let more_pending = !input_rx.is_idle() || !app_rx.is_idle();
        next_frame = None;
        match clock.after_batch(Instant::now(), changed, more_pending) {
            Frame::Idle => {}
            Frame::At(at) => next_frame = Some(at),
            Frame::Draw => draw(terminal, &app, &mut shown_links)?,
        }
    }
    connections
        .quit_all(quit_reason.as_deref().unwrap_or("natter"))
        .await;
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
    connections: &mut Connections,
    first_config: &NetConfig,
) -> anyhow::Result<Option<String>> {
    let mut quit_reason = None;
    let mut dropped = 0;
    let mut queue: VecDeque<(NetworkId, Effect)> =
        effects.into_iter().map(|e| (app.network, e)).collect();
    while let Some((network, effect)) = queue.pop_front() {
        match effect {
            Effect::Network { network, effect } => queue.push_front((network, *effect)),
            Effect::Send(message) => {
                if !connections.send(network, NetCommand::Send(message)) {
                    dropped += 1;
                }
            }
            Effect::SetNick(nick) => {
                connections.send(network, NetCommand::SetNick(nick));
            }
            Effect::StartNetwork { network, address } => {
                let config = crate::cli::net_config_for(first_config, &address);
                start_network(app, connections, &mut queue, network, config);
            }
            Effect::StopNetwork { network, reason } => connections.stop(network, reason),
            Effect::ConnectFirst { address } => {
                let config = crate::cli::retarget(first_config, &address);
                start_network(app, connections, &mut queue, NetworkId::FIRST, config);
            }
            // App turns these into the two above before they get here.
            Effect::OpenNetwork { .. } | Effect::CloseNetwork { .. } => {}
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
                connections.send(network, NetCommand::Reconnect);
            }
            Effect::TrustCertificate {
                fingerprint,
                remember,
            } => {
                connections.send(
                    network,
                    NetCommand::Trust {
                        fingerprint,
                        remember,
                    },
                );
            }
            Effect::Bell => write_to_terminal(b"\x07"),
            Effect::Notify { title, body } => {
                write_to_terminal(crate::text::desktop_notification(&title, &body).as_bytes());
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

/// Starts `network` with `config`, or when there is none (a bad address)
/// tells the app, queueing what it answers.
fn start_network(
    app: &mut App,
    connections: &mut Connections,
    queue: &mut VecDeque<(NetworkId, Effect)>,
    network: NetworkId,
    config: Result<NetConfig, String>,
) {
    match config {
        Ok(config) => connections.start(network, config),
        Err(reason) => {
            let event = NetEvent::Failed { reason };
            let more = app.update(AppEvent::NetOf { network, event });
            queue.extend(more.into_iter().map(|e| (app.network, e)));
        }
    }
}

/// Writes a control sequence (bell, notification) straight to the terminal;
/// a failure changes nothing on screen, so it is ignored.
fn write_to_terminal(bytes: &[u8]) {
    let mut out = stdout();
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}

/// Forwards terminal input to the loop's input channel; mouse motion is
/// dropped (nothing uses it).
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
