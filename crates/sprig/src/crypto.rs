//! Sprig functions: hashes, passwords, keys, certificates, AES, random bytes and UUIDs.
//!
//! Certificates are built as Go's `x509.CreateCertificate` builds them from Sprig's
//! templates (same extensions, in the same order), DER-encoded here and signed with the
//! RustCrypto `rsa`, `p256` and `ed25519-dalek` crates.

use std::any::Any;
use std::borrow::Cow;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use rand::rngs::OsRng;
use rand::RngCore;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use gotmpl::bytestr;
use gotmpl::fmt::format_v;
use gotmpl::func::{FuncError, FuncMap, Ty};
use gotmpl::value::{Object, Value};

// ---------------------------------------------------------------------------------------
// Small encodings: hex, base64 (Go's StdEncoding), adler32, PEM
// ---------------------------------------------------------------------------------------

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Go's `base64.StdEncoding.EncodeToString`.
pub fn b64_encode(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(c.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(c.get(2).copied().unwrap_or(0));
        let idx = |s: u32| char::from(B64[((n >> s) & 63) as usize]);
        out.push(idx(18));
        out.push(idx(12));
        out.push(if c.len() > 1 { idx(6) } else { '=' });
        out.push(if c.len() > 2 { idx(0) } else { '=' });
    }
    out
}

/// Go's `base64.StdEncoding.DecodeString` (newlines ignored), with Go's error text.
pub fn b64_decode(s: &str) -> Result<Vec<u8>, String> {
    let err = |i: usize| format!("illegal base64 data at input byte {i}");
    let val = |c: u8| B64.iter().position(|&x| x == c).map(|p| p as u32);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let mut i = 0;
    let next = |i: &mut usize| -> Option<(usize, u8)> {
        while *i < b.len() && (b[*i] == b'\n' || b[*i] == b'\r') {
            *i += 1;
        }
        let r = b.get(*i).map(|c| (*i, *c));
        if r.is_some() {
            *i += 1;
        }
        r
    };
    loop {
        let mut quad = [0u32; 4];
        let mut n = 0;
        while n < 4 {
            let Some((pos, c)) = next(&mut i) else {
                if n == 0 {
                    return Ok(out);
                }
                return Err(err(b.len()));
            };
            if c == b'=' {
                // Padding: only in the third or fourth place, and the rest must match.
                match n {
                    2 => {
                        let Some((_, c2)) = next(&mut i) else {
                            return Err(err(b.len()));
                        };
                        if c2 != b'=' {
                            // Go blames the first padding character.
                            return Err(err(pos));
                        }
                    }
                    3 => {}
                    _ => return Err(err(pos)),
                }
                if let Some((p, _)) = next(&mut i) {
                    return Err(err(p));
                }
                let v = quad[0] << 18 | quad[1] << 12 | quad[2] << 6;
                out.push((v >> 16) as u8);
                if n == 3 {
                    out.push((v >> 8) as u8);
                }
                return Ok(out);
            }
            quad[n] = val(c).ok_or_else(|| err(pos))?;
            n += 1;
        }
        let v = quad[0] << 18 | quad[1] << 12 | quad[2] << 6 | quad[3];
        out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
    }
}

fn adler32(b: &[u8]) -> u32 {
    const M: u32 = 65_521;
    let (mut a, mut s) = (1u32, 0u32);
    for chunk in b.chunks(5000) {
        for &x in chunk {
            a += u32::from(x);
            s += a;
        }
        a %= M;
        s %= M;
    }
    s << 16 | a
}

/// Go's `pem.EncodeToMemory`.
fn pem_encode(kind: &str, der: &[u8]) -> String {
    let b = b64_encode(der);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for line in b.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}

/// Go's `pem.Decode`: the first well-formed block (type, bytes).
fn pem_decode(s: &str) -> Option<(String, Vec<u8>)> {
    let mut rest = s;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let te = after.find("-----")?;
        let kind = &after[..te];
        let body_start = &after[te + 5..];
        let end_marker = format!("-----END {kind}-----");
        if let Some(be) = body_start.find(&end_marker) {
            let body = &body_start[..be];
            // Skip RFC 1421 headers ("Key: value" lines, then an empty line).
            let body = if body.contains(':') {
                match body.find("\n\n") {
                    Some(i) => &body[i + 2..],
                    None => body,
                }
            } else {
                body
            };
            let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            if let Ok(der) = b64_decode(&clean) {
                if !kind.contains('\n') {
                    return Some((kind.to_string(), der));
                }
            }
        }
        rest = &rest[start + 11..];
    }
    None
}

// ---------------------------------------------------------------------------------------
// DER writing and reading
// ---------------------------------------------------------------------------------------

mod der {
    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let n = content.len();
        if n < 128 {
            out.push(n as u8);
        } else {
            let bytes: Vec<u8> = n
                .to_be_bytes()
                .iter()
                .copied()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend_from_slice(&bytes);
        }
        out.extend_from_slice(content);
        out
    }
    pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x30, &parts.concat())
    }
    pub fn set(parts: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x31, &parts.concat())
    }
    /// A non-negative INTEGER from big-endian magnitude bytes.
    pub fn uint(be: &[u8]) -> Vec<u8> {
        let mut b: Vec<u8> = be.iter().copied().skip_while(|x| *x == 0).collect();
        if b.first().is_none_or(|x| x & 0x80 != 0) {
            b.insert(0, 0);
        }
        tlv(0x02, &b)
    }
    pub fn small_int(n: u8) -> Vec<u8> {
        uint(&[n])
    }
    pub fn oid(arcs: &[u64]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut enc = |mut v: u64| {
            let mut tmp = vec![(v & 0x7f) as u8];
            v >>= 7;
            while v > 0 {
                tmp.push(0x80 | (v & 0x7f) as u8);
                v >>= 7;
            }
            tmp.reverse();
            body.extend_from_slice(&tmp);
        };
        if let [a, b, rest @ ..] = arcs {
            enc(a * 40 + b);
            for r in rest {
                enc(*r);
            }
        }
        tlv(0x06, &body)
    }
    pub fn null() -> Vec<u8> {
        vec![0x05, 0x00]
    }
    pub fn octets(b: &[u8]) -> Vec<u8> {
        tlv(0x04, b)
    }
    pub fn bits(unused: u8, b: &[u8]) -> Vec<u8> {
        let mut c = vec![unused];
        c.extend_from_slice(b);
        tlv(0x03, &c)
    }
    pub fn boolean(v: bool) -> Vec<u8> {
        vec![0x01, 0x01, if v { 0xff } else { 0 }]
    }
    pub fn explicit(n: u8, content: &[u8]) -> Vec<u8> {
        tlv(0xa0 | n, content)
    }

    /// One element: (tag, content, whole encoding, rest).
    pub type Elem<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

    /// Reads one DER element.
    pub fn read(b: &[u8]) -> Option<Elem<'_>> {
        let tag = *b.first()?;
        let l0 = *b.get(1)?;
        let (len, hdr) = if l0 < 0x80 {
            (usize::from(l0), 2)
        } else {
            let n = usize::from(l0 & 0x7f);
            if n == 0 || n > 4 {
                return None;
            }
            let mut len = 0usize;
            for i in 0..n {
                len = len << 8 | usize::from(*b.get(2 + i)?);
            }
            (len, 2 + n)
        };
        let end = hdr.checked_add(len)?;
        let content = b.get(hdr..end)?;
        Some((tag, content, b.get(..end)?, b.get(end..)?))
    }

    /// Reads the elements of a constructed value's content.
    pub fn items(mut b: &[u8]) -> Option<Vec<Elem<'_>>> {
        let mut v = Vec::new();
        while !b.is_empty() {
            let e = read(b)?;
            b = e.3;
            v.push(e);
        }
        Some(v)
    }
}

// ---------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------

const OID_RSA: &[u64] = &[1, 2, 840, 113_549, 1, 1, 1];
const OID_EC: &[u64] = &[1, 2, 840, 10_045, 2, 1];
const OID_P256: &[u64] = &[1, 2, 840, 10_045, 3, 1, 7];
const OID_ED25519: &[u64] = &[1, 3, 101, 112];

/// A private key of a kind Sprig handles.
#[derive(Clone)]
enum Key {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ec(p256::SecretKey),
    Ed(ed25519_dalek::SigningKey),
    /// DSA: kept as its DER (Go cannot sign certificates with it either).
    Dsa(Vec<u8>),
}

impl Key {
    /// The PEM block Sprig's `pemBlockForKey` produces.
    fn to_pem(&self) -> Result<String, String> {
        match self {
            Key::Rsa(k) => {
                use rsa::pkcs1::EncodeRsaPrivateKey;
                let der = k.to_pkcs1_der().map_err(|e| e.to_string())?;
                Ok(pem_encode("RSA PRIVATE KEY", der.as_bytes()))
            }
            Key::Ec(k) => {
                let point = k.public_key().to_encoded_point(false);
                let der = der::seq(&[
                    der::small_int(1),
                    der::octets(&k.to_bytes()),
                    der::explicit(0, &der::oid(OID_P256)),
                    der::explicit(1, &der::bits(0, point.as_bytes())),
                ]);
                Ok(pem_encode("EC PRIVATE KEY", &der))
            }
            Key::Ed(k) => {
                let der = der::seq(&[
                    der::small_int(0),
                    der::seq(&[der::oid(OID_ED25519)]),
                    der::octets(&der::octets(&k.to_bytes())),
                ]);
                Ok(pem_encode("PRIVATE KEY", &der))
            }
            Key::Dsa(d) => Ok(pem_encode("DSA PRIVATE KEY", d)),
        }
    }

    /// DER SubjectPublicKeyInfo.
    fn spki(&self) -> Result<Vec<u8>, String> {
        match self {
            Key::Rsa(k) => {
                use rsa::traits::PublicKeyParts;
                let pk = der::seq(&[
                    der::uint(&k.n().to_bytes_be()),
                    der::uint(&k.e().to_bytes_be()),
                ]);
                Ok(der::seq(&[
                    der::seq(&[der::oid(OID_RSA), der::null()]),
                    der::bits(0, &pk),
                ]))
            }
            Key::Ec(k) => Ok(der::seq(&[
                der::seq(&[der::oid(OID_EC), der::oid(OID_P256)]),
                der::bits(0, k.public_key().to_encoded_point(false).as_bytes()),
            ])),
            Key::Ed(k) => Ok(der::seq(&[
                der::seq(&[der::oid(OID_ED25519)]),
                der::bits(0, k.verifying_key().as_bytes()),
            ])),
            Key::Dsa(_) => Err("unsupported".to_string()),
        }
    }

    /// The signature AlgorithmIdentifier and a signature over `msg`.
    fn sign(&self, msg: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
        match self {
            Key::Rsa(k) => {
                use rsa::signature::{SignatureEncoding, Signer};
                let sk = rsa::pkcs1v15::SigningKey::<Sha256>::new((**k).clone());
                let sig = sk.try_sign(msg).map_err(|e| e.to_string())?;
                Ok((
                    der::seq(&[der::oid(&[1, 2, 840, 113_549, 1, 1, 11]), der::null()]),
                    sig.to_vec(),
                ))
            }
            Key::Ec(k) => {
                use p256::ecdsa::signature::Signer;
                let sk = p256::ecdsa::SigningKey::from(k);
                let sig: p256::ecdsa::Signature = sk.try_sign(msg).map_err(|e| e.to_string())?;
                Ok((
                    der::seq(&[der::oid(&[1, 2, 840, 10_045, 4, 3, 2])]),
                    sig.to_der().as_bytes().to_vec(),
                ))
            }
            Key::Ed(k) => {
                use ed25519_dalek::Signer;
                Ok((
                    der::seq(&[der::oid(OID_ED25519)]),
                    k.sign(msg).to_bytes().to_vec(),
                ))
            }
            Key::Dsa(_) => {
                Err("x509: certificate private key does not implement crypto.Signer".into())
            }
        }
    }
}

/// A DSA key with fresh L=2048, N=256 parameters, as Go's `DSAKeyFormat` DER.
fn gen_dsa() -> Key {
    let params = dsa::Components::generate(&mut OsRng, dsa::KeySize::DSA_2048_256);
    let sk = dsa::SigningKey::generate(&mut OsRng, params);
    let vk = sk.verifying_key();
    let c = vk.components();
    Key::Dsa(der::seq(&[
        der::small_int(0),
        der::uint(&c.p().to_bytes_be()),
        der::uint(&c.q().to_bytes_be()),
        der::uint(&c.g().to_bytes_be()),
        der::uint(&vk.y().to_bytes_be()),
        der::uint(&sk.x().to_bytes_be()),
    ]))
}

/// A fresh RSA key of `bits` bits (e = 65537, two primes), as Go's `rsa.GenerateKey`.
///
/// The sizes Sprig uses (2048 and 4096) go through [`rsagen`]; any other size through the
/// `rsa` crate's own generator.
fn gen_rsa(bits: usize) -> Result<Key, String> {
    let key = match bits {
        2048 => rsagen::generate::<{ 1024 / 64 }>(1024)?,
        4096 => rsagen::generate::<{ 2048 / 64 }>(2048)?,
        _ => rsa::RsaPrivateKey::new(&mut OsRng, bits).map_err(|e| e.to_string())?,
    };
    Ok(Key::Rsa(Box::new(key)))
}

/// Fast two-prime RSA key generation.
///
/// Each prime is found by `crypto-primes`: a random odd start with its two top bits set,
/// a sieve of the following odd numbers by the first 2047 odd primes, then on survivors
/// (after a quick Fermat test to base 2)
/// a base-2 Miller–Rabin test and a strong Lucas test (Baillie–PSW), and on a number that
/// passes both, Miller–Rabin with the random bases FIPS 186-5 asks for a 2⁻¹⁰⁰ error.
/// Go instead sieves by the odd primes up to 53 and runs 20 Miller–Rabin rounds plus
/// Lucas, which takes about three times as many modular exponentiations per prime.
///
/// Two threads search at once and the first two primes found (each from its own random
/// start) make the key, so the wall time is about that of one prime search on one core.
mod rsagen {
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;

    use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
    use crypto_bigint::{Limb, NonZero, Odd, Uint};
    use crypto_primes::fips::FipsOptions;
    use crypto_primes::hazmat::{SetBits, SieveFactory, SmallFactorsSieveFactory};
    use crypto_primes::Flavor;
    use rand::rngs::OsRng;
    use rand::RngCore;

    /// The public exponent (Go's and Sprig's).
    const E: u32 = 65537;

    /// `crypto-primes`' randomness: the operating system's generator, as everywhere else here.
    struct SysRng;

    impl rand_core::TryRng for SysRng {
        type Error = Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Infallible> {
            Ok(OsRng.next_u32())
        }
        fn try_next_u64(&mut self) -> Result<u64, Infallible> {
            Ok(OsRng.next_u64())
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
            OsRng.fill_bytes(dst);
            Ok(())
        }
    }

    impl rand_core::TryCryptoRng for SysRng {}

    /// [`E`] as a divisor.
    const E_LIMB: NonZero<Limb> = NonZero::<Limb>::new_unwrap(Limb::from_u32(E));

    /// Whether a sieve survivor is a prime usable for an RSA key with exponent [`E`].
    fn accept<const L: usize>(rng: &mut SysRng, c: &Uint<L>, bits: u32) -> bool {
        // E is prime, so gcd(E, c - 1) = 1 unless c ≡ 1 (mod E).
        if c.rem_limb(E_LIMB) == Limb::ONE {
            return false;
        }
        // A Fermat test to base 2 in variable time first: it rejects nearly all of the
        // thirty-odd composites per prime about a fifth faster than the constant-time
        // exponentiation `crypto-primes` uses. (Go's prime test runs in variable time too.)
        let Some(odd) = Odd::new(*c).into_option() else {
            return false;
        };
        let params = FixedMontyParams::new_vartime(odd);
        let two = FixedMontyForm::new(&Uint::from_u32(2), &params);
        if two.pow_vartime(&c.wrapping_sub(&Uint::ONE)) != FixedMontyForm::one(&params) {
            return false;
        }
        if !crypto_primes::is_prime(Flavor::Any, c) {
            return false;
        }
        let rounds =
            FipsOptions::with_error_bound(bits, 100).unwrap_or(FipsOptions::with_mr_iterations(8));
        crypto_primes::fips::is_prime(rng, Flavor::Any, c, rounds)
    }

    /// Searches primes of `bits` bits (two top bits set) and pushes them to `found` until
    /// `found` holds two or `stop` is set. A new random start is drawn after each prime.
    fn search<const L: usize>(
        bits: u32,
        stop: &AtomicBool,
        found: &Mutex<Vec<Uint<L>>>,
    ) -> Result<(), String> {
        let mut rng = SysRng;
        let mut factory =
            SmallFactorsSieveFactory::<Uint<L>>::new(Flavor::Any, bits, SetBits::TwoMsb)
                .map_err(|e| e.to_string())?;
        'sieve: while !stop.load(Ordering::Relaxed) {
            let Some(sieve) = factory
                .make_sieve(&mut rng, None)
                .map_err(|e| e.to_string())?
            else {
                return Err("prime search exhausted".into());
            };
            for c in sieve {
                if stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                if accept(&mut rng, &c, bits) {
                    let mut f = found.lock().unwrap_or_else(|p| p.into_inner());
                    f.push(c);
                    if f.len() >= 2 {
                        stop.store(true, Ordering::Relaxed);
                    }
                    continue 'sieve;
                }
            }
        }
        Ok(())
    }

    /// Two primes of `bits` bits each, found on two threads when `parallel`, else on this one.
    pub(super) fn two_primes<const L: usize>(
        bits: u32,
        parallel: bool,
    ) -> Result<(Uint<L>, Uint<L>), String> {
        let stop = AtomicBool::new(false);
        let found = Mutex::new(Vec::with_capacity(3));
        std::thread::scope(|s| {
            let helper = if parallel {
                std::thread::Builder::new()
                    .name("rsa-keygen".into())
                    .spawn_scoped(s, || search(bits, &stop, &found))
                    .ok()
            } else {
                None
            };
            let mine = search(bits, &stop, &found);
            // Without a second prime from this thread, the helper's outcome decides.
            stop.store(true, Ordering::Relaxed);
            let theirs = match helper.map(|h| h.join()) {
                Some(Ok(r)) => r,
                Some(Err(_)) => Err("prime search thread failed".to_string()),
                None => Ok(()),
            };
            mine.and(theirs)
        })?;
        let f = found.into_inner().unwrap_or_else(|p| p.into_inner());
        match f.as_slice() {
            [p, q, ..] => Ok((*p, *q)),
            _ => Err("prime search ended early".into()),
        }
    }

    /// The same number as the `rsa` crate's integer type.
    pub(super) fn to_big<const L: usize>(x: &Uint<L>) -> rsa::BigUint {
        let le: Vec<u8> = x.as_words().iter().flat_map(|w| w.to_le_bytes()).collect();
        rsa::BigUint::from_bytes_le(&le)
    }

    /// A two-prime RSA key with primes of `prime_bits` bits (`L` 64-bit limbs) and
    /// e = 65537; d = e⁻¹ mod (p-1)(q-1) as Go computes it.
    pub(super) fn generate<const L: usize>(prime_bits: u32) -> Result<rsa::RsaPrivateKey, String> {
        let parallel = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
        loop {
            let (p, q) = two_primes::<L>(prime_bits, parallel)?;
            let (p, q) = (to_big(&p), to_big(&q));
            // FIPS 186-4 B.3.3: |p - q| > 2^(nlen/2 - 100); equal primes fail this too.
            let diff = if p > q { &p - &q } else { &q - &p };
            if diff.bits() <= prime_bits as usize - 100 {
                continue;
            }
            let key = rsa::RsaPrivateKey::from_primes(vec![p, q], rsa::BigUint::from(E))
                .map_err(|e| e.to_string())?;
            use rsa::traits::PublicKeyParts;
            if key.n().bits() == 2 * prime_bits as usize {
                return Ok(key);
            }
        }
    }
}

/// Parses a PKCS#8 PrivateKeyInfo of the kinds Go reads.
fn parse_pkcs8(der: &[u8]) -> Result<Key, String> {
    let items = der::read(der)
        .and_then(|(_, c, _, _)| der::items(c))
        .ok_or("x509: malformed PKCS#8 private key")?;
    let alg = items
        .get(1)
        .and_then(|(_, c, _, _)| der::items(c))
        .and_then(|v| v.first().map(|e| e.2.to_vec()))
        .ok_or("x509: malformed PKCS#8 private key")?;
    if alg == der::oid(OID_RSA) {
        use rsa::pkcs8::DecodePrivateKey;
        rsa::RsaPrivateKey::from_pkcs8_der(der)
            .map(|k| Key::Rsa(Box::new(k)))
            .map_err(|e| format!("x509: failed to parse RSA private key embedded in PKCS#8: {e}"))
    } else if alg == der::oid(OID_EC) {
        use p256::pkcs8::DecodePrivateKey;
        p256::SecretKey::from_pkcs8_der(der)
            .map(Key::Ec)
            .map_err(|e| format!("x509: failed to parse EC private key embedded in PKCS#8: {e}"))
    } else if alg == der::oid(OID_ED25519) {
        let seed = items
            .get(2)
            .and_then(|(_, c, _, _)| der::read(c))
            .map(|(_, s, _, _)| s)
            .and_then(|s| <[u8; 32]>::try_from(s).ok())
            .ok_or("x509: invalid Ed25519 private key")?;
        Ok(Key::Ed(ed25519_dalek::SigningKey::from_bytes(&seed)))
    } else {
        Err("x509: PKCS#8 wrapping contained private key with unknown algorithm".into())
    }
}

/// Sprig's `parsePrivateKeyPEM`, with its error texts.
fn parse_private_key_pem(pem: &str) -> Result<Key, String> {
    let (kind, der) = pem_decode(pem).ok_or("no PEM data in input")?;
    if kind == "PRIVATE KEY" {
        return parse_pkcs8(&der).map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
    }
    let Some(algo) = kind.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {kind}"));
    };
    match algo {
        "RSA" => {
            use rsa::pkcs1::DecodeRsaPrivateKey;
            rsa::RsaPrivateKey::from_pkcs1_der(&der)
                .map(|k| Key::Rsa(Box::new(k)))
                .map_err(|e| format!("parsing RSA private key from PEM: {e}"))
        }
        "EC" => {
            let items = der::read(&der)
                .and_then(|(_, c, _, _)| der::items(c))
                .ok_or("parsing EC private key from PEM: x509: failed to parse EC private key")?;
            let scalar =
                items.get(1).filter(|e| e.0 == 0x04).map(|e| e.1).ok_or(
                    "parsing EC private key from PEM: x509: failed to parse EC private key",
                )?;
            p256::SecretKey::from_slice(scalar)
                .map(Key::Ec)
                .map_err(|_| "parsing EC private key from PEM: x509: invalid elliptic curve private key value".to_string())
        }
        "DSA" => {
            let ok = der::read(&der)
                .and_then(|(t, c, _, _)| if t == 0x30 { der::items(c) } else { None })
                .is_some_and(|v| v.len() == 6 && v.iter().all(|e| e.0 == 0x02));
            if ok {
                Ok(Key::Dsa(der))
            } else {
                Err("parsing DSA private key from PEM: asn1: structure error".into())
            }
        }
        _ => Err(format!("invalid private key type {kind}")),
    }
}

// ---------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------

/// Sprig's `certificate` struct: PEM certificate and PEM private key.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// PEM `CERTIFICATE`.
    pub cert: String,
    /// PEM private key.
    pub key: String,
}

impl Certificate {
    fn value(self) -> Value {
        Value::Object(Arc::new(self))
    }
}

impl Object for Certificate {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("sprig.certificate")
    }
    fn get(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "Cert" => Some(Ok(Value::str(&self.cert))),
            "Key" => Some(Ok(Value::str(&self.key))),
            _ => None,
        }
    }
    fn format(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// What Sprig's base template asks for.
struct Template {
    cn: String,
    ips: Vec<Vec<u8>>,
    dns: Vec<String>,
    days: i64,
    is_ca: bool,
}

/// The parts of a parsed certificate a signer needs.
struct Parsed {
    subject: Vec<u8>,
    ski: Option<Vec<u8>>,
}

/// Parses a DER certificate far enough to validate its structure and find the subject and
/// subject key identifier.
fn parse_cert(der_bytes: &[u8]) -> Result<Parsed, String> {
    let malformed = || "x509: malformed certificate".to_string();
    let (tag, content, _, rest) = der::read(der_bytes).ok_or_else(malformed)?;
    if tag != 0x30 || !rest.is_empty() {
        return Err(malformed());
    }
    let top = der::items(content).ok_or_else(malformed)?;
    let [tbs, alg, sig] = top.as_slice() else {
        return Err(malformed());
    };
    if tbs.0 != 0x30 || alg.0 != 0x30 || sig.0 != 0x03 {
        return Err(malformed());
    }
    let mut f = der::items(tbs.1)
        .ok_or_else(malformed)?
        .into_iter()
        .peekable();
    if f.peek().is_some_and(|e| e.0 == 0xa0) {
        f.next();
    }
    let serial = f.next().ok_or_else(malformed)?;
    let sigalg = f.next().ok_or_else(malformed)?;
    let issuer = f.next().ok_or_else(malformed)?;
    let validity = f.next().ok_or_else(malformed)?;
    let subject = f.next().ok_or_else(malformed)?;
    let spki = f.next().ok_or_else(malformed)?;
    if serial.0 != 0x02
        || sigalg.0 != 0x30
        || issuer.0 != 0x30
        || validity.0 != 0x30
        || subject.0 != 0x30
        || spki.0 != 0x30
    {
        return Err(malformed());
    }
    let mut ski = None;
    for e in f {
        if e.0 != 0xa3 {
            continue;
        }
        let exts = der::read(e.1)
            .and_then(|(_, c, _, _)| der::items(c))
            .ok_or_else(malformed)?;
        for ext in exts {
            let parts = der::items(ext.1).ok_or_else(malformed)?;
            if parts.first().map(|p| p.2) == Some(der::oid(&[2, 5, 29, 14]).as_slice()) {
                if let Some(val) = parts.last() {
                    ski = der::read(val.1).map(|(_, c, _, _)| c.to_vec());
                }
            }
        }
    }
    Ok(Parsed {
        subject: subject.2.to_vec(),
        ski,
    })
}

/// ASN.1 time as Go marshals it: UTCTime for 1950..2049, GeneralizedTime otherwise.
fn asn1_time(unix: i64) -> Vec<u8> {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let hms = format!("{:02}{:02}{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if (1950..2050).contains(&y) {
        der::tlv(0x17, format!("{:02}{m:02}{d:02}{hms}Z", y % 100).as_bytes())
    } else {
        der::tlv(0x18, format!("{y:04}{m:02}{d:02}{hms}Z").as_bytes())
    }
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn name(cn: &str) -> Vec<u8> {
    if cn.is_empty() {
        return der::seq(&[]);
    }
    let printable = cn
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(&c));
    let value = der::tlv(if printable { 0x13 } else { 0x0c }, cn.as_bytes());
    der::seq(&[der::set(&[der::seq(&[der::oid(&[2, 5, 4, 3]), value])])])
}

fn extension(id: &[u64], critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![der::oid(id)];
    if critical {
        parts.push(der::boolean(true));
    }
    parts.push(der::octets(value));
    der::seq(&parts)
}

/// Go's `x509.CreateCertificate` for Sprig's templates: `subject_key` is certified,
/// `signer` signs; `parent` is the issuing certificate (None: self-signed).
fn create_cert(
    t: &Template,
    subject_key: &Key,
    parent: Option<&Parsed>,
    signer: &Key,
) -> Result<String, String> {
    let (sig_alg, _) = signer
        .sign(b"")
        .map_err(|e| format!("error creating certificate: {e}"))?;
    let spki = subject_key.spki().map_err(|_| {
        "error creating certificate: x509: unsupported public key type: *dsa.PublicKey".to_string()
    })?;
    let mut serial = [0u8; 16];
    OsRng.fill_bytes(&mut serial);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let not_after = now.saturating_add(t.days.saturating_mul(86_400));
    let subject = name(&t.cn);
    let issuer = parent.map(|p| p.subject.clone()).unwrap_or(subject.clone());

    let mut exts = Vec::new();
    // Key usage (critical): digitalSignature, keyEncipherment, and certSign for a CA.
    let ku = if t.is_ca {
        der::bits(2, &[0xa4])
    } else {
        der::bits(5, &[0xa0])
    };
    exts.push(extension(&[2, 5, 29, 15], true, &ku));
    // Extended key usage: serverAuth, clientAuth.
    exts.push(extension(
        &[2, 5, 29, 37],
        false,
        &der::seq(&[
            der::oid(&[1, 3, 6, 1, 5, 5, 7, 3, 1]),
            der::oid(&[1, 3, 6, 1, 5, 5, 7, 3, 2]),
        ]),
    ));
    // Basic constraints (critical).
    let bc = if t.is_ca {
        der::seq(&[der::boolean(true)])
    } else {
        der::seq(&[])
    };
    exts.push(extension(&[2, 5, 29, 19], true, &bc));
    // Subject key id for CAs: SHA-1 of the public key bits.
    if t.is_ca {
        let key_bits = der::read(&spki)
            .and_then(|(_, c, _, _)| der::items(c))
            .and_then(|v| v.get(1).map(|e| e.1.get(1..).unwrap_or(&[]).to_vec()))
            .unwrap_or_default();
        let ski = Sha1::digest(&key_bits);
        exts.push(extension(&[2, 5, 29, 14], false, &der::octets(&ski)));
    }
    // Authority key id from the issuer's subject key id.
    if let Some(p) = parent {
        if let Some(ski) = p.ski.as_ref().filter(|s| !s.is_empty()) {
            if p.subject != subject {
                exts.push(extension(
                    &[2, 5, 29, 35],
                    false,
                    &der::seq(&[der::tlv(0x80, ski)]),
                ));
            }
        }
    }
    // Subject alternative names.
    if !t.dns.is_empty() || !t.ips.is_empty() {
        let mut names: Vec<Vec<u8>> = t.dns.iter().map(|d| der::tlv(0x82, d.as_bytes())).collect();
        names.extend(t.ips.iter().map(|ip| der::tlv(0x87, ip)));
        exts.push(extension(
            &[2, 5, 29, 17],
            t.cn.is_empty(),
            &der::seq(&names),
        ));
    }

    let tbs = der::seq(&[
        der::explicit(0, &der::small_int(2)),
        der::uint(&serial),
        sig_alg.clone(),
        issuer,
        der::seq(&[asn1_time(now), asn1_time(not_after)]),
        subject,
        spki,
        der::explicit(3, &der::seq(&exts)),
    ]);
    let (_, sig) = signer
        .sign(&tbs)
        .map_err(|e| format!("error creating certificate: {e}"))?;
    let cert = der::seq(&[tbs, sig_alg, der::bits(0, &sig)]);
    Ok(pem_encode("CERTIFICATE", &cert))
}

fn list_arg(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::List(l)) => l.to_vec(),
        _ => Vec::new(),
    }
}

/// Go's `net.ParseIP`, as the bytes a certificate carries (4 for IPv4).
fn parse_ip(s: &str) -> Option<Vec<u8>> {
    match s.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(a) => Some(a.octets().to_vec()),
        std::net::IpAddr::V6(a) => Some(match a.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => a.octets().to_vec(),
        }),
    }
}

fn base_template(cn: &str, ips: &[Value], dns: &[Value], days: i64) -> Result<Template, String> {
    let mut ipv = Vec::new();
    for ip in ips {
        let Value::Str(s) = ip else {
            return Err(format!(
                "error parsing ip: {} is not a string",
                format_v(ip)
            ));
        };
        ipv.push(parse_ip(s).ok_or_else(|| format!("error parsing ip: {s}"))?);
    }
    let mut dnsv = Vec::new();
    for d in dns {
        let Value::Str(s) = d else {
            return Err(format!(
                "error processing alternate dns name: {} is not a string",
                format_v(d)
            ));
        };
        dnsv.push(s.to_string());
    }
    Ok(Template {
        cn: cn.to_string(),
        ips: ipv,
        dns: dnsv,
        days,
        is_ca: false,
    })
}

fn issue(t: &Template, key: Key, parent: Option<(&Parsed, &Key)>) -> Result<Value, FuncError> {
    let cert = match parent {
        Some((p, signer)) => create_cert(t, &key, Some(p), signer),
        None => create_cert(t, &key, None, &key),
    }
    .map_err(FuncError::msg)?;
    let key = key.to_pem().map_err(FuncError::msg)?;
    Ok(Certificate { cert, key }.value())
}

fn cert_arg(v: Option<&Value>) -> Result<Certificate, FuncError> {
    match v {
        Some(Value::Object(o)) => o
            .as_any()
            .downcast_ref::<Certificate>()
            .cloned()
            .ok_or_else(|| FuncError::msg("wrong type for value; expected sprig.certificate")),
        _ => Err(FuncError::msg(
            "wrong type for value; expected sprig.certificate",
        )),
    }
}

fn signed(
    cn: &str,
    ips: &[Value],
    dns: &[Value],
    days: i64,
    ca: &Certificate,
    key: impl FnOnce() -> Result<Key, String>,
) -> Result<Value, FuncError> {
    let (_, der_bytes) = pem_decode(&ca.cert)
        .filter(|_| true)
        .ok_or_else(|| FuncError::msg("unable to decode certificate"))?;
    let parsed = parse_cert(&der_bytes).map_err(|e| {
        FuncError::msg(format!(
            "error parsing certificate: decodedSignerCert.Bytes: {e}"
        ))
    })?;
    let signer = parse_private_key_pem(&ca.key)
        .map_err(|e| FuncError::msg(format!("error parsing private key: {e}")))?;
    let t = base_template(cn, ips, dns, days).map_err(FuncError::msg)?;
    let key = key().map_err(FuncError::msg)?;
    issue(&t, key, Some((&parsed, &signer)))
}

fn with_key(pem: &str) -> Result<Key, String> {
    parse_private_key_pem(pem).map_err(|e| format!("parsing private key: {e}"))
}

fn new_rsa_2048() -> Result<Key, String> {
    gen_rsa(2048).map_err(|e| format!("error generating rsa key: {e}"))
}

// ---------------------------------------------------------------------------------------
// Passwords, AES, misc
// ---------------------------------------------------------------------------------------

fn bcrypt_hash(s: &[u8]) -> String {
    if s.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .to_string();
    }
    match bcrypt::hash_with_result(s, 10) {
        Ok(h) => h.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

const MP_SEED: &str = "com.lyndir.masterpassword";

fn templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_chars(c: u8) -> &'static str {
    match c {
        b'V' => "AEIOU",
        b'C' => "BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => "aeiou",
        b'c' => "bcdfghjklmnpqrstvwxyz",
        b'A' => "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => "0123456789",
        b'o' => "@&%?,=[]_:-+*$#!'^~;()/.",
        _ => "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// The Master Password algorithm as Sprig implements it.
fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(tmpls) = templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = MP_SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let derived = scrypt::Params::new(15, 8, 2, 64)
        .map_err(|e| e.to_string())
        .and_then(|p| {
            scrypt::scrypt(password.as_bytes(), &salt, &p, &mut key).map_err(|e| e.to_string())
        });
    if let Err(e) = derived {
        return format!("failed to derive password: {e}");
    }
    let mut msg = MP_SEED.as_bytes().to_vec();
    msg.extend_from_slice(&(site.len() as u32).to_be_bytes());
    msg.extend_from_slice(site.as_bytes());
    msg.extend_from_slice(&counter.to_be_bytes());
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
        return "failed to derive password".to_string();
    };
    mac.update(&msg);
    let seed = mac.finalize().into_bytes();
    let tmpl = tmpls[usize::from(seed[0]) % tmpls.len()];
    tmpl.bytes()
        .enumerate()
        .map(|(i, c)| {
            let chars = template_chars(c).as_bytes();
            let s = seed.get(i + 1).copied().unwrap_or(0);
            char::from(chars[usize::from(s) % chars.len()])
        })
        .collect()
}

fn aes_key(password: &str) -> aes::Aes256 {
    use aes::cipher::KeyInit;
    let mut key = [0u8; 32];
    let p = bytestr::to_go_bytes(password);
    let n = p.len().min(32);
    key[..n].copy_from_slice(&p[..n]);
    aes::Aes256::new(&key.into())
}

fn encrypt_aes(password: &str, plaintext: &str) -> String {
    use aes::cipher::BlockEncrypt;
    if plaintext.is_empty() {
        return String::new();
    }
    let cipher = aes_key(password);
    let mut content = bytestr::to_go_bytes(plaintext).into_owned();
    let pad = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(pad as u8, pad));
    let mut out = vec![0u8; 16];
    OsRng.fill_bytes(&mut out);
    let mut prev: [u8; 16] = [0; 16];
    prev.copy_from_slice(&out);
    for block in content.chunks(16) {
        let mut b = [0u8; 16];
        for (i, x) in b.iter_mut().enumerate() {
            *x = block[i] ^ prev[i];
        }
        let mut ga = b.into();
        cipher.encrypt_block(&mut ga);
        prev.copy_from_slice(&ga);
        out.extend_from_slice(&ga);
    }
    b64_encode(&out)
}

fn decrypt_aes(password: &str, b64: &str) -> Result<String, String> {
    use aes::cipher::BlockDecrypt;
    if b64.is_empty() {
        return Ok(String::new());
    }
    let crypt = b64_decode(b64)?;
    let cipher = aes_key(password);
    if crypt.len() < 16 {
        // Go's decoder returns a slice of a buffer sized for the whole input.
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            b64.len() / 4 * 3
        ));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".to_string());
    }
    let mut prev = iv.to_vec();
    let mut out = Vec::with_capacity(body.len());
    for block in body.chunks(16) {
        let mut ga = aes::Block::clone_from_slice(block);
        cipher.decrypt_block(&mut ga);
        out.extend(ga.iter().zip(prev.iter()).map(|(a, b)| a ^ b));
        prev = block.to_vec();
    }
    let Some(&last) = out.last() else {
        return Err("runtime error: index out of range [-1]".to_string());
    };
    let keep = out.len() as i64 - i64::from(last);
    if keep < 0 {
        return Err(format!(
            "runtime error: slice bounds out of range [:{keep}]"
        ));
    }
    out.truncate(keep as usize);
    Ok(bytestr::from_go_vec(out))
}

fn uuidv4() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn gen_private_key(kind: &str) -> String {
    let key = match kind {
        "" | "rsa" => gen_rsa(4096),
        "ecdsa" => Ok(Key::Ec(p256::SecretKey::random(&mut OsRng))),
        "ed25519" => Ok(Key::Ed(ed25519_dalek::SigningKey::generate(&mut OsRng))),
        "dsa" => Ok(gen_dsa()),
        _ => return format!("Unknown type {kind}"),
    };
    match key.and_then(|k| k.to_pem()) {
        Ok(p) => p,
        Err(e) => format!("failed to generate private key: {e}"),
    }
}

fn s(a: &[Value], i: usize) -> &str {
    a.get(i).and_then(Value::as_str).unwrap_or("")
}

/// A string argument's Go bytes.
fn gb(a: &[Value], i: usize) -> Cow<'_, [u8]> {
    bytestr::to_go_bytes(s(a, i))
}

fn int(a: &[Value], i: usize) -> i64 {
    a.get(i).and_then(Value::as_i64).unwrap_or(0)
}

/// Registers this module's functions.
pub fn register(m: &mut FuncMap) {
    // {{ sha1sum "abc" }}
    m.add("sha1sum", &[Ty::Str], None, |_, a| {
        Ok(Value::str(hex(&Sha1::digest(gb(a, 0)))))
    });
    // {{ sha256sum "abc" }}
    m.add("sha256sum", &[Ty::Str], None, |_, a| {
        Ok(Value::str(hex(&Sha256::digest(gb(a, 0)))))
    });
    // {{ sha512sum "abc" }}
    m.add("sha512sum", &[Ty::Str], None, |_, a| {
        Ok(Value::str(hex(&Sha512::digest(gb(a, 0)))))
    });
    // {{ adler32sum "abc" }}
    m.add("adler32sum", &[Ty::Str], None, |_, a| {
        Ok(Value::str(adler32(&gb(a, 0)).to_string()))
    });
    // {{ bcrypt "secret" }}
    m.add("bcrypt", &[Ty::Str], None, |_, a| {
        Ok(Value::str(bcrypt_hash(&gb(a, 0))))
    });
    // {{ htpasswd "user" "secret" }}
    m.add("htpasswd", &[Ty::Str, Ty::Str], None, |_, a| {
        let user = s(a, 0);
        Ok(Value::str(if user.contains(':') {
            format!("invalid username: {user}")
        } else {
            format!("{user}:{}", bcrypt_hash(&gb(a, 1)))
        }))
    });
    // {{ derivePassword 1 "long" "password" "user" "example.com" }}
    m.add(
        "derivePassword",
        &[Ty::Uint32, Ty::Str, Ty::Str, Ty::Str, Ty::Str],
        None,
        |_, a| {
            Ok(Value::str(derive_password(
                int(a, 0) as u32,
                s(a, 1),
                s(a, 2),
                s(a, 3),
                s(a, 4),
            )))
        },
    );
    // {{ genPrivateKey "ecdsa" }}
    m.add("genPrivateKey", &[Ty::Str], None, |_, a| {
        Ok(Value::str(gen_private_key(s(a, 0))))
    });
    // {{ $c := buildCustomCert (b64enc $cert) (b64enc $key) }}
    m.add("buildCustomCert", &[Ty::Str, Ty::Str], None, |_, a| {
        let cert = b64_decode(s(a, 0))
            .map_err(|_| FuncError::msg("unable to decode base64 certificate"))?;
        let key = b64_decode(s(a, 1))
            .map_err(|_| FuncError::msg("unable to decode base64 private key"))?;
        let cert_s = String::from_utf8_lossy(&cert).into_owned();
        let (_, der_bytes) =
            pem_decode(&cert_s).ok_or_else(|| FuncError::msg("unable to decode certificate"))?;
        parse_cert(&der_bytes).map_err(|e| {
            FuncError::msg(format!("error parsing certificate: decodedCert.Bytes: {e}"))
        })?;
        let key_s = String::from_utf8_lossy(&key).into_owned();
        parse_private_key_pem(&key_s)
            .map_err(|e| FuncError::msg(format!("error parsing private key: {e}")))?;
        Ok(Certificate {
            cert: cert_s,
            key: key_s,
        }
        .value())
    });
    // {{ $ca := genCA "my-ca" 365 }}
    m.add("genCA", &[Ty::Str, Ty::Int], None, |_, a| {
        let key = new_rsa_2048().map_err(FuncError::msg)?;
        let mut t = base_template(s(a, 0), &[], &[], int(a, 1)).map_err(FuncError::msg)?;
        t.is_ca = true;
        issue(&t, key, None)
    });
    // {{ $ca := genCAWithKey "my-ca" 365 (genPrivateKey "ecdsa") }}
    m.add(
        "genCAWithKey",
        &[Ty::Str, Ty::Int, Ty::Str],
        None,
        |_, a| {
            let key = with_key(s(a, 2)).map_err(FuncError::msg)?;
            let mut t = base_template(s(a, 0), &[], &[], int(a, 1)).map_err(FuncError::msg)?;
            t.is_ca = true;
            issue(&t, key, None)
        },
    );
    // {{ $c := genSelfSignedCert "foo.com" (list "10.0.0.1") (list "foo.com") 365 }}
    m.add(
        "genSelfSignedCert",
        &[Ty::Str, Ty::List, Ty::List, Ty::Int],
        None,
        |_, a| {
            let key = new_rsa_2048().map_err(FuncError::msg)?;
            let t = base_template(s(a, 0), &list_arg(a.get(1)), &list_arg(a.get(2)), int(a, 3))
                .map_err(FuncError::msg)?;
            issue(&t, key, None)
        },
    );
    // {{ $c := genSelfSignedCertWithKey "foo.com" nil nil 365 (genPrivateKey "ed25519") }}
    m.add(
        "genSelfSignedCertWithKey",
        &[Ty::Str, Ty::List, Ty::List, Ty::Int, Ty::Str],
        None,
        |_, a| {
            let key = with_key(s(a, 4)).map_err(FuncError::msg)?;
            let t = base_template(s(a, 0), &list_arg(a.get(1)), &list_arg(a.get(2)), int(a, 3))
                .map_err(FuncError::msg)?;
            issue(&t, key, None)
        },
    );
    // {{ $c := genSignedCert "foo.com" nil (list "foo.com") 365 $ca }}
    m.add(
        "genSignedCert",
        &[
            Ty::Str,
            Ty::List,
            Ty::List,
            Ty::Int,
            Ty::Object("sprig.certificate"),
        ],
        None,
        |_, a| {
            let ca = cert_arg(a.get(4))?;
            signed(
                s(a, 0),
                &list_arg(a.get(1)),
                &list_arg(a.get(2)),
                int(a, 3),
                &ca,
                new_rsa_2048,
            )
        },
    );
    // {{ $c := genSignedCertWithKey "foo.com" nil nil 365 $ca (genPrivateKey "ecdsa") }}
    m.add(
        "genSignedCertWithKey",
        &[
            Ty::Str,
            Ty::List,
            Ty::List,
            Ty::Int,
            Ty::Object("sprig.certificate"),
            Ty::Str,
        ],
        None,
        |_, a| {
            let ca = cert_arg(a.get(4))?;
            let pem = s(a, 5).to_string();
            signed(
                s(a, 0),
                &list_arg(a.get(1)),
                &list_arg(a.get(2)),
                int(a, 3),
                &ca,
                move || with_key(&pem),
            )
        },
    );
    // {{ encryptAES "key" "text" }}
    m.add("encryptAES", &[Ty::Str, Ty::Str], None, |_, a| {
        Ok(Value::str(encrypt_aes(s(a, 0), s(a, 1))))
    });
    // {{ encryptAES "key" "text" | decryptAES "key" }}
    m.add("decryptAES", &[Ty::Str, Ty::Str], None, |_, a| {
        decrypt_aes(s(a, 0), s(a, 1))
            .map(Value::str)
            .map_err(FuncError::msg)
    });
    // {{ randBytes 24 }}
    m.add("randBytes", &[Ty::Int], None, |_, a| {
        let n = int(a, 0);
        // Go's limit on one allocation (maxAlloc on 64-bit platforms).
        if !(0..1 << 48).contains(&n) {
            return Err(FuncError::msg("runtime error: makeslice: len out of range"));
        }
        // base64 makes 4 bytes of every 3.
        if (n as u64).div_ceil(3) * 4 > super::strings::MAX_STRING_LEN {
            return Err(super::strings::too_long(
                "randBytes",
                (n as u64).div_ceil(3) * 4,
            ));
        }
        let mut b = vec![0u8; n as usize];
        OsRng.fill_bytes(&mut b);
        Ok(Value::str(b64_encode(&b)))
    });
    // {{ uuidv4 }}
    m.add("uuidv4", &[], None, |_, _| Ok(Value::str(uuidv4())));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn funcs() -> FuncMap {
        let mut m = FuncMap::new();
        register(&mut m);
        m
    }

    fn call(m: &FuncMap, name: &str, args: &[Value]) -> Value {
        m.call(name, args)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"))
    }

    fn text(v: &Value) -> String {
        format_v(v)
    }

    fn field(v: &Value, f: &str) -> String {
        match v {
            Value::Object(o) => match o.get(f, &[]) {
                Some(Ok(x)) => text(&x),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn base64_matches_go() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            assert_eq!(
                b64_decode(&b64_encode(s.as_bytes())).ok(),
                Some(s.as_bytes().to_vec())
            );
        }
        assert_eq!(b64_encode(b"foob"), "Zm9vYg==");
        assert_eq!(
            b64_decode("Zm9v!"),
            Err("illegal base64 data at input byte 4".to_string())
        );
        assert_eq!(b64_decode("Zm9\nv").ok(), Some(b"foo".to_vec()));
        assert_eq!(
            b64_decode("Zg="),
            Err("illegal base64 data at input byte 3".to_string())
        );
    }

    #[test]
    fn hashes() {
        let m = funcs();
        assert_eq!(
            text(&call(&m, "sha256sum", &["abc".into()])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            text(&call(&m, "adler32sum", &["Wikipedia".into()])),
            "300286872"
        );
    }

    #[test]
    fn aes_round_trip() {
        let m = funcs();
        let long = "k".repeat(40);
        for key in ["secret", "", long.as_str()] {
            for pt in [
                "a",
                "exactly sixteen!",
                "some longer text that spans blocks",
            ] {
                let c = call(&m, "encryptAES", &[key.into(), pt.into()]);
                let d = call(&m, "decryptAES", &[key.into(), c]);
                assert_eq!(text(&d), pt);
            }
        }
        assert_eq!(text(&call(&m, "encryptAES", &["k".into(), "".into()])), "");
    }

    #[test]
    fn bcrypt_verifies() {
        let m = funcs();
        let h = text(&call(&m, "bcrypt", &["secret".into()]));
        assert!(h.starts_with("$2a$10$"), "{h}");
        assert_eq!(bcrypt::verify("secret", &h).ok(), Some(true));
        let h = text(&call(&m, "htpasswd", &["user".into(), "pw".into()]));
        let (u, hash) = h.split_once(':').unwrap_or(("", ""));
        assert_eq!(u, "user");
        assert_eq!(bcrypt::verify("pw", hash).ok(), Some(true));
    }

    #[test]
    fn uuid_and_rand_bytes() {
        let m = funcs();
        let u = text(&call(&m, "uuidv4", &[]));
        let re = regex::Regex::new(
            "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(re.is_match(&u), "{u}");
        let b = text(&call(&m, "randBytes", &[Value::int(24)]));
        assert_eq!(b64_decode(&b).map(|v| v.len()), Ok(24));
    }

    /// Runs `openssl` on a PEM, when openssl is installed.
    fn openssl(args: &[&str], pem: &str) -> Option<String> {
        use std::io::Write;
        let mut child = std::process::Command::new("openssl")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .ok()?;
        child.stdin.take()?.write_all(pem.as_bytes()).ok()?;
        let out = child.wait_with_output().ok()?;
        assert!(
            out.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    #[test]
    fn certificates_are_real() {
        let m = funcs();
        for kind in ["ecdsa", "ed25519"] {
            let key = call(&m, "genPrivateKey", &[kind.into()]);
            assert!(parse_private_key_pem(&text(&key)).is_ok());
            let ca = call(&m, "genCAWithKey", &["my-ca".into(), Value::int(30), key]);
            let ca_pem = field(&ca, "Cert");
            let parsed = pem_decode(&ca_pem)
                .and_then(|(_, d)| parse_cert(&d).ok())
                .unwrap_or_else(|| panic!("CA does not parse"));
            assert!(parsed.ski.is_some());
            let leaf_key = call(&m, "genPrivateKey", &["ecdsa".into()]);
            let leaf = call(
                &m,
                "genSignedCertWithKey",
                &[
                    "svc.example".into(),
                    Value::list(vec!["10.0.0.1".into(), "::1".into()]),
                    Value::list(vec!["svc.example".into(), "alt.example".into()]),
                    Value::int(10),
                    ca.clone(),
                    leaf_key,
                ],
            );
            let leaf_pem = field(&leaf, "Cert");
            if let Some(txt) = openssl(&["x509", "-noout", "-text"], &ca_pem) {
                assert!(txt.contains("Subject: CN = my-ca"), "{txt}");
                assert!(txt.contains("CA:TRUE"), "{txt}");
                assert!(txt.contains("Certificate Sign"), "{txt}");
            }
            if let Some(txt) = openssl(&["x509", "-noout", "-text"], &leaf_pem) {
                assert!(txt.contains("Issuer: CN = my-ca"), "{txt}");
                assert!(txt.contains("DNS:svc.example, DNS:alt.example, IP Address:10.0.0.1, IP Address:0:0:0:0:0:0:0:1"), "{txt}");
                assert!(
                    txt.contains("TLS Web Server Authentication, TLS Web Client Authentication"),
                    "{txt}"
                );
                assert!(txt.contains("CA:FALSE"), "{txt}");
            }
            // The leaf verifies against the CA.
            let dir =
                std::env::temp_dir().join(format!("gotmpl-crypto-{}-{kind}", std::process::id()));
            if std::fs::create_dir_all(&dir).is_ok() {
                let ca_path = dir.join("ca.pem");
                if std::fs::write(&ca_path, &ca_pem).is_ok() {
                    let p = ca_path.to_string_lossy().into_owned();
                    if let Some(out) = openssl(&["verify", "-CAfile", &p], &leaf_pem) {
                        assert!(out.contains("OK"), "{out}");
                    }
                }
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
    }

    #[test]
    fn rsa_self_signed_and_custom() {
        let m = funcs();
        let c = call(
            &m,
            "genSelfSignedCert",
            &[
                "".into(),
                Value::Nil,
                Value::list(vec!["a.example".into()]),
                Value::int(1),
            ],
        );
        let cert = field(&c, "Cert");
        let key = field(&c, "Key");
        assert!(key.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        if let Some(txt) = openssl(&["x509", "-noout", "-text"], &cert) {
            assert!(txt.contains("sha256WithRSAEncryption"), "{txt}");
            assert!(txt.contains("Public-Key: (2048 bit)"), "{txt}");
        }
        let rebuilt = call(
            &m,
            "buildCustomCert",
            &[
                b64_encode(cert.as_bytes()).into(),
                b64_encode(key.as_bytes()).into(),
            ],
        );
        assert_eq!(field(&rebuilt, "Cert"), cert);
        match m.call("buildCustomCert", &["!!".into(), "".into()]) {
            Err(FuncError::Msg(e)) => assert_eq!(e, "unable to decode base64 certificate"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn private_key_errors() {
        assert_eq!(
            parse_private_key_pem("nothing").err().as_deref(),
            Some("no PEM data in input")
        );
        let pem = pem_encode("CERTIFICATE", b"x");
        assert_eq!(
            parse_private_key_pem(&pem).err().as_deref(),
            Some("no private key data in PEM block of type CERTIFICATE")
        );
        let pem = pem_encode("FOO PRIVATE KEY", b"x");
        assert_eq!(
            parse_private_key_pem(&pem).err().as_deref(),
            Some("invalid private key type FOO PRIVATE KEY")
        );
        assert_eq!(gen_private_key("x"), "Unknown type x");
    }

    #[test]
    fn rsa_keys_are_sound() {
        use rsa::traits::{PrivateKeyParts, PublicKeyParts};
        for _ in 0..3 {
            let Ok(Key::Rsa(k)) = gen_rsa(2048) else {
                panic!("no RSA key")
            };
            assert_eq!(k.n().bits(), 2048);
            assert_eq!(*k.e(), rsa::BigUint::from(65537u32));
            let [p, q] = k.primes() else {
                panic!("{} primes", k.primes().len())
            };
            assert_eq!((p.bits(), q.bits()), (1024, 1024));
            let diff = if p > q { p - q } else { q - p };
            assert!(diff.bits() > 924, "|p-q| has {} bits", diff.bits());
            assert_eq!(&(p * q), k.n());
            let one = rsa::BigUint::from(1u32);
            let de = k.d() * k.e();
            assert_eq!(&de % (p - &one), one);
            assert_eq!(&de % (q - &one), one);
            k.validate().unwrap_or_else(|e| panic!("{e}"));
            let pem = Key::Rsa(k.clone())
                .to_pem()
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                pem.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"),
                "{pem}"
            );
            match parse_private_key_pem(&pem) {
                Ok(Key::Rsa(back)) => assert_eq!(back.d(), k.d()),
                _ => panic!("{pem}"),
            }
            if let Some(out) = openssl(&["rsa", "-check", "-noout"], &pem) {
                assert!(out.contains("RSA key ok"), "{out}");
            }
        }
    }

    #[test]
    fn prime_search_on_one_and_two_threads() {
        for parallel in [false, true] {
            let (p, q) =
                rsagen::two_primes::<{ 512 / 64 }>(512, parallel).unwrap_or_else(|e| panic!("{e}"));
            let (p, q) = (rsagen::to_big(&p), rsagen::to_big(&q));
            assert_ne!(p, q);
            for x in [&p, &q] {
                assert_eq!(x.bits(), 512);
                // The two top bits are set, and x - 1 is prime to 65537.
                assert!(x >= &(rsa::BigUint::from(3u32) << 510usize));
                assert_ne!(x % 65537u32, rsa::BigUint::from(1u32));
                let hex: String = x.to_bytes_be().iter().map(|b| format!("{b:02X}")).collect();
                if let Some(out) = openssl(&["prime", "-hex", &hex], "") {
                    assert!(out.contains("is prime"), "{out}");
                }
            }
        }
    }

    #[test]
    fn recorded_crypto_goldens() {
        let mut m = funcs();
        m.add("list", &[], Some(Ty::Any), |_, a| {
            Ok(Value::list(a.to_vec()))
        });
        let n = crate::date::replay::replay(&m, "crypto", &[]);
        assert!(n >= 35, "only {n} cases replayed");
    }

    #[test]
    fn generated_keys_parse() {
        for (kind, head) in [
            ("", "-----BEGIN RSA PRIVATE KEY-----\n"),
            ("dsa", "-----BEGIN DSA PRIVATE KEY-----\n"),
        ] {
            let pem = gen_private_key(kind);
            assert!(pem.starts_with(head), "{pem}");
            let key = parse_private_key_pem(&pem).unwrap_or_else(|e| panic!("{kind}: {e}"));
            if let Some(txt) = openssl(&["pkey", "-noout", "-text"], &pem) {
                assert!(
                    txt.contains(if kind.is_empty() {
                        "4096 bit"
                    } else {
                        "2048 bit"
                    }),
                    "{txt}"
                );
            }
            if kind == "dsa" {
                // Go cannot sign a certificate with a DSA key either.
                let t = base_template("x", &[], &[], 1).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(
                    create_cert(&t, &key, None, &key).err().as_deref(),
                    Some("error creating certificate: x509: certificate private key does not implement crypto.Signer")
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn decoding_never_panics(s in "[A-Za-z0-9+/=\\n-]{0,40}|\\PC{0,40}", bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let _ = b64_decode(&s);
            let _ = decrypt_aes("k", &s);
            let _ = parse_private_key_pem(&s);
            let _ = parse_cert(&bytes);
            let _ = parse_private_key_pem(&pem_encode("EC PRIVATE KEY", &bytes));
            let _ = parse_private_key_pem(&pem_encode("PRIVATE KEY", &bytes));
            let _ = parse_private_key_pem(&pem_encode("RSA PRIVATE KEY", &bytes));
            let _ = der::items(&bytes);
        }
    }
}
