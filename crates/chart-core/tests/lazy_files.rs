//! Directory charts read their files from disk when asked (only templates, which are
//! parsed anyway, are read at load):
//! rendering must match the same chart loaded from an archive or from memory, and a file
//! that disappears between load and render must be a typed error naming it.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chart_core::chart::{self, BufferedFile, Chart, ChartError};
use chart_core::engine::{Capabilities, Engine, ReleaseInfo, RenderError};
use chart_core::gotmpl::Value;

/// The chart's files: a BOM on a data file, non-UTF-8 bytes, every `.Files` method.
fn chart_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "Chart.yaml",
            b"apiVersion: v2\nname: lazy\nversion: 0.1.0\n".to_vec(),
        ),
        ("values.yaml", b"greeting: hi\n".to_vec()),
        (
            "templates/cm.yaml",
            b"data:\n  get: {{ .Files.Get \"files/data.txt\" | quote }}\n  bytes: {{ printf \"%v\" (.Files.GetBytes \"files/bin.dat\") }}\n  lines: {{ .Files.Lines \"files/data.txt\" | toJson }}\n  missing: {{ .Files.Get \"files/nope\" | quote }}\n{{ (.Files.Glob \"files/*.txt\").AsConfig | indent 2 }}\n{{ (.Files.Glob \"files/*\").AsSecrets | indent 2 }}\n".to_vec(),
        ),
        (
            "templates/range.yaml",
            b"{{ range $k, $v := .Files }}{{ $k }}={{ len $v }}\n{{ end }}".to_vec(),
        ),
        ("files/data.txt", b"\xEF\xBB\xBFline one\nline two\n".to_vec()),
        ("files/other.txt", b"other".to_vec()),
        ("files/bin.dat", vec![0, 159, 146, 150, 255]),
        ("crds/crd.yaml", b"kind: CustomResourceDefinition\n".to_vec()),
    ]
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("chart-lazy-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("{e}"));
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_chart(root: &Path) {
    for (name, data) in chart_files() {
        let p = root.join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&p, data).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn tgz() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in chart_files() {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, format!("lazy/{name}"), &data[..])
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let tar = b.into_inner().unwrap_or_else(|e| panic!("{e}"));
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&tar).unwrap_or_else(|e| panic!("{e}"));
    e.finish().unwrap_or_else(|e| panic!("{e}"))
}

fn render(ch: &Chart) -> Result<BTreeMap<String, String>, RenderError> {
    let release = ReleaseInfo {
        name: "r".into(),
        namespace: "default".into(),
        revision: 1,
        is_install: true,
        is_upgrade: false,
    };
    Engine::default().render(ch, &ch.values, &release, &Capabilities::default())
}

fn load(p: &Path) -> Chart {
    chart::load(p).unwrap_or_else(|e| panic!("{}", e.helm_message()))
}

#[test]
fn directory_chart_renders_files_as_archive_and_memory_charts_do() {
    let dir = TempDir::new("same");
    write_chart(&dir.0);
    let from_dir = load(&dir.0);
    assert!(
        from_dir.files.iter().all(|f| !f.in_memory()),
        "a directory chart holds no file contents"
    );
    let tgz_path = dir.0.join("lazy-0.1.0.tgz");
    std::fs::write(&tgz_path, tgz()).unwrap_or_else(|e| panic!("{e}"));
    let from_tgz = chart::load_archive(&tgz()[..]).unwrap_or_else(|e| panic!("{e}"));
    assert!(from_tgz.files.iter().all(chart::File::in_memory));
    let from_mem = chart::load_files(
        chart_files()
            .into_iter()
            .map(|(n, d)| BufferedFile {
                name: n.to_owned(),
                data: d
                    .strip_prefix(b"\xEF\xBB\xBF".as_slice())
                    .unwrap_or(&d)
                    .into(),
            })
            .collect(),
    )
    .unwrap_or_else(|e| panic!("{e}"));

    let want = render(&from_tgz).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(render(&from_dir).ok().as_ref(), Some(&want));
    assert_eq!(render(&from_mem).ok().as_ref(), Some(&want));
    let cm = want
        .get("lazy/templates/cm.yaml")
        .cloned()
        .unwrap_or_default();
    assert!(
        cm.contains("get: \"line one\\nline two\\n\""),
        "BOM removed, content read: {cm}"
    );

    // Sizes and raw reads agree, BOM excluded.
    for f in &from_dir.files {
        let bytes = f.read().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bytes.len() as u64, f.size(), "{}", f.name);
        let t = from_tgz.files.iter().find(|t| t.name == f.name);
        assert_eq!(t.and_then(|t| t.read().ok()), Some(bytes), "{}", f.name);
    }
    assert_eq!(
        from_dir.values_raw().ok(),
        from_tgz.values_raw().ok(),
        "values.yaml re-read"
    );
    let crd = |c: &Chart| {
        c.crd_objects()
            .into_iter()
            .map(|(p, f)| (p, f.read().map(|d| d.into_owned()).ok()))
            .collect::<Vec<_>>()
    };
    assert_eq!(crd(&from_dir), crd(&from_tgz));
}

fn file_read_name(e: &RenderError) -> Option<&str> {
    match e {
        RenderError::File(ChartError::FileRead { name, .. }) => Some(name),
        _ => None,
    }
}

#[test]
fn file_deleted_after_load_is_a_typed_error() {
    let dir = TempDir::new("deleted");
    write_chart(&dir.0);
    let ch = load(&dir.0);
    std::fs::remove_file(dir.0.join("files/data.txt")).unwrap_or_else(|e| panic!("{e}"));

    let f = ch.files.iter().find(|f| f.name == "files/data.txt");
    let err = f.map(|f| f.read().map(|_| ()));
    match err {
        Some(Err(ChartError::FileRead { name, err, .. })) => {
            assert_eq!(name, "files/data.txt");
            assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected FileRead, got {other:?}"),
    }
    let e = render(&ch).err();
    assert_eq!(
        e.as_ref().and_then(file_read_name),
        Some("files/data.txt"),
        "{e:?}"
    );
    let msg = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains("files/data.txt"), "{msg}");

    // `range` over .Files has no error channel in Go: still a typed error, not empty.
    let ch2 = {
        let mut c = ch.clone();
        c.templates.retain(|t| t.name == "templates/range.yaml");
        c
    };
    let e = render(&ch2).err();
    assert_eq!(e.as_ref().and_then(file_read_name), Some("files/data.txt"));

    // Templates are read whole at load (they are parsed anyway): one deleted after
    // load still parses, from the content read then.
    std::fs::remove_file(dir.0.join("templates/range.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(ch.templates.iter().all(chart::File::in_memory));
    assert!(Engine::default().parse_templates(&ch).is_ok());
}

#[test]
fn archive_chart_keeps_working_when_its_file_is_gone() {
    let dir = TempDir::new("tgz");
    let p = dir.0.join("lazy-0.1.0.tgz");
    std::fs::write(&p, tgz()).unwrap_or_else(|e| panic!("{e}"));
    let ch = load(&p);
    std::fs::remove_file(&p).unwrap_or_else(|e| panic!("{e}"));
    let out = render(&ch).unwrap_or_else(|e| panic!("{e}"));
    assert!(out
        .get("lazy/templates/range.yaml")
        .is_some_and(|s| s.contains("files/data.txt=")));
    assert!(!matches!(ch.values, Value::Nil));
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_refused_at_load_as_before() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = TempDir::new("unreadable");
    write_chart(&dir.0);
    let p = dir.0.join("files/other.txt");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000))
        .unwrap_or_else(|e| panic!("{e}"));
    if std::fs::read(&p).is_ok() {
        return; // running as root: permissions do not apply
    }
    let e = chart::load(&dir.0).err().map(|e| e.helm_message());
    let canon = std::fs::canonicalize(&dir.0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        e,
        Some(format!(
            "open {}: permission denied",
            canon.join("files/other.txt").display()
        ))
    );
}
