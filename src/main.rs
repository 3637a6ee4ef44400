use leptos::prelude::*;
use video_date::app::App;

fn main() {
    console_error_panic_hook::set_once();
    mount_to_body(App);
}
