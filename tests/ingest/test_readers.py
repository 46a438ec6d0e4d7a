import os
from pathlib import Path

import pytest

from initiatives.errors import InputError
from initiatives.ingest.readers import read_document


def test_html_drops_scripts_navigation_and_banners(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><script>var x = 1;</script><style>p{}</style></head><body>"
        "<noscript>Sorry, you need to enable JavaScript to visit this website.</noscript>"
        "<nav><a href='/'>Home</a> <a href='/p'>Projects</a></nav>"
        "<p>Sorry, you need to enable JavaScript to visit this website.</p>"
        "<h2>Past Projects</h2><p>ROA 1-2: A project title here</p>"
        "<table><tr><th>Country</th><th>Activities</th></tr><tr><td>Ghana</td><td>Training</td></tr></table>"
        "<footer>© 2024</footer></body></html>", encoding="utf-8")
    doc = read_document(page)
    assert "var x" not in doc.text and "Home" not in doc.text and "JavaScript" not in doc.text
    assert "## Past Projects" in doc.text
    assert "| Ghana | Training |" in doc.text
    assert doc.media_type == "text/html" and len(doc.sha256) == 64


def test_docx_headings_and_tables(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Current Projects", level=2)
    d.add_paragraph("GLO21X01: Digital Skills for Civil Servants")
    d.add_paragraph("Time Frame: March 2021 - June 2023")
    table = d.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Country", "Activities"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Nepal", "Workshops"
    path = tmp_path / "listing.docx"
    d.save(path)
    text = read_document(path).text
    assert "## Current Projects" in text
    assert "GLO21X01: Digital Skills for Civil Servants" in text
    assert "| Nepal | Workshops |" in text


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF with a real text layer (Helvetica), written by hand so the test needs no PDF writer."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_pdf_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "fund.pdf"
    path.write_bytes(_minimal_pdf("Time Frame: June 2014 - December 2016"))
    assert "Time Frame: June 2014 - December 2016" in read_document(path).text


@pytest.mark.parametrize("name, content, message", [
    ("empty.txt", b"", "empty file"),
    ("blank.md", b"   \n\n", "empty file"),
    ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, "binary"),
    ("broken.pdf", b"%PDF-1.4 this is not a pdf", "PDF"),
    ("broken.docx", b"PK\x03\x04 not really a zip", ".docx"),
    ("notes.rtf", b"{\\rtf1 hello}", "unsupported file type"),
])
def test_bad_files_give_one_line_errors_naming_the_file(tmp_path: Path, name: str, content: bytes,
                                                        message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        read_document(path)
    text = str(exc.value)
    assert name in text and message in text and "\n" not in text


def test_oversize_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:  # sparse: no 50 MB written to disk
        fh.truncate(51 * 1024 * 1024)
    with pytest.raises(InputError, match="over the 50 MB limit"):
        read_document(path)


def test_vanished_file(tmp_path: Path) -> None:
    path = tmp_path / "gone.txt"
    path.write_text("x")
    os.remove(path)
    with pytest.raises(InputError, match="vanished"):
        read_document(path)


def test_windows_1252_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("Caf\xe9 project \x96 S\xe3o Tom\xe9".encode("latin-1"))
    assert "São Tomé" in read_document(path).text


def test_html_fact_sheet_tables_become_labelled_fields(tmp_path: Path) -> None:
    page = tmp_path / "projects.html"
    page.write_text(
        "<html><body><h2>Past Projects</h2><h3>Rural Connectivity Initiative</h3>"
        "<table><tr><td>Duration</td><td>January 2019 - December 2021</td></tr>"
        "<tr><td>Countries</td><td>Malawi, Zambia</td></tr></table>"
        "<h3>Pilots</h3><table><tr><th>Country</th><th>Activities</th></tr>"
        "<tr><td>Ghana</td><td>Radio training</td></tr><tr><td>Mali</td><td>Radio repair</td></tr></table>"
        "</body></html>", encoding="utf-8")
    text = read_document(page).text
    assert "Duration: January 2019 - December 2021" in text and "Countries: Malawi, Zambia" in text
    assert "| Country | Activities |\n| --- | --- |\n| Ghana | Radio training |\n| Mali | Radio repair |" in text


def test_html_related_links_and_share_bars_are_dropped(tmp_path: Path) -> None:
    page = tmp_path / "news.html"
    page.write_text(
        "<html><body><article><h1>Fund opens its second round</h1><p>GENEVA, 2 May 2024 – The fund opened.</p>"
        "</article><div class='share-bar'>Share on X</div>"
        "<section class='related-articles'><ul><li>UNICEF launches new Innovation Fund</li></ul></section>"
        "</body></html>", encoding="utf-8")
    text = read_document(page).text
    assert "GENEVA, 2 May 2024" in text
    assert "Innovation Fund" not in text and "Share on" not in text


def test_html_table_with_merged_header_rows_and_spanned_cells(tmp_path) -> None:
    from initiatives.ingest.pipeline import extract_document

    path = tmp_path / "grants.html"
    path.write_text(
        "<html><body><h1>Grants awarded</h1><table><thead>"
        "<tr><th rowspan='2'>Grantee</th><th rowspan='2'>Project</th><th rowspan='2'>Country</th>"
        "<th colspan='2'>Period</th><th rowspan='2'>Amount (EUR)</th></tr><tr><th>From</th><th>To</th></tr>"
        "</thead><tbody>"
        "<tr><td>Lake Users Union</td><td>Shared Catch Records</td><td rowspan='2'>Malawi</td><td>03/2024</td>"
        "<td>02/2026</td><td>90,000</td></tr>"
        "<tr><td>Hill Schools Trust</td><td>Tablets for Village Schools</td><td>01/2025</td><td>12/2025</td>"
        "<td>45,000</td></tr></tbody></table></body></html>", encoding="utf-8")
    doc = read_document(path)
    assert "| Grantee | Project | Country | Period From | Period To | Amount (EUR) |" in doc.text
    assert "| Hill Schools Trust | Tablets for Village Schools | Malawi | 01/2025 | 12/2025 | 45,000 |" in doc.text
    recs = {r.title: r for r in extract_document(doc).initiatives}
    assert set(recs) == {"Shared Catch Records", "Tablets for Village Schools"}
    tablets = recs["Tablets for Village Schools"]
    assert (tablets.kind, tablets.countries, str(tablets.start), str(tablets.end)) == ("project", ["MWI"], "2025-01",
                                                                                       "2025-12")
    assert tablets.budget.amount == 45000 and tablets.budget.currency == "EUR"
    assert [p.name for p in tablets.partners] == ["Hill Schools Trust"]


def test_html_cards_of_label_and_value_divs() -> None:
    """Cards whose fields are two divs each (a label, then its value): one record per card, fields read."""
    from initiatives.ingest.pipeline import extract_document

    doc = read_document(Path(__file__).parent / "fixtures" / "field-divs.html")
    assert "Country: Mali, Niger\n" in doc.text and doc.text.count("---") == 2
    recs = {r.title: r for r in extract_document(doc).initiatives}
    assert set(recs) == {"Resilient Livelihoods in the Sahel", "Youth Skills for Green Jobs"}
    sahel = recs["Resilient Livelihoods in the Sahel"]
    assert (sahel.countries, str(sahel.start), str(sahel.end)) == (["MLI", "NER"], "2022-01", "2025-12")
    assert [p.name for p in sahel.partners] == ["Government of Germany"]
