//! `cargo xtask dev` stops every server it started when it alone is signalled (as a process manager, `kill`
//! or a closed terminal does), and a port already in use is named with what holds it.

use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use xtask::port_holder;
use xtask::stack::Ports;

/// Where to look for five free ports: away from the dev (7880), test (7890) and bench (7900) stacks, so it runs
/// beside any of them; a later range when another clone's run of this test holds one.
const PORT_BASES: [u16; 5] = [7950, 7960, 7970, 7980, 7990];
/// The first start builds the app (Trunk, debug) when nothing is cached.
const START_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// What "within a few seconds" means: the grace xtask gives its children, and a little more.
const STOP_TIMEOUT: Duration = Duration::from_secs(8);

fn dev(ports: Ports) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.args(["dev", "--port-base", &ports.livekit.to_string()]).stdin(Stdio::null());
    command
}

/// The first range whose TCP ports and UDP media port are all free.
fn free_ports() -> Ports {
    let free = |ports: &Ports| {
        tcp_ports(*ports).into_iter().all(|port| TcpListener::bind(("127.0.0.1", port)).is_ok())
            && UdpSocket::bind(("127.0.0.1", ports.livekit_udp)).is_ok()
    };
    PORT_BASES.into_iter().filter_map(Ports::from_base).find(free).expect("one of the port ranges is free")
}

/// The xtask process, killed if the test fails before it is signalled.
struct Xtask(Child);

impl Drop for Xtask {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tcp_ports(ports: Ports) -> [u16; 3] {
    [ports.livekit, ports.livekit_tcp, ports.devserver]
}

fn answers(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

#[test]
fn dev_names_a_busy_port_then_frees_every_port_on_sigterm() {
    let ports = free_ports();

    // A port held by someone else: a sentence naming the port and its holder, not a hang.
    let squatter = TcpListener::bind(("127.0.0.1", ports.devserver)).expect("the devserver port is free");
    let refused = dev(ports).output().expect("xtask runs");
    drop(squatter);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "dev started although port {} was taken", ports.devserver);
    let expected = format!("port {} is already in use by pid {} ", ports.devserver, std::process::id());
    assert!(stderr.contains(&expected), "expected `{expected}` in: {stderr}");
    for port in tcp_ports(ports) {
        assert!(!answers(port), "port {port} still answers after dev gave up");
    }

    // SIGTERM to xtask alone: every server stops and every port is free within a few seconds.
    let mut xtask = Xtask(dev(ports).stdout(Stdio::null()).spawn().expect("xtask starts"));
    let deadline = Instant::now() + START_TIMEOUT;
    while !answers(ports.devserver) {
        assert!(xtask.0.try_wait().expect("try_wait").is_none(), "dev exited before its devserver answered");
        assert!(Instant::now() < deadline, "dev did not start within {START_TIMEOUT:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
    // Give the stack a moment to be fully up, as a user who starts then stops it would.
    std::thread::sleep(Duration::from_millis(500));
    let signalled = Instant::now();
    let kill = Command::new("kill").args(["-TERM", &xtask.0.id().to_string()]).status().expect("kill runs");
    assert!(kill.success());
    let status = loop {
        if let Some(status) = xtask.0.try_wait().expect("try_wait") {
            break status;
        }
        assert!(signalled.elapsed() < STOP_TIMEOUT, "xtask did not exit within {STOP_TIMEOUT:?} of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(128 + 15), "xtask should exit as stopped by SIGTERM");
    for port in tcp_ports(ports).into_iter().chain([ports.livekit_udp]) {
        while let Some(holder) = port_holder::describe(port) {
            assert!(signalled.elapsed() < STOP_TIMEOUT, "port {port} still held by {holder} after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
