//! Loading the config file: defaults, and errors that name the file, line and key.

use super::*;
use std::time::Duration;

const SHIPPED: &str = include_str!("../../../assets/natterd.toml");

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("/etc/natter/natterd.toml"))
}

#[test]
fn shipped_file_documents_exactly_the_defaults() {
    let mut shipped = parse(SHIPPED).unwrap();
    assert_eq!(
        shipped.server.motd_file.as_deref(),
        Some(Path::new("motd.txt"))
    );
    shipped.server.motd_file = None;
    assert_eq!(
        toml::to_string(&shipped).unwrap(),
        toml::to_string(&Config::default()).unwrap()
    );
}

#[test]
fn empty_file_is_the_defaults() {
    let config = parse("").unwrap();
    assert_eq!(config.server.bind, SocketAddr::from(([0, 0, 0, 0], 6667)));
    assert_eq!(config.server.default_channel, "#lobby");
}

#[test]
fn texts_shown_to_irc_users_refuse_control_characters_naming_the_key() {
    let text = parse("[server]\ndescription = \"a\\nb\"\n")
        .unwrap_err()
        .to_string();
    assert!(text.contains("server.description"), "{text}");
    assert!(text.contains("control characters (found U+000A)"), "{text}");
    let text = parse("[admin]\nemail = \"a\\u001bb\"\n")
        .unwrap_err()
        .to_string();
    assert!(text.contains("admin.email"), "{text}");
}

#[test]
fn type_error_names_file_line_and_key() {
    let error = parse("[server]\nname = \"x\"\n\n[limits]\nmax_clients = \"lots\"\n").unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with("/etc/natter/natterd.toml:5:"), "{text}");
    assert!(text.contains("limits.max_clients"), "{text}");
}

#[test]
fn operator_blocks_parse_and_errors_name_the_block_and_line() {
    let hash = crate::accounts::password::hash("operpassword").unwrap_or_default();
    let good =
        format!("[[operators]]\nname = \"root\"\npassword = \"{hash}\"\nhost = \"192.168.1.*\"\n");
    let config = parse(&good).unwrap();
    assert_eq!(config.operators.len(), 1);
    assert_eq!(config.operators[0].host.as_deref(), Some("192.168.1.*"));
    let bad = format!("{good}\n[[operators]]\nname = \"two\"\npassword = \"plaintext\"\n");
    let text = parse(&bad).unwrap_err().to_string();
    assert!(
        text.starts_with(
            "/etc/natter/natterd.toml:8: key `operators[1].password` must be an argon2id hash"
        ),
        "{text}"
    );
    // The shipped file's commented example, uncommented with a real hash.
    let example: String = SHIPPED
        .lines()
        .skip_while(|line| *line != "# [[operators]]")
        .map(|line| line.trim_start_matches("# "))
        .map(|line| match line.starts_with("password") {
            true => format!("password = \"{hash}\"\n"),
            false => format!("{line}\n"),
        })
        .collect();
    assert_eq!(parse(&example).unwrap().operators[0].name, "admin");
    let unknown = parse("[[operators]]\nname = \"x\"\npasword = \"y\"\n").unwrap_err();
    assert!(
        unknown
            .to_string()
            .starts_with("/etc/natter/natterd.toml:3:"),
        "{unknown}"
    );
}

#[test]
fn unknown_key_is_an_error_naming_it() {
    let text = parse("[limits]\nmax_client = 5\n").unwrap_err().to_string();
    assert!(
        text.contains(":2:") && text.contains("max_client"),
        "{text}"
    );
}

#[test]
fn syntax_error_names_the_line() {
    let text = parse("[server]\nname = \n").unwrap_err().to_string();
    assert!(text.contains("natterd.toml:2"), "{text}");
}

#[test]
fn invalid_value_names_the_key_and_its_line() {
    let text = parse("[server]\n\ndefault_channel = \"lobby\"\n")
        .unwrap_err()
        .to_string();
    assert!(text.contains(":3: key `server.default_channel`"), "{text}");
    let text = parse("[limits]\nflood_rate = 0\n").unwrap_err().to_string();
    assert!(text.contains(":2: key `limits.flood_rate`"), "{text}");
}

#[test]
fn requiring_accounts_needs_history() {
    let text = parse("[history]\nenabled = false\n\n[accounts]\nrequire = true\n")
        .unwrap_err()
        .to_string();
    assert!(text.contains(":5: key `accounts.require`"), "{text}");
    assert!(text.contains("needs history enabled"), "{text}");
    assert!(
        parse("[accounts]\nrequire = true\n")
            .unwrap()
            .accounts
            .require
    );
}

#[test]
fn durations_accept_units() {
    let config = parse("[limits]\nping_interval = \"2m\"\nping_timeout = 0.5\n").unwrap();
    assert_eq!(config.limits.ping_interval, Duration::from_secs(120));
    assert_eq!(config.limits.ping_timeout, Duration::from_millis(500));
}

#[test]
fn relative_motd_is_relative_to_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("natterd.toml");
    std::fs::write(&path, "[server]\nmotd_file = \"motd.txt\"\n").unwrap();
    std::fs::write(dir.path().join("motd.txt"), "hello\n").unwrap();
    let config = Config::load(&path).unwrap();
    assert_eq!(config.read_motd().unwrap().as_deref(), Some("hello\n"));
}

#[test]
fn missing_file_says_which() {
    let text = Config::load(Path::new("/nonexistent/natterd.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("cannot read config file /nonexistent/natterd.toml"),
        "{text}"
    );
}
