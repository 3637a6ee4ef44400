//! The date itself, as pure logic: what each person sees from the `video_dates` row, the partner's
//! connection and the server's clock. No browser types here; the date page feeds it and renders the result.
//!
//! The rules live in the database (`supabase/migrations/`): this module never decides a transition, it only
//! says what the row means for one of the two people and which call the page should make next.

mod clock;
mod partner;
mod state;

pub(crate) use clock::ServerClock;
pub(crate) use partner::{PartnerLink, PartnerNotice};
pub(crate) use state::{announcement, DateFacts, DateState, EndReason, Extension, MeetAgain, Outcome, Who};
