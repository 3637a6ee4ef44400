//! Nothing a run starts outlives it: on SIGINT, SIGTERM or SIGHUP every child is stopped before xtask exits,
//! and a child dies with xtask even when xtask is killed outright.
//!
//! Ctrl-C in a terminal reaches the whole foreground process group, but a process manager, `kill <pid>` or a
//! closed terminal signals xtask alone; with the default action xtask died and left livekit-server and the
//! devserver holding their ports. So:
//! - every child runs in a process group of its own ([`supervised`]), which xtask signals as a whole, so the
//!   browsers under a test runner stop with it;
//! - every child asks the kernel for SIGKILL when its parent goes (`PR_SET_PDEATHSIG`), which covers a SIGKILL
//!   of xtask, where no handler runs. The kernel sends it when the *thread* that spawned the child exits, so
//!   spawn children that must live long from a thread that does too (the main thread, a runtime's worker);
//! - the three signals are blocked in every thread and taken by one thread ([`install`]), which stops the
//!   groups (SIGTERM, then SIGKILL after [`GRACE`]), removes the run's scratch directory and exits.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long children get to exit after SIGTERM before they are killed.
pub const GRACE: Duration = Duration::from_secs(5);

const STOP_SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Process groups of the children alive now (each child leads its own, so its pid is the group id).
static GROUPS: Mutex<Vec<libc::pid_t>> = Mutex::new(Vec::new());

/// Set once a stop signal arrived: the signal thread owns the exit from then on.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Blocks the stop signals and starts the thread that handles them. Call first in `main`, before any other
/// thread exists, so every later thread inherits the mask (std resets it in children, which keep the defaults).
pub fn install(on_stop: fn()) -> io::Result<()> {
    let set = stop_signal_set();
    // SAFETY: `set` is an initialised sigset_t; a null old-set pointer is allowed.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    std::thread::Builder::new().name("stop-signals".into()).spawn(move || {
        let mut signal: libc::c_int = 0;
        // SAFETY: `set` lives for this loop and `signal` is a valid out pointer.
        while unsafe { libc::sigwait(&set, &mut signal) } != 0 {}
        STOPPING.store(true, Ordering::SeqCst);
        eprintln!("xtask: {} received; stopping everything this run started", signal_name(signal));
        stop_children();
        on_stop();
        std::process::exit(128 + signal);
    })?;
    Ok(())
}

/// Parks the calling thread for good when a stop signal is being handled, so a task that ends because its
/// children were stopped (they exit 0 on SIGTERM) does not exit the process first with its own code.
pub fn yield_to_stop() {
    while STOPPING.load(Ordering::SeqCst) {
        std::thread::park();
    }
}

/// Makes `command` a supervised child: its own process group, and SIGKILL when xtask dies.
pub fn supervised(command: &mut Command) -> &mut Command {
    // SAFETY: the closure runs between fork and exec and calls only async-signal-safe functions.
    unsafe {
        command.pre_exec(|| {
            if libc::setpgid(0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died before the request took effect; then init (pid 1) or a subreaper adopted us.
            if libc::getppid() == 1 {
                libc::_exit(1);
            }
            Ok(())
        })
    }
}

/// Remembers a started child's process group until [`forget`] is called for it.
pub fn track(pid: u32) {
    if let Ok(mut groups) = GROUPS.lock() {
        groups.push(pid as libc::pid_t);
    }
}

/// Called once a child has been reaped: its group id may be reused by an unrelated process.
pub fn forget(pid: u32) {
    if let Ok(mut groups) = GROUPS.lock() {
        groups.retain(|&group| group != pid as libc::pid_t);
    }
}

/// SIGTERM to every tracked group, SIGKILL to those still there after [`GRACE`].
fn stop_children() {
    let groups = GROUPS.lock().map(|groups| groups.clone()).unwrap_or_default();
    for &group in &groups {
        // SAFETY: plain syscall; a group that is already gone gives ESRCH, which is fine.
        unsafe { libc::kill(-group, libc::SIGTERM) };
    }
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline && groups.iter().any(|&group| group_alive(group)) {
        std::thread::sleep(Duration::from_millis(50));
    }
    for &group in &groups {
        // SAFETY: as above.
        unsafe { libc::kill(-group, libc::SIGKILL) };
    }
}

/// Whether the group still has a running member. Its leader is our child: reap it if it has exited (the main
/// thread may be doing the same; then one of the two calls gets ECHILD), since a zombie still counts as a member.
fn group_alive(group: libc::pid_t) -> bool {
    // SAFETY: plain syscalls with valid arguments.
    unsafe {
        libc::waitpid(group, std::ptr::null_mut(), libc::WNOHANG);
        libc::kill(-group, 0) == 0
    }
}

fn stop_signal_set() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set before sigaddset reads it.
    unsafe {
        let mut set = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut set);
        for signal in STOP_SIGNALS {
            libc::sigaddset(&mut set, signal);
        }
        set
    }
}

fn signal_name(signal: libc::c_int) -> &'static str {
    match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a stop signal",
    }
}
