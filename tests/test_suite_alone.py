"""The suite itself: a deterministic sample of browser tests each passes when run alone
(`python build.py test -k NAME` is what the README advertises), in its own pytest process."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = 2  # tests run alone per suite run: each costs a page load (~10-30 s here)
# Bumping this picks another sample; every browser test should pass alone whatever the sample.
SALT = os.environ.get("ONDEVICE_ALONE_SALT", "1")


def browser_tests() -> list[str]:
    found = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                            *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_browser_*.py"))],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line for line in found.splitlines() if "::" in line]


@pytest.mark.skipif(os.environ.get("ONDEVICE_ALONE") == "1", reason="already inside a test run alone")
def test_a_sample_of_browser_tests_passes_alone(dist):
    tests = browser_tests()
    assert len(tests) > 50, tests  # the collection worked
    sample = sorted(tests, key=lambda node: hashlib.sha256((SALT + node).encode()).hexdigest())[:SAMPLE]
    for node in sample:
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", node], cwd=ROOT,
                                env={**os.environ, "ONDEVICE_ALONE": "1"}, capture_output=True, text=True)
        assert result.returncode == 0 and " passed" in result.stdout, (node, result.stdout[-3000:])
