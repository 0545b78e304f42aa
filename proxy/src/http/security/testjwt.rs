//! Test token issuers: keys, signed tokens and a loopback JWKS server
//! whose document can be replaced or withdrawn.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rcgen::KeyPair;
use url::Url;

/// A signing key with its JWK.
pub(crate) struct Signer {
    pub(crate) kid: String,
    alg: Algorithm,
    key: EncodingKey,
    jwk: serde_json::Value,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Signer {
    fn ec(kid: &str, alg: Algorithm) -> Signer {
        let (rcgen_alg, crv, len) = match alg {
            Algorithm::ES384 => (&rcgen::PKCS_ECDSA_P384_SHA384, "P-384", 48),
            _ => (&rcgen::PKCS_ECDSA_P256_SHA256, "P-256", 32),
        };
        let pair = KeyPair::generate_for(rcgen_alg).expect("EC key");
        let point = pair.public_key_raw();
        let (x, y) = point[1..].split_at(len);
        let jwk = serde_json::json!({
            "kty": "EC", "crv": crv, "x": b64(x), "y": b64(y),
            "kid": kid, "use": "sig", "alg": format!("{alg:?}"),
        });
        Signer {
            kid: kid.to_string(),
            alg,
            key: EncodingKey::from_ec_der(&pair.serialize_der()),
            jwk,
        }
    }

    pub(crate) fn es256(kid: &str) -> Signer {
        Self::ec(kid, Algorithm::ES256)
    }

    pub(crate) fn es384(kid: &str) -> Signer {
        Self::ec(kid, Algorithm::ES384)
    }

    /// The checked-in test RSA key, for RS256/RS384/RS512.
    pub(crate) fn rsa(kid: &str, alg: Algorithm) -> Signer {
        use rustls::pki_types::pem::PemObject;
        let der = rustls::pki_types::PrivatePkcs1KeyDer::from_pem_slice(
            super::testpki::rsa_pkcs1_pem().as_bytes(),
        )
        .expect("PKCS#1 test key");
        let pair = ring::signature::RsaKeyPair::from_der(der.secret_pkcs1_der()).expect("RSA");
        let public: ring::signature::RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
        let jwk = serde_json::json!({
            "kty": "RSA", "n": b64(&public.n), "e": b64(&public.e),
            "kid": kid, "use": "sig", "alg": format!("{alg:?}"),
        });
        Signer {
            kid: kid.to_string(),
            alg,
            key: EncodingKey::from_rsa_der(der.secret_pkcs1_der()),
            jwk,
        }
    }

    pub(crate) fn rs256(kid: &str) -> Signer {
        Self::rsa(kid, Algorithm::RS256)
    }

    /// The public JWK.
    pub(crate) fn jwk(&self) -> serde_json::Value {
        self.jwk.clone()
    }

    /// A token with these claims, signed with this key and its `kid`.
    pub(crate) fn sign(&self, claims: &serde_json::Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).expect("sign")
    }
}

/// `{"keys": [...]}` of these signers.
pub(crate) fn jwks_of(signers: &[&Signer]) -> String {
    let keys: Vec<serde_json::Value> = signers.iter().map(|s| s.jwk()).collect();
    serde_json::json!({ "keys": keys }).to_string()
}

/// A JWKS server on 127.0.0.1:0 serving `/jwks`; 500 when withdrawn.
pub(crate) struct JwksServer {
    pub(crate) url: Url,
    doc: Arc<Mutex<Option<String>>>,
    hits: Arc<AtomicUsize>,
}

impl JwksServer {
    pub(crate) async fn start(doc: String) -> JwksServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let doc = Arc::new(Mutex::new(Some(doc)));
        let hits = Arc::new(AtomicUsize::new(0));
        let (d, h) = (doc.clone(), hits.clone());
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                let (d, h) = (d.clone(), h.clone());
                async move {
                    h.fetch_add(1, Ordering::SeqCst);
                    match d.lock().expect("doc").clone() {
                        Some(doc) => (axum::http::StatusCode::OK, doc),
                        None => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, String::new()),
                    }
                }
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        JwksServer {
            url: Url::parse(&format!("http://{addr}/jwks")).expect("url"),
            doc,
            hits,
        }
    }

    /// Serves another document from now on (`None`: answers 500).
    pub(crate) fn set(&self, doc: Option<String>) {
        *self.doc.lock().expect("doc") = doc;
    }

    /// Requests served so far.
    pub(crate) fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// A URL where nothing listens (a port bound, then released).
pub(crate) async fn unreachable_url() -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    Url::parse(&format!("http://{addr}/jwks")).expect("url")
}
