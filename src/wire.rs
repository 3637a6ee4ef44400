//! What the page reads off the wire, decoded with serde_json into typed structs, and why a text did not fit.
//!
//! serde_json's own messages can quote the value they failed on ("invalid type: string \"eyJ…\""), and a value
//! may be a token or a session. [`WireError`] keeps only what is ours: the path of the field, built from the
//! names in our structs, and what that field had to be, from our types' `expecting` text.

use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use thiserror::Error;

/// Why a JSON text does not fit the shape we expected. Names a field and what it had to be, never a value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum WireError {
    #[error("not JSON at line {line}, column {column}")]
    Syntax { line: usize, column: usize },
    #[error("`{field}` is missing")]
    Missing { field: String },
    #[error("`{field}` is not a field it may have")]
    Unknown { field: String },
    #[error("`{field}` must be {expected}")]
    Invalid { field: String, expected: String },
}

impl WireError {
    /// The field that did not fit (`video.roomJoin`, `[4].status`); empty for the text as a whole.
    pub(crate) fn field(&self) -> &str {
        match self {
            WireError::Syntax { .. } => "",
            WireError::Missing { field } | WireError::Unknown { field } | WireError::Invalid { field, .. } => field,
        }
    }
}

/// Decodes `text` as a `T`. The text is parsed into a `Value` first, by one non-generic parser, so each type's
/// generated code exists once (for reading a `Value`) rather than once per source.
pub(crate) fn parse<T: DeserializeOwned>(text: &str) -> Result<T, WireError> {
    let value = serde_json::from_str(text).map_err(|err: serde_json::Error| WireError::Syntax {
        line: err.line(),
        column: err.column(),
    })?;
    from_value(value)
}

/// Decodes an already parsed value as a `T` (a realtime payload, once its event says which shape it has).
pub(crate) fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, WireError> {
    serde_path_to_error::deserialize(value).map_err(from_path_error)
}

fn from_path_error(err: serde_path_to_error::Error<serde_json::Error>) -> WireError {
    let path = path_of(err.path());
    let inner = err.into_inner();
    if inner.is_syntax() || inner.is_eof() || inner.is_io() {
        return WireError::Syntax { line: inner.line(), column: inner.column() };
    }
    // Display adds " at line L column C" when serde_json knows where; the message is what comes before.
    let text = inner.to_string();
    let position = format!(" at line {} column {}", inner.line(), inner.column());
    classify(text.strip_suffix(&position).unwrap_or(&text), path)
}

/// Keeps the parts of serde's message that are ours. The messages come from `serde::de::Error`'s defaults:
/// "missing field `f`", "unknown field `f`, expected …", "invalid type: <value>, expected <what>".
fn classify(message: &str, path: String) -> WireError {
    let quoted_name = |rest: &str| rest.split('`').next().map(short_name).unwrap_or_default();
    if let Some(rest) = message.strip_prefix("missing field `") {
        return WireError::Missing { field: join(&path, &quoted_name(rest)) };
    }
    // The path of an unknown field already ends with its key.
    if message.starts_with("unknown field `") {
        return WireError::Unknown { field: path };
    }
    // The value, if quoted, comes before the last ", expected ": what follows is our type's `expecting`.
    let expected = match message.rsplit_once(", expected ") {
        Some((_, expected)) => expected.to_owned(),
        None => "of another shape".to_owned(),
    };
    WireError::Invalid { field: path, expected }
}

/// Our field names are short identifiers; anything else in a key position is cut and stripped of controls.
fn short_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(40).collect()
}

fn path_of(path: &serde_path_to_error::Path) -> String {
    let mut text = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => text.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => text = join(&text, &short_name(key)),
            Segment::Unknown => text = join(&text, "?"),
        }
    }
    text
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// Why a request through gloo-net failed, in the browser's words ("TypeError: Failed to fetch"). A body that
/// could not be serialized is named without serde's message. The browser's words can quote the URL, so
/// callers redact what they put in one.
pub(crate) fn request_failure(err: &gloo_net::Error) -> String {
    match err {
        gloo_net::Error::JsError(js) => format!("{}: {}", js.name, js.message),
        gloo_net::Error::SerdeError(_) => "the request body could not be written".to_owned(),
        gloo_net::Error::GlooError(reason) => reason.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        #[serde(rename = "innerPart")]
        inner: Option<Inner>,
        #[serde(default)]
        list: Vec<u32>,
    }

    #[derive(Debug, Deserialize)]
    struct Inner {
        flag: bool,
    }

    fn error(text: &str) -> WireError {
        parse::<Outer>(text).unwrap_err()
    }

    #[test]
    fn a_text_that_fits_decodes() {
        let outer: Outer = parse(r#"{"innerPart": {"flag": true}, "list": [1, 2]}"#).unwrap();
        assert_eq!((outer.inner.map(|inner| inner.flag), outer.list), (Some(true), vec![1, 2]));
    }

    #[test]
    fn names_the_field_and_what_it_needed_without_the_value() {
        let err = error(r#"{"innerPart": {"flag": "secret.jwt.value"}}"#);
        assert_eq!(err, WireError::Invalid { field: "innerPart.flag".into(), expected: "a boolean".into() });
        assert!(!err.to_string().contains("secret"), "{err}");
        let err = error(r#"{"list": [1, "a, expected x"]}"#);
        assert_eq!(err, WireError::Invalid { field: "list[1]".into(), expected: "u32".into() });
    }

    #[test]
    fn missing_and_unknown_fields_are_named() {
        assert_eq!(error(r#"{"innerPart": {}}"#), WireError::Missing { field: "innerPart.flag".into() });
        assert_eq!(error(r#"{"extra": 1}"#), WireError::Unknown { field: "extra".into() });
        assert_eq!(error("1").field(), "", "the text as a whole");
    }

    #[test]
    fn syntax_errors_say_where_and_never_what() {
        assert_eq!(error(r#"{"innerPart": secret"#), WireError::Syntax { line: 1, column: 15 });
        assert!(matches!(error(""), WireError::Syntax { .. }));
        assert!(matches!(error("{} trailing"), WireError::Syntax { .. }));
    }
}
