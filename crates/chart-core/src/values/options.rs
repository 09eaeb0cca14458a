//! The user's value sources merged in Helm's order (`pkg/cli/values/options.go`,
//! `Options.MergeValues`): every `-f` file (deep-merged, later wins), then each
//! `--set-json`, `--set`, `--set-string`, `--set-file`, `--set-literal`, whatever the
//! order on the command line.

use gotmpl::{MapRef, Value};

use super::{new_map, read_values, strvals};

/// The value flags of `helm install/upgrade/template/lint`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValueOptions {
    /// `-f/--values` sources (`-` = stdin).
    pub value_files: Vec<String>,
    /// `--set-json` lines.
    pub json_values: Vec<String>,
    /// `--set` lines.
    pub values: Vec<String>,
    /// `--set-string` lines.
    pub string_values: Vec<String>,
    /// `--set-file` lines.
    pub file_values: Vec<String>,
    /// `--set-literal` lines.
    pub literal_values: Vec<String>,
}

/// A failure merging the user's values; `Display` is Helm's message (after `Error: `).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MergeError(pub String);

/// Reads a value source (a `-f` file or a `--set-file` path) into bytes.
pub trait SourceReader {
    /// Reads `path`; `-` (after trimming white space) means standard input. The error is
    /// the text Helm prints (e.g. `open x.yaml: no such file or directory`).
    fn read(&mut self, path: &str) -> Result<Vec<u8>, String>;
}

/// Reads from the file system (relative paths against the current directory, or `base`
/// when set) and standard input. URL sources (`http`, `https`, `oci`) are refused.
#[derive(Clone, Debug, Default)]
pub struct FsReader {
    /// Directory that relative paths are resolved against (default: the process's).
    pub base: Option<std::path::PathBuf>,
}

impl SourceReader for FsReader {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, String> {
        if path.trim() == "-" {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(
                &mut std::io::Read::take(std::io::stdin(), MAX_VALUES_FILE_SIZE + 1),
                &mut buf,
            )
            .map_err(|e| format!("read /dev/stdin: {}", io_text(&e)))?;
            if buf.len() as u64 > MAX_VALUES_FILE_SIZE {
                return Err(too_large("/dev/stdin"));
            }
            return Ok(buf);
        }
        let scheme = url_scheme(path)?;
        if !matches!(scheme.as_str(), "" | "file" | "http" | "https" | "oci") {
            // A downloader plugin's scheme: the plugin fetches it (else it is a file name).
            if let Some((plugin, command)) = crate::plugin::downloader_for(&scheme) {
                let opts = crate::plugin::GetterOptions::default();
                return crate::plugin::plugin_get(&plugin, &command, path, &opts)
                    .map_err(|e| e.to_string());
            }
        }
        if matches!(scheme.as_str(), "http" | "https" | "oci") {
            return Err(format!(
                "{path}: fetching values from {scheme}:// URLs is not supported"
            ));
        }
        let p = match &self.base {
            Some(b) => b.join(path),
            None => std::path::PathBuf::from(path),
        };
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => return Err(format!("read {path}: is a directory")),
            Ok(m) if m.len() > MAX_VALUES_FILE_SIZE => return Err(too_large(path)),
            _ => {}
        }
        let f = std::fs::File::open(&p).map_err(|e| format!("open {path}: {}", io_text(&e)))?;
        // Read at most one byte over the limit: the file may grow, or be a device or a pipe.
        let mut buf = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(f, MAX_VALUES_FILE_SIZE + 1),
            &mut buf,
        )
        .map_err(|e| format!("read {path}: {}", io_text(&e)))?;
        if buf.len() as u64 > MAX_VALUES_FILE_SIZE {
            return Err(too_large(path));
        }
        Ok(buf)
    }
}

/// Largest file `-f`/`--values`, `--set-file` or stdin may supply (our own bound; Helm has
/// none): parsing and merging cost time and memory in proportion to the size.
pub const MAX_VALUES_FILE_SIZE: u64 = 32 * 1024 * 1024;

fn too_large(path: &str) -> String {
    format!(
        "{path} is larger than the limit of {} MiB for values files",
        MAX_VALUES_FILE_SIZE / (1024 * 1024)
    )
}

/// The text Go's `syscall.Errno` prints for common errors.
fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            // "No such device (os error 19)" → "no such device"
            let s = e.to_string();
            let s = s.split(" (os error").next().unwrap_or(&s).to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().chain(c).collect(),
                None => s,
            }
        }
    }
}

/// The scheme Go's `url.Parse` finds (lower-cased; empty when none), or its error.
fn url_scheme(s: &str) -> Result<String, String> {
    let q = gotmpl::fmt::go_quote(s);
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(format!(
            "parse {q}: net/url: invalid control character in URL"
        ));
    }
    let mut scheme = String::new();
    for (i, c) in s.char_indices() {
        if c.is_ascii_alphabetic() {
            scheme.push(c.to_ascii_lowercase());
        } else if (c.is_ascii_digit() || c == '+' || c == '-' || c == '.') && i > 0 {
            scheme.push(c);
        } else if c == ':' {
            if i == 0 {
                return Err(format!("parse {q}: missing protocol scheme"));
            }
            return Ok(scheme);
        } else {
            break;
        }
    }
    Ok(String::new())
}

impl ValueOptions {
    /// Helm's `MergeValues` reading files from the file system and stdin.
    pub fn merge_values(&self) -> Result<Value, MergeError> {
        self.merge_values_with(&mut FsReader::default())
    }

    /// Helm's `MergeValues` with a custom source reader (tests, virtual file systems).
    pub fn merge_values_with(&self, reader: &mut dyn SourceReader) -> Result<Value, MergeError> {
        let mut base = new_map();
        for path in &self.value_files {
            let bytes = reader.read(path).map_err(MergeError)?;
            let text = String::from_utf8_lossy(&bytes);
            let cur = read_values(&text)
                .map_err(|e| MergeError(format!("failed to parse {path}: {e}")))?;
            if let Value::Map(cur) = cur {
                base = merge_maps(&base, &cur);
            }
        }
        for s in &self.json_values {
            strvals::parse_json(s, &base)
                .map_err(|_| MergeError(format!("failed parsing --set-json data {s}")))?;
        }
        for s in &self.values {
            strvals::parse_into(s, &base)
                .map_err(|e| MergeError(format!("failed parsing --set data: {e}")))?;
        }
        for s in &self.string_values {
            strvals::parse_into_string(s, &base)
                .map_err(|e| MergeError(format!("failed parsing --set-string data: {e}")))?;
        }
        for s in &self.file_values {
            let mut rd = |p: &str| -> Result<Value, String> {
                let b = reader.read(p)?;
                Ok(Value::from(gotmpl::bytestr::from_go_bytes(&b).into_owned()))
            };
            strvals::parse_file_into(s, &base, &mut rd)
                .map_err(|e| MergeError(format!("failed parsing --set-file data: {e}")))?;
        }
        for s in &self.literal_values {
            strvals::parse_literal_into(s, &base)
                .map_err(|e| MergeError(format!("failed parsing --set-literal data: {e}")))?;
        }
        Ok(Value::Map(base))
    }
}

/// Helm's `mergeMaps` (options.go): a new map with `b` deep-merged over `a`: where both
/// hold maps the merge recurses, otherwise `b`'s value replaces (lists too, nulls kept).
pub fn merge_maps(a: &MapRef, b: &MapRef) -> MapRef {
    let mut out = a.snapshot();
    for (k, v) in b.snapshot() {
        if let Value::Map(vm) = &v {
            if let Some(Value::Map(om)) = out.get(&k) {
                let merged = merge_maps(om, vm);
                out.insert(k, Value::Map(merged));
                continue;
            }
        }
        out.insert(k, v);
    }
    MapRef::new(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::to_json;
    use std::collections::HashMap;

    struct Mem(HashMap<String, String>);
    impl SourceReader for Mem {
        fn read(&mut self, path: &str) -> Result<Vec<u8>, String> {
            self.0
                .get(path)
                .map(|s| s.as_bytes().to_vec())
                .ok_or_else(|| format!("open {path}: no such file or directory"))
        }
    }

    #[test]
    fn order_is_fixed() {
        let mut mem = Mem(HashMap::from([
            (
                "a.json".to_string(),
                r#"{"x":{"a":1,"l":[1,2]},"y":1}"#.to_string(),
            ),
            (
                "b.json".to_string(),
                r#"{"x":{"b":2,"l":[3]},"y":null}"#.to_string(),
            ),
            ("f.txt".to_string(), "content".to_string()),
        ]));
        let o = ValueOptions {
            value_files: vec!["a.json".into(), "b.json".into()],
            json_values: vec![r#"j={"k":1}"#.into()],
            values: vec!["s=1,j.k=2".into()],
            string_values: vec!["s=1".into()],
            file_values: vec!["f=f.txt".into()],
            literal_values: vec!["lit=a,b".into()],
        };
        let v = o
            .merge_values_with(&mut mem)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            to_json(&v),
            r#"{"f":"content","j":{"k":2},"lit":"a,b","s":"1","x":{"a":1,"b":2,"l":[3]},"y":null}"#
        );
        let o = ValueOptions {
            file_values: vec!["f=nope".into()],
            ..Default::default()
        };
        assert_eq!(
            o.merge_values_with(&mut mem).err().map(|e| e.0).as_deref(),
            Some("failed parsing --set-file data: open nope: no such file or directory")
        );
    }

    #[test]
    fn url_schemes() {
        assert_eq!(url_scheme("https://x/y").ok().as_deref(), Some("https"));
        assert_eq!(url_scheme("values.yaml").ok().as_deref(), Some(""));
        assert!(url_scheme(":x").is_err());
    }
}
