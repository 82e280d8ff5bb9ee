//! `.proto` comments (from `SourceCodeInfo`) to Rust doc comments.

use std::collections::HashMap;

use courier_types::FileDescriptorProto;

/// The comments of one file, by element path (`[4, 0, 2, 1]` = message 0, field 1).
#[derive(Debug, Default)]
pub(crate) struct Comments {
    by_path: HashMap<Vec<i32>, String>,
}

impl Comments {
    pub(crate) fn of(file: &FileDescriptorProto) -> Comments {
        let mut by_path = HashMap::new();
        if let Some(info) = &file.source_code_info {
            for loc in &info.location {
                let text = loc
                    .leading_comments
                    .as_deref()
                    .filter(|c| !c.trim().is_empty())
                    .or(loc.trailing_comments.as_deref())
                    .filter(|c| !c.trim().is_empty());
                if let Some(text) = text {
                    by_path
                        .entry(loc.path.clone())
                        .or_insert_with(|| text.to_owned());
                }
            }
        }
        Comments { by_path }
    }

    /// Doc-comment lines for the element at `path` (empty when it has no comment).
    pub(crate) fn doc(&self, path: &[i32]) -> Vec<String> {
        self.by_path
            .get(path)
            .map(|c| doc_lines(c))
            .unwrap_or_default()
    }
}

/// Turns a comment into Markdown doc lines that rustdoc will not try to compile: indented
/// blocks and unlabelled fences become `text` fences.
pub(crate) fn doc_lines(comment: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    let mut in_indented = false;
    let mut prev_blank = true;
    for raw in comment.trim_end().split('\n') {
        let line = raw.strip_prefix(' ').unwrap_or(raw).trim_end();
        let trimmed = line.trim_start();
        if in_indented && !line.is_empty() && !line.starts_with("    ") {
            // Drop trailing blank lines inside the block, close it.
            while out.last().is_some_and(|l| l.is_empty()) {
                out.pop();
            }
            out.push("```".to_owned());
            out.push(String::new());
            in_indented = false;
        }
        if trimmed.starts_with("```") {
            if in_fence {
                in_fence = false;
                out.push("```".to_owned());
            } else {
                in_fence = true;
                let lang = trimmed.trim_start_matches('`').trim();
                if lang.is_empty() || lang != "rust" {
                    out.push("```text".to_owned());
                } else {
                    out.push("```rust,ignore".to_owned());
                }
            }
            prev_blank = false;
            continue;
        }
        if !in_fence && !in_indented && prev_blank && line.starts_with("    ") {
            out.push("```text".to_owned());
            in_indented = true;
        }
        prev_blank = line.is_empty();
        out.push(line.to_owned());
    }
    if in_indented {
        while out.last().is_some_and(|l| l.is_empty()) {
            out.pop();
        }
        out.push("```".to_owned());
    }
    if in_fence {
        out.push("```".to_owned());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indented_blocks_fenced() {
        let c = " A thing.\n\n Example:\n\n     let x = 1;\n     y();\n\n More.\n";
        assert_eq!(
            doc_lines(c),
            [
                "A thing.",
                "",
                "Example:",
                "",
                "```text",
                "    let x = 1;",
                "    y();",
                "```",
                "",
                "More."
            ]
        );
    }

    #[test]
    fn fences_labelled() {
        assert_eq!(doc_lines(" ```\n x\n ```\n"), ["```text", "x", "```"]);
    }
}
