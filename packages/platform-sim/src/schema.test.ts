// The stand-in's SDL is a strict subset of the real OpenCTI 6.9.17 schema: every type,
// field, argument, enum value and input field it declares exists there with the same
// type. Also: the pycti documents and this package's test documents validate.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sharedPath } from '@opencti-ts/testing';
import {
  buildASTSchema,
  buildSchema,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
  Kind,
  parse,
  validate,
  validateSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { DOCUMENTS } from './__fixtures__/documents.ts';
import { CLIENT_DOCUMENTS } from './client.ts';
import { rootFieldLimitRule, SCHEMA_SDL } from './graphql.ts';

const schemaDir = sharedPath('opencti/schema');
const examplesDir = sharedPath('opencti/examples');
const validator = sharedPath('opencti/validate-documents.mjs');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : name.endsWith('.graphql') ? [full] : [];
  });
}

const subset = buildSchema(SCHEMA_SDL);
const RATE_LIMIT = 'directive @rateLimit(limit: Int! = 60, duration: Int! = 60) on OBJECT | FIELD_DEFINITION';

/** The server merges the module files (a type may be declared in several); so do we. */
function mergeDefinitions(sources: string[]): DocumentNode {
  const byName = new Map<string, { fields?: { name: { value: string } }[]; values?: { name: { value: string } }[] }>();
  const definitions: DefinitionNode[] = [];
  for (const source of sources) {
    for (const definition of parse(source).definitions) {
      const name = 'name' in definition && definition.name ? definition.name.value : undefined;
      const isTypeDefinition = definition.kind.endsWith('TypeDefinition');
      const kept = name !== undefined && isTypeDefinition ? byName.get(name) : undefined;
      if (name !== undefined && kept) {
        // A later declaration of the same type contributes its new fields / values.
        const extra = 'fields' in definition ? definition.fields : undefined;
        const values = 'values' in definition ? definition.values : undefined;
        if (extra && kept.fields) for (const field of extra) if (!kept.fields.some((f) => f.name.value === field.name.value)) kept.fields.push(field);
        if (values && kept.values) for (const value of values) if (!kept.values.some((v) => v.name.value === value.name.value)) kept.values.push(value);
        continue;
      }
      const copy = {
        ...definition,
        ...('fields' in definition && definition.fields ? { fields: [...definition.fields] } : {}),
        ...('values' in definition && definition.values ? { values: [...definition.values] } : {}),
      };
      if (name !== undefined && isTypeDefinition) byName.set(name, copy as never);
      definitions.push(copy as DefinitionNode);
    }
  }
  return { kind: Kind.DOCUMENT, definitions };
}

/** Every declaration of a schema as `kind path → type text`. */
function declarations(type: GraphQLNamedType): Map<string, string> {
  const out = new Map<string, string>();
  if (isObjectType(type) || isInterfaceType(type)) {
    for (const field of Object.values(type.getFields())) {
      out.set(`${type.name}.${field.name}`, String(field.type));
      for (const arg of field.args) out.set(`${type.name}.${field.name}(${arg.name})`, String(arg.type));
    }
    for (const iface of type.getInterfaces()) out.set(`${type.name} implements ${iface.name}`, '');
  } else if (isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) out.set(`${type.name}.${field.name}`, String(field.type));
  } else if (isEnumType(type)) {
    for (const value of type.getValues()) out.set(`${type.name}.${value.name}`, 'enum value');
  } else if (isUnionType(type)) {
    for (const member of type.getTypes()) out.set(`${type.name} | ${member.name}`, '');
  }
  return out;
}

describe('the subset schema', () => {
  it('is a valid schema', () => {
    expect(validateSchema(subset)).toEqual([]);
  });

  describe.skipIf(!schemaDir.available)('against the real 6.9.17 schema', () => {
    const real = schemaDir.available
      ? buildASTSchema(mergeDefinitions([...walk(schemaDir.path).map((file) => readFileSync(file, 'utf8')), RATE_LIMIT]), { assumeValidSDL: true })
      : subset;

    it('declares only types, fields, arguments, enum values and input fields the platform has, with the same types', () => {
      const missing: string[] = [];
      for (const type of Object.values(subset.getTypeMap())) {
        if (type.name.startsWith('__')) continue;
        const twin = real.getType(type.name);
        if (!twin) {
          missing.push(`type ${type.name}`);
          continue;
        }
        const kind = (t: GraphQLNamedType) =>
          isObjectType(t)
            ? 'object'
            : isInterfaceType(t)
              ? 'interface'
              : isUnionType(t)
                ? 'union'
                : isEnumType(t)
                  ? 'enum'
                  : isInputObjectType(t)
                    ? 'input'
                    : isScalarType(t)
                      ? 'scalar'
                      : '?';
        if (kind(type) !== kind(twin)) missing.push(`${type.name} is a ${kind(type)}, the platform's is a ${kind(twin)}`);
        const theirs = declarations(twin);
        for (const [key, typeText] of declarations(type)) {
          if (!theirs.has(key)) missing.push(key);
          else if (theirs.get(key) !== typeText) missing.push(`${key}: ${typeText} ≠ ${theirs.get(key)}`);
        }
      }
      expect(missing).toEqual([]);
    });

    it('keeps the @auth requirements of the root fields it serves', () => {
      const authOf = (field: { astNode?: { directives?: readonly { name: { value: string }; loc?: unknown }[] } | null } | undefined) =>
        (field?.astNode?.directives ?? []).filter((d) => d.name.value === 'auth').length;
      for (const root of ['Query', 'Mutation'] as const) {
        const mine = root === 'Query' ? subset.getQueryType() : subset.getMutationType();
        const theirs = root === 'Query' ? real.getQueryType() : real.getMutationType();
        for (const field of Object.values(mine?.getFields() ?? {}))
          expect(authOf(field), `${root}.${field.name}`).toBe(authOf(theirs?.getFields()[field.name]));
      }
    });
  });

  it.skipIf(!examplesDir.available)('accepts every pycti document of shared/opencti/examples', () => {
    if (!examplesDir.available) return;
    const problems = readdirSync(examplesDir.path)
      .filter((name) => name.endsWith('.graphql'))
      .flatMap((name) =>
        validate(subset, parse(readFileSync(path.join(examplesDir.path, name), 'utf8')), undefined).map((error) => `${name}: ${error.message}`),
      );
    expect(problems).toEqual([]);
  });

  it('rejects two calls of one mutation root field, aliases included', () => {
    const document = parse('mutation { a: workEdit(id: "1") { ping } b: workEdit(id: "2") { ping } }');
    const errors = validate(subset, document, [rootFieldLimitRule]);
    expect(errors.map((error) => error.message)).toEqual(['Root field workEdit can be used at most 1 time(s) per document']);
  });

  it.skipIf(!validator.available)("validates this package's test documents and the e2e client's with validate-documents.mjs", () => {
    if (!validator.available) return;
    const dir = mkdtempSync(path.join(tmpdir(), 'sim-docs-'));
    try {
      for (const [name, text] of Object.entries(DOCUMENTS)) writeFileSync(path.join(dir, `${name}.graphql`), text);
      for (const [name, text] of Object.entries(CLIENT_DOCUMENTS)) writeFileSync(path.join(dir, `client-${name}.graphql`), text);
      const result = spawnSync(process.execPath, [validator.path, dir], { cwd: path.resolve(import.meta.dirname, '..'), encoding: 'utf8' });
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
