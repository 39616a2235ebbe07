"""The end-to-end PyTorch peer of `npm run bench:peer`: SAC (v2: twin Q with target Q networks, learned α) or
VIREL1 (the project's VIREL1: V, target V, twin Q, β from the Bellman error on 4096 replay samples every step)
trained on Pendulum-v1 (numpy, bench/peer/pendulum_env.py), with the configuration the project's benchmark uses:
2×256 ReLU MLPs, Adam lr 1e-3, batch 256, γ 0.99, τ 0.005, 1000 uniform random steps, one update per env step
after them, 6000 env steps, 5 deterministic evaluation episodes (one after the other) every 1000 steps.
What is timed: the whole loop (env steps, replay, updates, evaluations), wall-clock and CPU.

The algorithms follow src/agents/learner.ts (the project's reference update), written the common PyTorch way:
  SAC-v2  Q_i ← r + γ(1−d)(min_j Q̄_j(s′, a′) − α log π(a′|s′));  π: α log π(ã|s) − min_i Q_i(s, ã);
          log α: −log α · (log π(ã|s) − |A|)  (lr 3e-4, α₀ = 1)
  VIREL1  β = 0.01 · mean_i MSE(Q_i(s,a), r + γ(1−d)V(s′)) on 4096 replay samples (β = 0.01 · 1 before the buffer
          holds them, as the project's td-residual rule); with --beta-source minibatch the residual is scored on each
          update's own minibatch before its steps and β is 0.01 × the mean over the last ⌈4096/256⌉ = 16 of them
          (the project's betaSource minibatch); V(s) ← min_i Q_i(s, ã); Q_i ← r + γ(1−d)V̄(s′); V̄ Polyak;
          π: β log π(ã|s) − min_i Q_i(s, ã) + 1e-3·(mean μ² + mean log σ²)

Usage: python3 bench/peer/pendulum_sac.py [--algo sac|virel1] [--beta-source replay|minibatch] [--steps 6000]
                                          [--eval-every 1000] [--threads N]
Prints `torch <version>`, the evaluations (`eval <step> <mean return>`), then
`result {"wall_s": …, "cpu_s": …, …}` (one JSON line).
"""
import argparse
import collections
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pendulum_env import Pendulum  # noqa: E402

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
p.add_argument("--algo", choices=["sac", "virel1"], default="sac")
p.add_argument("--beta-source", choices=["replay", "minibatch"], default="replay")
p.add_argument("--steps", type=int, default=6000)
p.add_argument("--eval-every", type=int, default=1000)
p.add_argument("--eval-episodes", type=int, default=5)
p.add_argument("--hidden", type=int, default=256)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0 = as shipped)")
p.add_argument("--seed", type=int, default=0)
args = p.parse_args()
for k in ("steps", "hidden", "eval_episodes"):
    if getattr(args, k) < 1:
        p.error(f"--{k.replace('_', '-')} must be a positive integer, got {getattr(args, k)}")
if args.threads > 0:
    torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
rng = np.random.default_rng(args.seed)

GAMMA, TAU, BATCH, RANDOM_STEPS = 0.99, 0.005, 256, 1000
BETA_BATCH, BETA_SCALE, BETA0, POLICY_REG = 4096, 0.01, 1.0, 1e-3
env, eval_env = Pendulum(args.seed), Pendulum(args.seed + 1)
O, A, H = env.obs_dim, env.act_dim, args.hidden
LOW, HIGH = env.act_low, env.act_high
LOG_SQRT_2PI = 0.5 * float(np.log(2 * np.pi))


def mlp(n_in, n_out):
    net = torch.nn.Sequential(torch.nn.Linear(n_in, H), torch.nn.ReLU(), torch.nn.Linear(H, H), torch.nn.ReLU(),
                              torch.nn.Linear(H, n_out))
    for t in net[-1].parameters():  # last layer U(−3e-3, 3e-3), as the project's networks
        torch.nn.init.uniform_(t, -3e-3, 3e-3)
    return net


def frozen_copy(net):
    c = mlp(net[0].in_features, net[-1].out_features)
    c.load_state_dict(net.state_dict())
    for t in c.parameters():
        t.requires_grad_(False)
    return c


pi, q1, q2 = mlp(O, 2 * A), mlp(O + A, 1), mlp(O + A, 1)
opt_pi = torch.optim.Adam(pi.parameters(), args.lr)
opt_q = torch.optim.Adam([*q1.parameters(), *q2.parameters()], args.lr)
if args.algo == "sac":
    q1_t, q2_t = frozen_copy(q1), frozen_copy(q2)
    log_alpha = torch.zeros(1, requires_grad=True)
    opt_alpha = torch.optim.Adam([log_alpha], 3e-4)
    target_entropy = -float(A)
else:
    v = mlp(O, 1)
    v_t = frozen_copy(v)
    opt_v = torch.optim.Adam(v.parameters(), args.lr)
    beta = BETA_SCALE * BETA0
    window = collections.deque(maxlen=math.ceil(BETA_BATCH / BATCH))

# replay buffer (float32, like the project's)
CAP = args.steps
buf_s, buf_a = np.zeros((CAP, O), np.float32), np.zeros((CAP, A), np.float32)
buf_r, buf_s2, buf_d = np.zeros((CAP, 1), np.float32), np.zeros((CAP, O), np.float32), np.zeros((CAP, 1), np.float32)
size = 0


def sample(n):
    idx = rng.integers(0, size, n)
    return tuple(torch.from_numpy(x[idx]) for x in (buf_s, buf_a, buf_r, buf_s2, buf_d))


def policy(obs, deterministic=False):
    mu, log_std = pi(obs).chunk(2, dim=1)
    log_std = log_std.clamp(-20, 2)
    if deterministic:
        return torch.tanh(mu), None, mu, log_std
    eps = torch.randn_like(mu)
    u = mu + log_std.exp() * eps
    log_det = 2 * (np.log(2.0) - u - torch.nn.functional.softplus(-2 * u))
    logp = (-0.5 * eps ** 2 - LOG_SQRT_2PI - log_std - log_det).sum(1, keepdim=True)
    return torch.tanh(u), logp, mu, log_std


def to_env(a):
    return LOW + (a + 1) * 0.5 * (HIGH - LOW)


def update():
    global beta
    if args.algo == "virel1" and args.beta_source == "replay":
        with torch.no_grad():  # β(ω): the MSBE on BETA_BATCH replay samples, online V (official beta.py)
            if size >= BETA_BATCH:
                s, a, r, s2, d = sample(BETA_BATCH)
                y = r + GAMMA * (1 - d) * v(s2)
                sa = torch.cat([s, a], 1)
                beta = BETA_SCALE * 0.5 * (((q1(sa) - y) ** 2).mean() + ((q2(sa) - y) ** 2).mean()).item()
            else:
                beta = BETA_SCALE * BETA0
    if args.algo == "virel1" and args.beta_source == "minibatch":  # β from the last minibatches' residuals
        full = size >= BETA_BATCH and len(window) == window.maxlen
        beta = BETA_SCALE * (sum(window) / len(window) if full else BETA0)
    s, a, r, s2, d = sample(BATCH)
    sa = torch.cat([s, a], 1)
    if args.algo == "virel1" and args.beta_source == "minibatch":
        with torch.no_grad():  # this minibatch's residual before its steps, online V
            y = r + GAMMA * (1 - d) * v(s2)
            window.append(0.5 * (((q1(sa) - y) ** 2).mean() + ((q2(sa) - y) ** 2).mean()).item())
    if args.algo == "sac":
        alpha = log_alpha.exp().item()
        with torch.no_grad():
            a2, logp2, _, _ = policy(s2)
            sa2 = torch.cat([s2, a2], 1)
            y = r + GAMMA * (1 - d) * (torch.min(q1_t(sa2), q2_t(sa2)) - alpha * logp2)
    else:
        with torch.no_grad():
            a_now, _, _, _ = policy(s)
            sa_now = torch.cat([s, a_now], 1)
            v_hat = torch.min(q1(sa_now), q2(sa_now))
        loss_v = ((v(s) - v_hat) ** 2).mean()
        opt_v.zero_grad(set_to_none=True); loss_v.backward(); opt_v.step()
        with torch.no_grad():
            y = r + GAMMA * (1 - d) * v_t(s2)
    loss_q = ((q1(sa) - y) ** 2).mean() + ((q2(sa) - y) ** 2).mean()
    opt_q.zero_grad(set_to_none=True); loss_q.backward(); opt_q.step()
    with torch.no_grad():
        for tgt, src in ([(q1_t, q1), (q2_t, q2)] if args.algo == "sac" else [(v_t, v)]):
            for t, x in zip(tgt.parameters(), src.parameters()):
                t.mul_(1 - TAU).add_(x, alpha=TAU)
    a_new, logp, mu, log_std = policy(s)
    sa_new = torch.cat([s, a_new], 1)
    q_hat = torch.min(q1(sa_new), q2(sa_new))
    temp = alpha if args.algo == "sac" else beta
    loss_pi = (temp * logp - q_hat).mean()
    if args.algo == "virel1":
        loss_pi = loss_pi + POLICY_REG * ((mu ** 2).mean() + (log_std ** 2).mean())
    opt_pi.zero_grad(set_to_none=True); loss_pi.backward(); opt_pi.step()
    if args.algo == "sac":
        loss_alpha = -(log_alpha * (logp.detach().mean() + target_entropy))
        opt_alpha.zero_grad(set_to_none=True); loss_alpha.backward(); opt_alpha.step()


def evaluate():
    rets = []
    for _ in range(args.eval_episodes):
        obs, ret, done = eval_env.reset(int(rng.integers(0, 2 ** 32))), 0.0, False
        while not done:
            with torch.no_grad():
                a, _, _, _ = policy(torch.from_numpy(obs).unsqueeze(0), deterministic=True)
            obs, r, term, trunc = eval_env.step(to_env(a.numpy()[0].astype(np.float64)))
            ret += r
            done = term or trunc
        rets.append(ret)
    return float(np.mean(rets))


print(f"torch {torch.__version__} threads={torch.get_num_threads()} algo={args.algo} steps={args.steps}", flush=True)
evals = []
w0, c0 = time.perf_counter(), time.process_time()
obs = env.reset(args.seed)
for step in range(1, args.steps + 1):
    if step <= RANDOM_STEPS:
        a = rng.uniform(-1, 1, A).astype(np.float32)
    else:
        with torch.no_grad():
            a = policy(torch.from_numpy(obs).unsqueeze(0))[0].numpy()[0]
    obs2, r, term, trunc = env.step(to_env(a.astype(np.float64)))
    buf_s[size], buf_a[size], buf_r[size], buf_s2[size], buf_d[size] = obs, a, r, obs2, float(term)
    size += 1
    obs = env.reset() if term or trunc else obs2
    if step > RANDOM_STEPS and size >= BATCH:
        update()
    if args.eval_every > 0 and step % args.eval_every == 0:
        evals.append([step, evaluate()])
        print(f"eval {step} {evals[-1][1]:.1f}", flush=True)
wall, cpu = time.perf_counter() - w0, time.process_time() - c0
print("result " + json.dumps({"algo": args.algo, "steps": args.steps, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                              "threads": torch.get_num_threads(), "torch": torch.__version__, "evals": evals}))
