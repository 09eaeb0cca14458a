//! Plugins and completion against real things: shell-script plugins written here, installed
//! from a local directory, from a tarball served by a real local HTTP server (python3) and
//! from a local Git repository; every step is done by chart and by the real helm in twin
//! homes and must print the same, and what one installs the other lists and runs.
//! Completion: the bash script is sourced in a real bash and asked for completions.
//! Without helm, python3, git or bash these tests print why and pass, except under `CI`.

mod common;

use common::{chart_bin, free_port, helm_bin, need, same_as_helm, Ran, Scratch};

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn have(prog: &str) -> bool {
    Command::new(prog)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// One tool's home: its own data, cache, config and plugins directories.
struct Home {
    root: PathBuf,
    bin: PathBuf,
}

impl Home {
    fn new(base: &Path, name: &str, bin: PathBuf) -> Home {
        let root = base.join(format!("home-{name}"));
        std::fs::create_dir_all(&root).expect("home");
        Home { root, bin }
    }

    fn plugins(&self) -> PathBuf {
        self.root.join("data/plugins")
    }

    fn run(&self, args: &[&str]) -> Ran {
        let out = Command::new(&self.bin)
            .args(args)
            .current_dir(&self.root)
            .env("HELM_DATA_HOME", self.root.join("data"))
            .env("HELM_CACHE_HOME", self.root.join("cache"))
            .env("HELM_CONFIG_HOME", self.root.join("config"))
            .env("HELM_PLUGINS", self.plugins())
            .env("KUBECONFIG", self.root.join("kubeconfig"))
            .env_remove("HELM_NAMESPACE")
            .env_remove("HELM_DEBUG")
            .env_remove("HELM_NO_PLUGINS")
            .stdin(Stdio::null())
            .output()
            .expect("run");
        // The home's path and the binary's path differ between the twins.
        let norm = |b: &[u8]| {
            String::from_utf8_lossy(b)
                .replace(&self.root.display().to_string(), "<HOME>")
                .replace(&self.bin.display().to_string(), "<BIN>")
        };
        Ran {
            stdout: norm(&out.stdout),
            stderr: norm(&out.stderr),
            code: out.status.code().unwrap_or(-1),
        }
    }
}

/// Runs `args` with both tools and asserts the same stdout, stderr and exit code.
fn same(chart: &Home, helm: &Home, args: &[&str]) -> Ran {
    same_as_helm(&format!("{args:?}"), &helm.bin, |_, who| {
        if who == "helm" {
            helm.run(args)
        } else {
            chart.run(args)
        }
    })
}

/// A shell-script plugin in `dir/name`.
fn write_plugin(dir: &Path, name: &str, version: &str, hooks: bool) {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).expect("plugin dir");
    let mut yaml = format!(
        "name: {name}\nversion: {version}\nusage: say hello\ndescription: a test plugin\ncommand: \"$HELM_PLUGIN_DIR/run.sh\"\n"
    );
    if hooks {
        yaml.push_str(
            "hooks:\n  install: echo \"install hook of $HELM_PLUGIN_NAME\"\n  update: echo update hook\n  delete: echo delete hook\n",
        );
    }
    std::fs::write(d.join("plugin.yaml"), yaml).expect("plugin.yaml");
    let script = "#!/bin/sh\necho \"args:$*\"\necho \"name=$HELM_PLUGIN_NAME ns=$HELM_NAMESPACE debug=$HELM_DEBUG\"\necho \"bin=$HELM_BIN\"\nexit ${PLUGIN_EXIT:-0}\n";
    let run = d.join("run.sh");
    std::fs::write(&run, script).expect("run.sh");
    chmod_x(&run);
}

#[cfg(unix)]
fn chmod_x(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn local_plugins_interoperate_with_helm() {
    let Some(helm) = helm_bin() else { return };
    let sc = Scratch::new("plugin", "local");
    let src = sc.0.join("src");
    write_plugin(&src, "hello", "0.1.0", true);
    write_plugin(&src, "other", "2.0.0", false);
    let chart = Home::new(&sc.0, "chart", chart_bin());
    let helm = Home::new(&sc.0, "helm", helm);
    let hello = s(&src.join("hello"));
    let out = same(&chart, &helm, &["plugin", "install", &hello]);
    assert_eq!(
        out.stdout,
        "install hook of hello\nInstalled plugin: hello\n"
    );
    // helm symlinks a local plugin; so does chart.
    let link = std::fs::read_link(chart.plugins().join("hello")).expect("symlink");
    assert_eq!(link, src.join("hello"));
    same(&chart, &helm, &["plugin", "install", &hello]);
    same(&chart, &helm, &["plugin", "list"]);
    same(&chart, &helm, &["hello", "a", "--debug", "-n", "ns", "b"]);
    // Help prose differs (flag texts); its structure is checked by the cli-diff goldens.
    let help = chart.run(&["help", "hello"]);
    assert!(help
        .stdout
        .starts_with("a test plugin\n\nUsage:\n  chart hello [flags]\n"));

    // What helm installs, chart lists and runs; and the other way round.
    let other = s(&src.join("other"));
    let h = helm.run(&["plugin", "install", &other]);
    assert_eq!(h.code, 0, "{}", h.stderr);
    let c = chart.run(&["plugin", "install", &other]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    let cross = Home {
        root: helm.root.clone(),
        bin: chart.bin.clone(),
    };
    let listed = cross.run(&["plugin", "list"]);
    assert_eq!(listed.stdout, helm.run(&["plugin", "list"]).stdout);
    assert!(listed.stdout.contains("other\t2.0.0"), "{}", listed.stdout);
    let ran = cross.run(&["other", "x"]);
    assert_eq!(ran.code, 0);
    assert!(ran
        .stdout
        .starts_with("args:x\nname=other ns=default debug=false\n"));
    // HELM_BIN is the path chart was run as.
    assert!(ran.stdout.contains("bin=<BIN>\n"), "{}", ran.stdout);
    let back = Home {
        root: chart.root.clone(),
        bin: helm.bin.clone(),
    };
    assert_eq!(back.run(&["hello", "q"]).code, 0);
    assert_eq!(
        back.run(&["plugin", "list"]).stdout,
        chart.run(&["plugin", "list"]).stdout
    );

    // The exit code of a plugin is passed through.
    let fail = Command::new(&chart.bin)
        .args(["hello"])
        .env("HELM_PLUGINS", chart.plugins())
        .env("PLUGIN_EXIT", "7")
        .output()
        .expect("run");
    assert_eq!(fail.status.code(), Some(7));
    assert_eq!(
        String::from_utf8_lossy(&fail.stderr),
        "Error: plugin \"hello\" exited with error\n"
    );

    same(&chart, &helm, &["plugin", "update", "hello"]);
    same(
        &chart,
        &helm,
        &["plugin", "uninstall", "hello", "other", "nope"],
    );
    same(&chart, &helm, &["plugin", "list"]);
    assert!(
        src.join("hello/plugin.yaml").exists(),
        "uninstall removes the link only"
    );
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path) -> (Server, u16) {
    let port = free_port();
    let mut child = Command::new("python3")
        .args(["-u", "-m", "http.server", "--bind", "127.0.0.1"])
        .arg(port.to_string())
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let out = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(out)
        .read_line(&mut line)
        .expect("ready line");
    (Server(child), port)
}

/// A `.tar.gz` of the files of `dir` (plugin.yaml at the top, as helm 3.17 wants), with a
/// `./` entry first when `dot` (which helm's extractor fails on).
fn tarball(dir: &Path, out: &Path, dot: bool) {
    let f = std::fs::File::create(out).expect("tgz");
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    let mut t = tar::Builder::new(gz);
    if dot {
        t.append_dir(".", dir).expect("tar");
    }
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    for n in names {
        t.append_path_with_name(dir.join(&n), &n).expect("tar");
    }
    t.into_inner().expect("tar").finish().expect("gz");
}

#[test]
fn http_tarball_install_matches_helm() {
    let Some(helm) = helm_bin() else { return };
    if !need("python3", have("python3")) {
        return;
    }
    let sc = Scratch::new("plugin", "http");
    let src = sc.0.join("src");
    write_plugin(&src, "tarplug", "1.2.0", true);
    let srv = sc.0.join("srv");
    std::fs::create_dir_all(&srv).expect("srv");
    tarball(
        &src.join("tarplug"),
        &srv.join("tarplug-1.2.0.tar.gz"),
        false,
    );
    tarball(&src.join("tarplug"), &srv.join("dotted-0.1.tar.gz"), true);
    std::fs::write(srv.join("notes.txt"), "not a plugin").expect("txt");
    let (_server, port) = serve(&srv);
    let chart = Home::new(&sc.0, "chart", chart_bin());
    let helm = Home::new(&sc.0, "helm", helm);
    let url = format!("http://127.0.0.1:{port}/tarplug-1.2.0.tar.gz");
    let out = same(&chart, &helm, &["plugin", "install", &url]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.ends_with("Installed plugin: tarplug\n"));
    // helm's HTTP installer extracts by the plugin's name into the data home.
    let installed = chart.root.join("data/plugins/tarplug/plugin.yaml");
    assert!(installed.is_file());
    assert!(chart
        .root
        .join(format!(
            "cache/plugins/http-127.0.0.1-{port}-tarplug-1.2.0.tar.gz/run.sh"
        ))
        .is_file());
    same(&chart, &helm, &["plugin", "list"]);
    same(&chart, &helm, &["tarplug", "z"]);
    same(&chart, &helm, &["plugin", "install", &url]);
    same(&chart, &helm, &["plugin", "update", "tarplug"]);
    same(
        &chart,
        &helm,
        &[
            "plugin",
            "install",
            &format!("http://127.0.0.1:{port}/notes.txt"),
        ],
    );
    same(&chart, &helm, &["plugin", "uninstall", "tarplug"]);
    let dotted = format!("http://127.0.0.1:{port}/dotted-0.1.tar.gz");
    assert_eq!(same(&chart, &helm, &["plugin", "install", &dotted]).code, 1);
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git");
    assert!(st.success(), "git {args:?}");
}

#[test]
fn git_install_and_update_match_helm() {
    let Some(helm) = helm_bin() else { return };
    if !need("git", have("git")) {
        return;
    }
    let sc = Scratch::new("plugin", "git");
    let repo = sc.0.join("helm-gitplug");
    write_plugin(&sc.0, "helm-gitplug", "1.0.0", true);
    // The name in plugin.yaml differs from the repository's.
    let yaml = repo.join("plugin.yaml");
    let text = std::fs::read_to_string(&yaml)
        .expect("yaml")
        .replace("name: helm-gitplug", "name: gitplug");
    std::fs::write(&yaml, text).expect("yaml");
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "v1"]);
    git(&repo, &["tag", "v1.0.0"]);
    let bump = |v: &str| {
        let t = std::fs::read_to_string(&yaml).expect("yaml");
        let t = t
            .lines()
            .map(|l| {
                if l.starts_with("version:") {
                    format!("version: {v}")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(&yaml, t + "\n").expect("yaml");
        git(&repo, &["commit", "-qam", v]);
    };
    bump("1.1.0");
    git(&repo, &["tag", "v1.1.0"]);
    bump("2.0.0");
    git(&repo, &["tag", "v2.0.0"]);
    let url = format!("file://{}", repo.display());
    let chart = Home::new(&sc.0, "chart", chart_bin());
    let helm = Home::new(&sc.0, "helm", helm);

    // A version constraint picks the newest matching tag.
    let out = same(
        &chart,
        &helm,
        &["plugin", "install", &url, "--version", "~1.0"],
    );
    assert_eq!(
        out.stdout,
        "install hook of gitplug\nInstalled plugin: gitplug\n"
    );
    assert!(chart.plugins().join("helm-gitplug/.git").is_dir());
    same(&chart, &helm, &["plugin", "list"]);
    same(&chart, &helm, &["gitplug", "1"]);
    same(&chart, &helm, &["plugin", "install", &url]);
    same(&chart, &helm, &["plugin", "uninstall", "gitplug"]);
    same(
        &chart,
        &helm,
        &["plugin", "install", &url, "--version", "9.x"],
    );
    same(
        &chart,
        &helm,
        &["plugin", "install", &url, "--version", "not a version"],
    );

    // No version: the default branch; update pulls new commits.
    let fresh = |h: &Home| {
        let _ = std::fs::remove_dir_all(h.root.join("cache/plugins"));
    };
    fresh(&chart);
    fresh(&helm);
    let out = same(&chart, &helm, &["plugin", "install", &url]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    bump("3.0.0");
    let out = same(&chart, &helm, &["plugin", "update", "gitplug"]);
    assert_eq!(out.stdout, "update hook\nUpdated plugin: gitplug\n");
    let listed = same(&chart, &helm, &["plugin", "list"]);
    assert!(
        listed.stdout.contains("gitplug\t3.0.0"),
        "{}",
        listed.stdout
    );
    // A modified clone is not updated.
    std::fs::write(chart.plugins().join("helm-gitplug/run.sh"), "#!/bin/sh\n").expect("edit");
    std::fs::write(helm.plugins().join("helm-gitplug/run.sh"), "#!/bin/sh\n").expect("edit");
    same(&chart, &helm, &["plugin", "update", "gitplug"]);
    same(
        &chart,
        &helm,
        &["plugin", "install", "file:///no/such/repo"],
    );
}

#[test]
fn bash_completion_script_completes() {
    if !need("bash", have("bash")) {
        return;
    }
    let sc = Scratch::new("plugin", "completion");
    write_plugin(&sc.0.join("plugins"), "hello", "0.1.0", false);
    let script = sc.0.join("chart.bash");
    let out = Command::new(chart_bin())
        .args(["completion", "bash"])
        .env("HELM_PLUGINS", sc.0.join("plugins"))
        .output()
        .expect("completion");
    assert!(out.status.success());
    std::fs::write(&script, &out.stdout).expect("script");
    let complete = |words: &[&str]| -> Vec<String> {
        let cword = words.len() - 1;
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let prog = format!(
            "source '{}'\ncomplete -p chart\nCOMP_WORDS=({})\nCOMP_CWORD={cword}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n_chart chart '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            script.display(),
            quoted.join(" "),
            words.join(" "),
            words[cword],
            words[cword.saturating_sub(1)],
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(prog)
            .output()
            .expect("bash");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut lines = text.lines().map(|l| l.trim().to_string());
        let first = lines.next().unwrap_or_default();
        assert!(
            first.contains("complete") && first.ends_with(" chart"),
            "{first}"
        );
        lines.filter(|l| !l.is_empty()).collect()
    };
    assert_eq!(complete(&["chart", "plu"]), ["plugin"]);
    let subs = complete(&["chart", "plugin", ""]);
    for s in ["install", "list", "uninstall", "update"] {
        assert!(subs.contains(&s.to_string()), "{subs:?}");
    }
    assert_eq!(
        complete(&["chart", "template", "--include-c"]),
        ["--include-crds"]
    );
    assert_eq!(complete(&["chart", "completion", "ba"]), ["bash"]);
    assert_eq!(
        complete(&["chart", "completion", "bash", "--no-d"]),
        ["--no-descriptions"]
    );
    // Installed plugins are completed as commands.
    assert_eq!(complete(&["chart", "hel"]), ["help", "hello"]);
}

#[test]
fn other_shells_get_scripts() {
    for (shell, marker) in [
        ("zsh", "#compdef chart"),
        ("fish", "complete -c chart"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = Command::new(chart_bin())
            .args(["completion", shell])
            .output()
            .expect("completion");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(marker), "{shell}");
        assert!(text.contains("plugin"), "{shell}");
        let plain = Command::new(chart_bin())
            .args(["completion", shell, "--no-descriptions"])
            .output()
            .expect("completion");
        let plain = String::from_utf8_lossy(&plain.stdout);
        assert!(!plain.contains("locally render templates"), "{shell}");
        assert!(text.contains("locally render templates"), "{shell}");
    }
}

/// A downloader plugin for `fake://h/PATH`, serving `srv/PATH`.
fn write_downloader(plugins: &Path, srv: &Path) {
    let d = plugins.join("fakefetch");
    std::fs::create_dir_all(&d).expect("dir");
    std::fs::write(
        d.join("plugin.yaml"),
        "name: fakefetch\nversion: 0.1.0\nusage: fetch fake:// URLs\ncommand: \"$HELM_PLUGIN_DIR/get.sh\"\ndownloaders:\n- command: get.sh\n  protocols: [fake]\n",
    )
    .expect("yaml");
    let script = format!(
        "#!/bin/sh\necho \"get $4 user=$HELM_PLUGIN_USERNAME\" >&2\nexec cat \"{}/${{4#fake://h/}}\"\n",
        srv.display()
    );
    let get = d.join("get.sh");
    std::fs::write(&get, script).expect("get.sh");
    chmod_x(&get);
}

#[test]
fn downloader_plugin_repository_matches_helm() {
    let Some(helm_path) = helm_bin() else { return };
    let sc = Scratch::new("plugin", "downloader");
    let root = common::repo_root();
    let srv = sc.0.join("srv/repo");
    std::fs::create_dir_all(&srv).expect("srv");
    let chart_src = root.join("testdata/cli-diff/charts/deprecated-ok");
    let st = Command::new(&helm_path)
        .args(["package", &s(&chart_src), "-d", &s(&srv)])
        .output()
        .expect("package");
    assert!(st.status.success());
    let st = Command::new(&helm_path)
        .args(["repo", "index", &s(&srv), "--url", "fake://h/repo"])
        .output()
        .expect("index");
    assert!(st.status.success());
    let chart = Home::new(&sc.0, "chart", chart_bin());
    let helm = Home::new(&sc.0, "helm", helm_path);
    let parent = |h: &Home| {
        let p = h.root.join("parent");
        std::fs::create_dir_all(p.join("templates")).expect("parent");
        std::fs::write(
            p.join("Chart.yaml"),
            "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n- name: deprecated-ok\n  version: 1.2.3\n  repository: fake://h/repo\n",
        )
        .expect("Chart.yaml");
        p
    };
    for h in [&chart, &helm] {
        write_downloader(&h.plugins(), &sc.0.join("srv"));
        parent(h);
    }
    same(
        &chart,
        &helm,
        &[
            "repo",
            "add",
            "fk",
            "fake://h/repo",
            "--username",
            "u",
            "--password",
            "p",
        ],
    );
    same(&chart, &helm, &["repo", "update"]);
    same(&chart, &helm, &["search", "repo", "fk/"]);
    let out = same(&chart, &helm, &["template", "fk/deprecated-ok"]);
    assert!(out.stdout.contains("kind: ConfigMap"), "{}", out.stdout);
    same(&chart, &helm, &["pull", "fk/deprecated-ok", "-d", "."]);
    same(
        &chart,
        &helm,
        &["template", "fake://h/repo/deprecated-ok-1.2.3.tgz"],
    );
    same(&chart, &helm, &["dependency", "update", "parent"]);
    let a = std::fs::read(chart.root.join("parent/charts/deprecated-ok-1.2.3.tgz")).expect("dep");
    let b = std::fs::read(helm.root.join("parent/charts/deprecated-ok-1.2.3.tgz")).expect("dep");
    assert_eq!(a, b);
    // (A URL under a configured repository but not in its index: helm sends no
    // credentials, chart sends the repository's; a URL elsewhere is the same.)
    same(&chart, &helm, &["pull", "fake://other/missing-1.0.0.tgz"]);
}
