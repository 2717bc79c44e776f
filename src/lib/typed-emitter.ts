import { EventEmitter } from 'node:events';

/**
 * A typed facade over EventEmitter: `Events` maps each event name to its argument tuple, so
 * `emit('task:status-changed', change)` is checked at compile time.
 */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly inner = new EventEmitter();

  constructor() {
    this.inner.setMaxListeners(50);
  }

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends keyof Events & string>(name: K, listener: (...args: Events[K]) => void): () => void {
    const fn = listener as (...args: unknown[]) => void;
    this.inner.on(name, fn);
    return () => this.inner.off(name, fn);
  }

  emit<K extends keyof Events & string>(name: K, ...args: Events[K]): void {
    this.inner.emit(name, ...args);
  }
}
