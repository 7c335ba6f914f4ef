//! Which changed settings a running server cannot apply.

use crate::config::Config;
use toml::Value;

/// The dotted keys whose value differs between `running` and `new`, leaving
/// out those under any of `reloadable` (a key, or a whole table such as `"tls"`).
/// Sorted, so reports are stable.
pub fn restart_needed(running: &Config, new: &Config, reloadable: &[&str]) -> Vec<String> {
    let (Ok(running), Ok(new)) = (Value::try_from(running), Value::try_from(new)) else {
        // Config always serialises; if it ever did not, claim nothing.
        return Vec::new();
    };
    let mut changed = Vec::new();
    collect(&running, &new, "", &mut changed);
    changed.retain(|key| !reloadable.iter().any(|covered| is_under(key, covered)));
    changed.sort();
    changed
}

fn is_under(key: &str, covered: &str) -> bool {
    key == covered
        || key
            .strip_prefix(covered)
            .is_some_and(|rest| rest.starts_with('.'))
}

fn collect(old: &Value, new: &Value, prefix: &str, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Table(old), Value::Table(new)) => {
            let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                match (old.get(key), new.get(key)) {
                    (Some(a), Some(b)) => collect(a, b, &path, out),
                    _ => out.push(path),
                }
            }
        }
        (old, new) if old != new => out.push(prefix.to_string()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn lists_changed_keys_except_reloadable_ones() {
        let running = Config::default();
        let mut new = Config::default();
        new.server.bind = "127.0.0.1:7000".parse().unwrap();
        new.server.password = Some("secret".into());
        new.server.motd_file = Some(PathBuf::from("motd.txt"));
        new.limits.max_clients = 3;
        let reloadable = ["server.password", "server.motd_file"];
        assert_eq!(
            restart_needed(&running, &new, &reloadable),
            ["limits.max_clients", "server.bind"]
        );
    }

    #[test]
    fn a_table_covers_its_keys_but_not_lookalike_names() {
        let running = Config::default();
        let mut new = Config::default();
        new.limits.max_clients = 3;
        new.limits.max_clients_per_ip = 2;
        assert!(restart_needed(&running, &new, &["limits"]).is_empty());
        assert_eq!(
            restart_needed(&running, &new, &["limits.max_clients"]),
            ["limits.max_clients_per_ip"]
        );
    }

    #[test]
    fn same_config_needs_nothing() {
        assert!(restart_needed(&Config::default(), &Config::default(), &[]).is_empty());
    }
}
