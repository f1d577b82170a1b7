// Kubernetes label selector matching (apimachinery semantics), pure.
import type { LabelSelector, LabelSelectorRequirement } from '../rendering/fleet-yaml.js';

export type { LabelSelector, LabelSelectorRequirement };

/**
 * True when `labels` satisfy `selector`, with Kubernetes semantics
 * (k8s.io/apimachinery metav1.LabelSelectorAsSelector + labels.Selector.Matches):
 * every matchLabels pair must be present and equal, and every matchExpression must hold —
 * `In`: key present with a listed value; `NotIn`: key absent or value not listed;
 * `Exists`: key present; `DoesNotExist`: key absent. An empty selector (no matchLabels, no
 * matchExpressions) matches everything. (A missing selector is the caller's business: Fleet
 * skips the criterion entirely.)
 * @throws Error for an unknown operator, In/NotIn without values, or Exists/DoesNotExist with
 *   values — the same inputs LabelSelectorAsSelector refuses.
 */
export function matchesSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    if (!matchesRequirement(req, labels)) return false;
  }
  return true;
}

function matchesRequirement(req: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
    case 'NotIn': {
      if (values.length === 0) throw new Error(`label selector: operator ${req.operator} on "${req.key}" needs values`);
      const listed = has && values.includes(labels[req.key]!);
      return req.operator === 'In' ? listed : !listed;
    }
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) throw new Error(`label selector: operator ${req.operator} on "${req.key}" takes no values`);
      return req.operator === 'Exists' ? has : !has;
    default:
      throw new Error(`label selector: invalid operator "${String((req as { operator: unknown }).operator)}" on "${req.key}"`);
  }
}
