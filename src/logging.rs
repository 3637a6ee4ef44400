//! `tracing` events as one line each on the browser console, at the level the config asks for.
//!
//! A few dozen lines instead of `tracing-wasm`: its `tracing-subscriber` registry cost about 6 KB of gzip
//! wasm for span bookkeeping we do not use (we log events, not spans). See BENCHMARKS.md.

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::config::LogLevel;

/// Installs the console subscriber once; later calls (a remount, a second test) keep the first one.
pub fn init(level: LogLevel) {
    let subscriber = LineSubscriber::new(level.into(), |level, line| {
        let line = wasm_bindgen::JsValue::from_str(line);
        match *level {
            Level::ERROR => web_sys::console::error_1(&line),
            Level::WARN => web_sys::console::warn_1(&line),
            Level::INFO => web_sys::console::info_1(&line),
            _ => web_sys::console::debug_1(&line),
        }
    });
    let _already_installed = tracing::subscriber::set_global_default(subscriber);
}

impl From<LogLevel> for Level {
    fn from(level: LogLevel) -> Self {
        match level {
            LogLevel::Error => Level::ERROR,
            LogLevel::Warn => Level::WARN,
            LogLevel::Info => Level::INFO,
            LogLevel::Debug => Level::DEBUG,
            LogLevel::Trace => Level::TRACE,
        }
    }
}

type Sink = Box<dyn Fn(&Level, &str) + Send + Sync>;

/// Formats each enabled event as `LEVEL target: message key=value…` and hands the line to a sink.
/// The console uses it, and tests capture exactly the same lines to prove no secret is in them.
pub struct LineSubscriber {
    max_level: Level,
    sink: Sink,
}

impl LineSubscriber {
    pub fn new(max_level: Level, sink: impl Fn(&Level, &str) + Send + Sync + 'static) -> Self {
        LineSubscriber { max_level, sink: Box::new(sink) }
    }
}

impl Subscriber for LineSubscriber {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= self.max_level
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(self.max_level.into())
    }

    // Spans are not used for output; every span gets the same id.
    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        let mut fields = LineFields { message: String::new(), rest: String::new() };
        event.record(&mut fields);
        let line = format!("{} {}: {}{}", metadata.level(), metadata.target(), fields.message, fields.rest);
        (self.sink)(metadata.level(), &line);
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

struct LineFields {
    message: String,
    rest: String,
}

impl Visit for LineFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn events_become_one_line_with_message_first_and_levels_filtered() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let subscriber = LineSubscriber::new(Level::INFO, move |level, line| {
            sink.lock().unwrap().push(format!("[{level}] {line}"));
        });
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(attempt = 2, room = "r1", "connecting");
            tracing::debug!("hidden below the configured level");
            tracing::warn!(kind = "auth", "refused: {}", "bad token");
        });
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with("[INFO] INFO video_date::logging::tests: connecting attempt=2 room=r1"), "{}", lines[0]);
        assert!(lines[1].contains("WARN") && lines[1].contains(": refused: bad token kind=auth"), "{}", lines[1]);
    }
}
