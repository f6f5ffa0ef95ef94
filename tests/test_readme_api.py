"""The README's Python API example runs as written (a doctest, in a scratch folder)."""

from __future__ import annotations

import doctest
import os
import re
import shutil
from pathlib import Path

from tests.conftest import EXAMPLES, ROOT


def test_readme_python_example_runs(tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?)```", text, re.S)
    assert block is not None, "the README has no Python example"
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    test = doctest.DocTestParser().get_doctest(block.group(1), {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        try:
            import pandas  # noqa: F401
        except ImportError:  # the example's to_pandas line needs pandas: skip just that line
            test.examples = [e for e in test.examples if "to_pandas" not in e.source]
        runner.run(test)
    finally:
        os.chdir(cwd)
    assert runner.failures == 0 and runner.tries >= 8
