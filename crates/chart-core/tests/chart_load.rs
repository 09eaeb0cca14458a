//! Chart loading against goldens recorded from helm 3.17.3
//! (`scripts/record-chart-goldens.sh`), plus hostile archives and directories.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use chart_core::chart::{self, Chart, ChartError, ValuesOps};
use chart_core::gotmpl::{Map, Value};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/charts")
}

fn golden(name: &str) -> String {
    std::fs::read_to_string(testdata().join("goldens").join(format!("{name}.txt")))
        .unwrap_or_else(|e| panic!("golden {name}: {e}"))
}

/// The documents of a `helm template` golden, by source path.
fn docs(golden: &str) -> Vec<(String, String)> {
    let out = golden.split("\n--- stderr\n").next().unwrap_or("");
    out.split("---\n# Source: ")
        .filter(|d| !d.trim().is_empty())
        .filter_map(|d| {
            let (src, body) = d.split_once('\n')?;
            Some((src.to_owned(), body.trim_end_matches('\n').to_owned()))
        })
        .collect()
}

fn doc(golden: &str, src: &str) -> String {
    docs(golden)
        .into_iter()
        .find(|(s, _)| s == src)
        .map(|(_, b)| b)
        .unwrap_or_else(|| panic!("no document {src}"))
}

fn file_names(c: &Chart) -> Vec<String> {
    let mut v: Vec<String> = c.files.iter().map(|f| f.name.clone()).collect();
    v.sort();
    v
}

fn load_ok(p: impl AsRef<Path>) -> Chart {
    chart::load(p.as_ref())
        .unwrap_or_else(|e| panic!("{}: {}", p.as_ref().display(), e.helm_message()))
}

fn check_basic(c: &Chart, g: &str) {
    let seen: Vec<String> = doc(g, "basic/templates/files.yaml")
        .lines()
        .filter_map(|l| l.strip_prefix("file: "))
        .map(str::to_owned)
        .collect();
    assert_eq!(file_names(c), seen, ".Files as helm sees them");
    let f = c.files_object();
    assert_eq!(
        f.glob("files/**").as_config().ok(),
        Some(doc(g, "basic/templates/asconfig.yaml"))
    );
    assert_eq!(
        f.glob("files/*.txt").as_secrets().ok(),
        Some(doc(g, "basic/templates/assecrets.yaml"))
    );
    let lines = doc(g, "basic/templates/lines.yaml");
    for l in lines.lines() {
        let Some((pat, names)) = l.trim().split_once(": \" ") else {
            continue;
        };
        let pat = pat.trim_matches('"');
        let want: Vec<&str> = names.trim_end_matches('"').split(' ').collect();
        let got: Vec<String> = f.glob(pat).iter().map(|(k, _)| k.to_owned()).collect();
        assert_eq!(got, want, "Glob {pat:?}");
    }
    let want_lines = lines
        .lines()
        .find_map(|l| l.strip_prefix("lines: "))
        .unwrap_or_default();
    let got_lines = f.lines("files/b.txt").unwrap_or_default();
    assert_eq!(
        serde_json::to_string(&got_lines).unwrap_or_default(),
        want_lines
    );
    let mut templates: Vec<&str> = c.templates.iter().map(|t| t.name.as_str()).collect();
    templates.sort();
    assert_eq!(
        templates,
        [
            "templates/asconfig.yaml",
            "templates/assecrets.yaml",
            "templates/files.yaml",
            "templates/lines.yaml"
        ]
    );
    assert_eq!(c.name(), "basic");
    assert_eq!(c.metadata.app_version, "1.1");
    assert_eq!(c.metadata.maintainers.len(), 1);
    assert!(c.schema.is_some());
    let Value::Map(v) = &c.values else {
        panic!("values not a map")
    };
    assert!(matches!(v.get("replicas"), Some(Value::Float(f)) if f == 3.0));
    assert_eq!(
        c.crd_objects().first().map(|x| x.0.as_str()),
        Some("basic/crds/crd.yaml")
    );
}

#[test]
fn basic_directory_matches_helm() {
    let c = load_ok(testdata().join("basic"));
    check_basic(&c, &golden("basic.template"));
    assert!(!c.values_raw().map(|v| v.is_empty()).unwrap_or(true));
}

#[test]
fn basic_package_matches_helm() {
    let c = load_ok(testdata().join("pkg/basic-1.2.3.tgz"));
    check_basic(&c, &golden("basic-tgz.template"));
}

#[test]
fn errors_match_helm() {
    let dir = testdata().join("errors");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
        let p = e.unwrap_or_else(|e| panic!("{e}")).path();
        let name = p
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let g = golden(&format!("error-{name}.show"));
        let want = g
            .lines()
            .find_map(|l| l.strip_prefix("Error: "))
            .unwrap_or_else(|| panic!("{name}: helm did not fail"));
        let got = chart::load(&p).err().map(|e| e.helm_message());
        assert_eq!(got.as_deref(), Some(want), "{name}");
        n += 1;
    }
    assert!(n >= 10);
}

#[test]
fn v1_requirements() {
    let c = load_ok(testdata().join("v1chart"));
    assert_eq!(c.metadata.api_version, "v1");
    let deps: Vec<&str> = c
        .metadata
        .dependencies
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(deps, ["dep"]);
    let g = golden("v1chart.template");
    let files = doc(&g, "v1chart/templates/t.yaml");
    let want: Vec<&str> = files
        .trim_start_matches("files: ")
        .split_whitespace()
        .collect();
    assert_eq!(file_names(&c), want);
}

// ---------------------------------------------------------------------------------------
// Dependency processing, with a small coalescer standing in for the values module.

struct TestOps;

fn merge_into(dst: &Value, src: &Value, delete_nulls: bool) {
    let (Value::Map(d), Value::Map(s)) = (dst, src) else {
        return;
    };
    if d.ptr_eq(s) {
        return;
    }
    for (k, sv) in s.snapshot() {
        let dv = d.get(&k);
        match dv {
            None => {
                d.write().insert(k, sv);
            }
            Some(Value::Nil) if delete_nulls => {
                d.write().remove(&k);
            }
            Some(dv @ Value::Map(_)) => merge_into(&dv, &sv, delete_nulls),
            Some(_) => {}
        }
    }
}

fn coalesce(chart: &Chart, vals: &Value, delete_nulls: bool) -> Value {
    let dest = match vals {
        Value::Map(_) => vals.deep_copy(),
        _ => Value::empty_map(),
    };
    merge_into(&dest, &chart.values, delete_nulls);
    let Value::Map(d) = &dest else { return dest };
    for sub in &chart.dependencies {
        let cur = d.get(sub.name()).unwrap_or_else(Value::empty_map);
        let merged = coalesce(sub, &cur, delete_nulls);
        d.write().insert(sub.name().to_owned(), merged);
    }
    dest
}

impl ValuesOps for TestOps {
    fn coalesce_values(&self, chart: &Chart, vals: &Value) -> Result<Value, ChartError> {
        Ok(coalesce(chart, vals, true))
    }
    fn merge_values(&self, chart: &Chart, vals: &Value) -> Result<Value, ChartError> {
        Ok(coalesce(chart, vals, false))
    }
    fn coalesce_tables(&self, dst: Value, src: &Value) -> Value {
        merge_into(&dst, src, true);
        dst
    }
    fn merge_tables(&self, dst: Value, src: &Value) -> Value {
        merge_into(&dst, src, false);
        dst
    }
}

fn rendered_charts(g: &str) -> Vec<String> {
    let mut v: Vec<String> = docs(g)
        .into_iter()
        .filter_map(|(s, _)| {
            let s = s
                .strip_prefix("parent/")?
                .strip_suffix("/templates/t.yaml")?;
            Some(s.to_owned())
        })
        .filter(|s| s.starts_with("charts/"))
        .collect();
    v.sort();
    v
}

fn tree(c: &Chart, out: &mut Vec<String>) {
    for d in &c.dependencies {
        out.push(
            d.chart_full_path()
                .strip_prefix("parent/")
                .unwrap_or_default()
                .to_owned(),
        );
        tree(d, out);
    }
}

fn set(path: &[&str], v: Value) -> Value {
    let mut cur = v;
    for k in path.iter().rev() {
        let mut m = Map::new();
        m.insert((*k).to_owned(), cur);
        cur = Value::map(m);
    }
    cur
}

#[test]
fn dependencies_match_helm() {
    let base = load_ok(testdata().join("parent"));
    let mut loaded: Vec<&str> = base.dependencies.iter().map(|d| d.name()).collect();
    loaded.sort();
    assert_eq!(
        loaded,
        ["other", "plain", "sub"],
        "charts/_x and .x are skipped"
    );

    let mut c = base.clone();
    chart::process_dependencies(&mut c, &Value::empty_map(), &TestOps, true)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut got = Vec::new();
    tree(&c, &mut got);
    got.sort();
    assert_eq!(got, rendered_charts(&golden("parent.template")));

    // import-values: `data` from exports, `tbl` to fromTbl with the parent's value winning.
    let Value::Map(v) = &c.values else {
        panic!("values")
    };
    assert!(matches!(v.get("fromsub"), Some(Value::Float(x)) if x == 1.0));
    let Some(Value::Map(t)) = v.get("fromTbl") else {
        panic!("fromTbl")
    };
    assert_eq!(
        t.get("x")
            .and_then(|x| x.as_str().map(str::to_owned))
            .as_deref(),
        Some("parent-wins")
    );

    // --set tags.extra=true --set third.on=false --set sub.deep.enabled=true
    let user = Value::empty_map();
    for (p, val) in [
        (&["tags", "extra"][..], true),
        (&["third", "on"][..], false),
        (&["sub", "deep", "enabled"][..], true),
    ] {
        let t = set(p, Value::Bool(val));
        merge_into(&user, &t, false);
        if let (Value::Map(u), Value::Map(tm)) = (&user, &t) {
            for (k, x) in tm.snapshot() {
                if let Some(existing @ Value::Map(_)) = u.get(&k) {
                    merge_into(&existing, &x, false);
                }
            }
        }
    }
    let mut c = base.clone();
    chart::process_dependencies(&mut c, &user, &TestOps, true).unwrap_or_else(|e| panic!("{e}"));
    let mut got = Vec::new();
    tree(&c, &mut got);
    got.sort();
    assert_eq!(got, rendered_charts(&golden("parent-set.template")));
}

// ---------------------------------------------------------------------------------------
// Hostile archives and directories.

static N: AtomicUsize = AtomicUsize::new(0);

fn scratch() -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "chart-load-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("{e}"));
    p
}

/// A raw tar entry with any name (the tar crate refuses hostile names when building).
fn raw_entry(name: &str, kind: u8, data: &[u8], link: &str) -> Vec<u8> {
    let mut h = tar::Header::new_old();
    h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    h.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::new(kind));
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap_or_else(|e| panic!("{e}"));
    e.finish().unwrap_or_else(|e| panic!("{e}"))
}

const CHART_YAML: &[u8] = b"apiVersion: v2\nname: x\nversion: 1.0.0\n";

fn archive_err(entries: &[Vec<u8>]) -> String {
    let tar: Vec<u8> = entries.concat();
    chart::load_archive(&gz(&tar)[..])
        .err()
        .map(|e| e.helm_message())
        .unwrap_or_else(|| "loaded".into())
}

#[test]
fn hostile_paths_are_refused() {
    let ok = raw_entry("x/Chart.yaml", b'0', CHART_YAML, "");
    assert_eq!(
        archive_err(&[ok.clone(), raw_entry("x/../../etc/passwd", b'0', b"x", "")]),
        "chart illegally references parent directory"
    );
    assert_eq!(
        archive_err(&[ok.clone(), raw_entry("x//etc/passwd", b'0', b"x", "")]),
        "chart illegally contains absolute paths"
    );
    assert_eq!(
        archive_err(&[raw_entry("Chart.yaml", b'0', CHART_YAML, "")]),
        "chart illegally contains content outside the base directory: \"Chart.yaml\""
    );
    assert_eq!(
        archive_err(&[ok.clone(), raw_entry("x\\c:\\evil", b'0', b"x", "")]),
        "chart contains illegally named files"
    );
    assert_eq!(
        archive_err(&[raw_entry("x/", b'5', b"", "")]),
        "no files in chart archive"
    );
}

#[test]
fn symlink_entries_are_not_followed() {
    let tar = [
        raw_entry("x/Chart.yaml", b'0', CHART_YAML, ""),
        raw_entry("x/passwd", b'2', b"", "/etc/passwd"),
    ]
    .concat();
    let c = chart::load_archive(&gz(&tar)[..]).unwrap_or_else(|e| panic!("{e}"));
    let f = c
        .files
        .iter()
        .find(|f| f.name == "passwd")
        .map(|f| f.size());
    assert_eq!(f, Some(0), "a symlink entry is an empty file, as in helm");
}

#[test]
fn oversized_entry_is_refused_before_reading() {
    // The header claims 6 MiB; the data is not even there.
    let mut big = tar::Header::new_old();
    big.as_old_mut().name[..7].copy_from_slice(b"x/big.b");
    big.set_size(6 * 1024 * 1024);
    big.set_entry_type(tar::EntryType::Regular);
    big.set_cksum();
    let tar = [
        raw_entry("x/Chart.yaml", b'0', CHART_YAML, ""),
        big.as_bytes().to_vec(),
    ]
    .concat();
    let e = chart::load_archive(&gz(&tar)[..])
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("decompressed chart file \"x/big.b\" is larger than the maximum file size 5242880")
    );
}

#[test]
fn decompression_bomb_is_refused() {
    // One gzip member holding a 5 MiB file of zeros, repeated: ~21 members exceed 100 MiB.
    let member = gz(&raw_entry("x/zeros", b'0', &vec![0u8; 5 * 1024 * 1024], ""));
    let mut data = gz(&raw_entry("x/Chart.yaml", b'0', CHART_YAML, ""));
    // Drop the tar padding/end so members concatenate into one tar stream.
    for _ in 0..25 {
        data.extend_from_slice(&member);
    }
    assert!(data.len() < 2 * 1024 * 1024, "the bomb itself is small");
    let e = chart::load_archive(&data[..]).err().map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("decompressed chart is larger than the maximum file size 104857600")
    );
}

#[test]
fn too_many_entries_are_refused() {
    let block: Vec<u8> = (0..1000)
        .flat_map(|_| raw_entry("x/e", b'0', b"", ""))
        .collect();
    let member = gz(&block);
    let mut data = gz(&raw_entry("x/Chart.yaml", b'0', CHART_YAML, ""));
    for _ in 0..101 {
        data.extend_from_slice(&member);
    }
    assert!(matches!(
        chart::load_archive(&data[..]),
        Err(ChartError::TooManyFiles(_))
    ));
}

#[test]
fn not_an_archive() {
    let d = scratch();
    let p = d.join("values.yaml");
    std::fs::write(&p, "a: 1\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        chart::load(&p).err().map(|e| e.to_string()),
        Some(format!(
            "file '{}' seems to be a YAML file, but expected a gzipped archive",
            p.display()
        ))
    );
    // Helm sniffs a zero-filled 512-byte buffer: a short text file ends in NUL bytes and
    // reads as binary (helm 3.17.3 says so: testdata/cli-diff/arch-short-show.stderr).
    let p = d.join("x.bin");
    std::fs::write(&p, "hello").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        chart::load(&p).err().map(|e| e.to_string()),
        Some(format!(
            "file '{}' does not appear to be a gzipped archive; got 'application/octet-stream'",
            p.display()
        ))
    );
    // 512 bytes of text fill the buffer: text.
    let p = d.join("long.bin");
    std::fs::write(&p, "hello ".repeat(100)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        chart::load(&p).err().map(|e| e.to_string()),
        Some(format!(
            "file '{}' does not appear to be a gzipped archive; got 'text/plain; charset=utf-8'",
            p.display()
        ))
    );
}

#[cfg(unix)]
#[test]
fn directory_symlinks() {
    use std::os::unix::fs::symlink;
    let d = scratch();
    let c = d.join("c");
    std::fs::create_dir_all(c.join("templates")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(c.join("Chart.yaml"), CHART_YAML).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(c.join("real.txt"), "real").unwrap_or_else(|e| panic!("{e}"));
    symlink(c.join("real.txt"), c.join("link.txt")).unwrap_or_else(|e| panic!("{e}"));
    let loaded = load_ok(&c);
    assert_eq!(file_names(&loaded), ["link.txt", "real.txt"]);
    assert!(loaded
        .warnings
        .iter()
        .any(|w| w.contains("found symbolic link in path")));

    std::fs::write(d.join("secret"), "s").unwrap_or_else(|e| panic!("{e}"));
    symlink(d.join("secret"), c.join("out.txt")).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        chart::load(&c),
        Err(ChartError::SymlinkOutside { .. })
    ));
    std::fs::remove_file(c.join("out.txt")).unwrap_or_else(|e| panic!("{e}"));

    symlink(&c, c.join("templates/loop")).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(chart::load(&c), Err(ChartError::SymlinkLoop(_))));
    let _ = std::fs::remove_dir_all(&d);
}

/// The whole pipeline with the real values module: dependency processing, then
/// coalescing, gives the root `.Values` helm rendered.
#[test]
fn dependencies_with_values_module_match_helm() {
    let mut c = load_ok(testdata().join("parent"));
    let ops = chart::HelmValuesOps::default();
    chart::process_dependencies(&mut c, &Value::empty_map(), &ops, true)
        .unwrap_or_else(|e| panic!("{e}"));
    let vals = chart_core::values::coalesce_values(&c, &Value::empty_map())
        .unwrap_or_else(|e| panic!("{e}"));
    let g = golden("parent.template");
    let want = doc(&g, "parent/templates/t.yaml");
    let want = want
        .lines()
        .find_map(|l| l.strip_prefix("values: "))
        .unwrap_or_default();
    assert_eq!(chart_core::values::to_json(&vals.values), want);
}

/// Aliases of one subchart end dependency processing with equal values, which are
/// kept once (and the parent's sections share their equal tables); coalescing for
/// rendering still gives every alias its own tables, as Go's copies do, so a write
/// through one alias's `.Values` is seen neither by the other alias nor in the charts.
#[test]
fn aliases_share_chart_values_but_not_render_values() {
    let d = scratch();
    let w = |p: &str, s: &str| {
        let p = d.join(p);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(p, s).unwrap_or_else(|e| panic!("{e}"));
    };
    w(
        "Chart.yaml",
        "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 1.0.0\n  alias: a\n- name: sub\n  version: 1.0.0\n  alias: b\n",
    );
    w("values.yaml", "a:\n  name: first\nb:\n  name: second\n");
    w(
        "charts/sub/Chart.yaml",
        "apiVersion: v2\nname: sub\nversion: 1.0.0\ndependencies:\n- name: lib\n  version: 1.0.0\n",
    );
    w(
        "charts/sub/values.yaml",
        "name: x\nimage:\n  repo: r\n  tag: t\nlist: [1, {k: v}]\n",
    );
    w(
        "charts/sub/charts/lib/Chart.yaml",
        "apiVersion: v2\nname: lib\nversion: 1.0.0\n",
    );
    w("charts/sub/charts/lib/values.yaml", "flag: true\n");
    let mut c = load_ok(&d);
    let ops = chart::HelmValuesOps::default();
    chart::process_dependencies(&mut c, &Value::empty_map(), &ops, true)
        .unwrap_or_else(|e| panic!("{e}"));
    let map = |v: &Value, path: &[&str]| chart_core::values::coalesce::scoped_values(v, path);
    let same =
        |x: &Value, y: &Value| matches!((x, y), (Value::Map(p), Value::Map(q)) if p.ptr_eq(q));
    let (a, b) = (&c.dependencies[0], &c.dependencies[1]);
    assert_eq!((a.name(), b.name()), ("a", "b"));
    assert!(same(&a.values, &b.values), "equal alias values kept once");
    assert!(
        same(
            &map(&c.values, &["a", "image"]),
            &map(&a.values, &["image"])
        ),
        "parent's section shares the subchart's equal tables"
    );
    let vals = chart_core::values::coalesce_values(&c, &Value::empty_map())
        .unwrap_or_else(|e| panic!("{e}"))
        .values;
    // What helm 3.17.3 prints for `{{ toJson .Values }}` in this chart's root.
    assert_eq!(
        chart_core::values::to_json(&vals),
        concat!(
            r#"{"a":{"global":{},"image":{"repo":"r","tag":"t"},"lib":{"flag":true,"global":{}},"#,
            r#""list":[1,{"k":"v"}],"name":"first"},"#,
            r#""b":{"global":{},"image":{"repo":"r","tag":"t"},"lib":{"flag":true,"global":{}},"#,
            r#""list":[1,{"k":"v"}],"name":"second"}}"#
        )
    );
    let (ia, ib) = (map(&vals, &["a", "image"]), map(&vals, &["b", "image"]));
    assert!(!same(&ia, &ib), "each alias gets its own tables");
    if let Value::Map(m) = &ia {
        m.write().insert("tag".into(), Value::str("changed"));
    }
    assert_eq!(
        chart_core::values::to_json(&ib),
        r#"{"repo":"r","tag":"t"}"#
    );
    assert_eq!(
        chart_core::values::to_json(&map(&a.values, &["image"])),
        r#"{"repo":"r","tag":"t"}"#
    );
    assert_eq!(
        chart_core::values::to_json(&map(&c.values, &["a", "image"])),
        r#"{"repo":"r","tag":"t"}"#
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// Big `values.yaml` files of a directory chart and of its subchart directories are read
/// and parsed while the walk goes on: the values, and the first error in Helm's order
/// (the parent's values before a subchart's), are those of the same files loaded from
/// memory, where each values file is parsed when the loader reaches it.
#[test]
fn early_values_parse_matches_in_memory_load() {
    let big = |key: &str, extra: &str| {
        let mut s = format!("# {}\n{key}:\n", "x".repeat(80));
        for i in 0..600 {
            s.push_str(&format!("  k{i}: value-{i}\n"));
        }
        s.push_str(extra);
        s
    };
    let cases: [(&str, String, String); 4] = [
        ("ok", big("top", ""), big("sub", "")),
        ("bad-root", big("top", "broken: [1, 2\n"), big("sub", "")),
        ("bad-sub", big("top", ""), big("sub", "broken: {a\n")),
        ("bad-both", big("top", "x: [\n"), big("sub", "y: {\n")),
    ];
    for (tag, top, sub) in cases {
        let dir = scratch().join(format!("early-values-{tag}"));
        let _ = std::fs::remove_dir_all(&dir);
        let files: Vec<(&str, Vec<u8>)> = vec![
            (
                "Chart.yaml",
                b"apiVersion: v2\nname: top\nversion: 0.1.0\n".to_vec(),
            ),
            ("values.yaml", top.into_bytes()),
            ("templates/a.yaml", b"a: {{ .Values.top.k1 }}\n".to_vec()),
            (
                "charts/sub/Chart.yaml",
                b"apiVersion: v2\nname: sub\nversion: 0.1.0\n".to_vec(),
            ),
            ("charts/sub/values.yaml", sub.into_bytes()),
            ("charts/sub/templates/b.yaml", b"b: 1\n".to_vec()),
        ];
        for (name, data) in &files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap_or(&dir)).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(&p, data).unwrap_or_else(|e| panic!("{e}"));
        }
        let mem = chart::load_files(
            files
                .iter()
                .map(|(n, d)| chart::BufferedFile {
                    name: (*n).to_owned(),
                    data: d.clone().into(),
                })
                .collect(),
        );
        let from_dir = chart::load(&dir);
        match (from_dir, mem) {
            (Ok(d), Ok(m)) => {
                assert_eq!(tag, "ok");
                assert_eq!(format!("{:?}", d.values), format!("{:?}", m.values));
                let (ds, ms) = (&d.dependencies[0], &m.dependencies[0]);
                assert_eq!(format!("{:?}", ds.values), format!("{:?}", ms.values));
                assert!(matches!(d.values, Value::Map(_)));
            }
            (Err(d), Err(m)) => {
                assert_ne!(tag, "ok");
                assert_eq!(d.helm_message(), m.helm_message(), "{tag}");
                let want = if tag == "bad-sub" {
                    "sub"
                } else {
                    "values.yaml"
                };
                assert!(
                    d.helm_message().contains(want),
                    "{tag}: {}",
                    d.helm_message()
                );
            }
            (d, m) => panic!("{tag}: directory {:?}, memory {:?}", d.err(), m.err()),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
