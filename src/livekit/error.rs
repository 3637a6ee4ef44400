//! Classifying what the SDK throws or reports into typed values (pure; the JS fields come in as plain data).

use thiserror::Error;

/// The fields of a thrown JS error that matter for classification.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ErrorFields {
    pub(crate) name: Option<String>,
    pub(crate) message: String,
    pub(crate) reason: Option<f64>,
    pub(crate) status: Option<f64>,
}

/// Why `Room.connect` failed. Messages are for people; none contains a token.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConnectError {
    #[error("The video server did not accept your pass to the call.")]
    Auth,
    #[error("The video server refused you entry to this call.")]
    Forbidden,
    #[error("This call's room does not exist on the video server.")]
    RoomMissing,
    #[error("The video server could not be reached. Check your connection and try again.")]
    Unreachable,
    #[error("Connecting to the video server took too long. Check your connection and try again.")]
    Timeout,
    #[error("Connecting was cancelled because you left.")]
    Cancelled,
    #[error("The video server asked us to leave the call.")]
    LeaveRequest,
    #[error("The video server had a problem connecting you ({0}). Try again in a moment.")]
    Internal(String),
}

impl ConnectError {
    /// ConnectionErrorReason values (livekit-client src/room/errors.ts).
    const NOT_ALLOWED: f64 = 0.0;
    const SERVER_UNREACHABLE: f64 = 1.0;
    const CANCELLED: f64 = 3.0;
    const LEAVE_REQUEST: f64 = 4.0;
    const TIMEOUT: f64 = 5.0;

    /// From the error's `reason` and `status` when it is a `ConnectionError`; from its message only when
    /// it lacks those fields (an older SDK, or an error thrown before the SDK classified it).
    pub(crate) fn classify(fields: &ErrorFields) -> Self {
        let is_connection_error = fields.name.as_deref() == Some("ConnectionError");
        match (is_connection_error, fields.reason) {
            (true, Some(reason)) => Self::from_reason(reason, fields.status, &fields.message),
            _ => Self::from_message(&fields.message),
        }
    }

    fn from_reason(reason: f64, status: Option<f64>, message: &str) -> Self {
        match (reason, status.map(|s| s as u16)) {
            (Self::NOT_ALLOWED, Some(401)) => Self::Auth,
            (Self::NOT_ALLOWED, Some(403)) => Self::Forbidden,
            (Self::NOT_ALLOWED, Some(404)) => Self::RoomMissing,
            // NotAllowed without a status still means the server refused the token.
            (Self::NOT_ALLOWED, None) => Self::Auth,
            (Self::NOT_ALLOWED, Some(other)) => Self::Internal(format!("refused with HTTP {other}")),
            (Self::SERVER_UNREACHABLE, _) => Self::Unreachable,
            (Self::CANCELLED, _) => Self::Cancelled,
            (Self::LEAVE_REQUEST, _) => Self::LeaveRequest,
            (Self::TIMEOUT, _) => Self::Timeout,
            _ => Self::Internal(short(message)),
        }
    }

    fn from_message(message: &str) -> Self {
        let lower = message.to_ascii_lowercase();
        if lower.contains("invalid authorization token") || lower.contains("401") || lower.contains("invalid api key") {
            Self::Auth
        } else if lower.contains("403") || lower.contains("no permissions") {
            Self::Forbidden
        } else if lower.contains("room does not exist") {
            Self::RoomMissing
        } else if lower.contains("timed out") || lower.contains("timeout") {
            Self::Timeout
        } else if lower.contains("abort") || lower.contains("cancel") {
            Self::Cancelled
        } else if lower.contains("failed to fetch") || lower.contains("unreachable") || lower.contains("websocket") {
            Self::Unreachable
        } else {
            Self::Internal(short(message))
        }
    }

    /// Only a refused token earns the one retry with a fresh token.
    pub(crate) fn is_auth(&self) -> bool {
        matches!(self, Self::Auth)
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Forbidden => "forbidden",
            Self::RoomMissing => "room_missing",
            Self::Unreachable => "unreachable",
            Self::Timeout => "timeout",
            Self::Cancelled => "cancelled",
            Self::LeaveRequest => "leave_request",
            Self::Internal(_) => "internal",
        }
    }
}

/// The SDK's messages can quote the server; a token never appears in them, but keep them short.
fn short(message: &str) -> String {
    let cut: String = message.chars().take(100).collect();
    if cut.is_empty() { "no details".into() } else { cut }
}

/// A camera or microphone that could not be used, as `MediaDeviceFailure.getFailure` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MediaDeviceFailure {
    #[error("Your browser is not allowed to use the camera or microphone. Allow it in the address bar's site settings, then try again.")]
    PermissionDenied,
    #[error("No camera or microphone was found. Plug one in, then try again.")]
    NotFound,
    #[error("Your camera or microphone is in use by another app. Close that app, then try again.")]
    DeviceInUse,
    #[error("Your camera or microphone could not be started. Check it, then try again.")]
    Other,
}

impl MediaDeviceFailure {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::PermissionDenied => "permission_denied",
            Self::NotFound => "not_found",
            Self::DeviceInUse => "device_in_use",
            Self::Other => "other",
        }
    }

    /// From a `DOMException`'s name (the SDK's own mapping, plus Firefox's name for a device that would not
    /// start: `AbortError` "Starting videoinput failed", where Chromium says `NotReadableError`).
    pub(crate) fn from_error_name(name: &str) -> Self {
        match name {
            "NotFoundError" | "DevicesNotFoundError" => Self::NotFound,
            "NotAllowedError" | "PermissionDeniedError" => Self::PermissionDenied,
            "NotReadableError" | "TrackStartError" | "AbortError" => Self::DeviceInUse,
            _ => Self::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection_error(reason: f64, status: Option<f64>) -> ErrorFields {
        ErrorFields {
            name: Some("ConnectionError".into()),
            message: "could not establish signal connection: something".into(),
            reason: Some(reason),
            status,
        }
    }

    #[test]
    fn connection_errors_classify_by_reason_and_status() {
        let table = [
            (0.0, Some(401.0), ConnectError::Auth),
            (0.0, Some(403.0), ConnectError::Forbidden),
            (0.0, Some(404.0), ConnectError::RoomMissing),
            (0.0, None, ConnectError::Auth),
            (1.0, None, ConnectError::Unreachable),
            (3.0, None, ConnectError::Cancelled),
            (4.0, None, ConnectError::LeaveRequest),
            (5.0, None, ConnectError::Timeout),
        ];
        for (reason, status, expected) in table {
            assert_eq!(ConnectError::classify(&connection_error(reason, status)), expected, "{reason} {status:?}");
        }
        assert!(matches!(ConnectError::classify(&connection_error(0.0, Some(400.0))), ConnectError::Internal(_)));
        assert!(matches!(ConnectError::classify(&connection_error(2.0, None)), ConnectError::Internal(_)));
        assert!(matches!(ConnectError::classify(&connection_error(7.0, None)), ConnectError::Internal(_)));
    }

    #[test]
    fn fields_win_over_a_misleading_message() {
        let mut fields = connection_error(1.0, None);
        fields.message = "invalid authorization token".into();
        assert_eq!(ConnectError::classify(&fields), ConnectError::Unreachable);
    }

    #[test]
    fn errors_without_fields_fall_back_to_the_message() {
        let plain = |message: &str| ErrorFields { name: Some("Error".into()), message: message.into(), ..Default::default() };
        assert_eq!(ConnectError::classify(&plain("could not establish signal connection: invalid authorization token")), ConnectError::Auth);
        assert_eq!(ConnectError::classify(&plain("server responded with 401")), ConnectError::Auth);
        assert_eq!(ConnectError::classify(&plain("no permissions to access the room")), ConnectError::Forbidden);
        assert_eq!(ConnectError::classify(&plain("requested room does not exist")), ConnectError::RoomMissing);
        assert_eq!(ConnectError::classify(&plain("room connection has timed out (signal)")), ConnectError::Timeout);
        assert_eq!(ConnectError::classify(&plain("TypeError: Failed to fetch")), ConnectError::Unreachable);
        assert_eq!(ConnectError::classify(&plain("AbortError")), ConnectError::Cancelled);
        assert!(matches!(ConnectError::classify(&plain("")), ConnectError::Internal(m) if m == "no details"));
        // A ConnectionError that lost its reason is classified by message too.
        let no_reason = ErrorFields { name: Some("ConnectionError".into()), message: "invalid API key".into(), ..Default::default() };
        assert_eq!(ConnectError::classify(&no_reason), ConnectError::Auth);
    }

    #[test]
    fn only_auth_earns_the_retry() {
        assert!(ConnectError::Auth.is_auth());
        for other in [ConnectError::Forbidden, ConnectError::Unreachable, ConnectError::Timeout, ConnectError::Cancelled] {
            assert!(!other.is_auth());
        }
    }

    #[test]
    fn media_failures_follow_the_sdk_mapping() {
        assert_eq!(MediaDeviceFailure::from_error_name("NotAllowedError"), MediaDeviceFailure::PermissionDenied);
        assert_eq!(MediaDeviceFailure::from_error_name("PermissionDeniedError"), MediaDeviceFailure::PermissionDenied);
        assert_eq!(MediaDeviceFailure::from_error_name("NotFoundError"), MediaDeviceFailure::NotFound);
        assert_eq!(MediaDeviceFailure::from_error_name("DevicesNotFoundError"), MediaDeviceFailure::NotFound);
        assert_eq!(MediaDeviceFailure::from_error_name("NotReadableError"), MediaDeviceFailure::DeviceInUse);
        assert_eq!(MediaDeviceFailure::from_error_name("AbortError"), MediaDeviceFailure::DeviceInUse);
        assert_eq!(MediaDeviceFailure::from_error_name("TrackStartError"), MediaDeviceFailure::DeviceInUse);
        assert_eq!(MediaDeviceFailure::from_error_name("OverconstrainedError"), MediaDeviceFailure::Other);
    }
}
