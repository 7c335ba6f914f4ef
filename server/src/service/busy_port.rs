//! Who holds a port: when binding fails with "address in use", natterd names
//! the program listening there (Linux: `/proc/net/tcp*` gives the socket's
//! inode, `/proc/*/fd` the process holding it). Only processes the user may
//! inspect can be found; otherwise the caller says so without a name.

use std::path::Path;

/// `"natterd (pid 1234)"` for the process listening on TCP `port`, if it can be found.
pub fn holder(port: u16) -> Option<String> {
    let inodes: Vec<u64> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|text| listening_inodes(&text, port))
        .collect();
    if inodes.is_empty() {
        return None;
    }
    let wanted: Vec<String> = inodes
        .iter()
        .map(|inode| format!("socket:[{inode}]"))
        .collect();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if holds_any(&entry.path().join("fd"), &wanted) {
            let command = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            let command = command.trim();
            return Some(if command.is_empty() {
                format!("pid {pid}")
            } else {
                format!("{command} (pid {pid})")
            });
        }
    }
    None
}

/// Inodes of sockets in `/proc/net/tcp` format text that listen on `port`.
fn listening_inodes(table: &str, port: u16) -> Vec<u64> {
    const LISTEN: &str = "0A";
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local = fields.get(1)?;
            let state = fields.get(3)?;
            let inode = fields.get(9)?.parse::<u64>().ok()?;
            let (_, hex_port) = local.rsplit_once(':')?;
            let listening = *state == LISTEN && u16::from_str_radix(hex_port, 16).ok()? == port;
            (listening && inode != 0).then_some(inode)
        })
        .collect()
}

fn holds_any(fd_dir: &Path, wanted: &[String]) -> bool {
    let Ok(entries) = std::fs::read_dir(fd_dir) else {
        return false;
    };
    entries.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .ok()
            .and_then(|target| target.to_str().map(|t| wanted.iter().any(|w| w == t)))
            .unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1A0B 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 424242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1A0B 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 515151 1 0000000000000000 20 4 30 10 -1
";

    #[test]
    fn finds_only_listening_sockets_on_the_port() {
        assert_eq!(listening_inodes(TABLE, 6667), [424242]);
        assert!(listening_inodes(TABLE, 6668).is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn names_this_very_process_as_the_holder() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let found = holder(port).unwrap();
        assert!(
            found.contains(&format!("pid {}", std::process::id())),
            "{found}"
        );
    }
}
