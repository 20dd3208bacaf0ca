import { Emitter } from '../lib/emitter.js';

/** The base of every view model: its state, and a `change` event the components re-render on. */
export class ViewModel<S extends object> {
  #state: S;
  readonly #events = new Emitter<{ change: S }>();

  constructor(initial: S) {
    this.#state = initial;
  }

  get state(): S {
    return this.#state;
  }

  subscribe(listener: (state: S) => void): () => void {
    return this.#events.on('change', listener);
  }

  protected update(patch: Partial<S>): void {
    this.#state = { ...this.#state, ...patch };
    this.#events.emit('change', this.#state);
  }
}
