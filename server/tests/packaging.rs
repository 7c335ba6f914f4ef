//! What ships beside the binary: the systemd unit is a notify service that
//! reloads on SIGHUP and carries the hardening `systemd-analyze security` asks for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

const UNIT: &str = include_str!("../../assets/natterd.service");

fn unit_has(line: &str) -> bool {
    UNIT.lines().any(|l| l.trim() == line)
}

#[test]
fn unit_is_a_notify_service_that_reloads_with_sighup() {
    assert!(unit_has("Type=notify"));
    assert!(unit_has("ExecReload=/bin/kill -HUP $MAINPID"));
    assert!(unit_has("KillSignal=SIGTERM"));
    // AF_UNIX carries the readiness notifications.
    assert!(unit_has("RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"));
}

#[test]
fn unit_has_the_cheap_hardening() {
    for line in [
        "CapabilityBoundingSet=",
        "SystemCallFilter=@system-service",
        "SystemCallArchitectures=native",
        "ProtectClock=yes",
        "ProtectHostname=yes",
        "ProtectKernelLogs=yes",
        "RestrictNamespaces=yes",
        "UMask=0077",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
    ] {
        assert!(unit_has(line), "natterd.service lacks {line}");
    }
}

#[test]
fn unit_documentation_points_at_real_places() {
    let documentation = UNIT
        .lines()
        .find_map(|line| line.strip_prefix("Documentation="))
        .unwrap();
    assert!(documentation.contains("man:natterd(1)"), "{documentation}");
    assert!(!UNIT.contains("example."), "placeholder host in the unit");
}

/// `(major, minor, patch)` of a `rust-version` such as `1.89` or `1.71.1`.
fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|part| part.parse::<u64>().unwrap());
    (
        parts.next().unwrap(),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

#[test]
fn declared_rust_version_covers_every_locked_dependency() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    let mut declared = Vec::new();
    let mut strictest = ((0, 0, 0), String::new());
    for package in metadata["packages"].as_array().unwrap() {
        let Some(rust_version) = package["rust_version"].as_str() else {
            continue;
        };
        let name = package["name"].as_str().unwrap();
        if members.contains(&package["id"].as_str().unwrap()) {
            declared.push((version(rust_version), name.to_string()));
        } else if version(rust_version) > strictest.0 {
            strictest = (
                version(rust_version),
                format!("{name} {}", package["version"]),
            );
        }
    }
    assert!(!declared.is_empty());
    for (ours, name) in declared {
        assert!(
            ours >= strictest.0,
            "{name} declares rust-version {ours:?} but {} needs {:?}",
            strictest.1,
            strictest.0
        );
    }
}

#[test]
fn licences_named_in_cargo_toml_ship_with_the_source() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let manifest = std::fs::read_to_string(format!("{root}/Cargo.toml")).unwrap();
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    let mit = std::fs::read_to_string(format!("{root}/LICENSE-MIT")).unwrap();
    assert!(mit.starts_with("MIT License"));
    let apache = std::fs::read_to_string(format!("{root}/LICENSE-APACHE")).unwrap();
    assert!(apache.contains("Apache License") && apache.contains("Version 2.0, January 2004"));
    assert!(apache.contains("END OF TERMS AND CONDITIONS"));
}

#[test]
fn workspace_could_be_published() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let manifest = std::fs::read_to_string(format!("{root}/Cargo.toml")).unwrap();
    assert!(
        !manifest.contains("example.invalid"),
        "placeholder URL in Cargo.toml"
    );
    let protocol = manifest
        .lines()
        .find(|line| line.starts_with("natter-protocol ="))
        .unwrap();
    assert!(
        protocol.contains("version = "),
        "path dependency without a version: {protocol}"
    );
    for crate_dir in ["protocol", "server", "tui-client"] {
        let text = std::fs::read_to_string(format!("{root}/{crate_dir}/Cargo.toml")).unwrap();
        assert!(
            text.contains("\ndescription = "),
            "{crate_dir} has no description"
        );
        assert!(
            text.contains("license.workspace = true"),
            "{crate_dir} has no licence"
        );
    }
}
