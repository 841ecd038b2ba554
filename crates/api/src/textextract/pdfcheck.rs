//! Structural checks that keep pdf-extract away from PDFs it cannot survive.
//!
//! pdf-extract (0.12) panics on much malformed input, which the caller catches. Two shapes are
//! worse, because no `catch_unwind` can help:
//! - a `/Parent` chain that loops: resolving inherited page attributes follows it forever (a
//!   tail-recursive loop, so the thread spins instead of overflowing);
//! - a form XObject that draws itself, directly, through other forms, or by inheriting a
//!   resource dictionary that contains it: every `Do` recurses into the drawn stream, so the
//!   stack overflows and the *process* aborts.
//!
//! Both are refused here, on the parsed document, before text extraction starts. The form walk
//! mirrors pdf-extract's own resolution (a form without `/Resources` uses its caller's) and is
//! bounded in depth and in total work, so the check itself is cheap on any input.

use pdf_extract::content::Content;
use pdf_extract::{Dictionary, Document, Object, ObjectId};

/// Longest `/Parent` chain accepted (real page trees are a few levels deep).
const MAX_PARENT_DEPTH: usize = 64;
/// Deepest nesting of drawn XObjects accepted.
pub(super) const MAX_XOBJECT_DEPTH: usize = 32;
/// Most XObject draws followed in one document.
const MAX_XOBJECT_DRAWS: usize = 20_000;

/// Why a document is refused.
pub(super) type Refusal = &'static str;

/// Checks `doc` for loops that text extraction cannot survive.
pub(super) fn check(doc: &Document) -> Result<(), Refusal> {
    parent_chains(doc)?;
    let mut budget = MAX_XOBJECT_DRAWS;
    let empty = Dictionary::new();
    for page_id in doc.get_pages().into_values() {
        let Ok(page) = doc.get_dictionary(page_id) else {
            continue;
        };
        let resources = inherited_resources(doc, page).unwrap_or(&empty);
        let Ok(content) = doc.get_page_content(page_id) else {
            continue;
        };
        walk(doc, &content, resources, &mut Vec::new(), &mut budget)?;
    }
    Ok(())
}

/// Refuses any object whose `/Parent` chain loops or is implausibly long.
fn parent_chains(doc: &Document) -> Result<(), Refusal> {
    for (id, obj) in &doc.objects {
        let mut dict = match obj {
            Object::Dictionary(d) => d,
            Object::Stream(s) => &s.dict,
            _ => continue,
        };
        let mut seen: Vec<ObjectId> = vec![*id];
        while let Ok(parent) = dict.get(b"Parent").and_then(Object::as_reference) {
            if seen.contains(&parent) {
                return Err("its page tree loops (an object is its own ancestor)");
            }
            if seen.len() > MAX_PARENT_DEPTH {
                return Err("its page tree is too deep");
            }
            seen.push(parent);
            match doc.get_dictionary(parent) {
                Ok(d) => dict = d,
                Err(_) => break,
            }
        }
    }
    Ok(())
}

/// A page's `/Resources`, looked up through its ancestors like pdf-extract does. Only called
/// after [`parent_chains`] has shown the chain ends.
fn inherited_resources<'a>(doc: &'a Document, mut dict: &'a Dictionary) -> Option<&'a Dictionary> {
    for _ in 0..=MAX_PARENT_DEPTH {
        if let Some(r) = resolve(doc, dict.get(b"Resources").ok()).and_then(|o| o.as_dict().ok()) {
            return Some(r);
        }
        let parent = dict.get(b"Parent").and_then(Object::as_reference).ok()?;
        dict = doc.get_dictionary(parent).ok()?;
    }
    None
}

fn resolve<'a>(doc: &'a Document, obj: Option<&'a Object>) -> Option<&'a Object> {
    doc.dereference(obj?).ok().map(|(_, o)| o)
}

/// Follows every `Do` of `content`, refusing cycles, excessive depth and excessive work.
fn walk(
    doc: &Document,
    content: &[u8],
    resources: &Dictionary,
    path: &mut Vec<ObjectId>,
    budget: &mut usize,
) -> Result<(), Refusal> {
    // Undecodable content is pdf-extract's to fail on (it panics or errors; both are caught).
    let Ok(ops) = Content::decode(content) else {
        return Ok(());
    };
    for op in ops.operations.iter().filter(|o| o.operator == "Do") {
        let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) else {
            continue;
        };
        let Some((id, stream)) = xobject(doc, resources, name) else {
            continue;
        };
        *budget = budget
            .checked_sub(1)
            .ok_or("it draws too many nested objects")?;
        if path.contains(&id) {
            return Err("a drawing in it includes itself");
        }
        if path.len() >= MAX_XOBJECT_DEPTH {
            return Err("its drawings are nested too deeply");
        }
        // pdf-extract draws any XObject as content (it does not look at /Subtype), and a
        // stream without its own resources uses the caller's: mirror both.
        let own = resolve(doc, stream.dict.get(b"Resources").ok()).and_then(|o| o.as_dict().ok());
        let data = if stream.filters().is_ok() {
            stream
                .decompressed_content()
                .unwrap_or_else(|_| stream.content.clone())
        } else {
            stream.content.clone()
        };
        path.push(id);
        walk(doc, &data, own.unwrap_or(resources), path, budget)?;
        path.pop();
    }
    Ok(())
}

/// The stream that `/XObject` `name` in `resources` refers to, with its object id.
fn xobject<'a>(
    doc: &'a Document,
    resources: &'a Dictionary,
    name: &[u8],
) -> Option<(ObjectId, &'a pdf_extract::Stream)> {
    let xobjects = resolve(doc, resources.get(b"XObject").ok())?
        .as_dict()
        .ok()?;
    let (id, obj) = doc.dereference(xobjects.get(name).ok()?).ok()?;
    Some((id?, obj.as_stream().ok()?))
}
