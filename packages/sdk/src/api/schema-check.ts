// Validation of the SDK's documents against a schema: the stored 6.9.17 SDL in tests, a live
// platform's `GET /schema` in `opencti-ts check-schema`. Standard GraphQL rules plus the
// platform's limit on repeated root fields (platform-contract §2).
import { buildSchema, GraphQLError, type GraphQLSchema, parse, specifiedRules, type ValidationContext, type ValidationRule, validate } from 'graphql';
import { DOCUMENTS, type GraphqlDocument } from './documents.ts';

const ROOT_FIELD_LIMITS: Record<string, { default: number; fields: Record<string, number> }> = {
  Query: { default: 2, fields: { subTypes: 4 } },
  Mutation: { default: 1, fields: {} },
};

/** The platform rejects a document selecting a Query root field > 2 times or a Mutation root field twice. */
export const rootFieldBatchingRule: ValidationRule = (context: ValidationContext) => {
  const counts = new Map<string, number>();
  return {
    Field: {
      leave(node) {
        const parent = context.getParentType();
        const limits = parent ? ROOT_FIELD_LIMITS[parent.name] : undefined;
        if (!parent || !limits) return;
        const key = `${parent.name}.${node.name.value}`;
        const count = (counts.get(key) ?? 0) + 1;
        counts.set(key, count);
        const max = limits.fields[node.name.value] ?? limits.default;
        if (count === max + 1)
          context.reportError(new GraphQLError(`Root field ${key} is selected ${count} times; the platform allows ${max} per document.`, { nodes: [node] }));
      },
    },
  };
};

export interface DocumentProblem {
  operationName: string;
  message: string;
}

/** Problems of every document against `schema` (empty = all valid). */
export function validateDocuments(schema: GraphQLSchema, documents: Iterable<GraphqlDocument<unknown, unknown>> = Object.values(DOCUMENTS)): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  for (const document of documents) {
    for (const error of validate(schema, parse(document.text), [...specifiedRules, rootFieldBatchingRule])) {
      const location = error.locations?.[0];
      problems.push({ operationName: document.operationName, message: `${location ? `${location.line}:${location.column} ` : ''}${error.message}` });
    }
  }
  return problems;
}

/** Builds a schema from printed SDL (what `GET /schema` returns). */
export function schemaFromSdl(sdl: string): GraphQLSchema {
  return buildSchema(sdl, { assumeValidSDL: true });
}
