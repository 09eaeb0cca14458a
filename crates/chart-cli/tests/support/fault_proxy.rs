//! A fault-injecting reverse proxy for cluster tests: a plain-HTTP/1.1 listener on
//! 127.0.0.1 that forwards every request to the real API server through a `kube::Client`
//! built from the test kubeconfig (so TLS and credentials stay on the proxy's side), and
//! answers the Nth request matching a rule with a 500 `Status`, a 503 with `Retry-After`,
//! or stalls it and then answers 504 as the server does when a request runs out of time,
//! instead of forwarding it.
//! `kubeconfig` points a client (chart or helm) at the proxy.
//!
//! Bodies are read whole (Content-Length), so watches are not supported: use it for
//! operations without `--wait`.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Which request fails: the `nth` (1-based) request with this method (`*`: any) whose
/// path contains `path_contains`. `matched` counts them (with `nth: usize::MAX` the proxy
/// only counts).
#[derive(Clone, Debug)]
pub struct Rule {
    pub method: &'static str,
    pub path_contains: &'static str,
    pub nth: usize,
    pub fault: Fault,
}

/// What the failing request gets.
#[derive(Clone, Debug)]
pub enum Fault {
    /// At once, a 500 `InternalError` Status (`injected fault`).
    Error500,
    /// Nothing for this long, then the API server's own answer to a request that ran out
    /// of time: a 504 `Timeout` Status.
    Stall504(std::time::Duration),
    /// At once, a 503 `ServiceUnavailable` Status with `Retry-After: N` (as the API
    /// server's priority and fairness answers when it sheds load).
    Unavailable503RetryAfter(u32),
}

/// A running proxy; stops when dropped. It runs on a thread and runtime of its own, so
/// that a test blocked on a child process cannot starve it.
pub struct FaultProxy {
    /// A kubeconfig whose only cluster is the proxy.
    pub kubeconfig: PathBuf,
    /// How many requests matched the rule so far.
    pub matched: Arc<AtomicUsize>,
    /// How many faults were injected.
    pub injected: Arc<AtomicUsize>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = std::fs::remove_file(&self.kubeconfig);
    }
}

/// Starts a proxy to the cluster of `kubeconfig` that applies `rule`.
pub fn start(kubeconfig: &str, rule: Rule, tag: &str) -> FaultProxy {
    let matched = Arc::new(AtomicUsize::new(0));
    let injected = Arc::new(AtomicUsize::new(0));
    let (m, i) = (matched.clone(), injected.clone());
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let kubeconfig = kubeconfig.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let kc = kube::config::Kubeconfig::read_from(&kubeconfig).unwrap();
            let options = kube::config::KubeConfigOptions::default();
            let config = kube::Config::from_custom_kubeconfig(kc, &options)
                .await
                .unwrap();
            let upstream = kube::Client::try_from(config).unwrap();
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            port_tx.send(listener.local_addr().unwrap().port()).unwrap();
            let accept = async {
                loop {
                    let Ok((sock, _)) = listener.accept().await else {
                        return;
                    };
                    let (up, rule, m, i) = (upstream.clone(), rule.clone(), m.clone(), i.clone());
                    tokio::spawn(async move {
                        let _ = serve(sock, up, rule, m, i).await;
                    });
                }
            };
            tokio::select! {
                _ = accept => {}
                _ = stop_rx => {}
            }
        });
    });
    let port: u16 = port_rx.recv().unwrap();
    let path = std::env::temp_dir().join(format!(
        "chart-fault-proxy-{tag}-{}-{port}.yaml",
        std::process::id()
    ));
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: proxy\n  cluster:\n    server: http://127.0.0.1:{port}\nusers:\n- name: proxy\n  user: {{}}\ncontexts:\n- name: proxy\n  context:\n    cluster: proxy\n    user: proxy\ncurrent-context: proxy\n"
        ),
    )
    .unwrap();
    FaultProxy {
        kubeconfig: path,
        matched,
        injected,
        stop: Some(stop_tx),
    }
}

/// One request read off the connection.
struct Req {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn read_request(sock: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Option<Req>> {
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let target = first.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    let mut len = 0usize;
    for l in lines.filter(|l| !l.is_empty()) {
        if let Some((k, v)) = l.split_once(':') {
            let (k, v) = (k.trim().to_owned(), v.trim().to_owned());
            if k.eq_ignore_ascii_case("content-length") {
                len = v.parse().unwrap_or(0);
            }
            assert!(
                !(k.eq_ignore_ascii_case("transfer-encoding")),
                "fault proxy: chunked request bodies are not supported"
            );
            headers.push((k, v));
        }
    }
    while buf.len() < head_end + len {
        let mut chunk = [0u8; 8192];
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..head_end + len].to_vec();
    buf.drain(..head_end + len);
    Ok(Some(Req {
        method,
        target,
        headers,
        body,
    }))
}

async fn serve(
    mut sock: TcpStream,
    upstream: kube::Client,
    rule: Rule,
    matched: Arc<AtomicUsize>,
    injected: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    while let Some(req) = read_request(&mut sock, &mut buf).await? {
        let path = req.target.split('?').next().unwrap_or("");
        let hit = (rule.method == "*" || req.method == rule.method)
            && path.contains(rule.path_contains)
            && matched.fetch_add(1, Ordering::SeqCst) + 1 == rule.nth;
        let mut extra = String::new();
        let (code, ctype, body) = if hit {
            injected.fetch_add(1, Ordering::SeqCst);
            let (code, reason, message) = match rule.fault {
                Fault::Error500 => (500, "InternalError", "injected fault"),
                Fault::Stall504(d) => {
                    tokio::time::sleep(d).await;
                    (504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline exceeded")
                }
                Fault::Unavailable503RetryAfter(n) => {
                    extra = format!("Retry-After: {n}\r\n");
                    (503, "ServiceUnavailable", "injected overload")
                }
            };
            let status = serde_json::json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {},
                "status": "Failure", "message": message,
                "reason": reason, "code": code,
            });
            (
                code,
                "application/json".to_owned(),
                status.to_string().into_bytes(),
            )
        } else {
            let mut b = http::Request::builder()
                .method(req.method.as_str())
                .uri(req.target.as_str());
            for (k, v) in &req.headers {
                let skip = [
                    "host",
                    "connection",
                    "content-length",
                    "authorization",
                    "accept-encoding",
                ]
                .iter()
                .any(|h| k.eq_ignore_ascii_case(h));
                if !skip {
                    b = b.header(k.as_str(), v.as_str());
                }
            }
            let r = b.body(kube::client::Body::from(req.body)).unwrap();
            match upstream.send(r).await {
                Ok(resp) => {
                    let code = resp.status().as_u16();
                    let ctype = resp
                        .headers()
                        .get(http::header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("application/json")
                        .to_owned();
                    let body = resp.into_body().collect_bytes().await.unwrap_or_default();
                    (code, ctype, body.to_vec())
                }
                Err(e) => (502, "text/plain".to_owned(), e.to_string().into_bytes()),
            }
        };
        let head = format!(
            "HTTP/1.1 {code} {}\r\nContent-Type: {ctype}\r\n{extra}Content-Length: {}\r\n\r\n",
            http::StatusCode::from_u16(code)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Unknown"),
            body.len()
        );
        sock.write_all(head.as_bytes()).await?;
        sock.write_all(&body).await?;
    }
    Ok(())
}
