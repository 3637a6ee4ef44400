//! The little of Supabase the page needs: the signed-in session (shared with supabase-js through
//! `localStorage`) and its `video_dates` row over PostgREST.

pub(crate) mod rest;
pub mod session;
pub(crate) mod video_date;
