//! What the date's row means for one of its two people, at a given server time.

/// Offered in the last minute: "Add 5 minutes?".
const EXTENSION_OFFER_MS: f64 = 60_000.0;
/// The database refuses a fourth extension (`answer_extension` in the migration).
const MAX_EXTENSIONS: u32 = 3;

/// One of the two people, seen from this page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Who {
    Me,
    Partner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndReason {
    EndedBy(Who),
    TimeUp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Match,
    NoMatch,
}

/// The row, relative to this page's person: only the combinations the database can produce.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum DateFacts {
    Scheduled { me_joined: bool, partner_joined: bool },
    Live { ends_at_ms: f64, extended_count: u32, extension_requested_by: Option<Who> },
    Ended { reason: EndReason, outcome: Option<Outcome> },
}

/// The extension part of a live date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extension {
    /// Nothing to show: more than a minute left, or no extension left.
    None,
    /// The last minute, nobody asked yet: "Add 5 minutes?".
    Offer,
    /// "Asked your date for 5 more minutes…"
    AskedByMe,
    /// "Your date would like 5 more minutes": Accept / Decline.
    AskedByPartner,
}

/// The meet-again question after the end. The other person's answer is never known before both answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MeetAgain {
    Ask,
    Waiting,
    Decided(Outcome),
}

/// What the page shows about the date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum DateState {
    /// Scheduled: before joining, or joined and waiting for the other person.
    Waiting { me_joined: bool },
    Live { seconds_left: u32, extension: Extension, extended_count: u32 },
    /// Live in the row but the clock is at zero: the page calls `end_date`, which records the time-up.
    TimeUp,
    Ended { reason: EndReason, meet_again: MeetAgain },
}

impl DateState {
    /// `facts` at server time `now_ms`; `answered` is whether this person has answered "meet again?".
    pub(crate) fn at(facts: DateFacts, answered: bool, now_ms: f64) -> DateState {
        match facts {
            DateFacts::Scheduled { me_joined, .. } => DateState::Waiting { me_joined },
            DateFacts::Live { ends_at_ms, extended_count, extension_requested_by } => {
                let left_ms = ends_at_ms - now_ms;
                if left_ms <= 0.0 {
                    return DateState::TimeUp;
                }
                let extension = match extension_requested_by {
                    Some(Who::Me) => Extension::AskedByMe,
                    Some(Who::Partner) => Extension::AskedByPartner,
                    None if left_ms <= EXTENSION_OFFER_MS && extended_count < MAX_EXTENSIONS => Extension::Offer,
                    None => Extension::None,
                };
                DateState::Live { seconds_left: (left_ms / 1000.0).ceil() as u32, extension, extended_count }
            }
            DateFacts::Ended { reason, outcome } => {
                let meet_again = match (outcome, answered) {
                    (Some(outcome), _) => MeetAgain::Decided(outcome),
                    (None, true) => MeetAgain::Waiting,
                    (None, false) => MeetAgain::Ask,
                };
                DateState::Ended { reason, meet_again }
            }
        }
    }

    /// A stable name for attributes, diagnostics and tests.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            DateState::Waiting { me_joined: false } => "pre-join",
            DateState::Waiting { me_joined: true } => "waiting-for-partner",
            DateState::Live { extension: Extension::Offer, .. } => "live-offer-extension",
            DateState::Live { extension: Extension::AskedByMe, .. } => "live-extension-asked",
            DateState::Live { extension: Extension::AskedByPartner, .. } => "live-extension-requested",
            DateState::Live { .. } => "live",
            DateState::TimeUp => "time-up",
            DateState::Ended { meet_again: MeetAgain::Ask, .. } => "ended-ask",
            DateState::Ended { meet_again: MeetAgain::Waiting, .. } => "ended-waiting",
            DateState::Ended { meet_again: MeetAgain::Decided(Outcome::Match), .. } => "match",
            DateState::Ended { meet_again: MeetAgain::Decided(Outcome::NoMatch), .. } => "no-match",
        }
    }

    /// The sentence for the live region: what happened and, where there is one, what to do.
    pub(crate) fn sentence(&self) -> &'static str {
        match self {
            DateState::Waiting { me_joined: false } => "Join when you're ready.",
            DateState::Waiting { me_joined: true } => "Waiting for your date to join…",
            DateState::Live { extension: Extension::Offer, .. } => "One minute left. Add 5 minutes?",
            DateState::Live { extension: Extension::AskedByMe, .. } => "Asked your date for 5 more minutes…",
            DateState::Live { extension: Extension::AskedByPartner, .. } => "Your date would like 5 more minutes.",
            DateState::Live { .. } => "Your date is live.",
            DateState::TimeUp | DateState::Ended { reason: EndReason::TimeUp, meet_again: MeetAgain::Ask } => {
                "Time's up. Would you like to meet again?"
            }
            DateState::Ended { reason: EndReason::EndedBy(Who::Me), meet_again: MeetAgain::Ask } => {
                "You ended the date. Would you like to meet again?"
            }
            DateState::Ended { reason: EndReason::EndedBy(Who::Partner), meet_again: MeetAgain::Ask } => {
                "Your date ended the date. Would you like to meet again?"
            }
            DateState::Ended { meet_again: MeetAgain::Waiting, .. } => "Thanks! Waiting for their answer…",
            DateState::Ended { meet_again: MeetAgain::Decided(Outcome::Match), .. } => {
                "It's a match! You both want to meet again."
            }
            DateState::Ended { meet_again: MeetAgain::Decided(Outcome::NoMatch), .. } => {
                "Not this time. Thanks for being kind — the next date is on its way."
            }
        }
    }
}

/// What to say once when the state goes from `before` to `now`: the new state's sentence when it says
/// something new, and the answer to a request for more time, which a countdown alone would not show.
pub(crate) fn announcement(before: Option<DateState>, now: DateState) -> Option<&'static str> {
    if let (
        Some(DateState::Live { extension: asked @ (Extension::AskedByMe | Extension::AskedByPartner), extended_count: was, .. }),
        DateState::Live { extension, extended_count, .. },
    ) = (before, now)
    {
        let answered = extension != asked;
        return match (asked, extended_count > was) {
            (Extension::AskedByMe, true) => Some("Your date said yes: 5 more minutes."),
            (_, true) => Some("5 more minutes added."),
            (Extension::AskedByMe, false) if answered => Some("Your date would rather finish on time."),
            (_, false) if answered => Some("The date ends on time."),
            _ => None,
        };
    }
    match before {
        Some(before) if before.name() == now.name() || before.sentence() == now.sentence() => None,
        _ => Some(now.sentence()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDS: f64 = 1_000_000.0;

    fn live(extended_count: u32, asked: Option<Who>) -> DateFacts {
        DateFacts::Live { ends_at_ms: ENDS, extended_count, extension_requested_by: asked }
    }

    #[test]
    fn a_scheduled_date_waits_before_and_after_joining() {
        let before = DateFacts::Scheduled { me_joined: false, partner_joined: true };
        assert_eq!(DateState::at(before, false, 0.0), DateState::Waiting { me_joined: false });
        let after = DateFacts::Scheduled { me_joined: true, partner_joined: false };
        assert_eq!(DateState::at(after, false, 0.0).name(), "waiting-for-partner");
    }

    #[test]
    fn a_live_date_counts_whole_seconds_up_to_the_end() {
        let state = DateState::at(live(0, None), false, ENDS - 600_000.0);
        assert_eq!(state, DateState::Live { seconds_left: 600, extension: Extension::None, extended_count: 0 });
        let state = DateState::at(live(0, None), false, ENDS - 61_500.0);
        assert_eq!(state, DateState::Live { seconds_left: 62, extension: Extension::None, extended_count: 0 });
    }

    #[test]
    fn the_last_minute_offers_an_extension_until_none_is_left() {
        let state = DateState::at(live(0, None), false, ENDS - 60_000.0);
        assert_eq!(state, DateState::Live { seconds_left: 60, extension: Extension::Offer, extended_count: 0 });
        let spent = DateState::at(live(MAX_EXTENSIONS, None), false, ENDS - 30_000.0);
        assert_eq!(spent, DateState::Live { seconds_left: 30, extension: Extension::None, extended_count: 3 });
    }

    #[test]
    fn a_standing_request_shows_who_asked() {
        let mine = DateState::at(live(1, Some(Who::Me)), false, ENDS - 30_000.0);
        assert_eq!(mine.name(), "live-extension-asked");
        let theirs = DateState::at(live(1, Some(Who::Partner)), false, ENDS - 300_000.0);
        assert_eq!(theirs, DateState::Live { seconds_left: 300, extension: Extension::AskedByPartner, extended_count: 1 });
        assert_eq!(theirs.sentence(), "Your date would like 5 more minutes.");
    }

    #[test]
    fn a_live_row_past_its_end_is_time_up_for_the_page_to_record() {
        assert_eq!(DateState::at(live(0, Some(Who::Partner)), false, ENDS), DateState::TimeUp);
        assert_eq!(DateState::at(live(0, None), false, ENDS + 5.0).sentence(), "Time's up. Would you like to meet again?");
    }

    #[test]
    fn the_end_says_who_ended_it_and_asks_to_meet_again() {
        for (reason, sentence) in [
            (EndReason::EndedBy(Who::Me), "You ended the date. Would you like to meet again?"),
            (EndReason::EndedBy(Who::Partner), "Your date ended the date. Would you like to meet again?"),
            (EndReason::TimeUp, "Time's up. Would you like to meet again?"),
        ] {
            let state = DateState::at(DateFacts::Ended { reason, outcome: None }, false, 0.0);
            assert_eq!(state, DateState::Ended { reason, meet_again: MeetAgain::Ask });
            assert_eq!(state.sentence(), sentence);
        }
    }

    #[test]
    fn after_answering_the_page_waits_and_never_guesses_the_other_answer() {
        let ended = DateFacts::Ended { reason: EndReason::TimeUp, outcome: None };
        assert_eq!(DateState::at(ended, true, 0.0).name(), "ended-waiting");
        for (outcome, name) in [(Outcome::Match, "match"), (Outcome::NoMatch, "no-match")] {
            let decided = DateFacts::Ended { reason: EndReason::TimeUp, outcome: Some(outcome) };
            // The outcome is written only once both answered, so it shows even on a page that lost its answer.
            assert_eq!(DateState::at(decided, false, 0.0).name(), name);
            assert_eq!(DateState::at(decided, true, 0.0).name(), name);
        }
    }

    #[test]
    fn announcements_say_each_change_once_and_the_answer_to_a_request() {
        let live = |extension, extended_count| DateState::Live { seconds_left: 50, extension, extended_count };
        assert_eq!(announcement(None, live(Extension::None, 0)), Some("Your date is live."));
        // The countdown ticking is not news.
        let later = DateState::Live { seconds_left: 49, extension: Extension::None, extended_count: 0 };
        assert_eq!(announcement(Some(live(Extension::None, 0)), later), None);
        assert_eq!(
            announcement(Some(live(Extension::AskedByMe, 0)), live(Extension::None, 1)),
            Some("Your date said yes: 5 more minutes.")
        );
        assert_eq!(
            announcement(Some(live(Extension::AskedByMe, 0)), live(Extension::Offer, 0)),
            Some("Your date would rather finish on time.")
        );
        assert_eq!(announcement(Some(live(Extension::AskedByPartner, 1)), live(Extension::None, 2)), Some("5 more minutes added."));
        assert_eq!(announcement(Some(live(Extension::AskedByPartner, 1)), live(Extension::Offer, 1)), Some("The date ends on time."));
        assert_eq!(announcement(Some(live(Extension::AskedByMe, 0)), live(Extension::AskedByMe, 0)), None);
        // Time's up, then recorded as ended by time-up: the same sentence, said once.
        let ended = DateState::Ended { reason: EndReason::TimeUp, meet_again: MeetAgain::Ask };
        assert_eq!(announcement(Some(live(Extension::None, 0)), DateState::TimeUp), Some("Time's up. Would you like to meet again?"));
        assert_eq!(announcement(Some(DateState::TimeUp), ended), None);
        let waiting = DateState::Ended { reason: EndReason::TimeUp, meet_again: MeetAgain::Waiting };
        assert_eq!(announcement(Some(ended), waiting), Some("Thanks! Waiting for their answer…"));
    }
}
