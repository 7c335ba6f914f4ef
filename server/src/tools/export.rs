//! `natterd export`: a channel's history as text for people or JSON lines for programs.

use crate::cli::ExportFormat;
use crate::history::offline::ExportedMessage;
use chrono::{DateTime, NaiveDate, Utc};
use natter_protocol::formatting::{strip_controls, strip_formatting};
use std::io::Write;

/// Parses `--since`: an RFC 3339 time, a date (midnight UTC) or an age before `now`.
pub fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    let age = crate::config::duration::parse(text).map_err(|_| {
        format!("--since {text:?}: expected a time (2026-01-31T18:00:00Z), a date (2026-01-31) or an age (90m, 7d)")
    })?;
    let age =
        chrono::Duration::from_std(age).map_err(|_| format!("--since {text:?}: too long ago"))?;
    now.checked_sub_signed(age)
        .ok_or_else(|| format!("--since {text:?}: too long ago"))
}

/// Writes one message in `format`, followed by a newline.
pub fn write(
    message: &ExportedMessage,
    format: ExportFormat,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        ExportFormat::Json => {
            serde_json::to_writer(&mut *out, message)?;
            out.write_all(b"\n")
        }
        ExportFormat::Text => {
            let time = message.time.format("%Y-%m-%d %H:%M:%SZ");
            // Stored text came from the network: no control character or
            // escape sequence may reach the reader's terminal.
            let clean = |text: &str| strip_controls(&strip_formatting(text));
            let nick = clean(&message.nick);
            let action = message
                .text
                .strip_prefix("\u{1}ACTION ")
                .map(|rest| rest.trim_end_matches('\u{1}'));
            match (message.command, action) {
                ("NOTICE", _) => writeln!(out, "[{time}] -{nick}- {}", clean(&message.text)),
                (_, Some(action)) => writeln!(out, "[{time}] * {nick} {}", clean(action)),
                _ => writeln!(out, "[{time}] <{nick}> {}", clean(&message.text)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(command: &'static str, text: &str) -> ExportedMessage {
        ExportedMessage {
            time: DateTime::parse_from_rfc3339("2026-01-31T18:00:05Z")
                .unwrap()
                .with_timezone(&Utc),
            msgid: "abc".into(),
            command,
            nick: "alice".into(),
            target: "#lobby".into(),
            text: text.into(),
        }
    }

    fn text(message: &ExportedMessage, format: ExportFormat) -> String {
        let mut out = Vec::new();
        write(message, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_lines_carry_no_escape_sequences() {
        let hostile = message("PRIVMSG", "hi \u{1b}[2J\u{7}\u{2}bold\u{2} there");
        assert_eq!(
            text(&hostile, ExportFormat::Text),
            "[2026-01-31 18:00:05Z] <alice> hi [2Jbold there\n"
        );
        assert_eq!(
            text(&message("NOTICE", "psst"), ExportFormat::Text),
            "[2026-01-31 18:00:05Z] -alice- psst\n"
        );
    }

    #[test]
    fn actions_read_as_actions() {
        assert_eq!(
            text(
                &message("PRIVMSG", "\u{1}ACTION waves\u{1}"),
                ExportFormat::Text
            ),
            "[2026-01-31 18:00:05Z] * alice waves\n"
        );
    }

    #[test]
    fn json_lines_keep_the_text_exactly() {
        let line = text(
            &message("PRIVMSG", "a \"quote\" \u{1b}"),
            ExportFormat::Json,
        );
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["text"], "a \"quote\" \u{1b}");
        assert_eq!(value["nick"], "alice");
        assert_eq!(value["time"], "2026-01-31T18:00:05Z");
        assert!(line.ends_with("}\n") && !line[..line.len() - 1].contains('\n'));
    }

    #[test]
    fn since_takes_times_dates_and_ages() {
        let now = DateTime::parse_from_rfc3339("2026-02-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_since("2026-01-31T18:00:00Z", now)
                .unwrap()
                .to_rfc3339(),
            "2026-01-31T18:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-01-31", now).unwrap().to_rfc3339(),
            "2026-01-31T00:00:00+00:00"
        );
        assert_eq!(
            parse_since("7d", now).unwrap().to_rfc3339(),
            "2026-02-03T12:00:00+00:00"
        );
        assert!(
            parse_since("last tuesday", now)
                .unwrap_err()
                .contains("expected a time")
        );
    }
}
