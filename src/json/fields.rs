//! Typed reads of an object's fields, for the records the app decodes (config, session, claims, rows).

use thiserror::Error;

use super::Json;

/// Which field did not fit, and what it had to be. Names only our own field names, never a value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FieldError {
    #[error("expected a JSON object")]
    NotAnObject,
    #[error("`{0}` is missing")]
    Missing(&'static str),
    #[error("`{field}` must be {expected}")]
    WrongType { field: &'static str, expected: &'static str },
}

/// An object's members, read by field name. An absent field and a `null` one are the same: no value.
#[derive(Clone, Copy)]
pub struct Fields<'a>(&'a Json);

impl<'a> Fields<'a> {
    pub fn of(value: &'a Json) -> Result<Self, FieldError> {
        match value {
            Json::Object(_) => Ok(Fields(value)),
            _ => Err(FieldError::NotAnObject),
        }
    }

    /// The field's value if it has one; `Err` when it has one that `read` does not accept.
    pub fn optional<T>(
        &self,
        field: &'static str,
        expected: &'static str,
        read: fn(&'a Json) -> Option<T>,
    ) -> Result<Option<T>, FieldError> {
        match self.0.get(field) {
            None | Some(Json::Null) => Ok(None),
            Some(value) => read(value).map(Some).ok_or(FieldError::WrongType { field, expected }),
        }
    }

    /// Like [`Fields::optional`], and a field with no value is [`FieldError::Missing`].
    pub fn required<T>(
        &self,
        field: &'static str,
        expected: &'static str,
        read: fn(&'a Json) -> Option<T>,
    ) -> Result<T, FieldError> {
        self.optional(field, expected, read)?.ok_or(FieldError::Missing(field))
    }

    pub fn opt_string(&self, field: &'static str) -> Result<Option<String>, FieldError> {
        self.optional(field, "a string", |value| value.as_str().map(str::to_owned))
    }

    /// A number rounded down to a whole one (JWT times may carry a fraction of a second).
    pub fn opt_floor_i64(&self, field: &'static str) -> Result<Option<i64>, FieldError> {
        self.optional(field, "a number that fits 64 bits", |value| value.as_number().and_then(super::Number::floor_i64))
    }

    pub fn opt_bool(&self, field: &'static str) -> Result<Option<bool>, FieldError> {
        self.optional(field, "true or false", Json::as_bool)
    }

    pub fn opt_object(&self, field: &'static str) -> Result<Option<Fields<'a>>, FieldError> {
        self.optional(field, "an object", |value| Fields::of(value).ok())
    }

    pub fn string(&self, field: &'static str) -> Result<String, FieldError> {
        self.required(field, "a string", |value| value.as_str().map(str::to_owned))
    }

    pub fn i64(&self, field: &'static str) -> Result<i64, FieldError> {
        self.required(field, "a whole number", Json::as_i64)
    }

    pub fn object(&self, field: &'static str) -> Result<Fields<'a>, FieldError> {
        self.required(field, "an object", |value| Fields::of(value).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn each_read_names_the_field_and_the_type_it_needed() {
        let value = Json::parse(r#"{"s": "x", "n": 1.5, "b": true, "o": {"inner": 1}, "nothing": null}"#).unwrap();
        let fields = Fields::of(&value).unwrap();
        assert_eq!(fields.string("s"), Ok("x".into()));
        assert_eq!(fields.opt_floor_i64("n"), Ok(Some(1)));
        let wrong = Err(FieldError::WrongType { field: "s", expected: "a number that fits 64 bits" });
        assert_eq!(fields.opt_floor_i64("s"), wrong);
        assert_eq!(fields.opt_bool("b"), Ok(Some(true)));
        assert_eq!(fields.object("o").unwrap().i64("inner"), Ok(1));
        assert_eq!(fields.opt_string("nothing"), Ok(None), "null is no value");
        assert_eq!(fields.opt_string("absent"), Ok(None));
        assert_eq!(fields.string("nothing"), Err(FieldError::Missing("nothing")));
        assert_eq!(fields.i64("n"), Err(FieldError::WrongType { field: "n", expected: "a whole number" }));
        assert_eq!(fields.opt_object("s").err().map(|err| err.to_string()).as_deref(), Some("`s` must be an object"));
        assert_eq!(Fields::of(&json!([1])).err(), Some(FieldError::NotAnObject));
    }
}
