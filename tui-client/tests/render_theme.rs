//! `[theme]`: colours from config.toml reach the screen, and nick colours
//! come from the palette, stable per nick.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::sync::Arc;

use natter::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use support::*;

/// Row `y` as runs of (text, fg, bg, modifiers), one per change of style:
/// a readable picture of the colours for a snapshot.
fn styled_row(buffer: &Buffer, y: u16, width: u16) -> String {
    let mut out = String::new();
    let mut current: Option<(Color, Color, Modifier)> = None;
    let mut text = String::new();
    for x in 0..width {
        let cell = &buffer[(x, y)];
        let style = (cell.fg, cell.bg, cell.modifier);
        if current != Some(style) {
            if let Some((fg, bg, modifier)) = current {
                out.push_str(&format!("{text:?} fg={fg:?} bg={bg:?} {modifier:?}\n"));
            }
            current = Some(style);
            text.clear();
        }
        text.push_str(cell.symbol());
    }
    if let Some((fg, bg, modifier)) = current {
        out.push_str(&format!("{text:?} fg={fg:?} bg={bg:?} {modifier:?}\n"));
    }
    out
}

fn themed(config: &str) -> natter::app::App {
    let config = natter::config::parse(config, Path::new("config.toml")).unwrap();
    let theme = Theme::with_overrides(&config.theme_overrides()).unwrap();
    let mut app = app();
    app.chat.settings.theme = Arc::new(theme);
    line(
        &mut app,
        ":bob!b@h PRIVMSG #lobby :hi, see https://a.example/",
    );
    app
}

#[test]
fn theme_colours_from_the_config_reach_the_screen() {
    let app = themed(
        r##"
[theme]
dim = "#808080"
bar = { fg = "white", bg = "blue" }
link = { fg = "lightcyan", underline = true }
nicks = ["magenta"]
"##,
    );
    let terminal = render(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    let row = (0..24)
        .find(|y| styled_row(buffer, *y, 60).contains("bob"))
        .unwrap();
    let picture = styled_row(buffer, row, 60);
    // The timestamp and brackets in `dim`, bob in the only palette colour,
    // the link in `link`.
    assert!(
        picture.contains("\"09:30 <\" fg=Rgb(128, 128, 128)"),
        "{picture}"
    );
    assert!(picture.contains("\"bob\" fg=Magenta"), "{picture}");
    assert!(
        picture.contains("\"https://a.example/\" fg=LightCyan bg=Reset UNDERLINED"),
        "{picture}"
    );
    let status = styled_row(buffer, 22, 80);
    assert!(status.contains("bg=Blue"), "{status}");
    insta::assert_snapshot!(format!("{picture}---\n{status}"));
}

#[test]
fn the_default_theme_draws_as_before() {
    let app = themed("");
    let terminal = render(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    let row = (0..24)
        .find(|y| styled_row(buffer, *y, 60).contains("bob"))
        .unwrap();
    let picture = styled_row(buffer, row, 60);
    assert!(picture.contains("\"09:30 <\" fg=DarkGray"), "{picture}");
    let bob = Theme::default().nick_color("bob");
    assert!(
        picture.contains(&format!("\"bob\" fg={bob:?}")),
        "{picture}"
    );
    insta::assert_snapshot!(picture);
}

#[test]
fn a_nick_keeps_its_colour_everywhere() {
    let theme = Theme::with_overrides(&[(
        "nicks".into(),
        natter::theme::ThemeValue::Colors(vec!["red".into(), "green".into(), "blue".into()]),
    )])
    .unwrap();
    let colour = theme.nick_color("bob");
    assert_eq!(theme.nick_color("bob"), colour);
    assert!([Color::Red, Color::Green, Color::Blue].contains(&colour));
    let mut app = app();
    app.chat.settings.theme = Arc::new(theme);
    line(&mut app, ":bob!b@h PRIVMSG #lobby :hello");
    let terminal = render(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    // In the messages and in the sidebar.
    let cells: Vec<Color> = (0..24)
        .flat_map(|y| (0..80).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            buffer[(x, y)].symbol() == "b"
                && x + 2 < 80
                && buffer[(x + 1, y)].symbol() == "o"
                && buffer[(x + 2, y)].symbol() == "b"
        })
        .map(|(x, y)| buffer[(x, y)].fg)
        .collect();
    assert!(cells.len() >= 2, "{cells:?}");
    assert!(cells.iter().all(|c| *c == colour), "{cells:?}");
}
