//! The partner's connection as the call sees it: a drop is not a departure until a grace window has passed,
//! while a clean leave is final at once.

/// How long a dropped partner has to come back before the page says they left.
const PARTNER_GRACE_MS: f64 = 30_000.0;

/// The partner's presence in the call, from LiveKit's events and the date channel's presence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PartnerLink {
    /// Not in the call yet (never joined this page's session).
    NotJoined,
    Present,
    /// Their connection dropped (reconnecting, or gone without a leave) at this server time.
    Dropped { since_ms: f64 },
    /// They left on purpose (a leave, or the date's row says they ended it).
    Left,
}

/// What to tell the person about their date's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PartnerNotice {
    /// Nothing to say: not joined yet (the date's state covers it) or present.
    None,
    /// "Your date's connection dropped — waiting up to N s."
    Dropped { seconds_left: u32 },
    /// "Your date left."
    Left,
}

impl PartnerLink {
    /// The partner joined or came back.
    pub(crate) fn present(self) -> Self {
        PartnerLink::Present
    }

    /// Their connection dropped; a drop that is already counting keeps its start.
    pub(crate) fn dropped(self, now_ms: f64) -> Self {
        match self {
            PartnerLink::Dropped { .. } | PartnerLink::Left => self,
            PartnerLink::NotJoined | PartnerLink::Present => PartnerLink::Dropped { since_ms: now_ms },
        }
    }

    /// They left on purpose.
    pub(crate) fn left(self) -> Self {
        PartnerLink::Left
    }

    pub(crate) fn notice(self, now_ms: f64) -> PartnerNotice {
        match self {
            PartnerLink::NotJoined | PartnerLink::Present => PartnerNotice::None,
            PartnerLink::Left => PartnerNotice::Left,
            PartnerLink::Dropped { since_ms } => {
                let left_ms = PARTNER_GRACE_MS - (now_ms - since_ms);
                if left_ms <= 0.0 {
                    PartnerNotice::Left
                } else {
                    PartnerNotice::Dropped { seconds_left: (left_ms / 1000.0).ceil() as u32 }
                }
            }
        }
    }

    /// Whether the partner was ever in the call (so "your date's connection" means something).
    pub(crate) fn has_joined(self) -> bool {
        self != PartnerLink::NotJoined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drop_counts_down_the_grace_window_then_becomes_a_departure() {
        let link = PartnerLink::NotJoined.present().dropped(1_000.0);
        assert_eq!(link.notice(1_000.0), PartnerNotice::Dropped { seconds_left: 30 });
        assert_eq!(link.notice(1_500.0), PartnerNotice::Dropped { seconds_left: 30 });
        assert_eq!(link.notice(30_999.0), PartnerNotice::Dropped { seconds_left: 1 });
        assert_eq!(link.notice(31_000.0), PartnerNotice::Left);
    }

    #[test]
    fn a_second_drop_signal_keeps_the_first_start_and_coming_back_clears_it() {
        let link = PartnerLink::Present.dropped(1_000.0).dropped(20_000.0);
        assert_eq!(link, PartnerLink::Dropped { since_ms: 1_000.0 });
        assert_eq!(link.present().notice(60_000.0), PartnerNotice::None);
    }

    #[test]
    fn a_clean_leave_is_immediate_and_not_undone_by_a_late_drop() {
        let link = PartnerLink::Present.left();
        assert_eq!(link.notice(0.0), PartnerNotice::Left);
        assert_eq!(link.dropped(5.0), PartnerLink::Left);
    }

    #[test]
    fn nobody_is_said_to_have_dropped_before_they_joined() {
        assert_eq!(PartnerLink::NotJoined.notice(1e12), PartnerNotice::None);
        assert!(!PartnerLink::NotJoined.has_joined());
        assert!(PartnerLink::Present.left().has_joined());
    }
}
