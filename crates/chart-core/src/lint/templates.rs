//! Template rules (Helm's `rules.TemplatesWithSkipSchemaValidation`): render the chart in
//! lint mode, then check every root template: extension, v2-only constructs, indentation,
//! YAML validity and, per document, the object name, deprecated APIs, Deployment
//! selectors and `List` annotations.

use std::sync::OnceLock;

use gotmpl::Value;
use regex::bytes::Regex;

use super::k8s_deprecations::DEPRECATIONS;
use super::k8s_yaml::{
    decode_struct, is_json, json_values, list_has_resource_policy, yaml_documents, K8sObject,
};
use super::validate::validate_metadata_name;
use super::{LintOptions, Linter, Severity};
use crate::chart::{self, HelmValuesOps};
use crate::engine::{Capabilities, Engine, ReleaseInfo};
use crate::values::{render_values, RenderValuesError};

/// The Kubernetes release whose API lifecycle Helm 3.17.3 checks against by default
/// (its client-go is v0.32).
const DEFAULT_KUBE: (u64, u64) = (1, 32);

fn bytes_re(slot: &'static OnceLock<Option<Regex>>, src: &str) -> Option<&'static Regex> {
    slot.get_or_init(|| Regex::new(src).ok()).as_ref()
}

pub(super) fn run(linter: &mut Linter, values: &Value, opts: &LintOptions) {
    let mut fpath = "templates/".to_string();
    let tdir = linter.chart_dir.join("templates");
    let not_dir = std::fs::metadata(&tdir)
        .map(|m| !m.is_dir())
        .unwrap_or(false);
    if !linter.rule(
        Severity::Warning,
        &fpath,
        if not_dir {
            Err("not a directory".into())
        } else {
            Ok(())
        },
    ) {
        return;
    }
    let mut ch = match chart::load(&linter.chart_dir) {
        Ok(c) => c,
        Err(e) => {
            linter.rule(Severity::Error, &fpath, Err(e.helm_message()));
            return;
        }
    };
    linter.log.append(&mut ch.warnings);
    let mut caps = Capabilities::default();
    let mut current = DEFAULT_KUBE;
    if let Some(kv) = &opts.kube_version {
        if let Ok(c) = caps.clone().with_kube_version(kv) {
            if let Some(v) = chart::semver::parse_version(kv) {
                current = (v.major, v.minor);
            }
            caps = c;
        }
    }
    let ops = HelmValuesOps::default();
    let processed = chart::process_dependencies(&mut ch, values, &ops, true);
    if let Ok(mut w) = ops.warnings.lock() {
        linter.log.append(&mut w);
    }
    match processed {
        Ok(w) => linter.log.extend(w),
        Err(_) => return,
    }
    let coalesced = match render_values(&ch, values, opts.skip_schema_validation) {
        Ok(c) => c,
        Err(RenderValuesError::Coalesce(_)) => return,
        Err(e) => {
            linter.rule(Severity::Error, &fpath, Err(e.to_string()));
            return;
        }
    };
    linter
        .log
        .extend(coalesced.warnings.iter().map(|w| w.to_string()));
    let engine = Engine {
        lint_mode: true,
        ..Engine::default()
    };
    let release = ReleaseInfo {
        name: "test-release".into(),
        namespace: opts.namespace.clone(),
        revision: 0,
        is_install: false,
        is_upgrade: false,
    };
    let rendered = engine.render(&ch, &coalesced.values, &release, &caps);
    if let Ok(mut l) = engine.log.lock() {
        linter.log.append(&mut l);
    }
    let rendered = match rendered {
        Ok(r) => r,
        Err(e) => {
            linter.rule(Severity::Error, &fpath, Err(e.to_string()));
            return;
        }
    };

    static CRD_HOOK: OnceLock<Option<Regex>> = OnceLock::new();
    static RELEASE_TIME: OnceLock<Option<Regex>> = OnceLock::new();
    for t in &ch.templates {
        fpath = t.name.clone();
        let ext = go_ext(&t.name);
        linter.rule(
            Severity::Error,
            &fpath,
            if matches!(ext, ".yaml" | ".yml" | ".tpl" | ".txt") {
                Ok(())
            } else {
                Err(format!(
                    "file extension '{ext}' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt"
                ))
            },
        );
        let data = match t.read() {
            Ok(d) => d,
            Err(e) => {
                linter.rule(Severity::Error, &fpath, Err(e.to_string()));
                continue;
            }
        };
        let crd_hook = bytes_re(&CRD_HOOK, r#""?helm\.sh/hook"?:\s+crd-install"#)
            .is_some_and(|r| r.is_match(&data));
        linter.rule(
            Severity::Warning,
            &fpath,
            if crd_hook {
                Err("manifest is a crd-install hook. This hook is no longer supported in v3 and all CRDs should also exist the crds/ directory at the top level of the chart".into())
            } else {
                Ok(())
            },
        );
        let release_time =
            bytes_re(&RELEASE_TIME, r"\.Release\.Time").is_some_and(|r| r.is_match(&data));
        linter.rule(
            Severity::Error,
            &fpath,
            if release_time {
                Err(".Release.Time has been removed in v3, please replace with the `now` function in your templates".into())
            } else {
                Ok(())
            },
        );
        // Helm applies the remaining rules to `.yaml` files only.
        if ext != ".yaml" {
            continue;
        }
        let key = format!("{}/{}", ch.name(), t.name);
        let content = rendered.get(&key).map(String::as_str).unwrap_or("");
        if content.trim().is_empty() {
            continue;
        }
        linter.rule(Severity::Warning, &fpath, validate_top_indent(content));
        for doc in decode_documents(content) {
            let obj = match doc {
                Ok(o) => o,
                Err(e) => {
                    linter.rule(
                        Severity::Error,
                        &fpath,
                        Err(format!("unable to parse YAML: {e}")),
                    );
                    return;
                }
            };
            let Some(obj) = obj else { continue };
            linter.rule(
                Severity::Warning,
                &fpath,
                validate_metadata_name(&obj.kind, &obj.name),
            );
            linter.rule(
                Severity::Warning,
                &fpath,
                validate_no_deprecations(&obj, current),
            );
            linter.rule(
                Severity::Error,
                &fpath,
                validate_match_selector(&obj, content),
            );
            linter.rule(
                Severity::Error,
                &fpath,
                if obj.kind == "List" && list_has_resource_policy(content) {
                    Err(
                        "Annotation 'helm.sh/resource-policy' within List objects are ignored"
                            .into(),
                    )
                } else {
                    Ok(())
                },
            );
        }
    }
}

/// Go's `filepath.Ext`.
fn go_ext(name: &str) -> &str {
    let base_start = name.rfind('/').map_or(0, |i| i + 1);
    match name[base_start..].rfind('.') {
        Some(i) => &name[base_start + i..],
        None => "",
    }
}

/// Every document of a rendered file, decoded: `Ok(None)` for an empty one; an error
/// ends the list.
fn decode_documents(content: &str) -> Vec<Result<Option<K8sObject>, String>> {
    let mut out = Vec::new();
    if is_json(content) {
        for v in json_values(content) {
            match goyaml::from_json(&v) {
                Ok(val) => out.push(decode_struct(&val).map_err(|e| {
                    e.strip_prefix("error unmarshaling JSON: while decoding JSON: ")
                        .map(str::to_owned)
                        .unwrap_or(e)
                })),
                Err(e) => {
                    out.push(Err(e));
                    break;
                }
            }
        }
        return out;
    }
    for d in yaml_documents(content) {
        let r = d.and_then(|text| {
            goyaml::from_yaml(&text)
                .map_err(|e| e.to_string())
                .and_then(|v| decode_struct(&v))
        });
        let stop = r.is_err();
        out.push(r);
        if stop {
            break;
        }
    }
    out
}

/// Helm's `validateTopIndentLevel`: the first non-blank line must not be indented.
fn validate_top_indent(content: &str) -> Result<(), String> {
    for raw in content.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.len() >= 64 * 1024 {
            return Err("bufio.Scanner: token too long".into());
        }
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            return Err(format!(
                "document starts with an illegal indent: {}, which may cause parsing problems",
                gotmpl::fmt::go_quote(line)
            ));
        }
        return Ok(());
    }
    Ok(())
}

/// Helm's `validateNoDeprecations` against Kubernetes `current` (major, minor).
fn validate_no_deprecations(obj: &K8sObject, current: (u64, u64)) -> Result<(), String> {
    if obj.api_version.is_empty() || obj.kind.is_empty() {
        return Ok(());
    }
    let (group, version) = match obj.api_version.split('/').collect::<Vec<_>>().as_slice() {
        [v] => ("", *v),
        [g, v] => (*g, *v),
        _ => ("", ""),
    };
    let Some(row) = DEPRECATIONS
        .iter()
        .find(|r| r.0 == group && r.1 == version && r.2 == obj.kind)
    else {
        return Ok(());
    };
    let (dmaj, dmin) = (u64::from(row.3 .0), u64::from(row.3 .1));
    if dmaj == 0 && dmin == 0 {
        return Ok(());
    }
    if current != (0, 0) && (dmaj > current.0 || dmaj == current.0 && dmin > current.1) {
        return Ok(());
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut msg = format!("{gv} {} is deprecated in v{dmaj}.{dmin}+", obj.kind);
    if let Some((rmaj, rmin)) = row.4 {
        if rmaj != 0 || rmin != 0 {
            msg.push_str(&format!(", unavailable in v{rmaj}.{rmin}+"));
        }
    }
    if let Some((g, v, k)) = row.5 {
        if !(g.is_empty() && v.is_empty() && k.is_empty()) {
            let rgv = if g.is_empty() {
                v.to_string()
            } else {
                format!("{g}/{v}")
            };
            msg.push_str(&format!("; use {rgv} {k}"));
        }
    }
    Err(msg)
}

/// Helm's `validateMatchSelector`.
fn validate_match_selector(obj: &K8sObject, manifest: &str) -> Result<(), String> {
    if matches!(
        obj.kind.as_str(),
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet"
    ) && !(manifest.contains("matchLabels") || manifest.contains("matchExpressions"))
    {
        return Err(format!(
            "a {} must contain matchLabels or matchExpressions, and {} does not",
            obj.kind,
            gotmpl::fmt::go_quote(&obj.name)
        ));
    }
    Ok(())
}
