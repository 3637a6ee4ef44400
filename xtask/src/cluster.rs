//! The LiveKit cluster the `e2e-cluster` suite runs on, all on loopback: `redis-server`, two livekit-server
//! nodes sharing it, `haproxy` in front of their signal ports with health checks, toxiproxy in front of
//! haproxy (signal-path faults), then the devserver and ChromeDriver as in [`crate::stack`]. Every process is
//! a [`ChildGuard`]: dropping the cluster stops all of it. The facts behind each setting are in
//! `ARCHITECTURE.md` and the README's "LiveKit cluster" section.
//!
//! haproxy has three frontends, each behind its own toxiproxy proxy: `any` balances over both nodes (the
//! app's `livekit_url`), `via_a` and `via_b` prefer one node and fall back to the other, so a test can land
//! each person's signal connection on a chosen node and still see it fail over.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::engine::Engine;
use crate::paths;
use crate::process::{step_error, ChildGuard, StepError};
use crate::stack::{self, Ports, StackOptions};

/// A livekit-server node of the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    A,
    B,
}

impl Node {
    const BOTH: [Node; 2] = [Node::A, Node::B];

    pub fn name(self) -> &'static str {
        match self {
            Node::A => "livekit-a",
            Node::B => "livekit-b",
        }
    }

    fn ports(self) -> Ports {
        match self {
            Node::A => NODE_A,
            Node::B => NODE_B,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The toxiproxy proxy (and haproxy frontend behind it) that prefers this node.
    fn proxy(self) -> &'static str {
        match self {
            Node::A => "signal_a",
            Node::B => "signal_b",
        }
    }
}

// The cluster's own range (the devserver and ChromeDriver take theirs from node A's `Ports`), clear of dev (7880-7882, 8787), test (7890-7892, 8797, 9525), bench
// (7900-7902, 8807, 9535) and the 7950-7954 kept for a signal test, so any of them can run alongside.
const NODE_A: Ports =
    Ports { livekit: 7760, livekit_tcp: 7761, livekit_udp: 7762, devserver: 8827, chromedriver: 9555, geckodriver: 9556 };
const NODE_B: Ports =
    Ports { livekit: 7763, livekit_tcp: 7764, livekit_udp: 7765, devserver: 8827, chromedriver: 9555, geckodriver: 9556 };
const REDIS: u16 = 7766;
/// haproxy frontends: `any`, `via_a`, `via_b`.
const HAPROXY: [u16; 3] = [7767, 7768, 7769];
const TOXIPROXY_API: u16 = 7770;
/// toxiproxy proxies, each in front of the haproxy frontend at the same index.
const PROXIES: [(&str, u16); 3] = [("signal", 7771), ("signal_a", 7772), ("signal_b", 7773)];

const READY_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Cluster {
    options: StackOptions,
    /// Redis's dump, haproxy's config and admin socket, toxiproxy's proxy list; removed on drop.
    dir: PathBuf,
    // Held only so that they stop when the cluster drops.
    _devserver: ChildGuard,
    /// After the devserver in drop order: it holds connections to it.
    _postgres: crate::postgres::Cluster,
    _chromedriver: ChildGuard,
    _toxiproxy: ChildGuard,
    _haproxy: ChildGuard,
    nodes: [Option<ChildGuard>; 2],
    redis: Option<ChildGuard>,
}

impl Cluster {
    /// Starts everything, serving the app from `dist`, and returns once both nodes are up behind haproxy.
    pub fn start(dist: PathBuf, log_dir: PathBuf) -> Result<Self, StepError> {
        let options = StackOptions {
            ports: NODE_A,
            dist: Some(dist),
            faults: true,
            webdrivers: &[Engine::Chromium],
            log_dir: Some(log_dir),
        };
        stack::create_log_dir(&options)?;
        // Short: haproxy's admin socket lives here, and a Unix socket path may not exceed 107 bytes.
        let dir = std::env::temp_dir().join(format!("lk-cluster-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|err| step_error("cluster", format!("cannot create {}: {err}", dir.display())))?;
        let (postgres, database_url) = stack::start_postgres(&options)?;
        let redis = Some(start_redis(&options, &dir)?);
        let nodes = [Some(start_node(&options, Node::A)?), Some(start_node(&options, Node::B)?)];
        let haproxy = start_haproxy(&options, &dir)?;
        let toxiproxy = start_toxiproxy(&options, &dir)?;
        // The app's `livekit_url`: toxiproxy, then haproxy balancing over both nodes.
        // Scenarios hand each person a node's own proxy as the token's `serverUrl`; the page's CSP must allow them.
        let via_nodes = Node::BOTH.map(|node| signal_url(node.proxy()));
        let devserver = stack::start_devserver(&options, &signal_url("signal"), &via_nodes, &database_url)?;
        let chromedriver = stack::start_webdriver(&options, Engine::Chromium)?;
        let cluster = Cluster {
            options,
            dir,
            _devserver: devserver,
            _postgres: postgres,
            _chromedriver: chromedriver,
            _toxiproxy: toxiproxy,
            _haproxy: haproxy,
            nodes,
            redis,
        };
        cluster.wait_until_serving(&Node::BOTH)?;
        Ok(cluster)
    }

    pub fn devserver_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.options.ports.devserver)
    }

    pub fn webdriver_url(&self) -> String {
        format!("http://127.0.0.1:{}", stack::webdriver_port(self.options.ports, Engine::Chromium))
    }

    /// A URL whose signal connection lands on `node` while it is up, and on the other one when it is not.
    pub fn livekit_url_via(&self, node: Node) -> String {
        signal_url(node.proxy())
    }

    /// Kills `node` with SIGKILL, as a crash would: it tells nobody.
    pub fn kill_node(&mut self, node: Node) {
        self.nodes[node.index()] = None;
    }

    /// Shuts `node` down the way an operator would: the first SIGTERM only drains (the node waits for its
    /// rooms to empty, telling nobody), the second makes it send every participant `SERVER_SHUTDOWN` and exit.
    pub fn shut_down_node(&mut self, node: Node) -> Result<(), StepError> {
        let Some(guard) = self.nodes[node.index()].as_mut() else {
            return Err(step_error(node.name(), "is not running"));
        };
        guard.signal(libc::SIGTERM)?;
        std::thread::sleep(Duration::from_millis(500));
        guard.signal(libc::SIGTERM)?;
        let exited = guard.wait_for_exit(Duration::from_secs(20));
        self.nodes[node.index()] = None;
        match exited {
            Some(_) => Ok(()),
            None => Err(step_error(node.name(), "did not exit within 20 s of a second SIGTERM; killed it")),
        }
    }

    /// Starts whatever a fault left stopped (Redis, a node) and waits until both nodes serve again.
    pub fn ensure_running(&mut self) -> Result<(), StepError> {
        if self.redis.is_none() {
            self.redis = Some(start_redis(&self.options, &self.dir)?);
        }
        for node in Node::BOTH {
            if self.nodes[node.index()].is_none() {
                self.nodes[node.index()] = Some(start_node(&self.options, node)?);
            }
        }
        self.wait_until_serving(&Node::BOTH)
    }

    fn is_running(&self, node: Node) -> bool {
        self.nodes[node.index()].is_some()
    }

    /// The node id (`ND_…`) `node` announced when it last started, from its log.
    fn node_id(&self, node: Node) -> Result<String, StepError> {
        let log = self.log_path(node.name())?;
        let text = std::fs::read_to_string(&log)
            .map_err(|err| step_error(node.name(), format!("cannot read {}: {err}", log.display())))?;
        text.match_indices("\"nodeID\": \"")
            .last()
            .and_then(|(at, key)| text[at + key.len()..].split('"').next())
            .map(str::to_owned)
            .ok_or_else(|| step_error(node.name(), format!("no nodeID in {}", log.display())))
    }

    /// The node hosting `room`, from the room-to-node map the nodes keep in Redis.
    pub fn node_hosting(&self, room: &str) -> Result<Option<Node>, StepError> {
        let Some(id) = bulk_string(&redis_command(&["HGET", "room_node_map", room])?) else { return Ok(None) };
        for node in Node::BOTH {
            if self.is_running(node) && self.node_id(node)? == id {
                return Ok(Some(node));
            }
        }
        Ok(None)
    }

    /// How many participants the nodes list in `room` (Redis's `room_participants:<room>`), leavers included
    /// until their node notices.
    pub fn participants_in(&self, room: &str) -> Result<u64, StepError> {
        let reply = redis_command(&["HLEN", &format!("room_participants:{room}")])?;
        reply
            .strip_prefix(':')
            .and_then(|count| count.trim().parse().ok())
            .ok_or_else(|| step_error("redis-server", format!("HLEN answered {reply:?}")))
    }

    /// Stops Redis with a save (`SHUTDOWN SAVE`) and starts it again on the same dump, so the room-to-node
    /// map survives; without it the same room could be placed again on the other node while it lives on.
    pub fn restart_redis(&mut self) -> Result<(), StepError> {
        if let Some(mut redis) = self.redis.take() {
            // The connection closes as the server exits, so this command has no answer.
            let _ = redis_command(&["SHUTDOWN", "SAVE"]);
            if redis.wait_for_exit(Duration::from_secs(10)).is_none() {
                return Err(step_error("redis-server", "did not exit within 10 s of SHUTDOWN SAVE"));
            }
        }
        self.redis = Some(start_redis(&self.options, &self.dir)?);
        Ok(())
    }

    /// Adds `ms` of latency each way on every signal path (client to haproxy), on open and new connections.
    pub fn add_signal_latency(&self, ms: u32) -> Result<(), StepError> {
        for (proxy, _) in PROXIES {
            for stream in ["upstream", "downstream"] {
                let toxic = format!(
                    r#"{{"name":"latency_{stream}","type":"latency","stream":"{stream}","toxicity":1,"attributes":{{"latency":{ms},"jitter":0}}}}"#
                );
                toxiproxy_api("POST", &format!("/proxies/{proxy}/toxics"), &toxic)?;
            }
        }
        Ok(())
    }

    /// Cuts (`false`) or restores (`true`) every signal path: a cut closes open connections and refuses new ones.
    pub fn set_signal_path(&self, enabled: bool) -> Result<(), StepError> {
        for (proxy, _) in PROXIES {
            toxiproxy_api("POST", &format!("/proxies/{proxy}"), &format!(r#"{{"enabled":{enabled}}}"#))?;
        }
        Ok(())
    }

    /// Removes every toxic and re-enables every proxy.
    pub fn clear_signal_faults(&self) -> Result<(), StepError> {
        toxiproxy_api("POST", "/reset", "").map(drop)
    }

    /// How many connections haproxy has open to `node` through the frontend that prefers `via`.
    pub fn signal_connections(&self, via: Node, node: Node) -> Result<u32, StepError> {
        let backend = format!("prefer_{}", via.name().trim_start_matches("livekit-"));
        let server = node.name().trim_start_matches("livekit-");
        self.haproxy_stat(&backend, server, "scur")?
            .parse()
            .map_err(|_| step_error("haproxy", format!("no session count for {backend}/{server}")))
    }

    /// Waits until `nodes` answer `GET /` with 200 (their stats in Redis are fresh) and haproxy marks them UP
    /// in every backend.
    fn wait_until_serving(&self, nodes: &[Node]) -> Result<(), StepError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        for &node in nodes {
            let short = node.name().trim_start_matches("livekit-");
            loop {
                let healthy = http(node.ports().livekit, "GET", "/", "").is_ok_and(|(status, _)| status == 200);
                let up = ["any", "prefer_a", "prefer_b"]
                    .iter()
                    .all(|backend| self.haproxy_stat(backend, short, "status").is_ok_and(|s| s == "UP"));
                if healthy && up {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(step_error(
                        node.name(),
                        format!("not serving behind haproxy within {READY_TIMEOUT:?} (healthy: {healthy}, UP: {up})"),
                    ));
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        Ok(())
    }

    /// One field of haproxy's `show stat` for `backend/server`.
    fn haproxy_stat(&self, backend: &str, server: &str, field: &str) -> Result<String, StepError> {
        let mut socket = UnixStream::connect(self.dir.join("haproxy.sock"))
            .map_err(|err| step_error("haproxy", format!("admin socket: {err}")))?;
        socket.write_all(b"show stat\n").map_err(|err| step_error("haproxy", err.to_string()))?;
        let mut csv = String::new();
        socket.read_to_string(&mut csv).map_err(|err| step_error("haproxy", err.to_string()))?;
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().trim_start_matches("# ").split(',').collect();
        let column = header.iter().position(|name| *name == field);
        lines
            .map(|line| line.split(',').collect::<Vec<_>>())
            .find(|row| row.first() == Some(&backend) && row.get(1) == Some(&server))
            .and_then(|row| column.and_then(|c| row.get(c).map(|v| (*v).to_owned())))
            .ok_or_else(|| step_error("haproxy", format!("no {field} for {backend}/{server}")))
    }

    fn log_path(&self, name: &str) -> Result<PathBuf, StepError> {
        self.options
            .log_dir
            .as_ref()
            .map(|dir| dir.join(format!("{name}.log")))
            .ok_or_else(|| step_error(name, "the cluster writes no logs"))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // The guards stop their processes when the fields drop, after this; nothing reads the dir by then.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn signal_url(proxy: &str) -> String {
    let port = PROXIES.iter().find(|(name, _)| *name == proxy).map_or(0, |(_, port)| *port);
    format!("ws://127.0.0.1:{port}")
}

fn start_redis(options: &StackOptions, dir: &std::path::Path) -> Result<ChildGuard, StepError> {
    let mut command = Command::new(paths::REDIS_SERVER);
    command
        .args(["--port", &REDIS.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir);
    stack::spawn_and_wait("redis-server", command, options, REDIS)
}

/// A node's config: the single-node one (`stack::livekit_config`) with its own ports, plus the shared Redis.
fn node_config(node: Node) -> String {
    format!("{}redis:\n  address: 127.0.0.1:{REDIS}\n", stack::livekit_config(node.ports()))
}

fn start_node(options: &StackOptions, node: Node) -> Result<ChildGuard, StepError> {
    let mut command = Command::new(paths::livekit_server_bin());
    command.arg("--config-body").arg(node_config(node));
    stack::spawn_and_wait(node.name(), command, options, node.ports().livekit)
}

/// haproxy in HTTP mode (WebSocket upgrades become tunnels). A node is checked with `GET /`, which answers 200
/// only while the node's stats in Redis are fresh; a killed node refuses the check and is DOWN within about
/// 1.3 s (`inter` + `fastinter`), and meanwhile a refused connection is retried on another server. Open
/// tunnels are left alone when a node goes DOWN, so a Redis blip does not cut every call.
fn haproxy_config(dir: &std::path::Path) -> String {
    let [any, via_a, via_b] = HAPROXY;
    let (a, b) = (NODE_A.livekit, NODE_B.livekit);
    format!(
        "global
  stats socket {socket} level admin
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout tunnel 1h
  retries 2
  option redispatch 1
  option httpchk GET /
  http-check expect status 200
  default-server check inter 1s fastinter 250ms fall 2 rise 2
frontend any
  bind 127.0.0.1:{any}
  default_backend any
frontend via_a
  bind 127.0.0.1:{via_a}
  default_backend prefer_a
frontend via_b
  bind 127.0.0.1:{via_b}
  default_backend prefer_b
backend any
  balance roundrobin
  server a 127.0.0.1:{a}
  server b 127.0.0.1:{b}
backend prefer_a
  server a 127.0.0.1:{a}
  server b 127.0.0.1:{b} backup
backend prefer_b
  server b 127.0.0.1:{b}
  server a 127.0.0.1:{a} backup
",
        socket = dir.join("haproxy.sock").display(),
    )
}

fn start_haproxy(options: &StackOptions, dir: &std::path::Path) -> Result<ChildGuard, StepError> {
    let config = dir.join("haproxy.cfg");
    std::fs::write(&config, haproxy_config(dir))
        .map_err(|err| step_error("haproxy", format!("cannot write {}: {err}", config.display())))?;
    let mut command = Command::new(paths::HAPROXY);
    command.arg("-f").arg(&config);
    stack::spawn_and_wait("haproxy", command, options, HAPROXY[0])
}

fn start_toxiproxy(options: &StackOptions, dir: &std::path::Path) -> Result<ChildGuard, StepError> {
    let proxies: Vec<String> = PROXIES
        .iter()
        .zip(HAPROXY)
        .map(|((name, listen), upstream)| {
            format!(r#"{{"name":"{name}","listen":"127.0.0.1:{listen}","upstream":"127.0.0.1:{upstream}","enabled":true}}"#)
        })
        .collect();
    let config = dir.join("toxiproxy.json");
    std::fs::write(&config, format!("[{}]", proxies.join(",")))
        .map_err(|err| step_error("toxiproxy", format!("cannot write {}: {err}", config.display())))?;
    let mut command = Command::new(paths::toxiproxy_bin());
    command.args(["-host", "127.0.0.1", "-port", &TOXIPROXY_API.to_string(), "-config"]).arg(&config);
    let guard = stack::spawn_and_wait("toxiproxy", command, options, TOXIPROXY_API)?;
    for (name, port) in PROXIES {
        if TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_secs(1)).is_err() {
            return Err(step_error("toxiproxy", format!("proxy {name} is not listening on {port}")));
        }
    }
    Ok(guard)
}

/// One call to toxiproxy's API; anything but 2xx is an error with its answer.
fn toxiproxy_api(method: &str, path: &str, body: &str) -> Result<String, StepError> {
    match http(TOXIPROXY_API, method, path, body) {
        Ok((200..=299, answer)) => Ok(answer),
        Ok((status, answer)) => Err(step_error("toxiproxy", format!("{method} {path} answered {status}: {answer}"))),
        Err(err) => Err(step_error("toxiproxy", format!("{method} {path}: {err}"))),
    }
}

/// A minimal HTTP/1.1 request to a loopback port: status and body. toxiproxy refuses browser user agents,
/// and xtask has no HTTP client (std only).
fn http(port: u16, method: &str, path: &str, body: &str) -> Result<(u16, String), std::io::Error> {
    let mut socket = TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_secs(2))?;
    socket.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        socket,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: xtask\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut reply = String::new();
    socket.read_to_string(&mut reply)?;
    let status = reply.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = reply.split_once("\r\n\r\n").map_or("", |(_, body)| body).to_owned();
    Ok((status, body))
}

/// One Redis command over RESP, and its raw reply (empty when the server closed without one); an error
/// reply is an error.
fn redis_command(args: &[&str]) -> Result<String, StepError> {
    let fail = |err: std::io::Error| step_error("redis-server", format!("{}: {err}", args.join(" ")));
    let mut socket =
        TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], REDIS)), Duration::from_secs(2)).map_err(fail)?;
    socket.set_read_timeout(Some(Duration::from_secs(5))).map_err(fail)?;
    let mut request = format!("*{}\r\n", args.len());
    for arg in args {
        request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    socket.write_all(request.as_bytes()).map_err(fail)?;
    let mut reply = [0u8; 512];
    let read = socket.read(&mut reply).unwrap_or(0);
    let reply = String::from_utf8_lossy(&reply[..read]).into_owned();
    match reply.strip_prefix('-') {
        Some(error) => Err(step_error("redis-server", format!("{}: {}", args.join(" "), error.trim()))),
        None => Ok(reply),
    }
}

/// The value of a RESP bulk-string reply, `$<length>\r\n<value>\r\n`; `None` for nil (`$-1\r\n`) or another kind.
fn bulk_string(reply: &str) -> Option<String> {
    reply
        .strip_prefix('$')
        .filter(|rest| !rest.starts_with("-1"))
        .and_then(|rest| rest.split("\r\n").nth(1))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::bulk_string;

    #[test]
    fn bulk_strings_and_nil() {
        assert_eq!(bulk_string("$15\r\nND_Y4LQJ9dAUJaY\r\n").as_deref(), Some("ND_Y4LQJ9dAUJaY"));
        assert_eq!(bulk_string("$-1\r\n"), None);
        assert_eq!(bulk_string("+OK\r\n"), None);
    }
}
