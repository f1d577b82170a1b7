import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OpenAPIObject } from '@nestjs/swagger';
import { IsDefined, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { finishOpenApiDocument, toOpenApi31 } from './openapi.js';
import { IsLabelMap } from '../validators.js';

class ExampleDto {
  @Matches(/^[a-z]+$/) name!: string;
  @IsOptional() @Matches(/^x$/i) flagged?: string;
  @IsInt() @Min(1) @Max(10) count!: number;
  @IsString() @MinLength(16) @MaxLength(64) secret!: string;
  @IsISO8601() when!: string;
  @IsLabelMap() labels!: Record<string, string>;
  @IsDefined() needed!: object;
  @IsString({ each: true }) @Matches(/^v$/, { each: true }) values!: string[];
}

function docWith(): OpenAPIObject {
  return {
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    paths: {
      '/api/v1/examples': { post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/ExampleDto' } } } }, responses: { '201': { description: 'ok' } } } },
      '/api/v1/examples/{name}': { get: { responses: { '200': { description: 'ok' } } } },
      '/healthz': { get: { responses: { '200': { description: 'ok' } } } },
    },
    components: {
      schemas: {
        ExampleDto: {
          type: 'object',
          properties: {
            name: { type: 'string' }, flagged: { type: 'string' }, count: { type: 'number' }, secret: { type: 'string' }, when: { type: 'string' },
            labels: { type: 'object', additionalProperties: { type: 'string' } }, needed: { type: 'object' }, values: { type: 'array', items: { type: 'string' } },
          },
          required: ['name'],
        },
      },
    },
  } as OpenAPIObject;
}

describe('finishOpenApiDocument', () => {
  const doc = finishOpenApiDocument(docWith(), [ExampleDto]);
  const schema = doc.components!.schemas!.ExampleDto as Record<string, never> & { properties: Record<string, Record<string, unknown>>; required: string[] };
  const table: Array<[string, string, Record<string, unknown>]> = [
    ['@Matches → pattern', 'name', { type: 'string', pattern: '^[a-z]+$' }],
    ['@Matches with flags → no pattern (OpenAPI patterns have none)', 'flagged', { type: 'string' }],
    ['@IsInt @Min @Max → integer with bounds', 'count', { type: 'integer', minimum: 1, maximum: 10 }],
    ['@MinLength @MaxLength → lengths', 'secret', { type: 'string', minLength: 16, maxLength: 64 }],
    ['@IsISO8601 → date-time', 'when', { type: 'string', format: 'date-time' }],
  ];
  for (const [name, prop, want] of table) it(name, () => assert.deepEqual(schema.properties[prop], want));

  it('@IsLabelMap → propertyNames (label key) and label-value additionalProperties', () => {
    const labels = schema.properties.labels as { propertyNames: { pattern: string }; additionalProperties: { pattern: string; maxLength: number } };
    assert.ok(new RegExp(labels.propertyNames.pattern).test('example.com/tier'));
    assert.ok(!new RegExp(labels.propertyNames.pattern).test('bad key'));
    assert.equal(labels.additionalProperties.maxLength, 63);
  });

  it('each: applies to the items', () => assert.deepEqual(schema.properties.values, { type: 'array', items: { type: 'string', pattern: '^v$' } }));
  it('@IsDefined → required', () => assert.deepEqual(schema.required, ['name', 'needed']));
  it('closes request bodies', () => assert.equal(schema.additionalProperties, false));

  it('documents error answers: 401/403 only where a token is read, 404 with a path parameter, 409/413 with a body', () => {
    const codes = (path: string, method: string) => Object.keys((doc.paths[path] as Record<string, { responses: object }>)[method]!.responses).sort();
    assert.deepEqual(codes('/api/v1/examples', 'post'), ['201', '400', '401', '403', '409', '413']);
    assert.deepEqual(codes('/api/v1/examples/{name}', 'get'), ['200', '400', '401', '403', '404']);
    assert.deepEqual(codes('/healthz', 'get'), ['200', '400']);
  });
});

describe('toOpenApi31', () => {
  it('turns nullable into type unions and wraps nullable references', () => {
    const doc = {
      openapi: '3.0.0',
      paths: {},
      components: { schemas: { V: { type: 'object', properties: { a: { type: 'string', nullable: true }, b: { nullable: true, allOf: [{ $ref: '#/components/schemas/W' }], description: 'd' }, c: { type: 'string' } } } } },
    } as unknown as OpenAPIObject;
    toOpenApi31(doc);
    assert.equal(doc.openapi, '3.1.0');
    const props = (doc.components!.schemas!.V as { properties: Record<string, unknown> }).properties;
    assert.deepEqual(props.a, { type: ['string', 'null'] });
    assert.deepEqual(props.b, { description: 'd', oneOf: [{ allOf: [{ $ref: '#/components/schemas/W' }], description: 'd' }, { type: 'null' }] });
    assert.deepEqual(props.c, { type: 'string' });
  });

  it('a nullable class-typed property ({type: object, allOf: [$ref]}, as @nestjs/swagger writes it) may be null', () => {
    const doc = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: {}, components: { schemas: { V: { type: 'object', properties: {
      hold: { nullable: true, description: 'd', type: 'object', allOf: [{ $ref: '#/components/schemas/H' }] },
    } } } } } as unknown as OpenAPIObject;
    toOpenApi31(doc);
    assert.deepEqual((doc.components!.schemas!.V as { properties: Record<string, unknown> }).properties.hold, {
      description: 'd', oneOf: [{ description: 'd', type: 'object', allOf: [{ $ref: '#/components/schemas/H' }] }, { type: 'null' }],
    });
  });

  it('lets a nullable enum hold null', () => {
    const doc = { openapi: '3.0.0', paths: {}, components: { schemas: { V: { type: 'object', properties: { e: { type: 'string', enum: ['a', 'b'], nullable: true }, f: { type: 'string', enum: ['a'] } } } } } } as unknown as OpenAPIObject;
    toOpenApi31(doc);
    const props = (doc.components!.schemas!.V as { properties: Record<string, unknown> }).properties;
    assert.deepEqual(props.e, { type: ['string', 'null'], enum: ['a', 'b', null] });
    assert.deepEqual(props.f, { type: 'string', enum: ['a'] });
  });
});
