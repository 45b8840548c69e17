"""A plain script tracked by Runlane: `python examples/train.py`, then `runlane ls`."""
import math
import random

import runlane as rl

with rl.run(name="script demo", experiment="demo", params={"lr": 0.05, "steps": 200}) as run:
    w, lr = 5.0, 0.05
    for step in range(200):
        noisy_grad = 2 * (w - 1.0) + random.gauss(0, 0.2)
        w -= lr * noisy_grad
        rl.log(loss=(w - 1.0) ** 2, w=w, step=step)
    rl.log(final_distance=math.fabs(w - 1.0))
    print("run", run.id, "w =", round(w, 4))
