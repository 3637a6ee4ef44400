//! Who holds a loopback port, so "port in use" can name the process to stop.

use std::path::Path;

/// `"pid 1234 (livekit-server)"` for the process listening on TCP `port` (or bound to UDP `port`), when
/// `/proc` tells; `None` when nothing holds it or the holder is not visible to us.
pub fn describe(port: u16) -> Option<String> {
    let inodes: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6", "/proc/net/udp", "/proc/net/udp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|table| socket_inodes(&table, port))
        .collect();
    if inodes.is_empty() {
        return None;
    }
    let wanted: Vec<String> = inodes.iter().map(|inode| format!("socket:[{inode}]")).collect();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        let holds = fds.flatten().any(|fd| {
            std::fs::read_link(fd.path()).is_ok_and(|target| wanted.iter().any(|w| Path::new(w) == target))
        });
        if holds {
            let name = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            return Some(format!("pid {pid} ({})", name.trim()));
        }
    }
    Some("a process this user cannot see".to_owned())
}

/// Inodes of the sockets in one `/proc/net/{tcp,udp}[6]` table bound to `port`: TCP ones listening
/// (state `0A`), UDP ones in any state.
fn socket_inodes(table: &str, port: u16) -> Vec<String> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields.get(1)?.rsplit(':').next()?;
            let state = *fields.get(3)?;
            let inode = *fields.get(9)?;
            let bound = u16::from_str_radix(local_port, 16).ok()? == port;
            // TCP sockets that only connect from this port are not holding it; UDP ones (state 07) are.
            (bound && (state == "0A" || state == "07") && inode != "0").then(|| inode.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1EC8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1EC8 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 20 4 30 10 -1
";

    #[test]
    fn a_listening_socket_on_the_port_is_found_and_a_connected_one_is_not() {
        assert_eq!(socket_inodes(TABLE, 7880), vec!["4242".to_owned()]);
        assert!(socket_inodes(TABLE, 7881).is_empty());
    }

    #[test]
    fn a_port_we_listen_on_names_this_process() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let holder = describe(port).unwrap();
        assert!(holder.starts_with(&format!("pid {} ", std::process::id())), "{holder}");
    }
}
