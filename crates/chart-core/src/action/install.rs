//! Install-style rendering without a cluster: what `helm template` (and `install
//! --dry-run=client`) does before anything reaches Kubernetes (Helm's
//! `pkg/action/install.go` and `renderResources` in `action.go`).

use gotmpl::Value;
use std::collections::HashMap;

use crate::chart::{self, Chart, ChartError};
use crate::engine::{Capabilities, Engine, ParsedTemplates, ReleaseInfo, RenderError};
use crate::release::manifest::{
    read_file_heads_until, sort_manifests_read, split_manifests, Hook, Manifest, SortError,
    INSTALL_ORDER,
};
use crate::values::{self, ValueOptions};

/// Options of a client-only install (`helm template`).
#[derive(Clone, Debug, Default)]
pub struct TemplateOptions {
    /// Release name.
    pub release_name: String,
    /// Namespace.
    pub namespace: String,
    /// `--is-upgrade`.
    pub is_upgrade: bool,
    /// `--include-crds`.
    pub include_crds: bool,
    /// `--skip-tests`.
    pub skip_tests: bool,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `--kube-version`.
    pub kube_version: Option<String>,
    /// `--api-versions` (appended to the defaults).
    pub api_versions: Vec<String>,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--show-only` patterns.
    pub show_only: Vec<String>,
    /// `--enable-dns`.
    pub enable_dns: bool,
    /// `--post-renderer` program and its arguments.
    pub post_renderer: Option<(String, Vec<String>)>,
    /// Leave the parsed templates unfreed (see [`Engine::skip_teardown`]): for a
    /// process that exits after this render.
    pub skip_teardown: bool,
    /// `.Release.Revision` (0 is taken as 1, as for `helm template`).
    pub revision: i64,
    /// What `lookup` asks (a cluster during install and upgrade); `None` answers empty maps.
    pub lookup: Option<std::sync::Arc<dyn crate::engine::funcs::Lookup>>,
    /// `--render-subchart-notes`: the NOTES.txt of every chart, not only the root's.
    pub sub_notes: bool,
    /// Keep the rendered files for [`ActionError::failed_manifest`] when the output is not
    /// valid YAML (`template --debug`; costs a copy of the output).
    pub keep_failed_manifest: bool,
}

/// Why a render failed. `Render` errors are those Helm prints with its
/// `Use --debug flag to render out invalid YAML` hint.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// Loading the chart failed.
    #[error("{}", .0.helm_message())]
    Chart(#[from] ChartError),
    /// Merging or validating values failed.
    #[error("{0}")]
    Values(String),
    /// Anything else that happens before rendering.
    #[error("{0}")]
    Other(String),
    /// Rendering (kubeVersion check, templates, YAML of the output) failed.
    #[error("{0}")]
    Render(String),
    /// The rendered output did not parse as YAML; `manifest` holds every rendered file as
    /// helm keeps them for `--debug` (`---\n# Source: NAME\nCONTENT\n`, sorted by name
    /// where helm uses Go's map order).
    #[error("{message}")]
    RenderManifest {
        /// The error.
        message: String,
        /// The rendered files.
        manifest: String,
    },
}

impl ActionError {
    /// Whether Helm appends its `--debug` hint to this error.
    pub fn is_render_error(&self) -> bool {
        matches!(
            self,
            ActionError::Render(_) | ActionError::RenderManifest { .. }
        )
    }

    /// What helm keeps as the release manifest when rendering failed (printed by
    /// `template --debug`): the rendered files for a YAML error, else nothing.
    pub fn failed_manifest(&self) -> &str {
        match self {
            ActionError::RenderManifest { manifest, .. } => manifest,
            _ => "",
        }
    }
}

impl From<RenderError> for ActionError {
    fn from(e: RenderError) -> Self {
        ActionError::Render(e.to_string())
    }
}

impl From<SortError> for ActionError {
    fn from(e: SortError) -> Self {
        ActionError::Render(e.to_string())
    }
}

/// The result of a client-only render.
#[derive(Debug, Default)]
pub struct Rendered {
    /// CRD files (`--include-crds`): path and raw content.
    pub crds: Vec<(String, String)>,
    /// Manifests, sorted by kind.
    pub manifests: Vec<Manifest>,
    /// Hooks, sorted by kind.
    pub hooks: Vec<Hook>,
    /// The root chart's NOTES.txt, rendered.
    pub notes: String,
    /// Warnings Helm prints on stderr.
    pub warnings: Vec<String>,
}

/// Helm's `LocateChart` for a name that is not a local path: helm takes it for a chart
/// reference `REPO/CHART` in a configured repository (none are configured here), so a
/// missing chart path is reported as helm reports it.
pub fn locate_chart(name: &str) -> Result<(), ActionError> {
    let name = name.trim();
    if std::path::Path::new(name).exists() || name.contains("://") {
        return Ok(());
    }
    if name.starts_with('/') || name.starts_with('.') {
        return Err(ActionError::Other(format!(
            "path {} not found",
            gotmpl::fmt::go_quote(name)
        )));
    }
    match name.split_once('/') {
        Some((repo, _)) => Err(ActionError::Other(format!("repo {repo} not found"))),
        None => Err(ActionError::Other(format!(
            "non-absolute URLs should be in form of repo_name/path_to_chart, got: {name}"
        ))),
    }
}

/// Helm's release-name rule: a DNS-1123 subdomain of at most 53 characters.
pub fn validate_release_name(name: &str) -> Result<(), ActionError> {
    static RE: std::sync::OnceLock<regex_lite::Regex> = std::sync::OnceLock::new();
    const PATTERN: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    let ok = RE
        .get_or_init(|| regex_lite::Regex::new(PATTERN).unwrap_or_else(|_| unreachable!()))
        .is_match(name);
    if name.is_empty() {
        return Err(ActionError::Other(
            "release name \"\": no name provided".to_string(),
        ));
    }
    if name.len() > 53 || !ok {
        return Err(ActionError::Other(format!(
            "release name {}: invalid release name, must match regex {PATTERN} and the length must not be longer than 53",
            gotmpl::fmt::go_quote(name)
        )));
    }
    Ok(())
}

/// Helm's `CheckDependencies`: every dependency declared in Chart.yaml must be present.
fn check_dependencies(ch: &Chart) -> Result<(), ActionError> {
    let mut missing = Vec::new();
    for d in &ch.metadata.dependencies {
        if !ch.dependencies.iter().any(|c| c.metadata.name == d.name) {
            missing.push(d.name.clone());
        }
    }
    if !missing.is_empty() {
        return Err(ActionError::Other(format!(
            "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// Loads `chart_path`, merges values and renders it as `helm template` does.
pub fn render_template(
    chart_path: &str,
    value_opts: &ValueOptions,
    opts: &TemplateOptions,
) -> Result<Rendered, ActionError> {
    render_template_collect(chart_path, value_opts, opts, &mut Vec::new())
}

/// [`render_template`]; when it fails, `early` holds the warnings helm would have printed
/// before the error (a deprecated chart, coalescing), in helm's order.
pub fn render_template_collect(
    chart_path: &str,
    value_opts: &ValueOptions,
    opts: &TemplateOptions,
    early: &mut Vec<String>,
) -> Result<Rendered, ActionError> {
    locate_chart(chart_path)?;
    // Helm merges the value flags before it loads the chart.
    let user = value_opts
        .merge_values()
        .map_err(|e| ActionError::Values(e.to_string()))?;
    let mut ch = chart::load(chart_path)?;
    let warnings = early;
    warnings.append(&mut ch.warnings);
    // Helm's checkIfInstallable: only application charts (type "" or "application").
    if !matches!(ch.metadata.chart_type.as_str(), "" | "application") {
        return Err(ActionError::Other(format!(
            "{} charts are not installable",
            ch.metadata.chart_type
        )));
    }
    if ch.metadata.deprecated {
        warnings.push("WARNING: This chart is deprecated".into());
    }
    validate_release_name(&opts.release_name)?;
    check_dependencies(&ch)?;
    let ops = chart::dependencies::HelmValuesOps::default();
    let dep_warnings = chart::process_dependencies(&mut ch, &user, &ops, true)?;
    warnings.extend(dep_warnings);
    // Coalescing warnings raised while dependencies were processed.
    if let Ok(mut w) = ops.warnings.lock() {
        warnings.append(&mut w);
    }
    let mut caps = Capabilities::default();
    if let Some(kv) = &opts.kube_version {
        caps = caps.with_kube_version(kv).map_err(ActionError::Other)?;
    }
    for a in &opts.api_versions {
        caps.api_versions.push(a.clone());
    }
    // Parsing the templates needs no values: it runs on another thread while the
    // values are coalesced and validated (errors keep Helm's order: values first).
    let engine = template_engine(opts);
    let (coalesced, parsed) = std::thread::scope(|sc| {
        let parser = sc.spawn(|| engine.parse_templates(&ch));
        let coalesced = values::render_values(&ch, &user, opts.skip_schema_validation);
        let parsed = match parser.join() {
            Ok(p) => p,
            // The parser thread panicked: parse here instead.
            Err(_) => engine.parse_templates(&ch),
        };
        (coalesced, parsed)
    });
    let coalesced = coalesced.map_err(|e| ActionError::Values(e.to_string()))?;
    warnings.extend(coalesced.warnings.iter().map(|w| w.to_string()));
    let rendered = render_resources_parsed(
        &ch,
        &coalesced.values,
        opts,
        &caps,
        warnings.clone(),
        Some(parsed),
    );
    if rendered.is_ok() {
        warnings.clear();
    }
    if opts.skip_teardown {
        // The process ends after this render: leave the chart and values unfreed.
        std::mem::forget(ch);
        std::mem::forget(coalesced);
        std::mem::forget(user);
    }
    rendered
}

fn template_engine(opts: &TemplateOptions) -> Engine {
    Engine {
        enable_dns: opts.enable_dns,
        skip_teardown: opts.skip_teardown,
        lookup: opts.lookup.clone(),
        ..Engine::default()
    }
}

/// Helm's `renderResources`: kubeVersion check, render, NOTES, sort, CRDs.
pub fn render_resources(
    ch: &Chart,
    values: &Value,
    opts: &TemplateOptions,
    caps: &Capabilities,
    warnings: Vec<String>,
) -> Result<Rendered, ActionError> {
    render_resources_parsed(ch, values, opts, caps, warnings, None)
}

/// [`render_resources`], parsing the chart's templates on another thread while `values`
/// (a closure: coalescing and schema validation) are made, as `render_template` does.
/// Errors keep Helm's order: values first.
pub fn render_resources_with_values(
    ch: &Chart,
    values: impl FnOnce() -> Result<(Value, Vec<String>), ActionError>,
    opts: &TemplateOptions,
    caps: &Capabilities,
    mut warnings: Vec<String>,
) -> Result<Rendered, ActionError> {
    let engine = template_engine(opts);
    let (vals, parsed) = std::thread::scope(|sc| {
        let parser = sc.spawn(|| engine.parse_templates(ch));
        let vals = values();
        let parsed = match parser.join() {
            Ok(p) => p,
            Err(_) => engine.parse_templates(ch),
        };
        (vals, parsed)
    });
    let (vals, w) = vals?;
    warnings.extend(w);
    render_resources_parsed(ch, &vals, opts, caps, warnings, Some(parsed))
}

/// [`render_resources`], with the templates already parsed (or their parse error).
fn render_resources_parsed(
    ch: &Chart,
    values: &Value,
    opts: &TemplateOptions,
    caps: &Capabilities,
    mut warnings: Vec<String>,
    parsed: Option<Result<ParsedTemplates, RenderError>>,
) -> Result<Rendered, ActionError> {
    if !ch.metadata.kube_version.is_empty()
        && !chart::semver::is_compatible_range(&ch.metadata.kube_version, &caps.kube_version)
    {
        return Err(ActionError::Render(format!(
            "chart requires kubeVersion: {} which is incompatible with Kubernetes {}",
            ch.metadata.kube_version, caps.kube_version
        )));
    }
    let engine = template_engine(opts);
    let release = ReleaseInfo {
        name: opts.release_name.clone(),
        namespace: opts.namespace.clone(),
        revision: opts.revision.max(1),
        is_install: !opts.is_upgrade,
        is_upgrade: opts.is_upgrade,
    };
    let parsed = match parsed {
        Some(p) => p?,
        None => engine.parse_templates(ch)?,
    };
    // The documents of each rendered file are split and their heads read (a full YAML
    // scan) on another thread while the next files render. Heads the reader has not
    // read when rendering ends are left to sort_manifests_read, which reads big
    // remainders on all cores instead of on the reader alone.
    let rendered_all = std::sync::atomic::AtomicBool::new(false);
    let (files, mut read) = std::thread::scope(|sc| {
        let (tx, rx) = std::sync::mpsc::channel::<(String, String)>();
        let rendered_all = &rendered_all;
        let reader = sc.spawn(move || {
            let mut read = HashMap::new();
            let stop = || rendered_all.load(std::sync::atomic::Ordering::Relaxed);
            for (path, text) in rx {
                // NOTES.txt files are not manifests (they are taken out below).
                if path.ends_with("NOTES.txt") {
                    continue;
                }
                if let Some(r) = read_file_heads_until(&path, &text, &stop) {
                    read.insert(path, r);
                }
            }
            read
        });
        let files = {
            let mut send = |path: &str, text: &str| {
                let _ = tx.send((path.to_string(), text.to_string()));
            };
            engine.render_parsed_each(parsed, ch, values, &release, caps, &mut send)
        };
        rendered_all.store(true, std::sync::atomic::Ordering::Relaxed);
        drop(tx);
        // A reader that panicked read nothing: sort_manifests reads everything itself.
        let read = reader.join().unwrap_or_default();
        (files, read)
    });
    let mut files = files?;
    let notes_path = format!("{}/templates/NOTES.txt", ch.name());
    let mut notes = String::new();
    files.retain(|k, v| {
        if k.ends_with("NOTES.txt") {
            if opts.sub_notes {
                // helm joins every chart's notes, each after a newline.
                notes.push('\n');
                notes.push_str(v);
            } else if *k == notes_path {
                notes = v.clone();
            }
            return false;
        }
        true
    });
    let blob = |files: &std::collections::BTreeMap<String, String>| {
        let mut b = String::new();
        for (name, content) in files {
            if !content.trim().is_empty() {
                b.push_str(&format!("---\n# Source: {name}\n{content}\n"));
            }
        }
        b
    };
    let kept = if opts.keep_failed_manifest {
        files.clone()
    } else {
        Default::default()
    };
    let (hooks, manifests) =
        match sort_manifests_read(files, &mut read, INSTALL_ORDER, &mut warnings) {
            Ok(x) => x,
            Err(e) => {
                return Err(ActionError::RenderManifest {
                    message: e.to_string(),
                    manifest: blob(&kept),
                })
            }
        };
    let crds = if opts.include_crds {
        ch.crd_objects()
            .into_iter()
            .map(|(path, f)| {
                // Valid UTF-8 (nearly always) is checked fast and not copied again.
                let text = match f.read()? {
                    std::borrow::Cow::Owned(v) => String::from_utf8(v)
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                    std::borrow::Cow::Borrowed(b) => {
                        crate::chart::loader::utf8_fast(b).into_owned()
                    }
                };
                Ok((path, text))
            })
            .collect::<Result<_, ChartError>>()?
    } else {
        Vec::new()
    };
    Ok(Rendered {
        crds,
        manifests,
        hooks,
        notes,
        warnings,
    })
}

/// Go's `filepath.Match` on `/`-separated paths.
pub fn path_match(pattern: &str, name: &str) -> bool {
    fn m(p: &[u8], n: &[u8]) -> bool {
        if p.is_empty() {
            return n.is_empty();
        }
        match p[0] {
            b'*' => {
                let rest = &p[1..];
                for i in 0..=n.len() {
                    if i > 0 && n[i - 1] == b'/' {
                        break;
                    }
                    if m(rest, &n[i..]) {
                        return true;
                    }
                }
                false
            }
            b'?' => !n.is_empty() && n[0] != b'/' && m(&p[1..], &n[1..]),
            b'[' => {
                if n.is_empty() || n[0] == b'/' {
                    return false;
                }
                let mut i = 1;
                let negate = p.get(1) == Some(&b'^');
                if negate {
                    i += 1;
                }
                let mut matched = false;
                let mut first = true;
                while i < p.len() && (first || p[i] != b']') {
                    first = false;
                    let mut lo = p[i];
                    if lo == b'\\' && i + 1 < p.len() {
                        i += 1;
                        lo = p[i];
                    }
                    let mut hi = lo;
                    if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
                        hi = p[i + 2];
                        i += 2;
                    }
                    if lo <= n[0] && n[0] <= hi {
                        matched = true;
                    }
                    i += 1;
                }
                if i >= p.len() {
                    return false;
                }
                matched != negate && m(&p[i + 1..], &n[1..])
            }
            b'\\' if p.len() > 1 => !n.is_empty() && n[0] == p[1] && m(&p[2..], &n[1..]),
            c => !n.is_empty() && n[0] == c && m(&p[1..], &n[1..]),
        }
    }
    m(pattern.as_bytes(), name.as_bytes())
}

impl Rendered {
    /// The manifest text Helm records: CRDs (if included) and manifests, each as
    /// `---\n# Source: PATH\nCONTENT\n`.
    pub fn manifest_text(&self) -> String {
        self.manifest_pieces().concat()
    }

    /// [`Rendered::manifest_text`] as the pieces it is made of (no copy of the documents).
    fn manifest_pieces(&self) -> Vec<&str> {
        let mut b = Vec::with_capacity(5 * (self.crds.len() + self.manifests.len()));
        for (p, c) in &self.crds {
            b.extend(["---\n# Source: ", p.as_str(), "\n", c.as_str(), "\n"]);
        }
        for m in &self.manifests {
            b.extend([
                "---\n# Source: ",
                m.name.as_str(),
                "\n",
                m.content.as_str(),
                "\n",
            ]);
        }
        b
    }

    /// Writes `helm template`'s standard output for an unchanged manifest (no
    /// post-renderer) and no `--show-only` straight to `w`, piece by piece, instead of
    /// building it in memory first: the same bytes as [`Rendered::template_output`] of
    /// [`Rendered::manifest_text`]. Each piece goes through `emit`, which writes it
    /// (converting escaped Go bytes back, for instance).
    pub fn write_template_output(
        &self,
        opts: &TemplateOptions,
        emit: &mut dyn FnMut(&str) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut pieces = self.manifest_pieces();
        trim_pieces(&mut pieces);
        for p in pieces {
            emit(p)?;
        }
        emit("\n")?;
        for h in self.printed_hooks(opts) {
            for p in [
                "---\n# Source: ",
                h.path.as_str(),
                "\n",
                h.manifest.as_str(),
                "\n",
            ] {
                emit(p)?;
            }
        }
        Ok(())
    }

    /// The hooks `helm template` prints, in order.
    fn printed_hooks<'s>(&'s self, opts: &'s TemplateOptions) -> impl Iterator<Item = &'s Hook> {
        self.hooks.iter().filter(move |h| {
            let is_test = h.events.iter().any(|e| e == "test");
            !(opts.no_hooks || (opts.skip_tests && is_test))
        })
    }

    /// `helm template`'s standard output. `manifest` is [`Rendered::manifest_text`],
    /// possibly piped through a post-renderer.
    pub fn template_output(
        &self,
        manifest: &str,
        opts: &TemplateOptions,
    ) -> Result<String, ActionError> {
        let mut all = String::new();
        all.push_str(manifest.trim());
        all.push('\n');
        for h in self.printed_hooks(opts) {
            all.push_str("---\n# Source: ");
            all.push_str(&h.path);
            all.push('\n');
            all.push_str(&h.manifest);
            all.push('\n');
        }
        if opts.show_only.is_empty() {
            return Ok(all);
        }
        let docs = split_manifests(&all);
        let mut out = String::new();
        for pat in &opts.show_only {
            let mut missing = true;
            for d in &docs {
                let Some(rest) = source_rest(d) else { continue };
                if !path_match(pat, rest) {
                    continue;
                }
                out.push_str("---\n");
                out.push_str(d);
                out.push('\n');
                missing = false;
            }
            if missing {
                return Err(ActionError::Other(format!(
                    "could not find template {pat} in chart"
                )));
            }
        }
        Ok(out)
    }
}

/// Trims white space off the start and the end of the concatenation of `pieces`, as
/// `str::trim` would on the joined text, by shortening or dropping pieces.
fn trim_pieces(pieces: &mut Vec<&str>) {
    let first = pieces.iter().position(|p| !p.trim_start().is_empty());
    let Some(first) = first else {
        pieces.clear();
        return;
    };
    pieces.drain(..first);
    pieces[0] = pieces[0].trim_start();
    while let Some(last) = pieces.last_mut() {
        let t = last.trim_end();
        if t.is_empty() {
            pieces.pop();
        } else {
            *last = t;
            break;
        }
    }
}

/// The part after `# Source: CHART/` (Helm's `# Source: [^/]+/(.+)`).
fn source_rest(doc: &str) -> Option<&str> {
    let i = doc.find("# Source: ")?;
    let after = &doc[i + "# Source: ".len()..];
    let slash = after.find('/')?;
    if slash == 0 || after[..slash].contains('\n') {
        return None;
    }
    let rest = &after[slash + 1..];
    let end = rest.find('\n').unwrap_or(rest.len());
    let rest = &rest[..end];
    if rest.is_empty() {
        None
    } else {
        Some(rest)
    }
}

/// Writes done by `--output-dir`, in Helm's order (CRDs, manifests, then hooks): the path
/// relative to the directory and one `---\n# Source: PATH\n...` block. A path that occurs
/// again is appended to (Helm prints `wrote PATH` for every write).
pub fn output_dir_files(
    r: &Rendered,
    manifest: &str,
    opts: &TemplateOptions,
    use_release_name: bool,
) -> Vec<(String, String)> {
    let _ = manifest;
    let mut files: Vec<(String, String)> = Vec::new();
    let prefix = if use_release_name {
        format!("{}/", opts.release_name)
    } else {
        String::new()
    };
    // Helm writes CRDs under the chart's directory, never under the release name.
    for (p, c) in &r.crds {
        files.push((p.clone(), format!("---\n# Source: {p}\n{c}\n")));
    }
    let mut add = |path: &str, content: &str| {
        files.push((
            format!("{prefix}{path}"),
            format!("---\n# Source: {path}\n{content}\n"),
        ));
    };
    for m in &r.manifests {
        add(&m.name, &m.content);
    }
    if !opts.no_hooks {
        for h in &r.hooks {
            if opts.skip_tests && h.events.iter().any(|e| e == "test") {
                continue;
            }
            add(&h.path, &h.manifest);
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::trim_pieces;

    /// Every way of cutting some texts into up to three pieces trims like `str::trim`
    /// of the joined text.
    #[test]
    fn trim_pieces_trims_the_joined_text() {
        let parts = [
            "",
            " ",
            "\n\n",
            "a",
            " a ",
            "\t---\n",
            "x\n \n",
            "\u{a0}b\u{2003}",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    let mut pieces = vec![a, b, c];
                    let joined = pieces.concat();
                    trim_pieces(&mut pieces);
                    assert_eq!(pieces.concat(), joined.trim(), "{a:?} {b:?} {c:?}");
                }
            }
        }
    }
}
