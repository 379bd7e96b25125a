"""The on-disk cache: a hit only for the same key, and never an error, whatever is on disk."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from compiler import cache


def test_a_value_comes_back_only_for_its_key(_private_cache: Path) -> None:
    cache.store("thing", "key-1", {"a": [1, 2]})
    assert cache.load("thing", "key-1") == {"a": [1, 2]}
    assert cache.load("thing", "key-2") is None
    assert cache.load("other", "key-1") is None
    cache.store("thing", "key-2", "newer")
    assert cache.load("thing", "key-1") is None
    assert cache.load("thing", "key-2") == "newer"


@pytest.mark.parametrize(
    "content",
    [b"", b"garbage", b"kftest-cache-1\n", b"kftest-cache-1\n\x80\x04\x95truncated", b"\x00" * 64],
)
def test_a_broken_entry_is_no_entry(_private_cache: Path, content: bytes) -> None:
    cache.store("thing", "key", "value")
    (path,) = _private_cache.glob("thing.*")
    path.write_bytes(content)
    assert cache.load("thing", "key") is None
    cache.store("thing", "key", "again")  # and it is simply replaced
    assert cache.load("thing", "key") == "again"


def test_an_unusable_directory_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(cache.ENV_VAR, str(blocker / "kftest"))
    cache.store("thing", "key", "value")  # nothing raised
    assert cache.load("thing", "key") is None
    monkeypatch.setenv(cache.ENV_VAR, "off")
    assert cache.directory() is None
    cache.store("thing", "key", "value")
    assert cache.load("thing", "key") is None


def test_default_directory_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.directory() == tmp_path / "kftest"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert cache.directory() == Path.home() / ".cache" / "kftest"


def _writer(index: int) -> None:
    for round_ in range(30):
        cache.store("shared", "key", ("writer", index, round_, "x" * 50_000))


def test_concurrent_writers_leave_a_whole_entry(_private_cache: Path) -> None:
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_writer, args=(index,)) for index in range(4)]
    for writer in writers:
        writer.start()
    seen = []
    while any(writer.is_alive() for writer in writers):
        value = cache.load("shared", "key")
        if value is not None:
            seen.append(value)
    for writer in writers:
        writer.join()
    final = cache.load("shared", "key")
    assert final is not None and final[0] == "writer" and len(final[3]) == 50_000
    assert all(len(value[3]) == 50_000 for value in seen)  # never half an entry
    assert not list(_private_cache.glob(".tmp-*"))  # no temporary file left behind


def test_digest_separates_parts() -> None:
    assert cache.digest("ab", "c") != cache.digest("a", "bc")
    assert cache.digest("ab") != cache.digest("ba")  # the content, not only its length
    assert cache.digest("é", b"x") == cache.digest("é".encode(), "x")


def test_a_missing_cache_directory_is_created_for_the_user_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = tmp_path / "home" / ".cache" / "kftest"
    monkeypatch.setenv(cache.ENV_VAR, str(where))
    cache.store("thing", "key", "value")
    assert cache.load("thing", "key") == "value"
    assert where.stat().st_mode & 0o777 == 0o700
    assert cache.digest(b"x") == cache.digest("x")


def test_entries_are_named_by_their_kind_and_a_digest_of_what_they_are_for() -> None:
    name = cache.name_for("imports", Path("/repo"), "/repo/prow_config.yaml")
    kind, _, digest = name.partition("-")
    assert kind == "imports" and len(digest) == 32 and int(digest, 16) >= 0
    assert name == cache.name_for("imports", "/repo", Path("/repo/prow_config.yaml"))
    assert name != cache.name_for("imports", "/other", "/repo/prow_config.yaml")
    assert name != cache.name_for("config", "/repo", "/repo/prow_config.yaml")


def test_the_code_version_changes_with_kftest_s_version_and_its_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import compiler

    measure = cache.code_version.__wrapped__  # type: ignore[attr-defined]
    now = measure()
    assert len(now) == 64 and now == measure() == cache.code_version()
    source = Path(cache.__file__)
    stat = source.stat()
    try:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert measure() != now  # an edited (or reinstalled) module
    finally:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert measure() == now
    monkeypatch.setattr(compiler, "__version__", compiler.__version__ + ".post1")
    assert measure() != now  # an upgrade


def test_a_write_that_fails_leaves_no_temporary_file(_private_cache: Path) -> None:
    (_private_cache / "thing.pickle").mkdir()  # cannot be replaced by a file
    cache.store("thing", "key", "value")  # nothing raised
    assert cache.load("thing", "key") is None
    assert not list(_private_cache.glob(".tmp-*"))


def test_ctrl_c_while_writing_is_not_swallowed(
    _private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(source: str, destination: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cache.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cache.store("thing", "key", "value")
    assert not list(_private_cache.glob(".tmp-*"))
