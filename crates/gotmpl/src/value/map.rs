//! [`Map`]: the contents of a Go `map[string]interface{}`, kept in sorted key order.
//!
//! Chart values are mostly small maps (`image: {repository, tag}`), and a `BTreeMap`
//! allocates a whole 11-slot node even for one entry. A `Map` keeps its entries as one
//! sorted vector (binary search lookups) and moves them into a `BTreeMap` only when a
//! large map keeps changing shape, so that building a huge map key by key stays
//! `O(n log n)`. Either way it iterates in byte-wise key order, as `BTreeMap` does and as
//! Go does when it ranges over or prints a map.

use std::collections::{btree_map, BTreeMap};
use std::fmt;
use std::iter::FusedIterator;

use super::Value;

/// A vector of more than this many entries moves to a B-tree when a key is added or
/// removed (a sorted vector shifts its tail on every such change).
const VEC_MAX: usize = 32;

/// Map contents: keys sorted byte-wise, as Go sorts string keys when printing or ranging.
///
/// The API follows `BTreeMap<String, Value>` (same semantics, same iteration order).
#[derive(Default)]
pub struct Map {
    repr: Repr,
}

enum Repr {
    /// Sorted by key, keys unique.
    Vec(Vec<(String, Value)>),
    /// A map that grew (or shrank) key by key past [`VEC_MAX`] entries.
    Tree(BTreeMap<String, Value>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Vec(Vec::new())
    }
}

/// Where `key` is, or where it would go, in a sorted entry vector.
fn search(v: &[(String, Value)], key: &str) -> Result<usize, usize> {
    v.binary_search_by(|(k, _)| k.as_str().cmp(key))
}

impl Map {
    /// An empty map (allocates nothing).
    pub fn new() -> Self {
        Map::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Vec(v) => v.len(),
            Repr::Tree(t) => t.len(),
        }
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match &self.repr {
            Repr::Vec(v) => search(v, key).ok().and_then(|i| v.get(i)).map(|e| &e.1),
            Repr::Tree(t) => t.get(key),
        }
    }

    /// The value for `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        match &mut self.repr {
            Repr::Vec(v) => match search(v, key) {
                Ok(i) => v.get_mut(i).map(|e| &mut e.1),
                Err(_) => None,
            },
            Repr::Tree(t) => t.get_mut(key),
        }
    }

    /// The stored key and its value.
    pub fn get_key_value(&self, key: &str) -> Option<(&String, &Value)> {
        match &self.repr {
            Repr::Vec(v) => search(v, key)
                .ok()
                .and_then(|i| v.get(i))
                .map(|(k, v)| (k, v)),
            Repr::Tree(t) => t.get_key_value(key),
        }
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        match &self.repr {
            Repr::Vec(v) => search(v, key).is_ok(),
            Repr::Tree(t) => t.contains_key(key),
        }
    }

    /// Moves the entries into a B-tree (if they are in a vector) and applies `f` there.
    fn via_tree<R>(&mut self, f: impl FnOnce(&mut BTreeMap<String, Value>) -> R) -> R {
        let mut t = match std::mem::take(&mut self.repr) {
            // Already sorted and unique: the B-tree is bulk-built in linear time.
            Repr::Vec(v) => v.into_iter().collect(),
            Repr::Tree(t) => t,
        };
        let r = f(&mut t);
        self.repr = Repr::Tree(t);
        r
    }

    /// Sets `key` to `value`, returning the previous value (the stored key is kept, as
    /// `BTreeMap::insert` keeps it).
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match &mut self.repr {
            Repr::Vec(v) => match search(v, &key) {
                Ok(i) => v.get_mut(i).map(|e| std::mem::replace(&mut e.1, value)),
                Err(_) if v.len() >= VEC_MAX => self.via_tree(|t| t.insert(key, value)),
                Err(i) => {
                    if v.len() == v.capacity() {
                        // Grow by half rather than double: most maps stay small, and
                        // their unused slots would outlive the build.
                        v.reserve_exact((v.len() / 2).max(1));
                    }
                    v.insert(i, (key, value));
                    None
                }
            },
            Repr::Tree(t) => t.insert(key, value),
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Removes `key`, returning the stored key and its value.
    pub fn remove_entry(&mut self, key: &str) -> Option<(String, Value)> {
        match &mut self.repr {
            Repr::Vec(v) => match search(v, key) {
                Ok(_) if v.len() > VEC_MAX => self.via_tree(|t| t.remove_entry(key)),
                Ok(i) => Some(v.remove(i)),
                Err(_) => None,
            },
            Repr::Tree(t) => t.remove_entry(key),
        }
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.repr = Repr::default();
    }

    /// Keeps only the entries for which `f` returns true, visiting them in key order.
    pub fn retain<F: FnMut(&String, &mut Value) -> bool>(&mut self, mut f: F) {
        match &mut self.repr {
            Repr::Vec(v) => v.retain_mut(|(k, val)| f(k, val)),
            Repr::Tree(t) => t.retain(|k, val| f(k, val)),
        }
    }

    /// Moves every entry of `other` into `self` (`other`'s value wins for a shared key),
    /// leaving `other` empty.
    pub fn append(&mut self, other: &mut Map) {
        let other = std::mem::take(other);
        self.extend(other);
    }

    /// Frees spare capacity: a finished map keeps its entries in one vector of the exact
    /// size, whatever way it was built.
    pub fn shrink_to_fit(&mut self) {
        match &mut self.repr {
            Repr::Vec(v) => v.shrink_to_fit(),
            Repr::Tree(t) => {
                let t = std::mem::take(t);
                let mut v = Vec::with_capacity(t.len());
                v.extend(t);
                self.repr = Repr::Vec(v);
            }
        }
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(match &self.repr {
            Repr::Vec(v) => IterRepr::Vec(v.iter()),
            Repr::Tree(t) => IterRepr::Tree(t.iter()),
        })
    }

    /// The entries in key order, values mutable.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(match &mut self.repr {
            Repr::Vec(v) => IterMutRepr::Vec(v.iter_mut()),
            Repr::Tree(t) => IterMutRepr::Tree(t.iter_mut()),
        })
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator + Clone {
        self.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator + Clone {
        self.iter().map(|(_, v)| v)
    }

    /// The values in key order, mutable.
    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator {
        self.iter_mut().map(|(_, v)| v)
    }

    /// The keys in order, consuming the map.
    pub fn into_keys(self) -> impl DoubleEndedIterator<Item = String> + ExactSizeIterator {
        self.into_iter().map(|(k, _)| k)
    }

    /// The values in key order, consuming the map.
    pub fn into_values(self) -> impl DoubleEndedIterator<Item = Value> + ExactSizeIterator {
        self.into_iter().map(|(_, v)| v)
    }

    /// The entry with the smallest key.
    pub fn first_key_value(&self) -> Option<(&String, &Value)> {
        self.iter().next()
    }

    /// The entry with the largest key.
    pub fn last_key_value(&self) -> Option<(&String, &Value)> {
        self.iter().next_back()
    }

    /// Builds a map from entries in any order; for a repeated key the last value wins.
    fn from_entries(mut v: Vec<(String, Value)>) -> Map {
        if !v.is_sorted_by(|a, b| a.0 < b.0) {
            // Stable, so repeated keys keep their order and the last one can win.
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    std::mem::swap(&mut later.1, &mut kept.1);
                }
                same
            });
        }
        v.shrink_to_fit();
        Map { repr: Repr::Vec(v) }
    }
}

impl Clone for Map {
    /// The copy is one exact-size vector, whatever the original's layout.
    fn clone(&self) -> Self {
        let v = match &self.repr {
            Repr::Vec(v) => v.clone(),
            Repr::Tree(t) => {
                let mut v = Vec::with_capacity(t.len());
                v.extend(t.iter().map(|(k, val)| (k.clone(), val.clone())));
                v
            }
        };
        Map { repr: Repr::Vec(v) }
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Map::from_entries(iter.into_iter().collect())
    }
}

impl Extend<(String, Value)> for Map {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        if self.is_empty() {
            *self = iter.into_iter().collect();
            return;
        }
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<const N: usize> From<[(String, Value); N]> for Map {
    fn from(entries: [(String, Value); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl From<BTreeMap<String, Value>> for Map {
    fn from(t: BTreeMap<String, Value>) -> Self {
        let mut v = Vec::with_capacity(t.len());
        v.extend(t);
        Map { repr: Repr::Vec(v) }
    }
}

/// Iterator over `(&key, &value)` in key order: [`Map::iter`].
#[derive(Clone)]
pub struct Iter<'a>(IterRepr<'a>);

#[derive(Clone)]
enum IterRepr<'a> {
    Vec(std::slice::Iter<'a, (String, Value)>),
    Tree(btree_map::Iter<'a, String, Value>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a String, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Vec(i) => i.next().map(|(k, v)| (k, v)),
            IterRepr::Tree(i) => i.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IterRepr::Vec(i) => i.size_hint(),
            IterRepr::Tree(i) => i.size_hint(),
        }
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Vec(i) => i.next_back().map(|(k, v)| (k, v)),
            IterRepr::Tree(i) => i.next_back(),
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}
impl FusedIterator for Iter<'_> {}

/// Iterator over `(&key, &mut value)` in key order: [`Map::iter_mut`].
pub struct IterMut<'a>(IterMutRepr<'a>);

enum IterMutRepr<'a> {
    Vec(std::slice::IterMut<'a, (String, Value)>),
    Tree(btree_map::IterMut<'a, String, Value>),
}

impl<'a> Iterator for IterMut<'a> {
    type Item = (&'a String, &'a mut Value);
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterMutRepr::Vec(i) => i.next().map(|(k, v)| (&*k, v)),
            IterMutRepr::Tree(i) => i.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IterMutRepr::Vec(i) => i.size_hint(),
            IterMutRepr::Tree(i) => i.size_hint(),
        }
    }
}

impl DoubleEndedIterator for IterMut<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterMutRepr::Vec(i) => i.next_back().map(|(k, v)| (&*k, v)),
            IterMutRepr::Tree(i) => i.next_back(),
        }
    }
}

impl ExactSizeIterator for IterMut<'_> {}
impl FusedIterator for IterMut<'_> {}

/// Owning iterator over `(key, value)` in key order.
pub struct IntoIter(IntoIterRepr);

enum IntoIterRepr {
    Vec(std::vec::IntoIter<(String, Value)>),
    Tree(btree_map::IntoIter<String, Value>),
}

impl Iterator for IntoIter {
    type Item = (String, Value);
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IntoIterRepr::Vec(i) => i.next(),
            IntoIterRepr::Tree(i) => i.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IntoIterRepr::Vec(i) => i.size_hint(),
            IntoIterRepr::Tree(i) => i.size_hint(),
        }
    }
}

impl DoubleEndedIterator for IntoIter {
    fn next_back(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IntoIterRepr::Vec(i) => i.next_back(),
            IntoIterRepr::Tree(i) => i.next_back(),
        }
    }
}

impl ExactSizeIterator for IntoIter {}
impl FusedIterator for IntoIter {}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = IntoIter;
    fn into_iter(self) -> IntoIter {
        IntoIter(match self.repr {
            Repr::Vec(v) => IntoIterRepr::Vec(v.into_iter()),
            Repr::Tree(t) => IntoIterRepr::Tree(t.into_iter()),
        })
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn int(i: i64) -> Value {
        Value::int(i)
    }

    fn is_tree(m: &Map) -> bool {
        matches!(m.repr, Repr::Tree(_))
    }

    /// The entries as comparable `(key, int)` pairs, in iteration order.
    fn pairs<'a>(it: impl Iterator<Item = (&'a String, &'a Value)>) -> Vec<(String, i64)> {
        it.map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(i64::MIN)))
            .collect()
    }

    #[test]
    fn iterates_in_byte_order() {
        let mut m = Map::new();
        for k in ["b", "a", "B", "é", "aa", ""] {
            m.insert(k.to_string(), int(1));
        }
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(keys, ["", "B", "a", "aa", "b", "é"]);
        let back: Vec<&str> = m.keys().rev().map(String::as_str).collect();
        assert_eq!(back, ["é", "b", "aa", "a", "B", ""]);
    }

    #[test]
    fn insert_returns_the_old_value_and_remove_takes_it() {
        let mut m = Map::new();
        assert!(m.insert("k".into(), int(1)).is_none());
        assert_eq!(
            m.insert("k".into(), int(2)).and_then(|v| v.as_i64()),
            Some(1)
        );
        assert_eq!(m.len(), 1);
        assert_eq!(m.get("k").and_then(Value::as_i64), Some(2));
        assert_eq!(m.remove("k").and_then(|v| v.as_i64()), Some(2));
        assert!(m.remove("k").is_none());
        assert!(m.is_empty());
    }

    #[test]
    fn from_iter_lets_the_last_duplicate_win() {
        let m: Map = [("b", 1), ("a", 2), ("b", 3), ("a", 4), ("c", 5), ("b", 6)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), int(v)))
            .collect();
        assert_eq!(
            pairs(m.iter()),
            [("a".into(), 4), ("b".into(), 6), ("c".into(), 5)]
        );
    }

    #[test]
    fn small_maps_are_one_exact_vector() {
        let m: Map = (0..3).map(|i| (format!("k{i}"), int(i))).collect();
        match &m.repr {
            Repr::Vec(v) => assert_eq!(v.capacity(), 3),
            Repr::Tree(_) => panic!("a 3-entry map is a tree"),
        }
    }

    #[test]
    fn growing_key_by_key_moves_to_a_tree_and_shrinking_to_fit_moves_back() {
        let mut m = Map::new();
        for i in 0..VEC_MAX {
            m.insert(format!("{i:03}"), int(i as i64));
        }
        assert!(!is_tree(&m));
        m.insert("zzz".into(), int(-1));
        assert!(is_tree(&m));
        let copy = m.clone();
        assert!(!is_tree(&copy));
        assert_eq!(pairs(copy.iter()), pairs(m.iter()));
        m.shrink_to_fit();
        assert!(!is_tree(&m));
        assert_eq!(pairs(copy.iter()), pairs(m.iter()));
    }

    #[test]
    fn a_big_bulk_built_map_stays_a_vector_until_a_key_comes_or_goes() {
        let mut m: Map = (0..1000).map(|i| (format!("{i:04}"), int(i))).collect();
        assert!(!is_tree(&m));
        m.insert("0500".into(), int(-5));
        assert!(!is_tree(&m), "replacing a value changes no shape");
        assert!(m.remove("nope").is_none());
        assert!(!is_tree(&m));
        assert_eq!(m.remove("0001").and_then(|v| v.as_i64()), Some(1));
        assert!(is_tree(&m));
        assert_eq!(m.len(), 999);
        assert_eq!(m.get("0500").and_then(Value::as_i64), Some(-5));
    }

    #[test]
    fn building_a_huge_map_key_by_key_is_not_quadratic() {
        // 200k keys in reverse order: every insert would shift the whole vector.
        let n = 200_000;
        let start = std::time::Instant::now();
        let mut m = Map::new();
        for i in (0..n).rev() {
            m.insert(format!("{i:07}"), Value::Nil);
        }
        for i in 0..n {
            m.remove(&format!("{i:07}"));
        }
        assert!(m.is_empty());
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "took {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn iter_mut_retain_append_extend() {
        let mut m: Map = (0..5).map(|i| (format!("k{i}"), int(i))).collect();
        for (_, v) in &mut m {
            *v = int(v.as_i64().unwrap_or(0) * 10);
        }
        m.retain(|k, v| k != "k1" && v.as_i64() != Some(30));
        assert_eq!(
            pairs(m.iter()),
            [("k0".into(), 0), ("k2".into(), 20), ("k4".into(), 40)]
        );
        let mut other: Map = [("k0".to_string(), int(7)), ("a".to_string(), int(8))].into();
        m.append(&mut other);
        assert!(other.is_empty());
        assert_eq!(
            pairs(m.iter()),
            [
                ("a".into(), 8),
                ("k0".into(), 7),
                ("k2".into(), 20),
                ("k4".into(), 40)
            ]
        );
        m.extend([("k2".to_string(), int(1))]);
        assert_eq!(m.get("k2").and_then(Value::as_i64), Some(1));
        assert_eq!(m.first_key_value().map(|(k, _)| k.as_str()), Some("a"));
        assert_eq!(m.last_key_value().map(|(k, _)| k.as_str()), Some("k4"));
        assert_eq!(
            format!("{:?}", Map::from([("x".to_string(), int(1))])),
            "{\"x\": 1}"
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(String, i64),
        Remove(String),
        GetMut(String, i64),
        Retain(u8),
        Extend(Vec<(String, i64)>),
        Append(Vec<(String, i64)>),
        Clone,
        Shrink,
        Clear,
    }

    fn key() -> impl Strategy<Value = String> {
        // A small alphabet so that keys repeat; lengths up to 3 give ~3900 keys, enough
        // to cross the vector limit.
        "[a-d]{0,3}|[0-9]{1,2}"
    }

    fn op() -> impl Strategy<Value = Op> {
        let entries = || prop::collection::vec((key(), any::<i64>()), 0..80);
        prop_oneof![
            8 => (key(), any::<i64>()).prop_map(|(k, v)| Op::Insert(k, v)),
            3 => key().prop_map(Op::Remove),
            1 => (key(), any::<i64>()).prop_map(|(k, v)| Op::GetMut(k, v)),
            1 => any::<u8>().prop_map(Op::Retain),
            1 => entries().prop_map(Op::Extend),
            1 => entries().prop_map(Op::Append),
            1 => Just(Op::Clone),
            1 => Just(Op::Shrink),
            1 => Just(Op::Clear),
        ]
    }

    fn hash(k: &str, salt: u8) -> bool {
        k.bytes()
            .fold(salt, |a, b| a.wrapping_mul(31).wrapping_add(b))
            % 3
            != 0
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn behaves_like_a_btreemap(
            init in prop::collection::vec((key(), any::<i64>()), 0..100),
            ops in prop::collection::vec(op(), 0..200),
        ) {
            let mut m: Map = init.iter().map(|(k, v)| (k.clone(), int(*v))).collect();
            let mut b: BTreeMap<String, i64> = init.iter().cloned().collect();
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        let old = m.insert(k.clone(), int(v)).and_then(|x| x.as_i64());
                        prop_assert_eq!(old, b.insert(k, v));
                    }
                    Op::Remove(k) => {
                        let old = m.remove(&k).and_then(|x| x.as_i64());
                        prop_assert_eq!(old, b.remove(&k));
                    }
                    Op::GetMut(k, v) => {
                        match (m.get_mut(&k), b.get_mut(&k)) {
                            (Some(x), Some(y)) => { *x = int(v); *y = v; }
                            (None, None) => {}
                            _ => prop_assert!(false, "get_mut disagrees on {}", k),
                        }
                    }
                    Op::Retain(salt) => {
                        m.retain(|k, _| hash(k, salt));
                        b.retain(|k, _| hash(k, salt));
                    }
                    Op::Extend(es) => {
                        m.extend(es.iter().map(|(k, v)| (k.clone(), int(*v))));
                        b.extend(es);
                    }
                    Op::Append(es) => {
                        let mut o: Map = es.iter().map(|(k, v)| (k.clone(), int(*v))).collect();
                        let mut ob: BTreeMap<String, i64> = es.into_iter().collect();
                        m.append(&mut o);
                        b.append(&mut ob);
                        prop_assert!(o.is_empty());
                    }
                    Op::Clone => m = m.clone(),
                    Op::Shrink => m.shrink_to_fit(),
                    Op::Clear => { m.clear(); b.clear(); }
                }
                prop_assert_eq!(m.len(), b.len());
                prop_assert_eq!(m.is_empty(), b.is_empty());
            }
            let want: Vec<(String, i64)> = b.iter().map(|(k, v)| (k.clone(), *v)).collect();
            prop_assert_eq!(pairs(m.iter()), want.clone());
            let mut rev = pairs(m.iter().rev());
            rev.reverse();
            prop_assert_eq!(&rev, &want);
            for (k, v) in &b {
                prop_assert_eq!(m.get(k).and_then(Value::as_i64), Some(*v));
                prop_assert!(m.contains_key(k));
            }
            for k in ["", "zz", "e", "dddd"] {
                prop_assert_eq!(m.get(k).is_some(), b.contains_key(k));
            }
            let keys: Vec<String> = m.keys().cloned().collect();
            prop_assert_eq!(keys, b.keys().cloned().collect::<Vec<_>>());
            let owned: Vec<(String, i64)> = m
                .into_iter()
                .map(|(k, v)| (k, v.as_i64().unwrap_or(i64::MIN)))
                .collect();
            prop_assert_eq!(owned, want);
        }
    }
}
