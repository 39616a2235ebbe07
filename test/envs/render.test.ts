/** Pictures: render() returns valid SVG showing the state; animate() and animatedSvg() make playable episodes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as envs from "../../src/envs";
import { checkSvg } from "./svg-check";

function rodTip(svg: string): { x1: number; y1: number; x2: number; y2: number } {
  const m = /<line x1="([-\d.]+)" y1="([-\d.]+)" x2="([-\d.]+)" y2="([-\d.]+)" stroke="#c2452d"/.exec(svg);
  assert.ok(m, "the rod is drawn");
  return { x1: Number(m[1]), y1: Number(m[2]), x2: Number(m[3]), y2: Number(m[4]) };
}

test("Pendulum render: valid SVG; the rod points up at θ = 0, left for θ = π/2, down for θ = π; torque arrow after a push", async () => {
  const env = await envs.make("Pendulum-v1");
  env.reset({ seed: 0 });
  const cases: [number, (r: ReturnType<typeof rodTip>) => boolean][] = [
    [0, (r) => Math.abs(r.x2 - r.x1) < 0.01 && r.y2 < r.y1 - 50],
    [Math.PI / 2, (r) => r.x2 < r.x1 - 50 && Math.abs(r.y2 - r.y1) < 0.01],
    [Math.PI, (r) => Math.abs(r.x2 - r.x1) < 0.01 && r.y2 > r.y1 + 50],
  ];
  for (const [theta, ok] of cases) {
    env.setState([theta, 0]);
    const f = env.render();
    assert.equal(f.mime, "image/svg+xml");
    assert.equal(f.width, 260);
    const counts = checkSvg(f.data);
    assert.equal(counts.get("path"), undefined, "no torque arrow before any action");
    assert.ok(ok(rodTip(f.data)), `rod direction at θ = ${theta}: ${JSON.stringify(rodTip(f.data))}`);
  }
  env.step([1.5]);
  const pushed = checkSvg(env.render().data);
  assert.equal(pushed.get("path"), 1, "torque arc");
  assert.ok((pushed.get("polygon") ?? 0) >= 1, "arrowhead");
  assert.match(env.render().data, /u = 1\.50/);
});

test("MountainCar render: valid SVG with the sin(3x) hill, the car on it, and the flag at x = 0.45", async () => {
  const env = await envs.make("MountainCarContinuous-v0");
  env.reset({ seed: 0 });
  const f = env.render();
  const counts = checkSvg(f.data);
  assert.equal(counts.get("polyline"), 1, "the hill curve");
  const pts = /<polyline points="([^"]+)"/
    .exec(f.data)![1]!
    .split(" ")
    .map((p) => p.split(",").map(Number) as [number, number]);
  assert.equal(pts.length, 121);
  // the curve's lowest point is the valley at x = −π/6 (cos(3x) = 0, sin(3x) = −1)
  const lowest = pts.reduce((a, b) => (b[1] > a[1] ? b : a));
  const xAt = (px: number) => -1.2 + ((px - pts[0]![0]) / (pts[120]![0] - pts[0]![0])) * 1.8;
  assert.ok(Math.abs(xAt(lowest[0]) - -Math.PI / 6) < 0.02, `valley at ${xAt(lowest[0])}`);
  assert.match(f.data, /goal x = 0\.45/);
  assert.match(f.data, /<g transform="translate\([-\d.]+ [-\d.]+\) rotate\([-\d.]+\)">/, "the tilted car");
  env.step([-1]);
  assert.ok(checkSvg(env.render().data).get("polygon")! >= 3, "hill, flag and the force arrow's head");
});

test("animate: one episode with frames after reset and each step; random policy reproducible by seed", async () => {
  const env = await envs.make("Pendulum-v1");
  const ep = await envs.animate(env, "random", { steps: 30, seed: 5 });
  assert.equal(ep.frames.length, 31);
  assert.equal(ep.rewards.length, 30);
  assert.equal(ep.observations.length, 31);
  assert.deepEqual(ep.frameSteps.slice(0, 3), [0, 1, 2]);
  assert.ok(Math.abs(ep.totalReward - ep.rewards.reduce((a, b) => a + b, 0)) < 1e-9);
  assert.equal(ep.terminated || ep.truncated, false);
  for (const a of ep.actions) assert.ok(a[0]! >= -2 && a[0]! <= 2);
  const again = await envs.animate(env, "random", { steps: 30, seed: 5 });
  assert.deepEqual(again.rewards, ep.rewards);
  // a policy function (async allowed), thinning with `every`, stopping at the episode end
  const car = await envs.make("MountainCarContinuous-v0", { maxEpisodeSteps: 25 });
  const sparse = await envs.animate(car, async (obs, t) => [obs[1]! >= 0 ? 1 : -1 + 0 * t], { steps: 100, every: 10 });
  assert.equal(sparse.rewards.length, 25);
  assert.equal(sparse.truncated, true);
  assert.deepEqual(sparse.frameSteps, [0, 10, 20, 25]);
  await assert.rejects(envs.animate(env, "zero", { steps: 0 }), /steps must be a positive integer, got 0/);
});

test("animatedSvg: one valid self-playing SVG with one discrete visibility animation per frame", async () => {
  const env = await envs.make("Pendulum-v1");
  const ep = await envs.animate(env, "zero", { steps: 9, seed: 1 });
  const anim = envs.animatedSvg(ep.frames, { fps: 10 });
  const counts = checkSvg(anim.data);
  assert.equal(counts.get("animate"), 10);
  assert.equal(counts.get("svg"), 11, "root + one nested frame each");
  assert.match(anim.data, /dur="1\.0000s" repeatCount="indefinite"/);
  assert.match(anim.data, /keyTimes="0;0\.300000;0\.400000"/, "frame 3 is shown from 0.3 to 0.4 of the loop");
  assert.throws(() => envs.animatedSvg([]), /frames must be a non-empty array/);
  assert.throws(() => envs.animatedSvg(ep.frames, { fps: 0 }), /fps must be a positive number, got 0/);
});
