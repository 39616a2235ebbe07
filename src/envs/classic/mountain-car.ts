/**
 * MountainCarContinuous-v0 (Gymnasium 1.x `Continuous_MountainCarEnv`): drive an under-powered car up the
 * right hill of `y = sin(3x)`.
 *
 * State `[position, velocity]` stored as float32, observation = state, action `force ∈ [−1, 1]` (clipped
 * for the dynamics), `v' = clip(v + 0.0015·force − 0.0025·cos(3x), ±0.07)`, `x' = clip(x + v', −1.2, 0.6)`
 * (velocity zeroed against the left wall), terminated when `x' ≥ 0.45 and v' ≥ goal_velocity` with a +100
 * bonus, reward `−0.1·action²` on the UNCLIPPED action, time limit 999 steps.
 *
 * Float32, exactly as Gymnasium computes it under NumPy 2: the action is float32; NumPy's promotion rules
 * make the velocity update float32 when the state is float32 (after a reset or a step) and float64 right
 * after a `setState` with float64 values (Gymnasium keeps whatever array you assign until the next step
 * stores `np.array(…, dtype=float32)`). We track that, so our trajectories agree to the last bit.
 */
import type { Rng } from "../../rng";
import { EnvBase, checkOptionKeys, numberOption, type ModelStep } from "../base";
import { box } from "../spaces";
import type { Frame, MakeOptions } from "../types";
import { arrow, num, svgFrame } from "../render";

const f32 = Math.fround;

/** MountainCarContinuous-v0's constants (Gymnasium `Continuous_MountainCarEnv.__init__`). */
export const MOUNTAIN_CAR = {
  minAction: -1.0,
  maxAction: 1.0,
  minPosition: -1.2,
  maxPosition: 0.6,
  maxSpeed: 0.07,
  goalPosition: 0.45,
  power: 0.0015,
  maxEpisodeSteps: 999,
} as const;

/** The hill: `height(x) = 0.45·sin(3x) + 0.55` (Gymnasium's `_height`). */
export function mountainHeight(x: number): number {
  return Math.sin(3 * x) * 0.45 + 0.55;
}

/** MountainCarContinuous-v0. Task option: `goal_velocity` (default 0, as in `gym.make(…, goal_velocity=…)`). */
export class MountainCarContinuousEnv extends EnvBase {
  /** Minimum velocity at the goal for termination. */
  readonly goalVelocity: number;
  private position = 0;
  private velocity = 0;
  /** Whether the state holds float32 values (after reset/step) or float64 ones (after setState). */
  private stateIsF32 = true;
  private lastForce: number | null = null;

  constructor(options: MakeOptions = {}) {
    const id = "MountainCarContinuous-v0";
    checkOptionKeys(id, options, ["goal_velocity"]);
    const C = MOUNTAIN_CAR;
    super(
      {
        id,
        observationSpace: box([C.minPosition, -C.maxSpeed], [C.maxPosition, C.maxSpeed], { float32: true }),
        actionSpace: box([C.minAction], [C.maxAction], { float32: true }),
        maxEpisodeSteps: C.maxEpisodeSteps,
        stateParts: [{ name: "state", length: 2 }],
      },
      options,
    );
    this.goalVelocity = numberOption(id, options, "goal_velocity", 0);
  }

  /** The internal state `[position, velocity]` (Gymnasium `env.unwrapped.state`; a copy). */
  get state(): Float64Array {
    return Float64Array.of(this.position, this.velocity);
  }

  /** position ∼ U[−0.6, −0.4], velocity 0, stored as float32 (Gymnasium's reset). */
  protected resetModel(rng: Rng): void {
    this.position = f32(rng.uniformRange(-0.6, -0.4));
    this.velocity = 0;
    this.stateIsF32 = true;
    this.lastForce = null;
  }

  protected stepModel(action: Float64Array): ModelStep {
    const C = MOUNTAIN_CAR;
    const a = f32(action[0]!); // the float32 action
    const s32 = this.stateIsF32;
    let position = this.position;
    let velocity = this.velocity;
    // force = min(max(action[0], min_action), max_action): a Python float when clipped, float32 otherwise
    const clipped = a < C.minAction || a > C.maxAction;
    const force = clipped ? (a < C.minAction ? C.minAction : C.maxAction) : a;
    this.lastForce = force;
    // velocity += force * power - 0.0025 * math.cos(3 * position)
    const cosTerm = 0.0025 * Math.cos(s32 ? f32(3 * position) : 3 * position);
    const dv = clipped ? force * C.power - cosTerm : f32(f32(force * f32(C.power)) - f32(cosTerm));
    velocity = s32 ? f32(velocity + f32(dv)) : velocity + dv;
    let vIsF32 = s32;
    if (velocity > C.maxSpeed) {
      velocity = C.maxSpeed;
      vIsF32 = false;
    }
    if (velocity < -C.maxSpeed) {
      velocity = -C.maxSpeed;
      vIsF32 = false;
    }
    // position += velocity (float32 only when both are float32 or the velocity is a Python float)
    position = s32 ? f32(position + f32(velocity)) : position + velocity;
    let pIsF32 = s32;
    if (position > C.maxPosition) {
      position = C.maxPosition;
      pIsF32 = false;
    }
    if (position < C.minPosition) {
      position = C.minPosition;
      pIsF32 = false;
    }
    if (position === (pIsF32 ? f32(C.minPosition) : C.minPosition) && velocity < 0) {
      velocity = 0;
      vIsF32 = false;
    }
    // terminated = position >= goal_position and velocity >= goal_velocity (compared in the operands' dtype)
    const goalP = pIsF32 ? f32(C.goalPosition) : C.goalPosition;
    const goalV = vIsF32 ? f32(this.goalVelocity) : this.goalVelocity;
    const terminated = position >= goalP && velocity >= goalV;
    // reward = 100 on termination, minus 0.1 * action² on the unclipped action
    let reward = terminated ? 100.0 : 0;
    reward -= a ** 2 * 0.1;
    // self.state = np.array([position, velocity], dtype=np.float32)
    this.position = f32(position);
    this.velocity = f32(velocity);
    this.stateIsF32 = true;
    return { reward, terminated };
  }

  protected writeState(parts: readonly Float64Array[]): void {
    const s = parts[0]!;
    this.position = s[0]!;
    this.velocity = s[1]!;
    this.stateIsF32 = this.position === f32(this.position) && this.velocity === f32(this.velocity);
    this.lastForce = null;
  }

  /** `[position, velocity]` as float32 values. */
  protected observation(): Float64Array {
    return Float64Array.of(f32(this.position), f32(this.velocity));
  }

  /** The hill `sin(3x)`, the car tilted with the slope, the force on it, and the goal flag at x = 0.45. */
  protected renderFrame(): Frame {
    const C = MOUNTAIN_CAR;
    const W = 480;
    const H = 320;
    // one scale on both axes so that slopes look right; heights 0.1…1.0 plus the flag fit between the
    // title and the caption
    const scale = 215;
    const left = (W - (C.maxPosition - C.minPosition) * scale) / 2;
    const groundY = H - 38;
    const sx = (x: number): number => left + (x - C.minPosition) * scale;
    const sy = (y: number): number => groundY - y * scale;
    const pts: string[] = [];
    for (let i = 0; i <= 120; i++) {
      const x = C.minPosition + ((C.maxPosition - C.minPosition) * i) / 120;
      pts.push(`${num(sx(x))},${num(sy(mountainHeight(x)))}`);
    }
    const hill =
      `<polygon points="${num(sx(C.minPosition))},${groundY} ${pts.join(" ")} ${num(sx(C.maxPosition))},${groundY}" fill="#d9e6c3"/>` +
      `<polyline points="${pts.join(" ")}" fill="none" stroke="#4f6b2c" stroke-width="2.5"/>`;
    // goal flag
    const fx = sx(C.goalPosition);
    const fy = sy(mountainHeight(C.goalPosition));
    const flag =
      `<line x1="${num(fx)}" y1="${num(fy)}" x2="${num(fx)}" y2="${num(fy - 50)}" stroke="#333" stroke-width="2"/>` +
      `<polygon points="${num(fx)},${num(fy - 50)} ${num(fx + 26)},${num(fy - 43)} ${num(fx)},${num(fy - 36)}" fill="#e8b500" stroke="#8a6d00"/>` +
      `<text x="${num(fx - 4)}" y="${num(fy - 54)}" font-size="10" text-anchor="end" fill="#8a6d00">goal x = ${C.goalPosition}</text>`;
    // car: a body tilted with the slope of the curve, on two wheels
    const x = this.position;
    const cx = sx(x);
    const cy = sy(mountainHeight(x));
    const slope = Math.atan(1.35 * Math.cos(3 * x)); // d/dx of 0.45·sin(3x), same scale on both axes
    const deg = (-slope * 180) / Math.PI;
    const car =
      `<g transform="translate(${num(cx)} ${num(cy)}) rotate(${num(deg)})">` +
      `<rect x="-20" y="-26" width="40" height="18" rx="4" fill="#2f4f7f"/>` +
      `<rect x="-10" y="-34" width="18" height="10" rx="3" fill="#5d7fb3"/>` +
      `<circle cx="-12" cy="-6" r="6" fill="#222"/><circle cx="12" cy="-6" r="6" fill="#222"/>` +
      `</g>`;
    let force = "";
    if (this.lastForce !== null && this.lastForce !== 0) {
      // the force along the slope, from the car's centre, length ∝ |force|
      const len = 45 * (this.lastForce / C.maxAction);
      const ox = cx - 22 * Math.sin(slope) * 1;
      const oy = cy - 22 * Math.cos(slope);
      force = arrow(ox, oy, ox + len * Math.cos(slope), oy - len * Math.sin(slope), "#c2452d", 3.5);
    }
    const fText = this.lastForce === null ? "–" : this.lastForce.toFixed(2);
    const caption = `t = ${this.elapsedSteps} · x = ${this.position.toFixed(3)} · v = ${this.velocity.toFixed(4)} · force = ${fText}`;
    const body =
      `<rect width="${W}" height="${H}" fill="#f4f8fc"/>` +
      hill +
      flag +
      car +
      force +
      `<text x="8" y="18" font-size="13" font-weight="bold" fill="#555">MountainCarContinuous-v0</text>` +
      `<text x="${W / 2}" y="${H - 10}" font-size="12" text-anchor="middle" fill="#333">${caption}</text>`;
    return svgFrame(W, H, body, "MountainCarContinuous-v0");
  }
}
