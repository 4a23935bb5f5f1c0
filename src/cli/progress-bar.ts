/**
 * A progress bar on the terminal for a command that runs in phases (`build`: read, rewrite, write;
 * `publish`: check, upload, verify, delete): one bar whose total is set again at each phase.
 * @module
 */
import cliProgress from 'cli-progress'

/** Where a phase stands: items done of the phase's total, and bytes so far. */
export interface PhaseStep {
  readonly phase: string
  readonly done: number
  readonly total: number
  readonly bytes: number
}

/** One bar through every phase of a command, drawn on stderr. */
export class PhaseProgressBar {
  private bar: cliProgress.SingleBar | undefined
  private phase: string | undefined

  /**
   * @param enabled false draws nothing (not a terminal, --quiet, --json)
   * @param format cli-progress's format after the bar, with `{value}`, `{total}` and `{megabytes}`
   * @param minTotal a phase with fewer items than this draws no bar
   */
  constructor(
    private readonly enabled: boolean,
    private readonly format: string,
    private readonly minTotal = 1,
  ) {}

  update(step: PhaseStep): void {
    if (!this.enabled || step.total < this.minTotal) return
    if (this.bar === undefined) {
      this.bar = new cliProgress.SingleBar(
        { format: `{phase} [{bar}] ${this.format}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
      this.bar.start(step.total, 0, { phase: step.phase, megabytes: '0.0' })
    }
    const changed = step.phase !== this.phase
    this.phase = step.phase
    if (changed) this.bar.setTotal(step.total)
    this.bar.update(step.done, { phase: step.phase, megabytes: (step.bytes / 1e6).toFixed(1) })
    // A phase that runs without yielding would never see the bar's own 200 ms redraw: draw the
    // start and the end of every phase, so each shows however fast it ran.
    if (changed || step.done === step.total) this.bar.render()
  }

  stop(): void {
    this.bar?.stop()
  }
}
