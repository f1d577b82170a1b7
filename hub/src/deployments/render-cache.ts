/** A small bounded LRU map (insertion order of a Map = recency). */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();

  /** `capacity`: the most entries kept; the least recently used goes first. */
  constructor(private readonly capacity: number) {}

  /** The value at `key` (marks it used), or undefined. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** Stores `value` at `key`, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  /** Number of entries. */
  get size(): number {
    return this.map.size;
  }
}
