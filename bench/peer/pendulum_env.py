"""Pendulum-v1 in numpy, written to Gymnasium 1.x's equations (gymnasium/envs/classic_control/pendulum.py), so the
PyTorch peer runs without Gymnasium (not a Debian package). test/bench/peer-python.test.ts checks it against the
repository's Gymnasium reference traces (test/fixtures/classic/Pendulum-v1.json): the same observations and
rewards, step by step. Resets draw from numpy's generator (Gymnasium's np_random is the same PCG64 kind, but the
peer does not need Gymnasium's exact reset draws). Scalar sin/cos come from `math` (the C library): Debian 12's
numpy 1.24 `np.sin` differs from it in the last bit on these traces (measured), numpy 2.x's does not."""
import math

import numpy as np

MAX_SPEED, MAX_TORQUE, DT, G, M, L = 8.0, 2.0, 0.05, 10.0, 1.0, 1.0
MAX_EPISODE_STEPS = 200


def angle_normalize(x):
    return ((x + np.pi) % (2 * np.pi)) - np.pi


class Pendulum:
    obs_dim, act_dim = 3, 1
    act_low, act_high = np.array([-MAX_TORQUE]), np.array([MAX_TORQUE])

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)
        self.state = np.zeros(2)
        self.t = 0

    def reset(self, seed=None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        high = np.array([np.pi, 1.0])
        self.state = self.rng.uniform(low=-high, high=high)
        self.t = 0
        return self.obs()

    def set_state(self, state):
        self.state = np.array(state, dtype=np.float64)
        self.t = 0

    def obs(self):
        th, thdot = self.state
        return np.array([math.cos(th), math.sin(th), thdot], dtype=np.float32)

    def step(self, u):
        """u: torque array of shape (1,). Returns (obs, reward, terminated, truncated)."""
        th, thdot = self.state
        # Gymnasium's action is float32 and, under numpy 2's promotion (NEP 50), so are 3u and 0.001u²; the casts
        # are explicit here so that numpy 1.x (Debian 12) computes the same numbers
        u = np.clip(np.asarray(u, dtype=np.float32), np.float32(-MAX_TORQUE), np.float32(MAX_TORQUE))[0]
        costs = angle_normalize(th) ** 2 + 0.1 * thdot ** 2 + float(np.float32(0.001) * (u * u))
        newthdot = thdot + (3 * G / (2 * L) * math.sin(th) + float(np.float32(3.0 / (M * L ** 2)) * u)) * DT
        newthdot = np.clip(newthdot, -MAX_SPEED, MAX_SPEED)
        newth = th + newthdot * DT
        self.state = np.array([newth, newthdot])
        self.t += 1
        return self.obs(), -float(costs), False, self.t >= MAX_EPISODE_STEPS


if __name__ == "__main__":
    # Replay reference traces: stdin {"cases": [{"state", "actions"}]} -> stdout [[{"obs", "reward", "terminated"}]]
    import json, sys
    cases = json.load(sys.stdin)["cases"]
    out = []
    for c in cases:
        env = Pendulum()
        env.set_state(c["state"])
        steps = []
        for a in c["actions"]:
            o, r, term, _ = env.step(np.array(a, dtype=np.float64))
            steps.append({"obs": [float(x) for x in o], "reward": r, "terminated": term})
        out.append(steps)
    json.dump(out, sys.stdout)
