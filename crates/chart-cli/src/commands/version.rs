//! `chart version`: which Helm this is compatible with.

use std::borrow::Cow;
use std::process::ExitCode;

use chart_core::engine::objects::{HELM_GIT_COMMIT, HELM_GO_VERSION, HELM_VERSION};
use chart_core::gotmpl::{FuncMap, Object, Template, Value};

use crate::cli::VersionArgs;

/// Helm's `version.BuildInfo`, as `--template` sees it.
#[derive(Debug)]
struct BuildInfo;

impl Object for BuildInfo {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("version.BuildInfo")
    }
    fn get(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if !args.is_empty() {
            return None;
        }
        let v = match name {
            "Version" => HELM_VERSION,
            "GitCommit" => HELM_GIT_COMMIT,
            "GitTreeState" => "clean",
            "GoVersion" => HELM_GO_VERSION,
            _ => return None,
        };
        Some(Ok(Value::str(v)))
    }
    fn format(&self) -> String {
        format!("{{{HELM_VERSION} {HELM_GIT_COMMIT} clean {HELM_GO_VERSION}}}")
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

pub fn run(a: &VersionArgs) -> anyhow::Result<ExitCode> {
    if let Some(tpl) = a.template.as_deref().filter(|t| !t.is_empty()) {
        let mut t = Template::new(FuncMap::new());
        t.parse("_", tpl).map_err(|e| anyhow::anyhow!("{e}"))?;
        let data = Value::Object(std::sync::Arc::new(BuildInfo));
        // Go's template writes as it goes: text before a failing action is printed.
        let mut out = String::new();
        let res = t.execute_into("_", &data, &mut out);
        print!("{out}");
        res.map_err(|e| anyhow::anyhow!("{e}"))?;
    } else if a.short {
        let short = HELM_GIT_COMMIT.get(..7).unwrap_or(HELM_GIT_COMMIT);
        println!("{HELM_VERSION}+g{short}");
    } else {
        println!(
            "version.BuildInfo{{Version:\"{HELM_VERSION}\", GitCommit:\"{HELM_GIT_COMMIT}\", GitTreeState:\"clean\", GoVersion:\"{HELM_GO_VERSION}\"}}"
        );
    }
    Ok(ExitCode::SUCCESS)
}
