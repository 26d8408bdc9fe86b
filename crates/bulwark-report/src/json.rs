//! `json`: the serde serialisation of [`Report`] itself, pretty-printed.

use std::io::Write;

use crate::{Report, ReportError};

pub fn render_json(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    w.write_all(b"\n")?;
    Ok(())
}
