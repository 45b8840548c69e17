"""Writes runs with images, texts and histograms into the store RUNLANE_DIR names, with the kernel
helper's own rl.log_image / log_text / log_histogram, for the media cards' browser tests.

    RUNLANE_DIR=STORE python write_media.py [RUNS] [STEPS] [--live]

Each run logs "samples" (a 16x12 image per step, its colour per run and step, a caption with HTML
in it), "generated" (a text per step, with HTML in it) and "weights" (a histogram per step whose mean
drifts); the first run also "big/photo" (one 1600x1200 image: drawn as a thumbnail). Prints each
run's id, one a line. With --live the last run stays running: each line read from stdin logs one
more step of everything into it and answers "ok" once written.
"""

import sys

import numpy as np

import runlane as rl
from runlane import media

args = [a for a in sys.argv[1:] if not a.startswith("--")]
runs = int(args[0]) if args else 2
steps = int(args[1]) if len(args) > 1 else 5
live = "--live" in sys.argv
rng = np.random.default_rng(7)


def log_step(r, step):
    img = np.zeros((12, 16, 3), dtype=np.uint8)
    img[..., 0] = 40 + 60 * r
    img[..., 1] = (step * 40) % 256
    img[:, : step + 1, 2] = 255
    rl.log_image("samples", img, step=step, caption=f"<img src=x onerror=alert(1)> step {step}")
    rl.log_text(
        "generated",
        f"<script>alert({step})</script> run {r} says: step {step}\nsecond line",
        step=step,
    )
    rl.log_histogram("weights", rng.normal(step * 0.1 + r, 1.0 + r * 0.3, 2000), step=step)
    rl.log(loss=1.0 / (step + 1), step=step)


for r in range(runs):
    with rl.run(name=f"media run {r}" if r else "<b>media</b> run 0", experiment="media"):
        print(rl.active_run().id, flush=True)
        for step in range(steps):
            log_step(r, step)
        if r == 0:
            photo = (np.indices((1200, 1600)).sum(axis=0) % 256).astype(np.uint8)
            rl.log_image("big/photo", photo, step=0, caption="a large image")
        if live and r == runs - 1:
            media.drain(rl.active_run())
            print("live", flush=True)
            for step in range(steps, steps + 1000):
                if not sys.stdin.readline():
                    break
                log_step(r, step)
                media.drain(rl.active_run())  # written in the background: wait before answering
                print("ok", flush=True)
