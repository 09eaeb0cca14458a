//! `chart template NAME CHART`: render locally, print as `helm template` prints.

use std::io::Write;
use std::process::{ExitCode, Stdio};

use anyhow::{anyhow, bail, Context};
use chart_core::action::install::{self, ActionError, TemplateOptions};
use chart_core::gotmpl::bytestr;
use chart_core::values::ValueOptions;

use crate::cli::{GlobalArgs, TemplateArgs, ValuesArgs};

pub fn value_options(v: &ValuesArgs) -> ValueOptions {
    ValueOptions {
        value_files: v.values.clone(),
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
        bail!(
            "error while running command {prog}. error output:\n{}: {}",
            String::from_utf8_lossy(&out.stderr),
            out.status
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

pub fn run(g: &GlobalArgs, a: &TemplateArgs) -> anyhow::Result<ExitCode> {
    let (name, chart) = match a.args.as_slice() {
        [chart] => (
            match &a.name_template {
                Some(t) => render_name_template(t)?,
                None => "release-name".into(),
            },
            chart.clone(),
        ),
        [name, chart] => (name.clone(), chart.clone()),
        [] => bail!("\"chart template\" requires at least 1 argument"),
        [_, _, rest @ ..] => bail!(
            "expected at most two arguments, unexpected arguments: {}",
            rest.join(", ")
        ),
    };
    let opts = TemplateOptions {
        release_name: name,
        namespace: g.namespace.clone().unwrap_or_else(|| "default".into()),
        is_upgrade: a.is_upgrade,
        include_crds: a.include_crds,
        skip_tests: a.skip_tests,
        no_hooks: a.no_hooks,
        kube_version: a.kube_version.clone(),
        api_versions: a.api_versions.clone(),
        skip_schema_validation: a.skip_schema_validation,
        show_only: a.show_only.clone(),
        enable_dns: a.enable_dns,
        post_renderer: a
            .post_renderer
            .clone()
            .map(|p| (p, a.post_renderer_args.clone())),
        // The process ends after printing.
        skip_teardown: true,
        ..TemplateOptions::default()
    };
    let keyring = a.verify.then(|| {
        a.keyring
            .clone()
            .unwrap_or_else(crate::commands::dependency::default_keyring)
    });
    let chart = crate::commands::pull::locate_verified(
        g,
        &chart,
        &chart_core::repo::download::ChartPathOptions {
            version: a.version.clone().unwrap_or_default(),
            devel: a.devel,
            repo_url: a.repo.clone().unwrap_or_default(),
            plain_http: a.plain_http,
            ..Default::default()
        },
        keyring.as_deref(),
    )?;
    let rendered = match install::render_template(&chart, &value_options(&a.values), &opts) {
        Ok(r) => r,
        Err(e) => {
            if e.is_render_error() && !g.debug {
                return Err(anyhow!(
                    "{e}\n\nUse --debug flag to render out invalid YAML"
                ));
            }
            return Err(anyhow!("{e}"));
        }
    };
    for w in &rendered.warnings {
        eprintln!("{w}");
    }
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    if opts.post_renderer.is_none() && a.output_dir.is_none() && opts.show_only.is_empty() {
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
        manifest = post_render(prog, args, &manifest)
            .map_err(|e| anyhow!("error while running post render on files: {e}"))?;
    }
    if let Some(dir) = &a.output_dir {
        let files = install::output_dir_files(&rendered, &manifest, &opts, a.release_name);
        let mut written = std::collections::HashSet::new();
        for (path, content) in files {
            let full = std::path::Path::new(dir).join(&path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
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
