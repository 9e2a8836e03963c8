"""The benchmarks' own arithmetic, so that `make bench` does not rot between runs."""

from bench import bench_documents, bench_pipeline


def test_document_quality_is_the_mean_over_pages():
    quality = bench_documents.quality(["the quick fox", "jumps"], ["the quick fox", "jumps over"])
    assert quality["word_recall"] == 1.0
    assert 0 < quality["cer"] < 1


def test_stage_seconds_are_added_up_from_the_workers_json_log(tmp_path):
    log = tmp_path / "worker.log"
    lines = [
        '{"message": "page 1 of 2", "task_id": "t", "stages": {"read": 1.5, "render": 0.25}}',
        '{"message": "page 2 of 2", "task_id": "t", "stages": {"read": 0.5}}',
        '{"message": "page 1 of 1", "task_id": "other", "stages": {"read": 9.0}}',
        "a line that is not JSON",
    ]
    log.write_text("\n".join(lines))
    assert bench_documents.stage_seconds(log, "t") == {"read": 2.0, "render": 0.25}


def test_reports_are_tables():
    quality = {"cer": 0.01, "word_recall": 0.99}
    results = {
        "tesseract": {
            **dict.fromkeys(
                ["raw_pages_per_minute", "pipeline_pages_per_minute", "pipeline_to_raw"], 1.0
            ),
            "raw": quality,
            "pipeline": quality,
            "stage_share": {"read": 0.9, "render": 0.1},
        }
    }
    table = bench_documents.report(results, 5)
    assert "| tesseract | 1.0 | 1.0 | 1.00 | 0.010 | 0.010 | 0.990 |" in table
    assert "| read | 90.0 % |" in table
    summary = bench_pipeline.summarize(4, 2.0, {"file": (4.0, [1.0, 2.0, 3.0])})
    assert summary["end_to_end"]["file"]["ratio_to_raw"] == 0.5
    assert "| 1.00 | 0.50 |" in bench_pipeline.report(summary)
