//! The app's few routes, matched from the path (pure). Navigation between them is a normal page load:
//! leptos_router cost about 10 KB of gzip wasm for two routes (see BENCHMARKS.md).

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Home,
    /// `/video-date/<date id>`
    VideoDate { date_id: String },
    NotFound,
}

impl Route {
    pub fn from_path(path: &str) -> Self {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            [] => Route::Home,
            ["video-date", date_id] => Route::VideoDate { date_id: (*date_id).to_owned() },
            _ => Route::NotFound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn paths_match_their_routes() {
        assert_eq!(Route::from_path("/"), Route::Home);
        assert_eq!(Route::from_path(""), Route::Home);
        assert_eq!(Route::from_path("/video-date/abc-123"), Route::VideoDate { date_id: "abc-123".into() });
        assert_eq!(Route::from_path("/video-date/abc-123/"), Route::VideoDate { date_id: "abc-123".into() });
        for unknown in ["/video-date", "/video-date/a/b", "/other", "/video-date//"] {
            assert_eq!(Route::from_path(unknown), Route::NotFound, "{unknown}");
        }
    }
}
