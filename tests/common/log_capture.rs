//! Captures what tracing records, events and the fields of every span, as the lines a console would show, to
//! prove that no secret is ever in them. A layer on a subscriber of its own, the default while the guard lives.

use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::DefaultGuard;
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<String>>);

impl Captured {
    pub fn text(&self) -> String {
        self.0.lock().map(|text| text.clone()).unwrap_or_default()
    }

    fn push(&self, line: String) {
        if let Ok(mut text) = self.0.lock() {
            text.push_str(&line);
            text.push('\n');
        }
    }
}

/// Every event and span at any level goes to the returned buffer while the guard lives.
pub fn capture() -> (Captured, DefaultGuard) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::registry().with(CaptureLayer(captured.clone()));
    (captured, tracing::subscriber::set_default(subscriber))
}

struct CaptureLayer(Captured);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for CaptureLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        let mut line = format!("span {}:", attrs.metadata().name());
        attrs.record(&mut Fields(&mut line));
        self.0.push(line);
    }

    fn on_record(&self, _id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut line = "span record:".to_owned();
        values.record(&mut Fields(&mut line));
        self.0.push(line);
    }

    /// `LEVEL target [outer>inner]: message key=value…`, the spans it happened in from the outermost.
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let spans: Vec<&str> = match ctx.event_scope(event) {
            Some(scope) => scope.from_root().map(|span| span.name()).collect(),
            None => Vec::new(),
        };
        let mut line = format!("{} {} [{}]:", metadata.level(), metadata.target(), spans.join(">"));
        event.record(&mut Fields(&mut line));
        self.0.push(line);
    }
}

/// ` message key=value…`, each value as tracing hands it over.
struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = match field.name() {
            "message" => write!(self.0, " {value:?}"),
            name => write!(self.0, " {name}={value:?}"),
        };
    }
}
