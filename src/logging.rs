//! One console line per log call, `LEVEL target: message key=value…`, at the level the config asks for.
//!
//! Not `tracing`: each of its call sites carries static metadata and a field set, and it needs a subscriber to
//! turn events back into text. Replacing it with a level check and a `format_args!` per call site, and one
//! non-generic function that formats, took the release wasm from 167.1 to 160.9 KB gzip (BENCHMARKS.md's
//! nightly build). Tests swap the console for a sink of their own to prove that no secret is in any line.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use crate::config::LogLevel;

type Sink = Rc<dyn Fn(LogLevel, &str)>;

thread_local! {
    // Nothing is logged before `init`: native unit tests have no console to write to.
    static MAX_LEVEL: Cell<Option<LogLevel>> = const { Cell::new(None) };
    // `None` writes to the browser console; only tests install a sink of their own.
    static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

/// Logs at `level` and above on the browser console from now on.
pub fn init(level: LogLevel) {
    MAX_LEVEL.set(Some(level));
}

/// Sends every line at `max_level` and above to `sink` instead of the console until the guard is dropped,
/// which puts back the level and sink that were there before.
pub fn set_sink(max_level: LogLevel, sink: impl Fn(LogLevel, &str) + 'static) -> SinkGuard {
    SinkGuard { level: MAX_LEVEL.replace(Some(max_level)), sink: SINK.replace(Some(Rc::new(sink))) }
}

#[must_use = "the sink is removed when the guard is dropped"]
pub struct SinkGuard {
    level: Option<LogLevel>,
    sink: Option<Sink>,
}

impl Drop for SinkGuard {
    fn drop(&mut self) {
        MAX_LEVEL.set(self.level);
        SINK.set(self.sink.take());
    }
}

#[doc(hidden)]
pub fn enabled(level: LogLevel) -> bool {
    MAX_LEVEL.get().is_some_and(|max| level <= max)
}

/// The macros' only formatting code, so each call site stays a check and a call.
#[doc(hidden)]
pub fn emit(level: LogLevel, target: &'static str, message: fmt::Arguments<'_>) {
    let line = format!("{} {target}: {message}", label(level));
    // Cloned out so that no borrow is held while the sink runs.
    match SINK.with_borrow(Option::clone) {
        Some(sink) => sink(level, &line),
        None => {
            let line = wasm_bindgen::JsValue::from_str(&line);
            match level {
                LogLevel::Error => web_sys::console::error_1(&line),
                LogLevel::Warn => web_sys::console::warn_1(&line),
                LogLevel::Info => web_sys::console::info_1(&line),
                LogLevel::Debug | LogLevel::Trace => web_sys::console::debug_1(&line),
            }
        }
    }
}

fn label(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Error => "ERROR",
        LogLevel::Warn => "WARN",
        LogLevel::Info => "INFO",
        LogLevel::Debug => "DEBUG",
        LogLevel::Trace => "TRACE",
    }
}

/// `log_at!(Warn, "…{x}…")`: the arguments are evaluated and formatted only when the level is enabled.
#[macro_export]
#[doc(hidden)]
macro_rules! log_at {
    ($level:ident, $($arg:tt)+) => {
        if $crate::logging::enabled($crate::config::LogLevel::$level) {
            $crate::logging::emit($crate::config::LogLevel::$level, module_path!(), format_args!($($arg)+))
        }
    };
}

#[macro_export]
#[doc(hidden)]
macro_rules! log_error {
    ($($arg:tt)+) => { $crate::log_at!(Error, $($arg)+) };
}

#[macro_export]
#[doc(hidden)]
macro_rules! log_warn {
    ($($arg:tt)+) => { $crate::log_at!(Warn, $($arg)+) };
}

#[macro_export]
#[doc(hidden)]
macro_rules! log_info {
    ($($arg:tt)+) => { $crate::log_at!(Info, $($arg)+) };
}

#[macro_export]
#[doc(hidden)]
macro_rules! log_debug {
    ($($arg:tt)+) => { $crate::log_at!(Debug, $($arg)+) };
}

#[macro_export]
#[doc(hidden)]
macro_rules! log_trace {
    ($($arg:tt)+) => { $crate::log_at!(Trace, $($arg)+) };
}

// Call sites read `logging::warn!("…")`.
pub use crate::{log_debug as debug, log_error as error, log_info as info, log_trace as trace, log_warn as warn};

#[cfg(test)]
mod tests {
    use super::*;

    fn captured(max_level: LogLevel, log: impl FnOnce()) -> Vec<String> {
        let lines = Rc::new(RefCell::new(Vec::new()));
        let sink = lines.clone();
        let guard =
            set_sink(max_level, move |level, line| sink.borrow_mut().push(format!("[{}] {line}", label(level))));
        log();
        drop(guard);
        lines.take()
    }

    #[test]
    fn a_call_becomes_one_line_with_level_and_module() {
        let (attempt, room) = (2, "r1");
        let lines = captured(LogLevel::Trace, || {
            info!("connecting attempt={attempt} room={room}");
            error!("gave up: {}", "down");
        });
        assert_eq!(
            lines,
            [
                "[INFO] INFO video_date::logging::tests: connecting attempt=2 room=r1",
                "[ERROR] ERROR video_date::logging::tests: gave up: down"
            ]
        );
    }

    #[test]
    fn levels_below_the_configured_one_are_neither_evaluated_nor_sent() {
        let evaluated = Cell::new(0);
        let value = || {
            evaluated.set(evaluated.get() + 1);
            "v"
        };
        let lines = captured(LogLevel::Warn, || {
            error!("e={}", value());
            warn!("w={}", value());
            info!("i={}", value());
            debug!("d={}", value());
            trace!("t={}", value());
        });
        assert_eq!(
            lines,
            ["[ERROR] ERROR video_date::logging::tests: e=v", "[WARN] WARN video_date::logging::tests: w=v"]
        );
        assert_eq!(evaluated.get(), 2);
    }

    #[test]
    fn nothing_is_logged_before_init_and_the_guard_restores_what_was_there() {
        assert!(!enabled(LogLevel::Error));
        let outer = captured(LogLevel::Error, || {
            let inner = captured(LogLevel::Trace, || debug!("inner"));
            assert_eq!(inner, ["[DEBUG] DEBUG video_date::logging::tests: inner"]);
            assert!(!enabled(LogLevel::Debug), "the outer level is back");
            error!("outer");
        });
        assert_eq!(outer, ["[ERROR] ERROR video_date::logging::tests: outer"]);
        assert!(!enabled(LogLevel::Error));
    }
}
