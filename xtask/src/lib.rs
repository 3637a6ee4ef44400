//! Tasks behind the README's two commands, and the local stack the tests run against.
//! `e2e` uses [`stack`] too, so the two never disagree on how a server is started.

pub mod paths;
pub mod process;
pub mod setup;
pub mod stack;
