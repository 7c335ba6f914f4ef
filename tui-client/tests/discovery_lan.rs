//! LAN discovery end to end, with every packet kept on loopback: the test
//! re-runs itself inside a new network namespace (`unshare -n`) whose only
//! interface is `lo`, switched up with multicast on. There natterd's
//! announcer (the code `natterd` runs at start) is found by the client's
//! discovery code and by the real `natter --discover`, with its name,
//! address, ports and certificate fingerprint; after the announcer stops
//! (goodbye packets) nothing is found.
//!
//! Creating a namespace needs root (or user namespaces). Where it cannot be
//! done the test says so and skips; under CI or `.ci/run` (which runs as
//! root and installs `unshare` and `ip`) it fails instead.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod natterd_bin;
mod tools;

use std::process::Command;

use natter::discovery::{self, WINDOW};
use natterd::discovery::{Announcement, Announcer};
use natterd::testing::TestServer;

/// Set inside the namespace, so the re-run does the real work.
const INSIDE: &str = "NATTER_TEST_IN_NETNS";

/// Runs test `name` of this binary again inside a private network
/// namespace; true when it ran (and passed), false when it was skipped.
fn rerun_in_private_network(name: &str) -> bool {
    let tools_present = tools::require(&["unshare"], "--version", "apt-get install util-linux")
        .is_some()
        && tools::require(&["ip"], "-V", "apt-get install iproute2").is_some();
    if !tools_present {
        return false;
    }
    let setup = "ip link set lo up && ip link set lo multicast on && exec \"$0\" \"$@\"";
    let output = Command::new("unshare")
        .args(["-n", "--", "sh", "-c", setup])
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() && !stdout.contains("running 1 test") {
        let message = format!(
            "cannot make a private network namespace (unshare -n needs root): {}",
            stderr.trim()
        );
        let required = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
            || std::env::var_os("NATTER_REQUIRE_TEST_TOOLS").is_some_and(|v| v == "1");
        assert!(!required, "{message}");
        eprintln!("skipped: {message}");
        return false;
    }
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "inside the namespace the test failed:\n{stdout}\n{stderr}"
    );
    true
}

#[test]
fn natter_finds_natterd_on_the_lan_and_forgets_it_when_it_stops() {
    if std::env::var_os(INSIDE).is_none() {
        rerun_in_private_network("natter_finds_natterd_on_the_lan_and_forgets_it_when_it_stops");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(TestServer::start());
    let tls_addr = server.tls_addr.unwrap();
    let fingerprint = server.context.tls.as_ref().unwrap().fingerprint();
    let announcer = Announcer::start(&Announcement {
        server: "natter.local".into(),
        network: "natter".into(),
        host: "lanbox".into(),
        plain: Some(server.addr),
        tls: Some((tls_addr, fingerprint)),
    })
    .unwrap();

    let found = discovery::discover(WINDOW).unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    let one = &found[0];
    assert_eq!(one.instance, "natter on lanbox");
    assert_eq!(one.server.as_deref(), Some("natter.local"));
    assert_eq!(one.network.as_deref(), Some("natter"));
    assert_eq!(one.addresses, vec![tls_addr.ip()]);
    assert_eq!(one.plain_port, Some(server.addr.port()));
    assert_eq!(one.tls_port, Some(tls_addr.port()));
    assert_eq!(one.fingerprint, Some(fingerprint));
    let target = one.target().unwrap();
    assert_eq!((target.port, target.tls), (tls_addr.port(), true));

    // The real binary lists it too.
    let output = Command::new(env!("CARGO_BIN_EXE_natter"))
        .arg("--discover")
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(listed.contains("natter on lanbox"), "{listed}");
    assert!(
        listed.contains(&format!("TLS {}", tls_addr.port())),
        "{listed}"
    );
    assert!(listed.contains(&fingerprint.to_string()), "{listed}");

    // Stopped: goodbye packets make it disappear.
    announcer.stop();
    let found = discovery::discover(WINDOW).unwrap();
    assert!(found.is_empty(), "{found:#?}");
    let output = Command::new(env!("CARGO_BIN_EXE_natter"))
        .arg("--discover")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("no natter server answered on the LAN"),
        "{said}"
    );
    assert!(said.contains("natter HOST[:PORT]"), "{said}");
    drop(server);
}

#[test]
fn the_natterd_binary_announces_itself_until_it_stops() {
    if std::env::var_os(INSIDE).is_none() {
        rerun_in_private_network("the_natterd_binary_announces_itself_until_it_stops");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Discovery is on by default: no flag turns it on.
    let natterd = natterd_bin::Natterd::start_with(dir.path(), &[]);
    let tls_port = natterd.tls_addr.rsplit(':').next().unwrap().to_owned();
    let output = Command::new(env!("CARGO_BIN_EXE_natter"))
        .arg("--discover")
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    let line = listed
        .lines()
        .find(|line| line.contains(&format!("TLS {tls_port}")))
        .unwrap_or_else(|| panic!("natterd not listed: {listed}"));
    assert!(line.contains("127.0.0.1"), "{line}");
    assert!(
        line.contains(&format!("SHA-256 {}", natterd.fingerprint)),
        "{line}"
    );
    // Stopped like an admin stops it: gone from the LAN.
    assert!(natterd.terminate().success());
    let output = Command::new(env!("CARGO_BIN_EXE_natter"))
        .arg("--discover")
        .output()
        .unwrap();
    assert!(!output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no natter server answered on the LAN"),
        "{output:?}"
    );
}
