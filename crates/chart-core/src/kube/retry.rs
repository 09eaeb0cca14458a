//! client-go's retry rule (`rest/with_retry.go` `IsNextRetry` and `checkWait`), which
//! helm's requests follow, in place of kube-rs's default policy (which retries every 429,
//! 503 and 504, with or without `Retry-After`):
//!
//! * an answer of 429 or any 5xx is sent again only when it carries `Retry-After: N`
//!   (whole seconds), after N seconds;
//! * a GET that got no answer because the connection was reset or closed early is sent
//!   again after 1 second (writes are not: they may have happened);
//! * at most 10 retries; everything else is returned as it is.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use kube::client::Body;
use tower::{BoxError, Layer, Service};

/// client-go's `maxRetries` of a request.
pub const MAX_RETRIES: u32 = 10;

/// The layer that adds [`ClientGoRetry`] to a kube client's stack.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientGoRetryLayer;

impl<S> Layer<S> for ClientGoRetryLayer {
    type Service = ClientGoRetry<S>;

    fn layer(&self, inner: S) -> ClientGoRetry<S> {
        ClientGoRetry {
            inner: Arc::new(Mutex::new(inner)),
        }
    }
}

/// A service that retries as client-go does. The inner service is shared by the
/// attempts of a request (kube's stack is not `Clone`), locked only while a request is
/// handed to it.
pub struct ClientGoRetry<S> {
    inner: Arc<Mutex<S>>,
}

/// How long to wait before sending a request again, or `None` to return the outcome.
pub fn retry_delay<B>(
    method: &Method,
    outcome: &Result<Response<B>, BoxError>,
    attempts: u32,
) -> Option<Duration> {
    if attempts >= MAX_RETRIES {
        return None;
    }
    match outcome {
        Ok(resp) => {
            let s = resp.status();
            if s != StatusCode::TOO_MANY_REQUESTS && !s.is_server_error() {
                return None;
            }
            // Go's strconv.Atoi: an optional sign and decimal digits.
            let secs: i64 = resp
                .headers()
                .get(http::header::RETRY_AFTER)?
                .to_str()
                .ok()?
                .parse()
                .ok()?;
            Some(Duration::from_secs(secs.max(0).unsigned_abs()))
        }
        Err(e) => {
            (method == Method::GET && connection_lost(e.as_ref())).then_some(Duration::from_secs(1))
        }
    }
}

/// apimachinery's `IsConnectionReset` / `IsProbableEOF`: the connection broke before an
/// answer came.
fn connection_lost(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::BrokenPipe
            ) {
                return true;
            }
        }
        let text = err.to_string();
        if text.contains("connection reset by peer")
            || text.contains("connection closed before message completed")
            || text.ends_with("unexpected EOF")
        {
            return true;
        }
        cur = err.source();
    }
    false
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<Request<Body>> for ClientGoRetry<S>
where
    S: Service<Request<Body>, Response = Response<B>> + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response<B>;
    type Error = BoxError;
    type Future = BoxFuture<Result<Response<B>, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match self.inner.lock() {
            Ok(mut s) => s.poll_ready(cx).map_err(Into::into),
            Err(_) => Poll::Ready(Err("kube client service poisoned".into())),
        }
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let inner = self.inner.clone();
        let method = req.method().clone();
        // The next attempt's copy, made before the request is handed on (only bodies
        // held in memory can be sent twice, as in client-go).
        let mut spare = clone_request(&req);
        let first = match self.inner.lock() {
            Ok(mut s) => s.call(req),
            Err(_) => return Box::pin(async { Err("kube client service poisoned".into()) }),
        };
        Box::pin(async move {
            let mut outcome = first.await.map_err(Into::into);
            let mut attempts = 0;
            loop {
                let Some(req) = spare.take() else {
                    return outcome;
                };
                let Some(delay) = retry_delay(&method, &outcome, attempts) else {
                    return outcome;
                };
                attempts += 1;
                drop(outcome);
                tokio::time::sleep(delay).await;
                spare = clone_request(&req);
                // Readiness and the call under one lock, so that no other request takes
                // the readiness in between.
                let mut req = Some(req);
                let fut = std::future::poll_fn(|cx| {
                    let Ok(mut s) = inner.lock() else {
                        return Poll::Ready(Err(BoxError::from("kube client service poisoned")));
                    };
                    match s.poll_ready(cx) {
                        Poll::Ready(Ok(())) => match req.take() {
                            Some(r) => Poll::Ready(Ok(s.call(r))),
                            None => Poll::Ready(Err(BoxError::from("request already sent"))),
                        },
                        Poll::Ready(Err(e)) => Poll::Ready(Err(e.into())),
                        Poll::Pending => Poll::Pending,
                    }
                })
                .await?;
                outcome = fut.await.map_err(Into::into);
            }
        })
    }
}

fn clone_request(req: &Request<Body>) -> Option<Request<Body>> {
    let body = req.body().try_clone()?;
    let mut b = Request::builder()
        .method(req.method().clone())
        .uri(req.uri().clone())
        .version(req.version());
    if let Some(h) = b.headers_mut() {
        h.extend(req.headers().clone());
    }
    let mut out = b.body(body).ok()?;
    *out.extensions_mut() = req.extensions().clone();
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn resp(code: u16, retry_after: Option<&str>) -> Result<Response<()>, BoxError> {
        let mut b = Response::builder().status(code);
        if let Some(v) = retry_after {
            b = b.header("Retry-After", v);
        }
        Ok(b.body(()).unwrap_or_default())
    }

    #[test]
    fn only_answers_with_retry_after_are_retried() {
        let post = Method::POST;
        assert_eq!(retry_delay(&post, &resp(504, None), 0), None);
        assert_eq!(retry_delay(&post, &resp(503, None), 0), None);
        assert_eq!(retry_delay(&post, &resp(429, None), 0), None);
        assert_eq!(
            retry_delay(&post, &resp(503, Some("2")), 0),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_delay(&post, &resp(500, Some("0")), 0),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_delay(&post, &resp(429, Some("1")), 9),
            Some(Duration::from_secs(1))
        );
        assert_eq!(retry_delay(&post, &resp(429, Some("1")), 10), None);
        // Not a 429 or 5xx, or not whole seconds: no retry.
        assert_eq!(retry_delay(&post, &resp(409, Some("1")), 0), None);
        assert_eq!(retry_delay(&post, &resp(503, Some("1.5")), 0), None);
        assert_eq!(
            retry_delay(&post, &resp(503, Some("Wed, 21 Oct 2026 07:28:00 GMT")), 0),
            None
        );
    }

    #[test]
    fn broken_connections_are_retried_for_reads_only() {
        let reset = || -> Result<Response<()>, BoxError> {
            Err(Box::new(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset,
            )))
        };
        assert_eq!(
            retry_delay(&Method::GET, &reset(), 0),
            Some(Duration::from_secs(1))
        );
        assert_eq!(retry_delay(&Method::POST, &reset(), 0), None);
        let refused: Result<Response<()>, BoxError> = Err(Box::new(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        )));
        assert_eq!(retry_delay(&Method::GET, &refused, 0), None);
    }
}
