//! The built app served as a production static host should serve it, so that dev, e2e and the bench measure what
//! users get: brotli or gzip, long-lived immutable caching for content-hashed files and `no-cache` for the
//! rest, and the security headers (README, "Serving the app"). Each file is compressed once and kept in memory
//! until it changes on disk.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Cache-Control of a file whose name changes with its content: it never needs asking again.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control of everything else (`index.html`, `config.json`, files named without a hash): revalidate.
pub const NO_CACHE: &str = "no-cache";
/// Brotli's level: 7 costs about what gzip -9 does (a tenth of a second per MB) and is 9 % smaller on the React
/// page's bundle; 11 saves 8 % more but takes over 10 s per MB, which the first visit after a build would wait.
const BROTLI_QUALITY: i32 = 7;
/// A dev build's wasm is tens of MB: it gets gzip only, so that warming stays short.
const BROTLI_MAX_INPUT: usize = 4_000_000;

/// One directory of built files, served at the root of wherever it is mounted.
pub struct Site {
    root: PathBuf,
    /// The origins the page may connect to besides its own, in `connect-src` order.
    connect_sources: Vec<String>,
    files: Mutex<HashMap<PathBuf, Arc<File>>>,
}

/// A file as last read from disk, with its compressed forms made on first use.
struct File {
    stamp: (u64, Option<SystemTime>),
    content_type: &'static str,
    etag: String,
    body: Bytes,
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

/// The router serving `root`; `connect_sources` are the configured LiveKit, Supabase and token URLs the page
/// talks to (their origins go into `connect-src`). The files are compressed in the background right away, so the
/// first visit does not wait for it.
pub fn router(root: &Path, connect_sources: &[String]) -> Router {
    let site = Arc::new(Site {
        root: root.to_path_buf(),
        connect_sources: connect_source_list(connect_sources),
        files: Mutex::default(),
    });
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let warm = site.clone();
        runtime.spawn_blocking(move || warm.warm(&warm.root.clone()));
    }
    Router::new().fallback(serve).with_state(site)
}

/// `no-cache` on a response that is generated, not a file (`config.json`).
pub fn no_cache(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
    response
}

async fn serve(State(site): State<Arc<Site>>, method: Method, uri: Uri, request: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
    }
    let Some(relative) = site.resolve(uri.path()) else {
        return plain(StatusCode::NOT_FOUND, "no such file");
    };
    let accepted = accepted_encodings(&request);
    let lookup = site.clone();
    let found = tokio::task::spawn_blocking(move || {
        let file = lookup.file(&relative)?;
        let encoding = file.pick_encoding(&accepted);
        Some((file, encoding))
    })
    .await
    .ok()
    .flatten();
    let Some((file, encoding)) = found else {
        return plain(StatusCode::NOT_FOUND, "no such file");
    };
    let mut response = if if_none_match(&request, &file.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body = match encoding {
            Encoding::Identity => file.body.clone(),
            Encoding::Gzip => file.gzip().cloned().unwrap_or_default(),
            Encoding::Brotli => file.brotli().cloned().unwrap_or_default(),
        };
        Response::new(Body::from(body))
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    if let Ok(etag) = HeaderValue::from_str(&file.etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    match encoding {
        Encoding::Identity => {}
        Encoding::Gzip => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        Encoding::Brotli => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        }
    }
    let cache = if is_content_hashed(&uri_file_name(uri.path())) { IMMUTABLE } else { NO_CACHE };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if file.content_type.starts_with("text/html") {
        let policy = content_security_policy(&inline_script_hashes(&file.body), &site.connect_sources);
        if let Ok(policy) = HeaderValue::from_str(&policy) {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    add_security_headers(headers);
    response
}

/// Sent with every file: a script is only run as a script when the server says so, and no URL (with a date id in
/// it) leaks to another site.
fn add_security_headers(headers: &mut HeaderMap) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = (status, text).into_response();
    add_security_headers(response.headers_mut());
    response
}

impl Site {
    /// The file a path names, relative to the root. A path that names no file and has no extension is a
    /// client-side route (`/video-date/<id>`) and gets `index.html`; a missing file with an extension is a 404,
    /// never HTML in place of a script. `None` for a path that tries to leave the root.
    fn resolve(&self, path: &str) -> Option<PathBuf> {
        let relative = PathBuf::from(path.trim_start_matches('/'));
        if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
            return None;
        }
        if relative.as_os_str().is_empty() || self.root.join(&relative).is_dir() {
            return Some(PathBuf::from("index.html"));
        }
        if self.root.join(&relative).is_file() {
            return Some(relative);
        }
        (!uri_file_name(path).contains('.')).then(|| PathBuf::from("index.html"))
    }

    /// The cached file, read again when its size or modification time changed.
    fn file(&self, relative: &Path) -> Option<Arc<File>> {
        let path = self.root.join(relative);
        let metadata = std::fs::metadata(&path).ok()?;
        let stamp = (metadata.len(), metadata.modified().ok());
        let mut files = self.files.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(file) = files.get(relative).filter(|f| f.stamp == stamp) {
            return Some(file.clone());
        }
        let body = Bytes::from(std::fs::read(&path).ok()?);
        let etag = format!("\"{}\"", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&Sha256::digest(&body)[..12]));
        let file = Arc::new(File {
            stamp,
            content_type: content_type(relative),
            etag,
            body,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        });
        files.insert(relative.to_path_buf(), file.clone());
        Some(file)
    }

    fn warm(&self, dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                self.warm(&path);
            } else if let Some(file) = path.strip_prefix(&self.root).ok().and_then(|relative| self.file(relative)) {
                file.gzip();
                file.brotli();
            }
        }
    }
}

impl File {
    fn compressible(&self) -> bool {
        !self.content_type.starts_with("image/") || self.content_type.starts_with("image/svg")
    }

    fn gzip(&self) -> Option<&Bytes> {
        self.gzip
            .get_or_init(|| {
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                encoder.write_all(&self.body).ok()?;
                encoder.finish().ok().map(Bytes::from)
            })
            .as_ref()
    }

    fn brotli(&self) -> Option<&Bytes> {
        self.brotli
            .get_or_init(|| {
                if self.body.len() > BROTLI_MAX_INPUT {
                    return None;
                }
                let mut compressed = Vec::new();
                let params = brotli::enc::BrotliEncoderParams { quality: BROTLI_QUALITY, lgwin: 22, ..Default::default() };
                brotli::BrotliCompress(&mut &self.body[..], &mut compressed, &params).ok()?;
                Some(Bytes::from(compressed))
            })
            .as_ref()
    }

    /// Brotli, else gzip, else the file as it is; a compressed form is only used when it is smaller.
    fn pick_encoding(&self, accepted: &[Encoding]) -> Encoding {
        if !self.compressible() {
            return Encoding::Identity;
        }
        let smaller = |compressed: Option<&Bytes>| compressed.is_some_and(|c| c.len() < self.body.len());
        if accepted.contains(&Encoding::Brotli) && smaller(self.brotli()) {
            Encoding::Brotli
        } else if accepted.contains(&Encoding::Gzip) && smaller(self.gzip()) {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

/// The encodings an `Accept-Encoding` header allows (`q=0` refuses one).
fn accepted_encodings(request: &HeaderMap) -> Vec<Encoding> {
    let header = request.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default();
    header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next()?;
            let refused = parts.any(|p| p.replace(' ', "").strip_prefix("q=").is_some_and(|q| q.parse::<f32>() == Ok(0.0)));
            match (name, refused) {
                (_, true) => None,
                ("gzip", _) => Some(Encoding::Gzip),
                ("br", _) => Some(Encoding::Brotli),
                _ => None,
            }
        })
        .collect()
}

fn if_none_match(request: &HeaderMap, etag: &str) -> bool {
    request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag || tag.trim() == "*"))
}

fn uri_file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or_default().to_owned()
}

/// Whether a file's name carries a hash of its content, so a changed file always has a new name: Trunk's
/// `name-<16 hex digits>` (wasm: `name-<hash>_bg.wasm`), esbuild's `name-<8 of A-Z, 2-7>` (the bench's React page),
/// and the SDK named by its content (`xtask/src/build.rs`). Trunk's `snippets/` keep their names across versions
/// and are not immutable.
fn is_content_hashed(file_name: &str) -> bool {
    let stem = file_name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((_, hash)) = stem.rsplit_once('-') else { return false };
    let trunk = hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let esbuild = hash.len() == 8
        && hash.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        && hash.bytes().any(|b| b.is_ascii_digit());
    trunk || esbuild
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The `sha256-…` source of every inline `<script>` in a page (Trunk's loader): the only inline code the
/// policy allows.
fn inline_script_hashes(html: &[u8]) -> Vec<String> {
    let html = String::from_utf8_lossy(html);
    let mut hashes = Vec::new();
    let mut rest = &html[..];
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else { break };
        let Some(close) = after.find("</script>") else { break };
        let tag = &after[..tag_end];
        if !tag.contains(" src=") && close > tag_end {
            let digest = Sha256::digest(&after.as_bytes()[tag_end + 1..close]);
            hashes.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        rest = &after[close + "</script>".len()..];
    }
    hashes
}

/// `scheme://host[:port]` of each URL, plus the WebSocket twin of an HTTP origin and the HTTP twin of a WebSocket
/// one: Supabase Realtime is a WebSocket on the Supabase host, and livekit-client fetches over HTTP(S) from the
/// `wss://` URL it is given (`prepareConnection`, its connection checks).
fn connect_source_list(urls: &[String]) -> Vec<String> {
    let mut sources: Vec<String> = Vec::new();
    for url in urls {
        let Some((scheme, rest)) = url.split_once("://") else { continue };
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty() {
            continue;
        }
        let twin = match scheme {
            "https" => "wss",
            "http" => "ws",
            "wss" => "https",
            "ws" => "http",
            _ => continue,
        };
        for scheme in [scheme, twin] {
            let origin = format!("{scheme}://{host}");
            if !sources.contains(&origin) {
                sources.push(origin);
            }
        }
    }
    sources
}

/// Scripts only from our origin plus the inline loader by its hash, wasm compilation allowed, connections only
/// to our origin and the configured services, nothing else inline or embedded.
fn content_security_policy(script_hashes: &[String], connect_sources: &[String]) -> String {
    let mut script_src = vec!["'self'".to_owned()];
    script_src.extend(script_hashes.iter().cloned());
    script_src.push("'wasm-unsafe-eval'".to_owned());
    let mut connect_src = vec!["'self'".to_owned()];
    connect_src.extend(connect_sources.iter().cloned());
    format!(
        "default-src 'self'; script-src {}; connect-src {}; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'",
        script_src.join(" "),
        connect_src.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_trunks_esbuilds_and_nothing_else() {
        for hashed in ["video-date-5048bcfec3191e78_bg.wasm", "video-date-5048bcfec3191e78.js", "app-3fe09214f1dbed9b.css", "main-BJY4STX2.js", "livekit-client-0123456789abcdef.js"] {
            assert!(is_content_hashed(hashed), "{hashed}");
        }
        for plain in ["index.html", "livekit-client.js", "config.json", "main-CLIENTJS.js", "a-5048bcfec3191e7.js", ""] {
            assert!(!is_content_hashed(plain), "{plain}");
        }
    }

    #[test]
    fn the_loader_hash_is_of_the_script_text_exactly() {
        let html = b"<script type=\"module\">alert(1)</script><script src=\"/x.js\"></script>";
        // `printf 'alert(1)' | openssl dgst -sha256 -binary | base64`
        assert_eq!(inline_script_hashes(html), vec!["'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='".to_owned()]);
        assert!(inline_script_hashes(b"<p>no scripts</p>").is_empty());
    }

    #[test]
    fn connect_sources_are_origins_with_their_websocket_or_http_twin() {
        let urls = ["wss://lk.example/rtc", "https://app.example/api/livekit-token?x=1", "https://app.example", "nonsense"];
        let sources = connect_source_list(&urls.map(String::from));
        assert_eq!(sources, ["wss://lk.example", "https://lk.example", "https://app.example", "wss://app.example"]);
    }

    #[test]
    fn the_policy_allows_no_inline_code_but_the_loader() {
        let policy = content_security_policy(&["'sha256-abc'".into()], &["wss://lk.example".into()]);
        assert!(policy.contains("script-src 'self' 'sha256-abc' 'wasm-unsafe-eval';"), "{policy}");
        assert!(policy.contains("connect-src 'self' wss://lk.example;"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
    }

    #[test]
    fn encodings_refused_with_q0_are_not_offered() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, deflate, br;q=0"));
        assert_eq!(accepted_encodings(&headers), [Encoding::Gzip]);
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br;q=1.0, gzip;q=0.5"));
        assert_eq!(accepted_encodings(&headers), [Encoding::Brotli, Encoding::Gzip]);
    }
}
