//! Test certificates, made with rcgen at test time (EC P-256 keys; RSA from
//! the checked-in test-only key, since ring cannot generate RSA keys).

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// The test-only RSA key as PKCS#8.
pub(crate) fn rsa_pkcs8_pem() -> &'static str {
    include_str!("testdata/test-only-rsa2048.pkcs8.pem")
}

/// The same key as PKCS#1.
pub(crate) fn rsa_pkcs1_pem() -> &'static str {
    include_str!("testdata/test-only-rsa2048.pkcs1.pem")
}

/// A certificate and its private key, PEM.
#[derive(Clone, Debug)]
pub(crate) struct Leaf {
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
}

impl Leaf {
    /// The DER of the (first) certificate, to compare with what a peer saw.
    pub(crate) fn cert_der(&self) -> Vec<u8> {
        use rustls::pki_types::pem::PemObject;
        rustls::pki_types::CertificateDer::from_pem_slice(self.cert_pem.as_bytes())
            .expect("own PEM")
            .to_vec()
    }

    /// Writes `NAME.pem` and `NAME-key.pem` into `dir`; returns their paths.
    pub(crate) fn write(&self, dir: &Path, name: &str) -> (PathBuf, PathBuf) {
        let cert = dir.join(format!("{name}.pem"));
        let key = dir.join(format!("{name}-key.pem"));
        std::fs::write(&cert, &self.cert_pem).expect("write certificate");
        std::fs::write(&key, &self.key_pem).expect("write key");
        (cert, key)
    }
}

/// A certificate authority.
pub(crate) struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
    pub(crate) cert_pem: String,
}

impl Ca {
    pub(crate) fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("CA key");
        let issuer = CertifiedIssuer::self_signed(params, key).expect("CA certificate");
        let cert_pem = issuer.pem();
        Ca { issuer, cert_pem }
    }

    /// Writes the CA certificate as `NAME.pem`.
    pub(crate) fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(format!("{name}.pem"));
        std::fs::write(&path, &self.cert_pem).expect("write CA");
        path
    }

    fn leaf(&self, names: &[&str], usage: ExtendedKeyUsagePurpose, key: KeyPair) -> Leaf {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).expect("leaf params");
        if let Some(first) = names.first() {
            params.distinguished_name.push(DnType::CommonName, first);
        }
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![usage];
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer).expect("leaf cert");
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    /// A server certificate for `names` (DNS names or IP addresses).
    pub(crate) fn server(&self, names: &[&str]) -> Leaf {
        let key = KeyPair::generate().expect("leaf key");
        self.leaf(names, ExtendedKeyUsagePurpose::ServerAuth, key)
    }

    /// A server certificate with the test-only RSA key (PKCS#8).
    pub(crate) fn server_with_rsa_key(&self, names: &[&str]) -> Leaf {
        let key = KeyPair::from_pkcs8_pem_and_sign_algo(rsa_pkcs8_pem(), &rcgen::PKCS_RSA_SHA256)
            .expect("RSA test key");
        self.leaf(names, ExtendedKeyUsagePurpose::ServerAuth, key)
    }

    /// A client certificate.
    pub(crate) fn client(&self, name: &str) -> Leaf {
        let key = KeyPair::generate().expect("leaf key");
        self.leaf(&[name], ExtendedKeyUsagePurpose::ClientAuth, key)
    }
}
