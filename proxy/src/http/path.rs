//! Path cleaning (rest-api.md §2.1): a path with `//` or `.`/`..` segments
//! is answered 301 to its cleaned form, query kept, for every method.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The cleaned form of a path with `//` or dot segments, if it needs one.
pub fn cleaned(path: &str) -> Option<String> {
    let dirty = path.contains("//") || path.split('/').any(|s| s == "." || s == "..");
    if !dirty {
        return None;
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut p = format!("/{}", out.join("/"));
    if path.ends_with('/') && p.len() > 1 {
        p.push('/');
    }
    Some(p)
}

/// Layer of every listener: 301 for an unclean path, before any route.
pub async fn redirect_unclean(req: Request, next: Next) -> Response {
    let Some(clean) = cleaned(req.uri().path()) else {
        return next.run(req).await;
    };
    let location = match req.uri().query() {
        Some(q) => format!("{clean}?{q}"),
        None => clean,
    };
    let mut r = StatusCode::MOVED_PERMANENTLY.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_double_slashes_and_dots() {
        assert_eq!(cleaned("/a/b"), None);
        assert_eq!(cleaned("/a//b").as_deref(), Some("/a/b"));
        assert_eq!(cleaned("/a/./b/../c").as_deref(), Some("/a/c"));
        assert_eq!(
            cleaned("/v2//cluster/node/x/").as_deref(),
            Some("/v2/cluster/node/x/")
        );
        assert_eq!(cleaned("/..").as_deref(), Some("/"));
    }
}
