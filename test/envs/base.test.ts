/** Spaces, seeding, time limits, clipping and bad input for the classic envs and the shared EnvBase shell. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as envs from "../../src/envs";
import { Rng } from "../../src/rng";
import carTrace from "../fixtures/classic/MountainCarContinuous-v0.json";

const f32 = Math.fround;

test("spaces: Pendulum and MountainCar boxes are Gymnasium's (float32 bounds), and spec() agrees with make()", async () => {
  const p = await envs.make("Pendulum-v1");
  assert.deepEqual(p.observationSpace.shape, [3]);
  assert.deepEqual(Array.from(p.observationSpace.low), [-1, -1, -8]);
  assert.deepEqual(Array.from(p.observationSpace.high), [1, 1, 8]);
  assert.deepEqual(p.actionSpace.shape, [1]);
  assert.deepEqual(Array.from(p.actionSpace.low), [-2]);
  assert.deepEqual(Array.from(p.actionSpace.high), [2]);
  assert.equal(p.maxEpisodeSteps, 200);
  const c = await envs.make("MountainCarContinuous-v0");
  assert.deepEqual(Array.from(c.observationSpace.low), [f32(-1.2), f32(-0.07)]);
  assert.deepEqual(Array.from(c.observationSpace.high), [f32(0.6), f32(0.07)]);
  assert.deepEqual(Array.from(c.actionSpace.low), [-1]);
  assert.equal(c.maxEpisodeSteps, 999);
  for (const env of [p, c]) {
    const s = envs.spec(env.id);
    assert.deepEqual(s.observationSpace, env.observationSpace);
    assert.deepEqual(s.actionSpace, env.actionSpace);
    assert.equal(s.maxEpisodeSteps, env.maxEpisodeSteps);
    assert.equal(s.family, "classic");
  }
  // specs are copies: mutating one does not change the registry
  envs.spec("Pendulum-v1").actionSpace.high[0] = 99;
  assert.equal(envs.spec("Pendulum-v1").actionSpace.high[0], 2);
  // observations stay inside the observation space (MountainCar pinned at the right wall: x = 0.6 exactly)
  c.reset({ seed: 1 });
  c.setState([0.59, 0.07]);
  const r = c.step([1]);
  assert.equal(r.obs[0], f32(0.6));
  assert.ok(envs.boxContains(c.observationSpace, r.obs));
});

test("ids() lists the classic tasks and the nine MuJoCo v5 tasks; spec() knows their Gymnasium facts", () => {
  const all = envs.ids();
  assert.deepEqual(all.slice(0, 2), ["Pendulum-v1", "MountainCarContinuous-v0"]);
  for (const id of [
    "HalfCheetah-v5",
    "Hopper-v5",
    "Walker2d-v5",
    "Ant-v5",
    "Humanoid-v5",
    "Swimmer-v5",
    "InvertedPendulum-v5",
    "InvertedDoublePendulum-v5",
    "Reacher-v5",
  ])
    assert.ok(all.includes(id), id);
  assert.equal(envs.spec("Reacher-v5").maxEpisodeSteps, 50);
  assert.deepEqual(envs.spec("Humanoid-v5").observationSpace.shape, [348]);
  assert.equal(envs.spec("Humanoid-v5").actionSpace.high[0], f32(0.4));
  assert.equal(envs.spec("InvertedPendulum-v5").actionSpace.low[0], -3);
  assert.equal(envs.spec("Ant-v5").observationSpace.low[0], -Infinity);
});

test("seeding: same seed → same reset, different seeds differ, reset() continues the stream", async () => {
  const a = await envs.make("Pendulum-v1");
  const b = await envs.make("Pendulum-v1");
  const r1 = a.reset({ seed: 42 }).obs;
  assert.deepEqual(b.reset({ seed: 42 }).obs, r1);
  assert.notDeepEqual(b.reset({ seed: 43 }).obs, r1);
  const next = a.reset().obs;
  assert.notDeepEqual(next, r1);
  b.reset({ seed: 42 });
  assert.deepEqual(b.reset().obs, next, "the unseeded reset after a seeded one is reproducible");
  // make({ seed }) seeds the first reset()
  const c = await envs.make("Pendulum-v1", { seed: 42 });
  assert.deepEqual(c.reset().obs, r1);
  // the draw is Gymnasium's distribution from our Rng: θ = U[−π, π), θ̇ = U[−1, 1)
  const rng = new Rng(42);
  const th = rng.uniformRange(-Math.PI, Math.PI);
  const thd = rng.uniformRange(-1, 1);
  assert.deepEqual(Array.from(a.reset({ seed: 42 }).obs), [f32(Math.cos(th)), f32(Math.sin(th)), f32(thd)]);
  const car = await envs.make("MountainCarContinuous-v0");
  const x0 = new Rng(7).uniformRange(-0.6, -0.4);
  assert.deepEqual(Array.from(car.reset({ seed: 7 }).obs), [f32(x0), 0]);
});

test("reset distributions cover Gymnasium's ranges (θ ∈ [−π, π], θ̇ ∈ [−1, 1]; x ∈ [−0.6, −0.4], v = 0)", async () => {
  const p = (await envs.make("Pendulum-v1", { seed: 3 })) as envs.PendulumEnv;
  const car = (await envs.make("MountainCarContinuous-v0", { seed: 3 })) as envs.MountainCarContinuousEnv;
  let thMin = Infinity,
    thMax = -Infinity,
    dMin = Infinity,
    dMax = -Infinity,
    xMin = Infinity,
    xMax = -Infinity;
  for (let i = 0; i < 2000; i++) {
    p.reset();
    const [th, thd] = p.state;
    thMin = Math.min(thMin, th!);
    thMax = Math.max(thMax, th!);
    dMin = Math.min(dMin, thd!);
    dMax = Math.max(dMax, thd!);
    const [x, v] = car.reset().obs;
    xMin = Math.min(xMin, x!);
    xMax = Math.max(xMax, x!);
    assert.equal(v, 0);
    assert.equal(x, f32(x!));
  }
  assert.ok(thMin >= -Math.PI && thMin < -3.1 && thMax <= Math.PI && thMax > 3.1, `θ range ${thMin}..${thMax}`);
  assert.ok(dMin >= -1 && dMin < -0.99 && dMax <= 1 && dMax > 0.99, `θ̇ range ${dMin}..${dMax}`);
  assert.ok(xMin >= f32(-0.6) && xMin < -0.599 && xMax <= -0.4 && xMax > -0.401, `x range ${xMin}..${xMax}`);
});

test("time limit: Pendulum truncates (not terminates) at step 200; maxEpisodeSteps overrides it", async () => {
  const env = await envs.make("Pendulum-v1");
  env.reset({ seed: 0 });
  for (let t = 1; t <= 200; t++) {
    const r = env.step([0]);
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, t === 200, `step ${t}`);
  }
  assert.throws(
    () => env.step([0]),
    /Pendulum-v1: step\(\) called after the episode was truncated by the time limit at step 200; call reset\(\) first/,
  );
  env.reset();
  assert.equal(env.step([0]).truncated, false, "reset restarts the time limit");
  const short = await envs.make("Pendulum-v1", { maxEpisodeSteps: 3 });
  short.reset({ seed: 0 });
  assert.deepEqual(
    [short.step([0]), short.step([0]), short.step([0])].map((r) => r.truncated),
    [false, false, true],
  );
  const unlimited = await envs.make("Pendulum-v1", { maxEpisodeSteps: Infinity });
  unlimited.reset({ seed: 0 });
  for (let t = 0; t < 500; t++) assert.equal(unlimited.step([0]).truncated, false);
});

test("termination: MountainCar reaches the goal with +100 − 0.1·a²; a step after it throws; both flags can be set", async () => {
  const c = carTrace.cases[3]!;
  const env = await envs.make("MountainCarContinuous-v0");
  env.reset({ seed: 0 });
  env.setState(c.state);
  let last: envs.StepResult | undefined;
  for (const a of c.actions) last = env.step(a);
  assert.equal(last!.terminated, true);
  assert.equal(last!.truncated, false);
  assert.ok(last!.obs[0]! >= f32(0.45));
  assert.equal(last!.reward, 100 - 0.1);
  assert.throws(
    () => env.step([0]),
    /MountainCarContinuous-v0: step\(\) called after the episode terminated at step 106; call reset\(\) first/,
  );
  // a time limit that expires on the goal step: terminated AND truncated (Gymnasium's TimeLimit does the same)
  const both = await envs.make("MountainCarContinuous-v0", { maxEpisodeSteps: c.actions.length });
  both.reset({ seed: 0 });
  both.setState(c.state);
  let r: envs.StepResult | undefined;
  for (const a of c.actions) r = both.step(a);
  assert.equal(r!.terminated, true);
  assert.equal(r!.truncated, true);
});

test("clipping: out-of-range actions move the system like the bound; MountainCar charges the unclipped action", async () => {
  const p1 = await envs.make("Pendulum-v1");
  const p2 = await envs.make("Pendulum-v1");
  for (const e of [p1, p2]) {
    e.reset({ seed: 0 });
    e.setState([0.3, -0.5]);
  }
  const big = p1.step([7]);
  const bound = p2.step([2]);
  assert.deepEqual(big.obs, bound.obs);
  assert.equal(big.reward, bound.reward, "Pendulum's cost uses the clipped torque");
  const c1 = await envs.make("MountainCarContinuous-v0");
  const c2 = await envs.make("MountainCarContinuous-v0");
  for (const e of [c1, c2]) {
    e.reset({ seed: 0 });
  }
  const cb = c1.step([-3]);
  const cc = c2.step([-1]);
  assert.deepEqual(cb.obs, cc.obs);
  assert.ok(Math.abs(cb.reward - -0.9) < 1e-12, `reward ${cb.reward}`);
  assert.ok(Math.abs(cc.reward - -0.1) < 1e-12);
});

test("MountainCar: the left wall stops the car (velocity zeroed) and one step matches the closed form", async () => {
  const env = await envs.make("MountainCarContinuous-v0");
  env.reset({ seed: 0 });
  env.setState([-1.19, -0.05]);
  const r = env.step([0]);
  assert.deepEqual(Array.from(r.obs), [f32(-1.2), 0]);
  // from rest at the bottom (x = −π/6, cos(3x) = 0) full throttle gives v = 0.0015, x = −π/6 + 0.0015
  env.setState([-Math.PI / 6, 0]);
  const s = env.step([1]);
  assert.ok(Math.abs(s.obs[1]! - 0.0015) < 1e-9);
  assert.ok(Math.abs(s.obs[0]! - (-Math.PI / 6 + 0.0015)) < 1e-7);
});

test("Pendulum: upright at rest with no torque stays upright with reward 0; the g option changes the fall", async () => {
  const env = await envs.make("Pendulum-v1");
  env.setState([0, 0]);
  const r = env.step([0]);
  assert.deepEqual(Array.from(r.obs), [1, 0, 0]);
  assert.equal(r.reward, -0);
  // θ̇' = θ̇ + 3g/(2l)·sin θ·dt from θ = π/2
  for (const g of [10, 9.81, 3.7]) {
    const e = await envs.make("Pendulum-v1", { g });
    e.setState([Math.PI / 2, 0]);
    const s = e.step([0]);
    assert.ok(Math.abs(s.obs[2]! - f32(1.5 * g * 0.05)) < 1e-7, `g = ${g}`);
  }
});

test("bad input: wrong action length, NaN, ±Infinity, non-arrays — each a clear Error", async () => {
  const env = (await envs.make("Pendulum-v1")) as envs.PendulumEnv;
  assert.throws(() => env.step([0]), /Pendulum-v1: step\(\) called before reset\(\)/);
  env.reset({ seed: 0 });
  assert.throws(() => env.step([0, 1]), { message: "Pendulum-v1: expected action of length 1, got 2" });
  assert.throws(() => env.step([]), { message: "Pendulum-v1: expected action of length 1, got 0" });
  assert.throws(() => env.step([NaN]), { message: "Pendulum-v1: action[0] must be finite, got NaN" });
  assert.throws(() => env.step([Infinity]), { message: "Pendulum-v1: action[0] must be finite, got Infinity" });
  assert.throws(() => env.step(new Float64Array([-Infinity])), {
    message: "Pendulum-v1: action[0] must be finite, got -Infinity",
  });
  assert.throws(() => env.step(0.5 as unknown as number[]), /expected action to be an array of length 1, got 0.5/);
  assert.throws(() => env.step(["1"] as unknown as number[]), /action\[0\] must be a number, got "1"/);
  assert.equal(env.elapsedSteps, 0, "rejected actions do not advance the env");
  assert.equal(env.step(new Float32Array([0.5])).truncated, false, "typed arrays are fine");
});

test("bad input: malformed setState, unknown options, bad seeds and limits, use after close", async () => {
  const env = await envs.make("MountainCarContinuous-v0");
  assert.throws(() => env.setState([0.1]), {
    message: "MountainCarContinuous-v0.setState: expected state of length 2, got 1",
  });
  assert.throws(() => env.setState([0.1, NaN]), {
    message: "MountainCarContinuous-v0.setState: state[1] must be finite, got NaN",
  });
  assert.throws(() => env.setState([Infinity, 0]), /state\[0\] must be finite, got Infinity/);
  assert.throws(() => env.setState(undefined as unknown as number[]), /missing state/);
  assert.throws(() => env.setState([0, 0], [1]), /takes one array \(state of length 2\), got a second argument/);
  assert.throws(() => env.observe(), /observe\(\) called before reset\(\)/);
  assert.throws(() => env.render(), /render\(\) called before reset\(\)/);
  await assert.rejects(envs.make("Pendulum-v1", { gravity: 9.8 }), {
    message: "Pendulum-v1: unknown option 'gravity' (known options: maxEpisodeSteps, seed, g)",
  });
  await assert.rejects(envs.make("Pendulum-v1", { g: NaN }), /option g must be a finite number, got NaN/);
  await assert.rejects(
    envs.make("Pendulum-v1", { maxEpisodeSteps: 0 }),
    /maxEpisodeSteps must be a positive integer or Infinity, got 0/,
  );
  await assert.rejects(envs.make("Pendulum-v1", { seed: -1 }), /seed must be an integer in \[0, 2\^32 - 1\], got -1/);
  assert.throws(() => env.reset({ seed: 1.5 }), /MountainCarContinuous-v0.reset: seed must be an integer/);
  env.reset({ seed: 0 });
  env.close();
  assert.throws(() => env.step([0]), /step\(\) called after close\(\)/);
  assert.throws(() => env.reset(), /reset\(\) called after close\(\)/);
  env.close();
});

test("unknown id → Error listing the known ids (with a hint for a near miss)", async () => {
  await assert.rejects(envs.make("CartPole-v1"), (err: Error) => {
    assert.match(
      err.message,
      /^unknown environment id "CartPole-v1"; known ids: Pendulum-v1, MountainCarContinuous-v0, HalfCheetah-v5/,
    );
    for (const id of envs.ids()) assert.ok(err.message.includes(id), id);
    return true;
  });
  await assert.rejects(envs.make("pendulum-v0"), /did you mean "Pendulum-v1"\?/);
  assert.throws(() => envs.spec("Nope-v0"), /unknown environment id "Nope-v0"; known ids: /);
});

test("setState lets a finished episode go on from a chosen state; the time limit still counts from reset", async () => {
  const env = await envs.make("Pendulum-v1", { maxEpisodeSteps: 2 });
  env.reset({ seed: 0 });
  env.step([0]);
  assert.equal(env.step([0]).truncated, true);
  env.setState([0.1, 0]);
  assert.deepEqual(Array.from(env.observe()), [f32(Math.cos(0.1)), f32(Math.sin(0.1)), 0]);
  assert.equal(env.step([0]).truncated, true, "3 steps since reset ≥ 2");
});

test("EnvBase: a custom env gets the checks for free (two-part state like MuJoCo's qpos/qvel)", async () => {
  class Point extends envs.EnvBase {
    private x = new Float64Array(2);
    private v = new Float64Array(2);
    constructor() {
      super({
        id: "Point-v0",
        observationSpace: envs.box(-Infinity, Infinity, { shape: [4] }),
        actionSpace: envs.box(-1, 1, { shape: [2] }),
        maxEpisodeSteps: 10,
        stateParts: [
          { name: "qpos", length: 2 },
          { name: "qvel", length: 2 },
        ],
      });
    }
    protected resetModel(rng: Rng) {
      this.x = Float64Array.of(rng.uniform(), rng.uniform());
      this.v.fill(0);
      return { start: 1 };
    }
    protected stepModel(a: Float64Array) {
      for (let i = 0; i < 2; i++) {
        this.v[i] += a[i]!;
        this.x[i] += this.v[i]!;
      }
      return {
        reward: -Math.hypot(this.x[0]!, this.x[1]!),
        terminated: Math.abs(this.x[0]!) > 5,
        info: { reward_ctrl: -(a[0]! ** 2 + a[1]! ** 2) },
      };
    }
    protected writeState(parts: readonly Float64Array[]) {
      this.x = parts[0]!.slice();
      this.v = parts[1]!.slice();
    }
    protected observation() {
      return Float64Array.of(...this.x, ...this.v);
    }
    protected renderFrame() {
      return envs.svgFrame(10, 10, "<circle cx='5' cy='5' r='2'/>");
    }
  }
  const env = new Point();
  assert.deepEqual(env.reset({ seed: 1 }).info, { start: 1 });
  assert.throws(() => env.setState([0, 0]), { message: "Point-v0.setState: missing qvel (expected qpos[2], qvel[2])" });
  assert.throws(() => env.setState([0, 0], [0, 0, 0]), {
    message: "Point-v0.setState: expected qvel of length 2, got 3",
  });
  env.setState([4, 0], [1, 0]);
  const r = env.step([0.5, 0]);
  assert.deepEqual(Array.from(r.obs), [5.5, 0, 1.5, 0]);
  assert.equal(r.terminated, true);
  assert.deepEqual(r.info, { reward_ctrl: -0.25 });
  assert.throws(() => env.step([0, 0]), /terminated at step 1/);
});

test("register: user environments join the registry; built-in ids cannot be replaced", async () => {
  const spec = envs.spec("Pendulum-v1");
  envs.register({
    id: "HeavyPendulum-v0",
    observationSpace: spec.observationSpace,
    actionSpace: spec.actionSpace,
    maxEpisodeSteps: 100,
    make: (options) => new envs.PendulumEnv({ ...options, g: 20, maxEpisodeSteps: 100 }),
  });
  try {
    assert.ok(envs.ids().includes("HeavyPendulum-v0"));
    const env = await envs.make("HeavyPendulum-v0");
    assert.equal(env.maxEpisodeSteps, 100);
    assert.equal(envs.spec("HeavyPendulum-v0").family, "user");
    assert.throws(() => envs.register({ ...spec, make: () => env }), /"Pendulum-v1" is a built-in environment/);
    assert.throws(() => envs.register({ ...spec, id: "HeavyPendulum-v0", make: () => env }), /already registered/);
  } finally {
    assert.equal(envs.unregister("HeavyPendulum-v0"), true);
  }
  assert.ok(!envs.ids().includes("HeavyPendulum-v0"));
});
