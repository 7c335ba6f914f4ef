//! Colours and styles, in one place so the look can change in one place:
//! [`Theme`] holds every style the screen uses and the nick palette, with
//! defaults readable on dark and light backgrounds, and `[theme]` in
//! config.toml changes any of them by name.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

/// The default nick colours: readable on dark and light backgrounds.
pub const NICK_COLORS: [Color; 12] = [
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
];

/// Declares [`Theme`] with one `Style` field per entry, its default, and
/// the table of names `[theme]` uses (the field names).
macro_rules! theme {
    ($( $(#[$doc:meta])* $field:ident = $default:expr; )*) => {
        /// Every style the screen uses, and the nick palette.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            $( $(#[$doc])* pub $field: Style, )*
            /// Nick colours; a nick always gets the same one.
            pub nicks: Vec<Color>,
        }

        impl Default for Theme {
            fn default() -> Theme {
                Theme {
                    $( $field: $default, )*
                    nicks: NICK_COLORS.to_vec(),
                }
            }
        }

        /// The names `[theme]` accepts for styles, in the order of the docs.
        pub const STYLE_NAMES: &[&str] = &[ $( stringify!($field), )* ];

        impl Theme {
            fn style_mut(&mut self, name: &str) -> Option<&mut Style> {
                match name {
                    $( stringify!($field) => Some(&mut self.$field), )*
                    _ => None,
                }
            }
        }
    };
}

theme! {
    /// Timestamps, joins, parts and other quiet lines.
    dim = Style::new().fg(Color::DarkGray);
    /// Information from the client or server.
    info = Style::new().fg(Color::Cyan);
    /// Errors.
    error = Style::new().fg(Color::LightRed);
    /// The nick of a line that mentions us.
    highlight = Style::new()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(Modifier::BOLD);
    /// Our own nick (its colour comes from the palette).
    own_nick = Style::new().add_modifier(Modifier::BOLD);
    /// The visible tab.
    tab_active = Style::new()
        .fg(Color::Black)
        .bg(Color::Cyan)
        .add_modifier(Modifier::BOLD);
    /// A tab with a mention or whisper waiting.
    tab_mention = Style::new()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(Modifier::BOLD);
    /// A tab with unread messages.
    tab_unread = Style::new().fg(Color::White).add_modifier(Modifier::BOLD);
    /// A quiet tab.
    tab_idle = Style::new().fg(Color::Gray);
    /// The tab bar and status bar background.
    bar = Style::new().bg(Color::Indexed(236)).fg(Color::Gray);
    /// Connected, and people joining.
    good = Style::new().fg(Color::LightGreen);
    /// Connecting or registering, and other warnings.
    warn = Style::new().fg(Color::Yellow);
    /// The topic line.
    topic = Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC);
    /// The selected member or link.
    selected = Style::new().add_modifier(Modifier::REVERSED);
    /// Overlay borders and titles.
    overlay = Style::new().fg(Color::Cyan);
    /// The "new messages below" bar.
    scroll_mark = Style::new()
        .fg(Color::Black)
        .bg(Color::LightBlue)
        .add_modifier(Modifier::BOLD);
    /// The "new messages" rule above the first unread line.
    read_marker = Style::new().fg(Color::LightRed);
    /// History replayed by the server (backlog): its colours, dimmed.
    backlog = Style::new().add_modifier(Modifier::DIM);
    /// The time of a backlog line: blue instead of grey, so the backlog
    /// reads as the past even where the terminal ignores dimming.
    backlog_time = Style::new().fg(Color::Blue);
    /// The "earlier messages" rule above replayed history.
    backlog_rule = Style::new().fg(Color::Blue);
    /// The `[search]` prompt.
    search_prompt = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
    /// Every occurrence of the search text in the messages.
    search_match = Style::new().fg(Color::Black).bg(Color::Yellow);
    /// The line of the match the search shows now.
    search_current = Style::new().bg(Color::Indexed(238));
    /// The input line's hint while it is empty.
    placeholder = Style::new()
        .fg(Color::DarkGray)
        .add_modifier(Modifier::ITALIC);
    /// Links in messages (underlined besides).
    link = Style::new().add_modifier(Modifier::UNDERLINED);
}

/// One `[theme]` entry as config.toml writes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(untagged)]
pub enum ThemeValue {
    /// A colour: the foreground (`dim = "#808080"`).
    Color(String),
    /// The nick palette (`nicks = ["red", "#ff8800"]`).
    Colors(Vec<String>),
    /// Colours and attributes (`highlight = { fg = "black", bg = "yellow",
    /// bold = true }`).
    Style(StyleSpec),
}

/// A style as config.toml writes it; what is left out keeps its default.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct StyleSpec {
    /// Foreground colour.
    pub fg: Option<String>,
    /// Background colour.
    pub bg: Option<String>,
    /// Bold on or off.
    pub bold: Option<bool>,
    /// Italic on or off.
    pub italic: Option<bool>,
    /// Underlined on or off.
    pub underline: Option<bool>,
    /// Dimmed on or off.
    pub dim: Option<bool>,
    /// Reversed colours on or off.
    pub reversed: Option<bool>,
}

/// Parses a colour: a name (`red`, `lightblue`, `darkgray`, `reset` …),
/// `#rrggbb`, or an xterm-256 index (`0`-`255`).
pub fn parse_color(text: &str) -> Result<Color, String> {
    Color::from_str(text.trim()).map_err(|_| {
        format!(
            "{text:?} is not a colour: use a name (red, lightblue, darkgray, reset…), #rrggbb or 0-255"
        )
    })
}

impl Theme {
    /// The default theme changed by `[theme]` entries (name, value); an
    /// unknown name or a bad colour is an error naming it.
    pub fn with_overrides(overrides: &[(String, ThemeValue)]) -> Result<Theme, String> {
        let mut theme = Theme::default();
        for (name, value) in overrides {
            theme
                .set(name, value)
                .map_err(|message| format!("{name}: {message}"))?;
        }
        Ok(theme)
    }

    fn set(&mut self, name: &str, value: &ThemeValue) -> Result<(), String> {
        if name == "nicks" {
            let ThemeValue::Colors(colors) = value else {
                return Err("nicks is a list of colours: nicks = [\"red\", \"#ff8800\"]".into());
            };
            if colors.is_empty() {
                return Err("nicks needs at least one colour".into());
            }
            self.nicks = colors
                .iter()
                .map(|c| parse_color(c))
                .collect::<Result<_, _>>()?;
            return Ok(());
        }
        let Some(style) = self.style_mut(name) else {
            return Err(format!(
                "unknown theme entry (known: {}, nicks)",
                STYLE_NAMES.join(", ")
            ));
        };
        match value {
            ThemeValue::Color(color) => *style = style.fg(parse_color(color)?),
            ThemeValue::Colors(_) => {
                return Err("a style is a colour or a table, not a list".into());
            }
            ThemeValue::Style(spec) => *style = apply(*style, spec)?,
        }
        Ok(())
    }

    /// A stable colour for a nick: the same nick (after case folding)
    /// always gets the same colour of the palette, in every buffer and
    /// every session.
    pub fn nick_color(&self, folded_nick: &str) -> Color {
        // FNV-1a: tiny, stable across runs and platforms.
        let mut hash: u32 = 0x811c_9dc5;
        for byte in folded_nick.bytes() {
            hash ^= u32::from(byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
        let len = u32::try_from(self.nicks.len()).unwrap_or(u32::MAX).max(1);
        self.nicks
            .get((hash % len) as usize)
            .copied()
            .unwrap_or(Color::Reset)
    }
}

/// `style` with what `spec` sets.
fn apply(mut style: Style, spec: &StyleSpec) -> Result<Style, String> {
    if let Some(fg) = &spec.fg {
        style = style.fg(parse_color(fg)?);
    }
    if let Some(bg) = &spec.bg {
        style = style.bg(parse_color(bg)?);
    }
    let flags = [
        (spec.bold, Modifier::BOLD),
        (spec.italic, Modifier::ITALIC),
        (spec.underline, Modifier::UNDERLINED),
        (spec.dim, Modifier::DIM),
        (spec.reversed, Modifier::REVERSED),
    ];
    for (flag, modifier) in flags {
        style = match flag {
            Some(true) => style.add_modifier(modifier),
            Some(false) => style.remove_modifier(modifier),
            None => style,
        };
    }
    Ok(style)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn nick_colours_are_stable_and_spread() {
        let theme = Theme::default();
        assert_eq!(theme.nick_color("alice"), theme.nick_color("alice"));
        let colours: std::collections::HashSet<_> = ["alice", "bob", "carol", "dave", "erin"]
            .iter()
            .map(|n| format!("{:?}", theme.nick_color(n)))
            .collect();
        assert!(colours.len() >= 3);
    }

    #[test]
    fn overrides_set_colours_styles_and_the_palette() {
        let theme = Theme::with_overrides(&[
            ("dim".into(), ThemeValue::Color("#808080".into())),
            (
                "highlight".into(),
                ThemeValue::Style(StyleSpec {
                    bg: Some("red".into()),
                    bold: Some(false),
                    ..StyleSpec::default()
                }),
            ),
            ("nicks".into(), ThemeValue::Colors(vec!["201".into()])),
        ])
        .unwrap();
        assert_eq!(theme.dim.fg, Some(Color::Rgb(0x80, 0x80, 0x80)));
        assert_eq!(theme.highlight.bg, Some(Color::Red));
        assert_eq!(theme.highlight.fg, Some(Color::Black));
        assert!(!theme.highlight.add_modifier.contains(Modifier::BOLD));
        assert_eq!(theme.nick_color("anyone"), Color::Indexed(201));
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        let error =
            Theme::with_overrides(&[("dimm".into(), ThemeValue::Color("red".into()))]).unwrap_err();
        assert!(error.starts_with("dimm: unknown theme entry"), "{error}");
        let error = Theme::with_overrides(&[("dim".into(), ThemeValue::Color("reddish".into()))])
            .unwrap_err();
        assert!(error.contains("\"reddish\" is not a colour"), "{error}");
        let error =
            Theme::with_overrides(&[("nicks".into(), ThemeValue::Colors(vec![]))]).unwrap_err();
        assert!(error.contains("at least one"), "{error}");
    }
}
