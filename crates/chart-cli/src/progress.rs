//! Progress bars for long chart downloads and uploads: drawn on stderr when it is a
//! terminal and the transfer is larger than [`THRESHOLD`]; nothing otherwise (helm
//! prints no progress at all, so piped output stays identical to helm's).

use std::io::IsTerminal;

use chart_core::transfer::{self, Transfer};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Transfers smaller than this show no bar.
pub const THRESHOLD: u64 = 4 << 20;

struct Bar(Option<ProgressBar>);

impl Transfer for Bar {
    fn advance(&mut self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    fn finish(&mut self) {
        if let Some(b) = self.0.take() {
            b.finish_and_clear();
        }
    }
}

/// Whether a transfer of `total` bytes gets a bar when stderr `is_tty`.
pub fn wants_bar(total: u64, is_tty: bool) -> bool {
    is_tty && total >= THRESHOLD
}

/// Installs the reporter for this process.
pub fn install() {
    transfer::set_reporter(Box::new(|label: &str, total: u64| {
        if !wants_bar(total, std::io::stderr().is_terminal()) {
            return None;
        }
        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{wide_bar}] {bytes}/{total_bytes} {eta}")
        {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_message(label.to_string());
        Some(Box::new(Bar(Some(b))) as Box<dyn Transfer>)
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_big_transfers_on_a_terminal() {
        assert!(wants_bar(THRESHOLD, true));
        assert!(!wants_bar(THRESHOLD - 1, true));
        assert!(!wants_bar(100 << 20, false));
    }
}
