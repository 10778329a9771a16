"""The shipped plan schema is the model's schema, and the wheel carries it."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

from conftest import REPO

from goalgraph.plan.io import SCHEMA_FILE, schema_text
from goalgraph.plan.model import plan_json_schema


def test_schema_file_equals_the_model_schema():
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == plan_json_schema()
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


def test_wheel_ships_the_schema(tmp_path):
    build = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path),
                            str(REPO)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("goalgraph-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "goalgraph/plan/plan.schema.json" in names
    assert "goalgraph/plan/build.py" in names
