//! Release statuses (Helm's `pkg/release/status.go`).

use std::fmt;

/// The status of a release revision, as stored in the record and in the `status` label.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Status {
    /// `unknown`.
    Unknown,
    /// `deployed`: the revision currently running (one per release).
    Deployed,
    /// `uninstalled`: kept with `uninstall --keep-history`.
    Uninstalled,
    /// `superseded`: replaced by a later revision.
    Superseded,
    /// `failed`.
    Failed,
    /// `uninstalling`.
    Uninstalling,
    /// `pending-install`.
    PendingInstall,
    /// `pending-upgrade`.
    PendingUpgrade,
    /// `pending-rollback`.
    PendingRollback,
    /// Any other text, kept as read (Go's status is a plain string). The empty string is
    /// the unset status (absent from JSON).
    Other(String),
    /// No status (Go's `""`).
    #[default]
    Unset,
}

impl Status {
    /// The text Helm uses.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Unknown => "unknown",
            Status::Deployed => "deployed",
            Status::Uninstalled => "uninstalled",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
            Status::Other(s) => s,
            Status::Unset => "",
        }
    }

    /// Reads a status text; unknown texts are kept as [`Status::Other`].
    pub fn parse(s: &str) -> Status {
        match s {
            "unknown" => Status::Unknown,
            "deployed" => Status::Deployed,
            "uninstalled" => Status::Uninstalled,
            "superseded" => Status::Superseded,
            "failed" => Status::Failed,
            "uninstalling" => Status::Uninstalling,
            "pending-install" => Status::PendingInstall,
            "pending-upgrade" => Status::PendingUpgrade,
            "pending-rollback" => Status::PendingRollback,
            "" => Status::Unset,
            other => Status::Other(other.to_owned()),
        }
    }

    /// Whether this is one of the three `pending-*` statuses (the upgrade lock).
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_round_trip() {
        for s in [
            "unknown",
            "deployed",
            "uninstalled",
            "superseded",
            "failed",
            "uninstalling",
            "pending-install",
            "pending-upgrade",
            "pending-rollback",
            "",
            "weird",
        ] {
            assert_eq!(Status::parse(s).as_str(), s);
        }
        assert!(Status::PendingRollback.is_pending());
        assert!(!Status::Deployed.is_pending());
    }
}
