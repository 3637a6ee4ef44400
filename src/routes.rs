//! The app's few routes, matched from the path (pure). Navigation between them is a normal page load:
//! leptos_router cost about 10 KB of gzip wasm for two routes (see BENCHMARKS.md).

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Home,
    /// `/video-date/<date id>`
    VideoDate { date_id: String },
    /// `/sign-in?next=<path>`
    SignIn { next: Option<String> },
    NotFound,
}

impl Route {
    /// `query` is the location's search string, with or without its `?`.
    pub(crate) fn from_location(path: &str, query: &str) -> Self {
        match Self::from_path(path) {
            Route::SignIn { .. } => Route::SignIn { next: query_param(query, "next") },
            route => route,
        }
    }

    fn from_path(path: &str) -> Self {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            [] => Route::Home,
            ["sign-in"] => Route::SignIn { next: None },
            ["video-date", date_id] => Route::VideoDate { date_id: (*date_id).to_owned() },
            _ => Route::NotFound,
        }
    }
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.trim_start_matches('?').split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| decode_slashes(value))
    })
}

/// Query values arrive percent-encoded; `decodeURIComponent` would need the browser, and only `/` and
/// `%2F` matter for a path.
fn decode_slashes(value: &str) -> String {
    value.replace("%2F", "/").replace("%2f", "/")
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
        assert_eq!(
            Route::from_location("/sign-in", "?next=%2Fvideo-date%2Fd1&x=1"),
            Route::SignIn { next: Some("/video-date/d1".into()) }
        );
        assert_eq!(Route::from_location("/sign-in", ""), Route::SignIn { next: None });
        for unknown in ["/video-date", "/video-date/a/b", "/other", "/video-date//"] {
            assert_eq!(Route::from_path(unknown), Route::NotFound, "{unknown}");
        }
    }
}
