/** Pure rule of the bundle GC: which objects of the bundle store may be deleted. No I/O. */

/**
 * The digests to delete: objects in `objects` that are not in `referenced` and have been
 * unreferenced (`unreferencedSince`) for at least `graceMs` at `now`. An object without a
 * recorded since-time is never collectable (it was just found unreferenced).
 */
export function collectableDigests(objects: readonly string[], referenced: ReadonlySet<string>, unreferencedSince: ReadonlyMap<string, Date>, now: Date, graceMs: number): string[] {
  return objects.filter((d) => {
    if (referenced.has(d)) return false;
    const since = unreferencedSince.get(d);
    return since !== undefined && now.getTime() - since.getTime() >= graceMs;
  });
}
