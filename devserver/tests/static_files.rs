//! The built app over real HTTP, as a production static host serves it: gzip, immutable caching for hashed
//! files, `no-cache` for the rest, and the security headers with a policy that allows the inline loader by hash.

mod common;

use std::io::Read;
use std::path::PathBuf;

use base64::Engine as _;
use sha2::{Digest, Sha256};

const LOADER: &str = "import init from '/video-date-0123456789abcdef.js'; await init();";
const GLUE: &str = "export default async function init() { /* the app */ }";

/// A `dist/` of our own: an index with Trunk's inline loader, a hashed script, a snippet without a hash.
fn write_site(name: &str, index: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("devserver-static-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("snippets/js")).unwrap();
    std::fs::write(dir.join("index.html"), index).unwrap();
    std::fs::write(dir.join("video-date-0123456789abcdef.js"), GLUE.repeat(50)).unwrap();
    std::fs::write(dir.join("snippets/js/sdk.js"), "export const sdk = 1;").unwrap();
    dir
}

async fn get(server: &common::Server, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = server.http.get(format!("{}{path}", server.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header<'r>(response: &'r reqwest::Response, name: &str) -> &'r str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

#[tokio::test]
async fn the_app_is_served_gzip_cached_by_name_and_locked_down() {
    let dist = write_site("app", &format!("<html><head><script type=\"module\">{LOADER}</script></head></html>"));
    let server = common::start_serving(common::settings().await, Some(dist.clone()), None).await;

    let page = get(&server, "/video-date/d47e0000", &[("accept-encoding", "gzip")]).await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "cache-control"), "no-cache");
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    assert_eq!(header(&page, "referrer-policy"), "no-referrer");
    let loader_hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(LOADER));
    let policy = header(&page, "content-security-policy").to_owned();
    assert!(policy.contains(&format!("script-src 'self' 'sha256-{loader_hash}' 'wasm-unsafe-eval';")), "{policy}");
    assert!(policy.contains("connect-src 'self' ws://127.0.0.1:9 http://127.0.0.1:9 "), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");

    let glue = get(&server, "/video-date-0123456789abcdef.js", &[("accept-encoding", "gzip, deflate")]).await;
    assert_eq!(header(&glue, "content-encoding"), "gzip");
    assert_eq!(header(&glue, "content-type"), "text/javascript; charset=utf-8");
    assert_eq!(header(&glue, "cache-control"), "public, max-age=31536000, immutable");
    let etag = header(&glue, "etag").to_owned();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&glue.bytes().await.unwrap()[..]).read_to_string(&mut text).unwrap();
    assert_eq!(text, GLUE.repeat(50));

    let again = get(&server, "/video-date-0123456789abcdef.js", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), 304);
    let brotli = get(&server, "/video-date-0123456789abcdef.js", &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(header(&brotli, "content-encoding"), "br");
    let plain = get(&server, "/video-date-0123456789abcdef.js", &[]).await;
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(plain.text().await.unwrap(), GLUE.repeat(50));

    let snippet = get(&server, "/snippets/js/sdk.js", &[]).await;
    assert_eq!(header(&snippet, "cache-control"), "no-cache", "a snippet keeps its name when it changes");
    assert_eq!(get(&server, "/missing-0123456789abcdef.js", &[]).await.status(), 404, "never HTML for a script");
    assert_eq!(get(&server, "/../Cargo.toml", &[]).await.status(), 404);

    let config = get(&server, "/config.json", &[]).await;
    assert_eq!(header(&config, "cache-control"), "no-cache");
    let _ = std::fs::remove_dir_all(dist);
}

#[tokio::test]
async fn the_bench_react_page_is_served_under_react() {
    let dist = write_site("app2", "<html><body>the app</body></html>");
    let react = write_site("react", "<html><body>the React page</body></html>");
    let server = common::start_serving(common::settings().await, Some(dist.clone()), Some(react.clone())).await;
    assert_eq!(get(&server, "/react/video-date/d47e0000", &[]).await.text().await.unwrap(), "<html><body>the React page</body></html>");
    assert_eq!(get(&server, "/video-date/d47e0000", &[]).await.text().await.unwrap(), "<html><body>the app</body></html>");
    let page = get(&server, "/react/", &[]).await;
    assert!(header(&page, "content-security-policy").contains("script-src 'self' 'wasm-unsafe-eval';"));
    let _ = std::fs::remove_dir_all(dist);
    let _ = std::fs::remove_dir_all(react);
}
