//! A small sign-in page for development: password sign-in against Supabase Auth, then back to the date.

use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;

use crate::config::Config;
use crate::supabase::session;

/// Only same-site paths: `next` comes from the URL, so an absolute URL would be an open redirect.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//")).unwrap_or("/").to_owned()
}

/// `/sign-in`: an email and password form; signed in, it goes to `next`.
#[component]
pub(crate) fn SignIn(
    /// Where to go once signed in (the `next` query parameter); only a same-site path is followed.
    next: Option<String>,
) -> impl IntoView {
    let config = expect_context::<Config>();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let next = safe_next(next.as_deref());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let config = config.clone();
        let next = next.clone();
        spawn_local_scoped_with_cancellation(async move {
            match session::sign_in(&config, &email.get_untracked(), &password.get_untracked()).await {
                Ok(_) => {
                    let _ = window().location().assign(&next);
                }
                Err(err) => {
                    error.set(Some(err.to_string()));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <form class="panel sign-in" on:submit=submit aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">"Sign in"</h1>
            <label>"Email" <input type="email" name="email" autocomplete="username" required=true bind:value=email/></label>
            <label>"Password" <input type="password" name="password" autocomplete="current-password" required=true bind:value=password/></label>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit" class="primary" disabled=move || busy.get()>"Sign in"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/video-date/1")), "/video-date/1");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
