// One rule for every panel that loads data: only the newest answer of a slot is used.
//
// `const seq = new Sequencer();`
// `const r = await seq.run("table", (signal) => fetch(url, { signal }));`
// `if (!r.current) return;  // a newer call of "table" started meanwhile: drop this answer`
// A newer call aborts the older one's signal; an older answer (or its error) never wins.

export class Sequencer {
  constructor() {
    this.slots = new Map();
  }

  /**
   * Run `task(signal)` as the newest job of `slot`.
   * Resolves to {current: true, value} when no newer job of the slot started meanwhile, else to
   * {current: false}; an error of the newest job is thrown, errors of older jobs are dropped.
   */
  async run(slot, task) {
    this.slots.get(slot)?.controller.abort();
    const job = { controller: new AbortController() };
    this.slots.set(slot, job);
    try {
      const value = await task(job.controller.signal);
      return this.slots.get(slot) === job ? { current: true, value } : { current: false };
    } catch (error) {
      if (this.slots.get(slot) !== job || error?.name === "AbortError") return { current: false };
      throw error;
    } finally {
      if (this.slots.get(slot) === job) job.done = true;
    }
  }

  /** Forget (and abort) the running job of `slot`: its answer will not be used. */
  cancel(slot) {
    this.slots.get(slot)?.controller.abort();
    this.slots.delete(slot);
  }

  /** Whether a job of `slot` is still waiting for its answer. */
  pending(slot) {
    const job = this.slots.get(slot);
    return Boolean(job && !job.done);
  }
}
