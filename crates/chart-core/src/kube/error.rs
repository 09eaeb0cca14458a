//! The errors of the cluster client. Messages are Helm's (client-go's) texts, so the CLI
//! can print them as they are.

use std::fmt;

/// A failure status from the API server (client-go's `StatusError`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code (404, 409, …).
    pub code: u16,
    /// The status reason (`NotFound`, `AlreadyExists`, …).
    pub reason: String,
    /// The server's message, which is what client-go prints.
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Errors of the cluster client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The kubeconfig could not be read or has no usable cluster.
    #[error("{0}")]
    Config(String),
    /// The API server answered with a failure status.
    #[error("{0}")]
    Api(ApiError),
    /// The request did not get an answer (connection, TLS, authentication plugin, …).
    #[error("{0}")]
    Transport(String),
    /// A manifest document could not be read.
    #[error("{0}")]
    Manifest(String),
    /// A document's kind is not served by the cluster (helm's `resource mapping not found`).
    #[error("resource mapping not found for name: {name:?} namespace: {namespace:?} from \"\": no matches for kind {kind:?} in version {version:?}\nensure CRDs are installed first")]
    NoMatch {
        /// `metadata.name` of the document.
        name: String,
        /// `metadata.namespace` of the document, as written.
        namespace: String,
        /// The kind.
        kind: String,
        /// The apiVersion.
        version: String,
    },
    /// An existing object may not be adopted by the release (helm's ownership check).
    #[error("{resource} exists and cannot be imported into the current release: {detail}")]
    Ownership {
        /// `Kind "name" in namespace "ns"`.
        resource: String,
        /// `invalid ownership metadata; …`.
        detail: String,
    },
    /// A patch could not be computed.
    #[error("{0}")]
    Patch(String),
    /// Waiting ran out of time (Go's `context deadline exceeded`).
    #[error("context deadline exceeded")]
    Timeout,
    /// A hook or resource failed while being waited for (`job x failed: reason`).
    #[error("{0}")]
    Failed(String),
    /// An error with helm's context prefix (`failed to create resource: …`).
    #[error("{context}: {source}")]
    Context {
        /// The prefix.
        context: String,
        /// The cause; printed after the prefix, so not exposed as `source()`.
        source: Box<Error>,
    },
    /// Several errors, printed as Kubernetes' aggregate (`[a, b]`) or joined with ` && `.
    #[error("{}", join_errors(.errors, *.joiner))]
    Multiple {
        /// The errors, in order.
        errors: Vec<Error>,
        /// `", "` in brackets for an aggregate, `" && "` for helm's update errors.
        joiner: Joiner,
    },
}

/// How [`Error::Multiple`] prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Joiner {
    /// apimachinery's aggregate: one error alone, else `[a, b]`.
    Aggregate,
    /// helm's `a && b`.
    And,
    /// hashicorp multierror (helm's `perform`): `N errors occurred:\n\t* a\n\n`.
    Multi,
}

fn join_errors(errors: &[Error], joiner: Joiner) -> String {
    let texts: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    match joiner {
        Joiner::And => texts.join(" && "),
        Joiner::Aggregate => {
            let mut uniq: Vec<&String> = Vec::new();
            for t in &texts {
                if !uniq.contains(&t) {
                    uniq.push(t);
                }
            }
            if uniq.len() == 1 {
                uniq[0].clone()
            } else {
                let joined: Vec<&str> = uniq.iter().map(|s| s.as_str()).collect();
                format!("[{}]", joined.join(", "))
            }
        }
        Joiner::Multi => {
            if texts.len() == 1 {
                format!("1 error occurred:\n\t* {}\n\n", texts[0])
            } else {
                let items: Vec<String> = texts.iter().map(|t| format!("* {t}")).collect();
                format!(
                    "{} errors occurred:\n\t{}\n\n",
                    texts.len(),
                    items.join("\n\t")
                )
            }
        }
    }
}

impl Error {
    /// Wraps `self` with helm's context prefix.
    pub fn context(self, context: impl Into<String>) -> Error {
        Error::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }

    /// The API status, looking through context wrappers.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(a) => Some(a),
            Error::Context { source, .. } => source.api(),
            _ => None,
        }
    }

    /// Whether any status in the error (several, for [`Error::Multiple`]) matches, as Go's
    /// `errors.As` finds one in a multierror chain.
    fn any_api(&self, f: &dyn Fn(&ApiError) -> bool) -> bool {
        match self {
            Error::Multiple { errors, .. } => errors.iter().any(|e| e.any_api(f)),
            Error::Context { source, .. } => source.any_api(f),
            other => other.api().is_some_and(f),
        }
    }

    /// Whether the server said 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.any_api(&|a| a.code == 404)
    }

    /// Whether the server said 409 AlreadyExists (helm skips existing CRDs on this).
    pub fn is_already_exists(&self) -> bool {
        self.any_api(&|a| a.code == 409 && a.reason == "AlreadyExists")
    }

    /// Whether the server said 409 Conflict.
    pub fn is_conflict(&self) -> bool {
        self.api()
            .is_some_and(|a| a.code == 409 && a.reason == "Conflict")
    }

    /// helm's retryable statuses while waiting: no status, 429, 5xx except 501.
    pub(crate) fn is_retryable(&self) -> bool {
        match self.api() {
            Some(a) => a.code == 429 || (a.code >= 500 && a.code != 501),
            None => matches!(self, Error::Transport(_)),
        }
    }

    /// Aggregates errors as apimachinery does; `None` for none.
    pub(crate) fn aggregate(mut errors: Vec<Error>) -> Option<Error> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(Error::Multiple {
                errors,
                joiner: Joiner::Aggregate,
            }),
        }
    }
}

impl From<kube::Error> for Error {
    fn from(e: kube::Error) -> Self {
        match e {
            // A body that is not a Status (the server's plain `404 page not found`):
            // client-go's generic texts for the code.
            kube::Error::Api(s) if s.reason == "Failed to parse error data" => {
                let (reason, message) = match s.code {
                    404 => (
                        "NotFound",
                        "the server could not find the requested resource",
                    ),
                    401 => ("Unauthorized", "Unauthorized"),
                    409 => ("Conflict", "the server reported a conflict"),
                    400 => (
                        "BadRequest",
                        "the server rejected our request for an unknown reason",
                    ),
                    _ => ("", s.message.as_str()),
                };
                Error::Api(ApiError {
                    code: s.code,
                    reason: reason.to_string(),
                    message: message.to_string(),
                })
            }
            kube::Error::Api(s) => Error::Api(ApiError {
                code: s.code,
                reason: s.reason.clone(),
                message: s.message.clone(),
            }),
            other => Error::Transport(other.to_string()),
        }
    }
}
