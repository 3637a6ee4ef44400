//! Running commands with the project's environment, and children that die with their owner.

use std::fmt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus};

use crate::{paths, supervise};

/// A failed step: which one, and the command that failed, so the reader can rerun it by hand.
#[derive(Debug)]
pub struct StepError {
    pub step: String,
    pub detail: String,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step `{}` failed: {}", self.step, self.detail)
    }
}

impl std::error::Error for StepError {}

pub fn step_error(step: &str, detail: impl Into<String>) -> StepError {
    StepError { step: step.to_owned(), detail: detail.into() }
}

/// A command with our PATH and cargo target directory.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(paths::repo_root())
        .env("PATH", paths::child_path())
        .env("CARGO_TARGET_DIR", paths::target_dir());
    command
}

pub fn describe(command: &Command) -> String {
    let args = command.get_args().map(|a| a.to_string_lossy().into_owned());
    std::iter::once(command.get_program().to_string_lossy().into_owned())
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs to completion; a non-zero exit is a [`StepError`] naming the command.
pub fn run(step: &str, command: &mut Command) -> Result<(), StepError> {
    let status = status(step, command)?;
    if status.success() {
        Ok(())
    } else {
        Err(step_error(step, format!("`{}` exited with {status}", describe(command))))
    }
}

/// Runs to completion as a supervised child (see [`crate::supervise`]).
pub fn status(step: &str, command: &mut Command) -> Result<ExitStatus, StepError> {
    let mut child = spawn(step, command)?;
    let status = child.wait();
    supervise::forget(child.id());
    status.map_err(|err| step_error(step, format!("`{}`: {err}", describe(command))))
}

/// Starts `command` as a supervised child: stopped with xtask on a signal, killed if xtask dies. Call
/// [`supervise::forget`] with its id once it has been waited for.
pub fn spawn(step: &str, command: &mut Command) -> Result<Child, StepError> {
    let child = supervise::supervised(command)
        .spawn()
        .map_err(|err| step_error(step, format!("could not start `{}`: {err}", describe(command))))?;
    supervise::track(child.id());
    Ok(child)
}

/// The trimmed stdout of a command that succeeded, or `None`.
pub fn output_of(program: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// A child process that is killed (with its process group) and reaped when dropped, so no server outlives its
/// test or Ctrl-C.
#[must_use = "dropping the guard kills the process at once"]
pub struct ChildGuard {
    pub name: &'static str,
    child: Child,
}

impl ChildGuard {
    pub fn spawn(name: &'static str, command: &mut Command) -> Result<Self, StepError> {
        Ok(ChildGuard { name, child: spawn(name, command)? })
    }

    /// `Some(status)` once the child has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`libc::SIGTERM`, say) to this child alone, as an operator's `kill` would. Dropping the
    /// guard SIGKILLs the whole group; a graceful shutdown needs another signal.
    pub(crate) fn signal(&self, signal: libc::c_int) -> Result<(), StepError> {
        // SAFETY: plain syscall on our own child, which is not reaped yet (the guard holds it).
        if unsafe { libc::kill(self.child.id() as libc::pid_t, signal) } == 0 {
            Ok(())
        } else {
            Err(step_error(self.name, format!("cannot signal it: {}", std::io::Error::last_os_error())))
        }
    }

    /// Waits up to `timeout` for the child to exit on its own.
    pub(crate) fn wait_for_exit(&mut self, timeout: std::time::Duration) -> Option<ExitStatus> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if std::time::Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if self.exited().is_none() {
            // The whole group: a server's own children (a browser under its driver) go with it.
            // SAFETY: plain syscall; the child leads its group (see `supervise::supervised`) and is not reaped yet.
            unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
        }
        let _ = self.child.wait();
        supervise::forget(self.child.id());
    }
}
