//! Git bundles: `file://…@REF` or `https://…@REF` (the `git+` prefix already removed), fetched with the real
//! `git` binary (depth 1) and checked out into `<cache>/git/<commit>`, which later loads of the same commit reuse.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::bundle::{Bundle, BundleError, LoadOptions};

/// Splits `URL@REF` (no `@REF`: `HEAD`) and checks both.
pub(crate) fn parse_spec(spec: &str) -> Result<(String, String), BundleError> {
    let bad = |why: &str| BundleError::Source(format!("git+{spec}: {why}"));
    let scheme_end = spec
        .find("://")
        .ok_or_else(|| bad("expected git+file://… or git+https://…"))?;
    let scheme = &spec[..scheme_end];
    if scheme != "file" && scheme != "https" {
        return Err(bad("only file:// and https:// repositories are accepted"));
    }
    let rest = &spec[scheme_end + 3..];
    // The ref follows the last `@` after the path starts (an `@` before the first `/` is user info).
    let path_start = rest.find('/').unwrap_or(rest.len());
    let (url, reference) = match rest[path_start..].rfind('@') {
        Some(i) => (
            format!("{scheme}://{}", &rest[..path_start + i]),
            rest[path_start + i + 1..].to_string(),
        ),
        None => (spec.to_string(), "HEAD".to_string()),
    };
    if reference.is_empty()
        || reference.starts_with('-')
        || reference.contains("..")
        || reference
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c))
    {
        return Err(bad(&format!("'{reference}' is not a valid git ref")));
    }
    Ok((url, reference))
}

fn git(dir: Option<&Path>, args: &[&str], timeout: Duration) -> Result<String, BundleError> {
    let mut cmd = Command::new("git");
    cmd.args([
        "-c",
        "protocol.allow=never",
        "-c",
        "protocol.file.allow=always",
        "-c",
        "protocol.https.allow=always",
        "-c",
        "advice.detachedHead=false",
    ]);
    if let Some(d) = dir {
        cmd.arg("-C").arg(d);
    }
    cmd.args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| BundleError::Git(format!("cannot run git: {e}")))?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(BundleError::Git(format!(
                    "`git {}` did not finish within {} s",
                    args.join(" "),
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(BundleError::Git(e.to_string())),
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| BundleError::Git(e.to_string()))?;
    if !out.status.success() {
        return Err(BundleError::Git(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

pub(crate) fn load(spec: &str, opts: &LoadOptions) -> Result<Bundle, BundleError> {
    let (url, reference) = parse_spec(spec)?;
    let t = opts.git_timeout;
    let io = |p: &Path, e| BundleError::Io {
        path: p.display().to_string(),
        source: e,
    };
    let root = opts.cache_dir.join("git");
    std::fs::create_dir_all(&root).map_err(|e| io(&root, e))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tmp: PathBuf = root.join(format!(".tmp-{}-{nanos}", std::process::id()));
    let result = (|| {
        git(None, &["init", "--quiet", &tmp.to_string_lossy()], t)?;
        git(
            Some(&tmp),
            &[
                "fetch",
                "--quiet",
                "--depth",
                "1",
                "--no-tags",
                "--",
                &url,
                &reference,
            ],
            t,
        )?;
        let commit = git(
            Some(&tmp),
            &["rev-parse", "--verify", "FETCH_HEAD^{commit}"],
            t,
        )?;
        if commit.len() < 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BundleError::Git(format!("unexpected commit id '{commit}'")));
        }
        let dest = root.join(&commit);
        // The completion marker lives in `.git`, outside the work tree, so it is not part of the bundle.
        if !dest.join(".git").join("bulwark-complete").exists() {
            git(
                Some(&tmp),
                &["checkout", "--quiet", "--detach", "FETCH_HEAD"],
                t,
            )?;
            std::fs::write(tmp.join(".git").join("bulwark-ref"), &reference)
                .map_err(|e| io(&tmp, e))?;
            let _ = std::fs::remove_dir_all(&dest);
            if let Err(e) = std::fs::rename(&tmp, &dest) {
                // Another process may have completed the same commit meanwhile: use its checkout.
                if !dest.join(".git").join("bulwark-complete").exists() {
                    return Err(io(&dest, e));
                }
            } else {
                std::fs::write(dest.join(".git").join("bulwark-complete"), b"")
                    .map_err(|e| io(&dest, e))?;
            }
        }
        Ok((commit, dest))
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    let (commit, dest) = result?;
    let name = url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("bundle")
        .trim_end_matches(".git")
        .to_string();
    let mut b = Bundle::from_dir(&dest, &opts.limits)?;
    if b.info.name == commit {
        b.info.name = name;
    }
    b.info.commit = Some(commit);
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::parse_spec;

    #[test]
    fn specs() {
        assert_eq!(
            parse_spec("file:///tmp/repo@main").unwrap(),
            ("file:///tmp/repo".into(), "main".into())
        );
        assert_eq!(
            parse_spec("https://user@example.com/team/policies.git@refs/tags/v1").unwrap(),
            (
                "https://user@example.com/team/policies.git".into(),
                "refs/tags/v1".into()
            )
        );
        assert_eq!(parse_spec("file:///tmp/repo").unwrap().1, "HEAD");
        assert!(parse_spec("ext::sh -c touch /tmp/x@main").is_err());
        assert!(parse_spec("ssh://host/repo@main").is_err());
        assert!(parse_spec("file:///tmp/repo@--upload-pack=x").is_err());
    }
}
