//! Browser APIs replaced for one test, and put back.

use std::cell::{Cell, RefCell};

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// One replaced property: where, and what was there (an own property, or one inherited, like a method).
struct Original {
    id: u64,
    target: Object,
    name: JsValue,
    own_value: Option<JsValue>,
}

thread_local! {
    static REPLACED: RefCell<Vec<Original>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
}

/// `target[name]` replaced until this guard is dropped. In wasm a failing test aborts instead of unwinding, so no
/// `Drop` runs: the first patch also chains a panic hook that puts back everything still replaced, before the
/// next test runs against the real browser.
#[must_use = "the API is put back when the guard is dropped"]
pub struct Patched {
    id: u64,
}

impl Patched {
    pub fn replace(target: &Object, name: &str, replacement: &JsValue) -> Self {
        restore_on_panic();
        let name = JsValue::from_str(name);
        let own_value = Object::has_own(target, &name).then(|| Reflect::get(target, &name).unwrap());
        Reflect::set(target, &name, replacement).unwrap();
        Self::remember(target, name, own_value)
    }

    /// For a property `target` inherits as a getter (`document.baseURI`), which assignment cannot replace: an own
    /// property with `value` hides it until the guard is dropped.
    pub fn shadow(target: &Object, name: &str, value: &JsValue) -> Self {
        restore_on_panic();
        let name = JsValue::from_str(name);
        assert!(!Object::has_own(target, &name), "{name:?} is an own property: use Patched::replace");
        let descriptor = Object::new();
        Reflect::set(&descriptor, &"value".into(), value).unwrap();
        Reflect::set(&descriptor, &"configurable".into(), &JsValue::TRUE).unwrap();
        Object::define_property(target, &name, &descriptor);
        Self::remember(target, name, None)
    }

    fn remember(target: &Object, name: JsValue, own_value: Option<JsValue>) -> Self {
        let id = NEXT_ID.with(|next| next.replace(next.get() + 1));
        REPLACED.with(|replaced| replaced.borrow_mut().push(Original { id, target: target.clone(), name, own_value }));
        Patched { id }
    }
}

impl Drop for Patched {
    fn drop(&mut self) {
        let original = REPLACED.with(|replaced| {
            let mut replaced = replaced.borrow_mut();
            let index = replaced.iter().position(|original| original.id == self.id);
            index.map(|index| replaced.remove(index))
        });
        if let Some(original) = original {
            put_back(original);
        }
    }
}

fn put_back(original: Original) {
    // Best effort: this also runs inside a panic hook, where a second panic would hide the first.
    let _ = match original.own_value {
        Some(value) => Reflect::set(&original.target, &original.name, &value),
        None => Reflect::delete_property(&original.target, &original.name),
    };
}

fn restore_on_panic() {
    thread_local!(static HOOKED: Cell<bool> = const { Cell::new(false) });
    if HOOKED.with(|hooked| hooked.replace(true)) {
        return;
    }
    let reporter = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let everything = REPLACED.with(|replaced| replaced.try_borrow_mut().map(|mut all| std::mem::take(&mut *all)));
        everything.unwrap_or_default().into_iter().rev().for_each(put_back);
        reporter(info);
    }));
}
