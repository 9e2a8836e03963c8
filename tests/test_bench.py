"""The benchmarks' own arithmetic, so that `make bench` does not rot between runs."""

from bench import bench_documents, bench_pipeline


def test_word_accuracy_counts_the_true_words_found_in_order():
    assert bench_documents.accuracy(["the quick fox"], ["The quick, fox!"]) == 1.0
    assert bench_documents.accuracy(["the quick fox jumps"], ["the quack fox"]) == 0.5


def test_reports_are_tables():
    results = {
        "tesseract": dict.fromkeys(
            [
                "raw_pages_per_minute",
                "pipeline_pages_per_minute",
                "pipeline_to_raw",
                "word_accuracy",
            ],
            1.0,
        )
    }
    assert "| tesseract | 1.0 | 1.0 | 1.00 | 100.0 % |" in bench_documents.report(results, 5, 12)
    summary = bench_pipeline.summarize(4, 2.0, {"file": (4.0, [1.0, 2.0, 3.0])})
    assert summary["end_to_end"]["file"]["ratio_to_raw"] == 0.5
    assert "| 1.00 | 0.50 |" in bench_pipeline.report(summary)
