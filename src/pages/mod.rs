//! One file per route (`src/routes.rs`); `video_date` is the date page.

pub(crate) mod home;
pub(crate) mod not_found;
pub(crate) mod sign_in;
pub mod video_date;
