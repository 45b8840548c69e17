"""Writes one run of what people log into the store RUNLANE_DIR names, for a look at the media cards
in both editors (test/e2e/vscode.e2e.test.ts, mediaCards.e2e.test.ts):

    RUNLANE_DIR=STORE python mediaCardsLook.py [NAME]

The run (named NAME, by default "look at <b>media</b>") logs, over steps 0-2: a matplotlib figure
("figures/curve"; where matplotlib is installed), a 2048x2048 image ("big/2048"), the path of a PNG
whose body is corrupt ("broken/png"), 28x28 grey samples ("samples"), a text with HTML in it ("notes"), and histograms
from two ranks ("weights": rank 0 here, rank 1 from a worker process, as a job's worker logs them).
Prints the run's id.
"""

import os
import subprocess
import sys
import tempfile
import zlib

import numpy as np

import runlane as rl
from runlane import media

STEPS = 3
rng = np.random.default_rng(3)


def corrupt_png(path):
    """A PNG with a valid signature and header (so it is logged as one) whose image data is garbage."""
    import struct

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"not zlib at all" * 20)
                + chunk(b"IEND", b""))


def figure(step):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    x = np.linspace(0, 10, 200)
    ax.plot(x, np.exp(-x / (step + 1)), label="loss")
    ax.set_title(f"loss at step {step}")
    ax.legend()
    return fig


with rl.run(name=sys.argv[1] if len(sys.argv) > 1 else "look at <b>media</b>", experiment="look"):
    run = rl.active_run()
    print(run.id, flush=True)
    yy, xx = np.indices((2048, 2048))
    broken = os.path.join(tempfile.mkdtemp(), "broken.png")
    corrupt_png(broken)
    for step in range(STEPS):
        fig = figure(step)
        if fig is not None:
            rl.log_image("figures/curve", fig, step=step, caption=f"matplotlib, step {step}")
        big = np.stack([(xx + step * 200) % 256, yy % 256, (xx // 8 + yy // 8) % 256], axis=-1).astype(np.uint8)
        rl.log_image("big/2048", big, step=step, caption="2048 x 2048")
        rl.log_image("broken/png", broken, step=step, caption="a corrupt PNG")
        rl.log_image("samples", rng.random((28, 28)), step=step, caption=f"digit {step}")
        rl.log_text("notes", f"<h1>Not a heading</h1><script>alert({step})</script>\n& step {step}: "
                    + "a long line " * 30, step=step)
        rl.log_histogram("weights", rng.normal(step * 0.2, 1.0, 5000), step=step)
    media.drain(run)
    # A job's worker 1 (RUNLANE_RUN_ID and RANK, as every target sets them) logs its own histograms.
    code = (
        "import numpy as np\nimport runlane as rl\nfrom runlane.media import drain\n"
        f"for s in range({STEPS}):\n"
        "    rl.log_histogram('weights', np.random.default_rng(s).normal(3 + s * 0.2, 0.5, 5000), step=s)\n"
        "drain(rl.active_run())\n"
    )
    env = dict(os.environ, RUNLANE_RUN_ID=run.id, RANK="1")
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
