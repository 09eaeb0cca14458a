//! Chart provenance (`.prov` files): signing a packaged chart with an OpenPGP key from a
//! GnuPG keyring and verifying such a signature (Helm's `pkg/provenance`, which uses Go's
//! `x/crypto/openpgp`; here the `pgp` crate).
//!
//! A `.prov` file is an OpenPGP clear-signed message (SHA-512) whose body is the chart's
//! metadata as YAML, a `...` line, and `files: {<archive name>: sha256:<hex>}`. Keyrings
//! are binary OpenPGP packet streams (GnuPG 1's `pubring.gpg`/`secring.gpg`, or
//! `gpg --export[-secret-keys]` output); ASCII-armored keyrings are read too.

use std::path::{Path, PathBuf};

use pgp::composed::SignedSecretKey;
use pgp::composed::{ArmorOptions, CleartextSignedMessage, PublicOrSecret, SignedPublicKey};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{SignatureConfig, SignatureType, Subpacket, SubpacketData};
use pgp::types::{KeyDetails, Password, Timestamp};

use crate::chart::{self, save};

/// Why signing or verifying failed; the messages are Helm's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProvenanceError {
    /// A file could not be read (Go's `open PATH: no such file or directory`).
    #[error("{0}")]
    Io(String),
    /// The keyring could not be loaded.
    #[error("failed to load keyring: {0}")]
    Keyring(String),
    /// More than one key's identities contain the `--key` text.
    #[error("more than one key contain the id {0:?}")]
    Ambiguous(String),
    /// No key matched `--key`.
    #[error("private key not found")]
    NoPrivateKey,
    /// The key found has no secret part.
    #[error("provided key is not a private key. Try providing a keyring with secret keys")]
    NotPrivate,
    /// The passphrase does not unlock the key.
    #[error("openpgp: invalid data: private key checksum failure")]
    BadPassphrase,
    /// Signing failed in the OpenPGP library.
    #[error("failed to either sign or armor message block: {0}")]
    Sign(String),
    /// The archive is not a chart.
    #[error("{0}")]
    Chart(String),
    /// `verify` of a directory.
    #[error("unpacked charts cannot be verified")]
    Unpacked,
    /// `verify` of something not named `.tgz`.
    #[error("chart must be a tgz file")]
    NotTgz,
    /// The `.prov` file is missing.
    #[error("could not load provenance file {path}: {err}")]
    NoProvenance {
        /// The `.prov` path.
        path: String,
        /// Go's stat error text.
        err: String,
    },
    /// The `.prov` has no clear-signed block.
    #[error("failed to decode signature: signature block not found")]
    NoSignatureBlock,
    /// No key of the keyring made the signature.
    #[error("openpgp: signature made by unknown entity")]
    UnknownSigner,
    /// The signature does not match the signed text.
    #[error("openpgp: invalid signature: {0}")]
    BadSignature(String),
    /// The signed body does not parse.
    #[error("{0}")]
    MessageBlock(String),
    /// The body has no sum for the archive.
    #[error("provenance does not contain a SHA for a file named {0:?}")]
    NoSum(String),
    /// The archive's sum differs from the signed one.
    #[error("sha256 sum does not match for {name}: {signed:?} != {actual:?}")]
    SumMismatch {
        /// The archive's base name.
        name: String,
        /// The sum in the `.prov`.
        signed: String,
        /// The archive's sum.
        actual: String,
    },
}

type Result<T> = std::result::Result<T, ProvenanceError>;

fn go_io(e: &std::io::Error) -> String {
    crate::chart::loader::go_io_text(e).to_string()
}

fn open_err(path: &Path, e: &std::io::Error) -> String {
    format!("open {}: {}", path.display(), go_io(e))
}

/// One key of a keyring: its public part, and the secret part when the ring has it.
#[derive(Clone, Debug)]
pub struct RingKey {
    /// The public key.
    pub public: SignedPublicKey,
    /// The secret key (from a secret keyring).
    pub secret: Option<SignedSecretKey>,
}

impl RingKey {
    /// The user IDs (`Name (comment) <email>`), in the key's order.
    pub fn identities(&self) -> Vec<String> {
        self.public
            .details
            .users
            .iter()
            .map(|u| String::from_utf8_lossy(u.id.id()).into_owned())
            .collect()
    }

    /// The primary key's fingerprint as Go's `%X` prints it.
    pub fn fingerprint_hex(&self) -> String {
        self.public
            .primary_key
            .fingerprint()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }
}

/// A keyring: every key it holds, in file order (Go's `openpgp.EntityList`).
#[derive(Clone, Debug, Default)]
pub struct Keyring {
    /// The keys.
    pub keys: Vec<RingKey>,
}

impl Keyring {
    /// Reads a keyring file (binary or armored). Keys that do not parse are skipped, as
    /// Go's `ReadKeyRing` skips unsupported entities.
    pub fn load(path: &Path) -> Result<Keyring> {
        let data = std::fs::read(path).map_err(|e| ProvenanceError::Keyring(open_err(path, &e)))?;
        Ok(Keyring::parse(&data))
    }

    /// Parses keyring bytes.
    pub fn parse(data: &[u8]) -> Keyring {
        let mut ring = Keyring::default();
        if data.is_empty() {
            return ring;
        }
        let Ok((iter, _)) = PublicOrSecret::from_reader_many(std::io::Cursor::new(data.to_vec()))
        else {
            return ring;
        };
        for k in iter.flatten() {
            match k {
                PublicOrSecret::Public(p) => ring.keys.push(RingKey {
                    public: p,
                    secret: None,
                }),
                PublicOrSecret::Secret(s) => ring.keys.push(RingKey {
                    public: s.to_public_key(),
                    secret: Some(s),
                }),
            }
        }
        ring
    }

    /// Helm's `NewFromKeyring` key selection: an identity equal to `id`, else the one
    /// key with an identity containing it (`None` when none does).
    pub fn find(&self, id: &str) -> Result<Option<&RingKey>> {
        let mut candidate = None;
        let mut vague = false;
        for k in &self.keys {
            for n in k.identities() {
                if n == id {
                    return Ok(Some(k));
                }
                if n.contains(id) {
                    if candidate.is_some() {
                        vague = true;
                    }
                    candidate = Some(k);
                }
            }
        }
        if vague {
            return Err(ProvenanceError::Ambiguous(id.to_string()));
        }
        Ok(candidate)
    }
}

/// Hex SHA-256 of a file (Helm's `provenance.DigestFile`).
pub fn digest_file(path: &Path) -> Result<String> {
    crate::repo::index::digest_file(path).map_err(|e| ProvenanceError::Io(open_err(path, &e)))
}

fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The text Helm signs for an archive: its metadata as YAML, `\n...\n`, then
/// `files: {<base name>: sha256:<hex>}` as YAML.
pub fn message_block(archive: &Path) -> Result<String> {
    let sum = digest_file(archive)?;
    let ch = chart::load(archive).map_err(|e| ProvenanceError::Chart(e.to_string()))?;
    let md = goyaml::marshal(&save::metadata_value(&ch.metadata))
        .map_err(|e| ProvenanceError::Chart(e.to_string()))?;
    let mut files = gotmpl::Map::new();
    files.insert(
        base_name(archive),
        gotmpl::Value::str(format!("sha256:{sum}")),
    );
    let mut top = gotmpl::Map::new();
    top.insert("files".into(), gotmpl::Value::map(files));
    let sums = goyaml::marshal(&gotmpl::Value::map(top))
        .map_err(|e| ProvenanceError::Chart(e.to_string()))?;
    Ok(format!("{md}\n...\n{sums}"))
}

/// A key chosen for signing, with its passphrase.
pub struct Signer {
    key: SignedSecretKey,
    password: Password,
}

impl Signer {
    /// Helm's `NewFromKeyring(keyring, id)` + `DecryptKey`: the key of `keyring`
    /// matching `id`, unlocked with the passphrase `passphrase()` returns (asked only when
    /// the key is encrypted; it gets the key's first identity).
    pub fn from_keyring(
        keyring: &Path,
        id: &str,
        passphrase: impl FnOnce(&str) -> std::io::Result<Vec<u8>>,
    ) -> Result<Signer> {
        let ring = Keyring::load(keyring).map_err(|e| match e {
            // Helm's signing path does not say "failed to load keyring".
            ProvenanceError::Keyring(m) => ProvenanceError::Io(m),
            e => e,
        })?;
        let k = ring.find(id)?.ok_or(ProvenanceError::NoPrivateKey)?;
        let secret = k.secret.clone().ok_or(ProvenanceError::NotPrivate)?;
        let mut password = Password::empty();
        if secret.primary_key.secret_params().is_encrypted() {
            let name = k
                .identities()
                .into_iter()
                .find(|n| !n.is_empty())
                .unwrap_or_else(|| "Unknown".into());
            let p = passphrase(&name).map_err(|e| ProvenanceError::Io(e.to_string()))?;
            password = Password::from(p.as_slice());
            let ok = secret
                .primary_key
                .unlock(&password, |_, _| Ok(()))
                .is_ok_and(|r| r.is_ok());
            if !ok {
                return Err(ProvenanceError::BadPassphrase);
            }
        }
        Ok(Signer {
            key: secret,
            password,
        })
    }

    /// Helm's `ClearSign`: the `.prov` text for `archive`.
    pub fn clear_sign(&self, archive: &Path) -> Result<String> {
        match std::fs::metadata(archive) {
            Err(e) => {
                return Err(ProvenanceError::Io(format!(
                    "stat {}: {}",
                    archive.display(),
                    go_io(&e)
                )))
            }
            Ok(m) if m.is_dir() => {
                return Err(ProvenanceError::Io("cannot sign a directory".into()))
            }
            Ok(_) => {}
        }
        let body = message_block(archive)?;
        // Go's clearsign does not sign the newline that ends the text: it becomes the
        // line break before the signature armor.
        let text = body.strip_suffix('\n').unwrap_or(&body);
        let key = &self.key.primary_key;
        let sign_err = |e: pgp::errors::Error| ProvenanceError::Sign(e.to_string());
        let mut config =
            SignatureConfig::v4(SignatureType::Text, key.algorithm(), HashAlgorithm::Sha512);
        config.hashed_subpackets =
            vec![
                Subpacket::regular(SubpacketData::SignatureCreationTime(Timestamp::now()))
                    .map_err(sign_err)?,
            ];
        config.unhashed_subpackets =
            vec![
                Subpacket::regular(SubpacketData::IssuerKeyId(key.legacy_key_id()))
                    .map_err(sign_err)?,
            ];
        let msg =
            CleartextSignedMessage::new(text, config, key, &self.password).map_err(sign_err)?;
        let out = msg
            .to_armored_string(ArmorOptions::default())
            .map_err(sign_err)?;
        // Go's armor ends at the closing dashes, without a newline.
        Ok(out.trim_end_matches('\n').to_string())
    }
}

/// What a successful verification found (Helm's `provenance.Verification`).
#[derive(Clone, Debug)]
pub struct Verification {
    /// The identities of the signing key.
    pub signed_by: Vec<String>,
    /// The signing key's primary fingerprint, upper-case hex.
    pub fingerprint: String,
    /// `sha256:<hex>` of the archive.
    pub file_hash: String,
    /// The archive's base name.
    pub file_name: String,
}

impl Verification {
    /// The lines `helm verify` (and `pull --verify`) print.
    pub fn report(&self) -> String {
        let mut s = String::new();
        for n in &self.signed_by {
            s.push_str(&format!("Signed by: {n}\n"));
        }
        s.push_str(&format!(
            "Using Key With Fingerprint: {}\n",
            self.fingerprint
        ));
        s.push_str(&format!("Chart Hash Verified: {}\n", self.file_hash));
        s
    }
}

/// Helm's `downloader.VerifyChart`: checks `PATH.prov` against `keyring` and the archive's
/// hash.
pub fn verify_chart(path: &Path, keyring: &Path) -> Result<Verification> {
    match std::fs::metadata(path) {
        Err(e) => {
            return Err(ProvenanceError::Io(format!(
                "stat {}: {}",
                path.display(),
                go_io(&e)
            )))
        }
        Ok(m) if m.is_dir() => return Err(ProvenanceError::Unpacked),
        Ok(_) => {}
    }
    let is_tgz = path
        .extension()
        .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case("tgz"));
    if !is_tgz {
        return Err(ProvenanceError::NotTgz);
    }
    let prov = PathBuf::from(format!("{}.prov", path.display()));
    if let Err(e) = std::fs::metadata(&prov) {
        return Err(ProvenanceError::NoProvenance {
            path: prov.display().to_string(),
            err: format!("stat {}: {}", prov.display(), go_io(&e)),
        });
    }
    let ring = Keyring::load(keyring)?;
    verify(path, &prov, &ring)
}

/// Helm's `Signatory.Verify`: the signature of `prov` by a key of `ring`, then the
/// archive's SHA-256 against the signed `files` entry.
pub fn verify(archive: &Path, prov: &Path, ring: &Keyring) -> Result<Verification> {
    for p in [archive, prov] {
        match std::fs::metadata(p) {
            Err(e) => {
                return Err(ProvenanceError::Io(format!(
                    "stat {}: {}",
                    p.display(),
                    go_io(&e)
                )))
            }
            Ok(m) if m.is_dir() => {
                return Err(ProvenanceError::Io(format!(
                    "{} cannot be a directory",
                    p.display()
                )))
            }
            Ok(_) => {}
        }
    }
    let data = std::fs::read(prov).map_err(|e| ProvenanceError::Io(open_err(prov, &e)))?;
    let text = String::from_utf8_lossy(&data);
    // Go's clearsign skips anything before the header line.
    let start = text
        .find("-----BEGIN PGP SIGNED MESSAGE-----")
        .ok_or(ProvenanceError::NoSignatureBlock)?;
    let (msg, _) = CleartextSignedMessage::from_string(&text[start..])
        .map_err(|_| ProvenanceError::NoSignatureBlock)?;
    let sig = msg
        .signatures()
        .first()
        .ok_or(ProvenanceError::NoSignatureBlock)?;
    let signed = msg.signed_text();
    let issuers = sig.issuer_key_id();
    let mut signer = None;
    let mut last_err = None;
    'keys: for k in &ring.keys {
        let pk = &k.public;
        let primary_match = issuers
            .iter()
            .any(|i| **i == pk.primary_key.legacy_key_id());
        if primary_match {
            match sig.verify(&pk.primary_key, signed.as_bytes()) {
                Ok(_) => {
                    signer = Some(k);
                    break 'keys;
                }
                Err(e) => last_err = Some(e),
            }
        }
        for sk in &pk.public_subkeys {
            if issuers.iter().any(|i| **i == sk.key.legacy_key_id()) {
                match sig.verify(&sk.key, signed.as_bytes()) {
                    Ok(_) => {
                        signer = Some(k);
                        break 'keys;
                    }
                    Err(e) => last_err = Some(e),
                }
            }
        }
    }
    let signer = match (signer, last_err) {
        (Some(k), _) => k,
        (None, None) => return Err(ProvenanceError::UnknownSigner),
        (None, Some(e)) => {
            let m = e.to_string();
            let go = if m.contains("invalid signed hash value") {
                "hash tag doesn't match".to_string()
            } else {
                format!("{} verification failure", algo_name(sig))
            };
            return Err(ProvenanceError::BadSignature(go));
        }
    };
    let sum = format!("sha256:{}", digest_file(archive)?);
    let plain = signed.replace("\r\n", "\n");
    let sums = parse_sums(&plain)?;
    let basename = base_name(archive);
    let Some(signed) = sums.get(&basename) else {
        return Err(ProvenanceError::NoSum(basename));
    };
    if *signed != sum {
        return Err(ProvenanceError::SumMismatch {
            name: basename,
            signed: signed.clone(),
            actual: sum,
        });
    }
    Ok(Verification {
        signed_by: signer.identities(),
        fingerprint: signer.fingerprint_hex(),
        file_hash: sum,
        file_name: basename,
    })
}

fn algo_name(sig: &pgp::packet::Signature) -> &'static str {
    use pgp::crypto::public_key::PublicKeyAlgorithm as A;
    match sig.config().map(|c| c.pub_alg) {
        Some(A::DSA) => "DSA",
        Some(A::ECDSA) => "ECDSA",
        _ => "RSA",
    }
}

/// Helm's `parseMessageBlock`: the `files` map of the part after `\n...\n`.
fn parse_sums(plain: &str) -> Result<std::collections::BTreeMap<String, String>> {
    let mut parts = plain.split("\n...\n");
    let (Some(_), Some(second)) = (parts.next(), parts.next()) else {
        return Err(ProvenanceError::MessageBlock(
            "message block must have at least two parts".into(),
        ));
    };
    let v = goyaml::from_yaml(second).map_err(|e| ProvenanceError::MessageBlock(e.to_string()))?;
    let mut out = std::collections::BTreeMap::new();
    if let gotmpl::Value::Map(m) = &v {
        if let Some(gotmpl::Value::Map(files)) = m.get("files") {
            for (k, v) in files.read().iter() {
                if let gotmpl::Value::Str(s) = v {
                    out.insert(k.to_string(), s.to_string());
                }
            }
        }
    }
    Ok(out)
}
