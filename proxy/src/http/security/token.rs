//! The pure half of bearer-token validation (security.md §3): taking a JWS
//! compact token apart, the algorithm rule, and the claim checks. The
//! signature itself is verified by `jsonwebtoken` with a JWKS key
//! ([`super::jwks`]); [`super::bearer`] runs the steps in the spec's order.
//!
//! Problems are described without the token: they name the check that
//! failed, and quote header values only when they are short and plain.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use super::auth_config::OAuthSettings;

/// `exp` and `nbf` tolerate this much clock skew.
pub const LEEWAY_SECONDS: i64 = 60;
/// Longer tokens are refused unread.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Why a token is refused. All but [`TokenProblem::Scope`] are 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenProblem {
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    #[error("alg: {0} is not accepted (RS256, RS384, RS512, ES256 or ES384)")]
    Algorithm(String),
    #[error("crit: the token has critical header extensions this server does not understand")]
    Critical,
    #[error("kid: the token header has no key id")]
    NoKid,
    #[error("kid: no key {0} in the JWKS")]
    UnknownKid(String),
    #[error("kid: the JWKS key {kid} is not a key for {alg}")]
    KeyMismatch { kid: String, alg: String },
    #[error("signature: the token signature does not verify")]
    Signature,
    #[error("exp: the token has no expiry")]
    NoExpiry,
    #[error("exp: the token expired")]
    Expired,
    #[error("nbf: the token is not valid yet")]
    NotYetValid,
    #[error("iss: the token issuer is not the configured issuer")]
    Issuer,
    #[error("aud: the token audience does not contain the required audience")]
    Audience,
    #[error("scope: the token lacks the required scope {0}")]
    Scope(String),
}

#[derive(Debug, Deserialize)]
struct Header {
    alg: Option<String>,
    kid: Option<String>,
    crit: Option<serde::de::IgnoredAny>,
}

/// A string or an array of strings (`aud`, `scope`, `scp`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn iter(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        match self {
            Self::One(s) => Box::new(std::iter::once(s.as_str())),
            Self::Many(v) => Box::new(v.iter().map(String::as_str)),
        }
    }

    /// Scope values: a string holds space-separated scopes.
    fn scopes(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().flat_map(str::split_whitespace)
    }
}

/// The claims that are checked; others are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub exp: Option<f64>,
    pub nbf: Option<f64>,
    pub iss: Option<String>,
    pub aud: Option<OneOrMany>,
    pub scope: Option<OneOrMany>,
    pub scp: Option<OneOrMany>,
}

/// A token taken apart, before its signature is checked.
#[derive(Debug)]
pub struct Parsed<'a> {
    pub alg: Algorithm,
    pub kid: String,
    pub claims: Claims,
    /// `header.payload`, the signed bytes.
    pub signing_input: &'a str,
    /// The base64url signature.
    pub signature: &'a str,
}

/// A header value fit to quote in a problem: short and plain, or not at all.
pub fn shown(value: &str) -> String {
    let plain = value.len() <= 64
        && !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:+/=".contains(c));
    if plain {
        value.to_string()
    } else {
        "(not shown)".to_string()
    }
}

fn accepted(alg: &str) -> Option<Algorithm> {
    Some(match alg {
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        _ => return None,
    })
}

fn decode_json<T: serde::de::DeserializeOwned>(
    segment: &str,
    what: &'static str,
) -> Result<T, TokenProblem> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenProblem::Malformed(what))?;
    serde_json::from_slice(&bytes).map_err(|_| TokenProblem::Malformed(what))
}

/// Steps 1 to 3: well-formed, accepted algorithm, a key id.
pub fn parse(token: &str) -> Result<Parsed<'_>, TokenProblem> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenProblem::Malformed("longer than 16 KiB"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenProblem::Malformed("not three base64url parts"));
    };
    let header: Header = decode_json(header, "the header is not base64url JSON")?;
    let claims: Claims = decode_json(
        payload,
        "the claims are not base64url JSON of the right types",
    )?;
    let signing_input = &token[..token.len() - signature.len() - 1];
    let alg = header
        .alg
        .ok_or(TokenProblem::Malformed("the header has no alg"))?;
    let alg = accepted(&alg).ok_or_else(|| TokenProblem::Algorithm(shown(&alg)))?;
    if header.crit.is_some() {
        return Err(TokenProblem::Critical);
    }
    let kid = header
        .kid
        .filter(|k| !k.is_empty())
        .ok_or(TokenProblem::NoKid)?;
    if signature.is_empty() {
        return Err(TokenProblem::Signature);
    }
    Ok(Parsed {
        alg,
        kid,
        claims,
        signing_input,
        signature,
    })
}

/// Steps 5 to 8, after the signature: times, issuer, audience, scopes.
pub fn check_claims(
    claims: &Claims,
    settings: &OAuthSettings,
    now: i64,
) -> Result<(), TokenProblem> {
    let now = now as f64;
    let leeway = LEEWAY_SECONDS as f64;
    let exp = claims.exp.ok_or(TokenProblem::NoExpiry)?;
    if now >= exp + leeway {
        return Err(TokenProblem::Expired);
    }
    if let Some(nbf) = claims.nbf {
        if now + leeway < nbf {
            return Err(TokenProblem::NotYetValid);
        }
    }
    if claims.iss.as_deref() != Some(settings.issuer.as_str()) {
        return Err(TokenProblem::Issuer);
    }
    if let Some(required) = &settings.audience {
        let has = claims
            .aud
            .as_ref()
            .is_some_and(|aud| aud.iter().any(|a| a == required));
        if !has {
            return Err(TokenProblem::Audience);
        }
    }
    let granted = |scope: &str| {
        [&claims.scope, &claims.scp]
            .into_iter()
            .flatten()
            .any(|c| c.scopes().any(|s| s == scope))
    };
    if let Some(missing) = settings.scopes.iter().find(|s| !granted(s)) {
        return Err(TokenProblem::Scope(missing.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(json: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(json.to_string())
    }

    fn token(header: serde_json::Value, claims: serde_json::Value) -> String {
        format!("{}.{}.c2ln", b64(&header), b64(&claims))
    }

    fn settings() -> OAuthSettings {
        OAuthSettings {
            issuer: "https://issuer.example".to_string(),
            jwks_url: url::Url::parse("https://issuer.example/jwks").expect("url"),
            audience: Some("ptp".to_string()),
            scopes: vec!["subscribe".to_string(), "delete".to_string()],
        }
    }

    fn claims(v: serde_json::Value) -> Claims {
        serde_json::from_value(v).expect("claims")
    }

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn a_well_formed_token_comes_apart() {
        let t = token(
            serde_json::json!({"alg": "ES256", "kid": "k1", "typ": "JWT"}),
            serde_json::json!({"iss": "x", "exp": 1}),
        );
        let p = parse(&t).expect("parsed");
        assert_eq!(p.alg, Algorithm::ES256);
        assert_eq!(p.kid, "k1");
        assert_eq!(p.signature, "c2ln");
        assert_eq!(format!("{}.c2ln", p.signing_input), t);
    }

    #[test]
    fn malformed_tokens_and_refused_algorithms() {
        let claims = serde_json::json!({"exp": 1});
        let cases: Vec<(String, &str)> = vec![
            ("abc".to_string(), "malformed"),
            ("a.b.c.d".to_string(), "malformed"),
            ("!!.!!.!!".to_string(), "malformed"),
            (
                format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode("not json")),
                "malformed",
            ),
            (
                token(
                    serde_json::json!({"alg": "ES256", "kid": "k"}),
                    serde_json::json!({"exp": "soon"}),
                ),
                "malformed",
            ),
            (
                token(serde_json::json!({"kid": "k"}), claims.clone()),
                "malformed",
            ),
            (
                token(
                    serde_json::json!({"alg": "none", "kid": "k"}),
                    claims.clone(),
                ),
                "alg: none",
            ),
            (
                token(
                    serde_json::json!({"alg": "HS256", "kid": "k"}),
                    claims.clone(),
                ),
                "alg: HS256",
            ),
            (
                token(
                    serde_json::json!({"alg": "PS256", "kid": "k"}),
                    claims.clone(),
                ),
                "alg: PS256",
            ),
            (
                token(
                    serde_json::json!({"alg": "EdDSA", "kid": "k"}),
                    claims.clone(),
                ),
                "alg: EdDSA",
            ),
            (
                token(
                    serde_json::json!({"alg": "ES256 \" <script>", "kid": "k"}),
                    claims.clone(),
                ),
                "alg: (not shown)",
            ),
            (
                token(
                    serde_json::json!({"alg": "RS256", "kid": "k", "crit": ["exp"]}),
                    claims.clone(),
                ),
                "crit:",
            ),
            (
                token(serde_json::json!({"alg": "RS256"}), claims.clone()),
                "kid:",
            ),
            ("x".repeat(MAX_TOKEN_BYTES + 1), "malformed"),
        ];
        for (t, want) in cases {
            let e = parse(&t).expect_err("refused");
            assert!(e.to_string().starts_with(want), "{t:.60}: {e}");
            assert!(!e.to_string().contains(&t), "the token is quoted: {e}");
        }
        // alg: none with an empty signature is refused for the algorithm.
        let none = format!(
            "{}.{}.",
            b64(&serde_json::json!({"alg": "none"})),
            b64(&claims)
        );
        assert!(matches!(parse(&none), Err(TokenProblem::Algorithm(a)) if a == "none"));
    }

    #[test]
    fn times_with_a_minute_of_leeway() {
        let s = settings();
        let base = |exp: i64, nbf: Option<i64>| {
            let mut v = serde_json::json!({"iss": s.issuer, "aud": "ptp", "scope": "subscribe delete", "exp": exp});
            if let Some(nbf) = nbf {
                v["nbf"] = nbf.into();
            }
            claims(v)
        };
        assert_eq!(
            check_claims(&base(NOW + 10, Some(NOW - 10)), &s, NOW),
            Ok(())
        );
        assert_eq!(check_claims(&base(NOW - 59, None), &s, NOW), Ok(()));
        assert_eq!(
            check_claims(&base(NOW - 60, None), &s, NOW),
            Err(TokenProblem::Expired)
        );
        assert_eq!(
            check_claims(&base(NOW + 600, Some(NOW + 60)), &s, NOW),
            Ok(())
        );
        assert_eq!(
            check_claims(&base(NOW + 600, Some(NOW + 61)), &s, NOW),
            Err(TokenProblem::NotYetValid)
        );
        let no_exp =
            claims(serde_json::json!({"iss": s.issuer, "aud": "ptp", "scope": "subscribe delete"}));
        assert_eq!(check_claims(&no_exp, &s, NOW), Err(TokenProblem::NoExpiry));
    }

    #[test]
    fn issuer_audience_and_scopes() {
        let s = settings();
        let ok = |v: serde_json::Value| check_claims(&claims(v), &s, NOW);
        let exp = NOW + 300;
        let iss = s.issuer.clone();
        assert_eq!(
            ok(
                serde_json::json!({"exp": exp, "iss": iss, "aud": ["other", "ptp"], "scp": ["delete", "subscribe"]})
            ),
            Ok(())
        );
        assert_eq!(
            ok(
                serde_json::json!({"exp": exp, "iss": iss, "aud": "ptp", "scope": "subscribe", "scp": "delete"})
            ),
            Ok(())
        );
        assert_eq!(
            ok(
                serde_json::json!({"exp": exp, "iss": format!("{iss}/"), "aud": "ptp", "scope": "subscribe delete"})
            ),
            Err(TokenProblem::Issuer)
        );
        assert_eq!(
            ok(serde_json::json!({"exp": exp, "aud": "ptp", "scope": "subscribe delete"})),
            Err(TokenProblem::Issuer)
        );
        assert_eq!(
            ok(
                serde_json::json!({"exp": exp, "iss": iss, "aud": ["ptp-other"], "scope": "subscribe delete"})
            ),
            Err(TokenProblem::Audience)
        );
        assert_eq!(
            ok(serde_json::json!({"exp": exp, "iss": iss, "scope": "subscribe delete"})),
            Err(TokenProblem::Audience)
        );
        assert_eq!(
            ok(
                serde_json::json!({"exp": exp, "iss": iss, "aud": "ptp", "scope": "subscribe deleted"})
            ),
            Err(TokenProblem::Scope("delete".to_string()))
        );
        let mut open = settings();
        open.audience = None;
        open.scopes.clear();
        assert_eq!(
            check_claims(
                &claims(serde_json::json!({"exp": exp, "iss": iss})),
                &open,
                NOW
            ),
            Ok(())
        );
    }
}
