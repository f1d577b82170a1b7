/** Shared class-validator rules for the admin API DTOs. */
import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

/** Kubernetes label key: optional DNS-subdomain prefix + '/' + name (<= 63, alphanumeric ends). */
export const LABEL_KEY = /^(([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Kubernetes label value: empty or <= 63 characters, alphanumeric ends. */
export const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * True when `value` is a plain object of Kubernetes labels (string → string), with keys and
 * values following apimachinery's label rules (validation.IsQualifiedName / IsValidLabelValue).
 */
export function isLabelMap(value: unknown): value is Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.entries(value).every(([k, v]) => LABEL_KEY.test(k) && k.length <= 317 && typeof v === 'string' && LABEL_VALUE.test(v));
}

/** class-validator decorator: the property is a Kubernetes label map (see `isLabelMap`). */
export function IsLabelMap(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isLabelMap',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: (a: ValidationArguments) => `${a.property} must be a map of Kubernetes label keys to label values`, ...options },
      validator: { validate: (v: unknown) => isLabelMap(v) },
    });
}
