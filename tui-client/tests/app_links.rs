//! Links: underlined and kept whole when wrapping, reported to the run loop
//! for OSC 8, listed by /url and picked with Alt+U; opened only when asked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::KeyCode;
use natter::event::Effect;
use natter::view::Overlay;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use support::*;

const LINK: &str = "https://example.com/releases/natter-0.2";

fn opened(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::OpenLink(link) => Some(link.clone()),
            _ => None,
        })
        .collect()
}

/// Draws `app` and returns the terminal and the link areas of the frame.
fn draw(
    app: &natter::app::App,
    width: u16,
    height: u16,
) -> (Terminal<TestBackend>, Vec<natter::ui::LinkArea>) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut links = Vec::new();
    terminal
        .draw(|frame| links = natter::ui::draw_linked(app, frame))
        .unwrap();
    (terminal, links)
}

#[test]
fn a_url_is_underlined_reported_as_a_link_and_not_broken_by_wrapping() {
    let mut app = app();
    line(
        &mut app,
        &format!(
            ":bob!b@h PRIVMSG #lobby :the new release is out, read all about it at {LINK} today"
        ),
    );
    let (terminal, links) = draw(&app, 80, 24);
    let screen = screen_text(&app, 80, 24);
    // The URL does not fit after the text on the first row: it starts the
    // next row whole instead of being cut.
    let row = screen.lines().find(|l| l.contains("https://")).unwrap();
    assert!(row.contains(LINK), "{screen}");
    assert_eq!(links.len(), 1, "{links:?}");
    let link = &links[0];
    assert_eq!(&*link.target, LINK);
    assert_eq!(usize::from(link.width), LINK.len());
    let buffer = terminal.backend().buffer();
    for x in link.x..link.x + link.width {
        let cell = &buffer[(x, link.y)];
        assert!(cell.modifier.contains(Modifier::UNDERLINED), "{x}");
    }
    let before = &buffer[(link.x - 1, link.y)];
    assert!(!before.modifier.contains(Modifier::UNDERLINED));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn escape_sequences_from_the_network_never_become_links() {
    let mut app = app();
    line(
        &mut app,
        ":bob!b@h PRIVMSG #lobby :\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ javascript:alert(1) https://bank.example@evil.example/",
    );
    let (terminal, links) = draw(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|cell| !cell.symbol().contains('\x1b')),
        "an escape reached the screen"
    );
    // The smuggled sequence shows as text, its escapes gone. A link covers
    // only text that is on screen, and links exactly where it says.
    assert!(screen_text(&app, 80, 24).contains("]8;;https://evil.example/"));
    for link in &links {
        let shown: String = (link.x..link.x + link.width)
            .map(|x| buffer[(x, link.y)].symbol())
            .collect();
        assert_eq!(
            natter::links::target(&shown).as_deref(),
            Some(&*link.target)
        );
        assert!(!link.target.contains("bank.example"), "{link:?}");
    }
    assert!(links.len() <= 1, "{links:?}");
}

#[test]
fn slash_url_lists_links_newest_first_and_opens_only_the_one_asked_for() {
    let mut app = app();
    let effects = line(
        &mut app,
        ":bob!b@h PRIVMSG #lobby :see https://a.example/one",
    );
    assert!(opened(&effects).is_empty(), "nothing opens by itself");
    line(
        &mut app,
        ":carol!c@h PRIVMSG #lobby :and https://b.example/two, also https://a.example/one",
    );
    let effects = submit(&mut app, "/url");
    assert!(opened(&effects).is_empty());
    let lines = texts(&app);
    let listed: Vec<&String> = lines.iter().rev().take(2).collect();
    assert_eq!(listed[0].trim(), "2  https://b.example/two");
    assert_eq!(listed[1].trim(), "1  https://a.example/one");
    let effects = submit(&mut app, "/url 2");
    assert_eq!(opened(&effects), vec!["https://b.example/two"]);
    assert_eq!(last(&app), "Opening https://b.example/two");
    submit(&mut app, "/url 9");
    assert!(
        last(&app).starts_with("Usage: /url N with N from 1 to 2"),
        "{}",
        last(&app)
    );
}

#[test]
fn slash_url_works_before_registering_and_says_when_there_is_nothing() {
    let mut app = fresh();
    submit(&mut app, "/url");
    assert_eq!(last(&app), "No links in this buffer yet.");
}

#[test]
fn alt_u_picks_a_link_with_the_arrows_or_its_number() {
    let mut app = app();
    line(&mut app, ":bob!b@h PRIVMSG #lobby :https://a.example/one");
    line(&mut app, ":bob!b@h PRIVMSG #lobby :https://b.example/two");
    alt(&mut app, KeyCode::Char('u'));
    assert!(matches!(
        app.view.overlay,
        Some(Overlay::Links { selected: 0, .. })
    ));
    let (terminal, links) = draw(&app, 80, 24);
    assert!(links.is_empty(), "no links under an overlay");
    insta::assert_snapshot!(terminal.backend());
    key(&mut app, KeyCode::Down);
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(opened(&effects), vec!["https://a.example/one"]);
    assert_eq!(app.view.overlay, None);
    alt(&mut app, KeyCode::Char('u'));
    let effects = key(&mut app, KeyCode::Char('1'));
    assert_eq!(opened(&effects), vec!["https://b.example/two"]);
    alt(&mut app, KeyCode::Char('u'));
    let effects = key(&mut app, KeyCode::Esc);
    assert!(opened(&effects).is_empty());
    assert_eq!(app.view.overlay, None);
}

#[test]
fn alt_u_without_links_says_so() {
    let mut app = app();
    alt(&mut app, KeyCode::Char('u'));
    assert_eq!(app.view.overlay, None);
    assert_eq!(last(&app), "No links in this buffer yet.");
}
