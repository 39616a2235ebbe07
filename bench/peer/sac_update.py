"""The PyTorch peer of `npm run bench:peer`: one SAC-v1 update (Haarnoja et al. 2018, the update VIREL builds on)
at the project's shapes, timed in blocks.

One update on a fixed random minibatch of B rows: V(s) towards min_i Q_i(s, ã) − α log π(ã|s) (ã ~ π, tanh-Gaussian,
reparametrised); Q_1, Q_2 towards r + γ(1 − d) V̄(s′) with the target network V̄; the actor towards
α log π(ã|s) − min_i Q_i(s, ã) with a fresh ã; one Adam step per loss; V̄ ← τV + (1 − τ)V̄ (Polyak). Networks
are MLPs obs → hidden → hidden → out with ReLU, as in the project (2×256, obs 17, act 6, batch 256 by default).

Threads: torch.set_num_threads(--threads) (default 1) bounds PyTorch's own pool; Debian's torch runs its matrix
products in OpenBLAS, whose pool is set by OPENBLAS_NUM_THREADS (unset = all cores: "as shipped").

Usage: python3 bench/peer/sac_update.py [--hidden 256] [--batch 256] [--obs 17] [--act 6] [--threads 1]
                                        [--blocks 10] [--per-block 10] [--warmup 10] [--serve]
Prints `torch <version> … openblas_core=<kernels>`, then one line `block <wall ms> <cpu ms>` (per update) per block, then
`median <wall ms>` and `min <wall ms>`.

With --serve the blocks are run on request, so that bench/peer.ts can alternate them with its own (the two sides then
see the same minutes of a shared machine): after the warm-up it prints `ready`, then for every line `block` read on
stdin runs one block and prints its `block <wall ms> <cpu ms>` line; at end of input (or a line `quit`) it prints the
median and the minimum and exits. --blocks is ignored.
"""
import argparse
import statistics
import sys
import time

import torch

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
for name, default in [("hidden", 256), ("batch", 256), ("obs", 17), ("act", 6), ("threads", 1), ("blocks", 10),
                      ("per-block", 10), ("warmup", 10)]:
    p.add_argument(f"--{name}", type=int, default=default)
p.add_argument("--serve", action="store_true", help="run blocks when asked on stdin (see above)")
args = p.parse_args()
for k, v in vars(args).items():
    if k != "serve" and v < (0 if k == "warmup" else 1):
        p.error(f"--{k.replace('_', '-')} must be a positive integer, got {v}")
torch.set_num_threads(args.threads)
torch.manual_seed(0)
H, B, O, A = args.hidden, args.batch, args.obs, args.act
ALPHA, GAMMA, TAU, LR = 0.2, 0.99, 0.005, 3e-4


def mlp(n_in, n_out):
    return torch.nn.Sequential(torch.nn.Linear(n_in, H), torch.nn.ReLU(), torch.nn.Linear(H, H), torch.nn.ReLU(),
                               torch.nn.Linear(H, n_out))


v_net, v_target, q1, q2, pi = mlp(O, 1), mlp(O, 1), mlp(O + A, 1), mlp(O + A, 1), mlp(O, 2 * A)
v_target.load_state_dict(v_net.state_dict())
for prm in v_target.parameters():
    prm.requires_grad_(False)
opt_v = torch.optim.Adam(v_net.parameters(), LR)
opt_q = torch.optim.Adam([*q1.parameters(), *q2.parameters()], LR)
opt_pi = torch.optim.Adam(pi.parameters(), LR)
s, a, r, s2 = torch.randn(B, O), torch.rand(B, A) * 2 - 1, torch.randn(B, 1), torch.randn(B, O)
done = (torch.rand(B, 1) < 0.01).float()
LOG_SQRT_2PI = 0.5 * torch.log(torch.tensor(2 * torch.pi)).item()


def policy_sample(obs):
    """ã = tanh(μ + σε), log π(ã|s) = Σ[log N(u; μ, σ²) − log(1 − tanh² u)] (stable form of the Jacobian)."""
    mu, log_std = pi(obs).chunk(2, dim=1)
    log_std = log_std.clamp(-20, 2)
    eps = torch.randn_like(mu)
    u = mu + log_std.exp() * eps
    log_det = 2 * (torch.log(torch.tensor(2.0)) - u - torch.nn.functional.softplus(-2 * u))
    logp = (-0.5 * eps ** 2 - LOG_SQRT_2PI - log_std - log_det).sum(1, keepdim=True)
    return torch.tanh(u), logp


def update():
    with torch.no_grad():
        a_new, logp = policy_sample(s)
        sa_new = torch.cat([s, a_new], 1)
        v_hat = torch.min(q1(sa_new), q2(sa_new)) - ALPHA * logp
        y = r + GAMMA * (1 - done) * v_target(s2)
    loss_v = ((v_net(s) - v_hat) ** 2).mean()
    opt_v.zero_grad(set_to_none=True); loss_v.backward(); opt_v.step()
    sa = torch.cat([s, a], 1)
    loss_q = ((q1(sa) - y) ** 2).mean() + ((q2(sa) - y) ** 2).mean()
    opt_q.zero_grad(set_to_none=True); loss_q.backward(); opt_q.step()
    a_new, logp = policy_sample(s)
    sa_new = torch.cat([s, a_new], 1)
    loss_pi = (ALPHA * logp - torch.min(q1(sa_new), q2(sa_new))).mean()
    opt_pi.zero_grad(set_to_none=True); loss_pi.backward(); opt_pi.step()
    with torch.no_grad():
        for t, src in zip(v_target.parameters(), v_net.parameters()):
            t.mul_(1 - TAU).add_(src, alpha=TAU)


def openblas_core():
    """The kernels the OpenBLAS in this process runs (its openblas_get_corename()), or "?" without one."""
    import ctypes
    with open("/proc/self/maps") as maps:
        libs = sorted({line.split()[-1] for line in maps if "libopenblas" in line})
    for lib in libs:
        try:
            f = ctypes.CDLL(lib).openblas_get_corename
        except (OSError, AttributeError):
            continue
        f.restype = ctypes.c_char_p
        return f().decode()
    return "?"


print(f"torch {torch.__version__} threads={args.threads} hidden={H} batch={B} obs={O} act={A} "
      f"openblas_core={openblas_core()}", flush=True)
for _ in range(args.warmup):
    update()
walls = []


def block():
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(args.per_block):
        update()
    w, c = (time.perf_counter() - w0) / args.per_block * 1e3, (time.process_time() - c0) / args.per_block * 1e3
    walls.append(w)
    print(f"block {w:.4f} {c:.4f}", flush=True)


if args.serve:
    print("ready", flush=True)
    for line in sys.stdin:
        request = line.strip()
        if request == "quit":
            break
        if request != "block":
            sys.exit(f"sac_update.py --serve: expected 'block' or 'quit', got {request!r}")
        block()
else:
    for _ in range(args.blocks):
        block()
if walls:
    print(f"median {statistics.median(walls):.4f}")
    print(f"min {min(walls):.4f}")
