//! Tasks that live as long as a component, not as long as the view branch that started them.

use std::future::Future;

use leptos::prelude::{Owner, WeakOwner};
use leptos::task::spawn_local_scoped_with_cancellation;

/// The current component's owner, held weakly: a strong `Owner` kept inside that owner's own arena (a
/// `StoredValue`, a `Callback`) is a cycle, and the component would never be cleaned up.
pub(crate) fn current_owner() -> WeakOwner {
    Owner::current().unwrap_or_default().downgrade()
}

/// Spawns `future` under `owner`: it is cancelled when that owner is cleaned up (the page unmounts),
/// but not when the button or overlay whose handler started it is replaced by the state it sets.
pub(crate) fn spawn_in(owner: &WeakOwner, future: impl Future<Output = ()> + 'static) {
    if let Some(owner) = owner.upgrade() {
        owner.with(|| spawn_local_scoped_with_cancellation(future));
    }
}
