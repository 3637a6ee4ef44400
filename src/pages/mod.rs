pub(crate) mod home;
pub(crate) mod not_found;
pub(crate) mod sign_in;
pub mod video_date;
