//! Hook records (Helm's `pkg/release/hook.go`): a hook as stored in a release, with when
//! it runs, its weight, its delete policies and what happened the last time it ran.

use super::manifest;
use super::time::Time;

/// Declares a string enum of Helm's with an `Other` variant for texts it does not know.
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $text:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $var,)*
            /// Any other text, kept as read.
            Other(String),
        }

        impl $name {
            /// The text Helm uses.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$var => $text,)*
                    $name::Other(s) => s,
                }
            }

            /// Reads a text; unknown texts become `Other`.
            pub fn parse(s: &str) -> $name {
                match s {
                    $($text => $name::$var,)*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// When a hook runs (`helm.sh/hook` annotation values).
    HookEvent {
        /// `pre-install`.
        PreInstall = "pre-install",
        /// `post-install`.
        PostInstall = "post-install",
        /// `pre-delete`.
        PreDelete = "pre-delete",
        /// `post-delete`.
        PostDelete = "post-delete",
        /// `pre-upgrade`.
        PreUpgrade = "pre-upgrade",
        /// `post-upgrade`.
        PostUpgrade = "post-upgrade",
        /// `pre-rollback`.
        PreRollback = "pre-rollback",
        /// `post-rollback`.
        PostRollback = "post-rollback",
        /// `test` (also written `test-success` in charts).
        Test = "test",
    }
}

string_enum! {
    /// When a hook's object is deleted (`helm.sh/hook-delete-policy` values).
    HookDeletePolicy {
        /// `hook-succeeded`.
        HookSucceeded = "hook-succeeded",
        /// `hook-failed`.
        HookFailed = "hook-failed",
        /// `before-hook-creation` (the default when a hook names none).
        BeforeHookCreation = "before-hook-creation",
    }
}

string_enum! {
    /// The state of a hook's last run. The unset phase is `Other("")`.
    HookPhase {
        /// `Unknown`.
        Unknown = "Unknown",
        /// `Running`.
        Running = "Running",
        /// `Succeeded`.
        Succeeded = "Succeeded",
        /// `Failed`.
        Failed = "Failed",
    }
}

impl Default for HookPhase {
    fn default() -> Self {
        HookPhase::Other(String::new())
    }
}

/// What happened the last time a hook ran (`last_run`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HookExecution {
    /// When it started (zero: never).
    pub started_at: Time,
    /// When it finished (zero: not yet).
    pub completed_at: Time,
    /// How it ended.
    pub phase: HookPhase,
}

/// A hook as stored in a release.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hook {
    /// The object's name.
    pub name: String,
    /// The object's kind.
    pub kind: String,
    /// The template it came from (`chart/templates/job.yaml`).
    pub path: String,
    /// The rendered document (trimmed).
    pub manifest: String,
    /// When it runs, in annotation order.
    pub events: Vec<HookEvent>,
    /// Its last run.
    pub last_run: HookExecution,
    /// `helm.sh/hook-weight` (0 when absent or not a number).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` values, in annotation order.
    pub delete_policies: Vec<HookDeletePolicy>,
}

impl Hook {
    /// Gives a hook without delete policies Helm's default, `before-hook-creation`. Helm
    /// does this to every hook it is about to run, and the change is stored with the
    /// release (hooks that never ran keep an empty list).
    pub fn apply_default_delete_policy(&mut self) {
        if self.delete_policies.is_empty() {
            self.delete_policies = vec![HookDeletePolicy::BeforeHookCreation];
        }
    }

    /// Whether the hook runs on `event`.
    pub fn runs_on(&self, event: &HookEvent) -> bool {
        self.events.contains(event)
    }
}

impl From<&manifest::Hook> for Hook {
    fn from(h: &manifest::Hook) -> Self {
        Hook {
            name: h.name.clone(),
            kind: h.kind.clone(),
            path: h.path.clone(),
            manifest: h.manifest.clone(),
            events: h.events.iter().map(|e| HookEvent::parse(e)).collect(),
            last_run: HookExecution::default(),
            weight: h.weight,
            delete_policies: h
                .delete_policies
                .iter()
                .map(|p| HookDeletePolicy::parse(p))
                .collect(),
        }
    }
}
