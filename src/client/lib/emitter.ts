export type Listener<T> = (payload: T) => void;
export type ListenerErrorHandler = (error: unknown, event: string) => void;

const reportToConsole: ListenerErrorHandler = (error, event) => {
  console.error(`listener for "${event}" failed`, error);
};

/** A typed event emitter: a throwing listener is reported and never stops the others. */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #onListenerError: ListenerErrorHandler;

  constructor(onListenerError: ListenerErrorHandler = reportToConsole) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => {
      this.#listeners.get(event)?.delete(listener as Listener<never>);
    };
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        try {
          this.#onListenerError(error, String(event));
        } catch {
          // The error handler itself failed; there is nobody left to tell.
        }
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  clear(): void {
    this.#listeners.clear();
  }
}
