//! Loading a chart from a gzip-compressed tar archive, with Helm's path checks and size
//! limits enforced while streaming (a decompression bomb is refused after at most
//! [`MAX_CHART_SIZE`] bytes of output, with memory bounded by the same).

use std::io::Read;
use std::path::Path;

use super::error::ChartError;
use super::loader::{load_files, BufferedFile};
use super::{Chart, MAX_CHART_SIZE, MAX_ENTRIES, MAX_FILE_SIZE};

/// Loads a chart archive from a file, checking first that it looks like gzip data
/// (Helm's `loader.LoadFile`).
pub fn load_file(path: &Path) -> Result<Chart, ChartError> {
    let shown = path.display().to_string();
    let data = super::loader::read_file(path)?;
    let head = data.get(..512).unwrap_or(&data);
    if !head.starts_with(b"\x1F\x8B\x08") {
        if shown.ends_with(".yml") || shown.ends_with(".yaml") {
            return Err(ChartError::SeemsYaml(shown));
        }
        // Helm sniffs a zero-filled 512-byte buffer: a shorter file ends in NUL bytes,
        // which Go's DetectContentType takes for binary data.
        let mut buf = [0u8; 512];
        buf[..head.len()].copy_from_slice(head);
        return Err(ChartError::NotGzip {
            file: shown,
            mime: sniff(&buf).to_owned(),
        });
    }
    load_archive(&data[..])
}

/// A reduced `http.DetectContentType` for the error message about non-gzip files.
fn sniff(b: &[u8]) -> &'static str {
    if b.starts_with(b"PK\x03\x04") {
        return "application/zip";
    }
    if b.starts_with(b"%PDF-") {
        return "application/pdf";
    }
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return "image/png";
    }
    if b.starts_with(b"\xFE\xFF") {
        return "text/plain; charset=utf-16be";
    }
    if b.starts_with(b"\xFF\xFE") {
        return "text/plain; charset=utf-16le";
    }
    let binary = b.iter().any(|&c| {
        c <= 0x08 || c == 0x0B || (0x0E..=0x1A).contains(&c) || (0x1C..=0x1F).contains(&c)
    });
    if binary {
        "application/octet-stream"
    } else {
        "text/plain; charset=utf-8"
    }
}

/// Loads a chart from gzip-compressed tar bytes (Helm's `loader.LoadArchive`).
pub fn load_archive(input: impl Read) -> Result<Chart, ChartError> {
    load_files(archive_files(input)?)
}

/// Go's `path.Clean`.
pub(crate) fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            x => out.push(x),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn is_drive_path(n: &str) -> bool {
    let b = n.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/'
}

fn io_msg(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "unexpected EOF".into(),
        std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData
            if e.to_string().contains("header") =>
        {
            "gzip: invalid header".into()
        }
        _ => e.to_string(),
    }
}

/// Reads every file of a chart archive (Helm's `loader.LoadArchiveFiles`): the first path
/// component is dropped, paths are cleaned and checked, sizes are limited.
pub fn archive_files(input: impl Read) -> Result<Vec<BufferedFile>, ChartError> {
    let gz = flate2::read::MultiGzDecoder::new(input);
    let mut tar = tar::Archive::new(gz);
    let entries = tar
        .entries()
        .map_err(|e| ChartError::BadArchive(io_msg(&e)))?;
    let mut files = Vec::new();
    let mut remaining: u64 = MAX_CHART_SIZE;
    let mut count = 0usize;
    for entry in entries {
        let mut entry = entry.map_err(|e| ChartError::BadArchive(io_msg(&e)))?;
        count += 1;
        if count > MAX_ENTRIES {
            return Err(ChartError::TooManyFiles(MAX_ENTRIES));
        }
        let header = entry.header();
        let kind = header.entry_type();
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let is_dir = kind.is_dir() || (header.as_bytes()[156] == 0 && raw_name.ends_with('/'));
        if is_dir || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        if kind.is_gnu_longname() || kind.is_gnu_longlink() {
            continue;
        }
        let delim = if raw_name.contains('\\') { '\\' } else { '/' };
        let parts: Vec<&str> = raw_name.split(delim).collect();
        let joined = parts.get(1..).unwrap_or(&[]).join(&delim.to_string());
        let n = joined.replace(delim, "/");
        if n.starts_with('/') {
            return Err(ChartError::AbsolutePath);
        }
        let n = clean(&n);
        if n == "." {
            return Err(ChartError::OutsideBase(raw_name));
        }
        if n.starts_with("..") {
            return Err(ChartError::ParentReference);
        }
        if is_drive_path(&n) {
            return Err(ChartError::IllegalName);
        }
        if parts.first() == Some(&"Chart.yaml") {
            return Err(ChartError::ChartYamlNotInBase);
        }
        let size = entry.size();
        if size > remaining {
            return Err(ChartError::ArchiveTooLarge(MAX_CHART_SIZE));
        }
        if size > MAX_FILE_SIZE {
            return Err(ChartError::ArchiveFileTooLarge {
                name: raw_name,
                limit: MAX_FILE_SIZE,
            });
        }
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        let written = (&mut entry)
            .take(remaining)
            .read_to_end(&mut data)
            .map_err(|e| ChartError::BadArchive(io_msg(&e)))? as u64;
        remaining = remaining.saturating_sub(written);
        if written < size || remaining == 0 {
            return Err(ChartError::ArchiveTooLarge(MAX_CHART_SIZE));
        }
        if data.starts_with(b"\xEF\xBB\xBF") {
            data.drain(..3);
        }
        files.push(BufferedFile {
            name: n,
            data: data.into(),
        });
    }
    if files.is_empty() {
        return Err(ChartError::EmptyArchive);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_clean() {
        for (a, b) in [
            ("a/../b", "b"),
            ("../x", "../x"),
            ("a/./b//c/", "a/b/c"),
            ("", "."),
            ("/../a", "/a"),
            ("a/..", "."),
        ] {
            assert_eq!(clean(a), b, "{a}");
        }
    }
}
