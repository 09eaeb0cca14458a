//! `helm search repo`: the search index over cached repository indexes (Helm's
//! `cmd/helm/search`), with its scoring and ordering.

use std::collections::BTreeMap;

use crate::chart::semver::{Constraints, Version};

use super::config::{RepoFile, Settings};
use super::index::{read_index_file, ChartVersion};
use super::index_scan::scan;

/// Any score at or above this is not a match (Helm's `searchMaxScore`).
pub const MAX_SCORE: usize = 25;

const SEP: char = '\u{b}';

/// One search hit: `repo/chart`, its score and the version's columns.
#[derive(Clone, Debug)]
pub struct SearchResult {
    /// `repo/chart`.
    pub name: String,
    /// How far into the searched line the match was (0 = chart name).
    pub score: usize,
    /// The chart version.
    pub version: String,
    /// `appVersion`.
    pub app_version: String,
    /// `description`.
    pub description: String,
    parsed: Option<Version>,
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
/// missing caches, Helm's log lines for invalid entries) are pushed to `warnings`.
///
/// Each index is streamed ([`super::index_scan::scan`]): only a search line and the
/// printed columns of each version are kept.
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
    // repo/chart → (version → (line, hit)); later repositories replace earlier keys.
    type Hits = BTreeMap<String, (String, SearchResult)>;
    let mut items: BTreeMap<String, Hits> = BTreeMap::new();
    for e in &rf.repositories {
        let path = settings.index_cache(&e.name);
        let mut w = Vec::new();
        let mut found: BTreeMap<String, Hits> = BTreeMap::new();
        let res = read_index_file(&path).and_then(|data| {
            scan(
                &data,
                &path.display().to_string(),
                &mut w,
                &mut |name, vs| {
                    let fname = format!("{}/{name}", e.name);
                    let mut hits = Hits::new();
                    for cv in vs {
                        let l = line(&e.name, &cv);
                        let md = cv.metadata;
                        let hit = SearchResult {
                            name: fname.clone(),
                            score: 0,
                            parsed: Version::parse(&md.version).ok(),
                            version: md.version,
                            app_version: md.app_version,
                            description: md.description,
                        };
                        hits.insert(hit.version.clone(), (l, hit));
                    }
                    found.insert(fname, hits);
                },
            )
        });
        warnings.append(&mut w);
        if let Err(err) = res {
            warnings.push(format!(
                "WARNING: Repo {} is corrupt or missing. Try 'helm repo update'.",
                gotmpl::fmt::go_quote(&e.name)
            ));
            warnings.push(format!("WARNING: error loading {}: {err}", path.display()));
            continue;
        }
        items.append(&mut found);
    }
    let all = items.into_values().flat_map(BTreeMap::into_values);
    let mut res: Vec<SearchResult> = Vec::new();
    match opts.query.as_deref() {
        None => res.extend(all.map(|(_, r)| r)),
        Some(q) if opts.regexp => {
            let re = regex::Regex::new(q).map_err(|e| SearchError::Regexp(e.to_string()))?;
            for (l, mut r) in all {
                if let Some(m) = re.find(&l) {
                    let s = score(m.start(), &l);
                    if s < MAX_SCORE {
                        r.score = s;
                        res.push(r);
                    }
                }
            }
        }
        Some(q) => {
            let q = q.to_lowercase();
            for (l, mut r) in all {
                let lv = l.to_lowercase();
                if let Some(i) = lv.find(&q) {
                    let s = score(i, &lv);
                    if s < MAX_SCORE {
                        r.score = s;
                        res.push(r);
                    }
                }
            }
        }
    }
    res.sort_by(|a, b| {
        a.score
            .cmp(&b.score)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| match (&a.parsed, &b.parsed) {
                (Some(x), Some(y)) => y.compare(x),
                _ => std::cmp::Ordering::Equal,
            })
    });
    let c = Constraints::parse(&version).map_err(|e| SearchError::Constraint(e.to_string()))?;
    let mut found = std::collections::HashSet::new();
    let mut out = Vec::new();
    for r in res {
        if !opts.versions && found.contains(&r.name) {
            continue;
        }
        let Some(v) = &r.parsed else {
            continue;
        };
        if c.check(v) {
            found.insert(r.name.clone());
            out.push(r);
        }
    }
    Ok(out)
}
