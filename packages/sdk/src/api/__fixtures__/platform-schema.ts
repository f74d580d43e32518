// The stored OpenCTI 6.9.17 schema (shared/opencti/schema) built in-process, as
// validate-documents.mjs builds it (plus the @rateLimit directive the server adds in code).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const RATE_LIMIT = 'directive @rateLimit(limit: Int! = 60, duration: Int! = 60) on OBJECT | FIELD_DEFINITION';

function sdlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) return sdlFiles(full);
      return /\.(graphql|gql)$/.test(entry) ? [full] : [];
    });
}

/**
 * The merged schema printed as SDL (what the platform's `GET /schema` returns). Built and
 * printed with one CommonJS copy of graphql: @graphql-tools is CommonJS, and a schema object
 * cannot cross into the ESM copy the SDK uses; SDL text can.
 */
export function storedSchemaSdl(schemaDir: string): string {
  const require = createRequire(import.meta.url);
  const { makeExecutableSchema } = require('@graphql-tools/schema') as typeof import('@graphql-tools/schema');
  const { printSchema } = require('graphql') as typeof import('graphql');
  const typeDefs = [...sdlFiles(schemaDir).map((file) => readFileSync(file, 'utf8')), RATE_LIMIT];
  return printSchema(makeExecutableSchema({ typeDefs, resolverValidationOptions: { requireResolversToMatchSchema: 'ignore' } }));
}
