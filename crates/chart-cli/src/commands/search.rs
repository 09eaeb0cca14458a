//! `chart search repo [KEYWORD]`: search the cached indexes of configured repositories
//! as `helm search repo` does; `chart search hub [KEYWORD]`: ask an Artifact Hub (or
//! Monocular) instance's search API as `helm search hub` does.

use std::process::ExitCode;

use anyhow::{anyhow, bail};
use chart_core::gotmpl::{Map, Value};
use chart_core::repo::search::{search, SearchOptions};
use clap::{Args, Subcommand};

use crate::cli::GlobalArgs;

/// `chart search`.
#[derive(Args, Debug, Clone)]
pub struct SearchArgs {
    /// Where to search.
    #[command(subcommand)]
    pub what: Option<SearchCommand>,
}

/// `chart search` subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum SearchCommand {
    /// search for charts in the Artifact Hub or your own hub instance
    Hub(SearchHubArgs),
    /// search repositories for a keyword in charts
    Repo(SearchRepoArgs),
}

/// `chart search hub`.
#[derive(Args, Debug, Clone)]
pub struct SearchHubArgs {
    /// keywords
    #[arg(num_args = 0..)]
    pub keywords: Vec<String>,
    /// Hub instance to query for charts
    #[arg(long, default_value = "https://hub.helm.sh")]
    pub endpoint: String,
    /// maximum column width for output table
    #[arg(long = "max-col-width", default_value_t = 50, value_name = "uint", value_parser = crate::cobra::GoUint)]
    pub max_col_width: usize,
    /// print charts repository URL
    #[arg(long = "list-repo-url")]
    pub list_repo_url: bool,
    /// search fails if no results are found
    #[arg(long = "fail-on-no-result")]
    pub fail_on_no_result: bool,
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long, default_value = "table", value_name = "format", value_parser = crate::cobra::OutputFormatFlag)]
    pub output: String,
}

/// `chart search repo`.
#[derive(Args, Debug, Clone)]
pub struct SearchRepoArgs {
    /// keywords
    #[arg(num_args = 0..)]
    pub keywords: Vec<String>,
    /// use regular expressions for searching repositories you have added
    #[arg(short = 'r', long)]
    pub regexp: bool,
    /// show the long listing, with each version of each chart on its own line
    #[arg(short = 'l', long)]
    pub versions: bool,
    /// use development versions (alpha, beta, and release candidate releases), too
    #[arg(long)]
    pub devel: bool,
    /// search using semantic versioning constraints on repositories you have added
    #[arg(long, default_value = "")]
    pub version: String,
    /// maximum column width for output table
    #[arg(long = "max-col-width", default_value_t = 50, value_name = "uint", value_parser = crate::cobra::GoUint)]
    pub max_col_width: usize,
    /// search fails if no results are found
    #[arg(long = "fail-on-no-result")]
    pub fail_on_no_result: bool,
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long, default_value = "table", value_name = "format", value_parser = crate::cobra::OutputFormatFlag)]
    pub output: String,
}

/// Text truncated to `max` characters with `...` (uitable's `MaxColWidth`).
fn fit(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if max == 0 || n <= max {
        return s.to_string();
    }
    let keep: String = s.chars().take(max.saturating_sub(3)).collect();
    format!("{keep}...")
}

/// A uitable table as helm prints it: every cell padded to its column's width, cells
/// separated by a tab, a newline after each row.
pub fn table(rows: &[Vec<String>]) -> String {
    table_width(rows, 0)
}

pub fn table_width(rows: &[Vec<String>], max: usize) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| fit(c, max)).collect())
        .collect();
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c}{}", " ".repeat(widths[i] - c.chars().count())))
            .collect();
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

pub fn run(g: &GlobalArgs, a: &SearchArgs) -> anyhow::Result<ExitCode> {
    let Some(what) = &a.what else {
        crate::cobra::print_help(&["search"]);
        return Ok(ExitCode::SUCCESS);
    };
    let a = match what {
        SearchCommand::Repo(a) => a,
        SearchCommand::Hub(h) => return crate::commands::search_hub::run(g, h),
    };
    let fmt = a.output.as_str();
    if !matches!(fmt, "table" | "json" | "yaml") {
        bail!("invalid format type");
    }
    let settings = crate::commands::repo::settings(g);
    let opts = SearchOptions {
        query: (!a.keywords.is_empty()).then(|| a.keywords.join(" ")),
        regexp: a.regexp,
        versions: a.versions,
        devel: a.devel,
        version: a.version.clone(),
    };
    let mut warnings = Vec::new();
    let res = search(&settings, &opts, &mut warnings);
    for w in &warnings {
        eprintln!("{w}");
    }
    let res = res.map_err(|e| anyhow!("{e}"))?;
    if res.is_empty() && a.fail_on_no_result {
        bail!("no results found");
    }
    match fmt {
        "table" => {
            if res.is_empty() {
                println!("No results found");
                return Ok(ExitCode::SUCCESS);
            }
            let mut rows = vec![vec![
                "NAME".to_string(),
                "CHART VERSION".into(),
                "APP VERSION".into(),
                "DESCRIPTION".into(),
            ]];
            for r in &res {
                rows.push(vec![
                    r.name.clone(),
                    r.version.clone(),
                    r.app_version.clone(),
                    r.description.clone(),
                ]);
            }
            print!("{}", table_width(&rows, a.max_col_width));
        }
        _ => {
            let list: Vec<Value> = res
                .iter()
                .map(|r| {
                    let md = r;
                    let mut m = Map::new();
                    m.insert("name".into(), Value::str(&r.name));
                    m.insert("version".into(), Value::str(&md.version));
                    m.insert("app_version".into(), Value::str(&md.app_version));
                    m.insert("description".into(), Value::str(&md.description));
                    Value::map(m)
                })
                .collect();
            let v = Value::list(list);
            if fmt == "json" {
                // Go's struct order: name, version, app_version, description.
                let items: Vec<String> = res
                    .iter()
                    .map(|r| {
                        let md = r;
                        format!(
                            "{{\"name\":{},\"version\":{},\"app_version\":{},\"description\":{}}}",
                            go_json(&r.name),
                            go_json(&md.version),
                            go_json(&md.app_version),
                            go_json(&md.description)
                        )
                    })
                    .collect();
                println!("[{}]", items.join(","));
            } else {
                print!("{}", chart_core::goyaml::marshal(&v)?);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A string as Go's `encoding/json` writes it (HTML characters escaped).
pub fn go_json(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}
