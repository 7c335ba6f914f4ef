//! IRC text formatting (bold, colours, ...) turned into styled spans, and removal of every other
//! control character.
//!
//! This is a security boundary: text from peers is shown in terminals, so ESC, BEL and every other
//! C0 control, DEL and C1 control are removed and can never start a terminal escape sequence.

/// Toggles bold.
pub const BOLD: char = '\x02';
/// Starts a colour: `\x03[fg[,bg]]` with mIRC colour numbers of 1-2 digits.
pub const COLOR: char = '\x03';
/// Starts a hex colour: `\x04[RRGGBB[,RRGGBB]]`.
pub const HEX_COLOR: char = '\x04';
/// Resets all formatting.
pub const RESET: char = '\x0F';
/// Toggles monospace.
pub const MONOSPACE: char = '\x11';
/// Toggles reverse video (swap foreground and background).
pub const REVERSE: char = '\x16';
/// Toggles italics.
pub const ITALIC: char = '\x1D';
/// Toggles strikethrough.
pub const STRIKETHROUGH: char = '\x1E';
/// Toggles underline.
pub const UNDERLINE: char = '\x1F';

/// A text colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Color {
    /// An mIRC colour number, 0..=98 (0-15 are the classic palette; 99 means "default" and is
    /// represented as no colour).
    Indexed(u8),
    /// A 24-bit colour from `\x04RRGGBB`.
    Rgb(u8, u8, u8),
}

/// The formatting in effect for a run of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Style {
    /// Bold (`\x02`).
    pub bold: bool,
    /// Italics (`\x1D`).
    pub italic: bool,
    /// Underline (`\x1F`).
    pub underline: bool,
    /// Strikethrough (`\x1E`).
    pub strikethrough: bool,
    /// Monospace (`\x11`).
    pub monospace: bool,
    /// Reverse video (`\x16`).
    pub reverse: bool,
    /// Foreground colour; `None` is the default.
    pub fg: Option<Color>,
    /// Background colour; `None` is the default.
    pub bg: Option<Color>,
}

impl Style {
    /// Whether this is the default style (no formatting at all).
    pub fn is_plain(&self) -> bool {
        *self == Style::default()
    }
}

/// A run of text with one style. The text never contains control characters.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Span {
    /// The style of the whole run.
    pub style: Style,
    /// The text, free of control characters.
    pub text: String,
}

/// Splits IRC-formatted text into styled spans. Formatting codes are interpreted; a tab becomes a
/// space; every other C0 control, DEL and C1 control is removed. Adjacent runs with the same style
/// are merged and empty runs are left out, so plain text gives at most one span.
pub fn parse_formatting(text: &str) -> Vec<Span> {
    let mut builder = SpanBuilder::default();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        let mut style = builder.style;
        match c {
            BOLD => style.bold = !style.bold,
            ITALIC => style.italic = !style.italic,
            UNDERLINE => style.underline = !style.underline,
            STRIKETHROUGH => style.strikethrough = !style.strikethrough,
            MONOSPACE => style.monospace = !style.monospace,
            REVERSE => style.reverse = !style.reverse,
            RESET => style = Style::default(),
            COLOR => rest = parse_indexed_colors(rest, &mut style),
            HEX_COLOR => rest = parse_hex_colors(rest, &mut style),
            '\t' => builder.text.push(' '),
            c if is_removed_control(c) => {}
            c => builder.text.push(c),
        }
        builder.set_style(style);
    }
    builder.finish()
}

/// The plain text: formatting codes interpreted away and all control characters removed
/// (tabs become spaces). Use it where styles cannot be shown, e.g. for plain-dialect users.
pub fn strip_formatting(text: &str) -> String {
    parse_formatting(text)
        .into_iter()
        .map(|span| span.text)
        .collect()
}

/// Removes control characters but KEEPS IRC formatting codes (and their colour digits), for
/// relaying text to clients that render formatting: every C0 control except the formatting codes,
/// DEL and every C1 control is removed, and a tab becomes a space.
pub fn strip_controls(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if is_formatting_code(c) => Some(c),
            c if is_removed_control(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Whether `c` is a bidirectional formatting control: embeddings and overrides
/// (U+202A..U+202E), isolates (U+2066..U+2069) and the LRM, RLM and ALM marks
/// (U+200E, U+200F, U+061C). They reorder how a terminal shows the text around
/// them (the "Trojan Source" trick), so names may not contain them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// Whether `c` is one of the IRC formatting codes this module interprets.
pub fn is_formatting_code(c: char) -> bool {
    matches!(
        c,
        BOLD | COLOR | HEX_COLOR | RESET | MONOSPACE | REVERSE | ITALIC | STRIKETHROUGH | UNDERLINE
    )
}

/// C0 controls, DEL and C1 controls: never shown.
fn is_removed_control(c: char) -> bool {
    c.is_control()
}

/// Applies `[fg[,bg]]` after `\x03`; without digits both colours reset. Returns the rest.
fn parse_indexed_colors<'a>(rest: &'a str, style: &mut Style) -> &'a str {
    let Some((fg, after_fg)) = take_color_number(rest) else {
        style.fg = None;
        style.bg = None;
        return rest;
    };
    style.fg = fg;
    if let Some(after_comma) = after_fg.strip_prefix(',')
        && let Some((bg, after_bg)) = take_color_number(after_comma)
    {
        style.bg = bg;
        return after_bg;
    }
    after_fg
}

/// One or two digits: `Some(colour)` for 0..=98, `None` for 99 (default).
fn take_color_number(s: &str) -> Option<(Option<Color>, &str)> {
    let digits = s.bytes().take(2).take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let number: u8 = s[..digits].parse().ok()?;
    let color = (number != 99).then_some(Color::Indexed(number));
    Some((color, &s[digits..]))
}

/// Applies `[RRGGBB[,RRGGBB]]` after `\x04`; without a colour both colours reset.
fn parse_hex_colors<'a>(rest: &'a str, style: &mut Style) -> &'a str {
    let Some((fg, after_fg)) = take_hex_color(rest) else {
        style.fg = None;
        style.bg = None;
        return rest;
    };
    style.fg = Some(fg);
    if let Some(after_comma) = after_fg.strip_prefix(',')
        && let Some((bg, after_bg)) = take_hex_color(after_comma)
    {
        style.bg = Some(bg);
        return after_bg;
    }
    after_fg
}

fn take_hex_color(s: &str) -> Option<(Color, &str)> {
    let hex = s.get(..6)?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |range: std::ops::Range<usize>| u8::from_str_radix(&hex[range], 16).ok();
    let color = Color::Rgb(channel(0..2)?, channel(2..4)?, channel(4..6)?);
    Some((color, &s[6..]))
}

/// Accumulates text under the current style and closes a span when the style changes.
#[derive(Default)]
struct SpanBuilder {
    spans: Vec<Span>,
    style: Style,
    text: String,
}

impl SpanBuilder {
    fn set_style(&mut self, style: Style) {
        if style != self.style {
            self.flush();
            self.style = style;
        }
    }

    fn flush(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.text);
        match self.spans.last_mut() {
            Some(last) if last.style == self.style => last.text.push_str(&text),
            _ => self.spans.push(Span {
                style: self.style,
                text,
            }),
        }
    }

    fn finish(mut self) -> Vec<Span> {
        self.flush();
        self.spans
    }
}

#[cfg(test)]
mod tests;
