pub mod home;
pub mod not_found;
pub mod video_date;
