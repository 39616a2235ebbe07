/**
 * Pendulum-v1 (Gymnasium 1.x `PendulumEnv`): swing a frictionless pendulum up and hold it upright.
 *
 * State `[theta, thetadot]` (theta = 0 is upright, unwrapped), observation `[cos θ, sin θ, θ̇]` (float32),
 * action `u ∈ [−2, 2]` (torque, clipped), reward `−(norm(θ)² + 0.1 θ̇² + 0.001 u²)`, `dt = 0.05`,
 * `θ̇ ∈ [−8, 8]` (clipped), never terminates, time limit 200 steps.
 *
 * Float32, exactly as Gymnasium computes it under NumPy 2: the action is float32 (what `Box(float32)` holds),
 * so the torque term `3u` and the cost term `0.001u²` are float32; the state and everything else are float64.
 * With `Math.fround` in those places the trajectories agree with Gymnasium's to the last bit.
 */
import type { Rng } from "../../rng";
import { EnvBase, checkOptionKeys, numberOption, type ModelStep } from "../base";
import { box } from "../spaces";
import type { Frame, MakeOptions } from "../types";
import { arcArrow, num, svgFrame } from "../render";

const f32 = Math.fround;

/** Python's float modulo (`a % b` takes the sign of `b`), as NumPy's `np.mod`: `a − b·floor(a/b)`. */
export function pyMod(a: number, b: number): number {
  let m = a % b;
  if (m !== 0 && b < 0 !== m < 0) m += b;
  else if (m === 0) m = b < 0 ? -0 : 0;
  return m;
}

/** Gymnasium's `angle_normalize`: `((x + π) mod 2π) − π`, the angle wrapped into [−π, π). */
export function angleNormalize(x: number): number {
  return pyMod(x + Math.PI, 2 * Math.PI) - Math.PI;
}

/** Pendulum-v1's constants (Gymnasium `PendulumEnv.__init__`). */
export const PENDULUM = {
  maxSpeed: 8,
  maxTorque: 2.0,
  dt: 0.05,
  g: 10.0,
  m: 1.0,
  l: 1.0,
  maxEpisodeSteps: 200,
} as const;

/** Pendulum-v1. Task option: `g` (gravity, default 10.0, as `gym.make("Pendulum-v1", g=…)`). */
export class PendulumEnv extends EnvBase {
  /** Gravity. */
  readonly g: number;
  private theta = 0;
  private thetadot = 0;
  /** The last clipped float32 torque (for the picture), `null` right after reset. */
  private lastU: number | null = null;

  constructor(options: MakeOptions = {}) {
    const id = "Pendulum-v1";
    checkOptionKeys(id, options, ["g"]);
    const high = [1.0, 1.0, PENDULUM.maxSpeed];
    super(
      {
        id,
        observationSpace: box(
          high.map((h) => -h),
          high,
          { float32: true },
        ),
        actionSpace: box([-PENDULUM.maxTorque], [PENDULUM.maxTorque], { float32: true }),
        maxEpisodeSteps: PENDULUM.maxEpisodeSteps,
        stateParts: [{ name: "state", length: 2 }],
      },
      options,
    );
    this.g = numberOption(id, options, "g", PENDULUM.g);
  }

  /** The internal state `[theta, thetadot]` (Gymnasium `env.unwrapped.state`; a copy). */
  get state(): Float64Array {
    return Float64Array.of(this.theta, this.thetadot);
  }

  /** θ ∼ U[−π, π], θ̇ ∼ U[−1, 1] (Gymnasium's default reset bounds). */
  protected resetModel(rng: Rng): void {
    this.theta = rng.uniformRange(-Math.PI, Math.PI);
    this.thetadot = rng.uniformRange(-1, 1);
    this.lastU = null;
  }

  /** One Euler step: θ̇' = clip(θ̇ + (3g/(2l) sin θ + 3/(ml²) u)·dt, ±8), θ' = θ + θ̇'·dt. */
  protected stepModel(action: Float64Array): ModelStep {
    const { dt, m, l, maxSpeed, maxTorque } = PENDULUM;
    const th = this.theta;
    const thdot = this.thetadot;
    // u = np.clip(u, -max_torque, max_torque)[0] on a float32 action
    const u = Math.min(Math.max(f32(action[0]!), -maxTorque), maxTorque);
    this.lastU = u;
    // costs = angle_normalize(th)**2 + .1*thdot**2 + .001*(u**2)   (the last term is float32)
    const costs = angleNormalize(th) ** 2 + 0.1 * thdot ** 2 + f32(f32(0.001) * f32(u * u));
    // newthdot = thdot + (3*g/(2*l)*sin(th) + 3.0/(m*l**2)*u)*dt   (3.0/(m*l**2)*u is float32)
    let newthdot = thdot + (((3 * this.g) / (2 * l)) * Math.sin(th) + f32((3.0 / (m * l ** 2)) * u)) * dt;
    newthdot = Math.min(Math.max(newthdot, -maxSpeed), maxSpeed);
    const newth = th + newthdot * dt;
    this.theta = newth;
    this.thetadot = newthdot;
    return { reward: -costs, terminated: false };
  }

  protected writeState(parts: readonly Float64Array[]): void {
    const s = parts[0]!;
    this.theta = s[0]!;
    this.thetadot = s[1]!;
    this.lastU = null;
  }

  /** `[cos θ, sin θ, θ̇]` as float32 values. */
  protected observation(): Float64Array {
    return Float64Array.of(f32(Math.cos(this.theta)), f32(Math.sin(this.theta)), f32(this.thetadot));
  }

  /** Rod (θ = 0 points up, positive θ turns counter-clockwise), bob, and the torque as a curved arrow. */
  protected renderFrame(): Frame {
    const W = 260;
    const H = 280;
    const cx = W / 2;
    const cy = 130;
    const L = 95;
    const th = this.theta;
    const tipX = cx - L * Math.sin(th);
    const tipY = cy - L * Math.cos(th);
    let body =
      `<rect width="${W}" height="${H}" fill="#fbfaf6"/>` +
      `<circle cx="${cx}" cy="${cy}" r="${L}" fill="none" stroke="#e4e0d6" stroke-dasharray="4 5"/>` +
      `<line x1="${cx}" y1="${cy - L - 14}" x2="${cx}" y2="${cy - L + 6}" stroke="#9c9486" stroke-width="1.5"/>` +
      `<text x="${cx + 6}" y="${cy - L - 4}" font-size="10" fill="#9c9486">upright</text>` +
      `<line x1="${num(cx)}" y1="${num(cy)}" x2="${num(tipX)}" y2="${num(tipY)}" stroke="#c2452d" stroke-width="13" stroke-linecap="round"/>` +
      `<circle cx="${num(tipX)}" cy="${num(tipY)}" r="11" fill="#8e2a17"/>` +
      `<circle cx="${cx}" cy="${cy}" r="5" fill="#333"/>`;
    const u = this.lastU;
    if (u !== null && u !== 0) {
      // torque arrow around the pivot: counter-clockwise for u > 0 (it increases θ), length ∝ |u|
      const a0 = th + Math.PI / 2; // screen angle of the rod
      const sweep = (u / PENDULUM.maxTorque) * (Math.PI * 0.75);
      body += arcArrow(cx, cy, 52, a0 - sweep / 2, a0 + sweep / 2, "#1f5fa8", 4);
    }
    const uText = u === null ? "–" : u.toFixed(2);
    const caption = `t = ${this.elapsedSteps} · θ = ${angleNormalize(th).toFixed(2)} · ω = ${this.thetadot.toFixed(2)} · u = ${uText}`;
    body +=
      `<text x="${W / 2}" y="${H - 14}" font-size="12" text-anchor="middle" fill="#333">${caption}</text>` +
      `<text x="8" y="16" font-size="12" font-weight="bold" fill="#555">Pendulum-v1</text>`;
    return svgFrame(W, H, body, "Pendulum-v1");
  }
}
