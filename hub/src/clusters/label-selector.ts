import { LabelSelectorError, validateSelector, type LabelSelector } from '@gitfleet/proto';
import { InvalidInputError } from '../errors.js';

/**
 * Checks the Kubernetes rules a selector must follow beyond its shape (@gitfleet/proto
 * validateSelector: In/NotIn need values, Exists/DoesNotExist take none — apimachinery
 * LabelSelectorAsSelector) and returns a copy holding only the selector's fields.
 * @throws InvalidInputError `selector: operator <op> on "<key>" needs values` (or `takes no values`)
 */
export function checkSelector(selector: LabelSelector): LabelSelector {
  try {
    validateSelector(selector);
  } catch (err) {
    if (err instanceof LabelSelectorError) throw new InvalidInputError(`selector: ${err.reason}`, { cause: err });
    throw err;
  }
  const out: LabelSelector = {};
  if (selector.matchLabels) out.matchLabels = { ...selector.matchLabels };
  if (selector.matchExpressions) out.matchExpressions = selector.matchExpressions.map((e) => ({ key: e.key, operator: e.operator, ...(e.values ? { values: [...e.values] } : {}) }));
  return out;
}
