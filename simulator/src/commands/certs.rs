//! `ptp-sim certs DIR [--name NAME]... [--client-name NAME] [--days N]`:
//! a test PKI in PEM files, for `--auth-config` (server certificate, CA of
//! client certificates), `--consumer-ca` and `ptp-sim consume --cacert
//! --cert --key`. One CA signs everything:
//!
//! | file | what |
//! |---|---|
//! | `ca.pem`, `ca-key.pem` | the CA |
//! | `server.pem`, `server-key.pem` | a server certificate for the names |
//! | `client.pem`, `client-key.pem` | a client certificate |
//!
//! Keys are EC P-256 in PKCS#8, readable by their owner only. Existing
//! files are not replaced.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use super::jose::write_private;

/// Names of the server certificate when none are given.
pub const DEFAULT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// What was written.
#[derive(Debug)]
pub struct Written {
    pub ca: PathBuf,
    pub server: (PathBuf, PathBuf),
    pub client: (PathBuf, PathBuf),
}

fn validity(params: &mut CertificateParams, days: u32) {
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(i64::from(days));
}

fn write_public(path: &Path, text: &str) -> Result<()> {
    if path.exists() {
        anyhow::bail!("{} exists; not replaced", path.display());
    }
    std::fs::write(path, text).with_context(|| format!("write {}", path.display()))
}

/// Writes the CA, a server certificate for `names` and a client
/// certificate for `client_name` into `dir` (created if missing).
pub fn write(dir: &Path, names: &[String], client_name: &str, days: u32) -> Result<Written> {
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    let file = |n: &str| dir.join(n);
    for n in [
        "ca.pem",
        "ca-key.pem",
        "server.pem",
        "server-key.pem",
        "client.pem",
        "client-key.pem",
    ] {
        if file(n).exists() {
            anyhow::bail!("{} exists; not replaced", file(n).display());
        }
    }

    let mut ca = CertificateParams::new(Vec::<String>::new()).context("CA")?;
    ca.distinguished_name
        .push(DnType::CommonName, "ptp-sim test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut ca, days);
    let ca_key = KeyPair::generate().context("CA key")?;
    let ca_key_pem = ca_key.serialize_pem();
    let issuer = CertifiedIssuer::self_signed(ca, ca_key).context("CA certificate")?;

    let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose| -> Result<(String, String)> {
        let common_name = names.first().cloned().unwrap_or_default();
        let mut params = CertificateParams::new(names).context("certificate names")?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![usage];
        params.use_authority_key_identifier_extension = true;
        validity(&mut params, days);
        let key = KeyPair::generate().context("key")?;
        let cert = params
            .signed_by(&key, &issuer)
            .context("sign certificate")?;
        Ok((cert.pem(), key.serialize_pem()))
    };
    let server = leaf(names.to_vec(), ExtendedKeyUsagePurpose::ServerAuth)?;
    let client = leaf(
        vec![client_name.to_string()],
        ExtendedKeyUsagePurpose::ClientAuth,
    )?;

    write_private(&file("ca-key.pem"), &ca_key_pem)?;
    write_public(&file("ca.pem"), &issuer.pem())?;
    write_private(&file("server-key.pem"), &server.1)?;
    write_public(&file("server.pem"), &server.0)?;
    write_private(&file("client-key.pem"), &client.1)?;
    write_public(&file("client.pem"), &client.0)?;
    Ok(Written {
        ca: file("ca.pem"),
        server: (file("server.pem"), file("server-key.pem")),
        client: (file("client.pem"), file("client-key.pem")),
    })
}

/// The command.
pub fn main(dir: &Path, names: &[String], client_name: &str, days: u32) -> Result<ExitCode> {
    let names: Vec<String> = if names.is_empty() {
        DEFAULT_NAMES.iter().map(|s| s.to_string()).collect()
    } else {
        names.to_vec()
    };
    let w = write(dir, &names, client_name, days)?;
    println!("CA                 {}", w.ca.display());
    println!(
        "server certificate {} (key {}) for {}",
        w.server.0.display(),
        w.server.1.display(),
        names.join(", ")
    );
    println!(
        "client certificate {} (key {}) for {client_name}",
        w.client.0.display(),
        w.client.1.display()
    );
    println!("valid for {days} days");
    Ok(ExitCode::SUCCESS)
}
