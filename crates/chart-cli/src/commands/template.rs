//! `chart template NAME CHART`: render locally, print as `helm template` prints.

use std::io::Write;
use std::process::{ExitCode, Stdio};

use anyhow::{anyhow, bail, Context};
use chart_core::action::install::{self, ActionError, TemplateOptions};
use chart_core::gotmpl::bytestr;
use chart_core::values::ValueOptions;

use super::print_out;
use crate::cli::{GlobalArgs, TemplateArgs, ValuesArgs};

pub fn value_options(v: &ValuesArgs) -> ValueOptions {
    ValueOptions {
        // pflag's string slice: comma-separated, and "" is no value at all.
        value_files: v
            .values
            .iter()
            .filter(|f| !f.is_empty())
            .flat_map(|f| f.split(',').map(str::to_string))
            .collect(),
        json_values: v.set_json.clone(),
        values: v.set.clone(),
        string_values: v.set_string.clone(),
        file_values: v.set_file.clone(),
        literal_values: v.set_literal.clone(),
    }
}

fn post_render(prog: &str, args: &[String], input: &str) -> anyhow::Result<String> {
    let mut child = std::process::Command::new(prog)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("error while running command {prog}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let data = bytestr::to_go_bytes(input).into_owned();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        // Go's exec.ExitError text.
        let status = match out.status.code() {
            Some(c) => format!("exit status {c}"),
            None => out.status.to_string(),
        };
        bail!(
            "error while running command {}. error output:\n{}: {status}",
            look_path(prog),
            String::from_utf8_lossy(&out.stderr),
        );
    }
    Ok(bytestr::from_go_vec(out.stdout))
}

/// Helm renders `--name-template` with the template functions and no data (and, unlike
/// chart templates, leaves `<no value>` in place).
pub fn render_name_template(text: &str) -> anyhow::Result<String> {
    let mut t = chart_core::gotmpl::Template::new(chart_core::engine::funcs::helm_funcs());
    t.parse("name-template", text)?;
    Ok(t.execute("name-template", &chart_core::gotmpl::Value::Nil)?)
}

/// helm's `debug(...)` line: `FILE:LINE: <time.Now()> [debug] MESSAGE`.
pub fn debug_line(g: &GlobalArgs, site: &str, msg: &str) {
    if g.debug {
        let now = gotime::GoTime::now().go_string();
        let _ = writeln!(std::io::stderr().lock(), "{site}: {now} [debug] {msg}");
    }
}

/// Go's `exec.LookPath`: a name without `/` is found in `$PATH`.
fn look_path(prog: &str) -> String {
    if prog.contains('/') {
        return prog.to_string();
    }
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(prog))
                .find(|f| f.is_file())
        })
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| prog.to_string())
}

/// `--post-renderer`: helm resolves the program when it parses the flag.
fn check_post_renderer(prog: &str) -> anyhow::Result<()> {
    let found = if prog.contains('/') {
        match std::fs::metadata(prog) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
                "exec: {prog:?}: stat {prog}: no such file or directory"
            )),
            Err(e) => Err(format!("exec: {prog:?}: stat {prog}: {e}")),
            Ok(m) if m.is_dir() => Err(format!("exec: {prog:?}: is a directory")),
            Ok(_) => Ok(()),
        }
    } else {
        let in_path = std::env::var_os("PATH").is_some_and(|p| {
            std::env::split_paths(&p).any(|d| {
                let f = d.join(prog);
                f.is_file()
            })
        });
        if in_path {
            Ok(())
        } else {
            Err(format!(
                "exec: {prog:?}: executable file not found in $PATH"
            ))
        }
    };
    found.map_err(|why| {
        anyhow!("invalid argument {prog:?} for \"--post-renderer\" flag: unable to find binary at {prog}: {why}")
    })
}

pub fn run(g: &GlobalArgs, a: &TemplateArgs) -> anyhow::Result<ExitCode> {
    if let Some(p) = a.post_renderer.as_deref().filter(|p| !p.is_empty()) {
        check_post_renderer(p)?;
    }
    crate::commands::deploy::parse_labels(&a.install.labels)?;
    let kube_version = a.kube_version.clone().filter(|k| !k.is_empty());
    if let Some(kv) = &kube_version {
        chart_core::engine::Capabilities::default()
            .with_kube_version(kv)
            .map_err(|e| anyhow!("{e}"))?;
    }
    let name_template = a.name_template.as_deref().filter(|t| !t.is_empty());
    let (name, chart) = match a.args.as_slice() {
        [_, _] if a.generate_name => bail!("cannot set --generate-name and also specify a name"),
        [_, _] if name_template.is_some() => {
            bail!("cannot set --name-template and also specify a name")
        }
        [chart] => (
            match name_template {
                Some(t) => render_name_template(t)?,
                None => "release-name".into(),
            },
            chart.clone(),
        ),
        [name, chart] => (name.clone(), chart.clone()),
        [] => bail!(
            "\"chart template\" requires at least 1 argument\n\nUsage:  chart template [NAME] [CHART] [flags]"
        ),
        [_, _, rest @ ..] => bail!(
            "expected at most two arguments, unexpected arguments: {}",
            rest.join(", ")
        ),
    };
    let opts = TemplateOptions {
        release_name: name,
        namespace: g
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".into()),
        is_upgrade: a.is_upgrade,
        include_crds: a.include_crds,
        skip_tests: a.skip_tests,
        no_hooks: a.no_hooks,
        kube_version,
        api_versions: a
            .api_versions
            .iter()
            .filter(|v| !v.is_empty())
            .cloned()
            .collect(),
        skip_schema_validation: a.skip_schema_validation,
        show_only: a.show_only.clone(),
        enable_dns: a.enable_dns,
        post_renderer: a
            .post_renderer
            .clone()
            .filter(|p| !p.is_empty())
            .map(|p| (p, a.post_renderer_args.clone())),
        // The process ends after printing.
        skip_teardown: true,
        keep_failed_manifest: g.debug,
        ..TemplateOptions::default()
    };
    let version = a.version.clone().unwrap_or_default();
    debug_line(
        g,
        "install.go:225",
        &format!("Original chart version: {version:?}"),
    );
    let cp = &a.install.chart_path;
    let chart = crate::commands::pull::locate_verified(
        g,
        &chart,
        &cp.options(&version, a.devel, a.repo.as_deref().unwrap_or_default()),
        cp.verify_keyring().as_deref(),
    )?;
    // helm's LocateChart answers a local chart with its absolute path.
    let chart = if std::path::Path::new(&chart).exists() {
        chart_core::chart::filepath::absolute_clean(std::path::Path::new(&chart))
            .display()
            .to_string()
    } else {
        chart
    };
    if chart_core::action::install::locate_chart(&chart).is_ok() {
        debug_line(g, "install.go:242", &format!("CHART PATH: {chart}\n"));
    }
    let mut early = Vec::new();
    let values = value_options(&a.values);
    let res = install::render_template_collect(&chart, &values, &opts, &mut early);
    for w in &early {
        eprintln!("{w}");
    }
    // helm checks the --dry-run value once the chart is loaded (after its warnings).
    if let Some(d) = &a.dry_run {
        if let Err(e) = chart_core::action::release_install::DryRun::parse(d) {
            if let Ok(r) = &res {
                for w in &r.warnings {
                    eprintln!("{w}");
                }
            }
            return Err(anyhow!(e));
        }
    }
    let rendered = match res {
        Ok(r) => r,
        Err(e) => {
            if e.is_render_error() {
                if !g.debug {
                    return Err(anyhow!(
                        "{e}\n\nUse --debug flag to render out invalid YAML"
                    ));
                }
                // helm prints the release's manifest (what rendered) before the error.
                print_out(&format!("{}\n", e.failed_manifest().trim()))?;
            }
            return Err(anyhow!("{e}"));
        }
    };
    for w in &rendered.warnings {
        eprintln!("{w}");
    }
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let output_dir = a.output_dir.as_deref().filter(|d| !d.is_empty());
    if opts.post_renderer.is_none() && output_dir.is_none() && opts.show_only.is_empty() {
        // The common case: stream the documents out without joining them in memory.
        let written = rendered
            .write_template_output(&opts, &mut |p| stdout.write_all(&bytestr::to_go_bytes(p)))
            .and_then(|()| stdout.flush());
        return match written {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
            _ => Ok(ExitCode::SUCCESS),
        };
    }
    let mut manifest = rendered.manifest_text();
    if let Some((prog, args)) = &opts.post_renderer {
        manifest = post_render(prog, args, &manifest).map_err(|e| {
            let e = format!("error while running post render on files: {e}");
            match g.debug {
                true => anyhow!(e),
                false => anyhow!("{e}\n\nUse --debug flag to render out invalid YAML"),
            }
        })?;
    }
    if let Some(dir) = a.output_dir.as_deref().filter(|d| !d.is_empty()) {
        let files = install::output_dir_files(&rendered, &manifest, &opts, a.release_name);
        let mut written = std::collections::HashSet::new();
        for (path, content) in files {
            let full = std::path::Path::new(dir).join(&path);
            if let Some(parent) = full.parent() {
                if let Err(e) = std::fs::create_dir_all(parent) {
                    // helm stats the directory first: Go's "stat PATH: not a directory".
                    let why = match e.raw_os_error() {
                        Some(20) => format!("stat {}: not a directory", parent.display()),
                        _ => format!("mkdir {}: {e}", parent.display()),
                    };
                    match g.debug {
                        true => bail!("{why}"),
                        false => bail!("{why}\n\nUse --debug flag to render out invalid YAML"),
                    }
                }
            }
            let append = !written.insert(path);
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(append)
                .truncate(!append)
                .open(&full)
                .with_context(|| format!("writing {}", full.display()))?;
            f.write_all(&bytestr::to_go_bytes(&content))
                .with_context(|| format!("writing {}", full.display()))?;
            println!("wrote {}", full.display());
        }
        // The manifests went to files: --show-only then finds none of its templates.
        if let Some(first) = opts.show_only.first() {
            bail!("could not find template {first} in chart");
        }
        // helm then prints its (empty) manifest buffer with a newline.
        println!();
        return Ok(ExitCode::SUCCESS);
    }
    let out = rendered
        .template_output(&manifest, &opts)
        .map_err(|e: ActionError| anyhow!("{e}"))?;
    if let Err(e) = stdout
        .write_all(&bytestr::to_go_bytes(&out))
        .and_then(|()| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    Ok(ExitCode::SUCCESS)
}
