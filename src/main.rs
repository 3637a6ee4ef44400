use leptos::prelude::*;
use video_date::app::App;

fn main() {
    // The shipped build aborts on panic without running hooks (see ARCHITECTURE.md), so only other builds
    // carry the hook's formatting code.
    #[cfg(not(panic = "immediate-abort"))]
    console_error_panic_hook::set_once();
    video_date::metrics::expose_on_window();
    mount_to_body(App);
}
