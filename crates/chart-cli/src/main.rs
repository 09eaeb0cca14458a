//! The `chart` binary: Helm's commands and flags over chart-core.
use std::process::ExitCode;

mod cli;
mod cobra;
mod commands;
mod progress;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match cobra::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    progress::install();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Rendered text in the message may hold Go bytes that are not UTF-8.
            let msg = format!("Error: {e}\n");
            let _ = std::io::Write::write_all(
                &mut std::io::stderr().lock(),
                &chart_core::gotmpl::bytestr::to_go_bytes(&msg),
            );
            ExitCode::from(1)
        }
    }
}
