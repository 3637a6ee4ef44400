//! LiveKit tokens: fetched from the token endpoint, validated before use,
//! cached until shortly before they expire, and never shown: see [`Token`].

mod claims;
mod error;
mod redact;
mod response;
mod source;

pub use claims::Expectations;
pub use error::TokenError;
pub use redact::Secret;
pub(crate) use redact::sanitize_excerpt;
pub use response::{IssuedToken, Token};
pub use source::{EndpointSource, EndpointSourceOptions, Freshness};
pub(crate) use source::RefreshHandle;
