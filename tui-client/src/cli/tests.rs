//! The command line: addresses, links, nicks, and what wins over what.

use super::*;
use crate::config::ConfigFile;
use crate::net::client_cert::ClientCert;

#[test]
fn irc_links_and_the_tls_flag() {
    let target = |text: &str, tls: bool| parse_target(text, tls).map(|t| (t.host, t.port, t.tls));
    assert_eq!(
        target("ircs://chat.lan", false),
        Ok(("chat.lan".into(), 6697, true))
    );
    assert_eq!(
        target("ircs://chat.lan:7000/#rust", false),
        Ok(("chat.lan".into(), 7000, true))
    );
    assert_eq!(
        target("IRC://[::1]:6668", false),
        Ok(("::1".into(), 6668, false))
    );
    assert_eq!(
        target("irc://chat.lan", false),
        Ok(("chat.lan".into(), 6667, false))
    );
    assert_eq!(
        target("ircs://[::1]", false),
        Ok(("::1".into(), 6697, true))
    );
    assert_eq!(
        target("chat.lan", true),
        Ok(("chat.lan".into(), 6697, true))
    );
    assert_eq!(
        target("chat.lan:6667", true),
        Ok(("chat.lan".into(), 6667, true))
    );
    assert!(
        target("irc://chat.lan", true)
            .unwrap_err()
            .contains("--tls")
    );
    assert!(
        target("http://chat.lan", false)
            .unwrap_err()
            .contains("not an IRC link")
    );
}

#[test]
fn accept_fingerprint_needs_tls_and_a_fingerprint() {
    let fingerprint = natter_protocol::Fingerprint::of_der(b"x").to_string();
    let cli = Cli::parse_from(["natter", "ircs://h", "--accept-fingerprint", &fingerprint]);
    let (_, net) = resolve(&cli, &ConfigFile::default(), None).unwrap();
    assert_eq!(net.tls.unwrap().accept.unwrap().to_string(), fingerprint);
    let cli = Cli::parse_from(["natter", "h", "--accept-fingerprint", &fingerprint]);
    assert!(
        resolve(&cli, &ConfigFile::default(), None)
            .unwrap_err()
            .contains("for TLS")
    );
    let cli = Cli::parse_from(["natter", "ircs://h", "--accept-fingerprint", "nope"]);
    assert!(
        resolve(&cli, &ConfigFile::default(), None)
            .unwrap_err()
            .contains("64 hex digits")
    );
}

#[test]
fn a_server_found_on_the_lan_stands_in_only_when_none_is_named() {
    let found = Target {
        host: "fe80::1".into(),
        port: 7000,
        tls: true,
    };
    assert_eq!(found.link(), "ircs://[fe80::1]:7000");
    let cli = Cli::parse_from(["natter"]);
    assert!(!names_a_server(&cli, &ConfigFile::default()));
    let (_, net) = resolve(&cli, &ConfigFile::default(), Some(&found)).unwrap();
    assert_eq!((net.host.as_str(), net.port), ("fe80::1", 7000));
    assert!(net.tls.is_some());
    let cli = Cli::parse_from(["natter", "chat.lan"]);
    assert!(names_a_server(&cli, &ConfigFile::default()));
    let (_, net) = resolve(&cli, &ConfigFile::default(), Some(&found)).unwrap();
    assert_eq!((net.host.as_str(), net.port), ("chat.lan", 6667));
    assert!(net.tls.is_none());
}

#[test]
fn server_addresses() {
    assert_eq!(parse_server("chat.lan"), Ok(("chat.lan".into(), 6667)));
    assert_eq!(parse_server("10.0.0.2:7000"), Ok(("10.0.0.2".into(), 7000)));
    assert_eq!(parse_server("[::1]:7000"), Ok(("::1".into(), 7000)));
    assert_eq!(parse_server("::1"), Ok(("::1".into(), 6667)));
    assert!(
        parse_server("host:http")
            .unwrap_err()
            .contains("not a port")
    );
    assert!(parse_server("host:0").is_err());
}

#[test]
fn login_names_become_valid_nicks() {
    assert_eq!(nick_from_login("john.doe"), "john_doe");
    assert_eq!(nick_from_login("1abc"), "n1abc");
    assert_eq!(nick_from_login(""), "natter");
}

#[test]
fn command_line_wins_over_config() {
    let cli = Cli::parse_from([
        "natter",
        "h:1234",
        "--nick",
        "bob",
        "--join",
        "rust,#lobby",
        "--no-bell",
    ]);
    let config = ConfigFile {
        server: Some("other".into()),
        nick: Some("alice".into()),
        channels: vec!["#music".into()],
        bell: Some(true),
        ..ConfigFile::default()
    };
    let (settings, net) = resolve(&cli, &config, None).unwrap();
    assert_eq!((net.host.as_str(), net.port), ("h", 1234));
    assert_eq!(settings.nick, "bob");
    assert_eq!(settings.channels, vec!["#lobby", "#music", "#rust"]);
    assert!(!settings.bell);
}

#[test]
fn more_servers_open_more_networks_with_the_same_nick_but_not_the_password() {
    let cli = Cli::parse_from(["natter", "--nick", "bob"]);
    let config = ConfigFile {
        servers: vec![
            "irc.example.org:6668".into(),
            "ircs://chat.example.net".into(),
        ],
        password: Some("first-server-secret".into()),
        ..ConfigFile::default()
    };
    let (settings, net) = resolve(&cli, &config, None).unwrap();
    assert_eq!(settings.servers, config.servers);
    let other = net_config_for(&net, "irc.example.org:6668").unwrap();
    assert_eq!((other.host.as_str(), other.port), ("irc.example.org", 6668));
    assert_eq!(other.identity.nick, net.identity.nick);
    assert_eq!(other.identity.username, net.identity.username);
    assert_eq!(
        net.identity.password.as_deref(),
        Some("first-server-secret")
    );
    assert_eq!(
        other.identity.password, None,
        "a secret went to another server"
    );
    assert_eq!(other.identity.account, None);
    assert!(other.tls.is_none());
    let secure = net_config_for(&net, "ircs://chat.example.net").unwrap();
    assert_eq!(secure.port, 6697);
    assert!(secure.tls.is_some());
    let bad = ConfigFile {
        servers: vec!["host:notaport".into()],
        ..ConfigFile::default()
    };
    let error = resolve(&cli, &bad, None).unwrap_err();
    assert!(error.starts_with("servers: "), "{error}");
}

#[test]
fn a_server_picked_on_screen_keeps_the_first_networks_secrets_and_files() {
    let cli = Cli::parse_from(["natter", "--nick", "bob"]);
    let config = ConfigFile {
        password: Some("lan-secret".into()),
        ..ConfigFile::default()
    };
    let stand_in = parse_target("ircs://192.168.1.20", false).unwrap();
    let (_, net) = resolve(&cli, &config, Some(&stand_in)).unwrap();
    let picked = retarget(&net, "ircs://192.168.1.31:7000").unwrap();
    assert_eq!((picked.host.as_str(), picked.port), ("192.168.1.31", 7000));
    assert_eq!(picked.identity, net.identity, "the password goes too");
    let (tls, first) = (picked.tls.unwrap(), net.tls.clone().unwrap());
    assert_eq!(tls.known.path(), first.known.path());
    assert_eq!(picked.sts.unwrap().path(), net.sts.as_ref().unwrap().path());
    let plain = retarget(&net, "irc://192.168.1.40:6667").unwrap();
    assert!(plain.tls.is_none());
    assert!(retarget(&net, "http://x").is_err());
}

#[test]
fn a_client_certificate_is_checked_at_start_and_stays_with_the_first_server() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["alice".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let cert_path = dir.path().join("alice.crt");
    let key_path = dir.path().join("alice.key");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let args = |extra: &[&str]| {
        let mut args = vec!["natter", "--nick", "alice"];
        args.extend_from_slice(extra);
        Cli::parse_from(args)
    };
    let cert_arg = cert_path.to_str().unwrap();
    let key_arg = key_path.to_str().unwrap();
    let cli = args(&["--client-cert", cert_arg, "--client-key", key_arg]);
    let (_, net) = resolve(&cli, &ConfigFile::default(), None).unwrap();
    assert_eq!(
        net.identity.client_cert,
        Some(ClientCert::new(cert_path.clone(), Some(key_path.clone())))
    );
    let other = net_config_for(&net, "ircs://chat.example.net").unwrap();
    assert_eq!(other.identity.client_cert, None);
    // From the config, the command line winning.
    let config = ConfigFile {
        client_cert: Some(dir.path().join("elsewhere.crt")),
        client_key: Some(key_path.clone()),
        ..ConfigFile::default()
    };
    let cli = args(&["--client-cert", cert_arg]);
    let (_, net) = resolve(&cli, &config, None).unwrap();
    assert_eq!(
        net.identity.client_cert,
        Some(ClientCert::new(cert_path.clone(), Some(key_path.clone())))
    );
    // A key others can read stops natter, as ssh does.
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let cli = args(&["--client-cert", cert_arg, "--client-key", key_arg]);
    let error = resolve(&cli, &ConfigFile::default(), None).unwrap_err();
    assert!(error.ends_with(&format!("chmod 600 {key_arg}")), "{error}");
    let cli = args(&["--client-key", key_arg]);
    assert_eq!(
        resolve(&cli, &ConfigFile::default(), None).unwrap_err(),
        "client_key is set but client_cert is not: set both"
    );
}

#[test]
fn bad_nick_is_refused_with_advice() {
    let cli = Cli::parse_from(["natter", "--nick", "a b"]);
    assert!(
        resolve(&cli, &ConfigFile::default(), None)
            .unwrap_err()
            .contains("cannot be a nick")
    );
}

#[test]
fn help_is_complete() {
    use clap::CommandFactory;
    let help = Cli::command().render_long_help().to_string();
    for needle in [
        "--nick",
        "--join",
        "--password",
        "--config",
        "HOST[:PORT]",
        "Examples:",
        "Alt+Enter",
    ] {
        assert!(help.contains(needle), "missing {needle} in\n{help}");
    }
}
