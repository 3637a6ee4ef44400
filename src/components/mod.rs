//! One file per component the pages share; `diagnostics` and `realtime_notice` are also mounted alone by the
//! browser tests.

pub mod diagnostics;
pub(crate) mod error_panel;
pub(crate) mod live_region;
pub(crate) mod pre_join;
pub mod realtime_notice;
pub(crate) mod sdk_notice;
