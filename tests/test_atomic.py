"""Atomic writes: the file appears whole or not at all, with ordinary permissions, and a failure leaves nothing."""
from __future__ import annotations

import os
import stat

import pytest

from goalgraph.util.atomic import atomic_path, write_text_atomic


def test_written_file_has_the_umask_permissions_not_mkstemps_0600(tmp_path):
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "a.txt", "hello")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").read_text() == "hello"
    assert stat.S_IMODE(os.stat(tmp_path / "a.txt").st_mode) == 0o644


def test_a_failing_writer_leaves_neither_file_nor_temporary(tmp_path):
    (tmp_path / "b.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "b.txt") as tmp:
            with open(tmp, "w") as fh:
                fh.write("half")
            raise RuntimeError("writer crashed")
    assert (tmp_path / "b.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.txt"]
