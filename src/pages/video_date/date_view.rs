//! The date around the call: the request for more time, ending with a confirmation, and the screen after the
//! end that asks whether to meet again. Each renders a [`DateState`] and emits what the person chose; the page
//! makes the calls.

use leptos::prelude::*;

use crate::date::{DateState, Extension, MeetAgain};
use crate::supabase::rest::Answer;

/// In the last minute: "Add 5 minutes?"; while a request stands, who asked and, for the one asked, Accept and
/// Decline. Nothing at other times.
#[component]
pub(crate) fn ExtensionPrompt(
    /// The date's state; only a live one shows anything.
    #[prop(into)]
    state: Signal<Option<DateState>>,
    /// "Add 5 minutes" was clicked.
    on_request: Callback<()>,
    /// The partner's request was accepted ([`Answer::Yes`]) or declined.
    on_answer: Callback<Answer>,
) -> impl IntoView {
    let extension = move || match state.get() {
        Some(DateState::Live { extension, .. }) => extension,
        _ => Extension::None,
    };
    move || match extension() {
        Extension::None => ().into_any(),
        Extension::Offer => view! {
            <div class="extension" data-extension="offer">
                <p>"One minute left."</p>
                <button type="button" class="primary" on:click=move |_| on_request.run(())>"Add 5 minutes"</button>
            </div>
        }
        .into_any(),
        Extension::AskedByMe => view! {
            <div class="extension" data-extension="asked">
                <p>"Asked your date for 5 more minutes…"</p>
            </div>
        }
        .into_any(),
        Extension::AskedByPartner => view! {
            <div class="extension" data-extension="requested">
                <p>"Your date would like 5 more minutes."</p>
                <button type="button" class="primary" on:click=move |_| on_answer.run(Answer::Yes)>"Accept"</button>
                <button type="button" on:click=move |_| on_answer.run(Answer::No)>"Decline"</button>
            </div>
        }
        .into_any(),
    }
}

/// "End date", which asks once before it ends the date for both people.
#[component]
pub(crate) fn EndDateButton(
    /// The person confirmed: end the date.
    on_end: Callback<()>,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    move || {
        if confirming.get() {
            view! {
                <span class="confirm-end" role="group" aria-label="End the date?">
                    "End the date for both of you? "
                    <button type="button" class="danger" on:click=move |_| {
                        confirming.set(false);
                        on_end.run(());
                    }>"Yes, end it"</button>
                    <button type="button" class="keep-talking" on:click=move |_| confirming.set(false)>"Keep talking"</button>
                </span>
            }
            .into_any()
        } else {
            view! { <button type="button" class="danger" on:click=move |_| confirming.set(true)>"End date"</button> }
                .into_any()
        }
    }
}

/// After the end: why it ended, "Would you like to meet again?" with Yes / No, then waiting for the other
/// answer, then the outcome; and the way back.
#[component]
pub(crate) fn DateOver(
    /// The date's state; the question shows while it is [`DateState::Ended`] with [`MeetAgain::Ask`].
    #[prop(into)]
    state: Signal<Option<DateState>>,
    /// The person answered.
    on_answer: Callback<Answer>,
    /// Where "Back to your dates" leads (`home_url` in the config).
    home_url: String,
) -> impl IntoView {
    let name = move || state.get().map_or("ended", |state| state.name());
    // Under the "It's a match!" heading, the rest of the state's sentence; every other state's sentence as it is.
    let sentence = move || match state.get() {
        Some(DateState::Ended { meet_again: MeetAgain::Decided(crate::date::Outcome::Match), .. }) => {
            "You both want to meet again."
        }
        Some(state) => state.sentence(),
        None => "This date has ended.",
    };
    let asking = move || matches!(state.get(), Some(DateState::Ended { meet_again: MeetAgain::Ask, .. }));
    view! {
        <section class="panel ended" data-date-state=name aria-labelledby="ended-title">
            <h2 id="ended-title">{move || match state.get() {
                Some(DateState::Ended { meet_again: MeetAgain::Decided(crate::date::Outcome::Match), .. }) => "It's a match!",
                Some(DateState::Ended { meet_again: MeetAgain::Decided(_), .. }) => "Thanks for the date",
                _ => "Your date is over",
            }}</h2>
            <p class="ended-sentence">{sentence}</p>
            {move || asking().then(|| view! {
                <div class="meet-again" role="group" aria-label="Would you like to meet again?">
                    <button type="button" class="primary" on:click=move |_| on_answer.run(Answer::Yes)>"Yes, I'd like that"</button>
                    <button type="button" on:click=move |_| on_answer.run(Answer::No)>"No, thanks"</button>
                </div>
            })}
            <a class="button" href=home_url>"Back to your dates"</a>
        </section>
    }
}
