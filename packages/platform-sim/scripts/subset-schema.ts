// Generates src/schema.graphql: the part of the real OpenCTI 6.9.17 schema the stand-in
// serves, copied field by field. Input: every pycti document of shared/opencti/examples
// plus served-documents.graphql. Each type, field, argument and input field is copied
// from the real schema (all arguments of a kept field, input types whole, enums whole),
// then closed so the subset is itself a valid schema: every implementor of a kept
// interface keeps that interface's fields, and every concrete type of a kept abstract
// type is kept so that stored entities of any type resolve. `@auth` is kept: the server
// enforces capabilities from it.
//   node --conditions=source scripts/subset-schema.ts [<shared dir>]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  type DirectiveNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  isUnionType,
  parse,
  print,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
} from 'graphql';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = process.argv[2] ?? path.resolve(here, '../../../../shared');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(path.join(dir, entry.name)) : entry.name.endsWith('.graphql') ? [path.join(dir, entry.name)] : [],
  );
}

export function realSchema(sharedDir: string): GraphQLSchema {
  const typeDefs = walk(path.join(sharedDir, 'opencti/schema')).map((file) => readFileSync(file, 'utf8'));
  typeDefs.push('directive @rateLimit(limit: Int! = 60, duration: Int! = 60) on OBJECT | FIELD_DEFINITION');
  return makeExecutableSchema({ typeDefs, resolverValidationOptions: { requireResolversToMatchSchema: 'ignore' } });
}

const real = realSchema(shared);
const documents = [
  ...walk(path.join(shared, 'opencti/examples')).map((file) => ({ file, text: readFileSync(file, 'utf8') })),
  { file: 'served-documents.graphql', text: readFileSync(path.join(here, 'served-documents.graphql'), 'utf8') },
];

const types = new Set<string>();
const fields = new Map<string, Set<string>>();
const keepField = (type: string, field: string) => {
  types.add(type);
  const set = fields.get(type) ?? new Set<string>();
  set.add(field);
  fields.set(type, set);
};

for (const { file, text } of documents) {
  const ast = parse(text);
  const errors = validate(real, ast);
  if (errors.length > 0) {
    console.error(`${file}: ${errors.map((e) => e.message).join('\n  ')}`);
    process.exit(1);
  }
  const info = new TypeInfo(real);
  visit(
    ast,
    visitWithTypeInfo(info, {
      Field() {
        const parent = info.getParentType();
        const def = info.getFieldDef();
        if (parent && def && !def.name.startsWith('__')) keepField(parent.name, def.name);
      },
      InlineFragment(node) {
        if (node.typeCondition) types.add(node.typeCondition.name.value);
      },
      VariableDefinition() {
        const input = info.getInputType();
        if (input) types.add(getNamedType(input).name);
      },
    }),
  );
}
types.add('Query');
types.add('Mutation');

const fieldsOf = (type: GraphQLNamedType): Record<string, GraphQLField<unknown, unknown>> =>
  isObjectType(type) || isInterfaceType(type) ? type.getFields() : {};

// Closure to a fixpoint.
let changed = true;
while (changed) {
  changed = false;
  const before = `${types.size}:${[...fields.values()].reduce((n, s) => n + s.size, 0)}`;
  for (const name of [...types]) {
    const type = real.getType(name);
    if (!type) continue;
    if (isInterfaceType(type) || isUnionType(type)) for (const member of real.getPossibleTypes(type)) types.add(member.name);
    if (isInterfaceType(type)) {
      for (const impl of real.getImplementations(type).interfaces) if (types.has(impl.name)) for (const f of fields.get(name) ?? []) keepField(impl.name, f);
      for (const impl of real.getImplementations(type).objects) for (const f of fields.get(name) ?? []) keepField(impl.name, f);
    }
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const iface of type.getInterfaces()) {
        // Interfaces of a kept type are kept only when something else keeps them.
        if (types.has(iface.name)) for (const f of fields.get(iface.name) ?? []) keepField(name, f);
      }
      for (const fieldName of fields.get(name) ?? []) {
        const field = fieldsOf(type)[fieldName];
        if (!field) continue;
        const returned = getNamedType(field.type).name;
        types.add(returned);
        // A covariant field (interface says Z, implementor says Y) keeps on Y what Z keeps.
        for (const iface of type.getInterfaces()) {
          const declared = iface.getFields()[fieldName];
          const declaredType = declared ? getNamedType(declared.type).name : returned;
          if (declaredType !== returned) for (const f of fields.get(declaredType) ?? []) keepField(returned, f);
        }
        for (const arg of field.args) types.add(getNamedType(arg.type).name);
      }
    }
    if (isInputObjectType(type)) for (const f of Object.values(type.getFields())) types.add(getNamedType(f.type).name);
  }
  const after = `${types.size}:${[...fields.values()].reduce((n, s) => n + s.size, 0)}`;
  changed = before !== after;
}

const authOnly = (directives: readonly DirectiveNode[] | undefined) =>
  (directives ?? [])
    .filter((d) => d.name.value === 'auth')
    .map((d) => ` ${print(d)}`)
    .join('');
const printArg = (arg: GraphQLArgument) => {
  const node = arg.astNode;
  const defaultValue = node?.defaultValue ? ` = ${print(node.defaultValue)}` : '';
  return `${arg.name}: ${String(arg.type)}${defaultValue}`;
};

const out: string[] = [
  '# GENERATED by scripts/subset-schema.ts from the OpenCTI 6.9.17 schema (Apache-2.0, Filigran SAS):',
  '# the strict subset of it that the stand-in serves. Do not edit; regenerate.',
  'directive @auth(for: [Capabilities] = [], and: Boolean = false) on OBJECT | FIELD_DEFINITION',
  '',
];
types.add('Capabilities');
for (const name of [...types].sort()) {
  const type = real.getType(name);
  if (!type || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
  if (isScalarType(type)) out.push(`scalar ${name}`, '');
  else if (isEnumType(type)) out.push(`enum ${name} {`, ...type.getValues().map((v) => `  ${v.name}`), '}', '');
  else if (isUnionType(type)) {
    const members = type.getTypes().filter((member) => (fields.get(member.name)?.size ?? 0) > 0);
    out.push(`union ${name} = ${members.map((m) => m.name).join(' | ')}`, '');
  } else if (isInputObjectType(type)) {
    out.push(
      `input ${name} {`,
      ...Object.values(type.getFields()).map((f) => `  ${f.name}: ${String(f.type)}${f.astNode?.defaultValue ? ` = ${print(f.astNode.defaultValue)}` : ''}`),
      '}',
      '',
    );
  } else if (isObjectType(type) || isInterfaceType(type)) {
    const kept = [...(fields.get(name) ?? [])].sort();
    if (kept.length === 0) continue;
    const ifaces = type.getInterfaces().filter((i) => types.has(i.name) && (fields.get(i.name)?.size ?? 0) > 0);
    const keyword = isObjectType(type) ? 'type' : 'interface';
    const impl = ifaces.length > 0 ? ` implements ${ifaces.map((i) => i.name).join(' & ')}` : '';
    const typeAuth = authOnly(type.astNode?.directives);
    out.push(`${keyword} ${name}${impl}${typeAuth} {`);
    for (const fieldName of kept) {
      const field = type.getFields()[fieldName];
      if (!field) continue;
      const args = field.args.length > 0 ? `(${field.args.map(printArg).join(', ')})` : '';
      out.push(`  ${fieldName}${args}: ${String(field.type)}${authOnly(field.astNode?.directives)}`);
    }
    out.push('}', '');
  }
}
writeFileSync(path.join(here, '../src/schema.graphql'), out.join('\n'));
console.log(`wrote src/schema.graphql: ${types.size} types`);
