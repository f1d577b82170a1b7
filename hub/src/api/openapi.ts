/**
 * Makes the OpenAPI document of the admin API say exactly what the API validates and answers.
 * `@nestjs/swagger` builds schemas from `@ApiProperty` only, so a DTO whose validators are stricter
 * than its decorators (a `@Matches` pattern, a length, an integer) documents inputs the API refuses,
 * and the error answers are not documented at all. `finishOpenApiDocument` fixes both from the
 * source of truth, the class-validator metadata of the DTO classes:
 * - constraints of each validator are copied into the property's schema (pattern, lengths, bounds,
 *   integer, date-time, enum, required, label maps as `propertyNames` + value pattern);
 * - request body schemas get `additionalProperties: false` (the ValidationPipe runs with
 *   `forbidNonWhitelisted`, so an unknown property is refused with 400);
 * - every operation documents its error answers (400, 401, 403, 404, 409, 413) with ErrorView.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { LABEL_KEY, LABEL_VALUE } from '../validators.js';

/** A class constructor (a DTO class). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Class = abstract new (...args: any[]) => unknown;

/** An OpenAPI 3.0 schema object, as far as this module reads and writes it. */
type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[]; $ref?: string; items?: Schema };

/** One validator on one property, as class-validator records it. */
interface ValidatorMeta {
  type: string;
  name?: string;
  propertyName: string;
  constraints?: unknown[];
  each?: boolean;
}

/** Name of the error schema added to components. */
export const ERROR_SCHEMA = 'ErrorView';

/** Reference to the error schema, for `@Api…Response({ schema: ERROR_REF })`. */
export const ERROR_REF = { $ref: `#/components/schemas/${ERROR_SCHEMA}` };

/** The error body every 4xx/5xx answer of the API has (DomainExceptionFilter, Nest's HttpException). */
const ERROR_VIEW: Schema = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 400 },
    error: { type: 'string', example: 'Bad Request' },
    message: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'what is wrong, naming the field' },
  },
};

/** Finishes `doc` in place (see the module comment). @returns doc */
export function finishOpenApiDocument(doc: OpenAPIObject, classes: Iterable<Class> = validatedClasses()): OpenAPIObject {
  const schemas = ((doc.components ??= {}).schemas ??= {}) as Record<string, Schema>;
  for (const cls of classes) {
    const schema = schemas[cls.name];
    if (schema?.properties) applyValidators(schema, validatorsOf(cls));
  }
  closeRequestSchemas(doc, schemas);
  schemas[ERROR_SCHEMA] = ERROR_VIEW;
  documentErrors(doc);
  toOpenApi31(doc);
  return doc;
}

/**
 * Turns the 3.0 document @nestjs/swagger writes into OpenAPI 3.1 (JSON Schema 2020-12), whose
 * `propertyNames` describes label keys: `nullable: true` becomes `type: [t, "null"]` (with `null`
 * added to an `enum`, which JSON Schema checks on its own) or a `oneOf` with `{type: "null"}`
 * around a `$ref`). Source: OpenAPI 3.1.0 "Data Types" / the 3.0 →
 * 3.1 migration notes (nullable removed).
 */
export function toOpenApi31(doc: OpenAPIObject): void {
  doc.openapi = '3.1.0';
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const x of node) visit(x);
      return;
    }
    const o = node as Record<string, unknown>;
    for (const v of Object.values(o)) visit(v);
    if (o.nullable === true) {
      delete o.nullable;
      // @nestjs/swagger writes a nullable class-typed property as {type: 'object', allOf: [{$ref}]}:
      // a type union would still require the $ref, so that one is wrapped like a bare $ref
      if (typeof o.type === 'string' && o.allOf === undefined && o.$ref === undefined) {
        o.type = [o.type, 'null'];
        if (Array.isArray(o.enum) && !o.enum.includes(null)) o.enum = [...(o.enum as unknown[]), null];
      } else {
        const inner = { ...o };
        for (const k of Object.keys(o)) if (k !== 'description') delete o[k];
        o.oneOf = [inner, { type: 'null' }];
      }
    }
  };
  visit(doc.paths);
  visit(doc.components);
}

/** Every class class-validator holds metadata for (the DTOs). */
function validatedClasses(): Class[] {
  const storage = getMetadataStorage() as unknown as { validationMetadatas?: Map<unknown, unknown> };
  // class-validator keeps them in a private Map (0.14+); without it nothing is added
  return storage.validationMetadatas instanceof Map ? [...storage.validationMetadatas.keys()].filter((k): k is Class => typeof k === 'function') : [];
}

/** The validators declared on `cls` (and the classes it extends). */
export function validatorsOf(cls: Class): ValidatorMeta[] {
  return getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false) as unknown as ValidatorMeta[];
}

/**
 * Copies validator constraints into the property schemas of `schema` (one class's schema).
 * Rules: IsDefined → required; matches → pattern (the RegExp's source; flags are not allowed in
 * OpenAPI patterns, so a flagged RegExp is skipped); minLength/maxLength/length → minLength,
 * maxLength; min/max → minimum/maximum; isInt → type integer; isIso8601/isDateString → format
 * date-time; isIn → enum; isLabelMap → propertyNames (label key) and additionalProperties (label
 * value); isObject → type object. A validator with `each` applies to the array's items.
 */
export function applyValidators(schema: Schema, validators: ValidatorMeta[]): void {
  const props = schema.properties ?? {};
  for (const v of validators) {
    const prop = props[v.propertyName];
    if (!prop) continue;
    if (v.type === 'isDefined') {
      schema.required = [...new Set([...(schema.required ?? []), v.propertyName])];
      continue;
    }
    if (v.type !== 'customValidation') continue;
    const target = v.each && prop.items ? prop.items : prop;
    if (target.$ref) continue;
    const c = v.constraints ?? [];
    switch (v.name) {
      case 'matches': {
        const re = c[0];
        if (re instanceof RegExp && re.flags === '') target.pattern = re.source;
        else if (typeof re === 'string' && !c[1]) target.pattern = re;
        break;
      }
      case 'minLength': target.minLength = c[0]; break;
      case 'maxLength': target.maxLength = c[0]; break;
      case 'isLength':
        target.minLength = c[0];
        if (c[1] !== undefined) target.maxLength = c[1];
        break;
      case 'min': target.minimum = c[0]; break;
      case 'max': target.maximum = c[0]; break;
      case 'isInt': target.type = 'integer'; break;
      case 'isIso8601':
      case 'isDateString': target.format = 'date-time'; break;
      case 'isIn': if (Array.isArray(c[0])) target.enum = c[0]; break;
      case 'isObject': target.type = 'object'; break;
      case 'isLabelMap':
        target.type = 'object';
        target.propertyNames = { type: 'string', pattern: LABEL_KEY.source, maxLength: 317 };
        target.additionalProperties = { type: 'string', pattern: LABEL_VALUE.source, maxLength: 63 };
        break;
      default:
        break;
    }
  }
}

/** Sets `additionalProperties: false` on every object schema a request body refers to (transitively), unless it says otherwise. */
function closeRequestSchemas(doc: OpenAPIObject, schemas: Record<string, Schema>): void {
  const seen = new Set<string>();
  const visit = (s: Schema | undefined): void => {
    if (!s) return;
    if (s.$ref) {
      const name = s.$ref.replace('#/components/schemas/', '');
      if (seen.has(name)) return;
      seen.add(name);
      visit(schemas[name]);
      return;
    }
    if (s.items) visit(s.items);
    for (const k of ['oneOf', 'anyOf', 'allOf'] as const) for (const x of (s[k] as Schema[] | undefined) ?? []) visit(x);
    if (s.properties) {
      if (s.additionalProperties === undefined) s.additionalProperties = false;
      for (const p of Object.values(s.properties)) visit(p);
    }
  };
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item as Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>)) {
      for (const media of Object.values(op?.requestBody?.content ?? {})) visit(media.schema);
    }
  }
}

const ERROR_DESCRIPTIONS: Record<string, string> = {
  '400': 'the request is malformed or fails validation (the message names the field)',
  '401': 'no valid bearer token',
  '403': 'the token\'s role does not allow this',
  '404': 'the named resource does not exist',
  '409': 'conflicts with the current state (e.g. the name is taken)',
  '413': 'the request body is larger than 1 MiB',
};

/**
 * Adds the error answers to each operation that does not document them: 400 to every operation
 * (a query, path or body that fails validation; a malformed body), 401 and 403 to every
 * operation that needs or accepts a bearer token (all but the open ones: health, OpenAPI, signing
 * keys, enrollment), 404 to operations with a path parameter, 409 and 413 to operations with a body.
 */
function documentErrors(doc: OpenAPIObject): void {
  const ref = ERROR_REF;
  const open = (path: string) => !path.startsWith('/api/v1/') || path === '/api/v1/signing-keys' || path === '/api/v1/enroll';
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, { responses?: Record<string, unknown>; requestBody?: unknown; parameters?: unknown[] }>)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method) || !op) continue;
      const codes = ['400'];
      if (!open(path)) codes.push('401', '403');
      if (path.includes('{')) codes.push('404');
      if (op.requestBody) codes.push('409', '413');
      const responses = (op.responses ??= {});
      for (const code of codes) {
        responses[code] ??= { description: ERROR_DESCRIPTIONS[code], content: { 'application/json': { schema: ref } } };
      }
    }
  }
}
