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
