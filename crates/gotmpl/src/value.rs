//! The runtime value model: Go's dynamic values as a text/template program sees them.
//!
//! Go keeps distinctions that show in output (`int` vs `int64` vs `float64`, nil inside a
//! container vs "no value"), so this model keeps them too. Maps have reference semantics,
//! like Go maps: `set $d "k" 1` is visible through every copy of `$d`.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub mod map;
pub use map::Map;

/// Which Go integer type an integer value has. It shows in `%T`, in `typeOf`, and in
/// whether the value may be passed to a typed function parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntKind {
    /// Go `int`: template literals, `len`, `int`, `atoi`.
    Int,
    /// Go `int64`: `--set` integers, Sprig arithmetic.
    Int64,
    /// Go `int32` (`rune`).
    Int32,
    /// Go `uint8` (`byte`): indexing a string.
    Uint8,
    /// Go `uint32`.
    Uint32,
    /// Go `uint64`, stored as its bit pattern.
    Uint64,
    /// Go `uint`.
    Uint,
}

impl IntKind {
    /// The Go type name.
    pub fn go_name(self) -> &'static str {
        match self {
            IntKind::Int => "int",
            IntKind::Int64 => "int64",
            IntKind::Int32 => "int32",
            IntKind::Uint8 => "uint8",
            IntKind::Uint32 => "uint32",
            IntKind::Uint64 => "uint64",
            IntKind::Uint => "uint",
        }
    }
    /// Whether this is one of Go's unsigned kinds.
    pub fn is_unsigned(self) -> bool {
        matches!(
            self,
            IntKind::Uint8 | IntKind::Uint32 | IntKind::Uint64 | IntKind::Uint
        )
    }
}

/// The element type of a Go slice (it shows in `%T`/`typeOf` and in type assertions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ElemKind {
    /// `[]interface {}`.
    #[default]
    Any,
    /// `[]string`.
    String,
    /// `[]int`.
    Int,
    /// Helm's `[]*chart.Maintainer` (`.Chart.Maintainers`).
    ChartMaintainers,
    /// Helm's `[]*chart.Dependency` (`.Chart.Dependencies`).
    ChartDependencies,
}

/// An immutable, shared list (a Go slice) with its element type.
#[derive(Clone, Default)]
pub struct ListRef {
    items: Arc<Vec<Value>>,
    elem: ElemKind,
    /// A nil slice (Go's `[]interface{}(nil)`): empty, but `null` in JSON.
    nil: bool,
}

impl ListRef {
    /// A `[]interface {}`.
    pub fn new(items: Vec<Value>) -> Self {
        ListRef {
            items: Arc::new(items),
            elem: ElemKind::Any,
            nil: false,
        }
    }
    /// A nil `[]interface {}` (what `json.Unmarshal` of `null` leaves in a slice).
    pub fn nil_list() -> Self {
        ListRef {
            nil: true,
            ..ListRef::default()
        }
    }
    /// A nil slice of the given element type (Go's `[]string(nil)`, …).
    pub fn nil_typed(elem: ElemKind) -> Self {
        ListRef {
            nil: true,
            elem,
            ..ListRef::default()
        }
    }
    /// Whether this is a nil slice.
    pub fn is_nil(&self) -> bool {
        self.nil
    }
    /// A slice of the given element type.
    pub fn typed(items: Vec<Value>, elem: ElemKind) -> Self {
        ListRef {
            items: Arc::new(items),
            elem,
            nil: false,
        }
    }
    /// The element type.
    pub fn elem(&self) -> ElemKind {
        self.elem
    }
    /// Whether two lists share storage.
    pub fn ptr_eq(&self, other: &ListRef) -> bool {
        Arc::ptr_eq(&self.items, &other.items)
    }
    /// Address of the storage (for `%p`).
    pub fn as_ptr(&self) -> *const Vec<Value> {
        Arc::as_ptr(&self.items)
    }
    /// The Go type name.
    pub fn type_name(&self) -> &'static str {
        match self.elem {
            ElemKind::Any => "[]interface {}",
            ElemKind::String => "[]string",
            ElemKind::Int => "[]int",
            ElemKind::ChartMaintainers => "[]*chart.Maintainer",
            ElemKind::ChartDependencies => "[]*chart.Dependency",
        }
    }
}

impl std::ops::Deref for ListRef {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.items
    }
}

impl AsRef<Vec<Value>> for ListRef {
    fn as_ref(&self) -> &Vec<Value> {
        &self.items
    }
}

/// The Go type of a map (it shows in `%T`/`typeOf` and in type assertions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MapKind {
    /// `map[string]interface {}`.
    #[default]
    Any,
    /// `map[string]string`.
    String,
    /// Helm's `chartutil.Values` (what `.Values` is).
    Values,
}

/// A shared, mutable map (Go's `map[string]interface{}`). The flag marks a nil map
/// (empty, `null` in JSON, and refusing writes).
#[derive(Clone, Default)]
pub struct MapRef(Arc<RwLock<Map>>, MapKind, bool);

impl MapRef {
    /// Wraps a map.
    pub fn new(m: Map) -> Self {
        MapRef(Arc::new(RwLock::new(m)), MapKind::Any, false)
    }
    /// A nil `map[string]interface {}` (what `json.Unmarshal` of `null` leaves in a map).
    pub fn nil_map() -> Self {
        MapRef(Arc::new(RwLock::new(Map::new())), MapKind::Any, true)
    }
    /// Whether this is a nil map: writing to it fails in Go (`assignment to entry in nil
    /// map`), so callers that insert check this first.
    pub fn is_nil(&self) -> bool {
        self.2
    }
    /// The same map seen as another Go map type (shares the contents).
    pub fn with_kind(&self, kind: MapKind) -> Self {
        MapRef(self.0.clone(), kind, self.2)
    }
    /// The Go map type.
    pub fn kind(&self) -> MapKind {
        self.1
    }
    /// The Go type name.
    pub fn type_name(&self) -> &'static str {
        match self.1 {
            MapKind::Any => "map[string]interface {}",
            MapKind::String => "map[string]string",
            MapKind::Values => "chartutil.Values",
        }
    }
    /// Read access. A poisoned lock is recovered: values are plain data.
    pub fn read(&self) -> RwLockReadGuard<'_, Map> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }
    /// Write access (Go map mutation, visible through every reference).
    pub fn write(&self) -> RwLockWriteGuard<'_, Map> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }
    /// Whether two references point at the same map.
    pub fn ptr_eq(&self, other: &MapRef) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
    /// A copy of the key/value pairs (cheap: values are reference counted).
    pub fn snapshot(&self) -> Map {
        self.read().clone()
    }
    /// Looks up one key.
    pub fn get(&self, k: &str) -> Option<Value> {
        self.read().get(k).cloned()
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.read().len()
    }
    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }
}

impl Drop for MapRef {
    /// The last reference to a map drops its contents on a stack that grows as needed:
    /// templates can nest maps arbitrarily deep (`$x = dict "a" $x` in a loop).
    fn drop(&mut self) {
        if Arc::strong_count(&self.0) == 1 {
            let contents = std::mem::take(&mut *self.write());
            stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, move || drop(contents));
        }
    }
}

impl fmt::Debug for MapRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.read().iter()).finish()
    }
}

/// One field of a Go struct, as fmt and the encoders see it.
#[derive(Clone, Debug)]
pub struct Field {
    /// The Go field name (`%+v`, `%#v`, TOML keys).
    pub name: &'static str,
    /// The `json` tag's name, when it has one (else the Go name is the JSON key).
    pub json: Option<&'static str>,
    /// The `json` tag says `omitempty`.
    pub omitempty: bool,
    /// An embedded (anonymous) field: JSON and TOML write its fields in place.
    pub embedded: bool,
    /// The value.
    pub value: Value,
}

impl Field {
    /// A field without tags.
    pub fn plain(name: &'static str, value: Value) -> Field {
        Field {
            name,
            json: None,
            omitempty: false,
            embedded: false,
            value,
        }
    }
    /// A field with a `json:"NAME,omitempty"` tag.
    pub fn json_omitempty(name: &'static str, json: &'static str, value: Value) -> Field {
        Field {
            name,
            json: Some(json),
            omitempty: true,
            embedded: false,
            value,
        }
    }
    /// A field with a `json:"NAME"` tag.
    pub fn json(name: &'static str, json: &'static str, value: Value) -> Field {
        Field {
            name,
            json: Some(json),
            omitempty: false,
            embedded: false,
            value,
        }
    }
    /// The JSON key.
    pub fn json_name(&self) -> &'static str {
        self.json.unwrap_or(self.name)
    }
}

/// A host object: a Go struct or named type exposed to templates (`.Chart`, `.Capabilities`,
/// `.Files`, a `semver.Version`, a `time.Time`, …).
#[allow(clippy::len_without_is_empty)]
pub trait Object: Send + Sync + fmt::Debug {
    /// Go type name, as `%T` prints it (`*chart.Metadata`, `time.Time`).
    fn type_name(&self) -> Cow<'_, str>;
    /// Go kind name, as `kindOf` prints it (`struct`, `ptr`, `map`).
    fn kind_name(&self) -> &'static str {
        "struct"
    }
    /// A field or method by exact name. `args` is empty for a field or a niladic method.
    /// `None` means there is no such field or method.
    fn get(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>>;
    /// Whether a method of this name takes arguments (so `.X a b` is allowed).
    fn is_method(&self, _name: &str) -> bool {
        false
    }
    /// How many arguments a method takes, when it is fixed (the executor then reports a
    /// wrong count as Go does, before calling).
    fn method_arity(&self, _name: &str) -> Option<usize> {
        None
    }
    /// The Go type of parameter `i` of method `name` (Go checks each argument against it
    /// before the call). Defaults to `interface{}`.
    fn method_param(&self, _name: &str, _i: usize) -> crate::func::Ty {
        crate::func::Ty::Any
    }
    /// Whether this is a nil value of a Go interface type with methods (a nil `error`
    /// returned by a method): printed by an action it is `<nil>` (where a nil `interface{}`
    /// is `<no value>`), and functions receive it as nil.
    fn is_nil_interface(&self) -> bool {
        false
    }
    /// How Go's `%v` prints it.
    fn format(&self) -> String;
    /// How Go's fmt prints it (`printf "%v"`, `print`, `toString`, error messages),
    /// which differs from [`Object::format`] only for types whose `String` method has a
    /// pointer receiver: the template engine finds that method on an addressable field,
    /// fmt on a copy does not, and prints the struct fields. Defaults to `format`.
    fn format_raw(&self) -> String {
        self.format()
    }
    /// What Go's `encoding/json` writes, as a JSON string, for types that marshal
    /// themselves to one (`time.Time`: RFC 3339), or the marshaller's error text. `None`
    /// (the default) writes [`Object::format`] as a string.
    fn json_text(&self) -> Option<Result<String, String>> {
        None
    }
    /// Go truthiness (structs are always true).
    fn truthy(&self) -> bool {
        true
    }
    /// `len` of the object, when Go allows it (named map types).
    fn len(&self) -> Option<usize> {
        None
    }
    /// `index` into the object, when Go allows it (named map types).
    fn index(&self, _key: &Value) -> Option<Result<Value, String>> {
        None
    }
    /// The entries `range` visits, in key order, for objects of a named map type
    /// (`kind_name() == "map"`). The default asks [`Object::get`] with an empty name
    /// for the underlying map.
    fn map_entries(&self) -> Option<Vec<(String, Value)>> {
        match self.get("", &[]) {
            Some(Ok(Value::Map(m))) => Some(m.snapshot().into_iter().collect()),
            _ => None,
        }
    }
    /// The fields of a Go struct type without a `String` method fmt can see (or of the
    /// struct a pointer of kind `ptr` points to), in declaration order. fmt prints such an
    /// object field by field, and the JSON, YAML and TOML encoders write its fields.
    fn go_struct(&self) -> Option<Vec<Field>> {
        None
    }
    /// For a named slice or map type without a `String` method (`chartutil.VersionSet`,
    /// Helm's `files`): the value of the underlying type, which fmt and the encoders use.
    fn underlying(&self) -> Option<Value> {
        None
    }
    /// The same value as a function result, which Go's template engine cannot address:
    /// for types whose `String` method has a pointer receiver, a copy whose
    /// [`Object::format`] is [`Object::format_raw`]. `None` (the default) when that makes no
    /// difference.
    fn unaddressable(&self) -> Option<Value> {
        None
    }
    /// For downcasting in functions that take a specific Go type.
    fn as_any(&self) -> &dyn Any;
}

/// A nil value of a Go interface type with methods, such as the nil `error` a `Validate`
/// method returns. An action prints it as `<nil>`; it is false; functions receive nil.
#[derive(Debug, Clone, Copy)]
pub struct NilInterface(pub &'static str);

impl Object for NilInterface {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.0)
    }
    fn kind_name(&self) -> &'static str {
        "invalid"
    }
    fn get(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        None
    }
    fn is_nil_interface(&self) -> bool {
        true
    }
    fn format(&self) -> String {
        "<nil>".to_string()
    }
    fn json_text(&self) -> Option<Result<String, String>> {
        Some(Ok("null".to_string()))
    }
    fn truthy(&self) -> bool {
        false
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A template value.
#[derive(Clone, Default)]
pub enum Value {
    /// Go's nil (a nil interface). At the top level of an action it prints `<no value>`,
    /// inside a container `<nil>`.
    #[default]
    Nil,
    /// `bool`.
    Bool(bool),
    /// An integer of some Go integer type.
    Int(i64, IntKind),
    /// `float64`.
    Float(f64),
    /// `string`.
    Str(Arc<str>),
    /// `[]byte`.
    Bytes(Arc<[u8]>),
    /// `[]interface{}` (and `[]string`, which prints the same).
    List(ListRef),
    /// `map[string]interface{}`.
    Map(MapRef),
    /// A host object.
    Object(Arc<dyn Object>),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i, k) => write!(
                f,
                "{i}{}",
                if *k == IntKind::Int { "" } else { k.go_name() }
            ),
            Value::Float(x) => write!(f, "{x:?}f"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Bytes(b) => write!(f, "b{:?}", String::from_utf8_lossy(b)),
            Value::List(l) => f.debug_list().entries(l.iter()).finish(),
            Value::Map(m) => m.fmt(f),
            Value::Object(o) => o.fmt(f),
        }
    }
}

impl Value {
    /// A Go `int`.
    pub fn int(i: i64) -> Value {
        Value::Int(i, IntKind::Int)
    }
    /// A Go `int64`.
    pub fn int64(i: i64) -> Value {
        Value::Int(i, IntKind::Int64)
    }
    /// A string.
    pub fn str(s: impl AsRef<str>) -> Value {
        Value::Str(Arc::from(s.as_ref()))
    }
    /// A list.
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(ListRef::new(v))
    }
    /// A `[]string`.
    pub fn string_list(v: Vec<Value>) -> Value {
        Value::List(ListRef::typed(v, ElemKind::String))
    }
    /// A map.
    pub fn map(m: Map) -> Value {
        Value::Map(MapRef::new(m))
    }
    /// An empty map.
    pub fn empty_map() -> Value {
        Value::map(Map::new())
    }

    /// Whether this is nil.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The string, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, when this is any integer kind.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i, _) => Some(*i),
            _ => None,
        }
    }

    /// Go truthiness: false, 0, 0.0, "", nil, empty list/map are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i, _) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(o) => o.truthy(),
        }
    }

    /// The Go type name, as `%T` and `typeOf` print it.
    pub fn type_name(&self) -> Cow<'_, str> {
        match self {
            Value::Nil => Cow::Borrowed("<nil>"),
            Value::Bool(_) => Cow::Borrowed("bool"),
            Value::Int(_, k) => Cow::Borrowed(k.go_name()),
            Value::Float(_) => Cow::Borrowed("float64"),
            Value::Str(_) => Cow::Borrowed("string"),
            Value::Bytes(_) => Cow::Borrowed("[]uint8"),
            Value::List(l) => Cow::Borrowed(l.type_name()),
            Value::Map(m) => Cow::Borrowed(m.type_name()),
            Value::Object(o) => o.type_name(),
        }
    }

    /// The Go kind name, as `kindOf` prints it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_, k) => k.go_name(),
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Bytes(_) | Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Object(o) => o.kind_name(),
        }
    }

    /// Deep equality as Go's `reflect.DeepEqual` sees it (types must match too).
    pub fn deep_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a, ka), Value::Int(b, kb)) => a == b && ka == kb,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a.ptr_eq(b)
                    || (a.elem() == b.elem()
                        && a.is_nil() == b.is_nil()
                        && a.len() == b.len()
                        && a.iter().zip(b.iter()).all(|(x, y)| x.deep_eq(y)))
            }
            (Value::Map(a), Value::Map(b)) => {
                if a.ptr_eq(b) {
                    return true;
                }
                if a.is_nil() != b.is_nil() {
                    return false;
                }
                let (a, b) = (a.read(), b.read());
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka == kb && va.deep_eq(vb))
            }
            (Value::Object(a), Value::Object(b)) => {
                if Arc::ptr_eq(a, b) {
                    return true;
                }
                if a.type_name() != b.type_name() {
                    return false;
                }
                // Structs (and pointers to them) compare field by field, as DeepEqual does.
                match (a.go_struct(), b.go_struct()) {
                    (Some(fa), Some(fb)) => {
                        fa.len() == fb.len()
                            && fa
                                .iter()
                                .zip(fb.iter())
                                .all(|(x, y)| x.value.deep_eq(&y.value))
                    }
                    _ => a.format() == b.format(),
                }
            }
            _ => false,
        }
    }

    /// Whether two values hold the same data with the same Go types (map and slice
    /// types, nil-ness, integer kinds, float bits), so that either can stand in for the
    /// other wherever neither is written through. Unlike [`Value::deep_eq`], `NaN`
    /// equals itself and `chartutil.Values` differs from `map[string]interface {}`.
    /// Maps are compared by contents, not identity; host objects only by identity.
    pub fn same_data(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a, ka), Value::Int(b, kb)) => a == b && ka == kb,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a.ptr_eq(b)
                    || (a.elem() == b.elem()
                        && a.is_nil() == b.is_nil()
                        && a.len() == b.len()
                        && a.iter().zip(b.iter()).all(|(x, y)| x.same_data(y)))
            }
            (Value::Map(a), Value::Map(b)) => {
                if a.kind() != b.kind() || a.is_nil() != b.is_nil() {
                    return false;
                }
                if a.ptr_eq(b) {
                    return true;
                }
                let (a, b) = (a.read(), b.read());
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka == kb && va.same_data(vb))
            }
            (Value::Object(a), Value::Object(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// A deep copy: maps are copied, so mutating the copy leaves the original alone.
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::List(l) if l.is_nil() => self.clone(),
            Value::Map(m) if m.is_nil() => Value::Map(MapRef::nil_map()),
            // copystructure keeps the Go types (`[]string`, `chartutil.Values`, …).
            Value::List(l) => Value::List(ListRef::typed(
                l.iter().map(Value::deep_copy).collect(),
                l.elem(),
            )),
            Value::Map(m) => Value::Map(
                MapRef::new(
                    m.read()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.deep_copy()))
                        .collect(),
                )
                .with_kind(m.kind()),
            ),
            other => other.clone(),
        }
    }

    /// Converts JSON into a value as Go's `encoding/json` does into `interface{}`:
    /// every number becomes `float64`.
    pub fn from_json(j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::str(s),
            serde_json::Value::Array(a) => Value::list(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::str(s)
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(Arc::from(s))
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::list(v)
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::map(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_stays_small() {
        assert!(std::mem::size_of::<Value>() <= 24);
    }

    #[test]
    fn maps_are_shared_references() {
        let a = Value::empty_map();
        let b = a.clone();
        if let Value::Map(m) = &a {
            m.write().insert("k".into(), Value::int(1));
        }
        match &b {
            Value::Map(m) => assert_eq!(m.get("k").and_then(|v| v.as_i64()), Some(1)),
            _ => panic!("not a map"),
        }
    }

    #[test]
    fn nil_containers_differ_from_empty_ones() {
        let nil_map = Value::Map(MapRef::nil_map());
        assert!(!nil_map.deep_eq(&Value::empty_map()));
        assert!(nil_map.deep_eq(&nil_map.deep_copy()));
        let nil_list = Value::List(ListRef::nil_list());
        assert!(!nil_list.deep_eq(&Value::list(vec![])));
        assert!(nil_list.deep_eq(&nil_list.deep_copy()));
        assert!(!nil_map.truthy() && !nil_list.truthy());
    }

    #[test]
    fn truthiness_follows_go() {
        assert!(!Value::Float(0.0).truthy());
        assert!(Value::str("0").truthy());
        assert!(!Value::list(vec![]).truthy());
        assert!(Value::list(vec![Value::Nil]).truthy());
    }
}
