//! Captures the exact lines the console logger would print, to prove that no secret is ever in them.

use std::cell::RefCell;
use std::rc::Rc;

use video_date::config::LogLevel;
use video_date::logging::{self, SinkGuard};

#[derive(Clone, Default)]
pub struct Captured(Rc<RefCell<String>>);

impl Captured {
    pub fn text(&self) -> String {
        self.0.borrow().clone()
    }
}

/// Every line at any level goes to the returned buffer while the guard lives.
pub fn capture() -> (Captured, SinkGuard) {
    let captured = Captured::default();
    let sink = captured.0.clone();
    let guard = logging::set_sink(LogLevel::Trace, move |_level, line| {
        let mut text = sink.borrow_mut();
        text.push_str(line);
        text.push('\n');
    });
    (captured, guard)
}
