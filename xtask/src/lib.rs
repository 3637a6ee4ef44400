//! Tasks behind the README's commands, and the local stack the tests run against.
//! `e2e` uses [`stack`] too, so the two never disagree on how a server is started, and
//! [`bench::timing`] so the browser bench and the report agree on how figures travel.

pub mod bench;
pub mod build;
pub mod cluster;
pub mod engine;
pub mod paths;
pub mod port_holder;
pub mod postgres;
pub mod process;
pub mod scratch;
pub mod setup;
pub mod stack;
pub mod supervise;
