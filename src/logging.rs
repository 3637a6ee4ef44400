//! Console logging through `tracing-wasm`, at the level the config asks for.

use tracing_subscriber::layer::SubscriberExt;

use crate::config::LogLevel;

/// Installs the console subscriber once; later calls (a remount, a second test) keep the first one.
pub fn init(level: LogLevel) {
    let config = tracing_wasm::WASMLayerConfigBuilder::new()
        .set_max_level(level.into())
        .set_report_logs_in_timings(false)
        .build();
    let subscriber = tracing_subscriber::registry().with(tracing_wasm::WASMLayer::new(config));
    let _already_installed = tracing::subscriber::set_global_default(subscriber);
}

impl From<LogLevel> for tracing::Level {
    fn from(level: LogLevel) -> Self {
        match level {
            LogLevel::Error => tracing::Level::ERROR,
            LogLevel::Warn => tracing::Level::WARN,
            LogLevel::Info => tracing::Level::INFO,
            LogLevel::Debug => tracing::Level::DEBUG,
            LogLevel::Trace => tracing::Level::TRACE,
        }
    }
}
