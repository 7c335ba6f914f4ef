//! The status line: nick (and the account logged in to), server (the
//! address in use and whether it is TLS, once connected),
//! connection state (with the next retry time while disconnected), lag and
//! away state.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::{fill, put};
use crate::app::{App, ConnectionState};
use crate::chat::buffers::BufferKind;
use crate::view::Overlay;

/// Draws the status line.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    fill(buf, area, theme.bar);
    let end = area.right();
    let mut x = area.x;
    let mut write = |text: &str, style: Style| {
        x = put(
            buf,
            x,
            area.y,
            end.saturating_sub(x),
            text,
            theme.bar.patch(style),
        );
    };
    write(" ", Style::new());
    write(
        &app.chat.session.nick,
        Style::new().add_modifier(Modifier::BOLD),
    );
    if let Some(account) = &app.chat.session.account {
        write(&format!(" ({account})"), theme.good);
    }
    // Once connected, the address really in use: after an STS upgrade it
    // is the TLS port, not the one typed.
    match &app.chat.link {
        Some(link) => {
            write(&format!(" @ {}", link.address), Style::new());
            if link.secure {
                write(" (TLS)", theme.good);
            }
            write(" ", Style::new());
        }
        None => write(
            &format!(" @ {} ", app.chat.settings.server_label),
            Style::new(),
        ),
    }
    let (state, style) = state_text(app);
    write(&state, style);
    if let Some(lag) = lag_text(app) {
        write(&format!(" · {lag}"), Style::new());
    }
    if app.chat.session.away {
        write(" · away", theme.warn);
    }
    let typing = app.chat.typing_here();
    let who = match typing.as_slice() {
        [] => None,
        [one] => Some(format!("{one} is typing…")),
        [one, two] => Some(format!("{one} and {two} are typing…")),
        more => Some(format!("{} people are typing…", more.len())),
    };
    if let Some(who) = who {
        write(&format!(" · {who}"), theme.info);
    }
    let hidden = app.chat.hidden_here();
    if hidden > 0 {
        write(&format!(" · {hidden} ignored hidden"), theme.dim);
    }
    let buffer = app.chat.buffers.active();
    if buffer.kind == BufferKind::Channel && !buffer.joined && app.chat.session.registered {
        write(" · not in this channel", theme.warn);
    }
}

fn state_text(app: &App) -> (String, Style) {
    let theme = app.theme();
    match &app.chat.connection {
        ConnectionState::Starting => ("starting".to_owned(), theme.warn),
        ConnectionState::Connecting { attempt, .. } if *attempt > 1 => {
            (format!("connecting (attempt {attempt})…"), theme.warn)
        }
        ConnectionState::Connecting { .. } => ("connecting…".to_owned(), theme.warn),
        ConnectionState::Registering => ("registering…".to_owned(), theme.warn),
        ConnectionState::Online => ("connected".to_owned(), theme.good),
        ConnectionState::Failed { .. } => ("cannot connect · /reconnect".to_owned(), theme.error),
        // The question is the next step while it is open; after a refusal
        // only /reconnect asks it again.
        ConnectionState::Untrusted { .. } => match &app.view.overlay {
            Some(Overlay::TrustCertificate(question)) if question.network == app.network => {
                ("new certificate · answer a / o / r".to_owned(), theme.warn)
            }
            _ => ("certificate refused · /reconnect".to_owned(), theme.error),
        },
        ConnectionState::Disconnected { retry_at, .. } => {
            let seconds = crate::chat::seconds_until(app.chat.now, *retry_at);
            let at = app.chat.settings.zone.local(*retry_at).format("%H:%M:%S");
            (
                format!("disconnected · retry in {seconds}s (at {at})"),
                theme.error,
            )
        }
    }
}

fn lag_text(app: &App) -> Option<String> {
    if app.chat.connection != ConnectionState::Online {
        return None;
    }
    // A probe unanswered for longer than the last lag is the better estimate.
    let pending = app
        .chat
        .session
        .lag_probe
        .as_ref()
        .map(|(_, sent)| (app.chat.now - *sent).num_milliseconds())
        .filter(|ms| *ms > 2000);
    match (pending, app.chat.session.lag_ms) {
        (Some(ms), _) => Some(format!("lag {}s+", ms / 1000)),
        (None, Some(ms)) if ms >= 1000 => Some(format!("lag {:.1}s", ms as f64 / 1000.0)),
        (None, Some(ms)) => Some(format!("lag {ms}ms")),
        (None, None) => None,
    }
}
