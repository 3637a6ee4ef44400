//! video-date: the browser client. See ARCHITECTURE.md for the map.

pub mod app;
pub mod components;
pub mod config;
pub mod date;
pub mod expiry;
pub mod livekit;
pub mod media;
pub mod metrics;
pub mod pages;
pub mod realtime;
pub mod routes;
pub mod supabase;
pub mod task;
pub mod token;
pub mod wire;
