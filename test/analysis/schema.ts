// Test helper: validates analysis documents against schema/analysis.schema.json with ajv (draft 2020-12).

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnalysisDocument } from '../../src/analysis/types.js';

const schemaPath = new URL('../../../schema/analysis.schema.json', import.meta.url);
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);

/** Schema errors as readable lines; empty when the document is valid. Round-trips through JSON first. */
export function schemaErrors(doc: AnalysisDocument): string[] {
  const data: unknown = JSON.parse(JSON.stringify(doc));
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
