//! The one way the app builds a URL with a query: [`with_query`], which percent-encodes every name and value.
//! Pure, so the encoding is checked with plain `cargo test`.

/// `base` with `params` added to its query (after any query it already has, before any fragment).
pub(crate) fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let (before_fragment, fragment) = match base.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (base, None),
    };
    let mut url = before_fragment.to_owned();
    for (name, value) in params {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&escape(name));
        url.push('=');
        url.push_str(&escape(value));
    }
    if let Some(fragment) = fragment {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

/// Percent-encodes everything outside RFC 3986's unreserved set.
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            escaped.push(char::from(byte));
        } else {
            escaped.push('%');
            escaped.push(char::from(b"0123456789ABCDEF"[usize::from(byte >> 4)]));
            escaped.push(char::from(b"0123456789ABCDEF"[usize::from(byte & 15)]));
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_are_percent_encoded() {
        assert_eq!(with_query("http://h/p", &[("a b", "c&d=e/é")]), "http://h/p?a%20b=c%26d%3De%2F%C3%A9");
        assert_eq!(with_query("http://h/p", &[]), "http://h/p");
    }

    #[test]
    fn params_go_after_an_existing_query_and_before_the_fragment() {
        let url = with_query("http://h/p?x=1#top", &[("room", "r"), ("id", "eq.42")]);
        assert_eq!(url, "http://h/p?x=1&room=r&id=eq.42#top");
        assert_eq!(with_query("http://h/p#top", &[("select", "*")]), "http://h/p?select=%2A#top");
    }
}
