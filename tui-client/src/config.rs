//! The client's config file (`config.toml` in the platform config
//! directory): defaults for the command line. A bad file is an error that
//! names the file, line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything `config.toml` may set; every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConfigFile {
    /// `HOST[:PORT]` to connect to.
    pub server: Option<String>,
    /// More servers to connect to at the same time, each its own network
    /// (`HOST[:PORT]`, `irc://…`, `ircs://…`).
    pub servers: Vec<String>,
    /// Nick to use.
    pub nick: Option<String>,
    /// USER name sent at registration.
    pub username: Option<String>,
    /// Real name sent at registration.
    pub realname: Option<String>,
    /// Password: for SASL PLAIN when offered, and sent as PASS.
    pub password: Option<String>,
    /// The account SASL logs in to (default: the nick).
    pub account: Option<String>,
    /// A TLS client certificate (PEM) presented over TLS; logs in with SASL
    /// EXTERNAL where the server knows it.
    pub client_cert: Option<PathBuf>,
    /// The certificate's private key (PEM, mode 0600); default: in `client_cert`.
    pub client_key: Option<PathBuf>,
    /// Channels to join besides `#lobby`.
    pub channels: Vec<String>,
    /// Ring the bell for mentions and whispers in hidden buffers.
    pub bell: Option<bool>,
    /// Send and show typing notifications.
    pub typing: Option<bool>,
    /// How mentions and whispers get attention: bell, osc, both or none.
    pub notify: Option<crate::settings::Notify>,
    /// Extra words that count as mentions.
    pub highlights: Vec<String>,
    /// Scrollback lines kept per buffer.
    pub scrollback_lines: Option<usize>,
    /// A paste of more lines than this asks before sending.
    pub paste_confirm_lines: Option<usize>,
    /// Width of the member sidebar.
    pub sidebar_width: Option<u16>,
    /// The program that opens a link (`"firefox"`, or a program and its
    /// first arguments: `["firefox", "--new-tab"]`); the link is added as
    /// the last argument. No shell is involved.
    pub opener: Option<Keys>,
    /// Key bindings: action name to one key or a list of keys.
    pub keys: BTreeMap<String, Keys>,
    /// Colours: style name to a colour or a style table; `nicks` to the
    /// nick palette.
    pub theme: BTreeMap<String, crate::theme::ThemeValue>,
}

/// One string (`"F5"`) or several (`["Alt+Enter", "F3"]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Keys {
    /// A single key.
    One(String),
    /// Several keys.
    Many(Vec<String>),
}

impl Keys {
    /// The keys as a list.
    pub fn list(&self) -> Vec<String> {
        match self {
            Keys::One(key) => vec![key.clone()],
            Keys::Many(keys) => keys.clone(),
        }
    }
}

impl ConfigFile {
    /// `[theme]` as (name, value) pairs for `Theme::with_overrides`.
    pub fn theme_overrides(&self) -> Vec<(String, crate::theme::ThemeValue)> {
        self.theme
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    }

    /// `[keys]` as (action name, keys) pairs for `KeyMap::with_overrides`.
    pub fn key_overrides(&self) -> Vec<(String, Vec<String>)> {
        self.keys
            .iter()
            .map(|(action, keys)| (action.clone(), keys.list()))
            .collect()
    }
}

/// Why the config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read, or was named and is missing.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has an unknown key or wrong type.
    #[error("config file {path}, line {line}, column {column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// `config.toml` in the platform config directory
/// (`~/.config/natter/config.toml` on Linux).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "natter")
        .map(|dirs| dirs.config_dir().join("config.toml"))
}

/// Loads `path`. A missing file is fine (defaults) unless `required`.
pub fn load(path: &Path, required: bool) -> Result<ConfigFile, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, path),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && !required => {
            Ok(ConfigFile::default())
        }
        Err(source) => Err(ConfigError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The ignore list's file: `ignores.txt` beside the config file.
pub fn ignore_path(config_path: &Path) -> PathBuf {
    config_path.with_file_name("ignores.txt")
}

/// Reads the saved ignore masks (one per line; `#` starts a comment). A
/// missing file is an empty list.
pub fn load_ignores(path: &Path) -> Result<Vec<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(ConfigError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Writes the ignore masks, replacing the file in one step (a crash never
/// leaves half a list).
pub fn save_ignores(path: &Path, masks: &[String]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = String::from("# natter ignore list: one mask per line (/ignore, /unignore)\n");
    for mask in masks {
        text.push_str(mask);
        text.push('\n');
    }
    let temporary = path.with_extension("txt.tmp");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

/// Parses config text; `path` is only for the error message. `[keys]` is
/// checked here too, so a bad key name stops natter with its line.
pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    let config: ConfigFile = parse_toml(text, path)?;
    if config
        .opener
        .as_ref()
        .is_some_and(|opener| opener.list().first().is_none_or(|p| p.trim().is_empty()))
    {
        return Err(ConfigError::Parse {
            path: path.to_owned(),
            line: line_of(text, "opener"),
            column: 1,
            message: "opener names no program: write opener = \"xdg-open\" or [\"firefox\", \"--new-tab\"]".to_owned(),
        });
    }
    for (action, keys) in &config.keys {
        let single = [(action.clone(), keys.list())];
        if let Err(message) = crate::view::keymap::KeyMap::with_overrides(&single) {
            let line = line_of(text, action);
            return Err(ConfigError::Parse {
                path: path.to_owned(),
                line,
                column: 1,
                message: format!("[keys] {message}"),
            });
        }
    }
    for (name, value) in &config.theme {
        let single = [(name.clone(), value.clone())];
        if let Err(message) = crate::theme::Theme::with_overrides(&single) {
            return Err(ConfigError::Parse {
                path: path.to_owned(),
                line: line_of(text, name),
                column: 1,
                message: format!("[theme] {message}"),
            });
        }
    }
    Ok(config)
}

/// The 1-based line where `key = …` is set (1 when not found).
fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 1)
}

fn parse_toml(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    toml::from_str(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start).min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ConfigError::Parse {
            path: path.to_owned(),
            line,
            column,
            message: error.message().trim().to_owned(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_key() {
        let text = r##"
server = "chat.lan:6668"
nick = "alice"
channels = ["#rust", "#music"]
bell = false
highlights = ["rust"]
scrollback_lines = 5000
paste_confirm_lines = 5
sidebar_width = 24
"##;
        let config = parse(text, Path::new("c.toml")).unwrap();
        assert_eq!(config.server.as_deref(), Some("chat.lan:6668"));
        assert_eq!(config.channels, vec!["#rust", "#music"]);
        assert_eq!(config.bell, Some(false));
        assert_eq!(config.sidebar_width, Some(24));
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let error =
            parse("nick = \"a\"\n\nnik = \"b\"\n", Path::new("/x/config.toml")).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("/x/config.toml, line 3"), "{text}");
        assert!(text.contains("nik"), "{text}");
    }

    #[test]
    fn wrong_type_names_the_line() {
        let error = parse("bell = \"yes\"\n", Path::new("c.toml")).unwrap_err();
        assert!(error.to_string().contains("line 1"), "{error}");
    }

    #[test]
    fn missing_file_is_defaults_unless_required() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.toml");
        assert_eq!(load(&path, false).unwrap(), ConfigFile::default());
        assert!(matches!(load(&path, true), Err(ConfigError::Read { .. })));
    }

    #[test]
    fn keys_take_one_key_or_a_list_and_bad_ones_name_the_line() {
        let config = parse(
            "[keys]\nhelp = \"F5\"\nwhisper_selected = [\"Alt+Enter\", \"F3\"]\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(
            config.key_overrides(),
            vec![
                ("help".to_owned(), vec!["F5".to_owned()]),
                (
                    "whisper_selected".to_owned(),
                    vec!["Alt+Enter".to_owned(), "F3".to_owned()]
                ),
            ]
        );
        let error =
            parse("[keys]\nhelp = \"F5\"\nfly = \"F6\"\n", Path::new("c.toml")).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("c.toml, line 3"), "{text}");
        assert!(text.contains("unknown action \"fly\""), "{text}");
        let error = parse("[keys]\nhelp = \"Hyper+F5\"\n", Path::new("c.toml")).unwrap_err();
        assert!(error.to_string().contains("line 2"), "{error}");
    }

    #[test]
    fn opener_is_a_program_or_a_program_with_arguments() {
        let config = parse("opener = \"firefox\"\n", Path::new("c.toml")).unwrap();
        assert_eq!(config.opener.unwrap().list(), vec!["firefox"]);
        let config = parse("opener = [\"open\", \"-g\"]\n", Path::new("c.toml")).unwrap();
        assert_eq!(config.opener.unwrap().list(), vec!["open", "-g"]);
        let error = parse("nick = \"a\"\nopener = []\n", Path::new("c.toml")).unwrap_err();
        assert!(error.to_string().contains("c.toml, line 2"), "{error}");
    }

    #[test]
    fn theme_takes_colours_tables_and_a_palette_and_bad_ones_name_the_line() {
        let text = "[theme]\ndim = \"#808080\"\nhighlight = { fg = \"black\", bg = \"red\", bold = false }\nnicks = [\"red\", \"33\"]\n";
        let config = parse(text, Path::new("c.toml")).unwrap();
        let theme = crate::theme::Theme::with_overrides(&config.theme_overrides()).unwrap();
        assert_eq!(
            theme.dim.fg,
            Some(ratatui::style::Color::Rgb(128, 128, 128))
        );
        assert_eq!(theme.highlight.bg, Some(ratatui::style::Color::Red));
        assert_eq!(theme.nicks.len(), 2);
        let error = parse(
            "[theme]\ndim = \"red\"\ninfo = \"bleu\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("c.toml, line 3"), "{error}");
        assert!(error.contains("\"bleu\" is not a colour"), "{error}");
        let error = parse("[theme]\nfoo = \"red\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("line 2") && error.contains("unknown theme entry"),
            "{error}"
        );
    }

    #[test]
    fn ignores_round_trip_through_their_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = ignore_path(&dir.path().join("config.toml"));
        assert_eq!(load_ignores(&path).unwrap(), Vec::<String>::new());
        let masks = vec!["bob!*@*".to_owned(), "*!*@spam.example".to_owned()];
        save_ignores(&path, &masks).unwrap();
        assert_eq!(load_ignores(&path).unwrap(), masks);
    }

    #[test]
    fn the_shipped_example_config_parses() {
        let text = include_str!("../../assets/natter.toml");
        parse(text, Path::new("assets/natter.toml")).unwrap();
    }
}
