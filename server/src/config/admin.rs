//! The `[admin]` table: who runs this server and how to reach them, as the
//! IRC `ADMIN` command tells (RPL_ADMINLOC1, RPL_ADMINLOC2, RPL_ADMINEMAIL),
//! and the checks that keep free text from the config out of trouble on the wire.

use serde::{Deserialize, Serialize};

/// Longest free-text setting shown to IRC users, in bytes: with the
/// numeric's prefix it still fits one 512-byte IRC line.
pub const TEXT_MAX: usize = 300;

/// The `[admin]` table.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Where the server runs (room, building, town): ADMIN's first line (257).
    pub location: String,
    /// Who runs it (a person, a team, an institution): ADMIN's second line (258).
    pub organisation: String,
    /// How to reach them, usually an e-mail address (259); not shown when empty.
    pub email: String,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            location: "A natter chat server on this local network".to_string(),
            organisation: "Run by whoever started natterd on this host".to_string(),
            email: String::new(),
        }
    }
}

impl AdminConfig {
    /// Checks each text; returns the offending key and why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        for (key, text) in [
            ("admin.location", &self.location),
            ("admin.organisation", &self.organisation),
            ("admin.email", &self.email),
        ] {
            check_text(text).map_err(|why| (key, why))?;
        }
        Ok(())
    }
}

/// Whether `text` can be sent as the last parameter of an IRC line: no
/// control characters (a newline would end the line early, an escape would
/// reach terminals) and at most [`TEXT_MAX`] bytes.
pub fn check_text(text: &str) -> Result<(), String> {
    if let Some(control) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "must not contain control characters (found U+{:04X})",
            u32::from(control)
        ));
    }
    if text.len() > TEXT_MAX {
        return Err(format!(
            "is {} bytes long; at most {TEXT_MAX} fit an IRC line",
            text.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(AdminConfig::default().validate(), Ok(()));
    }

    #[test]
    fn a_newline_an_escape_or_an_overlong_text_is_refused_naming_the_key() {
        let mut admin = AdminConfig {
            email: "ops@example.org\r\nQUIT".to_string(),
            ..AdminConfig::default()
        };
        assert_eq!(
            admin.validate(),
            Err((
                "admin.email",
                "must not contain control characters (found U+000D)".to_string()
            ))
        );
        admin.email = String::new();
        admin.location = "\u{1b}[2Jhere".to_string();
        assert_eq!(admin.validate().map_err(|e| e.0), Err("admin.location"));
        admin.location = "x".repeat(TEXT_MAX + 1);
        assert_eq!(
            admin.validate(),
            Err((
                "admin.location",
                format!("is 301 bytes long; at most {TEXT_MAX} fit an IRC line")
            ))
        );
        admin.location = "Room 4, Lab building".to_string();
        admin.organisation = "小明's 实验室".to_string();
        assert_eq!(admin.validate(), Ok(()));
    }
}
