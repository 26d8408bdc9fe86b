//! YAML documents into `serde_json::Value`, with the workspace's nesting bound checked first.

use crate::RegoError;
use serde::Deserialize;
use serde_json::Value;

/// Every document of a YAML (or JSON) text, empty documents dropped. Errors name the file and line.
pub fn documents(file: &str, text: &str) -> Result<Vec<Value>, RegoError> {
    if let Some((line, message)) =
        bulwark_types::yaml::depth_over(text.as_bytes(), bulwark_types::yaml::MAX_DEPTH)
    {
        return Err(RegoError::Syntax {
            file: file.to_string(),
            line: Some(line),
            message: format!("the YAML {message}"),
        });
    }
    let mut docs = Vec::new();
    for de in yaml_serde::Deserializer::from_str(text) {
        let v = Value::deserialize(de).map_err(|e| RegoError::Syntax {
            file: file.to_string(),
            line: e.location().map(|l| l.line()),
            message: e.to_string(),
        })?;
        if !v.is_null() {
            docs.push(v);
        }
    }
    Ok(docs)
}

/// A string field at a JSON path, or "".
pub(crate) fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(n) => cur = n,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_and_errors_name_the_line() {
        let d = documents("a.yaml", "a: 1\n---\n---\nb: [1, 2]\n").unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[1]["b"][1], 2);
        let e = documents("bad.yaml", "a: 1\nb: [1,\nc: }\n").unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with("bad.yaml:"), "{s}");
        assert!(matches!(e, RegoError::Syntax { line: Some(_), .. }), "{s}");
        let deep = format!("a: {}{}\n", "[".repeat(200), "]".repeat(200));
        let e = documents("deep.yaml", &deep).unwrap_err().to_string();
        assert!(
            e.contains("deep.yaml:1") && e.contains("levels deep"),
            "{e}"
        );
    }
}
