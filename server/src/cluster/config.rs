//! The `[cluster]` section: which NATS servers to use, this node's name, how
//! to authenticate, and how fast a dead node is noticed.
//!
//! Off unless `nats` is set (or `--cluster URL` is given): a single natterd
//! needs nothing of this.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// The `[cluster]` table.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterConfig {
    /// NATS server URL(s), comma-separated: `nats://host:4222` (plaintext, or
    /// TLS when the server asks for it) or `tls://host:4222` (TLS required).
    /// The cluster is off when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats: Option<String>,
    /// This node's name, unique in the cluster; the host name when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// NATS user name (with `password`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// NATS password (with `user`). A secret: never printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// NATS authentication token. A secret: never printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// A file holding this node's NATS nkey seed (`SU...`); keep it 0600.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nkey_seed_file: Option<PathBuf>,
    /// PEM file of the CA(s) that signed the NATS servers' certificates, when
    /// they are not in the system's trust store (a LAN CA, a self-signed pair).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// How often this node tells the others it is alive.
    #[serde(with = "crate::config::duration")]
    pub heartbeat: Duration,
    /// Silence after which a node counts as dead: its users quit everywhere
    /// and its nicks become free. At least twice `heartbeat`.
    #[serde(with = "crate::config::duration")]
    pub node_timeout: Duration,
    /// Copies JetStream keeps of the cluster's state and history: 1 with one
    /// NATS server, 3 with a three-server NATS cluster.
    pub replicas: usize,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            nats: None,
            node: None,
            user: None,
            password: None,
            token: None,
            nkey_seed_file: None,
            ca_file: None,
            heartbeat: Duration::from_secs(2),
            node_timeout: Duration::from_secs(10),
            replicas: 1,
        }
    }
}

/// How this node proves itself to NATS.
#[derive(Clone, PartialEq, Eq)]
pub enum NatsAuth {
    /// No credentials.
    None,
    /// User name and password.
    UserPassword {
        /// The user.
        user: String,
        /// The password.
        password: String,
    },
    /// A shared token.
    Token(String),
    /// An nkey seed read from this file when connecting.
    NkeySeedFile(PathBuf),
}

impl std::fmt::Debug for NatsAuth {
    /// Never shows a secret, only which kind of credential is used.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NatsAuth::None => f.write_str("None"),
            NatsAuth::UserPassword { user, .. } => write!(f, "UserPassword({user}, ***)"),
            NatsAuth::Token(_) => f.write_str("Token(***)"),
            NatsAuth::NkeySeedFile(path) => write!(f, "NkeySeedFile({})", path.display()),
        }
    }
}

/// Longest node name, in bytes (it is part of subjects and keys).
pub const MAX_NODE_NAME: usize = 64;

impl ClusterConfig {
    /// Whether clustering is on.
    pub fn enabled(&self) -> bool {
        self.nats.is_some()
    }

    /// This node's name: `node`, else the host name (`natterd` if that is unusable).
    pub fn node_name(&self) -> String {
        if let Some(node) = &self.node {
            return node.clone();
        }
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        if valid_node_name(&host) {
            host
        } else {
            "natterd".to_string()
        }
    }

    /// The credentials to present (validated: at most one kind is set).
    pub fn auth(&self) -> NatsAuth {
        match (
            &self.user,
            &self.password,
            &self.token,
            &self.nkey_seed_file,
        ) {
            (Some(user), Some(password), _, _) => NatsAuth::UserPassword {
                user: user.clone(),
                password: password.clone(),
            },
            (_, _, Some(token), _) => NatsAuth::Token(token.clone()),
            (_, _, _, Some(file)) => NatsAuth::NkeySeedFile(file.clone()),
            _ => NatsAuth::None,
        }
    }

    /// The server URLs, one per comma-separated entry.
    pub fn urls(&self) -> Vec<String> {
        self.nats
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Whether TLS is required (a `tls://` URL).
    pub fn requires_tls(&self) -> bool {
        self.urls().iter().any(|url| url.starts_with("tls://"))
    }

    /// Checks what the types alone cannot; returns the offending key and why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if let Some(nats) = &self.nats {
            let urls = self.urls();
            if urls.is_empty() {
                return Err((
                    "cluster.nats",
                    "must name at least one NATS server, e.g. \"nats://127.0.0.1:4222\"".into(),
                ));
            }
            for url in &urls {
                check_url(url).map_err(|why| ("cluster.nats", format!("`{nats}`: {why}")))?;
            }
        }
        if let Some(node) = &self.node
            && !valid_node_name(node)
        {
            return Err((
                "cluster.node",
                format!(
                    "`{node}` is not a node name: use 1-{MAX_NODE_NAME} letters, digits, '-', '_' or '.'"
                ),
            ));
        }
        self.validate_auth()?;
        if self.heartbeat.is_zero() {
            return Err(("cluster.heartbeat", "must be positive".into()));
        }
        if self.node_timeout < self.heartbeat * 2 {
            return Err((
                "cluster.node_timeout",
                "must be at least twice cluster.heartbeat (one lost heartbeat must not kill a node)"
                    .into(),
            ));
        }
        if !(1..=5).contains(&self.replicas) {
            return Err((
                "cluster.replicas",
                "must be from 1 to 5 (JetStream's limit)".into(),
            ));
        }
        Ok(())
    }

    fn validate_auth(&self) -> Result<(), (&'static str, String)> {
        let kinds = [
            self.user.is_some() || self.password.is_some(),
            self.token.is_some(),
            self.nkey_seed_file.is_some(),
        ];
        if kinds.iter().filter(|set| **set).count() > 1 {
            return Err((
                "cluster.token",
                "use one way to authenticate to NATS: user and password, token, or nkey_seed_file"
                    .into(),
            ));
        }
        match (&self.user, &self.password) {
            (Some(_), None) => Err((
                "cluster.password",
                "must be set when cluster.user is".into(),
            )),
            (None, Some(_)) => Err((
                "cluster.user",
                "must be set when cluster.password is".into(),
            )),
            _ => Ok(()),
        }
    }
}

/// Whether `name` can name a node: short, and only characters that read well
/// in logs and survive in subjects (host names qualify).
pub fn valid_node_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NODE_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn check_url(url: &str) -> Result<(), String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(format!(
            "`{url}` has no scheme: write nats://{url} (or tls:// to require TLS)"
        ));
    };
    if !matches!(scheme, "nats" | "tls") {
        return Err(format!(
            "`{scheme}://` is not supported: use nats:// or tls://"
        ));
    }
    if rest.is_empty() || rest.starts_with(':') {
        return Err(format!("`{url}` names no host"));
    }
    url.parse::<async_nats::ServerAddr>()
        .map(|_| ())
        .map_err(|error| format!("`{url}` is not a NATS server address: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(nats: &str) -> ClusterConfig {
        ClusterConfig {
            nats: Some(nats.into()),
            ..ClusterConfig::default()
        }
    }

    #[test]
    fn off_by_default_and_valid() {
        let config = ClusterConfig::default();
        assert!(!config.enabled());
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.auth(), NatsAuth::None);
    }

    #[test]
    fn several_urls_and_tls() {
        let config = with("nats://a:4222, tls://b:4222");
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.urls(), ["nats://a:4222", "tls://b:4222"]);
        assert!(config.requires_tls());
        assert!(!with("nats://a:4222").requires_tls());
    }

    #[test]
    fn bad_urls_name_the_problem() {
        for (url, says) in [
            ("a:4222", "no scheme"),
            ("http://a:4222", "not supported"),
            ("nats://", "names no host"),
            (" , ", "at least one"),
        ] {
            let (key, why) = with(url).validate().unwrap_err();
            assert_eq!(key, "cluster.nats");
            assert!(why.contains(says), "{url}: {why}");
        }
    }

    #[test]
    fn node_names() {
        assert!(valid_node_name("node-1.example_lan"));
        assert!(!valid_node_name(""));
        assert!(!valid_node_name("a b"));
        assert!(!valid_node_name("a*"));
        assert!(!valid_node_name(&"n".repeat(65)));
        let config = ClusterConfig {
            node: Some("a>b".into()),
            ..with("nats://a")
        };
        assert_eq!(config.validate().unwrap_err().0, "cluster.node");
        assert!(valid_node_name(&ClusterConfig::default().node_name()));
    }

    #[test]
    fn one_kind_of_credential() {
        let both = ClusterConfig {
            token: Some("t".into()),
            nkey_seed_file: Some("/x".into()),
            ..with("nats://a")
        };
        assert_eq!(both.validate().unwrap_err().0, "cluster.token");
        let lonely_user = ClusterConfig {
            user: Some("u".into()),
            ..with("nats://a")
        };
        assert_eq!(lonely_user.validate().unwrap_err().0, "cluster.password");
        let pair = ClusterConfig {
            user: Some("u".into()),
            password: Some("p".into()),
            ..with("nats://a")
        };
        assert_eq!(pair.validate(), Ok(()));
        assert_eq!(format!("{:?}", pair.auth()), "UserPassword(u, ***)");
    }

    #[test]
    fn timing_bounds() {
        let config = ClusterConfig {
            heartbeat: Duration::from_secs(5),
            node_timeout: Duration::from_secs(9),
            ..ClusterConfig::default()
        };
        assert_eq!(config.validate().unwrap_err().0, "cluster.node_timeout");
        let config = ClusterConfig {
            replicas: 0,
            ..ClusterConfig::default()
        };
        assert_eq!(config.validate().unwrap_err().0, "cluster.replicas");
    }
}
