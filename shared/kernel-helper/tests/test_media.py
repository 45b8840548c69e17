"""rl.log_image / log_histogram / log_text into the store, and the shared media vectors
(test/fixtures/media-vectors.json, also read by shared/core/src/store/media.test.ts)."""
import base64
import json
import math
import os
import pathlib
import struct
import subprocess
import sys
import zlib

import pytest
from conftest import FIXTURES

import runlane as rl
from runlane.media_encode import histogram_record
from runlane.store.media import read_media

np = pytest.importorskip("numpy")


@pytest.fixture(scope="module")
def media_vectors():
    return json.loads((FIXTURES / "media-vectors.json").read_text(encoding="utf-8"))


def write_vector_run(run_dir, run):
    for writer, content in run["writers"].items():
        folder = run_dir / "media" / writer
        folder.mkdir(parents=True)
        (folder / "index.jsonl").write_text(content["index.jsonl"], encoding="utf-8")
        for name, data in content["files"].items():
            (folder / name).write_bytes(base64.b64decode(data))


def test_the_reader_lists_what_the_vectors_expect(tmp_path, media_vectors):
    run = media_vectors["run"]
    write_vector_run(tmp_path, run)
    items, histograms = read_media(str(tmp_path))
    assert items == run["expected_items"]
    assert histograms == run["expected_histograms"]


def test_histograms_bucket_as_the_vectors_say(media_vectors):
    for v in media_vectors["histograms"]:
        values = [float(x) if isinstance(x, str) else x for x in v["values"]]
        for given in (values, np.array(values, dtype=np.float64)):  # with and without numpy, the same
            got = histogram_record(given, v["buckets"])
            assert got == {k: v[k] for k in ("edges", "counts", "count", "min", "max", "sum")}


def decode_png(data):
    """Pixels of a PNG written with filter 0 (as runlane's encoder writes), as (w, h, colour type, rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + body)
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, _, colour, _, _, _ = header
    raw = zlib.decompress(idat)
    stride = len(raw) // height
    assert all(raw[r * stride] == 0 for r in range(height))
    return width, height, colour, [raw[r * stride + 1:(r + 1) * stride] for r in range(height)]


def test_images_texts_and_histograms_reach_the_store(store):
    chw = np.linspace(0, 1, 3 * 4 * 5).reshape(3, 4, 5)  # float CHW, as PyTorch keeps images
    grey = np.arange(20, dtype=np.uint8).reshape(4, 5)
    with rl.run(name="media") as run:
        rl.log(loss=1.0)
        rl.log(loss=0.5)
        rl.log_image("samples/x", chw, caption="first <b>")
        grey_copy = grey.copy()
        rl.log_image("samples/x", grey, step=7)
        grey[:] = 255  # the caller reuses its buffer at once: what was passed is what is kept
        rl.log_histogram("weights", [1.0, 2.0, 2.5, math.nan], buckets=3)
        rl.log_histogram("weights", (np.array([0.0, 1.0, 3.0]), [5, 6]), step=9)
        rl.log_text("gen", "<script>alert(1)</script>")
        run.log_text("gen", "from the run object", step=8)
    items, histograms = read_media(os.path.join(str(store), "runs", run.id))
    assert [(i["key"], i["step"], i["kind"], i["caption"]) for i in items] == [
        ("gen", 1, "text", None), ("gen", 8, "text", None), ("samples/x", 1, "image", "first <b>"),
        ("samples/x", 7, "image", None)]
    assert items[0]["text"] == "<script>alert(1)</script>"
    folder = os.path.join(str(store), "runs", run.id, "media")
    [writer] = os.listdir(folder)

    def pixels(item):
        [line] = [json.loads(x) for i, x in enumerate(open(os.path.join(folder, writer, "index.jsonl"))) if
                  "%s/%d" % (writer, i) == item["ref"]]
        return decode_png(open(os.path.join(folder, writer, line["file"]), "rb").read())

    width, height, colour, rows = pixels(items[2])
    assert (width, height, colour, items[2]["width"], items[2]["height"]) == (5, 4, 2, 5, 4)
    expected = (chw.transpose(1, 2, 0) * 255 + 0.5).astype(np.uint8)
    assert rows == [expected[r].tobytes() for r in range(4)]
    assert pixels(items[3])[3] == [grey_copy[r].tobytes() for r in range(4)]
    assert [(s["step"], s["counts"], s["count"], s["min"], s["max"]) for s in histograms["weights"]] == [
        (1, [1, 0, 2], 3, 1.0, 2.5), (9, [5, 6], 11, 0.0, 3.0)]


@pytest.mark.parametrize("image, error", [
    (np.zeros((2, 3, 5, 7)), "is not an image"),
    (np.full((4, 4), 1.5), "values in [0, 1]"),
    (np.full((4, 4), -3, dtype=np.int64), "values 0-255"),
    ({"not": "an image"}, "got a dict"),
    ("/no/such/file.png", "cannot read"),
])
def test_unsupported_images_raise_a_sentence_and_log_nothing(store, image, error):
    with rl.run(name="bad") as run:
        with pytest.raises((TypeError, ValueError, FileNotFoundError)) as info:
            rl.log_image("x", image)
        assert error in str(info.value)
        with pytest.raises(ValueError, match="one more edge"):
            rl.log_histogram("h", ([0, 1], [1, 2]))
        with pytest.raises(TypeError, match="takes a str"):
            rl.log_text("t", b"bytes")
        with pytest.raises(ValueError, match="metric key"):
            rl.log_text("../up", "x")
    assert read_media(os.path.join(str(store), "runs", run.id)) == ([], {})


def test_a_crash_mid_write_leaves_only_whole_records(store, tmp_path):
    """A process killed while it logs: every listed image's file is whole; a torn line is not listed."""
    script = tmp_path / "crash.py"
    script.write_text(
        "import os, numpy as np, runlane as rl\n"
        "rl.log(x=1)\n"
        "for i in range(40):\n"
        "    rl.log_image('big', np.random.randint(0, 255, (256, 256, 3), dtype=np.uint8), step=i)\n"
        "    if i == 20: print(rl.active_run().id, flush=True)\n"
        "os.kill(os.getpid(), 9)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, RUNLANE_DIR=str(store)))
    run_id = out.stdout.split()[0]
    run_dir = os.path.join(str(store), "runs", run_id)
    items, _ = read_media(run_dir)
    [writer] = os.listdir(os.path.join(run_dir, "media"))
    with open(os.path.join(run_dir, "media", writer, "index.jsonl"), "ab") as f:
        f.write(b'{"t": 1, "kind": "image", "key": "big", "step": 99, "fi')  # as if killed mid-line
    assert read_media(run_dir)[0] == items
    lines = open(os.path.join(run_dir, "media", writer, "index.jsonl")).read().split("\n")
    for item in items:
        line = json.loads(lines[int(item["ref"].split("/")[1])])
        assert decode_png(open(os.path.join(run_dir, "media", writer, line["file"]), "rb").read())[:2] == (256, 256)


def test_histograms_of_lists_need_no_numpy(store, tmp_path):
    script = tmp_path / "plain.py"
    script.write_text(
        "import sys\n"
        "sys.modules['numpy'] = None  # any import of numpy fails\n"
        "import runlane as rl\n"
        "with rl.run(name='plain') as r:\n"
        "    rl.log_histogram('h', [0.5, 1.5, 2.5], buckets=2)\n"
        "    rl.log_text('t', 'ok')\n"
        "print(r.id)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, RUNLANE_DIR=str(store)), check=True)
    items, histograms = read_media(os.path.join(str(store), "runs", out.stdout.strip()))
    assert histograms["h"][0]["counts"] == [1, 2] and items[0]["text"] == "ok"


def test_a_notebook_cell_that_logs_only_an_image_becomes_a_run_with_it(tmp_path):
    """In a real kernel, `%runlane auto all`: a cell whose first call is rl.log_image is a run, and
    every image, text and histogram is written before the cell's run ends."""
    pytest.importorskip("jupyter_client")
    from kernels import Kernel

    k = Kernel(tmp_path)
    try:
        k.run("%load_ext runlane\n%runlane auto all", "setup")
        k.run("import numpy as np, runlane as rl\n"
              "for i in range(5):\n"
              "    rl.log_image('frames', np.full((8, 8), i * 40, dtype=np.uint8), step=i)\n"
              "rl.log_histogram('h', [1, 2, 3])\n"
              "rl.log_text('t', 'cell text')", "cell-media")
        [run] = k.runs()
        assert run["kind"] == "cell" and run["status"] == "finished"
        items, histograms = read_media(str(k.store / "runs" / run["id"]))
        assert [(i["key"], i["step"]) for i in items] == [("frames", s) for s in range(5)] + [("t", 0)]
        assert list(histograms) == ["h"]
    finally:
        k.stop()


def test_pil_images_and_image_files(store, tmp_path):
    """PIL images (RGBA and palette ones converted), and PNG/JPEG files by path, with their sizes. Pillow
    is not a dependency of the helper: this runs in the DVCLive test environment, which has it."""
    python = FIXTURES.parents[1] / ".cache" / "dvclive-venv" / "bin" / "python"
    if not python.exists():
        pytest.skip("needs .cache/dvclive-venv (scripts/setup-dvclive.sh), which has Pillow")
    script = tmp_path / "pil.py"
    script.write_text(
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from PIL import Image\n"
        "import runlane as rl\n"
        "Image.new('RGB', (9, 4), (255, 0, 0)).save(sys.argv[2] + '/red.jpg')\n"
        "Image.new('L', (3, 5), 7).save(sys.argv[2] + '/grey.png')\n"
        "with rl.run(name='pil') as r:\n"
        "    rl.log_image('pil', Image.new('RGBA', (6, 2), (0, 0, 255, 128)), step=0)\n"
        "    rl.log_image('pil', Image.new('P', (5, 5)), step=1)\n"
        "    rl.log_image('files', sys.argv[2] + '/red.jpg', step=0)\n"
        "    rl.log_image('files', sys.argv[2] + '/grey.png', step=1)\n"
        "print(r.id)\n")
    src = pathlib.Path(rl.__file__).resolve().parents[1]
    out = subprocess.run([str(python), str(script), str(src), str(tmp_path)], capture_output=True, text=True,
                         timeout=120, env=dict(os.environ, RUNLANE_DIR=str(store)), check=True)
    items, _ = read_media(os.path.join(str(store), "runs", out.stdout.strip()))
    assert [(i["key"], i["step"], i["mime"], i["width"], i["height"]) for i in items] == [
        ("files", 0, "image/jpeg", 9, 4), ("files", 1, "image/png", 3, 5),
        ("pil", 0, "image/png", 6, 2), ("pil", 1, "image/png", 5, 5)]


def test_matplotlib_figures_are_rendered_when_logged(store, tmp_path):
    """A figure is rendered at the call (the caller may close or change it right after). matplotlib is
    not a dependency: this runs in the MLflow test environment, which has it."""
    python = FIXTURES.parents[1] / ".cache" / "mlflow-venv" / "bin" / "python"
    if not python.exists():
        pytest.skip("needs .cache/mlflow-venv (scripts/setup-mlflow.sh), which has matplotlib")
    script = tmp_path / "figure.py"
    script.write_text(
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import matplotlib; matplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\n"
        "import runlane as rl\n"
        "with rl.run(name='figure') as r:\n"
        "    fig, ax = plt.subplots(figsize=(2, 1), dpi=50)\n"
        "    ax.plot([0, 1], [1, 0])\n"
        "    rl.log_image('confusion', fig, step=4, caption='first')\n"
        "    plt.close(fig)\n"
        "print(r.id)\n")
    src = pathlib.Path(rl.__file__).resolve().parents[1]
    out = subprocess.run([str(python), str(script), str(src)], capture_output=True, text=True, timeout=180,
                         env=dict(os.environ, RUNLANE_DIR=str(store)), check=True)
    [item], _ = read_media(os.path.join(str(store), "runs", out.stdout.strip()))
    assert (item["key"], item["step"], item["mime"], item["width"], item["height"], item["caption"]) == (
        "confusion", 4, "image/png", 100, 50, "first")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_forked_child_writes_its_own_media_and_never_waits_for_its_parents(store, tmp_path):
    script = tmp_path / "fork.py"
    script.write_text(
        "import os, time, numpy as np, runlane as rl\n"
        "with rl.run(name='fork') as r:\n"
        "    for i in range(20):\n"
        "        noise = np.random.default_rng(i).integers(0, 255, (256, 256, 3), dtype=np.uint8)\n"
        "        rl.log_image('parent', noise, step=i)  # slow to encode: still queued at the fork\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        start = time.time()\n"
        "        rl.log_text('child', 'from the child')\n"
        "        r.flush(); r.finish()\n"
        "        os._exit(0 if time.time() - start < 10 else 3)\n"
        "    assert os.waitpid(pid, 0)[1] == 0\n"
        "print(r.id)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, RUNLANE_DIR=str(store)), check=True)
    items, _ = read_media(os.path.join(str(store), "runs", out.stdout.strip()))
    assert [i["step"] for i in items if i["key"] == "parent"] == list(range(20))  # once each, not twice
    assert [i["text"] for i in items if i["key"] == "child"] == ["from the child"]
