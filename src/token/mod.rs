//! LiveKit tokens: fetched from the token endpoint (or held fixed for a retry), validated before use,
//! cached until shortly before they expire, and never shown: see [`Token`].

mod claims;
mod error;
mod redact;
mod response;
mod source;

pub use claims::{Claims, Expectations, VideoGrant, LEEWAY_SECS};
pub use error::TokenError;
pub use redact::{sanitize_excerpt, Secret};
pub use response::{validate_response, IssuedToken, Token};
pub use source::{EndpointSource, EndpointSourceOptions, TokenSource};
