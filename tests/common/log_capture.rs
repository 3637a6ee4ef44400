//! Captures the exact lines the console logger would print, to prove that no secret is ever in them.

use std::sync::{Arc, Mutex};

use video_date::logging::LineSubscriber;

#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<String>>);

impl Captured {
    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}

/// Every event at any level goes to the returned buffer while the guard lives.
pub fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let sink = captured.0.clone();
    let subscriber = LineSubscriber::new(tracing::Level::TRACE, move |_level, line| {
        let mut text = sink.lock().unwrap();
        text.push_str(line);
        text.push('\n');
    });
    (captured, tracing::subscriber::set_default(subscriber))
}
