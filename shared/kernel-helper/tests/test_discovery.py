"""Where the store is (docs/store-format.md "Where the store is")."""
from runlane.store.discovery import find_store_dir


def test_runlane_dir_wins(tmp_path):
    (tmp_path / ".runlane").mkdir()
    assert find_store_dir(str(tmp_path), {"RUNLANE_DIR": "/data/store"}) == "/data/store"
    assert find_store_dir(str(tmp_path), {"RUNLANE_DIR": "rel"}) == str(tmp_path / "rel")


def test_the_nearest_store_up_from_the_start_folder(tmp_path):
    deep = tmp_path / "project" / "notebooks" / "week1"
    deep.mkdir(parents=True)
    (tmp_path / ".runlane").mkdir()
    assert find_store_dir(str(deep), {}) == str(tmp_path / ".runlane")
    (tmp_path / "project" / ".runlane").mkdir()
    assert find_store_dir(str(deep), {}) == str(tmp_path / "project" / ".runlane")


def test_without_a_store_it_is_runlane_in_the_start_folder(tmp_path):
    assert find_store_dir(str(tmp_path), {}) == str(tmp_path / ".runlane")
    assert not (tmp_path / ".runlane").exists()  # created on first write, not on lookup
    (tmp_path / ".runlane").write_text("a file, not a store")
    assert find_store_dir(str(tmp_path / "x"), {}) == str(tmp_path / "x" / ".runlane")
