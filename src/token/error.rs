use thiserror::Error;

/// Why no usable token could be had. Each message says what happened and what to do; none contains a token.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TokenError {
    #[error("Your sign-in has expired. Sign in again, then rejoin the date.")]
    Unauthorized,
    #[error("You are not part of this date, so you can't join its call. Check the link, or sign in as the right person.")]
    NotInThisDate,
    #[error("The video service could not give you a pass to the call (HTTP {status}: {excerpt}). Try again in a moment.")]
    Status { status: u16, excerpt: String },
    #[error("The video service sent an answer that is not JSON. Try again in a moment; if it keeps happening, tell whoever runs this site.")]
    NotJson,
    #[error("The video service's answer has the wrong shape ({0}). Tell whoever runs this site.")]
    WrongShape(String),
    #[error("The video service's answer has no token in it. Tell whoever runs this site.")]
    NoToken,
    #[error("The video service's answer named an invalid server address. Tell whoever runs this site.")]
    BadServerUrl,
    #[error("The pass to the call is not a valid token (it must have three parts). Try again; if it keeps happening, tell whoever runs this site.")]
    NotAJwt,
    #[error("The pass to the call could not be read ({0}). Try again; if it keeps happening, tell whoever runs this site.")]
    Undecodable(String),
    #[error("The pass to the call has no expiry time, which the video server requires. Tell whoever runs this site.")]
    NoExpiry,
    #[error("The pass to the call had already expired when it arrived. Check that your device's clock is right, then try again.")]
    Expired { exp: i64, now: i64 },
    #[error("The pass to the call is not valid yet. Check that your device's clock is right, then try again.")]
    NotYetValid { nbf: i64, now: i64 },
    #[error("The pass does not allow joining a call. Tell whoever runs this site.")]
    NoRoomJoin,
    #[error("The pass is for a different call than this date. Reload the page; if it keeps happening, tell whoever runs this site.")]
    WrongRoom { expected: String, found: Option<String> },
    #[error("The pass is for a different person than you. Sign in again; if it keeps happening, tell whoever runs this site.")]
    WrongIdentity { expected: String, found: Option<String> },
    #[error("The video service did not answer within {} ms. Check your connection and try again.", after_ms)]
    Timeout { after_ms: u32 },
    #[error("The video service could not be reached ({0}). Check your connection and try again.")]
    Network(String),
}

impl TokenError {
    /// A short stable name for logs and metrics.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::NotInThisDate => "not_in_this_date",
            Self::Status { .. } => "status",
            Self::NotJson => "not_json",
            Self::WrongShape(_) => "wrong_shape",
            Self::NoToken => "no_token",
            Self::BadServerUrl => "bad_server_url",
            Self::NotAJwt => "not_a_jwt",
            Self::Undecodable(_) => "undecodable",
            Self::NoExpiry => "no_expiry",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::NoRoomJoin => "no_room_join",
            Self::WrongRoom { .. } => "wrong_room",
            Self::WrongIdentity { .. } => "wrong_identity",
            Self::Timeout { .. } => "timeout",
            Self::Network(_) => "network",
        }
    }
}
