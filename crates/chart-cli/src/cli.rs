//! Command-line arguments (clap derive only; no logic here).

use clap::{Args, Parser, Subcommand};

/// The Kubernetes package manager, Helm-compatible.
#[derive(Parser, Debug)]
#[command(name = "chart", version, about, disable_version_flag = true)]
pub struct Cli {
    /// Global flags.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command (none: print the help).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags every command takes, named as helm names them.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// namespace scope for this request
    #[arg(short = 'n', long, global = true, env = "HELM_NAMESPACE")]
    pub namespace: Option<String>,
    /// enable verbose output (also HELM_DEBUG, read as Go's strconv.ParseBool reads it)
    #[arg(long, global = true)]
    pub debug: bool,
    /// name of the kubeconfig context to use
    #[arg(long = "kube-context", global = true)]
    pub kube_context: Option<String>,
    /// path to the kubeconfig file
    #[arg(long, global = true)]
    pub kubeconfig: Option<String>,
    /// the address and the port for the Kubernetes API server
    #[arg(long = "kube-apiserver", global = true)]
    pub kube_apiserver: Option<String>,
    /// bearer token used for authentication
    #[arg(long = "kube-token", global = true)]
    pub kube_token: Option<String>,
    /// username to impersonate for the operation
    #[arg(long = "kube-as-user", global = true)]
    pub kube_as_user: Option<String>,
    /// group to impersonate for the operation, this flag can be repeated to specify multiple groups.
    #[arg(long = "kube-as-group", global = true)]
    pub kube_as_group: Vec<String>,
    /// the certificate authority file for the Kubernetes API server connection
    #[arg(long = "kube-ca-file", global = true)]
    pub kube_ca_file: Option<String>,
    /// server name to use for Kubernetes API server certificate validation. If it is not provided, the hostname used to contact the server is used
    #[arg(long = "kube-tls-server-name", global = true)]
    pub kube_tls_server_name: Option<String>,
    /// if true, the Kubernetes API server's certificate will not be checked for validity. This will make your HTTPS connections insecure
    #[arg(long = "kube-insecure-skip-tls-verify", global = true)]
    pub kube_insecure_skip_tls_verify: bool,
    /// client-side default throttling limit
    #[arg(long = "burst-limit", global = true, value_name = "int", value_parser = crate::cobra::GoInt)]
    pub burst_limit: Option<i64>,
    /// queries per second used when communicating with the Kubernetes API, not including bursting
    #[arg(long = "qps", global = true, value_name = "float32", value_parser = crate::cobra::GoFloat32)]
    pub qps: Option<f32>,
    /// path to the registry config file
    #[arg(long = "registry-config", global = true)]
    pub registry_config: Option<String>,
    /// path to the directory containing cached repository indexes
    #[arg(long = "repository-cache", global = true)]
    pub repository_cache: Option<String>,
    /// path to the file containing repository names and URLs
    #[arg(long = "repository-config", global = true)]
    pub repository_config: Option<String>,
}

/// Commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// locally render templates
    Template(Box<TemplateArgs>),
    /// print the client version information
    Version(VersionArgs),
    /// examine a chart for possible issues
    Lint(crate::commands::lint::LintArgs),
    /// show information of a chart
    #[command(alias = "inspect")]
    Show(ShowArgs),
    /// create a new chart with the given name
    Create(CreateArgs),
    /// fetch release history
    #[command(alias = "hist")]
    History(HistoryArgs),
    /// display the status of the named release
    Status(StatusArgs),
    /// list releases
    #[command(alias = "ls")]
    List(ListArgs),
    /// download extended information of a named release
    Get(GetArgs),
    /// install a chart
    Install(Box<crate::commands::install::InstallArgs>),
    /// upgrade a release
    Upgrade(Box<crate::commands::upgrade::UpgradeArgs>),
    /// roll back a release to a previous revision
    Rollback(crate::commands::rollback::RollbackArgs),
    /// uninstall a release
    #[command(visible_aliases = ["del", "delete", "un"])]
    Uninstall(crate::commands::uninstall::UninstallArgs),
    /// run tests for a release
    Test(crate::commands::release_testing::TestArgs),
    /// package a chart directory into a chart archive
    Package(crate::commands::package::PackageArgs),
    /// add, list, remove, update, and index chart repositories
    Repo(crate::commands::repo::RepoArgs),
    /// search for a keyword in charts
    Search(crate::commands::search::SearchArgs),
    /// download a chart from a repository and (optionally) unpack it in local directory
    #[command(alias = "fetch")]
    Pull(crate::commands::pull::PullArgs),
    /// push a chart to remote
    Push(crate::commands::push::PushArgs),
    /// login to or logout from a registry
    Registry(crate::commands::registry::RegistryArgs),
    /// manage a chart's dependencies
    #[command(alias = "dep", alias = "dependencies")]
    Dependency(crate::commands::dependency::DependencyArgs),
    /// verify that a chart at the given path has been signed and is valid
    Verify(crate::commands::verify::VerifyArgs),
    /// helm client environment information
    Env(crate::commands::env::EnvArgs),
    /// install, list, or uninstall Helm plugins
    #[command(long_about = "Manage client-side Helm plugins.")]
    Plugin(crate::commands::plugin::PluginArgs),
    /// generate autocompletion scripts for the specified shell
    #[command(long_about = "Generate autocompletion scripts for chart for the specified shell.")]
    Completion(crate::commands::completion::CompletionArgs),
    /// Help about any command
    #[command(hide = true)]
    Help(HelpArgs),
}

/// `chart help [COMMAND...]`.
#[derive(Args, Debug, Clone)]
pub struct HelpArgs {
    /// the command to describe
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
}

/// `chart history RELEASE_NAME`.
#[derive(Args, Debug, Clone)]
pub struct HistoryArgs {
    /// the release name
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// maximum number of revision to include in history
    #[arg(long, default_value_t = 256, allow_negative_numbers = true, value_name = "int", value_parser = crate::cobra::GoInt)]
    pub max: i64,
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long, default_value = "table", value_name = "format", value_parser = crate::cobra::OutputFormatFlag)]
    pub output: String,
}

/// `chart status RELEASE_NAME`.
#[derive(Args, Debug, Clone)]
pub struct StatusArgs {
    /// the release name
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// if set, display the status of the named release with revision
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_name = "int", value_parser = crate::cobra::GoInt)]
    pub revision: i64,
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long, default_value = "table", value_name = "format", value_parser = crate::cobra::OutputFormatFlag)]
    pub output: String,
    /// if set, display the description message of the named release
    #[arg(long = "show-desc")]
    pub show_desc: bool,
    /// if set, display the resources of the named release
    #[arg(long = "show-resources")]
    pub show_resources: bool,
    /// wait until the release's resources are ready (as install --wait does), then print the status
    #[arg(long)]
    pub wait: bool,
    /// with --wait, also wait until all Jobs have completed
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    /// with --wait, how long to wait for the resources to be ready
    #[arg(long, default_value = "5m0s", value_name = "duration", value_parser = crate::cobra::GoDuration)]
    pub timeout: String,
}

/// `chart list`.
#[derive(Args, Debug, Clone)]
pub struct ListArgs {
    /// no arguments are accepted
    #[arg(num_args = 0.., hide = true)]
    pub args: Vec<String>,
    /// output short (quiet) listing format
    #[arg(short = 'q', long)]
    pub short: bool,
    /// don't print headers when using the default output format
    #[arg(long = "no-headers")]
    pub no_headers: bool,
    /// format time using golang time formatter. Example: --time-format "2006-01-02 15:04:05Z0700"
    #[arg(long = "time-format", default_value = "", allow_hyphen_values = true)]
    pub time_format: String,
    /// sort by release date
    #[arg(short = 'd', long)]
    pub date: bool,
    /// reverse the sort order
    #[arg(short = 'r', long)]
    pub reverse: bool,
    /// show all releases without any filter applied
    #[arg(short = 'a', long)]
    pub all: bool,
    /// show uninstalled releases (if 'helm uninstall --keep-history' was used)
    #[arg(long)]
    pub uninstalled: bool,
    /// show superseded releases
    #[arg(long)]
    pub superseded: bool,
    /// show releases that are currently being uninstalled
    #[arg(long)]
    pub uninstalling: bool,
    /// show deployed releases. If no other is specified, this will be automatically enabled
    #[arg(long)]
    pub deployed: bool,
    /// show failed releases
    #[arg(long)]
    pub failed: bool,
    /// show pending releases
    #[arg(long)]
    pub pending: bool,
    /// list releases across all namespaces
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
    /// maximum number of releases to fetch
    #[arg(
        short = 'm',
        long = "max",
        default_value_t = 256,
        allow_negative_numbers = true,
        value_name = "int",
        value_parser = crate::cobra::GoInt
    )]
    pub max: i64,
    /// next release index in the list, used to offset from start value
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_name = "int", value_parser = crate::cobra::GoInt)]
    pub offset: i64,
    /// a regular expression (Perl compatible). Any releases that match the expression will be included in the results
    #[arg(short = 'f', long, default_value = "", allow_hyphen_values = true)]
    pub filter: String,
    /// Selector (label query) to filter on, supports '=', '==', and '!='.(e.g. -l key1=value1,key2=value2). Works only for secret(default) and configmap storage backends.
    #[arg(short = 'l', long, default_value = "", allow_hyphen_values = true)]
    pub selector: String,
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long, default_value = "table", value_name = "format", value_parser = crate::cobra::OutputFormatFlag)]
    pub output: String,
}

/// `chart get`.
#[derive(Args, Debug, Clone)]
pub struct GetArgs {
    /// What to get.
    #[command(subcommand)]
    pub what: Option<GetCommand>,
}

/// `chart get` subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum GetCommand {
    /// download all information for a named release
    All(GetAllArgs),
    /// download the values file for a named release
    Values(GetValuesArgs),
    /// download the manifest for a named release
    Manifest(GetRevisionArgs),
    /// download all hooks for a named release
    Hooks(GetRevisionArgs),
    /// download the notes for a named release
    Notes(GetRevisionArgs),
    /// This command fetches metadata for a given release
    Metadata(GetMetadataArgs),
}

/// `chart get manifest|hooks|notes RELEASE_NAME`.
#[derive(Args, Debug, Clone)]
pub struct GetRevisionArgs {
    /// the release name
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// get the named release with revision
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_name = "int", value_parser = crate::cobra::GoInt)]
    pub revision: i64,
}

/// `chart get all RELEASE_NAME`.
#[derive(Args, Debug, Clone)]
pub struct GetAllArgs {
    /// Name and revision.
    #[command(flatten)]
    pub common: GetRevisionArgs,
    /// go template for formatting the output, eg: {{.Release.Name}}
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub template: String,
}

/// `chart get values RELEASE_NAME`.
#[derive(Args, Debug, Clone)]
pub struct GetValuesArgs {
    /// Name and revision.
    #[command(flatten)]
    pub common: GetRevisionArgs,
    /// dump all (computed) values
    #[arg(short = 'a', long)]
    pub all: bool,
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long, default_value = "table", value_name = "format", value_parser = crate::cobra::OutputFormatFlag)]
    pub output: String,
}

/// `chart get metadata RELEASE_NAME`.
#[derive(Args, Debug, Clone)]
pub struct GetMetadataArgs {
    /// Name and revision.
    #[command(flatten)]
    pub common: GetRevisionArgs,
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long, default_value = "table", value_name = "format", value_parser = crate::cobra::OutputFormatFlag)]
    pub output: String,
}

/// `--set` family and `-f`.
#[derive(Args, Debug, Clone, Default)]
pub struct ValuesArgs {
    /// specify values in a YAML file or a URL (can specify multiple)
    // A pflag string slice: each value is split on commas (and "" adds nothing) by
    // `commands::template::value_options`.
    #[arg(short = 'f', long = "values", value_name = "strings")]
    pub values: Vec<String>,
    /// set values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)
    #[arg(long = "set")]
    pub set: Vec<String>,
    /// set STRING values on the command line
    #[arg(long = "set-string")]
    pub set_string: Vec<String>,
    /// set values from respective files specified via the command line
    #[arg(long = "set-file")]
    pub set_file: Vec<String>,
    /// set JSON values on the command line
    #[arg(long = "set-json")]
    pub set_json: Vec<String>,
    /// set a literal STRING value on the command line
    #[arg(long = "set-literal")]
    pub set_literal: Vec<String>,
}

/// `chart template [NAME] [CHART]`.
#[derive(Args, Debug, Clone)]
pub struct TemplateArgs {
    /// release name and chart (`NAME CHART`, or just `CHART`)
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// values
    #[command(flatten)]
    pub values: ValuesArgs,
    /// only show manifests rendered from the given templates
    #[arg(short = 's', long = "show-only")]
    pub show_only: Vec<String>,
    /// include CRDs in the templated output
    #[arg(long = "include-crds")]
    pub include_crds: bool,
    /// skip tests from templated output
    #[arg(long = "skip-tests")]
    pub skip_tests: bool,
    /// prevent hooks from running during install
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// Kubernetes version used for Capabilities.KubeVersion
    #[arg(long = "kube-version")]
    pub kube_version: Option<String>,
    /// Kubernetes api versions used for Capabilities.APIVersions
    #[arg(
        short = 'a',
        long = "api-versions",
        value_delimiter = ',',
        value_name = "strings"
    )]
    pub api_versions: Vec<String>,
    /// set .Release.IsUpgrade instead of .Release.IsInstall
    #[arg(long = "is-upgrade")]
    pub is_upgrade: bool,
    /// writes the executed templates to files in output-dir instead of stdout
    #[arg(long = "output-dir")]
    pub output_dir: Option<String>,
    /// use release name in the output-dir path
    #[arg(long = "release-name")]
    pub release_name: bool,
    /// specify template used to name the release
    #[arg(long = "name-template")]
    pub name_template: Option<String>,
    /// generate the name (and omit the NAME parameter)
    #[arg(short = 'g', long = "generate-name")]
    pub generate_name: bool,
    /// the path to an executable to be used for post rendering
    #[arg(long = "post-renderer", value_name = "postRendererString")]
    pub post_renderer: Option<String>,
    /// an argument to the post-renderer (can specify multiple)
    #[arg(long = "post-renderer-args", value_name = "postRendererArgsSlice")]
    pub post_renderer_args: Vec<String>,
    /// disables rendered templates validation against the values.schema.json
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
    /// enable DNS lookups when rendering templates
    #[arg(long = "enable-dns")]
    pub enable_dns: bool,
    /// validate manifests against the cluster (needs a cluster; accepted for compatibility)
    #[arg(long = "validate")]
    pub validate: bool,
    /// specify a version constraint for the chart version to use
    #[arg(long = "version")]
    pub version: Option<String>,
    /// chart repository url where to locate the requested chart
    #[arg(long = "repo")]
    pub repo: Option<String>,
    /// use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long = "devel")]
    pub devel: bool,
    /// update dependencies if they are missing before installing the chart
    #[arg(long = "dependency-update")]
    pub dependency_update: bool,
    /// simulate an install (accepted for compatibility)
    #[arg(long = "dry-run", num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<String>,
    /// create the release namespace if not present
    #[arg(long = "create-namespace")]
    pub create_namespace: bool,
    /// install's flags, which template accepts too
    #[command(flatten)]
    pub install: InstallFlags,
}

/// Flags of `helm install` that `helm template` accepts as well (it shares install's flag
/// set). Template checks their values as install does; the cluster-side ones change nothing
/// in the rendered output.
#[derive(Args, Debug, Clone, Default)]
pub struct InstallFlags {
    /// if set, the installation process deletes the installation on failure. The --wait flag will be set automatically if --atomic is used
    #[arg(long)]
    pub atomic: bool,
    /// if set, will wait until all resources are ready before marking the release as successful
    #[arg(long)]
    pub wait: bool,
    /// if set and --wait enabled, will wait until all Jobs have been completed before marking the release as successful
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    /// time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long, default_value = "5m0s", value_name = "duration", value_parser = crate::cobra::GoDuration)]
    pub timeout: String,
    /// if set, no CRDs will be installed. By default, CRDs are installed if not already present
    #[arg(long = "skip-crds")]
    pub skip_crds: bool,
    /// if set, render subchart notes along with the parent
    #[arg(long = "render-subchart-notes")]
    pub render_subchart_notes: bool,
    /// add a custom description
    #[arg(long)]
    pub description: Option<String>,
    /// Labels that would be added to release metadata. Should be divided by comma.
    #[arg(short = 'l', long, value_name = "stringToString")]
    pub labels: Vec<String>,
    /// if set, do not show notes in install output. Does not affect presence in chart metadata
    #[arg(long = "hide-notes")]
    pub hide_notes: bool,
    /// re-use the given name, only if that name is a deleted release which remains in the history. This is unsafe in production
    #[arg(long)]
    pub replace: bool,
    /// force resource updates through a replacement strategy
    #[arg(long)]
    pub force: bool,
    /// if set, the installation process will not validate rendered templates against the Kubernetes OpenAPI Schema
    #[arg(long = "disable-openapi-validation")]
    pub disable_openapi_validation: bool,
    /// if set, install will ignore the check for helm annotations and take ownership of the existing resources
    #[arg(long = "take-ownership")]
    pub take_ownership: bool,
    /// chart download options
    #[command(flatten)]
    pub chart_path: ChartPathFlags,
}

/// The registry and repository client flags of a chart download: credentials and TLS
/// (`dependency update|build`, `package`, and within [`ChartPathFlags`]).
#[derive(Args, Debug, Clone, Default)]
pub struct RegistryClientFlags {
    /// chart repository username where to locate the requested chart
    #[arg(long, default_value = "")]
    pub username: String,
    /// chart repository password where to locate the requested chart
    #[arg(long, default_value = "")]
    pub password: String,
    /// identify HTTPS client using this SSL certificate file
    #[arg(long = "cert-file", default_value = "")]
    pub cert_file: String,
    /// identify HTTPS client using this SSL key file
    #[arg(long = "key-file", default_value = "")]
    pub key_file: String,
    /// skip tls certificate checks for the chart download
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// use insecure HTTP connections for the chart download
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// verify certificates of HTTPS-enabled servers using this CA bundle
    #[arg(long = "ca-file", default_value = "")]
    pub ca_file: String,
}

/// helm's chart path options (how a chart is downloaded), beyond --version/--repo/--devel
/// (whose help texts differ between commands).
#[derive(Args, Debug, Clone, Default)]
pub struct ChartPathFlags {
    /// credentials and TLS
    #[command(flatten)]
    pub client: RegistryClientFlags,
    /// location of public keys used for verification
    #[arg(long)]
    pub keyring: Option<String>,
    /// pass credentials to all domains
    #[arg(long = "pass-credentials")]
    pub pass_credentials: bool,
    /// verify the package before using it
    #[arg(long)]
    pub verify: bool,
}

/// `chart version`.
#[derive(Args, Debug, Clone)]
pub struct VersionArgs {
    /// print the version number
    #[arg(long)]
    pub short: bool,
    /// template for version string format
    #[arg(long)]
    pub template: Option<String>,
    /// display client version information (helm's hidden, deprecated flag; no effect)
    #[arg(short = 'c', long, hide = true)]
    pub client: bool,
}

/// `chart show`.
#[derive(Args, Debug, Clone)]
pub struct ShowArgs {
    /// What to show.
    #[command(subcommand)]
    pub what: Option<ShowCommand>,
}

/// `chart show` subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum ShowCommand {
    /// show all information of the chart
    All(ShowChartArgs),
    /// show the chart's definition
    Chart(ShowChartArgs),
    /// show the chart's CRDs
    Crds(ShowChartArgs),
    /// show the chart's README
    Readme(ShowChartArgs),
    /// show the chart's values
    Values(ShowValuesArgs),
}

/// Flags of every `chart show` subcommand (helm's chart path options).
#[derive(Args, Debug, Clone)]
pub struct ShowChartArgs {
    /// the chart: a directory or a packaged chart
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long)]
    pub devel: bool,
    /// specify a version constraint for the chart version to use. This constraint can be a specific tag (e.g. 1.1.1) or it may reference a valid range (e.g. ^2.0.0). If this is not specified, the latest version is used
    #[arg(long)]
    pub version: Option<String>,
    /// chart repository url where to locate the requested chart
    #[arg(long)]
    pub repo: Option<String>,
    /// credentials, TLS and verification
    #[command(flatten)]
    pub chart_path: ChartPathFlags,
}

/// `chart show values`.
#[derive(Args, Debug, Clone)]
pub struct ShowValuesArgs {
    /// Common flags.
    #[command(flatten)]
    pub common: ShowChartArgs,
    /// supply a JSONPath expression to filter the output
    #[arg(long)]
    pub jsonpath: Option<String>,
}

/// `chart create NAME`.
#[derive(Args, Debug, Clone)]
pub struct CreateArgs {
    /// the chart name (a path: the chart is created in that directory)
    #[arg(num_args = 0..)]
    pub args: Vec<String>,
    /// the name or absolute path to Helm starter scaffold
    #[arg(short = 'p', long)]
    pub starter: Option<String>,
}
