//! The little of Supabase the page needs: the signed-in session (shared with supabase-js through
//! `localStorage`) and its `video_dates` row over PostgREST.

pub mod rest;
pub mod session;
pub mod video_date;
