//! Endpoint URL rules (rest-api.md §3.2, §3.3 step 3): an absolute http(s)
//! URL with a non-empty host and a port in 1–65535, without control
//! characters, spaces or userinfo, so that the stored string is the URL
//! events are POSTed to and no credential is stored or listed.

pub use url::Url;

/// Why an endpoint URL was refused; the text is the 400's `detail`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("{field} {value:?} contains a control character")]
    Control { field: &'static str, value: String },
    #[error("{field} {value:?} contains a space")]
    Space { field: &'static str, value: String },
    #[error("{field} must not carry credentials (user:password@)")]
    Userinfo { field: &'static str },
    #[error("{field} {value} is not an absolute http or https URL")]
    NotHttp { field: &'static str, value: String },
}

/// Checks `value` (already trimmed) as the endpoint named `field`.
pub fn endpoint_url(field: &'static str, value: &str) -> Result<Url, EndpointError> {
    if value.chars().any(char::is_control) {
        return Err(EndpointError::Control {
            field,
            value: value.to_string(),
        });
    }
    if value.contains(' ') {
        return Err(EndpointError::Space {
            field,
            value: value.to_string(),
        });
    }
    let not_http = || EndpointError::NotHttp {
        field,
        value: value.to_string(),
    };
    let url = Url::parse(value).map_err(|_| not_http())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(EndpointError::Userinfo { field });
    }
    let ok = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.port() != Some(0);
    if ok {
        Ok(url)
    } else {
        Err(not_http())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_absolute_http_urls() {
        for ok in [
            "http://127.0.0.1:9/event",
            "https://consumer.ns.svc:8443/e?x=1",
            "http://consumer",
            "http://[::1]:80/",
        ] {
            assert!(endpoint_url("EndpointUri", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_with_the_rule_that_failed() {
        let table = [
            ("http://127.0.0.1:9/x\r\nX-Injected: 1", "control character"),
            ("http://127.0.0.1:9/x\ty", "control character"),
            ("http://127.0.0.1:9/a b", "space"),
            ("http://user:secret@127.0.0.1:9/x", "credentials"),
            ("http://user@127.0.0.1:9/x", "credentials"),
            ("ftp://a/", "not an absolute http"),
            ("/relative", "not an absolute http"),
            ("http://a:0/", "not an absolute http"),
            ("http://a:70000/", "not an absolute http"),
        ];
        for (input, why) in table {
            let e = endpoint_url("EndpointUri", input).expect_err(input);
            assert!(e.to_string().contains(why), "{input}: {e}");
            assert!(!e.to_string().contains("secret"), "{e}");
        }
    }
}
