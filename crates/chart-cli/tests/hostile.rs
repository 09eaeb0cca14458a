//! Hostile input: each case builds its input in a temporary directory (nothing large is
//! committed), runs `chart template` on it and checks that the binary answers within a time
//! bound, never panics, and either refuses with a clear `Error: ...` and exit code 1 or, where
//! helm 3.17.3 itself accepts the input, renders it without leaking anything from outside
//! the chart. Run with `--nocapture` to see each case's message and time.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// Time bound for one run of the binary (debug builds are slow; release is much faster).
const LIMIT: Duration = Duration::from_secs(20);

struct Outcome {
    rc: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

fn scratch(case: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile")
        .join(case);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create scratch dir");
    d
}

fn run(cwd: &Path, args: &[&str]) -> Outcome {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_chart"))
        .arg("template")
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .env_remove("HELM_NAMESPACE")
        .env_remove("HELM_DEBUG")
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .output()
        .expect("run chart");
    Outcome {
        rc: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

fn report(case: &str, o: &Outcome) {
    let first: String = o
        .stderr
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    eprintln!(
        "[hostile] {case}: rc={} in {:.2?}, stdout {} bytes, stderr {} bytes: {first}",
        o.rc,
        o.elapsed,
        o.stdout.len(),
        o.stderr.len()
    );
}

/// Checks a refusal: exit code 1, `Error: ` with `needle` on stderr, no panic, in time.
fn assert_refused(case: &str, o: &Outcome, needle: &str) {
    report(case, o);
    assert!(!needle.is_empty(), "{case}: an empty needle checks nothing");
    assert!(
        !o.stderr.contains("panicked"),
        "{case}: panicked: {}",
        o.stderr
    );
    assert_eq!(o.rc, 1, "{case}: exit code; stderr: {}", o.stderr);
    assert!(
        o.stderr.starts_with("Error: ") && o.stderr.contains(needle),
        "{case}: want an `Error: ` containing {needle:?}, got {:?}",
        o.stderr.chars().take(2000).collect::<String>()
    );
    assert!(o.elapsed < LIMIT, "{case}: took {:?}", o.elapsed);
}

/// Checks an accepted render: exit code 0, no panic, in time.
fn assert_rendered(case: &str, o: &Outcome) {
    report(case, o);
    assert!(
        !o.stderr.contains("panicked"),
        "{case}: panicked: {}",
        o.stderr
    );
    assert_eq!(o.rc, 0, "{case}: exit code; stderr: {}", o.stderr);
    assert!(o.elapsed < LIMIT, "{case}: took {:?}", o.elapsed);
}

fn write(path: &Path, content: &str) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).expect("mkdir");
    }
    std::fs::write(path, content).expect("write");
}

/// A chart directory `dir/NAME` with the given templates and values.yaml.
fn chart(dir: &Path, name: &str, templates: &[(&str, &str)], values: &str) -> PathBuf {
    let c = dir.join(name);
    write(
        &c.join("Chart.yaml"),
        &format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n"),
    );
    write(&c.join("values.yaml"), values);
    for (n, t) in templates {
        write(&c.join("templates").join(n), t);
    }
    c
}

const CHART_YAML: &str = "apiVersion: v2\nname: evil\nversion: 0.1.0\n";
const TEMPLATE: &str =
    "kind: ConfigMap\nmetadata:\n  name: x\ndata:\n  pw: {{ .Files.Get \"pw\" | quote }}\n";

/// A tar entry written with a raw header, so that names the `tar` crate refuses to build
/// (`..`, absolute paths) end up in the archive exactly as given.
enum Entry<'a> {
    File(&'a str, &'a [u8]),
    Symlink(&'a str, &'a str),
}

fn raw_header(name: &str, size: u64, kind: tar::EntryType) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    {
        let gnu = h.as_gnu_mut().expect("gnu header");
        let n = name.as_bytes();
        assert!(n.len() < gnu.name.len(), "name too long for a raw header");
        gnu.name[..n.len()].copy_from_slice(n);
    }
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_entry_type(kind);
    h
}

fn tgz(path: &Path, entries: &[Entry]) {
    let f = std::fs::File::create(path).expect("create tgz");
    let gz = flate2::write::GzEncoder::new(f, Compression::default());
    let mut b = tar::Builder::new(gz);
    for e in entries {
        match e {
            Entry::File(name, data) => {
                let mut h = raw_header(name, data.len() as u64, tar::EntryType::Regular);
                h.set_cksum();
                b.append(&h, *data).expect("append");
            }
            Entry::Symlink(name, target) => {
                let mut h = raw_header(name, 0, tar::EntryType::Symlink);
                h.set_link_name(target).expect("link name");
                h.set_cksum();
                b.append(&h, std::io::empty()).expect("append");
            }
        }
    }
    b.into_inner()
        .expect("finish tar")
        .finish()
        .expect("finish gz");
}

#[test]
fn tgz_with_parent_directory_paths_is_refused() {
    let d = scratch("dotdot");
    let p = d.join("evil.tgz");
    tgz(
        &p,
        &[
            Entry::File("evil/Chart.yaml", CHART_YAML.as_bytes()),
            Entry::File("evil/templates/cm.yaml", TEMPLATE.as_bytes()),
            Entry::File("evil/../../escape.yaml", b"kind: Escaped\n"),
        ],
    );
    let o = run(&d, &["evil.tgz"]);
    assert_refused(
        "tgz ../ path",
        &o,
        "chart illegally references parent directory",
    );
    assert!(!d.join("../escape.yaml").exists());
}

/// helm 3.17.3 accepts an absolute entry name (the first path component is the chart's
/// directory and is dropped, so `/etc/evil.yaml` becomes the chart file `etc/evil.yaml`);
/// `template` writes nothing, so nothing can land outside. We do the same.
#[test]
fn tgz_with_absolute_paths_stays_inside_the_chart() {
    let d = scratch("absolute");
    let p = d.join("evil.tgz");
    tgz(
        &p,
        &[
            Entry::File("evil/Chart.yaml", CHART_YAML.as_bytes()),
            Entry::File("evil/templates/cm.yaml", TEMPLATE.as_bytes()),
            Entry::File("/etc/evil-chart-test.yaml", b"kind: Escaped\n"),
            Entry::File("/templates/abs.yaml", b"kind: FromAbsolute\n"),
        ],
    );
    let o = run(&d, &["evil.tgz"]);
    assert_rendered("tgz absolute path", &o);
    assert!(o.stdout.contains("# Source: evil/templates/cm.yaml"));
    assert!(!Path::new("/etc/evil-chart-test.yaml").exists());
}

/// helm 3.17.3 skips symlink entries of an archive; so do we: the chart file `pw` that links
/// to /etc/passwd is absent, and a template symlink is not rendered.
#[test]
fn tgz_with_symlinks_does_not_follow_them() {
    let d = scratch("symlink");
    let p = d.join("evil.tgz");
    tgz(
        &p,
        &[
            Entry::File("evil/Chart.yaml", CHART_YAML.as_bytes()),
            Entry::File("evil/templates/cm.yaml", TEMPLATE.as_bytes()),
            Entry::Symlink("evil/pw", "/etc/passwd"),
            Entry::Symlink("evil/templates/link.yaml", "/etc/passwd"),
        ],
    );
    let o = run(&d, &["evil.tgz"]);
    assert_rendered("tgz symlinks", &o);
    assert!(o.stdout.contains("pw: \"\""), "{}", o.stdout);
    assert!(!o.stdout.contains("root:"), "{}", o.stdout);
    assert!(!o.stdout.contains("link.yaml"), "{}", o.stdout);
}

/// Raw deflate of `data` ending with a full flush: a byte-aligned, self-contained run of
/// non-final blocks that may be repeated any number of times.
fn deflate_full_flush(c: &mut Compress, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 100 + 1024);
    let mut pos = 0;
    loop {
        let before_in = c.total_in();
        if out.capacity() - out.len() < 1024 {
            out.reserve(64 * 1024);
        }
        let st = c
            .compress_vec(&data[pos..], &mut out, FlushCompress::Full)
            .expect("deflate");
        pos += (c.total_in() - before_in) as usize;
        if pos == data.len() && st == Status::Ok && out.capacity() > out.len() {
            break;
        }
    }
    out
}

/// Writes a gzip file whose content is `prefix` followed by `zero_chunks` MiB of zeros,
/// streamed: one compressed 1 MiB chunk of zeros is repeated, so building a 10 GiB bomb
/// costs a few MB of disk and well under a second.
fn gzip_with_zeros(path: &Path, prefix: &[u8], zero_chunks: u64) {
    const CHUNK: usize = 1 << 20;
    let mut c = Compress::new(Compression::best(), false);
    let head = deflate_full_flush(&mut c, prefix);
    let zeros = vec![0u8; CHUNK];
    let zchunk = deflate_full_flush(&mut c, &zeros);
    let mut tail = Vec::with_capacity(64);
    c.compress_vec(&[], &mut tail, FlushCompress::Finish)
        .expect("finish deflate");
    let mut crc = Crc::new();
    crc.update(prefix);
    let mut zcrc = Crc::new();
    zcrc.update(&zeros);
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    f.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])
        .expect("write");
    f.write_all(&head).expect("write");
    for _ in 0..zero_chunks {
        f.write_all(&zchunk).expect("write");
        crc.combine(&zcrc);
    }
    f.write_all(&tail).expect("write");
    let isize = (prefix.len() as u64 + zero_chunks * CHUNK as u64) as u32;
    f.write_all(&crc.sum().to_le_bytes()).expect("write");
    f.write_all(&isize.to_le_bytes()).expect("write");
    f.flush().expect("flush");
}

fn tar_prefix(small: &[(&str, &[u8])], big_name: &str, big_size: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in small {
        let mut h = raw_header(name, data.len() as u64, tar::EntryType::Regular);
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    let mut h = raw_header(big_name, big_size, tar::EntryType::Regular);
    h.set_cksum();
    out.extend_from_slice(h.as_bytes());
    out
}

#[test]
fn decompression_bomb_of_10_gib_is_refused() {
    let d = scratch("bomb");
    let p = d.join("bomb.tgz");
    let gib10: u64 = 10 << 30;
    let prefix = tar_prefix(
        &[(
            "bomb/Chart.yaml",
            b"apiVersion: v2\nname: bomb\nversion: 0.1.0\n",
        )],
        "bomb/templates/zeros.yaml",
        gib10,
    );
    // The file's 10 GiB of zeros, then one more MiB: the tar end-of-archive blocks.
    gzip_with_zeros(&p, &prefix, (gib10 >> 20) + 1);
    let size = std::fs::metadata(&p).expect("bomb file").len();
    assert!(size < 64 << 20, "bomb file is {size} bytes");
    let o = run(&d, &["bomb.tgz"]);
    // helm 3.17.3's words for it (checked on a tar with the same 10 GiB entry header).
    assert_refused("10 GiB decompression bomb", &o, TOO_LARGE);
}

/// helm's (`loader.MaxDecompressedChartSize`, 100 MiB) refusal of an archive that
/// decompresses to more than that, in total or in one entry.
const TOO_LARGE: &str =
    "Error: decompressed chart is larger than the maximum file size 104857600\n";

#[test]
fn many_files_adding_up_past_the_chart_limit_are_refused() {
    // 30 files of 4 MiB of zeros each: each under the per-file limit, 120 MiB in total.
    let d = scratch("bomb-many");
    let p = d.join("many.tgz");
    let mut raw = tar_prefix(
        &[(
            "many/Chart.yaml",
            b"apiVersion: v2\nname: many\nversion: 0.1.0\n",
        )],
        "many/files/f0",
        4 << 20,
    );
    raw.resize(raw.len() + (4 << 20), 0);
    for i in 1..30 {
        let h = tar_prefix(&[], &format!("many/files/f{i}"), 4 << 20);
        raw.extend_from_slice(&h);
        raw.resize(raw.len() + (4 << 20), 0);
    }
    gzip_with_zeros(&p, &raw, 1);
    let o = run(&d, &["many.tgz"]);
    // helm 3.17.3 refuses the same archive with the same words.
    assert_refused("120 MiB of small files", &o, TOO_LARGE);
}

/// Eleven levels of ten aliases each: 10^11 nodes once expanded.
fn alias_bomb() -> String {
    let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    s
}

#[test]
fn yaml_alias_bomb_in_values_yaml_is_refused() {
    let d = scratch("alias-bomb");
    chart(&d, "c", &[("cm.yaml", "kind: ConfigMap\n")], &alias_bomb());
    let o = run(&d, &["c"]);
    assert_refused("alias bomb values.yaml", &o, "excessive aliasing");
}

#[test]
fn yaml_alias_bomb_in_a_values_file_is_refused() {
    let d = scratch("alias-bomb-f");
    chart(&d, "c", &[("cm.yaml", "kind: ConfigMap\n")], "");
    write(&d.join("bomb.yaml"), &alias_bomb());
    let o = run(&d, &["c", "-f", "bomb.yaml"]);
    assert_refused("alias bomb -f", &o, "excessive aliasing");
}

#[test]
fn template_including_itself_is_refused() {
    let d = scratch("include-self");
    chart(
        &d,
        "c",
        &[(
            "cm.yaml",
            "{{- define \"loop\" -}}{{ include \"loop\" . }}{{- end -}}\nx: {{ include \"loop\" . }}\n",
        )],
        "",
    );
    let o = run(&d, &["c"]);
    assert_refused(
        "include itself",
        &o,
        "rendering template has a nested reference name: loop",
    );
}

#[test]
fn template_action_calling_itself_is_refused() {
    let d = scratch("template-self");
    chart(
        &d,
        "c",
        &[(
            "cm.yaml",
            "{{ define \"x\" }}{{ template \"x\" . }}{{ end }}x: {{ template \"x\" . }}\n",
        )],
        "",
    );
    let o = run(&d, &["c"]);
    assert_refused(
        "template itself",
        &o,
        "exceeded maximum template depth (100000)",
    );
}

#[test]
fn tpl_calling_itself_is_refused() {
    let d = scratch("tpl-self");
    chart(
        &d,
        "c",
        &[("cm.yaml", "x: {{ tpl .Values.t . }}\n")],
        "t: \"{{ tpl .Values.t . }}\"\n",
    );
    let o = run(&d, &["c"]);
    assert_refused("tpl itself", &o, "tpl calls are nested deeper than");
}

#[test]
fn values_file_of_100_mb_is_handled() {
    let d = scratch("big-values");
    chart(
        &d,
        "c",
        &[(
            "cm.yaml",
            "kind: ConfigMap\ndata:\n  n: {{ len .Values }}\n",
        )],
        "",
    );
    let p = d.join("big.yaml");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).expect("create"));
        let mut n = 0usize;
        let mut i = 0usize;
        while n < 100 << 20 {
            let line = format!("key{i:08}: value-{i:08}-{}\n", "x".repeat(60));
            f.write_all(line.as_bytes()).expect("write");
            n += line.len();
            i += 1;
        }
        f.flush().expect("flush");
    }
    let o = run(&d, &["c", "-f", "big.yaml"]);
    assert_refused(
        "100 MB values file",
        &o,
        "big.yaml is larger than the limit",
    );
    let _ = std::fs::remove_file(&p);
}

#[test]
fn huge_range_is_refused() {
    let d = scratch("huge-range");
    chart(
        &d,
        "c",
        &[(
            "cm.yaml",
            "x: {{ range until 100000000 }}x{{ end }}\ny: {{ range untilStep 0 9223372036854775807 1 }}y{{ end }}\n",
        )],
        "",
    );
    let o = run(&d, &["c"]);
    assert_refused("range until 100000000", &o, "error calling until");
}

#[test]
fn huge_strings_from_counts_are_refused() {
    // Each of these would ask the allocator for exabytes or terabytes: helm dies of an
    // out-of-memory fault, we refuse with the function's name in the error.
    for (call, needle) in [
        (r#"repeat 8607387548624266276 "a""#, "error calling repeat"),
        (
            r#"nindent 8607387548624266276 "a""#,
            "error calling nindent",
        ),
        (r#"indent 100000000000 "a""#, "error calling indent"),
        (
            "randAlphaNum 8607387548624266276",
            "error calling randAlphaNum",
        ),
        ("randAscii 100000000000000", "error calling randAscii"),
        ("randNumeric 100000000000000", "error calling randNumeric"),
        ("randAlpha 100000000000000", "error calling randAlpha"),
        ("randBytes 100000000000", "error calling randBytes"),
    ] {
        let case = format!("huge-{}", call.split(' ').next().unwrap_or("x"));
        let d = scratch(&case);
        chart(
            &d,
            "c",
            &[("cm.yaml", &format!("x: {{{{ {call} }}}}\n"))],
            "",
        );
        let o = run(&d, &["c"]);
        assert_refused(call, &o, needle);
        assert_refused(call, &o, "exceeds the limit of 1073741824 bytes");
    }
}
