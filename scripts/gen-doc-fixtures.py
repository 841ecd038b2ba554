#!/usr/bin/env python3
"""Writes the small documents under fixtures/docs/ that the knowledge-document tests read.

PDFs are built by hand (no PDF library needed): one uncompressed two-page text PDF, one with a
FlateDecode content stream, one whose only page has no text, one whose text sits in nested form
XObjects, broken variants (truncated, garbage xref), and hostile structures that hang or crash
pdf-extract itself (a /Parent loop, a form that draws itself, forms nested 40 deep). The HTML
page is written out as it is. Run from the repository root: python3 scripts/gen-doc-fixtures.py
"""

import os
import zlib

OUT = os.path.join("fixtures", "docs")


def pdf(pages, compress=False):
    """A PDF with one page per entry of `pages` (a list of text lines per page), Helvetica 12."""
    objects = []  # index i holds object number i + 1

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)
    pages_obj = add(None)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for lines in pages:
        ops = [b"BT", b"/F1 12 Tf", b"14 TL", b"72 720 Td"]
        for line in lines:
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(b"(" + esc.encode("latin-1") + b") Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops) + b"\n"
        if compress:
            data = zlib.compress(stream)
            content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        else:
            content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
        page = add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (pages_obj, font, content)
        )
        kids.append(page)
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    return bytes(out)


def build(objects):
    """A PDF file of `objects` (bodies of objects 1..n; object 1 is the catalog)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(dict_entries, data):
    return b"<< %s /Length %d >>\nstream\n" % (dict_entries, len(data)) + data + b"endstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def nested_forms(depth, text=b"(Nested form text) Tj"):
    """Page -> Fm1 -> Fm2 -> ... -> Fm<depth>, the last one showing `text`."""
    # Objects: 1 catalog, 2 pages, 3 page, 4 page content, 5 font, 6.. forms.
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> /XObject << /X 6 0 R >> >> /Contents 4 0 R >>",
        stream(b"", b"/X Do\n"),
        FONT,
    ]
    for level in range(depth):
        obj = 6 + level
        if level + 1 < depth:
            res = b"/Resources << /Font << /F1 5 0 R >> /XObject << /X %d 0 R >> >>" % (obj + 1)
            body = b"/X Do\n"
        else:
            res = b"/Resources << /Font << /F1 5 0 R >> >>"
            body = b"BT /F1 12 Tf 72 700 Td " + text + b" ET\n"
        objs.append(stream(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] " + res, body))
    return build(objs)


def self_drawing():
    """A form without its own resources that draws /X: inherited, /X is the form itself."""
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /XObject << /X 5 0 R >> >> /Contents 4 0 R >>",
            stream(b"", b"/X Do\n"),
            stream(b"/Type /XObject /Subtype /Form /BBox [0 0 1 1]", b"/X Do\n"),
        ]
    )


def parent_loop():
    """A page without /Resources whose ancestors loop: inherited lookups never end."""
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 5 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            stream(b"", b"BT /F1 12 Tf (x) Tj ET\n"),
            b"<< /Type /Pages /Parent 5 0 R >>",
        ]
    )


PAGE_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Acme &amp; Co &mdash; Pricing</title>
  <style>body { font-family: sans-serif } .hidden { display: none }</style>
  <script>window.dataLayer = [{"event": "<p>not text</p>"}];</script>
</head>
<body>
  <nav><a href="/">Home</a> | <a href="/pricing">Pricing</a> | <a href="/blog">Blog</a></nav>
  <main>
    <h1>Plans &amp; pricing</h1>
    <p>The <strong>Starter</strong> plan costs 49&nbsp;&euro; per seat
       per month.</p>
    <p>Enterprise plans add single sign-on&#8212;and a 99.9&#x25; uptime SLA.</p>
    <ul>
      <li>Unlimited calls</li>
      <li>Call recording &amp; transcripts</li>
    </ul>
    <!-- <p>Old pricing: 39 EUR</p> -->
  </main>
  <footer>Questions? Call +1&#160;415&#160;555&#160;0100.</footer>
  <script src="/app.js"></script>
</body>
</html>
"""


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    text = pdf(
        [
            ["Acme Pricing Guide", "The Starter plan costs 49 dollars per seat per month."],
            ["Enterprise plans include single sign-on (SSO) and a 99.9% uptime SLA."],
        ]
    )
    write("pricing.pdf", text)
    write("pricing-compressed.pdf", pdf([["Compressed streams work too: FlateDecode."]], compress=True))
    write("blank.pdf", pdf([[]]))
    write("truncated.pdf", text[: len(text) // 2])
    garbage_xref = text.replace(b"startxref\n", b"startxref\n9").replace(b"xref\n0 ", b"xref\n9 ")
    write("bad-xref.pdf", garbage_xref)
    write("not-a-pdf.pdf", b"%PDF-1.7\nthis is not really a PDF\n%%EOF\n")
    write("nested-forms.pdf", nested_forms(3))
    write("deep-forms.pdf", nested_forms(40))
    write("self-drawing.pdf", self_drawing())
    write("parent-loop.pdf", parent_loop())
    write("pricing.html", PAGE_HTML.encode("utf-8"))


if __name__ == "__main__":
    main()
