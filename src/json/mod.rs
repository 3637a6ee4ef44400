//! A small JSON value, parser and writer. The app speaks JSON only to a handful of peers with known shapes, and
//! serde's per-type generated code was a tenth of the wasm; one non-generic value type costs a fraction of it.
//! Reading a typed record goes through [`Fields`], which names the field and the type it needed on error.

mod fields;
mod number;
mod parse;
mod write;

pub use fields::{FieldError, Fields};
pub use number::Number;
pub use parse::{ParseError, MAX_DEPTH};

/// One JSON value. Numbers keep their text (see [`Number`]); objects keep their members in order.
#[derive(Debug, Clone, Default)]
pub enum Json {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// What indexing a missing member or item gives, like `undefined` in JavaScript.
static NULL: Json = Json::Null;

impl Json {
    /// The member `key` of an object. A repeated key counts as its last occurrence, as in `JSON.parse`.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.as_object()?.iter().rev().find(|(name, _)| name == key).map(|(_, value)| value)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Json::Number(number) => Some(number),
            _ => None,
        }
    }

    /// A whole number that fits `i64`; `1.5` and `1e300` are not one.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    pub fn as_u64(&self) -> Option<u64> {
        self.as_i64().and_then(|n| u64::try_from(n).ok())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(members) => Some(members),
            _ => None,
        }
    }
}

/// Objects are equal when every key reads the same in both, whatever the order of their members: peers write
/// them in any order, and JSON gives the order no meaning.
impl PartialEq for Json {
    fn eq(&self, other: &Json) -> bool {
        match (self, other) {
            (Json::Null, Json::Null) => true,
            (Json::Bool(a), Json::Bool(b)) => a == b,
            (Json::Number(a), Json::Number(b)) => a == b,
            (Json::String(a), Json::String(b)) => a == b,
            (Json::Array(a), Json::Array(b)) => a == b,
            (Json::Object(a), Json::Object(b)) => a.iter().chain(b).all(|(key, _)| self.get(key) == other.get(key)),
            _ => false,
        }
    }
}

/// `value["key"]` is the member, or `Null` when there is none (or `value` is not an object).
impl std::ops::Index<&str> for Json {
    type Output = Json;

    fn index(&self, key: &str) -> &Json {
        self.get(key).unwrap_or(&NULL)
    }
}

/// `value[i]` is the item, or `Null` when there is none (or `value` is not an array).
impl std::ops::Index<usize> for Json {
    type Output = Json;

    fn index(&self, index: usize) -> &Json {
        self.as_array().and_then(|items| items.get(index)).unwrap_or(&NULL)
    }
}

impl From<bool> for Json {
    fn from(flag: bool) -> Json {
        Json::Bool(flag)
    }
}

/// Whole numbers only: the page never writes a fraction (see [`Number`]).
macro_rules! json_from_integer {
    ($($integer:ty),*) => {$(
        impl From<$integer> for Json {
            fn from(number: $integer) -> Json {
                Json::Number(number.into())
            }
        }
    )*};
}

json_from_integer!(i32, i64, u32, u64, usize);

impl From<&str> for Json {
    fn from(text: &str) -> Json {
        Json::String(text.to_owned())
    }
}

impl From<String> for Json {
    fn from(text: String) -> Json {
        Json::String(text)
    }
}

impl From<&String> for Json {
    fn from(text: &String) -> Json {
        Json::String(text.clone())
    }
}

impl From<&Json> for Json {
    fn from(value: &Json) -> Json {
        value.clone()
    }
}

impl From<Vec<Json>> for Json {
    fn from(items: Vec<Json>) -> Json {
        Json::Array(items)
    }
}

/// `None` is `null`, as an absent optional field is written.
impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(value: Option<T>) -> Json {
        value.map_or(Json::Null, Into::into)
    }
}

/// Builds a [`Json`] from JSON-like syntax: `json!({"a": [1, null], "b": some_expression})`. Keys are string
/// literals; a value is `null`, an array, an object, or any expression with a `From` conversion to `Json`.
#[macro_export]
macro_rules! json {
    // Internal: items of an array, each gathered token by token up to its comma.
    (@array [$($done:expr,)*] []) => { ::std::vec![$($done,)*] };
    (@array [$($done:expr,)*] [$($item:tt)+]) => { ::std::vec![$($done,)* $crate::json!($($item)+)] };
    (@array [$($done:expr,)*] [$($item:tt)+] , $($rest:tt)*) => {
        $crate::json!(@array [$($done,)* $crate::json!($($item)+),] [] $($rest)*)
    };
    (@array [$($done:expr,)*] [$($item:tt)*] $next:tt $($rest:tt)*) => {
        $crate::json!(@array [$($done,)*] [$($item)* $next] $($rest)*)
    };
    // Internal: members of an object, `"key": value`, the value gathered like an array item.
    (@object [$($done:expr,)*]) => { ::std::vec![$($done,)*] };
    (@object [$($done:expr,)*] $key:literal : $($rest:tt)*) => { $crate::json!(@member [$($done,)*] $key [] $($rest)*) };
    (@member [$($done:expr,)*] $key:literal [$($value:tt)+]) => {
        ::std::vec![$($done,)* (::std::string::String::from($key), $crate::json!($($value)+))]
    };
    (@member [$($done:expr,)*] $key:literal [$($value:tt)+] , $($rest:tt)*) => {
        $crate::json!(@object [$($done,)* (::std::string::String::from($key), $crate::json!($($value)+)),] $($rest)*)
    };
    (@member [$($done:expr,)*] $key:literal [$($value:tt)*] $next:tt $($rest:tt)*) => {
        $crate::json!(@member [$($done,)*] $key [$($value)* $next] $($rest)*)
    };
    (null) => { $crate::json::Json::Null };
    ([$($items:tt)*]) => { $crate::json::Json::Array($crate::json!(@array [] [] $($items)*)) };
    ({$($members:tt)*}) => { $crate::json::Json::Object($crate::json!(@object [] $($members)*)) };
    ($value:expr) => { $crate::json::Json::from($value) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_macro_builds_nested_values_from_expressions() {
        let name = String::from("alice");
        let built = json!({
            "name": name,
            "age": 30 + 1,
            "ratio": -5,
            "tags": ["a", null, [], {}],
            "nested": {"ok": true, "missing": None::<String>},
        });
        let expected = Json::Object(vec![
            ("name".into(), Json::String("alice".into())),
            ("age".into(), Json::Number(31.into())),
            ("ratio".into(), Json::Number((-5).into())),
            (
                "tags".into(),
                Json::Array(vec![Json::String("a".into()), Json::Null, Json::Array(vec![]), Json::Object(vec![])]),
            ),
            ("nested".into(), Json::Object(vec![("ok".into(), Json::Bool(true)), ("missing".into(), Json::Null)])),
        ]);
        assert_eq!(built, expected);
    }

    #[test]
    fn accessors_answer_only_for_their_own_type() {
        let value =
            Json::parse(r#"{"n": 42, "half": 1.5, "neg": -3, "s": "x", "b": false, "a": [1], "big": 1e300}"#).unwrap();
        assert_eq!(value["n"].as_u64(), Some(42));
        assert_eq!(value["half"].as_i64(), None);
        assert_eq!(value["half"].as_number().and_then(Number::floor_i64), Some(1));
        assert_eq!(value["s"].as_number(), None);
        assert_eq!((value["neg"].as_i64(), value["neg"].as_u64()), (Some(-3), None));
        assert_eq!(value["big"].as_i64(), None);
        assert_eq!((value["s"].as_str(), value["n"].as_str()), (Some("x"), None));
        assert_eq!((value["b"].as_bool(), value["s"].as_bool()), (Some(false), None));
        assert_eq!(value["a"][0].as_u64(), Some(1));
        assert!(value["a"][1].is_null() && value["nope"].is_null() && value["s"]["deeper"].is_null());
        assert_eq!(value.get("nope"), None);
    }

    #[test]
    fn a_repeated_key_counts_as_its_last_occurrence() {
        let value = Json::parse(r#"{"a": 1, "a": 2}"#).unwrap();
        assert_eq!(value["a"].as_u64(), Some(2));
        assert_eq!(value, json!({"a": 2}));
    }

    #[test]
    fn objects_compare_by_key_whatever_the_order() {
        assert_eq!(json!({"a": 1, "b": [true]}), json!({"b": [true], "a": 1}));
        assert_ne!(json!({"a": 1}), json!({"a": 1, "b": null}));
        assert_ne!(json!({"a": 1}), json!({"a": 2}));
        assert_ne!(json!([1, 2]), json!([2, 1]));
        assert_ne!(json!({}), json!([]));
    }
}
