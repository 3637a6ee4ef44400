//! A throwaway Postgres 15 cluster (Debian's `postgresql-15`) for one run: a fresh data directory under the
//! run's `$TMPDIR`, the server listening only on a unix socket in that directory, stopped (fast shutdown) and
//! removed when the [`Cluster`] is dropped. Postgres refuses to run as root, so as root every Postgres program
//! runs as the `postgres` user (`setpriv` execs in place, so the guarded process is the server itself).
//!
//! [`Cluster::create_database`] applies `supabase/shim.sql` and then `supabase/migrations/*.sql` in name order,
//! as the cluster's bootstrap superuser `postgres`, exactly as the README tells a team to do on plain Postgres.
//! The devserver adds its seed and its dev-only realtime triggers itself when it starts.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::paths;
use crate::process::{step_error, ChildGuard, StepError};

/// Where Debian's `postgresql-15` puts its programs.
pub const BIN_DIR: &str = "/usr/lib/postgresql/15/bin";
/// The bootstrap superuser `initdb` creates, as on a Debian cluster.
const SUPERUSER: &str = "postgres";
/// Only names the socket file (`.s.PGSQL.5432`): each cluster listens in a directory of its own, never on TCP.
const PORT: u16 = 5432;
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Clusters started by this process so far, so each gets a directory of its own.
static STARTED: AtomicU32 = AtomicU32::new(0);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Cluster {
    dir: PathBuf,
    server: Option<ChildGuard>,
}

impl Cluster {
    /// Initialises and starts a cluster; its server log goes to `log` (appended), or nowhere.
    pub fn start(log: Option<&Path>) -> Result<Self, StepError> {
        let step = "postgres";
        let base = std::env::temp_dir();
        let dir = base.join(format!("pg-{}-{}", std::process::id(), STARTED.fetch_add(1, Ordering::Relaxed)));
        // A directory left by a killed run of the same pid would make initdb refuse.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|err| step_error(step, format!("cannot create {}: {err}", dir.display())))?;
        // From here on, dropping the cluster removes the directory.
        let mut cluster = Cluster { dir, server: None };
        let as_root = crate::setup::is_root();
        if as_root {
            // The run's TMPDIR is private to root; the server needs to reach its own directory.
            for path in [base.as_path(), cluster.dir.as_path()] {
                crate::process::run(step, Command::new("chmod").arg("a+x").arg(path))?;
            }
            crate::process::run(step, Command::new("chown").arg(format!("{SUPERUSER}:")).arg(&cluster.dir))?;
        }
        let data = cluster.dir.join("data");
        let mut initdb = pg_command("initdb", as_root);
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", SUPERUSER, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
            .stdout(Stdio::null());
        crate::process::run(step, &mut initdb)?;
        let mut server = pg_command("postgres", as_root);
        server
            .arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(&cluster.dir)
            .arg("-p")
            .arg(PORT.to_string())
            // Only the socket, and durability traded for speed: the data is thrown away anyway.
            .args(["-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "wal_level=logical"])
            .stdin(Stdio::null());
        match log {
            Some(log) => {
                let file = std::fs::File::options()
                    .create(true)
                    .append(true)
                    .open(log)
                    .map_err(|err| step_error(step, format!("cannot open {}: {err}", log.display())))?;
                let stderr = file.try_clone().map_err(|err| step_error(step, err.to_string()))?;
                server.stdout(file).stderr(stderr);
            }
            None => {
                server.stdout(Stdio::null());
            }
        }
        let guard = cluster.server.insert(ChildGuard::spawn(step, &mut server)?);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = guard.exited() {
                return Err(step_error(step, format!("exited during start-up ({status}); see its log")));
            }
            let mut ready = Command::new(Path::new(BIN_DIR).join("pg_isready"));
            ready.arg("-q").arg("-h").arg(&cluster.dir).arg("-p").arg(PORT.to_string());
            if ready.status().is_ok_and(|status| status.success()) {
                break;
            }
            if Instant::now() > deadline {
                return Err(step_error(step, format!("not ready within {READY_TIMEOUT:?}")));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(cluster)
    }

    /// A libpq-style URL of `database` as the superuser, over the cluster's socket.
    pub fn url(&self, database: &str) -> String {
        format!("postgresql://{SUPERUSER}@/{database}?host={}&port={PORT}", self.dir.display())
    }

    /// Creates `database` with the shim and every migration applied.
    pub fn create_database(&self, database: &str) -> Result<(), StepError> {
        let step = "postgres";
        self.psql("postgres", &["-c", &format!("create database \"{database}\"")])?;
        let supabase = paths::repo_root().join("supabase");
        let mut migrations: Vec<PathBuf> = std::fs::read_dir(supabase.join("migrations"))
            .map_err(|err| step_error(step, format!("cannot list supabase/migrations: {err}")))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
            .collect();
        migrations.sort();
        for file in std::iter::once(supabase.join("shim.sql")).chain(migrations) {
            let sql = std::fs::read_to_string(&file)
                .map_err(|err| step_error(step, format!("cannot read {}: {err}", file.display())))?;
            // psql reads the script on stdin, so the postgres user needs no access to the clone.
            self.psql_stdin(database, &sql)
                .map_err(|err| step_error(step, format!("applying {}: {}", file.display(), err.detail)))?;
        }
        Ok(())
    }

    fn psql(&self, database: &str, args: &[&str]) -> Result<(), StepError> {
        let mut psql = self.psql_command(database);
        psql.args(args);
        crate::process::run("postgres", &mut psql)
    }

    fn psql_stdin(&self, database: &str, sql: &str) -> Result<(), StepError> {
        use std::io::Write;
        let mut psql = self.psql_command(database);
        psql.arg("-f").arg("-").stdin(Stdio::piped());
        let mut child = psql.spawn().map_err(|err| step_error("postgres", format!("cannot run psql: {err}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(sql.as_bytes()).map_err(|err| step_error("postgres", err.to_string()))?;
        }
        let status = child.wait().map_err(|err| step_error("postgres", err.to_string()))?;
        if status.success() {
            Ok(())
        } else {
            Err(step_error("postgres", format!("psql exited with {status}")))
        }
    }

    fn psql_command(&self, database: &str) -> Command {
        let mut psql = Command::new(Path::new(BIN_DIR).join("psql"));
        psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", SUPERUSER, "-d", database, "-h"])
            .arg(&self.dir)
            .arg("-p")
            .arg(PORT.to_string())
            .stdout(Stdio::null());
        psql
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(mut server) = self.server.take() {
            // SIGINT is Postgres's fast shutdown: it ends the clients' sessions and exits cleanly, where the
            // guard's SIGKILL would leave its backends and shared memory behind.
            // SAFETY: plain syscall to our own child, which has not been reaped yet.
            unsafe { libc::kill(server.id() as libc::pid_t, libc::SIGINT) };
            let deadline = Instant::now() + STOP_TIMEOUT;
            while server.exited().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A Postgres program, run as the `postgres` user when we are root (it refuses to run as root). Changing user
/// clears the parent-death signal that `supervise::supervised` asked for, so `setpriv` asks again, for a fast
/// shutdown (SIGINT) if xtask dies.
fn pg_command(program: &str, as_root: bool) -> Command {
    let program = Path::new(BIN_DIR).join(program);
    if !as_root {
        return Command::new(program);
    }
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid", SUPERUSER, "--regid", SUPERUSER, "--init-groups", "--pdeathsig", "INT", "--"])
        .arg(program);
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_applies_the_shim_and_migrations_then_leaves_nothing_behind() {
        let cluster = Cluster::start(None).expect("a throwaway cluster starts");
        cluster.create_database("applied").expect("the shim and the migrations apply to an empty database");
        let check = "select count(*) from public.video_dates";
        cluster.psql("applied", &["-c", check]).expect("the migrated table is there");
        let dir = cluster.dir.clone();
        let server = cluster.server.as_ref().map(ChildGuard::id);
        assert!(dir.join(".s.PGSQL.5432").exists(), "it listens on its socket");
        drop(cluster);
        assert!(!dir.exists(), "its directory is removed");
        let alive = server.is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        assert!(!alive, "the server is stopped");
    }
}
