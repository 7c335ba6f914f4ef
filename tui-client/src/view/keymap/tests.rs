//! The key table: chords, defaults and overrides.

use super::*;
use crossterm::event::{KeyCode, KeyModifiers};

#[test]
fn chords_parse_and_print_back() {
    for text in [
        "Ctrl+N",
        "Alt+Shift+Left",
        "F5",
        "PgUp",
        "?",
        "Shift+Tab",
        "Alt+Enter",
    ] {
        assert_eq!(Chord::parse(text).map(|c| c.to_string()), Ok(text.into()));
    }
    assert!(Chord::parse("Hyper+X").is_err());
    assert!(Chord::parse("Ctrl+Nope").is_err());
}

#[test]
fn terminal_events_match_the_spelled_chords() {
    let shift_a = KeyEvent::new(KeyCode::Char('A'), KeyModifiers::SHIFT);
    assert_eq!(
        Chord::from_event(shift_a),
        Chord::parse("A").unwrap_or_else(|e| panic!("{e}"))
    );
    let backtab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(
        KeyMap::default().action(backtab),
        Some(Action::CompleteBackwards)
    );
    let alt_shift_n = KeyEvent::new(KeyCode::Char('N'), KeyModifiers::ALT | KeyModifiers::SHIFT);
    assert_eq!(Chord::from_event(alt_shift_n).to_string(), "Alt+N");
}

#[test]
fn every_default_names_a_real_action_and_parses() {
    for (name, keys) in DEFAULTS {
        assert!(Action::from_name(name).is_some(), "{name}");
        for key in *keys {
            assert!(Chord::parse(key).is_ok(), "{key}");
        }
    }
}

#[test]
fn overrides_rebind_and_steal_keys() {
    let map = KeyMap::with_overrides(&[
        ("help".into(), vec!["F5".into()]),
        (
            "whisper_selected".into(),
            vec!["Alt+Enter".into(), "F3".into()],
        ),
        ("redraw".into(), vec!["Ctrl+N".into()]),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let f5 = KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE);
    let f1 = KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE);
    let ctrl_n = KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert_eq!(map.action(f5), Some(Action::Help));
    assert_eq!(map.action(f1), None);
    assert_eq!(map.action(ctrl_n), Some(Action::Redraw));
    assert_eq!(map.keys(Action::NextBuffer).len(), 1);
    assert!(KeyMap::with_overrides(&[("fly".into(), vec!["F9".into()])]).is_err());
}
