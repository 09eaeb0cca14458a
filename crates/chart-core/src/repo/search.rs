//! `helm search repo`: the search index over cached repository indexes (Helm's
//! `cmd/helm/search`), with its scoring and ordering.

use std::collections::BTreeMap;

use crate::chart::semver::{Constraints, Version};

use super::config::{RepoFile, Settings};
use super::index::{ChartVersion, IndexFile};

/// Any score at or above this is not a match (Helm's `searchMaxScore`).
pub const MAX_SCORE: usize = 25;

const SEP: char = '\u{b}';

/// One search hit: `repo/chart`, its score and the version entry.
#[derive(Clone, Debug)]
pub struct SearchResult {
    /// `repo/chart`.
    pub name: String,
    /// How far into the searched line the match was (0 = chart name).
    pub score: usize,
    /// The chart version.
    pub chart: ChartVersion,
}

/// What to search for.
#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    /// Keywords joined by spaces (`None`: list everything).
    pub query: Option<String>,
    /// `-r`: the query is a regular expression.
    pub regexp: bool,
    /// `--versions`: every matching version, not only the newest.
    pub versions: bool,
    /// `--devel`.
    pub devel: bool,
    /// `--version`.
    pub version: String,
}

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// repositories.yaml lists nothing.
    #[error("no repositories configured")]
    NoRepositories,
    /// `--version` does not parse.
    #[error("an invalid version/constraint format: {0}")]
    Constraint(String),
    /// `-r` does not compile.
    #[error("{0}")]
    Regexp(String),
}

/// `name\vrepo/name\vdescription\vkeywords`, the line Helm searches.
fn line(repo: &str, cv: &ChartVersion) -> String {
    let md = &cv.metadata;
    format!(
        "{n}{SEP}{repo}/{n}{SEP}{d}{SEP}{k}",
        n = md.name,
        d = md.description,
        k = md.keywords.join(" ")
    )
}

/// The number of separators before byte `index` of `line`.
fn score(index: usize, line: &str) -> usize {
    line.match_indices(SEP).filter(|(p, _)| index > *p).count()
}

/// Searches the cached indexes of every configured repository. Warnings (corrupt or
/// missing caches) are pushed to `warnings`.
pub fn search(
    settings: &Settings,
    opts: &SearchOptions,
    warnings: &mut Vec<String>,
) -> Result<Vec<SearchResult>, SearchError> {
    let rf = RepoFile::load(&settings.repository_config).unwrap_or_default();
    if rf.repositories.is_empty() {
        return Err(SearchError::NoRepositories);
    }
    let version = if !opts.version.is_empty() {
        opts.version.clone()
    } else if opts.devel {
        ">0.0.0-0".to_string()
    } else {
        ">0.0.0".to_string()
    };
    // key (repo/chart$$version) → (line, entry); later repositories replace earlier keys.
    let mut items: BTreeMap<String, (String, String, ChartVersion)> = BTreeMap::new();
    for e in &rf.repositories {
        let path = settings.index_cache(&e.name);
        let mut w = Vec::new();
        let idx = match IndexFile::load_file(&path, &mut w) {
            Ok(i) => i,
            Err(err) => {
                warnings.push(format!(
                    "Repo {} is corrupt or missing. Try 'helm repo update'.",
                    gotmpl::fmt::go_quote(&e.name)
                ));
                warnings.push(format!("error loading {}: {err}", path.display()));
                continue;
            }
        };
        for (name, vs) in idx.entries {
            let fname = format!("{}/{name}", e.name);
            for cv in vs {
                let key = format!("{fname}$${}", cv.metadata.version);
                items.insert(key, (fname.clone(), line(&e.name, &cv), cv));
            }
        }
    }
    let mut res: Vec<SearchResult> = Vec::new();
    match opts.query.as_deref() {
        None => {
            for (_, (name, _, cv)) in items {
                res.push(SearchResult {
                    name,
                    score: 0,
                    chart: cv,
                });
            }
        }
        Some(q) if opts.regexp => {
            let re = regex::Regex::new(q).map_err(|e| SearchError::Regexp(e.to_string()))?;
            for (_, (name, l, cv)) in items {
                if let Some(m) = re.find(&l) {
                    let s = score(m.start(), &l);
                    if s < MAX_SCORE {
                        res.push(SearchResult {
                            name,
                            score: s,
                            chart: cv,
                        });
                    }
                }
            }
        }
        Some(q) => {
            let q = q.to_lowercase();
            for (_, (name, l, cv)) in items {
                let lv = l.to_lowercase();
                if let Some(i) = lv.find(&q) {
                    let s = score(i, &lv);
                    if s < MAX_SCORE {
                        res.push(SearchResult {
                            name,
                            score: s,
                            chart: cv,
                        });
                    }
                }
            }
        }
    }
    res.sort_by(|a, b| {
        a.score
            .cmp(&b.score)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| {
                match (
                    Version::parse(&a.chart.metadata.version),
                    Version::parse(&b.chart.metadata.version),
                ) {
                    (Ok(x), Ok(y)) => y.compare(&x),
                    _ => std::cmp::Ordering::Equal,
                }
            })
    });
    let c = Constraints::parse(&version).map_err(|e| SearchError::Constraint(e.to_string()))?;
    let mut found = std::collections::HashSet::new();
    let mut out = Vec::new();
    for r in res {
        if !opts.versions && found.contains(&r.name) {
            continue;
        }
        let Ok(v) = Version::parse(&r.chart.metadata.version) else {
            continue;
        };
        if c.check(&v) {
            found.insert(r.name.clone());
            out.push(r);
        }
    }
    Ok(out)
}
