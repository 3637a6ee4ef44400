use leptos::prelude::*;
use video_date::app::App;

fn main() {
    console_error_panic_hook::set_once();
    video_date::metrics::expose_on_window();
    mount_to_body(App);
}
