//! Where natterd looks for its config file when `--config` is not given, and
//! printing a config without its secrets.

use super::Config;
use std::path::PathBuf;

/// The system-wide config file, looked at first.
pub const SYSTEM_FILE: &str = "/etc/natter/natterd.toml";

/// The files natterd looks for, in order: [`SYSTEM_FILE`], then `natterd.toml`
/// in the platform config directory (e.g. `~/.config/natter/`).
pub fn search_path() -> Vec<PathBuf> {
    let mut paths = vec![PathBuf::from(SYSTEM_FILE)];
    if let Some(dirs) = directories::ProjectDirs::from("", "", "natter") {
        paths.push(dirs.config_dir().join("natterd.toml"));
    }
    paths
}

/// The first file of [`search_path`] that exists.
pub fn find() -> Option<PathBuf> {
    search_path().into_iter().find(|path| path.is_file())
}

/// Keys whose values are never printed.
const SECRETS: &[(&str, &str)] = &[
    ("server", "password"),
    ("cluster", "password"),
    ("cluster", "token"),
];

/// The config as TOML with every secret left out; a comment at the top says
/// which were set, so the output is still a valid config file.
pub fn masked_toml(config: &Config) -> Result<String, toml::ser::Error> {
    let mut value = toml::Value::try_from(config)?;
    let mut hidden = Vec::new();
    for (table, key) in SECRETS {
        if let Some(table_value) = value.get_mut(table).and_then(toml::Value::as_table_mut)
            && table_value.remove(*key).is_some()
        {
            hidden.push(format!("{table}.{key}"));
        }
    }
    let mut text = String::new();
    for key in hidden {
        text.push_str(&format!(
            "# {key} is set but not shown (secrets are never printed)\n"
        ));
    }
    text.push_str(&toml::to_string_pretty(&value)?);
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_password_is_never_printed_but_its_presence_is() {
        let mut config = Config::default();
        config.server.password = Some("hunter2".into());
        let text = masked_toml(&config).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(
            text.starts_with("# server.password is set but not shown"),
            "{text}"
        );
        let back = Config::parse(&text, Path::new("printed.toml")).unwrap();
        assert_eq!(back.server.password, None);
        assert_eq!(back.server.name, config.server.name);
    }

    #[test]
    fn nats_credentials_are_never_printed_either() {
        let mut config = Config::default();
        config.cluster.nats = Some("nats://127.0.0.1:4222".into());
        config.cluster.user = Some("natterd".into());
        config.cluster.password = Some("pa55word".into());
        let text = masked_toml(&config).unwrap();
        assert!(!text.contains("pa55word"), "{text}");
        assert!(
            text.contains("# cluster.password is set but not shown"),
            "{text}"
        );
        assert!(
            text.contains("natterd"),
            "the user name is not a secret: {text}"
        );
        config.cluster.user = None;
        config.cluster.password = None;
        config.cluster.token = Some("t0ken".into());
        let text = masked_toml(&config).unwrap();
        assert!(
            !text.contains("t0ken") && text.contains("# cluster.token is set"),
            "{text}"
        );
    }

    #[test]
    fn system_file_comes_first() {
        assert_eq!(search_path()[0], Path::new(SYSTEM_FILE));
    }
}
