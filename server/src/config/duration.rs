//! Serde helpers for durations in the config file.
//!
//! A duration is written either as a number of seconds (`90`, `0.5`) or as a
//! string with a unit (`"500ms"`, `"2s"`, `"5m"`, `"1h"`, `"7d"`), so that
//! operators can write what reads naturally for each setting.

use serde::{Deserialize, Deserializer, Serializer, de};
use std::time::Duration;

/// Parses `"500ms"`, `"2s"`, `"1.5s"`, `"5m"`, `"1h"`, `"7d"` or a bare number of seconds.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (try \"90s\", \"500ms\", \"5m\")"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        other => {
            return Err(format!(
                "unknown duration unit `{other}` (use ms, s, m, h or d)"
            ));
        }
    };
    seconds_to_duration(seconds)
}

fn seconds_to_duration(seconds: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{seconds} is not a valid duration"))
}

/// Writes a duration the way [`parse`] reads it.
pub fn format(duration: Duration) -> String {
    let millis = duration.as_millis();
    if !millis.is_multiple_of(1000) {
        format!("{millis}ms")
    } else {
        format!("{}s", millis / 1000)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Seconds(f64),
    Text(String),
}

fn from_raw(raw: Raw) -> Result<Duration, String> {
    match raw {
        Raw::Seconds(seconds) => seconds_to_duration(seconds),
        Raw::Text(text) => parse(&text),
    }
}

/// `#[serde(with = "crate::config::duration")]` for a `Duration` field.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    from_raw(Raw::deserialize(deserializer)?).map_err(de::Error::custom)
}

/// Serializes a `Duration` as a string with a unit.
pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*duration))
}

/// The same helpers for an `Option<Duration>`, where absence means "never" or "unlimited".
pub mod duration_opt {
    use super::*;

    /// `#[serde(with = "crate::config::duration_opt")]` for an `Option<Duration>` field.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        match Option::<Raw>::deserialize(deserializer)? {
            None => Ok(None),
            Some(raw) => from_raw(raw).map(Some).map_err(de::Error::custom),
        }
    }

    /// Serializes an `Option<Duration>`; `None` is left out by serde's `skip_serializing_if`.
    pub fn serialize<S: Serializer>(
        duration: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match duration {
            Some(duration) => serializer.serialize_str(&format(*duration)),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_bare_seconds() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("7d"), Ok(Duration::from_secs(7 * 86400)));
        assert_eq!(parse("90"), Ok(Duration::from_secs(90)));
    }

    #[test]
    fn rejects_nonsense_with_a_hint() {
        assert!(parse("soon").unwrap_err().contains("not a duration"));
        assert!(
            parse("5 fortnights")
                .unwrap_err()
                .contains("unknown duration unit")
        );
    }

    #[test]
    fn format_round_trips() {
        for text in ["250ms", "3s", "3600s"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }
}
