"""docs/python.md's complete test file runs and passes as printed."""

import importlib.util
import re

import iommu_tb


def test_the_documented_test_file_passes(root, tmp_path):
    text = (root / "docs" / "python.md").read_text()
    code = re.search(r"```python\n(# tests/python/engine/test_priq.py.*?)```", text, re.S).group(1)
    path = tmp_path / "doc_test_priq.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location("doc_test_priq", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = iommu_tb.run_test(module.test_queue_then_answer)
    assert result.passed, result.failure
