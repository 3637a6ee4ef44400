//! The LiveKit cluster (`xtask::cluster`) as the `e2e-cluster` scenarios see it: its addresses, and its faults.

use std::sync::Mutex;

use xtask::cluster::Cluster;
use xtask::process::StepError;

use crate::browser::{self, Engine, Permissions};
use crate::date::Site;
use crate::person::{ConsoleLog, Person};

pub use xtask::cluster::Node;

pub struct ClusterSuite {
    cluster: Mutex<Cluster>,
    devserver: String,
    webdriver: String,
}

impl ClusterSuite {
    /// Starts the cluster serving the release build from `dist/`, logs in `artifacts/logs/e2e-cluster/`.
    pub fn start() -> Result<Self, StepError> {
        let logs = xtask::paths::artifacts_dir().join("logs").join("e2e-cluster");
        let cluster = Cluster::start(xtask::paths::dist_dir(), logs)?;
        Ok(ClusterSuite {
            devserver: cluster.devserver_url(),
            webdriver: cluster.webdriver_url(),
            cluster: Mutex::new(cluster),
        })
    }

    /// Runs `action` on the cluster. Its calls block (they wait for processes and ports), so the runtime
    /// moves its other tasks, such as the WebDriver sessions, off this thread meanwhile.
    pub fn with<T>(&self, action: impl FnOnce(&mut Cluster) -> Result<T, StepError>) -> Result<T, String> {
        tokio::task::block_in_place(|| {
            let mut cluster = self.cluster.lock().map_err(|_| "cluster lock poisoned".to_owned())?;
            action(&mut cluster).map_err(|err| err.to_string())
        })
    }
}

impl Site for ClusterSuite {
    fn devserver(&self) -> &str {
        &self.devserver
    }

    /// A new window; the cluster runs ChromeDriver only, so every person is in Chromium.
    async fn person(&self, name: &'static str, engine: Engine, permissions: Permissions) -> Result<Person, String> {
        if engine != Engine::Chromium {
            return Err(format!("{name}: the cluster suite runs Chromium only, not {}", engine.name()));
        }
        let client = browser::open(&self.webdriver, engine, permissions).await?;
        Ok(Person::new(name, engine, client, ConsoleLog::ChromeDriver))
    }
}
