import { InvalidInputError } from '../errors.js';
import type { LabelSelector } from './cluster-group.entity.js';

/**
 * Checks the Kubernetes rules a selector must follow beyond its shape: In/NotIn need values,
 * Exists/DoesNotExist take none (apimachinery LabelSelectorAsSelector). @throws InvalidInputError
 */
export function checkSelector(selector: LabelSelector): LabelSelector {
  for (const e of selector.matchExpressions ?? []) {
    const n = e.values?.length ?? 0;
    if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0) throw new InvalidInputError(`selector: operator ${e.operator} on "${e.key}" needs values`);
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0) throw new InvalidInputError(`selector: operator ${e.operator} on "${e.key}" takes no values`);
  }
  const out: LabelSelector = {};
  if (selector.matchLabels) out.matchLabels = { ...selector.matchLabels };
  if (selector.matchExpressions) out.matchExpressions = selector.matchExpressions.map((e) => ({ key: e.key, operator: e.operator, ...(e.values ? { values: [...e.values] } : {}) }));
  return out;
}
