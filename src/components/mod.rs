pub mod diagnostics;
pub mod error_panel;
pub mod live_region;
pub mod pre_join;
pub mod realtime_notice;
