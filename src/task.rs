//! Tasks that live as long as a component, not as long as the view branch that started them.

use std::future::Future;

use leptos::prelude::Owner;
use leptos::task::spawn_local_scoped_with_cancellation;

/// Spawns `future` under `owner`: it is cancelled when that owner is cleaned up (the page unmounts),
/// but not when the button or overlay whose handler started it is replaced by the state it sets.
pub fn spawn_in(owner: &Owner, future: impl Future<Output = ()> + 'static) {
    owner.with(|| spawn_local_scoped_with_cancellation(future));
}
