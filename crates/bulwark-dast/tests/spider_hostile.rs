//! The spider against real HTTP servers on 127.0.0.1 (std::net, written here): a normal site and hostile ones.
//! Expectations come from what each behaviour is specified to do (the spider's documented bounds and scope, RFC
//! 9110 redirects, RFC 6265 cookies), not from the code's output.

mod support;

use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bulwark_dast::DastError;
use bulwark_dast::http::{Client, ClientConfig};
use bulwark_dast::spider::{CrawlStats, SpiderConfig, crawl};
use regex::Regex;
use support::{Server, html, not_found, respond};

fn client() -> Client {
    Client::new(ClientConfig {
        timeout: Duration::from_secs(5),
        ..ClientConfig::default()
    })
    .unwrap()
}

fn run(config: &SpiderConfig, client: &Client) -> (CrawlStats, Vec<(String, u16, bool)>) {
    let mut msgs = Vec::new();
    let stats = crawl(config, client, &mut |m, doc| {
        msgs.push((m.url.clone(), m.status, doc.is_some()));
    })
    .unwrap();
    (stats, msgs)
}

fn seed(server: &Server) -> SpiderConfig {
    SpiderConfig {
        seeds: vec![server.url("/")],
        ..SpiderConfig::default()
    }
}

/// Five pages: / → a, b (and a GET form to /search, an off-site link); a → c; b → c, d. robots.txt disallows
/// /secret.html and names a sitemap listing /listed.html. / sets a cookie.
fn five_page_site() -> Server {
    Server::start(Arc::new(|path: &str, w: &mut dyn Write| match path {
        "/" => respond(
            w,
            200,
            &[
                ("Content-Type", "text/html"),
                ("Set-Cookie", "sid=s3cr3t; Path=/"),
            ],
            b"<html><a href=/a>a</a> <a href='/b#top'>b</a> <a href=http://other.invalid/x>x</a>\
              <form action=/search method=get><input name=q value=default></form></html>",
        ),
        "/a" => html(w, "<a href=/c>c</a>"),
        "/b" => html(w, "<a href=/c>c</a><a href=/d>d</a>"),
        "/c" | "/d" | "/secret.html" | "/listed.html" => html(w, "<p>leaf</p>"),
        "/robots.txt" => respond(
            w,
            200,
            &[("Content-Type", "text/plain")],
            b"User-agent: *\nDisallow: /secret.html\nSitemap: /sm.xml\n",
        ),
        "/sitemap.xml" => not_found(w),
        _ if path.starts_with("/search") => html(w, "results"),
        _ => not_found(w),
    }))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn normal_site_is_crawled_whole_and_forms_are_not_submitted() {
    let server = five_page_site();
    // The sitemap named in robots.txt is a relative path: RFC 9309 wants absolute URLs, so it is not read; the
    // default /sitemap.xml is a 404.
    let cfg = ClientConfig {
        auth_header: Some(("Authorization".into(), "Bearer tok".into())),
        headers: vec![("X-Scan".into(), "1".into())],
        ..ClientConfig::default()
    };
    let client = Client::new(cfg).unwrap();
    let (stats, msgs) = run(&seed(&server), &client);
    let paths = sorted(server.paths());
    assert_eq!(
        paths,
        [
            "/",
            "/a",
            "/b",
            "/c",
            "/d",
            "/robots.txt",
            "/secret.html",
            "/sitemap.xml"
        ],
        "five pages, robots.txt, its Disallow path (read for URLs as ZAP does), the default sitemap; no form"
    );
    assert_eq!(stats.requests, 8);
    assert_eq!(stats.pages, 8);
    assert_eq!(msgs.len(), 8);
    // Each URL once (the fragment of /b#top dropped); the seed first.
    assert_eq!(msgs[0].0, server.url("/"));
    // The cookie set by / comes back, with the auth header and the configured header (all in scope).
    let seen = server.seen.lock().unwrap();
    let a = seen.iter().find(|s| s.path == "/a").unwrap();
    let head = a.head.to_ascii_lowercase();
    assert!(head.contains("cookie: sid=s3cr3t"), "{head}");
    assert!(head.contains("authorization: bearer tok"), "{head}");
    assert!(head.contains("x-scan: 1"), "{head}");
    assert!(
        head.contains("user-agent: mozilla/5.0 (compatible; bulwark-dast/"),
        "{head}"
    );
}

#[test]
fn submit_forms_requests_get_forms_with_defaults() {
    let server = five_page_site();
    let cfg = SpiderConfig {
        submit_forms: true,
        robots: false,
        sitemap: false,
        ..seed(&server)
    };
    run(&cfg, &client());
    assert!(server.paths().contains(&"/search?q=default".to_string()));
}

#[test]
fn sitemap_and_sitemap_index_give_urls() {
    let server = Server::start(Arc::new(|path: &str, w: &mut dyn Write| {
        match path {
        "/" => html(w, "home"),
        "/sitemap.xml" => respond(
            w,
            200,
            &[("Content-Type", "application/xml")],
            b"<?xml version='1.0'?><sitemapindex><sitemap><loc>/ignored-relative.xml</loc></sitemap></sitemapindex>",
        ),
        _ => not_found(w), // robots.txt too
    }
    }));
    let (_, _) = run(&seed(&server), &client());
    // A sitemap index's child given as a relative path is not a URL of the scope (not absolute): not read.
    assert!(!server.paths().iter().any(|p| p.contains("ignored")));

    let s2: Arc<Mutex<String>> = Arc::new(Mutex::new(String::new()));
    let base = Arc::clone(&s2);
    let server = Server::start(Arc::new(move |path: &str, w: &mut dyn Write| {
        let b = base.lock().unwrap().clone();
        match path {
            "/" => html(w, "home"),
            "/robots.txt" => respond(
                w,
                200,
                &[],
                format!("Sitemap: {b}/sm-index.xml\n").as_bytes(),
            ),
            "/sm-index.xml" => respond(
                w,
                200,
                &[],
                format!("<sitemapindex><sitemap><loc>{b}/sm1.xml</loc></sitemap></sitemapindex>")
                    .as_bytes(),
            ),
            "/sm1.xml" => respond(
                w,
                200,
                &[],
                format!("<urlset><url><loc>{b}/from-sitemap?a=1&amp;b=2</loc></url></urlset>")
                    .as_bytes(),
            ),
            "/from-sitemap?a=1&b=2" => html(w, "ok"),
            _ => not_found(w),
        }
    }));
    *s2.lock().unwrap() = server.base.clone();
    run(&seed(&server), &client());
    let paths = server.paths();
    for p in [
        "/robots.txt",
        "/sitemap.xml",
        "/sm-index.xml",
        "/sm1.xml",
        "/from-sitemap?a=1&b=2",
    ] {
        assert!(
            paths.contains(&p.to_string()),
            "{p} not requested: {paths:?}"
        );
    }
}

#[test]
fn depth_pages_include_and_exclude_bound_the_crawl() {
    let server = five_page_site();
    let base = SpiderConfig {
        robots: false,
        sitemap: false,
        ..seed(&server)
    };
    // Depth 1: the seed and its links only.
    let (stats, _) = run(
        &SpiderConfig {
            max_depth: 1,
            ..base.clone()
        },
        &client(),
    );
    assert_eq!(sorted(server.paths()), ["/", "/a", "/b"]);
    assert!(
        stats.skipped_by_limit >= 2,
        "c and d were found beyond the depth: {stats:?}"
    );

    let server = five_page_site();
    let base = SpiderConfig {
        seeds: vec![server.url("/")],
        ..base
    };
    let (stats, _) = run(
        &SpiderConfig {
            max_pages: 3,
            ..base.clone()
        },
        &client(),
    );
    assert_eq!(server.paths().len(), 3);
    assert_eq!(stats.requests, 3);
    assert!(stats.diagnostics.iter().any(|d| d.contains("page limit")));

    let server = five_page_site();
    let base = SpiderConfig {
        seeds: vec![server.url("/")],
        ..base
    };
    let inc = SpiderConfig {
        include: vec![Regex::new(r"/(a|c)$").unwrap()],
        ..base.clone()
    };
    run(&inc, &client());
    assert_eq!(sorted(server.paths()), ["/", "/a", "/c"]);

    let server = five_page_site();
    let exc = SpiderConfig {
        seeds: vec![server.url("/")],
        exclude: vec![Regex::new(r"/b$").unwrap()],
        ..base
    };
    run(&exc, &client());
    assert_eq!(sorted(server.paths()), ["/", "/a", "/c"]);
}

#[test]
fn redirect_loop_stops_with_a_diagnostic() {
    let server = Server::start(Arc::new(|path: &str, w: &mut dyn Write| match path {
        "/a" => respond(w, 302, &[("Location", "/b")], b""),
        "/b" => respond(w, 301, &[("Location", "/a")], b""),
        _ => not_found(w),
    }));
    let cfg = SpiderConfig {
        seeds: vec![server.url("/a")],
        robots: false,
        sitemap: false,
        ..SpiderConfig::default()
    };
    let (stats, msgs) = run(&cfg, &client());
    assert_eq!(server.paths(), ["/a", "/b"]);
    // Each hop is a message (as ZAP records them).
    assert_eq!(msgs.iter().map(|m| m.1).collect::<Vec<_>>(), [302, 301]);
    let d = stats
        .diagnostics
        .iter()
        .find(|d| d.contains("redirect loop"))
        .expect("a loop diagnostic");
    assert!(
        d.contains(&server.url("/a")) && d.contains(&server.url("/b")),
        "{d}"
    );
}

#[test]
fn redirect_chain_is_bounded_by_max_redirects() {
    let server = Server::start(Arc::new(|path: &str, w: &mut dyn Write| {
        let n: u32 = path.trim_start_matches("/r").parse().unwrap_or(0);
        respond(w, 302, &[("Location", &format!("/r{}", n + 1))], b"");
    }));
    let cfg = SpiderConfig {
        seeds: vec![server.url("/r0")],
        robots: false,
        sitemap: false,
        max_redirects: 3,
        ..SpiderConfig::default()
    };
    let (stats, _) = run(&cfg, &client());
    assert_eq!(server.paths(), ["/r0", "/r1", "/r2", "/r3"]);
    assert!(
        stats
            .diagnostics
            .iter()
            .any(|d| d.contains("more than 3 redirects"))
    );
}

#[test]
fn off_scope_redirect_is_recorded_not_followed() {
    let other = Server::start(Arc::new(|_: &str, w: &mut dyn Write| html(w, "other")));
    let target = other.url("/landing");
    let server = Server::start(Arc::new(move |path: &str, w: &mut dyn Write| match path {
        "/" => respond(w, 302, &[("Location", &target)], b""),
        _ => not_found(w),
    }));
    let cfg = SpiderConfig {
        robots: false,
        sitemap: false,
        ..seed(&server)
    };
    let (stats, _) = run(&cfg, &client());
    // A different port is a different origin (RFC 6454 §4).
    assert!(other.paths().is_empty(), "the other origin was requested");
    assert_eq!(
        stats.off_scope_redirects,
        [format!("{} -> {}", server.url("/"), other.url("/landing"))]
    );
}

fn drip_server() -> Server {
    Server::start(Arc::new(|path: &str, w: &mut dyn Write| match path {
        "/" => html(w, "<a href=/drip>d</a>"),
        "/drip" | "/seed-drip" => {
            let _ = w.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n",
            );
            for _ in 0..1000 {
                if w.write_all(b"x").and_then(|()| w.flush()).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        _ => not_found(w),
    }))
}

#[test]
fn slow_drip_times_out_within_the_request_timeout() {
    let server = drip_server();
    let client = Client::new(ClientConfig {
        timeout: Duration::from_secs(2),
        ..ClientConfig::default()
    })
    .unwrap();
    // A seed that times out is an error of the scan.
    let cfg = SpiderConfig {
        seeds: vec![server.url("/seed-drip")],
        robots: false,
        sitemap: false,
        ..SpiderConfig::default()
    };
    let t = Instant::now();
    let err = crawl(&cfg, &client, &mut |_, _| {}).unwrap_err();
    let took = t.elapsed();
    assert!(
        matches!(&err, DastError::Fetch { url, reason } if url.ends_with("/seed-drip") && reason.contains("timed out")),
        "{err}"
    );
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    // Any other page: a diagnostic naming the URL.
    let cfg = SpiderConfig {
        robots: false,
        sitemap: false,
        ..seed(&server)
    };
    let t = Instant::now();
    let (stats, _) = run(&cfg, &client);
    assert!(t.elapsed() < Duration::from_secs(4));
    assert!(
        stats
            .diagnostics
            .iter()
            .any(|d| d.contains(&server.url("/drip")) && d.contains("timed out")),
        "{:?}",
        stats.diagnostics
    );
}

#[test]
fn max_duration_cuts_a_body_being_read() {
    let server = drip_server();
    let client = Client::new(ClientConfig {
        timeout: Duration::from_secs(30),
        ..ClientConfig::default()
    })
    .unwrap();
    let cfg = SpiderConfig {
        max_duration: Duration::from_secs(2),
        robots: false,
        sitemap: false,
        ..seed(&server)
    };
    let t = Instant::now();
    let (stats, _) = run(&cfg, &client);
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    assert!(stats.diagnostics.iter().any(|d| d.contains("/drip")));
}

#[test]
fn malformed_html_still_yields_its_links() {
    let server = Server::start(Arc::new(|path: &str, w: &mut dyn Write| match path {
        "/" => html(
            w,
            "<html><<<>>><body <a href=\"/ok\" <p <!-- unclosed <a href=/in-comment> --> \
             <a href='/ok2'>x</a> <div id=\"\u{0}\"><script>document.write('<a href=/in-script>')</script\
             <a href=/after-bad-end></a><a href=\"/eof",
        ),
        "/ok" | "/ok2" => html(w, "fine"),
        _ => not_found(w),
    }));
    let cfg = SpiderConfig {
        robots: false,
        sitemap: false,
        ..seed(&server)
    };
    let (stats, msgs) = run(&cfg, &client());
    let paths = server.paths();
    // `<body <a href="/ok" <p` is one tag `body` with attributes `<a`, `href`, `<p`: no link (HTML §13.2.5.32).
    assert!(!paths.contains(&"/ok".to_string()));
    assert!(paths.contains(&"/ok2".to_string()), "{paths:?}");
    // Inside a comment, a script, and a tag cut by the end of file: not links.
    for p in ["/in-comment", "/in-script", "/eof"] {
        assert!(!paths.contains(&p.to_string()), "{p}");
    }
    assert_eq!(stats.pages, msgs.len());
}

#[test]
fn binary_body_is_visited_without_a_document() {
    let server = Server::start(Arc::new(|path: &str, w: &mut dyn Write| match path {
        "/" => html(w, "<img src=/img.png>"),
        "/img.png" => {
            let mut body: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
            body.extend_from_slice(b"<a href=/hidden>");
            respond(w, 200, &[("Content-Type", "image/png")], &body);
        }
        _ => not_found(w),
    }));
    let cfg = SpiderConfig {
        robots: false,
        sitemap: false,
        ..seed(&server)
    };
    let (_, msgs) = run(&cfg, &client());
    let img = msgs.iter().find(|m| m.0.ends_with("/img.png")).unwrap();
    assert_eq!((img.1, img.2), (200, false));
    assert!(!server.paths().contains(&"/hidden".to_string()));
}

#[test]
fn a_million_links_are_bounded() {
    const LINKS: usize = 1_000_000;
    let server = Server::start(Arc::new(|path: &str, w: &mut dyn Write| {
        if path != "/" {
            return html(w, "leaf");
        }
        let mut body = String::with_capacity(LINKS * 24);
        for i in 0..LINKS {
            let _ = write!(body, "<a href=/p{i}>.</a>");
        }
        html(w, &body);
    }));
    let client = Client::new(ClientConfig {
        max_body: 64 * 1024 * 1024,
        ..ClientConfig::default()
    })
    .unwrap();
    let cfg = SpiderConfig {
        max_pages: 20,
        robots: false,
        sitemap: false,
        ..seed(&server)
    };
    let t = Instant::now();
    let (stats, _) = run(&cfg, &client);
    assert!(t.elapsed() < Duration::from_mins(1), "{:?}", t.elapsed());
    assert_eq!(stats.requests, 20);
    // The tokenizer records at most 100,000 tags, the queue holds at most max_pages: everything else was counted
    // and dropped.
    assert!(stats.skipped_by_limit >= 50_000, "{stats:?}");
}

#[test]
fn infinite_site_is_stopped_by_pages_and_by_time() {
    let site = || {
        Server::start(Arc::new(|path: &str, w: &mut dyn Write| {
            let n: u64 = path.trim_start_matches("/n/").parse().unwrap_or(0);
            let links = (1..=10).fold(String::new(), |mut acc, k| {
                let _ = write!(acc, "<a href=/n/{}>x</a>", n * 10 + k);
                acc
            });
            html(w, &links);
        }))
    };
    let server = site();
    let cfg = SpiderConfig {
        max_pages: 40,
        max_depth: 1000,
        robots: false,
        sitemap: false,
        ..seed(&server)
    };
    let (stats, _) = run(&cfg, &client());
    assert_eq!(server.paths().len(), 40);
    assert!(stats.skipped_by_limit > 0);

    let server = site();
    let cfg = SpiderConfig {
        max_pages: usize::MAX,
        max_depth: u32::MAX,
        max_duration: Duration::from_secs(2),
        robots: false,
        sitemap: false,
        ..seed(&server)
    };
    let t = Instant::now();
    let (stats, _) = run(&cfg, &client());
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(
        stats.diagnostics.iter().any(|d| d.contains("time limit")),
        "{:?}",
        stats.diagnostics
    );
}

#[test]
fn pacing_spaces_requests() {
    let server = five_page_site();
    let cfg = SpiderConfig {
        delay: Duration::from_millis(200),
        robots: false,
        sitemap: false,
        max_pages: 4,
        ..seed(&server)
    };
    let t = Instant::now();
    run(&cfg, &client());
    // Four requests, three pauses of 200 ms between them.
    assert!(
        t.elapsed() >= Duration::from_millis(600),
        "{:?}",
        t.elapsed()
    );
}

/// CRC-32 (ISO 3309, as gzip's trailer uses, RFC 1952 §8).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A gzip member (RFC 1952) holding `data` in one stored deflate block (RFC 1951 §3.2.4).
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).unwrap();
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.push(1); // BFINAL, BTYPE=00
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
    out
}

#[test]
fn gzip_bodies_are_decoded_and_their_links_followed() {
    let server = Server::start(Arc::new(|path: &str, w: &mut dyn Write| match path {
        "/" => respond(
            w,
            200,
            &[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            &gzip_stored(b"<a href=/from-gzip>z</a>"),
        ),
        "/from-gzip" => html(w, "ok"),
        _ => not_found(w),
    }));
    let cfg = SpiderConfig {
        robots: false,
        sitemap: false,
        ..seed(&server)
    };
    run(&cfg, &client());
    assert_eq!(server.paths(), ["/", "/from-gzip"]);
    let seen = server.seen.lock().unwrap();
    assert!(
        seen[0]
            .head
            .to_ascii_lowercase()
            .contains("accept-encoding: gzip")
    );
}

mod tls {
    use super::*;
    use std::net::TcpListener;

    /// A TLS server with a self-signed certificate for 127.0.0.1 (rcgen), answering every request with a page;
    /// also returns the certificate's PEM.
    fn self_signed_server() -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap(),
        );
        let pem = cert.pem();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}/", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(tcp) = conn else { continue };
                let config = Arc::clone(&config);
                std::thread::spawn(move || {
                    let Ok(sc) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut tls = rustls::StreamOwned::new(sc, tcp);
                    if support::read_head(&mut tls).is_some() {
                        html(&mut tls, "<p>secure</p>");
                        tls.conn.send_close_notify();
                        let _ = tls.flush();
                    }
                });
            }
        });
        (url, pem)
    }

    #[test]
    fn invalid_certificate_is_an_error_unless_insecure() {
        let (url, pem) = self_signed_server();
        let cfg = SpiderConfig {
            seeds: vec![url.clone()],
            robots: false,
            sitemap: false,
            ..SpiderConfig::default()
        };
        let err = crawl(&cfg, &client(), &mut |_, _| {}).unwrap_err();
        eprintln!("{err}");
        assert!(
            matches!(&err, DastError::Fetch { url: u, reason } if *u == url && reason.starts_with("TLS: ") && reason.contains(&url) && reason.contains("--ca-file")),
            "{err}"
        );
        let insecure = Client::new(ClientConfig {
            insecure: true,
            ..ClientConfig::default()
        })
        .unwrap();
        let (stats, msgs) = run(&cfg, &insecure);
        assert_eq!(msgs, [(url.clone(), 200, true)]);
        assert_eq!(stats.requests, 1);
        // Trusting the certificate with --ca-file verifies it (no --insecure).
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, pem).unwrap();
        let trusted = Client::new(ClientConfig {
            ca_file: Some(ca),
            ..ClientConfig::default()
        })
        .unwrap();
        let (_, msgs) = run(&cfg, &trusted);
        assert_eq!(msgs, [(url, 200, true)]);
    }
}
