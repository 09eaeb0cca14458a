//! Progress of long transfers (chart downloads and uploads).
//!
//! The library only reports byte counts; the front end decides how to show them (the
//! `chart` binary draws a bar on a terminal and nothing when stderr is piped). A process
//! installs its reporter once with [`set_reporter`].

use std::sync::OnceLock;

/// One transfer in progress.
pub trait Transfer: Send {
    /// `n` more bytes moved.
    fn advance(&mut self, n: u64);
    /// The transfer ended (successfully or not).
    fn finish(&mut self);
}

/// Makes a [`Transfer`] for a transfer of `total` bytes (0: unknown) labelled `label`.
pub type Reporter = dyn Fn(&str, u64) -> Option<Box<dyn Transfer>> + Send + Sync;

static REPORTER: OnceLock<Box<Reporter>> = OnceLock::new();

/// Installs the process's progress reporter (the first call wins).
pub fn set_reporter(r: Box<Reporter>) {
    let _ = REPORTER.set(r);
}

/// A transfer of `total` bytes, reported if a reporter is installed and wants it.
pub fn start(label: &str, total: u64) -> Option<Box<dyn Transfer>> {
    REPORTER.get().and_then(|r| r(label, total))
}

/// A reader that reports the bytes read through it.
pub struct ProgressReader<R> {
    inner: R,
    progress: Option<Box<dyn Transfer>>,
}

impl<R> ProgressReader<R> {
    /// Wraps `inner`; `progress` may be `None` (nothing reported).
    pub fn new(inner: R, progress: Option<Box<dyn Transfer>>) -> Self {
        ProgressReader { inner, progress }
    }
}

impl<R: std::io::Read> std::io::Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = self.progress.as_mut() {
            if n == 0 {
                p.finish();
            } else {
                p.advance(n as u64);
            }
        }
        Ok(n)
    }
}

impl<R> Drop for ProgressReader<R> {
    fn drop(&mut self) {
        if let Some(p) = self.progress.as_mut() {
            p.finish();
        }
    }
}
