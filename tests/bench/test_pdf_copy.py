"""The searchable PDF benchmark's copies: each PDF reader scores a page, real OCR."""

from bench import bench_pdf_copy, corpus


def test_each_reader_copies_each_pdf_and_ocrapps_copy_keeps_its_reading_order():
    readers = {name: bench_pdf_copy.PDF_READERS[name] for name in ["pdfium (Chrome)", "pypdf"]}
    results = bench_pdf_copy.measure([corpus.page("sourdough_article")], readers)
    page = results["sourdough_article"]
    assert set(page["copies"]) == {(w, r) for w in bench_pdf_copy.WRITERS for r in readers}
    # Copied in the order drawn, ocrapp's PDF gives its text back as its text reads.
    assert abs(page["copies"]["ocrapp", "pdfium (Chrome)"] - page["texts"]["ocrapp"]) < 0.01
    assert page["texts"]["ocrapp"] < 0.05
    report = bench_pdf_copy.report(results, list(readers))
    assert "### screenshot pages (1)" in report and "| pypdf |" in report
    assert "| sourdough_article | screenshot |" in report
