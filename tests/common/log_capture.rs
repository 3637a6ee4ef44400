//! Captures what the code logs through `tracing`, to prove that no secret is ever in it.

use std::fmt::Write;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<String>>);

impl Captured {
    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}

struct CaptureLayer(Captured);

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl<S: tracing::Subscriber> Layer<S> for CaptureLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut line = format!("{}", event.metadata().level());
        event.record(&mut Fields(&mut line));
        line.push('\n');
        (self.0).0.lock().unwrap().push_str(&line);
    }
}

/// Every event at any level goes to the returned buffer while the guard lives.
pub fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::registry().with(CaptureLayer(captured.clone()));
    (captured, tracing::subscriber::set_default(subscriber))
}
