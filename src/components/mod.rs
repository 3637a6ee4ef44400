pub mod diagnostics;
pub(crate) mod error_panel;
pub(crate) mod live_region;
pub(crate) mod pre_join;
pub mod realtime_notice;
