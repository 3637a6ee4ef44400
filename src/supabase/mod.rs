//! The little of Supabase the page needs: the signed-in session (shared with supabase-js through
//! `localStorage`) and its `video_dates` row over PostgREST.

pub mod rest;
pub mod session;
pub mod video_date;

use crate::json::Json;

/// Supabase's APIs take JSON bodies.
fn with_json(request: gloo_net::http::RequestBuilder, body: &Json) -> Result<gloo_net::http::Request, gloo_net::Error> {
    request.header("Content-Type", "application/json").body(body.to_string())
}
