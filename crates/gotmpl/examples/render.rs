//! Renders a template file with JSON data, as Go's text/template does with its builtins
//! only (no Sprig: `cargo run -p sprig --example render_sprig` adds it).
//!
//! `cargo run -p gotmpl --example render -- TEMPLATE_FILE [DATA_JSON_FILE]`
//!
//! The template is parsed under its file name; numbers in the JSON are float64, as Helm's
//! values are. The output goes to stdout; an error goes to stderr with exit code 1.
use std::process::ExitCode;

use gotmpl::{FuncMap, Template, Value};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: render TEMPLATE_FILE [DATA_JSON_FILE]");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(1);
        }
    };
    let data = match args.get(1) {
        None => Value::Nil,
        Some(p) => {
            let parsed = std::fs::read_to_string(p)
                .map_err(|e| e.to_string())
                .and_then(|s| {
                    serde_json::from_str::<serde_json::Value>(&s).map_err(|e| e.to_string())
                });
            match parsed {
                Ok(j) => Value::from_json(&j),
                Err(e) => {
                    eprintln!("{p}: {e}");
                    return ExitCode::from(1);
                }
            }
        }
    };
    let name = std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.clone());
    let mut t = Template::new(FuncMap::new());
    let result = t.parse(&name, &text).and_then(|()| t.execute(&name, &data));
    match result {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
