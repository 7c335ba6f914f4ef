//! Display text: sanitising what the network sends, IRC formatting to styles,
//! display widths and wrapping by terminal cells (CJK and emoji take two).

use std::sync::Arc;

use ratatui::style::{Color, Modifier, Style};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

mod clusters;
pub use clusters::{Clusters, clusters, printable_ascii};

/// A run of text with one style, already free of control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyledText {
    /// How the run looks.
    pub style: Style,
    /// The printable text.
    pub text: String,
    /// Where the text links to: a target checked by [`crate::links::target`]
    /// (only runs made by [`parse_irc_text`] from a URL it found carry one).
    pub link: Option<Arc<str>>,
}

impl StyledText {
    /// A run of `text` in `style`; control characters are removed here too.
    pub fn new(text: impl AsRef<str>, style: Style) -> StyledText {
        StyledText {
            style,
            text: clean(text.as_ref()),
            link: None,
        }
    }

    /// A piece of this run (`range` of its text), style and link kept.
    pub fn slice(&self, range: std::ops::Range<usize>, style: Style) -> StyledText {
        StyledText {
            style,
            text: self.text[range].to_owned(),
            link: self.link.clone(),
        }
    }
}

/// Removes every control character (C0, DEL, C1) so a string cannot drive the
/// terminal. Used for nicks, channel names and anything else shown verbatim.
pub fn clean(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars().filter(|c| !c.is_control()).collect()
}

/// Turns a message body from the network into styled runs: IRC formatting
/// codes become styles and every control or escape byte is dropped. URLs
/// become runs of their own carrying their link target (the theme's `link`
/// style underlines them when drawn).
pub fn parse_irc_text(text: &str) -> Vec<StyledText> {
    let runs: Vec<StyledText> = natter_protocol::formatting::parse_formatting(text)
        .into_iter()
        .map(|span| StyledText::new(&span.text, style_from_irc(&span.style)))
        .filter(|run| !run.text.is_empty())
        .collect();
    mark_links(runs)
}

/// Splits runs where URLs start and end and marks the URL pieces (a URL may
/// span runs when formatting changes inside it).
fn mark_links(runs: Vec<StyledText>) -> Vec<StyledText> {
    let plain: String = runs.iter().map(|run| run.text.as_str()).collect();
    let urls = crate::links::find(&plain);
    if urls.is_empty() {
        return runs;
    }
    let mut out = Vec::with_capacity(runs.len() + 2 * urls.len());
    let mut run_start = 0;
    for run in runs {
        let run_end = run_start + run.text.len();
        let mut cuts = vec![0, run.text.len()];
        for url in &urls {
            for edge in [url.start, url.end] {
                if edge > run_start && edge < run_end {
                    cuts.push(edge - run_start);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        for piece in cuts.windows(2) {
            let (from, to) = (piece[0], piece[1]);
            let at = run_start + from;
            let link = urls
                .iter()
                .find(|url| url.contains(&at))
                .and_then(|url| crate::links::target(&plain[url.clone()]));
            out.push(StyledText {
                style: run.style,
                text: run.text[from..to].to_owned(),
                link: link.map(Arc::from),
            });
        }
        run_start = run_end;
    }
    out
}

fn style_from_irc(irc: &natter_protocol::formatting::Style) -> Style {
    let mut style = Style::default();
    let flags = [
        (irc.bold, Modifier::BOLD),
        (irc.italic, Modifier::ITALIC),
        (irc.underline, Modifier::UNDERLINED),
        (irc.strikethrough, Modifier::CROSSED_OUT),
        (irc.reverse, Modifier::REVERSED),
    ];
    for (on, modifier) in flags {
        if on {
            style = style.add_modifier(modifier);
        }
    }
    if let Some(fg) = irc.fg {
        style = style.fg(color_from_irc(fg));
    }
    if let Some(bg) = irc.bg {
        style = style.bg(color_from_irc(bg));
    }
    style
}

fn color_from_irc(color: natter_protocol::formatting::Color) -> Color {
    use natter_protocol::formatting::Color as Irc;
    match color {
        Irc::Rgb(r, g, b) => Color::Rgb(r, g, b),
        Irc::Indexed(index) => palette_color(index),
    }
}

/// The 16 classic mIRC colours, then the extended 16..98 range as the
/// nearest xterm-256 index.
fn palette_color(index: u8) -> Color {
    const BASIC: [Color; 16] = [
        Color::White,
        Color::Black,
        Color::Blue,
        Color::Green,
        Color::LightRed,
        Color::Red,
        Color::Magenta,
        Color::Yellow,
        Color::LightYellow,
        Color::LightGreen,
        Color::Cyan,
        Color::LightCyan,
        Color::LightBlue,
        Color::LightMagenta,
        Color::DarkGray,
        Color::Gray,
    ];
    const EXTENDED: [u8; 83] = [
        52, 94, 100, 58, 22, 29, 23, 24, 17, 54, 53, 89, 88, 130, 142, 64, 28, 35, 30, 25, 18, 91,
        90, 125, 124, 166, 184, 106, 34, 49, 37, 33, 19, 129, 127, 161, 196, 208, 226, 154, 46, 86,
        51, 75, 21, 171, 201, 198, 203, 215, 227, 191, 83, 122, 87, 111, 63, 177, 207, 205, 217,
        223, 229, 193, 157, 158, 159, 153, 147, 183, 219, 212, 16, 233, 235, 237, 239, 241, 244,
        247, 250, 254, 231,
    ];
    match index {
        0..=15 => BASIC[usize::from(index)],
        16..=98 => Color::Indexed(EXTENDED[usize::from(index - 16)]),
        _ => Color::Reset,
    }
}

/// Display width of a string in terminal cells.
pub fn width(text: &str) -> usize {
    if clusters::printable_ascii(text) {
        return text.len();
    }
    text.graphemes(true).map(grapheme_width).sum()
}

/// Width of one grapheme cluster as the terminal draws it.
pub fn grapheme_width(grapheme: &str) -> usize {
    if let [byte] = grapheme.as_bytes() {
        return usize::from((b' '..=b'~').contains(byte));
    }
    if grapheme.contains(char::is_control) {
        0
    } else {
        grapheme.width()
    }
}

/// Cuts `text` to at most `max` cells, never splitting a grapheme.
pub fn truncate(text: &str, max: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for grapheme in clusters(text) {
        let w = grapheme_width(grapheme);
        if used + w > max {
            break;
        }
        used += w;
        out.push_str(grapheme);
    }
    out
}

/// Cuts `text` to at most `max` cells and, when anything was cut, ends it
/// with `…` so the reader knows there is more.
pub fn truncate_marked(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = truncate(text, max - 1);
    out.push('…');
    out
}

/// One display row made of styled runs.
pub type Row = Vec<StyledText>;

/// Wraps styled runs into rows: the first row holds `first_width` cells, the
/// others `rest_width`. Breaks after spaces when it can, inside a word only
/// when the word is longer than a whole row, and never inside a grapheme.
pub fn wrap(runs: &[StyledText], first_width: usize, rest_width: usize) -> Vec<Row> {
    let first_width = first_width.max(1);
    let rest_width = rest_width.max(1);
    let mut rows: Vec<Row> = Vec::new();
    let mut row: Row = Vec::new();
    let mut row_width = 0;
    let mut limit = first_width;
    for word in words(runs) {
        let word_width: usize = word.iter().map(|(g, _)| grapheme_width(g)).sum();
        let is_space = word.iter().all(|(g, _)| g.trim().is_empty());
        if row_width + word_width > limit && row_width > 0 {
            if is_space {
                // A space at the end of a row is swallowed by the break.
                finish_row(&mut rows, &mut row, &mut row_width, &mut limit, rest_width);
                continue;
            }
            if word_width <= rest_width {
                finish_row(&mut rows, &mut row, &mut row_width, &mut limit, rest_width);
            }
        }
        for (grapheme, run) in word {
            let w = grapheme_width(grapheme);
            if w == 0 {
                continue;
            }
            if row_width + w > limit && row_width > 0 {
                finish_row(&mut rows, &mut row, &mut row_width, &mut limit, rest_width);
            }
            push_grapheme(&mut row, grapheme, run);
            row_width += w;
        }
    }
    if !row.is_empty() || rows.is_empty() {
        rows.push(row);
    }
    rows
}

fn finish_row(
    rows: &mut Vec<Row>,
    row: &mut Row,
    row_width: &mut usize,
    limit: &mut usize,
    rest: usize,
) {
    rows.push(std::mem::take(row));
    *row_width = 0;
    *limit = rest;
}

fn push_grapheme(row: &mut Row, grapheme: &str, run: &StyledText) {
    match row.last_mut() {
        Some(last) if last.style == run.style && last.link == run.link => {
            last.text.push_str(grapheme);
        }
        _ => row.push(StyledText {
            style: run.style,
            text: grapheme.to_owned(),
            link: run.link.clone(),
        }),
    }
}

/// Splits runs into words and single spaces, keeping each grapheme's run.
/// A link is a word of its own and is never broken at a wide character,
/// so it moves to the next row whole whenever it fits there.
fn words(runs: &[StyledText]) -> Vec<Vec<(&str, &StyledText)>> {
    let mut words: Vec<Vec<(&str, &StyledText)>> = Vec::new();
    let mut current: Vec<(&str, &StyledText)> = Vec::new();
    for run in runs {
        let linked = run.link.is_some();
        let starts_link = current
            .last()
            .is_some_and(|(_, last)| last.link != run.link);
        if starts_link {
            words.push(std::mem::take(&mut current));
        }
        for grapheme in clusters(&run.text) {
            let space = grapheme.trim().is_empty();
            // Wide characters (CJK) may break anywhere, like spaces.
            let breakable = grapheme_width(grapheme) > 1 && !linked;
            if space || breakable {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
                words.push(vec![(grapheme, run)]);
            } else {
                current.push((grapheme, run));
            }
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Number of rows `wrap` would produce, without keeping them.
pub fn wrapped_height(runs: &[StyledText], first_width: usize, rest_width: usize) -> usize {
    wrap(runs, first_width, rest_width).len()
}

/// Splits `text` into pieces of at most `max_bytes` bytes, preferring to break
/// after a space and never breaking a grapheme (so never a character).
pub fn split_by_bytes(text: &str, max_bytes: usize) -> Vec<String> {
    let max_bytes = max_bytes.max(16);
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > max_bytes {
        let mut cut = 0;
        let mut last_space = None;
        for (index, grapheme) in rest.grapheme_indices(true) {
            let end = index + grapheme.len();
            if end > max_bytes {
                break;
            }
            cut = end;
            if grapheme == " " {
                last_space = Some(end);
            }
        }
        if cut == 0 {
            // One grapheme bigger than the limit: fall back to characters.
            cut = rest
                .char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .take_while(|end| *end <= max_bytes)
                .last()
                .unwrap_or(rest.len());
        }
        let cut = match last_space {
            Some(space) if space > max_bytes / 2 => space,
            _ => cut,
        };
        pieces.push(rest[..cut].trim_end().to_owned());
        rest = &rest[cut..];
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest.to_owned());
    }
    pieces
}

/// The escape sequences that make a terminal show a desktop notification:
/// OSC 777 (`notify;title;body`: urxvt, foot, kitty, WezTerm, VTE) and OSC 9
/// (iTerm2, Windows Terminal). Title and body come from the network, so
/// every control character (ESC, BEL, C1 ST…) is removed and `;` is taken
/// out of the title: nothing in them can end the sequence early or start
/// another. Both are cut to a sensible length.
pub fn desktop_notification(title: &str, body: &str) -> String {
    let safe = |text: &str, max: usize| -> String {
        let cleaned: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        truncate_marked(cleaned.trim(), max)
    };
    let title = safe(title, 64).replace(';', ",");
    let body = safe(body, 200);
    format!("\x1b]777;notify;{title};{body}\x07\x1b]9;{title}: {body}\x07")
}

#[cfg(test)]
mod tests;
