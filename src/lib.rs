//! video-date: the browser client. See ARCHITECTURE.md for the map.
//!
//! Everything is `pub(crate)` unless `src/main.rs` or the browser tests in `tests/` need it: the modules below
//! marked `pub` and, inside them, only the items those callers name are the public API; each type, function
//! and module of it says what it is.

pub mod app;
pub mod components;
pub mod config;
mod date;
mod dom;
pub mod expiry;
pub mod livekit;
mod media;
pub mod metrics;
pub mod pages;
pub mod realtime;
mod routes;
pub mod supabase;
mod task;
mod time;
pub mod token;
mod url;
mod wire;
