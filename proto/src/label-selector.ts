/**
 * Kubernetes label selectors, the one implementation hub targeting, hub cluster groups and the
 * agent share. Pure (no I/O). Semantics are apimachinery's: metav1.LabelSelectorAsSelector builds
 * a labels.Selector from a metav1.LabelSelector, labels.SelectorFromSet builds one from a label
 * set, and labels.Selector.Matches / String() match and print it.
 */

/** Operator of a {@link LabelSelectorRequirement} (metav1.LabelSelectorOperator). */
export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** Every {@link LabelSelectorOperator}. */
export const LABEL_SELECTOR_OPERATORS: readonly LabelSelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** One requirement of a Kubernetes LabelSelector (metav1.LabelSelectorRequirement). */
export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  /** Required (non-empty) for In/NotIn, must be empty for Exists/DoesNotExist. */
  values?: string[];
}

/**
 * Kubernetes metav1.LabelSelector: all of matchLabels AND all of matchExpressions. An empty
 * selector (neither, or both empty) matches everything.
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * A selector apimachinery's LabelSelectorAsSelector refuses. `reason` says why without the
 * "label selector: " prefix (e.g. `operator In on "env" needs values`), so a caller can put its
 * own subject in front; `key` and `operator` name the requirement at fault.
 */
export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';

  constructor(
    readonly key: string,
    readonly operator: string,
    readonly reason: string,
  ) {
    super(`label selector: ${reason}`);
  }
}

/**
 * Checks the rules LabelSelectorAsSelector enforces beyond the shape: a known operator, In/NotIn
 * with at least one value, Exists/DoesNotExist with none. Label key and value syntax is not
 * checked (the hub validates names where it accepts them).
 * @throws LabelSelectorError naming the first requirement at fault
 */
export function validateSelector(selector: LabelSelector): void {
  for (const req of selector.matchExpressions ?? []) checkRequirement(req);
}

/**
 * True when `labels` satisfy `selector` (metav1.LabelSelectorAsSelector + labels.Selector.Matches):
 * every matchLabels pair must be present and equal, and every matchExpression must hold —
 * `In`: key present with a listed value; `NotIn`: key absent or value not listed;
 * `Exists`: key present; `DoesNotExist`: key absent. An empty selector (no matchLabels, no
 * matchExpressions) matches everything. Only own properties of `labels` count (`toString` is not
 * a label). (A missing selector is the caller's business: Fleet skips the criterion entirely.)
 * @throws LabelSelectorError for an unknown operator, In/NotIn without values, or
 *   Exists/DoesNotExist with values — the inputs LabelSelectorAsSelector refuses.
 */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    if (!matchesRequirement(req, labels)) return false;
  }
  return true;
}

/**
 * The selector that matches exactly the label sets containing `labels` (labels.SelectorFromSet):
 * every pair as a matchLabels entry. An empty set gives the empty selector (matches everything).
 */
export function selectorFromSet(labels: Readonly<Record<string, string>>): LabelSelector {
  return { matchLabels: { ...labels } };
}

/**
 * A selector in its query form, as the apiserver's `labelSelector` parameter takes it
 * (labels.Selector.String()): `k=v` for matchLabels, then `k in (a,b)`, `k notin (a)`, `k`
 * (Exists), `!k` (DoesNotExist), comma-separated, in the order given (apimachinery sorts by key;
 * the apiserver parses either order the same). The empty selector gives "" (everything).
 * @throws LabelSelectorError for a selector {@link validateSelector} refuses
 */
export function selectorString(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    checkRequirement(req);
    const values = (req.values ?? []).join(',');
    if (req.operator === 'In') parts.push(`${req.key} in (${values})`);
    else if (req.operator === 'NotIn') parts.push(`${req.key} notin (${values})`);
    else if (req.operator === 'Exists') parts.push(req.key);
    else parts.push(`!${req.key}`);
  }
  return parts.join(',');
}

function checkRequirement(req: LabelSelectorRequirement): void {
  const n = req.values?.length ?? 0;
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      if (n === 0) throw new LabelSelectorError(req.key, req.operator, `operator ${req.operator} on "${req.key}" needs values`);
      return;
    case 'Exists':
    case 'DoesNotExist':
      if (n > 0) throw new LabelSelectorError(req.key, req.operator, `operator ${req.operator} on "${req.key}" takes no values`);
      return;
    default: {
      const op = String((req as { operator: unknown }).operator);
      throw new LabelSelectorError(req.key, op, `invalid operator "${op}" on "${req.key}"`);
    }
  }
}

function matchesRequirement(req: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  checkRequirement(req);
  const has = Object.hasOwn(labels, req.key);
  switch (req.operator) {
    case 'In':
      return has && req.values!.includes(labels[req.key]!);
    case 'NotIn':
      return !(has && req.values!.includes(labels[req.key]!));
    case 'Exists':
      return has;
    default:
      return !has;
  }
}
