//! Config errors that point at the file, the line and the key.

use std::path::{Path, PathBuf};

/// Why a configuration could not be used. The `Display` text is what the operator sees.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read at all.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The config file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a key has the wrong type or is unknown.
    #[error("{}:{line}: {message}{}", path.display(), key.as_ref().map(|k| format!(" (key `{k}`)")).unwrap_or_default())]
    Syntax {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// The dotted key, when one could be found.
        key: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// The file parsed but a value is not acceptable.
    #[error("{}:{line}: key `{key}` {message}", path.display())]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the key, or 0 when it is not written in the file (a default or a flag).
        line: usize,
        /// The dotted key.
        key: String,
        /// What is wrong and what would be right.
        message: String,
    },
    /// The MOTD file could not be read.
    #[error("cannot read MOTD file {}: {source}", path.display())]
    Motd {
        /// The MOTD file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// No data directory was configured and the platform has none.
    #[error("no data directory: set server.data_dir in the config or pass --data-dir")]
    NoDataDir,
}

impl ConfigError {
    pub(crate) fn from_toml(path: &Path, text: &str, error: &toml::de::Error) -> ConfigError {
        let offset = error.span().map(|span| span.start).unwrap_or(0);
        let line = line_of_offset(text, offset);
        ConfigError::Syntax {
            path: path.to_path_buf(),
            line,
            key: key_at_line(text, line),
            message: error.message().trim().to_string(),
        }
    }

    pub(crate) fn invalid(path: &Path, text: &str, key: &str, message: String) -> ConfigError {
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line: line_of_key(text, key).unwrap_or(0),
            key: key.to_string(),
            message,
        }
    }
}

impl ConfigError {
    /// A bad `field` in the `index`th `[[array]]` block: the line of that
    /// block's field, or of its header when the field is not written.
    pub(crate) fn invalid_in_array(
        path: &Path,
        text: &str,
        array: &str,
        index: usize,
        field: &str,
        message: String,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line: line_in_array(text, array, index, field).unwrap_or(0),
            key: format!("{array}[{index}].{field}"),
            message,
        }
    }
}

/// The line of `field` in the `index`th `[[array]]` block (0-based), or of
/// the block's header when the field is not written in it.
fn line_in_array(text: &str, array: &str, index: usize, field: &str) -> Option<usize> {
    let header = format!("[[{array}]]");
    let mut seen = 0;
    let mut header_line = None;
    for (number, content) in text.lines().enumerate() {
        let content = content.trim();
        if content.starts_with('[') {
            if header_line.is_some() {
                break;
            }
            if content.replace(' ', "") == header {
                if seen == index {
                    header_line = Some(number + 1);
                }
                seen += 1;
            }
            continue;
        }
        if header_line.is_some()
            && content
                .split_once('=')
                .is_some_and(|(key, _)| key.trim().trim_matches('"') == field)
        {
            return Some(number + 1);
        }
    }
    header_line
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The dotted key written on a line (`[table]` headers above it give the prefix).
fn key_at_line(text: &str, line: usize) -> Option<String> {
    let mut table = String::new();
    for (index, content) in text.lines().enumerate() {
        let content = content.trim();
        if content.starts_with('[') {
            table = content.trim_matches(['[', ']']).trim().to_string();
        }
        if index + 1 == line {
            let (key, _) = content.split_once('=')?;
            let key = key.trim().trim_matches('"');
            return Some(if table.is_empty() {
                key.to_string()
            } else {
                format!("{table}.{key}")
            });
        }
    }
    None
}

/// The line on which a dotted key (`limits.max_clients`) is written.
fn line_of_key(text: &str, dotted: &str) -> Option<usize> {
    (1..=text.lines().count()).find(|&line| key_at_line(text, line).as_deref() == Some(dotted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_under_tables() {
        let text = "[server]\nname = \"x\"\n\n[limits]\nmax_clients = 3\n";
        assert_eq!(key_at_line(text, 2).as_deref(), Some("server.name"));
        assert_eq!(key_at_line(text, 5).as_deref(), Some("limits.max_clients"));
        assert_eq!(line_of_key(text, "limits.max_clients"), Some(5));
        assert_eq!(line_of_key(text, "limits.nope"), None);
    }

    #[test]
    fn finds_fields_of_the_nth_array_block() {
        let text = "[[operators]]\nname = \"a\"\npassword = \"x\"\n\n[[operators]]\nname = \"b\"\npassword = \"y\"\n[tls]\n";
        assert_eq!(line_in_array(text, "operators", 0, "password"), Some(3));
        assert_eq!(line_in_array(text, "operators", 1, "password"), Some(7));
        assert_eq!(line_in_array(text, "operators", 1, "certfp"), Some(5));
        assert_eq!(line_in_array(text, "operators", 2, "name"), None);
    }
}
